"""Tests of the remote endpoint against a real `oxigraph serve`, next to the embedded store."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from servers import free_port, start_oxigraph, stop
from test_store import A, B, B2, EX, LABELS, ONTOLOGY, labels

from graph.remote import EndpointError, RemoteEndpoint, RemoteSparqlError
from graph.store import GraphResult, GraphStore, SparqlError


@pytest.fixture
def endpoint(tmp_path: Path):
    pid, base = start_oxigraph(tmp_path / "oxigraph")
    try:
        yield RemoteEndpoint.oxigraph(base, timeout=5)
    finally:
        stop(pid)


@pytest.fixture
def built(endpoint: RemoteEndpoint) -> RemoteEndpoint:
    endpoint.build([A, B], ONTOLOGY)
    return endpoint


def test_build_pushes_named_graphs(endpoint: RemoteEndpoint):
    report = endpoint.build([A, B], ONTOLOGY)

    assert (report.added, report.ontology, report.changed) == ((A.doc_id, B.doc_id), "added", True)
    assert set(report.timings) >= {"parse", "push", "manifest", "total"}
    assert endpoint.documents() == {A.doc_id: A.sha256, B.doc_id: B.sha256}
    assert endpoint.graphs() == sorted([A.graph, B.graph, "https://w3id.org/policykg/ontology"])
    assert labels(endpoint)[0] == {"t": EX + "task/1", "label": "加强知识产权保护"}


QUERIES = [
    LABELS,
    f"ASK {{ GRAPH ?g {{ ?t <{EX}order> 1 }} }}",
    f"ASK {{ GRAPH ?g {{ ?t <{EX}order> 2 }} }}",
    f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{A.graph}> {{ ?s ?p ?o }} }}",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    f"SELECT ?agency (COUNT(?t) AS ?n) WHERE {{ GRAPH ?g {{ ?t ?role ?agency FILTER isIRI(?agency) }} }} GROUP BY ?agency ORDER BY ?agency",
]


@pytest.mark.parametrize("query", QUERIES)
def test_same_answers_as_the_embedded_store(built: RemoteEndpoint, tmp_path: Path, query: str):
    local = GraphStore(tmp_path / "store")
    local.build([A, B], ONTOLOGY)

    remote, embedded = built.query(query), local.query(query)

    assert type(remote) is type(embedded)
    if isinstance(remote, bool):
        assert remote == embedded
    elif isinstance(remote, GraphResult):
        assert remote.ntriples == embedded.ntriples
    else:
        assert remote.records() == embedded.records() and remote.serialize("csv") == embedded.serialize("csv")


@pytest.mark.parametrize("format", ["trig", "nt", "turtle"])
def test_same_export_as_the_embedded_store(built: RemoteEndpoint, tmp_path: Path, format: str):
    local = GraphStore(tmp_path / "store")
    local.build([A, B], ONTOLOGY)

    assert built.export(format) == local.export(format)
    assert built.export("nt", A.graph) == A.data


def test_union_default_graph(built: RemoteEndpoint):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    assert built.query(count).records() == [{"n": 0}]
    assert built.query(count, union=True).records() == [{"n": 3 + 2 + 2}]


def test_rebuild_with_same_input_pushes_nothing(built: RemoteEndpoint):
    # Touch a graph behind the manifest's back: a skipping build must leave it alone.
    built.update(f"INSERT DATA {{ GRAPH <{A.graph}> {{ <{EX}x> <{EX}label> '手工添加' }} }}")

    report = built.build([A, B], ONTOLOGY)

    assert (report.skipped, report.ontology, report.changed) == ((A.doc_id, B.doc_id), "skipped", False)
    assert built.query(f"ASK {{ GRAPH <{A.graph}> {{ <{EX}x> ?p ?o }} }}") is True


def test_changed_document_replaces_only_its_graph(built: RemoteEndpoint):
    a_before = built.export("nt", A.graph)

    report = built.build([A, B2], ONTOLOGY)

    assert (report.replaced, report.skipped) == ((B.doc_id,), (A.doc_id,))
    assert built.export("nt", B.graph) == B2.data
    assert built.export("nt", A.graph) == a_before
    assert built.documents()[B.doc_id] == B2.sha256


def test_prune_deletes_the_graph(built: RemoteEndpoint):
    report = built.build([A], prune=True)

    assert (report.removed, report.ontology) == ((B.doc_id,), "removed")
    assert built.graphs() == [A.graph]
    assert built.documents() == {A.doc_id: A.sha256}


def test_query_path_refuses_updates_without_sending_them(built: RemoteEndpoint):
    with pytest.raises(SparqlError, match="refusing SPARQL update \\(DROP …\\)"):
        built.query("DROP ALL")

    assert built.documents()


def test_malformed_query_names_the_url_and_status(endpoint: RemoteEndpoint):
    with pytest.raises(RemoteSparqlError) as info:
        endpoint.query("SELECT ?x WHERE { ?x ")

    message = str(info.value)
    assert message.startswith(f"POST {endpoint.query_url}: HTTP 400 Bad Request: error at 1:22")
    assert "\n" not in message
    assert isinstance(info.value, SparqlError) and isinstance(info.value, EndpointError)


def test_http_error_names_the_url_and_status(endpoint: RemoteEndpoint):
    wrong = RemoteEndpoint(endpoint.query_url, gsp_url=endpoint.query_url.replace("/query", "/nowhere"))

    with pytest.raises(EndpointError) as info:
        wrong.put_graph(EX + "g", b"")

    assert str(info.value).startswith(f"PUT {wrong.gsp_url}?graph=https%3A%2F%2Fexample.org%2Fg: HTTP 404")
    assert info.value.status == 404


def test_unreachable_endpoint_is_one_line():
    url = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(EndpointError) as info:
        RemoteEndpoint.oxigraph(url, timeout=2).documents()

    assert str(info.value).startswith(f"POST {url}/query: unreachable (")
    assert "\n" not in str(info.value)


def test_silent_endpoint_times_out():
    with socket.socket() as listener:  # accepts connections (the kernel does) but never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/query"

        with pytest.raises(EndpointError, match=f"POST {url}: no answer within 0.3 s"):
            RemoteEndpoint(url, timeout=0.3).query("ASK {}")


def test_missing_urls_are_named(endpoint: RemoteEndpoint):
    read_only = RemoteEndpoint(endpoint.query_url)

    with pytest.raises(EndpointError, match=f"no update URL configured for {endpoint.query_url}"):
        read_only.update("CLEAR ALL")
    with pytest.raises(EndpointError, match=f"no Graph Store Protocol URL configured for {endpoint.query_url}"):
        read_only.build([A])
