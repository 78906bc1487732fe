"""The app's Task view shows a unit's deadline, escaped like every other text (a store built from hand-made records)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from graph.backend import open_backend
from graph.build import gazetteer_part, ontology_bytes
from graph import store as gstore
from graph.rdf import to_ntriples
from ontology import iris
from test_eval import with_deadlines

APP = Path(__file__).resolve().parent.parent / "app.py"
EVIL = "<img src=x onerror=alert(1)>"
LIVE_TAG = re.compile(r"(?<!\\)<\s*/?\s*(img|svg|script)", re.I)


def _store(data: Path, first: str) -> None:
    x = with_deadlines(first=first)
    part = gstore.DocGraph("demo", x.document.sha256, str(iris.graph_iri("demo")), to_ntriples(x), "nt")
    open_backend(data).build([part, gazetteer_part()], ontology_bytes(), prune=True)


@pytest.mark.parametrize("first", ["2023年底前", EVIL])
def test_task_view_shows_the_deadline(tmp_path, monkeypatch, first):
    _store(tmp_path, first)
    monkeypatch.setenv("POLICYKG_DATA", str(tmp_path))
    monkeypatch.setenv("POLICYKG_CORPUS", str(tmp_path / "no-corpus"))  # never rebuilt from a corpus
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["task"] = "demo/t1"
    at.run()
    assert not at.exception
    (line,) = [m.value for m in at.markdown if m.value.startswith("**完成时限 / deadline**")]
    assert "img src" in line or "2023年底前" in line
    assert not LIVE_TAG.search(line)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["task"] = "demo/m1.2"  # a measure without a deadline: no line
    at.run()
    assert not [m for m in at.markdown if m.value.startswith("**完成时限")]
