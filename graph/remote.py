"""Keep the RDF dataset on a remote SPARQL endpoint, with the embedded store's interface.

Named graphs go up with the SPARQL 1.1 Graph Store HTTP Protocol (PUT replaces a graph,
DELETE removes it); queries and updates use the SPARQL 1.1 Protocol. A manifest graph on
the server (the same one the embedded store keeps) lets a rebuild skip unchanged
documents. Only the standard library talks HTTP.

>>> ep = RemoteEndpoint.oxigraph("http://127.0.0.1:7878/")
>>> ep.query_url, ep.update_url, ep.gsp_url
('http://127.0.0.1:7878/query', 'http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/store')

A URL of the ``virtuoso+http`` scheme names a Virtuoso 7 server, whose departures from
the protocols are handled here (README, "Virtuoso"); the prefix never goes on the wire:

>>> RemoteEndpoint.from_url("virtuoso+http://127.0.0.1:8890", user="dba").gsp_url
'virtuoso+http://127.0.0.1:8890/sparql-graph-crud-auth'
"""

from __future__ import annotations

import os
import re
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
    sparql_operation,
)

__all__ = ["EndpointError", "PASSWORD_ENV", "RemoteEndpoint", "RemoteSparqlError", "USER_ENV", "VIRTUOSO"]

_RESULTS_JSON = "application/sparql-results+json"
_ACCEPT = f"{_RESULTS_JSON}, application/n-triples;q=0.9, text/turtle;q=0.8"
_RESULTS_XML = "application/sparql-results+xml"
_FORM = "application/x-www-form-urlencoded"

VIRTUOSO = "virtuoso+"  # the scheme prefix that marks a Virtuoso server's URLs
USER_ENV, PASSWORD_ENV = "POLICYKG_ENDPOINT_USER", "POLICYKG_ENDPOINT_PASSWORD"
_NO_GRAPH = MANIFEST_GRAPH + "#none"  # a graph nobody writes: an empty default graph


class RemoteEndpoint:
    """Talk to a SPARQL 1.1 endpoint: query, update, and push named graphs.

    ``query_url`` takes queries; ``update_url`` updates; ``gsp_url`` is the Graph Store
    Protocol endpoint that ``build`` pushes graphs to. No connection is made until a
    method needs one.

    A server that asks for a login (HTTP 401, digest or basic) gets ``user`` and
    ``password``, by default ``$POLICYKG_ENDPOINT_USER`` and ``$POLICYKG_ENDPOINT_PASSWORD``.
    Any URL with the ``virtuoso+`` prefix makes this a Virtuoso endpoint (``virtuoso``).
    """

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        gsp_url: str | None = None,
        *,
        timeout: float = 30.0,
        user: str | None = None,
        password: str | None = None,
    ) -> None:
        self.query_url, self.update_url, self.gsp_url = query_url, update_url, gsp_url
        self.timeout = timeout
        urls = [u for u in (query_url, update_url, gsp_url) if u]
        self.virtuoso = any(u.startswith(VIRTUOSO) for u in urls)
        self.user = user if user is not None else os.environ.get(USER_ENV) or None
        handlers: list[urllib.request.BaseHandler] = []
        if self.user:
            secret = password if password is not None else os.environ.get(PASSWORD_ENV, "")
            logins = urllib.request.HTTPPasswordMgrWithPriorAuth()  # basic: signed up front once accepted
            for url in urls:
                logins.add_password(None, _wire(url), self.user, secret)
            # Digest is tried first when a server offers both (Virtuoso offers digest only).
            handlers = [_SigningDigest(logins), urllib.request.HTTPBasicAuthHandler(logins)]
        self._opener = urllib.request.build_opener(*handlers)
        self._probed: set[str] = set()  # the paths logged into before a request with a body

    @classmethod
    def from_url(
        cls, url: str, *, timeout: float = 30.0, user: str | None = None, password: str | None = None
    ) -> RemoteEndpoint:
        """Return the endpoint that ``--endpoint URL`` names: a ``virtuoso+http://HOST:PORT`` URL is
        a Virtuoso server's HTTP port (`virtuoso`), any other an Oxigraph server's base URL."""
        if url.startswith(VIRTUOSO):
            return cls.virtuoso(url, timeout=timeout, user=user, password=password)
        return cls(*cls._oxigraph_urls(url), timeout=timeout, user=user, password=password)

    @classmethod
    def oxigraph(cls, base_url: str, *, timeout: float = 30.0) -> RemoteEndpoint:
        """Return the endpoint of an Oxigraph server: ``B/query``, ``B/update``, ``B/store``."""
        return cls(*cls._oxigraph_urls(base_url), timeout=timeout)

    @staticmethod
    def _oxigraph_urls(base_url: str) -> tuple[str, str, str]:
        base = base_url.rstrip("/")
        return f"{base}/query", f"{base}/update", f"{base}/store"

    @classmethod
    def virtuoso(
        cls, base_url: str, *, user: str | None = None, password: str | None = None, timeout: float = 30.0
    ) -> RemoteEndpoint:
        """Return the endpoint of a Virtuoso 7 server at its HTTP port (``http://HOST:8890``).

        Queries go to ``B/sparql``. With a user (the argument, else ``$POLICYKG_ENDPOINT_USER``)
        updates go to ``B/sparql-auth`` and graphs to ``B/sparql-graph-crud-auth``, with digest
        auth; without one to ``B/sparql`` and ``B/sparql-graph-crud`` as Virtuoso's anonymous
        SPARQL user, which may write only after ``GRANT SPARQL_UPDATE TO "SPARQL";`` in isql.

        >>> ep = RemoteEndpoint.virtuoso("http://127.0.0.1:8890/", user="dba", password="dba")
        >>> ep.query_url, ep.update_url, ep.virtuoso
        ('virtuoso+http://127.0.0.1:8890/sparql', 'virtuoso+http://127.0.0.1:8890/sparql-auth', True)
        """
        base = _wire(base_url).rstrip("/")
        user = user if user is not None else os.environ.get(USER_ENV) or None
        auth = "-auth" if user else ""
        marked = VIRTUOSO + base
        return cls(f"{marked}/sparql", f"{marked}/sparql{auth}", f"{marked}/sparql-graph-crud{auth}",
                   timeout=timeout, user=user, password=password)

    def __repr__(self) -> str:
        return f"RemoteEndpoint({self.query_url!r}, {self.update_url!r}, {self.gsp_url!r})"

    # ---- HTTP

    def _request(
        self, method: str, url: str, body: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> tuple[str, bytes]:
        """Send one request; return (media type, body); raise EndpointError in one line."""
        return self._exchange(method, url, body, headers)[:2]

    def _exchange(
        self, method: str, url: str, body: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> tuple[str, bytes, Mapping[str, str]]:
        """Send one request; return (media type, body, response headers); raise EndpointError in one line."""
        url = _wire(url)
        if body and self.user and url.split("?")[0] not in self._probed:
            self._probe(url)
        request = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                return media, response.read(), response.headers
        except urllib.error.HTTPError as exc:
            detail = self._detail(exc.code, exc.read().decode("utf-8", "replace") if exc.fp else "")
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

    def _probe(self, url: str) -> None:
        """Log in with a bodiless HEAD before the first request with a body to this path.

        A server asking for a login (Virtuoso does) closes the connection as it answers 401,
        so a large body sent before the login breaks the pipe; once challenged, every later
        request goes out signed.
        """
        self._probed.add(url.split("?")[0])
        try:
            with self._opener.open(urllib.request.Request(url, method="HEAD"), timeout=self.timeout):
                pass
        except urllib.error.HTTPError:
            pass  # a HEAD may be refused (405, 404): the login, if one was asked for, is done
        except (urllib.error.URLError, OSError):
            pass  # the request itself says what is wrong with the server

    def _sparql_urls(self) -> tuple[str, ...]:
        return tuple(_wire(u) for u in (self.query_url, self.update_url) if u)

    def _detail(self, status: int, body: str) -> str:
        """Return an error body as one line, with what to do about a refused login or write."""
        if "<html" in body[:200].lower():  # Virtuoso's GSP errors are HTML pages: keep the message
            pre = re.search(r"(?is)<xmp>(.*?)</xmp>", body)
            body = pre.group(1) if pre else re.sub(r"(?s)<[^>]*>", " ", body)
        detail = one_line(body)
        if self.virtuoso:  # Virtuoso repeats the whole query after its message
            detail = detail.split(" SPARQL query:")[0]
        if status == 401:
            who = f"the login of {self.user!r} was refused" if self.user else "the server asks for a login"
            return (f"{detail}; " if detail else "") + f"{who}: set {USER_ENV} and {PASSWORD_ENV}"
        if self.virtuoso and "SECURITY" in detail:
            if self.user:
                return f'{detail}; {self.user!r} may not write: GRANT SPARQL_UPDATE TO "{self.user}"; in isql'
            return (f'{detail}; Virtuoso\'s anonymous SPARQL user may not write: GRANT SPARQL_UPDATE TO "SPARQL"; '
                    f"in isql, or set {USER_ENV} and {PASSWORD_ENV} to write through /sparql-auth")
        return detail

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
        if self.virtuoso:
            named = self._ours()
            return self._virtuoso_query(sparql, named, named[:-1] if union else [])
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
        """Return the IRIs of the named graphs on the endpoint, manifest left out, sorted.

        On Virtuoso, only the graphs the manifest lists (its other graphs are its own).
        """
        if self.virtuoso:  # Virtuoso answers GRAPH ?g { } with one empty solution
            result = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        else:
            result = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
        return sorted(r["g"] for r in result.records() if r["g"] != MANIFEST_GRAPH)

    def manifest(self) -> dict[str, ManifestEntry]:
        """Return the manifest entries kept on the endpoint, keyed by graph IRI."""
        if self.virtuoso:
            return manifest_entries(self._virtuoso_query(MANIFEST_QUERY, [MANIFEST_GRAPH], []))
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

    # ---- Virtuoso

    def _ours(self) -> list[str]:
        """Return the graphs the manifest lists, sorted, then the manifest: the dataset policykg sees.

        Virtuoso's default graph is the union of all its graphs and GRAPH ?g ranges over
        its system graphs too, so every request names its dataset explicitly.
        """
        return [*sorted(self.manifest()), MANIFEST_GRAPH]

    def _virtuoso_query(self, sparql: str, named: list[str], default: list[str]) -> QueryResult:
        """Run a query on Virtuoso over these named graphs and this default graph (empty: none)."""
        triples = sparql_operation(sparql) in ("CONSTRUCT", "DESCRIBE")
        fields = [("query", _values_inside(sparql)), *(("named-graph-uri", g) for g in named),
                  *(("default-graph-uri", g) for g in default or [_NO_GRAPH])]
        # Asked for JSON first, Virtuoso answers a CONSTRUCT with a table of s, p, o: ask for what
        # the form gives. XML results rather than JSON: Virtuoso writes them twice as fast, with
        # xsd:boolean values as true/false (in JSON 1/0) and no SPARQL 1.0 "typed-literal".
        accept = "application/n-triples" if triples else _RESULTS_XML
        # Virtuoso 7 never answers a query POSTed as application/sparql-query: send a form.
        url = _wire(self.query_url)
        media, data, headers = self._exchange(
            "POST", url, urlencode(fields).encode("utf-8"), {"Content-Type": _FORM, "Accept": accept}
        )
        cut = headers.get("X-SPARQL-MaxRows")
        if cut:
            raise EndpointError(
                f"POST {url}: Virtuoso cut the answer at {cut} rows (ResultSetMaxRows in the [SPARQL] "
                f"section of its virtuoso.ini, read at each query): raise it above the number of quads"
            )
        if media == _RESULTS_XML:
            # Virtuoso names a blank node nodeID://b10007, which is no blank node label.
            data = data.replace(b"<bnode>nodeID://", b"<bnode>")
            try:
                parsed = ox.parse_query_results(data, ox.QueryResultsFormat.XML)
            except SyntaxError as exc:
                raise EndpointError(f"POST {url}: unreadable XML results: {one_line(exc)}") from None
            if isinstance(parsed, ox.QueryBoolean):
                return bool(parsed)
            return SelectResult(parsed.serialize(format=ox.QueryResultsFormat.JSON))
        if media in _GRAPH_TYPES:
            return GraphResult.parse(data, _GRAPH_TYPES[media])
        raise EndpointError(f"POST {url}: unexpected content type {media or 'none'!r}")

    # ---- writing

    def update(self, sparql: str) -> None:
        """Run a SPARQL update on ``update_url``."""
        if not self.update_url:
            raise EndpointError(f"no update URL configured for {self.query_url}")
        if self.virtuoso:
            self._virtuoso_update(sparql)
            return
        self._request("POST", self.update_url, sparql.encode("utf-8"), {"Content-Type": "application/sparql-update"})

    def _virtuoso_update(self, sparql: str) -> None:
        """Run an update on Virtuoso, its WHERE clauses over policykg's graphs only."""
        every = _EVERY_GRAPH.search(_STRINGS_AND_IRIS.sub(" ", sparql))
        if every:
            # Virtuoso 7 answers CLEAR ALL and DROP ALL with success and removes nothing.
            raise SparqlError(f"Virtuoso ignores {one_line(every.group()).upper()}: name each graph (DROP GRAPH <…>)")
        # Without these its default graph (DELETE WHERE { ?s ?p ?o }) would be every graph it
        # has, its system graphs included.
        fields = [("update", sparql), ("using-graph-uri", _NO_GRAPH),
                  *(("using-named-graph-uri", g) for g in self._ours())]
        self._request("POST", self.update_url, urlencode(fields).encode("utf-8"), {"Content-Type": _FORM})

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


# --------------------------------------------------------------------------- helpers


class _SigningDigest(urllib.request.HTTPDigestAuthHandler):
    """Digest auth that, once challenged, signs every later request before it is sent."""

    def __init__(self, logins: urllib.request.HTTPPasswordMgr) -> None:
        super().__init__(logins)
        self._challenge: dict[str, str] | None = None

    def get_authorization(self, req, chal):
        self._challenge = chal
        return super().get_authorization(req, chal)

    def http_request(self, req):
        if self._challenge is not None and not req.has_header("Authorization"):
            auth = super().get_authorization(req, self._challenge)  # the nonce again, its count one up
            if auth:
                req.add_unredirected_header("Authorization", f"Digest {auth}")
        return req

    https_request = http_request


def _wire(url: str) -> str:
    """Return the URL that goes on the wire: without the ``virtuoso+`` mark."""
    return url[len(VIRTUOSO):] if url.startswith(VIRTUOSO) else url


def _values_inside(text: str) -> str:
    """Move a trailing VALUES clause to the end of the WHERE clause, which Virtuoso 7 accepts.

    Virtuoso answers a query ending in ``VALUES`` (as `graph.sparql.bind` writes them) with
    "SQ200: No column name". Joined at the end of the WHERE clause, the data restrict the
    same solutions before ORDER BY, LIMIT and the rest.

    >>> _values_inside('SELECT ?a WHERE { ?a ?p "}" } ORDER BY ?a\\nVALUES (?a) { (<urn:x>) }')
    'SELECT ?a WHERE { ?a ?p "}" VALUES (?a) { (<urn:x>) } } ORDER BY ?a'
    >>> _values_inside("SELECT * WHERE { VALUES ?a { 1 } }")
    'SELECT * WHERE { VALUES ?a { 1 } }'
    """
    masked = _STRINGS_AND_IRIS.sub(lambda m: " " * len(m.group()), text)
    depth, trailing, close = 0, None, None
    for m in re.finditer(r"[{}]|(?i:\bVALUES\b)", masked):
        token = m.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0 and trailing is None:
                close = m.start()
        elif depth == 0 and close is not None:
            trailing = m.start()
    if trailing is None:
        return text
    return f"{text[:close].rstrip()} {text[trailing:].strip()} }}{text[close + 1:trailing].rstrip()}"


_STRINGS_AND_IRIS = re.compile(r'"""(?:.|\n)*?"""|\'\'\'(?:.|\n)*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*')
_EVERY_GRAPH = re.compile(r"(?i)\b(?:CLEAR|DROP)\s+(?:SILENT\s+)?(?:ALL|NAMED)\b")
