"""Golden files: the seed plan's extraction JSON and N-Quads, compared as data and by isomorphism.

Regenerate after an intended change with ``POLICYKG_UPDATE_GOLDEN=1 pytest tests/test_golden.py``
and review the diff of tests/golden/ like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from rdflib import Dataset
from rdflib.compare import graph_diff, isomorphic

from extract.pipeline import extract_file
from extract.serialize import to_dict
from graph.rdf import to_nquads

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
SEED = "guangzhou-ip-plan-2021-2025"
UPDATE = os.environ.get("POLICYKG_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def seed():
    return extract_file(ROOT / "corpus" / f"{SEED}.txt")  # the source is recorded by its file name


def _golden(name: str, data: bytes) -> bytes:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"no golden file {path}; write it with POLICYKG_UPDATE_GOLDEN=1")
        path.write_bytes(data)
    return path.read_bytes()


def test_seed_extraction_json_equals_the_golden_data(seed):
    got = to_dict(seed)
    text = json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    expected = json.loads(_golden(f"{SEED}.json", text.encode("utf-8")))
    for key in expected:  # section by section first: a smaller diff to read
        assert got.get(key) == expected[key], key
    assert got == expected


def test_seed_nquads_are_isomorphic_to_the_golden_graph(seed):
    got = to_nquads(seed)
    expected = _golden(f"{SEED}.nq", got)
    a, b = Dataset(), Dataset()
    a.parse(data=got.decode("utf-8"), format="nquads")
    b.parse(data=expected.decode("utf-8"), format="nquads")
    assert {g.identifier for g in a.graphs()} == {g.identifier for g in b.graphs()}
    for g in b.graphs():
        mine = a.graph(g.identifier)
        if not isomorphic(mine, g):
            _, only_now, only_golden = graph_diff(mine, g)
            pytest.fail(f"{g.identifier}: {len(only_now)} triples only now, {len(only_golden)} only in the golden "
                        f"file, e.g. {sorted(only_now)[:3]} / {sorted(only_golden)[:3]}")
