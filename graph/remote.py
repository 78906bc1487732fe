"""Keep the RDF dataset on a remote SPARQL endpoint, with the embedded store's interface.

Named graphs go up with the SPARQL 1.1 Graph Store HTTP Protocol (PUT replaces a graph,
DELETE removes it); queries and updates use the SPARQL 1.1 Protocol. A manifest graph on
the server (the same one the embedded store keeps) lets a rebuild skip unchanged
documents. Only the standard library talks HTTP.

>>> ep = RemoteEndpoint.oxigraph("http://127.0.0.1:7878/")
>>> ep.query_url, ep.update_url, ep.gsp_url
('http://127.0.0.1:7878/query', 'http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/store')
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import quote, urlencode

import pyoxigraph as ox

from graph.errors import EndpointError, RemoteSparqlError  # noqa: F401 - re-exported
from graph.formats import GRAPH_MEDIA_TYPES as _GRAPH_TYPES  # a CONSTRUCT's media type → format name
from graph.store import (
    MANIFEST_GRAPH,
    MANIFEST_QUERY,
    ONTOLOGY_GRAPH,
    WriteReport,
    DocGraph,
    GraphResult,
    ManifestEntry,
    QueryResult,
    SelectResult,
    SparqlError,
    StoreError,
    documents_in,
    manifest_entries,
    manifest_quads,
    one_line,
    ontology_part,
    part_quads,
    plan_build,
    refuse_update,
    is_update,
    serialize_quads,
)

__all__ = ["EndpointError", "RemoteEndpoint", "RemoteSparqlError"]

_RESULTS_JSON = "application/sparql-results+json"
_ACCEPT = f"{_RESULTS_JSON}, application/n-triples;q=0.9, text/turtle;q=0.8"
class RemoteEndpoint:
    """Talk to a SPARQL 1.1 endpoint: query, update, and push named graphs.

    ``query_url`` takes queries; ``update_url`` updates; ``gsp_url`` is the Graph Store
    Protocol endpoint that ``build`` pushes graphs to. No connection is made until a
    method needs one.
    """

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        gsp_url: str | None = None,
        *,
        timeout: float = 30.0,
    ) -> None:
        self.query_url, self.update_url, self.gsp_url = query_url, update_url, gsp_url
        self.timeout = timeout

    @classmethod
    def oxigraph(cls, base_url: str, *, timeout: float = 30.0) -> RemoteEndpoint:
        """Return the endpoint of an Oxigraph server: ``B/query``, ``B/update``, ``B/store``."""
        base = base_url.rstrip("/")
        return cls(f"{base}/query", f"{base}/update", f"{base}/store", timeout=timeout)

    def __repr__(self) -> str:
        return f"RemoteEndpoint({self.query_url!r}, {self.update_url!r}, {self.gsp_url!r})"

    # ---- HTTP

    def _request(
        self, method: str, url: str, body: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> tuple[str, bytes]:
        """Send one request; return (media type, body); raise EndpointError in one line."""
        request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                return media, response.read()
        except urllib.error.HTTPError as exc:
            detail = one_line(exc.read().decode("utf-8", "replace")) if exc.fp else ""
            message = f"{method} {url}: HTTP {exc.code} {exc.reason}" + (f": {detail}" if detail else "")
            rejected = exc.code == 400 and url.startswith(self._sparql_urls())
            raise (RemoteSparqlError if rejected else EndpointError)(message, exc.code) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise EndpointError(f"{method} {url}: no answer within {self.timeout} s") from None
            raise EndpointError(f"{method} {url}: unreachable ({one_line(exc.reason)})") from None
        except (TimeoutError, socket.timeout):
            raise EndpointError(f"{method} {url}: no answer within {self.timeout} s") from None
        except OSError as exc:  # connection reset, remote closed, …
            raise EndpointError(f"{method} {url}: connection failed ({one_line(exc)})") from None

    def _sparql_urls(self) -> tuple[str, ...]:
        return tuple(u for u in (self.query_url, self.update_url) if u)

    def _graph_url(self, graph: str) -> str:
        if not self.gsp_url:
            raise EndpointError(f"no Graph Store Protocol URL configured for {self.query_url}")
        sep = "&" if "?" in self.gsp_url else "?"
        return f"{self.gsp_url}{sep}graph={quote(graph, safe='')}"

    # ---- reading

    def query(self, sparql: str, *, union: bool = False) -> QueryResult:
        """Run a read-only query; return the same result types as the embedded store.

        ``union=True`` makes the default graph the union of every graph but the manifest
        (sent as ``default-graph-uri`` parameters).
        """
        if is_update(sparql):  # refused here, as the embedded store refuses it
            raise refuse_update(sparql)
        url = self.query_url
        if union:
            # With no graph listed the endpoint would use its own default graph; name an
            # absent one instead so that the union of nothing stays empty.
            graphs = self.graphs() or [MANIFEST_GRAPH + "#none"]
            url += ("&" if "?" in url else "?") + urlencode([("default-graph-uri", g) for g in graphs])
        media, data = self._request(
            "POST", url, sparql.encode("utf-8"), {"Content-Type": "application/sparql-query", "Accept": _ACCEPT}
        )
        if media in (_RESULTS_JSON, "application/json"):
            try:
                parsed = ox.parse_query_results(data, ox.QueryResultsFormat.JSON)
            except SyntaxError as exc:
                raise EndpointError(f"POST {url}: unreadable JSON results: {one_line(exc)}") from None
            return bool(parsed) if isinstance(parsed, ox.QueryBoolean) else SelectResult(data)
        if media in _GRAPH_TYPES:
            return GraphResult.parse(data, _GRAPH_TYPES[media])
        raise EndpointError(f"POST {url}: unexpected content type {media or 'none'!r}")

    def graphs(self) -> list[str]:
        """Return the IRIs of the named graphs on the endpoint, manifest left out, sorted."""
        result = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return sorted(r["g"] for r in result.records() if r["g"] != MANIFEST_GRAPH)

    def manifest(self) -> dict[str, ManifestEntry]:
        """Return the manifest entries kept on the endpoint, keyed by graph IRI."""
        return manifest_entries(self.query(MANIFEST_QUERY))

    def documents(self) -> dict[str, str]:
        """Return ``{doc_id: sha256 of its source}`` for every document on the endpoint."""
        return documents_in(self.manifest())

    def export(self, format: str = "trig", graph: str | None = None, *, prefixes: Mapping[str, str] | None = None) -> bytes:
        """Serialize the endpoint's dataset (or one graph) deterministically, as the store does."""
        where = f"GRAPH <{graph}> {{ ?s ?p ?o }} BIND(<{graph}> AS ?g)" if graph else "GRAPH ?g { ?s ?p ?o }"
        if graph is not None and graph not in self.graphs():
            raise StoreError(f"no graph <{graph}> at {self.query_url}")
        result = self.query(f"SELECT ?s ?p ?o ?g WHERE {{ {where} }}")
        quads = [ox.Quad(*row) for row in result.rows]
        return serialize_quads(quads, format, graph=graph, prefixes=prefixes)

    # ---- writing

    def update(self, sparql: str) -> None:
        """Run a SPARQL update on ``update_url``."""
        if not self.update_url:
            raise EndpointError(f"no update URL configured for {self.query_url}")
        self._request("POST", self.update_url, sparql.encode("utf-8"), {"Content-Type": "application/sparql-update"})

    def put_graph(self, graph: str, ntriples: bytes) -> None:
        """Replace one named graph with N-Triples (Graph Store Protocol PUT)."""
        self._request("PUT", self._graph_url(graph), ntriples, {"Content-Type": "application/n-triples"})

    def delete_graph(self, graph: str) -> None:
        """Remove one named graph (Graph Store Protocol DELETE); a missing graph is fine."""
        try:
            self._request("DELETE", self._graph_url(graph))
        except EndpointError as exc:
            if exc.status != 404:
                raise

    def build(
        self,
        docs: Iterable[DocGraph],
        ontology: bytes | None = None,
        *,
        ontology_graph: str = ONTOLOGY_GRAPH,
        prune: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> WriteReport:
        """Push changed documents, skip unchanged ones, remove missing ones with ``prune``.

        Same semantics as ``GraphStore.build``. Every input is parsed before the first
        request, and the manifest goes up last: an interrupted push leaves documents the
        manifest does not vouch for, which the next build pushes again.
        """
        say = progress or (lambda _msg: None)
        timings: dict[str, float] = {}
        start = time.perf_counter()
        docs = tuple(docs)
        plan = plan_build(self.manifest(), docs, ontology_part(ontology, ontology_graph), prune=prune)
        if not plan.changed:
            timings["total"] = time.perf_counter() - start
            return WriteReport.of(plan, None, timings)

        t = time.perf_counter()
        bodies = {p.graph: ox.serialize([q.triple for q in part_quads(p)], format=ox.RdfFormat.N_TRIPLES) for p in plan.loads}
        timings["parse"] = time.perf_counter() - t

        t = time.perf_counter()
        for graph in plan.drops:
            if graph not in bodies:  # a PUT replaces the others
                say(f"remove <{graph}>")
                self.delete_graph(graph)
        for part in plan.loads:
            say(f"push {part.doc_id} to <{part.graph}>")
            self.put_graph(part.graph, bodies[part.graph])
        timings["push"] = time.perf_counter() - t

        t = time.perf_counter()
        say("write manifest")
        manifest = ox.serialize([q.triple for q in manifest_quads(plan.manifest)], format=ox.RdfFormat.N_TRIPLES)
        self.put_graph(MANIFEST_GRAPH, manifest)
        timings["manifest"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - start
        return WriteReport.of(plan, None, timings)
