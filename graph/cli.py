"""The `policykg` command: one console command, a subcommand per job; each a thin wrapper."""

from __future__ import annotations

import argparse
import sys

EPILOG = """examples:
  policykg extract corpus/ --format csv > 分工表.csv
  policykg app"""


def parser() -> argparse.ArgumentParser:
    """Build the argument parser with every subcommand."""
    from extract import cli as extract_cli

    p = argparse.ArgumentParser(prog="policykg", description="Turn Chinese government plans into a knowledge graph.",
                                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    extract_cli.add_parser(sub)
    return p


def main(argv=None) -> int:
    """Run the command line; errors become one line on stderr and a non-zero exit."""
    args = parser().parse_args(argv)
    try:
        return args.func(args) or 0
    except KeyboardInterrupt:
        print("policykg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:
        print(f"policykg: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
        return 1
    except Exception as e:
        # The project's own errors are messages for the user, one line; anything else is a bug.
        if type(e).__module__.split(".")[0] in ("extract", "graph", "ontology"):
            print(f"policykg: {e}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
