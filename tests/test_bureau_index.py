"""Every agency's rows kept at build time (graph.bureau_index): the same rows SPARQL reads, by agency."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graph import bureau_index as B
from graph import model as M
from graph.query import build, open_kg
from graph.views import agency as A
from ontology.terms import ROLES

ROOT = Path(__file__).resolve().parent.parent
GENRE = ROOT / "tests" / "fixtures" / "genre"
ROLE_SETS = (ROLES, ("lead",), ("cooperate", "lead"))


@pytest.fixture(scope="module")
def genre_data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("bureau") / "data"
    build([GENRE], data)
    return data


def every_agency_both_ways(data: Path) -> tuple[int, list]:
    """Return how many rows the index gives for every agency and role set, and where SPARQL differs."""
    with open_kg(data, corpus=None) as kg:
        model = kg.model()
        index = B.index_for(kg)
        assert index is not None
        rows, differ = 0, []
        for agency in sorted(model.agencies):
            for roles in ROLE_SETS:
                kept = [row for _, row in index.rows(model, agency, roles)]
                read = B.shown(model, A._sparql_rows(kg, agency, roles))
                rows += len(kept)
                if kept != read:
                    differ.append((agency, roles))
        return rows, differ


def test_a_build_keeps_each_documents_rows_and_the_index(genre_data):
    cache = genre_data / "cache"
    files = sorted((cache / B.ROWS_FOLDER).glob("*.rows"))
    with open_kg(genre_data, corpus=None) as kg:
        assert len(files) == len(kg.model().docs) + 2 > 20  # and the gazetteer's and the ontology's
        assert list(cache.glob(f"bureau{B.INDEX_FORMAT}-{kg.version()}.sqlite"))


def test_kept_rows_are_the_rows_sparql_reads_for_every_agency(genre_data):
    rows, differ = every_agency_both_ways(genre_data)
    assert rows > 500
    assert differ == []


def test_the_model_head_kept_is_the_head_sparql_reads(genre_data):
    with open_kg(genre_data, corpus=None) as kg:
        kept, read = B.read_head(kg), M.read_head(kg.select)
    assert kept == read
    docs, agencies, keys = kept
    assert len(docs) > 20 and len(agencies) > 100 and all(d["title"] for d in docs.values())
    assert any(a["gaz"] for a in agencies.values()) and any(d["issuer"] for d in docs.values())


def test_counts_from_the_index_are_the_counts_sparql_gives(genre_data, monkeypatch):
    with open_kg(genre_data, corpus=None) as kg:
        kept = A._load_agency_counts(kg)
        rows = {a["iri"]: len(kg.agency_tasks(a["iri"])) for a in kept}
    monkeypatch.setattr(A, "index_for", lambda kg: None)
    with open_kg(genre_data, corpus=None) as kg:
        assert A._load_agency_counts(kg) == kept
    assert len(kept) > 100
    assert all(sum(a[r] for r in ROLES) == rows[a["iri"]] >= a["total"] > 0 for a in kept)


def test_a_store_without_the_files_gets_them_from_its_quads(genre_data, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(genre_data, data)
    shutil.rmtree(data / "cache")
    rows, differ = every_agency_both_ways(data)
    assert rows > 500 and differ == []
    with open_kg(data, corpus=None) as kg:
        assert B.read_head(kg) == M.read_head(kg.select)
    assert sorted(p.name for p in (data / "cache" / B.ROWS_FOLDER).glob("*.rows")) == \
        sorted(p.name for p in (genre_data / "cache" / B.ROWS_FOLDER).glob("*.rows"))


def test_agency_tasks_answer_the_same_from_an_endpoint_shaped_backend(genre_data, monkeypatch):
    with open_kg(genre_data, corpus=None) as kg:
        name = max(A.agency_counts(kg), key=lambda a: a["total"])["iri"]
        kept = kg.agency_tasks(name, predecessors=True)
        partners = A.coassigned(kg, name)
    monkeypatch.setattr(A, "index_for", lambda kg: None)  # what a backend without a cache folder does
    with open_kg(genre_data, corpus=None) as kg:
        assert kg.agency_tasks(name, predecessors=True) == kept
        assert A.coassigned(kg, name) == partners
    assert len(kept) > 3 and partners


def test_a_removed_document_takes_its_rows_along(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(GENRE, corpus)
    data = tmp_path / "data"
    build([corpus], data)
    before = set((data / "cache" / B.ROWS_FOLDER).glob("*.rows"))
    gone = sorted(p for p in corpus.iterdir() if p.suffix == ".txt")[0]
    gone.unlink()
    build([corpus], data)
    after = set((data / "cache" / B.ROWS_FOLDER).glob("*.rows"))
    assert len(after) == len(before) - 1 and after < before  # the gazetteer and the ontology stay
    with open_kg(data, corpus=None) as kg:
        docs = set(kg.model().docs)
        shown = {r["doc"] for a in A.agency_counts(kg) for r in kg.agency_tasks(a["iri"])}
        assert shown and shown <= docs and len(docs) == len(before) - 3
        assert len(list((data / "cache").glob("bureau*.sqlite"))) == 1


def test_pages_of_an_agency_are_its_rows_in_order_with_their_totals_either_way(genre_data, monkeypatch):
    def pages(kg, name, **filters):
        every = kg.agency_tasks(name, predecessors=True, **filters)
        got, offset = [], 0
        while True:
            page = A.agency_page(kg, name, predecessors=True, limit=7, offset=offset, **filters)
            assert page.total == len(every) and page.units == len({r["task"] for r in every})
            assert page.by_role == {role: sum(r["role"] == role for r in every) for role in ROLES}
            if not page.rows:
                return every, got
            got += page.rows
            offset += 7

    with open_kg(genre_data, corpus=None) as kg:
        top = max(A.agency_counts(kg), key=lambda a: a["total"])
        doc = kg.agency_tasks(top["iri"])[0]["doc"]
        kept = [pages(kg, top["iri"]), pages(kg, top["iri"], doc=doc)]
    monkeypatch.setattr(A, "index_for", lambda kg: None)
    with open_kg(genre_data, corpus=None) as kg:
        read = [pages(kg, top["iri"]), pages(kg, top["iri"], doc=doc)]
    assert kept == read
    (every, got), (in_doc, got_in_doc) = kept
    assert got == every and len(every) > 7 and got_in_doc == in_doc and 0 < len(in_doc) < len(every)


def test_an_agencys_lines_are_its_rows_in_one_line_each_either_way(genre_data, monkeypatch):
    def every_line(kg):
        return {(a["iri"], roles): A.agency_lines(kg, a["iri"], roles, predecessors=True).rows
                for a in A.agency_counts(kg) for roles in ROLE_SETS}

    with open_kg(genre_data, corpus=None) as kg:
        kept = every_line(kg)
        rows = {(iri, roles): [(*B.brief(r), r["formerly"]) for r in
                               A.agency_page(kg, iri, roles, predecessors=True).rows] for iri, roles in kept}
        top = max(A.agency_counts(kg), key=lambda a: a["total"])["iri"]
        page = A.agency_lines(kg, top, predecessors=True, limit=5, offset=3)
    assert kept == rows
    assert sum(map(len, kept.values())) > 500
    assert page.rows == kept[(top, ROLES)][3:8] and page.total == len(kept[(top, ROLES)])
    monkeypatch.setattr(A, "index_for", lambda kg: None)  # an endpoint: the lines of the rows SPARQL reads
    with open_kg(genre_data, corpus=None) as kg:
        assert every_line(kg) == kept
