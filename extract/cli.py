"""The `policykg extract` and `policykg eval` subcommands: parse arguments, call the pipeline, print."""

from __future__ import annotations

import sys
from pathlib import Path

from ontology.errors import say

EPILOG = """example:
  policykg extract corpus/ --format csv > 分工表.csv     # with each document's corrections applied
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
    p.add_argument("--no-corrections", action="store_true",
                   help="the extractor's own reading: leave out each document's corrections file (NAME.corrections.json)")
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
    p.add_argument("gold", nargs="?", metavar="GOLD", help="a gold .json file or a folder of *.gold.json files")
    p.add_argument("paths", nargs="*", metavar="PATH",
                   help="the documents, files or folders (default: the folder holding GOLD)")
    p.add_argument("--corrections", metavar="DIR",
                   help="no GOLD: the gold of each document of DIR that has a corrections file is its extraction "
                        "with its corrections applied (every argument is then a document or folder; default DIR)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("-o", "--output", default="-", help="write here instead of stdout ('-')")
    p.set_defaults(func=run_eval)


def run(args) -> int:
    """Extract every document; report bad ones on stderr; fail only when nothing was extracted."""
    from .evaluate import to_gold
    from .pipeline import extract_paths
    from .reader import InputError
    from .serialize import to_csv, to_json, to_table

    from . import corrections as fx
    from .reader import list_documents

    results = extract_paths(args.paths)
    if not args.no_corrections:  # as the build reads them: corrections applied, orphans reported
        files = [f for f in list_documents(args.paths)]
        for i, (f, r) in enumerate(zip(files, results)):
            if isinstance(r, InputError):
                continue
            try:
                results[i] = fx.apply(r, fx.load_for(f))
            except InputError as e:
                results[i] = e
                continue
            for line in fx.orphan_lines(results[i], fx.corrections_path(f)):
                say(f"warning: {line}")
    good = [r for r in results if not isinstance(r, InputError)]
    for r in results:
        if isinstance(r, InputError):
            say(str(r))
    for x in good:
        for w in x.warnings:
            loc = f"{x.document.source}:{w.line}" if w.line else x.document.source
            say(f"warning: {loc}: {w.message}")
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

    if args.corrections:
        return _eval_corrections(args)
    if not args.gold:
        say("eval needs GOLD (a gold file or folder) or --corrections DIR")
        return 2
    gold = ev.load_gold_path(args.gold)
    paths = args.paths or [str(Path(args.gold) if Path(args.gold).is_dir() else Path(args.gold).parent)]
    wanted = {g.document for g in gold}
    extractions = []
    for item in list_documents(paths):
        if isinstance(item, InputError):
            say(str(item))
            continue
        if item.name not in wanted:
            continue  # gold says nothing about it: not evaluated
        try:
            extractions.append(extract_file(item))
        except InputError as e:
            say(str(e))
    report = ev.evaluate(gold, extractions)
    for m in report.messages:
        say(str(m))
    if not report.documents:
        say(f"nothing to evaluate: no document named in {args.gold} was read from "
            f"{', '.join(map(str, paths))}")
        return 1
    render = {"table": ev.render_table, "json": ev.render_json}[args.format]
    write_text(args.output, render(report))
    return 0


def _eval_corrections(args) -> int:
    """Score the extraction of each corrected document against itself with its corrections applied."""
    import io

    from . import corrections as fx
    from . import evaluate as ev
    from .pipeline import extract_file
    from .reader import InputError, list_documents

    paths = [p for p in (args.gold, *args.paths) if p] or [args.corrections]
    raws, gold = [], []
    for item in list_documents(paths):
        if isinstance(item, InputError):
            say(str(item))
            continue
        fixes = fx.load_for(item)
        if not fixes:
            continue  # no corrections: nothing known better than the extraction
        raw = extract_file(item)
        curated = fx.apply(raw, fixes)
        for line in fx.orphan_lines(curated, fx.corrections_path(item)):
            say(f"warning: {line}")
        raws.append(raw)
        gold += ev.load_gold(io.StringIO(ev.to_gold([curated])), str(fx.corrections_path(item)))
    report = ev.evaluate(gold, raws)
    for m in report.messages:
        say(str(m))
    if not report.documents:
        say(f"nothing to evaluate: no document of {', '.join(map(str, paths))} has a corrections "
            f"file ({fx.SUFFIX})")
        return 1
    write_text(args.output, {"table": ev.render_table, "json": ev.render_json}[args.format](report))
    return 0


def write_text(path: str, text: str) -> None:
    """Write text to stdout or atomically to a file (a failed write leaves no half-written file)."""
    from .files import write_output

    write_output(path, text.encode("utf-8"))


# --------------------------------------------------------------------------- corrections (extract/corrections.py)

CORRECT_EPILOG = """example:
  policykg correct guangzhou-ip-plan-2021-2025 t12 --agency 市版权局 --role cooperate --action set \\
      --note "原文第二句写明配合" --by 李研究员
  policykg correct guangzhou-ip-plan-2021-2025 t12 --deadline 2023年底前 --action add --by 李研究员"""


def add_corrections_parsers(sub) -> None:
    """Register `correct`, `corrections` and `import-corrections` on an argparse subparsers object."""
    import argparse

    from ontology.terms import ROLES

    def corpus_option(p) -> None:
        p.add_argument("--corpus", metavar="DIR", default="corpus",
                       help="the folder a DOC id is looked up in (default ./corpus)")

    p = sub.add_parser("correct", help="correct an agency's role or a deadline on a unit (NAME.corrections.json)",
                       description="Add, remove or set an agency's role on a unit, or its deadline, with a note: "
                                   "the correction is appended to the corrections file beside the document "
                                   "(corpus/NAME.corrections.json, written atomically) and applied by every "
                                   "`policykg build`. DOC is a document id or file, UNIT its key (t12, m9.1). A "
                                   "correction that would change nothing, or whose agency or deadline is not on "
                                   "the unit, is refused.",
                       epilog=CORRECT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("doc", metavar="DOC", help="a document id (in --corpus) or a document file")
    p.add_argument("unit", metavar="UNIT", help="the unit's key: t12, m9.1 (see policykg outline DOC)")
    p.add_argument("--action", required=True, choices=("add", "remove", "set"))
    p.add_argument("--agency", metavar="NAME", help="the agency, any name or alias")
    p.add_argument("--role", choices=ROLES, help="the role to add, set or (optionally) remove")
    p.add_argument("--deadline", metavar="TEXT", help="the deadline as written, e.g. 2023年底前")
    p.add_argument("--note", default="", help="why: it is kept with the correction")
    p.add_argument("--by", metavar="WHO", help="who corrects (default $POLICYKG_USER, else the login name)")
    corpus_option(p)
    p.set_defaults(func=run_correct)

    p = sub.add_parser("corrections", help="the corrections of the corpus (or one document) and whether they apply",
                       description="List every correction of the corpus's corrections files with its status: "
                                   "applied, or orphaned (its unit is gone or renamed, its agency or deadline not "
                                   "there) with the reason. The documents are extracted as the next build would.",
                       epilog="example:\n  policykg corrections guangzhou-ip-plan-2021-2025 --format csv",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("doc", nargs="?", metavar="DOC", help="a document id or file (default: every document)")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    corpus_option(p)
    p.set_defaults(func=run_corrections)

    p = sub.add_parser("import-corrections", help="turn an edited 分工表 (CSV, XLSX) or gold JSON into corrections",
                       description="Compare an edited 分工表 (the CSV or XLSX of `policykg extract --format csv`, "
                                   "complete for the document; or a bureau's table from `policykg agency`, for "
                                   "that bureau only) or a gold file (`policykg extract --format gold`) with the "
                                   "document as the next build reads it (existing corrections applied) and append "
                                   "each difference to its corrections file.",
                       epilog="example:\n  policykg extract corpus/plan.txt --format csv > plan.csv   # edit roles, "
                              "agencies, deadlines\n  policykg import-corrections plan plan.csv --by 李研究员 "
                              "--note 核对原件",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("doc", metavar="DOC", help="a document id (in --corpus) or a document file")
    p.add_argument("file", metavar="FILE", help="the edited table (.csv, .xlsx) or gold file (.json)")
    p.add_argument("--note", default="", help="why (default: imported from FILE)")
    p.add_argument("--by", metavar="WHO", help="who corrects (default $POLICYKG_USER, else the login name)")
    p.add_argument("--dry-run", action="store_true", help="print the corrections, write nothing")
    corpus_option(p)
    p.set_defaults(func=run_import_corrections)


def who(by: str | None) -> str:
    """Return the name a correction is attributed to: --by, else $POLICYKG_USER, else the login name."""
    import getpass
    import os

    if by and by.strip():
        return by.strip()
    try:
        return os.environ.get("POLICYKG_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _document(args):
    """Return (path, raw extraction, existing corrections) of the DOC argument."""
    from . import corrections as fx
    from .pipeline import extract_file

    path = fx.find_document(args.doc, args.corpus)
    return path, extract_file(path), fx.load_for(path)


def _correction_rows(path, x) -> list[dict]:
    from . import corrections as fx

    return [{"document": x.document.id, "file": fx.corrections_path(path).name,
             "n": c.index, "unit": c.unit, "action": c.action, "agency": c.agency or "", "role": c.role or "",
             "deadline": c.deadline or "", "by": c.by, "when": c.when, "note": c.note, "status": c.status,
             "reason": c.reason} for c in x.corrections]


CORRECTION_COLUMNS = ["document", "n", "unit", "action", "agency", "role", "deadline", "by", "when", "note", "status",
                      "reason"]


def run_correct(args) -> int:
    from . import corrections as fx

    if not args.agency and not args.deadline:
        raise fx.CorrectionsError(args.doc, "give --agency NAME (with --role) or --deadline TEXT")
    path, x, old = _document(args)
    by, new = who(args.by), []
    if args.agency:
        new.append(fx.correction(x, args.unit, args.action, agency=args.agency, role=args.role, note=args.note, by=by))
    if args.deadline:
        new.append(fx.correction(x, args.unit, args.action, deadline=args.deadline, note=args.note, by=by))
    fx.check_applies(fx.apply(x, old), new)
    merged = fx.append(path, x.document.id, new)
    for c in merged[-len(new):]:
        print(f"correction {c.index}: {c.what}", file=sys.stdout)
    say(f"{len(merged)} corrections in {fx.corrections_path(path)}; `policykg build` applies them")
    return 0


def run_corrections(args) -> int:
    from . import corrections as fx
    from . import tables
    from .pipeline import extract_file

    paths = [fx.find_document(args.doc, args.corpus)] if args.doc else fx.corrected_documents(args.corpus)
    rows = []
    for path in paths:
        x = fx.apply(extract_file(path), fx.load_for(path))
        rows += _correction_rows(path, x)
    render = {"json": lambda: tables.to_json(rows), "csv": lambda: tables.to_csv([CORRECTION_COLUMNS,
              *([r[c] for c in CORRECTION_COLUMNS] for r in rows)]),
              "table": lambda: tables.to_text(rows, CORRECTION_COLUMNS)}[args.format]
    write_text("-", render())
    orphaned = sum(r["status"] == fx.ORPHANED for r in rows)
    say(f"{len(rows)} corrections, {orphaned} orphaned")
    return 0


def run_import_corrections(args) -> int:
    from . import corrections as fx

    path, raw, old = _document(args)
    x = fx.apply(raw, old)  # what the next build reads: only what differs from it is new
    new = fx.import_file(x, args.file, note=args.note or f"imported from {Path(args.file).name}", by=who(args.by))
    for c in new:
        print(f"{'would add' if args.dry_run else 'correction'}: {c.what}")
    if not new:
        say(f"{args.file} says what {x.document.id} says: no correction")
        return 0
    fx.check_applies(x, new)
    if args.dry_run:
        return 0
    merged = fx.append(path, x.document.id, new)
    say(f"{len(new)} corrections added, {len(merged)} in {fx.corrections_path(path)}; "
        "`policykg build` applies them")
    return 0
