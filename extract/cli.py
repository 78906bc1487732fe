"""The `policykg extract` and `policykg eval` subcommands: parse arguments, call the pipeline, print."""

from __future__ import annotations

import sys

EPILOG = """example:
  policykg extract corpus/ --format csv > 分工表.csv
  policykg extract corpus/guangzhou-ip-plan-2021-2025.txt --format json
  policykg extract corpus/my-plan.txt --format gold > gold/my-plan.gold.json   # correct it by hand"""

EVAL_EPILOG = """example:
  policykg eval gold/ corpus/
  policykg eval gold/my-plan.gold.json corpus/my-plan.txt --format json"""


def add_parser(sub) -> None:
    """Register `extract` on an argparse subparsers object."""
    import argparse

    p = sub.add_parser("extract", help="extract tasks, agencies by role and the rest from plan files",
                       description="Extract structure, tasks, agencies by role, boxes, references, places, "
                                   "indicators and footnotes from plan files or folders.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help="a document file or a folder of documents")
    p.add_argument("--format", choices=("table", "json", "csv", "gold"), default="table",
                   help="table (default), json (every record with its spans), csv (one row per task × agency × "
                        "role), gold (the units in the gold format of `policykg eval`, to correct by hand)")
    p.add_argument("-o", "--output", default="-", help="write here instead of stdout ('-')")
    p.set_defaults(func=run)


def add_eval_parser(sub) -> None:
    """Register `eval` on an argparse subparsers object."""
    import argparse

    p = sub.add_parser("eval", help="precision, recall and F1 of the extraction against hand-checked gold",
                       description="Compare the agencies by role (and deadlines) extracted from the documents "
                                   "with a gold file: precision, recall and F1 per role, per document and overall, "
                                   "then every miss and every extra with its line and quote. GOLD is a .json file "
                                   "or a folder of *.gold.json files (see README: Measuring accuracy).",
                       epilog=EVAL_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("gold", metavar="GOLD", help="a gold .json file or a folder of *.gold.json files")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="the documents, files or folders (default: the folder holding GOLD)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("-o", "--output", default="-", help="write here instead of stdout ('-')")
    p.set_defaults(func=run_eval)


def run(args) -> int:
    """Extract every document; report bad ones on stderr; fail only when nothing was extracted."""
    from .evaluate import to_gold
    from .pipeline import extract_paths
    from .reader import InputError
    from .serialize import to_csv, to_json, to_table

    results = extract_paths(args.paths)
    good = [r for r in results if not isinstance(r, InputError)]
    for r in results:
        if isinstance(r, InputError):
            print(f"policykg: {r}", file=sys.stderr)
    for x in good:
        for w in x.warnings:
            loc = f"{x.document.source}:{w.line}" if w.line else x.document.source
            print(f"policykg: warning: {loc}: {w.message}", file=sys.stderr)
    if not good:
        return 1
    render = {"json": to_json, "csv": to_csv, "table": to_table, "gold": to_gold}[args.format]
    write_text(args.output, render(good))
    return 0


def run_eval(args) -> int:
    """Score the documents against the gold; fail only when nothing could be evaluated."""
    from pathlib import Path

    from . import evaluate as ev
    from .pipeline import extract_file
    from .reader import InputError, list_documents

    gold = ev.load_gold_path(args.gold)
    paths = args.paths or [str(Path(args.gold) if Path(args.gold).is_dir() else Path(args.gold).parent)]
    wanted = {g.document for g in gold}
    extractions = []
    for item in list_documents(paths):
        if isinstance(item, InputError):
            print(f"policykg: {item}", file=sys.stderr)
            continue
        if item.name not in wanted:
            continue  # gold says nothing about it: not evaluated
        try:
            extractions.append(extract_file(item))
        except InputError as e:
            print(f"policykg: {e}", file=sys.stderr)
    report = ev.evaluate(gold, extractions)
    for m in report.messages:
        print(f"policykg: {m}", file=sys.stderr)
    if not report.documents:
        print(f"policykg: nothing to evaluate: no document named in {args.gold} was read from "
              f"{', '.join(map(str, paths))}", file=sys.stderr)
        return 1
    render = {"table": ev.render_table, "json": ev.render_json}[args.format]
    write_text(args.output, render(report))
    return 0


def write_text(path: str, text: str) -> None:
    """Write text to stdout or atomically to a file (a failed write leaves no half-written file)."""
    from .files import write_output

    write_output(path, text.encode("utf-8"))
