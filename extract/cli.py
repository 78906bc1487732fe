"""The `policykg extract` subcommand: parse arguments, call the pipeline, print."""

from __future__ import annotations

import sys

EPILOG = """example:
  policykg extract corpus/ --format csv > 分工表.csv
  policykg extract corpus/guangzhou-ip-plan-2021-2025.txt --format json"""


def add_parser(sub) -> None:
    """Register `extract` on an argparse subparsers object."""
    import argparse

    p = sub.add_parser("extract", help="extract tasks, agencies by role and the rest from plan files",
                       description="Extract structure, tasks, agencies by role, boxes, references, places, "
                                   "indicators and footnotes from plan files or folders.",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help="a document file or a folder of documents")
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("-o", "--output", default="-", help="write here instead of stdout ('-')")
    p.set_defaults(func=run)


def run(args) -> int:
    """Extract every document; report bad ones on stderr; fail only when nothing was extracted."""
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
    render = {"json": to_json, "csv": to_csv, "table": to_table}[args.format]
    write_text(args.output, render(good))
    return 0


def write_text(path: str, text: str) -> None:
    """Write text to stdout or atomically to a file (a failed write leaves no half-written file)."""
    from .files import write_output

    write_output(path, text.encode("utf-8"))
