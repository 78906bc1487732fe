"""Virtuoso 7 (Debian's virtuoso-opensource) as the remote store, next to the embedded store.

One server for the module, on free loopback ports with its own database folder. The CLI
pushes the corpus into it and answers as it does from the embedded store (`--data`), the
outputs of the two processes compared as data; the Python API's answers are compared term
by term. tests/run.sh installs the package.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest
from servers import start_virtuoso, stop, virtuoso_sql

from graph.remote import EndpointError, RemoteEndpoint, RemoteSparqlError
from graph.sparql import canned_query, with_prefixes
from graph.store import MANIFEST_GRAPH, GraphStore, SparqlError

ROOT = Path(__file__).resolve().parent.parent
CORPUS = [ROOT / "corpus", ROOT / "tests" / "fixtures" / "genre" / "gz-brand-plan.txt"]
DOCUMENTS = {"guangzhou-ip-plan-2021-2025", "gz-brand-plan"}
SEED_GRAPH = "https://w3id.org/policykg/doc/guangzhou-ip-plan-2021-2025/graph"
LOGIN = {"POLICYKG_ENDPOINT_USER": "dba", "POLICYKG_ENDPOINT_PASSWORD": "dba"}
XSD = "http://www.w3.org/2001/XMLSchema#"
# Oxigraph stores these by value, as xsd:integer; Virtuoso keeps the datatype as written.
INTEGERS = tuple(XSD + t for t in ("nonNegativeInteger", "positiveInteger"))


def cli(*args, env=None) -> subprocess.Popen:
    full = {k: v for k, v in os.environ.items() if k not in ("POLICYKG_DATA", *LOGIN)}
    full.update(env or {})
    return subprocess.Popen([sys.executable, "-m", "graph.cli", *map(str, args)], cwd=ROOT, env=full,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def done(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    try:
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def summary(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass(frozen=True)
class Stack:
    base: str  # Virtuoso's HTTP port: http://127.0.0.1:PORT
    sql_port: int
    folder: Path  # its database folder, virtuoso.ini in it
    data: Path  # the embedded store's data folder, built from the same corpus
    build: subprocess.CompletedProcess  # the first `policykg build --endpoint`

    @property
    def url(self) -> str:  # what --endpoint takes
        return "virtuoso+" + self.base

    def endpoint(self, **login) -> RemoteEndpoint:
        return RemoteEndpoint.virtuoso(self.base, timeout=20, **({"user": "dba", "password": "dba"} | login))

    def local(self) -> GraphStore:
        return GraphStore(self.data / "store")

    def both(self, args) -> tuple[subprocess.CompletedProcess, subprocess.CompletedProcess]:
        """Run one command against Virtuoso and against the embedded store, at once."""
        remote, local = cli(*args, "--endpoint", self.url, env=LOGIN), cli(*args, "--data", self.data)
        return done(remote), done(local)

    def raw_count(self, graph: str | None = None) -> int:
        """Count triples as Virtuoso sees them when no dataset is named: in every graph it has."""
        where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
        body = urllib.parse.urlencode({"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"}).encode()
        request = urllib.request.Request(self.base + "/sparql", body, {"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=20) as response:
            return int(json.load(response)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Stack:
    """Virtuoso with the corpus pushed by the CLI, and the embedded store built from it too."""
    data = tmp_path_factory.mktemp("embedded")
    local = cli("build", *CORPUS, "--data", data)  # while Virtuoso starts
    pid = None
    try:
        folder = tmp_path_factory.mktemp("virtuoso")
        pid, base, sql_port = start_virtuoso(folder)
        remote = done(cli("build", *CORPUS, "--endpoint", "virtuoso+" + base, env=LOGIN))
        assert summary(done(local)).startswith("added 2,")
        yield Stack(base, sql_port, folder, data, remote)
    finally:
        if local.poll() is None:
            local.kill()
            local.wait()
        if pid is not None:
            stop(pid)
            ports = (int(base.rsplit(":", 1)[1]), sql_port)
            deadline = time.monotonic() + 5
            while any(map(_listening, ports)) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not any(map(_listening, ports)), f"Virtuoso still listens on {ports} 5 s after stop"


# --------------------------------------------------------------------------- the CLI


def test_build_pushes_the_corpus(stack: Stack):
    assert summary(stack.build) == "added 2, replaced 0, skipped 0, removed 0, rejected 0"
    ep, local = stack.endpoint(), stack.local()
    assert ep.documents() == local.documents() and DOCUMENTS <= set(ep.documents())
    with local.open_readonly() as reader:
        assert ep.graphs() == reader.graphs()


def test_rebuild_with_nothing_changed_skips_every_document(stack: Stack):
    ep = stack.endpoint()
    mark = f"GRAPH <{SEED_GRAPH}> {{ <urn:policykg:test> <urn:policykg:note> '手工添加' }}"
    ep.update(f"INSERT DATA {{ {mark} }}")  # behind the manifest's back: a skipping build leaves it
    try:
        again = done(cli("build", *CORPUS, "--endpoint", stack.url, env=LOGIN))

        assert summary(again) == "added 0, replaced 0, skipped 2, removed 0, rejected 0"
        assert ep.query(f"ASK {{ {mark} }}") is True
    finally:
        ep.update(f"DELETE DATA {{ {mark} }}")
    assert ep.query(f"ASK {{ {mark} }}") is False


def _task(text: str):
    data = json.loads(text)
    # graph/views/task.py lists a clause's agencies in the store's row order (no ORDER BY),
    # which differs between the two stores: compare them as a set.
    for clause in data["clauses"]:
        clause["assignments"].sort(key=lambda a: (a["span"], a["role"], a["iri"]))
    return data


SAME = {
    "agency json": (["agency", "市版权局", "--format", "json"], json.loads),
    "documents": (["documents", "--format", "json"], json.loads),
    "task": (["task", "t12", "--format", "json"], _task),
}


@pytest.mark.parametrize("name", SAME)
def test_same_answers_as_the_embedded_store(stack: Stack, name: str):
    args, read = SAME[name]

    remote, local = stack.both(args)

    assert remote.returncode == 0 and local.returncode == 0, (remote.stderr, local.stderr)
    assert read(remote.stdout) == read(local.stdout)
    assert len(local.stdout) > 250  # a real answer, not two empty ones


def test_union_repeats_triples_kept_in_two_graphs(stack: Stack):
    # The agencies' labels are in their document's graph and in the gazetteer's: the embedded
    # store's union default graph is a set of triples, Virtuoso's a bag (README, "Virtuoso").
    # A canned query with a parameter also ends in VALUES, which Virtuoso cannot read as such.
    query = with_prefixes(canned_query("agency-cooperates", {"name": "市版权局"}))

    remote, local = (store.query(query, union=True) for store in (stack.endpoint(), stack.local()))

    assert remote.variables == local.variables == ("task", "number", "title", "asWritten", "clause")
    assert len(local) > 3 and len(remote) > len(local)
    assert sorted(set(map(str, remote.rows))) == sorted(map(str, local.rows))


def test_wrong_password_is_one_line(stack: Stack):
    update = f"INSERT DATA {{ GRAPH <{SEED_GRAPH}> {{ <urn:policykg:test> <urn:policykg:note> 'x' }} }}"

    r = done(cli("sparql", "--update", update, "--endpoint", stack.url,
                 env=LOGIN | {"POLICYKG_ENDPOINT_PASSWORD": "wrong"}))

    lines = r.stderr.strip().splitlines()
    assert r.returncode != 0 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert lines[0] == (f"policykg: POST {stack.base}/sparql-auth: HTTP 401 digest auth failed: the login of 'dba' "
                        "was refused: set POLICYKG_ENDPOINT_USER and POLICYKG_ENDPOINT_PASSWORD")
    assert stack.endpoint().query("ASK { GRAPH ?g { <urn:policykg:test> ?p ?o } }") is False


# --------------------------------------------------------------------------- the Python API


def test_dataset_is_the_manifests_graphs_only(stack: Stack):
    ep, local = stack.endpoint(), stack.local()
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    with local.open_readonly() as reader:
        ours = sum(stack.raw_count(g) for g in [*reader.graphs(), MANIFEST_GRAPH])

    assert stack.raw_count() > ours  # Virtuoso's own graphs are in its default graph, …
    assert ep.query(count).records() == local.query(count).records() == [{"n": 0}]  # … not in ours
    assert ep.query(count, union=True).records() == local.query(count, union=True).records()
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"
    assert ep.query(graphs).records() == local.query(graphs).records()


def _as_oxigraph_stores(quads) -> ox.Dataset:
    """Return the quads with the integer types Oxigraph folds folded, blank nodes canonical."""

    def fold(term):
        if isinstance(term, ox.Literal) and term.datatype.value in INTEGERS:
            return ox.Literal(term.value, datatype=ox.NamedNode(XSD + "integer"))
        return term

    dataset = ox.Dataset(ox.Quad(q.subject, q.predicate, fold(q.object), q.graph_name) for q in quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return dataset


def test_every_quad_as_in_the_embedded_store(stack: Stack):
    rows = stack.endpoint().query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows
    remote = [ox.Quad(*row) for row in rows]
    with stack.local().open_readonly() as reader:
        local = list(reader.store.quads_for_pattern(None, None, None, None))

    assert len(remote) == len(local) > 3_000
    assert _as_oxigraph_stores(remote) == _as_oxigraph_stores(local)
    kinds = {(q.object.datatype.value, q.object.language) for q in remote if isinstance(q.object, ox.Literal)}
    assert {(XSD + "integer", None), (XSD + "gYear", None), (XSD + "string", None),
            ("http://www.w3.org/1999/02/22-rdf-syntax-ns#langString", "zh")} <= kinds
    blanks = [t for q in remote for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)]
    assert blanks and not any(b.value.startswith("nodeID") for b in blanks)


def test_construct_as_in_the_embedded_store(stack: Stack):
    construct = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{SEED_GRAPH}> {{ ?s ?p ?o }} }}"

    remote, local = stack.endpoint().query(construct), stack.local().query(construct)

    assert len(remote) == len(local) > 3_000
    triples = [ox.Quad(t.subject, t.predicate, t.object) for t in remote.triples()]
    assert _as_oxigraph_stores(triples) == _as_oxigraph_stores(ox.Quad(*t) for t in local.triples())
    assert stack.endpoint().query(f"ASK {{ GRAPH <{SEED_GRAPH}> {{ ?s ?p ?o }} }}") is True


def test_boolean_values_come_back_as_written(stack: Stack):
    ep = stack.endpoint()
    flag = f"GRAPH <{SEED_GRAPH}> {{ <urn:policykg:test> <urn:policykg:flag> true, false }}"
    ep.update(f"INSERT DATA {{ {flag} }}")
    try:
        rows = ep.query("SELECT ?v WHERE { GRAPH ?g { <urn:policykg:test> <urn:policykg:flag> ?v } } ORDER BY ?v").rows
    finally:
        ep.update(f"DELETE DATA {{ {flag} }}")

    assert [r[0] for r in rows] == [ox.Literal("false", datatype=ox.NamedNode(XSD + "boolean")),
                                    ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))]


def test_delete_where_leaves_virtuosos_own_graphs_alone(stack: Stack):
    ep = stack.endpoint()
    before, documents = stack.raw_count(), ep.documents()

    ep.update("DELETE WHERE { ?s ?p ?o }")  # the default graph: empty, as in the embedded store

    assert stack.raw_count() == before and ep.documents() == documents


def test_drop_all_is_refused_in_one_line(stack: Stack):
    ep = stack.endpoint()
    note = f"GRAPH <{SEED_GRAPH}> {{ <urn:policykg:test> <urn:policykg:note> 'DROP ALL' }}"

    for text in ("DROP ALL", "clear silent named", "# comment\nDROP  ALL"):
        with pytest.raises(SparqlError, match=r"^Virtuoso ignores (DROP|CLEAR) (SILENT )?(ALL|NAMED): name each graph"):
            ep.update(text)
    ep.update(f"INSERT DATA {{ {note} }}")  # the words in a string are no operation
    ep.update(f"DELETE DATA {{ {note} }}")
    assert ep.documents() and ep.query(f"ASK {{ {note} }}") is False


def test_malformed_query_names_the_url_and_status(stack: Stack):
    with pytest.raises(RemoteSparqlError) as info:
        stack.endpoint().query("SELECT ?x WHERE { ?x ")

    message = str(info.value)
    assert message.startswith(f"POST {stack.base}/sparql: HTTP 400 Bad Request: Virtuoso 37000 Error SP030")
    assert "\n" not in message and "SPARQL query:" not in message


def test_anonymous_writes_need_the_grant(stack: Stack):
    anonymous = stack.endpoint(user="")
    graph, triple = "urn:policykg:test:anonymous", b"<urn:a> <urn:b> <urn:c> .\n"
    assert anonymous.gsp_url == f"virtuoso+{stack.base}/sparql-graph-crud"

    with pytest.raises(EndpointError) as info:
        anonymous.put_graph(graph, triple)
    assert "HTTP 403" in str(info.value) and 'GRANT SPARQL_UPDATE TO "SPARQL"' in str(info.value)
    with pytest.raises(EndpointError, match=r"HTTP 500 .*SECURITY.*GRANT SPARQL_UPDATE TO \"SPARQL\""):
        anonymous.update(f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> <urn:c> }} }}")

    virtuoso_sql(stack.sql_port, 'GRANT SPARQL_UPDATE TO "SPARQL";')
    try:
        anonymous.put_graph(graph, triple)
        assert stack.raw_count(graph) == 1
        anonymous.delete_graph(graph)
        assert stack.raw_count(graph) == 0
    finally:
        virtuoso_sql(stack.sql_port, 'REVOKE SPARQL_UPDATE FROM "SPARQL";')
    with pytest.raises(EndpointError, match="HTTP 403"):
        anonymous.put_graph(graph, triple)


def test_cut_answer_is_refused_in_one_line(stack: Stack):
    ini = stack.folder / "virtuoso.ini"
    text = ini.read_text()
    ini.write_text(text.replace("ResultSetMaxRows = 1000000", "ResultSetMaxRows = 5"))  # read at each query
    try:
        with pytest.raises(EndpointError, match=r"Virtuoso cut the answer at 5 rows \(ResultSetMaxRows"):
            stack.endpoint().query("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 6")
        assert len(stack.endpoint().query("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 4")) == 4
    finally:
        ini.write_text(text)
