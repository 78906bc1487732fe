"""Tests of the embedded store: build, skip, replace, survive interruptions, lock, query."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

from graph.store import (
    MANIFEST_GRAPH,
    ONTOLOGY_GRAPH,
    RDF_FORMATS,
    DocGraph,
    GraphResult,
    GraphStore,
    SelectResult,
    SparqlError,
    StoreError,
    StoreLocked,
    default_store_path,
    plain_value,
    sparql_operation,
)

REPO = Path(__file__).resolve().parents[1]
EX = "https://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"


def nt(*triples: tuple[str, str, str]) -> bytes:
    """Write N-Triples from (subject, predicate, object) with the object already in N-Triples form."""
    return "".join(f"<{EX}{s}> <{EX}{p}> {o} .\n" for s, p, o in sorted(triples)).encode("utf-8")


A = DocGraph(
    "guangzhou-ip-plan-2021-2025",
    "a" * 64,
    EX + "graph/guangzhou",
    nt(
        ("task/1", "label", '"加强知识产权保护"@zh'),
        ("task/1", "lead", f"<{EX}agency/市市场监管局>"),
        ("task/1", "order", f'"1"^^<{XSD}integer>'),
    ),
)
B = DocGraph(
    "shenzhen-plan",
    "b" * 64,
    EX + "graph/shenzhen",
    nt(("task/9", "label", '"建设知识产权强市"@zh'), ("task/9", "cooperate", f"<{EX}agency/市科技局>")),
)
B2 = DocGraph(B.doc_id, "c" * 64, B.graph, nt(("task/9", "label", '"建设知识产权强市（修订）"@zh')))
ONTOLOGY = f"""@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{EX}lead> rdfs:label "牵头单位"@zh, "lead agency"@en .
""".encode()

LABELS = f"SELECT ?t ?label WHERE {{ GRAPH ?g {{ ?t <{EX}label> ?label }} }} ORDER BY ?t"


def labels(store) -> list[dict]:
    return store.query(LABELS).records()


@pytest.fixture
def store(tmp_path: Path) -> GraphStore:
    return GraphStore(tmp_path / "store")


@pytest.fixture
def built(store: GraphStore) -> GraphStore:
    store.build([A, B], ONTOLOGY)
    return store


def child(code: str) -> subprocess.Popen:
    """Run Python code in a child process that can import the project; its stdout is a pipe."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_ready(proc: subprocess.Popen) -> None:
    line = proc.stdout.readline()
    assert line.strip() == "READY", f"child failed: {line!r} {proc.stderr.read() if proc.poll() is not None else ''}"


def end(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(10)
    proc.stdout.close()
    proc.stderr.close()


# --------------------------------------------------------------------------- build


def test_build_then_query(store: GraphStore):
    report = store.build([A, B], ONTOLOGY)

    assert report.added == (A.doc_id, B.doc_id)
    assert report.ontology == "added"
    assert report.version == "v000001" == store.live_version()
    assert set(report.timings) >= {"copy", "load", "flush", "swap", "total"}  # parsing streams into the load
    assert store.documents() == {A.doc_id: A.sha256, B.doc_id: B.sha256}
    assert labels(store) == [
        {"t": EX + "task/1", "label": "加强知识产权保护"},
        {"t": EX + "task/9", "label": "建设知识产权强市"},
    ]
    assert store.query(f"ASK {{ GRAPH <{A.graph}> {{ ?t <{EX}order> 1 }} }}") is True
    assert store.query(f"ASK {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <{EX}lead> ?p '牵头单位'@zh }} }}") is True
    with store.open_readonly() as reader:
        assert reader.graphs() == sorted([A.graph, B.graph, ONTOLOGY_GRAPH])


def test_rebuild_with_same_input_skips_and_keeps_version(built: GraphStore):
    report = built.build([A, B], ONTOLOGY)

    assert report.skipped == (A.doc_id, B.doc_id)
    assert report.added == report.replaced == report.removed == ()
    assert report.ontology == "skipped"
    assert report.version is None and not report.changed
    assert str(report) == "added 0, replaced 0, skipped 2, removed 0, unchanged"
    assert built.versions() == ["v000001"] == [built.live_version()]


def test_changed_document_replaces_only_its_graph(built: GraphStore):
    a_before = built.export("nt", A.graph)

    report = built.build([A, B2], ONTOLOGY)

    assert (report.replaced, report.skipped, report.version) == ((B.doc_id,), (A.doc_id,), "v000002")
    assert built.export("nt", A.graph) == a_before
    assert built.export("nt", B.graph) == B2.data
    assert built.documents()[B.doc_id] == B2.sha256


def test_changed_mapping_with_same_source_is_replaced(built: GraphStore):
    remapped = DocGraph(A.doc_id, A.sha256, A.graph, A.data + nt(("task/1", "note", '"新增"')))

    assert built.build([remapped, B], ONTOLOGY).replaced == (A.doc_id,)


def test_missing_document_is_kept_unless_pruned(built: GraphStore):
    kept = built.build([A])
    assert (kept.kept, kept.ontology, kept.version) == ((B.doc_id,), "kept", None)

    pruned = built.build([A], prune=True)

    assert (pruned.removed, pruned.ontology) == ((B.doc_id,), "removed")
    assert built.documents() == {A.doc_id: A.sha256}
    with built.open_readonly() as reader:
        assert reader.graphs() == [A.graph]


def test_changed_ontology_replaces_it(built: GraphStore):
    report = built.build([A, B], ONTOLOGY.replace("lead agency".encode(), b"leading agency"))

    assert (report.ontology, report.skipped) == ("replaced", (A.doc_id, B.doc_id))
    assert built.query(f"ASK {{ GRAPH ?g {{ ?s ?p 'leading agency'@en }} }}") is True


def test_old_versions_are_removed_but_the_previous_one_is_kept(built: GraphStore):
    built.build([A, B2])
    built.build([A])  # no change
    built.build([A, B])

    assert built.versions() == ["v000002", "v000003"]
    assert built.live_version() == "v000003"
    assert sorted(p.name for p in built.path.glob("*.readers")) == ["v000002.readers", "v000003.readers"]


def test_a_reader_keeps_its_version_alive(built: GraphStore):
    with built.open_readonly() as reader:
        built.build([A, B2])
        built.build([A, B])
        assert reader.is_stale()
        assert "v000001" in built.versions()
        assert reader.query(LABELS).records()[1]["label"] == "建设知识产权强市"
    built.build([A, B2])

    assert "v000001" not in built.versions()


BAD_INPUT = [
    ([A, A], "document guangzhou-ip-plan-2021-2025 given twice"),
    ([A, DocGraph("x", "0", A.graph, b"")], f"graph <{A.graph}> of document x is already taken"),
    ([DocGraph("broken", "0", EX + "g", b'<a> <b> "c" .\n')], "document broken: invalid nt data"),
    ([DocGraph("elsewhere", "0", EX + "g", f"<{EX}a> <{EX}b> <{EX}c> <{EX}other> .\n".encode(), "nq")],
     f"document elsewhere: quad in graph <{EX}other>, expected <{EX}g>"),
    ([DocGraph("odd", "0", EX + "g", b"", "csv")], "document odd: unknown input format 'csv'"),
]  # fmt: skip


@pytest.mark.parametrize("docs, message", BAD_INPUT)
def test_bad_input_fails_before_anything_is_written(built: GraphStore, docs, message):
    with pytest.raises(StoreError) as info:
        built.build(docs)

    assert message in str(info.value) and "\n" not in str(info.value)
    assert built.versions() == ["v000001"]


def test_nquads_in_the_document_graph_are_accepted(store: GraphStore):
    quads = f'<{EX}a> <{EX}b> "丙" <{EX}g> .\n<{EX}a> <{EX}b> "丁" .\n'.encode()
    store.build([DocGraph("nq", "0", EX + "g", quads, "nq")])

    assert store.export("nt", EX + "g") == f'<{EX}a> <{EX}b> "丁" .\n<{EX}a> <{EX}b> "丙" .\n'.encode()


def test_blank_nodes_stay_apart_across_documents(store: GraphStore):
    one = DocGraph("one", "1", EX + "g1", f'_:b0 <{EX}label> "甲" .\n'.encode())
    two = DocGraph("two", "2", EX + "g2", f'_:b0 <{EX}label> "乙" .\n'.encode())
    store.build([one, two])

    result = store.query(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{EX}label> ?l }} }}")
    assert result.records() == [{"n": 2}]


# --------------------------------------------------------------------------- crash safety


def test_exception_mid_build_leaves_previous_version_answering(built: GraphStore):
    before = labels(built)

    def explode(message: str) -> None:
        if message.startswith("load shenzhen"):
            raise KeyboardInterrupt  # what Ctrl-C half way through looks like

    with pytest.raises(KeyboardInterrupt):
        built.build([A, B2], progress=explode)

    assert built.live_version() == "v000001"
    assert labels(built) == before
    assert not list(built.path.glob("*.partial"))
    assert built.build([A, B2]).version == "v000002"


KILLED_BUILD = """
    import sys, time
    from graph.store import DocGraph, GraphStore
    def pause(message):
        if message == "{step}":
            print("READY", flush=True)
            time.sleep(60)
    doc = DocGraph("{doc_id}", "d" * 64, "{graph}", '<{ex}task/9> <{ex}label> "被中断"@zh .\\n'.encode())
    GraphStore(sys.argv[1] if len(sys.argv) > 1 else "{path}").build([doc], progress=pause)
"""


@pytest.mark.parametrize("step", ["optimize", "swap in v000002"])
def test_killed_build_leaves_previous_version_answering(built: GraphStore, step: str):
    before = labels(built)
    proc = child(KILLED_BUILD.format(step=step, doc_id=B.doc_id, graph=B.graph, ex=EX, path=built.path))
    try:
        wait_ready(proc)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        end(proc)

    assert built.live_version() == "v000001"
    assert labels(built) == before
    assert built.path.joinpath("v000002.partial" if step == "optimize" else "v000002").is_dir()

    report = built.build([A, B2])

    # A partial directory is removed first and its number reused; a complete one that
    # never went live is removed after the swap, and the version live before is kept.
    version = "v000002" if step == "optimize" else "v000003"
    assert (report.version, report.replaced) == (version, (B.doc_id,))
    assert not list(built.path.glob("*.partial"))
    assert built.versions() == ["v000001", version]


# --------------------------------------------------------------------------- locking


def test_second_builder_gets_store_locked_while_readers_go_on(built: GraphStore):
    proc = child(KILLED_BUILD.format(step="optimize", doc_id=B.doc_id, graph=B.graph, ex=EX, path=built.path))
    try:
        wait_ready(proc)
        with pytest.raises(StoreLocked) as info:
            built.build([A, B2])
        assert str(info.value) == f"store at {built.path} is in use by another process (pid {proc.pid})"
        assert labels(built)[1]["label"] == "建设知识产权强市"  # reading needs no lock
    finally:
        end(proc)


def test_foreign_writer_on_live_version_gives_store_locked(built: GraphStore):
    live = built.path / built.live_version()
    proc = child(f"""
        import time, pyoxigraph
        store = pyoxigraph.Store({str(live)!r})
        print("READY", flush=True)
        time.sleep(60)
    """)
    try:
        wait_ready(proc)
        with pytest.raises(StoreLocked) as info:
            built.query("ASK { ?s ?p ?o }")
        assert str(info.value) == f"store at {live} is in use by another process (pid {proc.pid})"
        with pytest.raises(StoreLocked):
            built.build([A, B2])
    finally:
        end(proc)
    assert built.query(f"ASK {{ GRAPH ?g {{ ?s ?p '建设知识产权强市'@zh }} }}") is True


# --------------------------------------------------------------------------- SPARQL


def test_malformed_query_is_one_line_sparql_error(built: GraphStore):
    with pytest.raises(SparqlError) as info:
        built.query("SELECT ?x WHERE { ?x ")

    message = str(info.value)
    assert message.startswith("malformed SPARQL query: error at 1:22")
    assert "\n" not in message and len(message) < 300


UPDATES = [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "PREFIX ex: <http://example.org/#x>\n# a comment\nDELETE WHERE { ?s ex:p ?o }",
    "drop all",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
]


@pytest.mark.parametrize("update", UPDATES)
def test_query_path_refuses_updates(built: GraphStore, update: str):
    with pytest.raises(SparqlError) as info:
        built.query(update)

    assert "refusing SPARQL update" in str(info.value) and "--update" in str(info.value)
    assert built.versions() == ["v000001"]


def test_update_path_writes_a_new_version(built: GraphStore):
    report = built.update(f"INSERT DATA {{ GRAPH <{A.graph}> {{ <{EX}task/2> <{EX}label> '新任务'@zh }} }}")

    assert report.version == "v000002" == built.live_version()
    assert [r["label"] for r in labels(built)] == ["加强知识产权保护", "新任务", "建设知识产权强市"]


def test_malformed_update_is_one_line_sparql_error(built: GraphStore):
    with pytest.raises(SparqlError) as info:
        built.update("INSERT DATA { <urn:a> <urn:b> ")

    assert str(info.value).startswith("malformed SPARQL update: error at 1:")
    assert "\n" not in str(info.value)
    assert built.live_version() == "v000001" and not list(built.path.glob("*.partial"))


def test_query_before_any_build_names_the_path(store: GraphStore):
    with pytest.raises(StoreError, match=f"no store at {store.path}: build it first"):
        store.query("ASK {}")
    assert store.documents() == {}


def test_union_default_graph_leaves_the_manifest_out(built: GraphStore):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    assert built.query(count).records() == [{"n": 0}]
    assert built.query(count, union=True).records() == [{"n": 3 + 2 + 2}]


OPERATIONS = [
    ("SELECT * { ?s ?p ?o }", "SELECT"),
    ("  ask {}", "ASK"),
    ("PREFIX insert: <urn:x#>\nCONSTRUCT WHERE { ?s insert:p ?o }", "CONSTRUCT"),
    ("BASE <http://e/#> PREFIX : <urn:#> describe :a", "DESCRIBE"),
    ("# INSERT in a comment\nSELECT ?s {}", "SELECT"),
    ("PREFIX#c\nex:<urn:x>CLEAR ALL", "CLEAR"),
    ("copy <urn:a> TO <urn:b>", "COPY"),
    ("", None),
    ("{ ?s ?p ?o }", None),
]


@pytest.mark.parametrize("text, operation", OPERATIONS)
def test_sparql_operation(text: str, operation: str | None):
    assert sparql_operation(text) == operation


PLAIN = [
    (ox.NamedNode(EX + "机构/1"), EX + "机构/1"),
    (ox.BlankNode("b1"), "_:b1"),
    (ox.Literal("牵头"), "牵头"),
    (ox.Literal("lead", language="en"), "lead"),
    (ox.Literal("42", datatype=ox.NamedNode(XSD + "integer")), 42),
    (ox.Literal("7", datatype=ox.NamedNode(XSD + "nonNegativeInteger")), 7),
    (ox.Literal("2.5", datatype=ox.NamedNode(XSD + "decimal")), 2.5),
    (ox.Literal("1E3", datatype=ox.NamedNode(XSD + "double")), 1000.0),
    (ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")), True),
    (ox.Literal("2021-01-01", datatype=ox.NamedNode(XSD + "date")), "2021-01-01"),
    (ox.Literal("x", datatype=ox.NamedNode(XSD + "integer")), "x"),  # ill-typed stays text
    (None, None),
]


@pytest.mark.parametrize("term, value", PLAIN)
def test_plain_value(term, value):
    assert plain_value(term) == value and type(plain_value(term)) is type(value)


def test_select_results_serialize_to_sparql_formats(built: GraphStore):
    result = built.query(LABELS)

    assert isinstance(result, SelectResult) and result.variables == ("t", "label") and len(result) == 2
    assert result.serialize("csv").decode() == (
        f"t,label\r\n{EX}task/1,加强知识产权保护\r\n{EX}task/9,建设知识产权强市\r\n"
    )
    assert SelectResult(result.serialize("json")) == result
    assert ox.parse_query_results(result.serialize("tsv"), ox.QueryResultsFormat.TSV).variables == [
        ox.Variable("t"),
        ox.Variable("label"),
    ]
    assert b"<sparql" in result.serialize("xml")
    with pytest.raises(StoreError, match="unknown results format 'yaml'"):
        result.serialize("yaml")


def test_construct_gives_sorted_triples_in_any_format(built: GraphStore):
    result = built.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{A.graph}> {{ ?s ?p ?o }} }}")

    assert isinstance(result, GraphResult) and len(result) == 3
    assert result.ntriples == A.data
    assert isomorphic(result.to_rdflib(), rdflib.Graph().parse(data=A.data.decode(), format="nt"))
    turtle = result.serialize("turtle", prefixes={"ex": EX})
    assert turtle.startswith(b"@prefix ex: <https://example.org/> .") and "加强知识产权保护".encode() in turtle
    assert built.query(f"DESCRIBE <{EX}task/9>").ntriples.count(b"\n") == 0  # task/9 is in a named graph only


# --------------------------------------------------------------------------- export


@pytest.mark.parametrize("format", ["turtle", "trig", "nt", "nquads", "xml", "jsonld"])
def test_exports_are_deterministic_and_round_trip(built: GraphStore, tmp_path: Path, format: str):
    again = GraphStore(tmp_path / "again")
    again.build([B, A], ONTOLOGY)  # other order, other store

    data = built.export(format)

    assert data == again.export(format)
    assert MANIFEST_GRAPH.encode() not in data
    triples = {q.triple for q in ox.parse(data, RDF_FORMATS[format])}
    merged = rdflib.Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    expected = rdflib.Graph()
    for part in (A.data, B.data):
        expected.parse(data=part.decode(), format="nt")
    expected.parse(data=ONTOLOGY.decode(), format="turtle")
    assert isomorphic(merged, expected)


def test_export_of_one_graph_and_of_a_missing_one(built: GraphStore):
    assert built.export("nt", A.graph) == A.data
    with pytest.raises(StoreError, match=f"no graph <{EX}nope> in store at"):
        built.export("nt", EX + "nope")
    with pytest.raises(StoreError, match="unknown RDF format 'n3x'"):
        built.export("n3x")


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet="知识产权保护牵头单位配合广州深圳 \"\\\n", min_size=1, max_size=12), min_size=1, max_size=6))
def test_export_returns_exactly_what_was_built(tmp_path_factory, texts: list[str]):
    quoted = [ox.Literal(t) for t in texts]
    data = b"".join(sorted({f"<{EX}s> <{EX}label> {q} .\n".encode() for q in map(str, quoted)}))
    store = GraphStore(tmp_path_factory.mktemp("prop") / "store")
    store.build([DocGraph("d", "0", EX + "g", data)])

    assert store.export("nt", EX + "g") == data


def test_default_store_path_follows_policykg_data(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("POLICYKG_DATA", raising=False)
    assert default_store_path() == Path("data") / "store"
    monkeypatch.setenv("POLICYKG_DATA", str(tmp_path))
    assert GraphStore().path == tmp_path / "store"


def test_docstring_examples_run():
    import doctest

    import graph.remote
    import graph.store

    for module in (graph.store, graph.remote):
        assert doctest.testmod(module, optionflags=doctest.ELLIPSIS).failed == 0


# --------------------------------------------------------------------------- documents that arrive while the store loads


def _on_disk(tmp_path: Path, part: DocGraph, name: str) -> DocGraph:
    """Leave a part's triples in a file as N-Quads of its graph, as the build's extraction does."""
    lines = [line.removesuffix(" .") + f" <{part.graph}> .\n" for line in part.data.decode().splitlines()]
    path = tmp_path / f"{name}.nq"
    path.write_text("".join(lines), encoding="utf-8")
    return DocGraph(part.doc_id, part.sha256, part.graph, b"", "nq", part.digest, str(path))


def test_arriving_documents_load_in_passes_and_equal_a_plain_build(tmp_path: Path, monkeypatch):
    import graph.store as gstore

    monkeypatch.setattr(gstore, "BULK_BYTES", 1)  # one pass per document: three passes on the loader's thread
    plain = GraphStore(tmp_path / "plain")
    plain.build([A, B], ONTOLOGY)
    streamed = GraphStore(tmp_path / "streamed")
    seen = []

    def arriving():
        for i, part in enumerate([A, B]):
            seen.append(part.doc_id)
            yield _on_disk(tmp_path, part, f"doc{i}")

    report = streamed.build([], ONTOLOGY, arriving=arriving())
    assert seen == [A.doc_id, B.doc_id]
    assert report.added == (A.doc_id, B.doc_id) and report.version == "v000001"
    assert labels(streamed) == labels(plain)
    assert streamed.export("nq") == plain.export("nq")
    # An arriving document replaces its stored graph; one not given is pruned.
    again = streamed.build([], ONTOLOGY, prune=True, arriving=iter([_on_disk(tmp_path, B2, "b2")]))
    assert (again.replaced, again.removed) == ((B.doc_id,), (A.doc_id,))
    assert [r["label"] for r in labels(streamed)] == ["建设知识产权强市（修订）"]


def test_a_build_where_nothing_arrives_closes_its_copy_of_the_store(tmp_path: Path):
    import gc

    import pyoxigraph as ox

    store = GraphStore(tmp_path / "store")
    store.build([A, B], ONTOLOGY)
    gc.disable()  # the copy must close when the build ends, not when a collection happens to run
    try:
        report = store.build([A], ONTOLOGY, prune=True, arriving=iter(()))
        assert report.removed == (B.doc_id,)
        opened = ox.Store(str(store.path / report.version))  # raises while this process still holds it
        del opened
    finally:
        gc.enable()


def test_a_bad_arriving_file_is_one_line_and_the_live_version_stays(built: GraphStore, tmp_path: Path):
    before = labels(built)
    bad = tmp_path / "bad.nq"
    bad.write_text("<https://example.org/x> not n-quads\n", encoding="utf-8")
    part = DocGraph(B2.doc_id, B2.sha256, B2.graph, b"", "nq", "e" * 64, str(bad))
    with pytest.raises(StoreError, match="invalid nq data") as info:
        built.build([A], arriving=iter([part]))
    assert "\n" not in str(info.value)
    assert built.live_version() == "v000001" and labels(built) == before
    assert not list(built.path.glob("*.partial"))


def test_an_extraction_stopped_half_way_leaves_the_live_version(built: GraphStore, tmp_path: Path):
    before = labels(built)

    def arriving():
        yield _on_disk(tmp_path, B2, "b2")
        raise KeyboardInterrupt  # Ctrl-C while the next document is extracted

    with pytest.raises(KeyboardInterrupt):
        built.build([A], arriving=arriving())
    assert built.live_version() == "v000001" and labels(built) == before
    assert not list(built.path.glob("*.partial"))


def test_nothing_arriving_and_nothing_changed_writes_no_version(built: GraphStore):
    report = built.build([A, B], ONTOLOGY, arriving=iter([]))
    assert report.version is None and report.skipped == (A.doc_id, B.doc_id)
    assert built.live_version() == "v000001"
