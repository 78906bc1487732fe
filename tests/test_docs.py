"""The README documents every command and every canned query, and opens with the two commands."""

import re
from pathlib import Path

from graph.cli import parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented():
    sub = next(a for a in parser()._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert f"policykg {name}" in README, f"README lacks policykg {name}"
        assert "example" in (p.epilog or ""), f"policykg {name} --help has no example"


def test_every_canned_query_is_listed():
    for q in (ROOT / "graph" / "queries").glob("*.rq"):
        assert f"`{q.stem}`" in README


def test_readme_opens_with_two_commands():
    block = re.search(r"```sh\n(.*?)```", README, re.S).group(1).strip().splitlines()
    assert len(block) == 2
    assert "policykg app" in block[0] and "tests/run.sh" in block[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "tests/run.sh" in ci
