"""Open the graph where it lives: one interface over the embedded store and a SPARQL endpoint.

`open_backend` turns ``--data``/``--endpoint`` into a `Backend` once, at the door (the CLI,
the app, `graph.build`); nothing downstream asks which kind it holds. A backend answers
for its live version (`version`), opens a `Reader` pinned to one version (`open`), lists
its manifest, builds, updates and keeps derived values per version (`cached`).

>>> import tempfile
>>> tmp = tempfile.TemporaryDirectory()
>>> b = open_backend(tmp.name)
>>> b.version() is None, b.manifest(), b.cache_dir.name
(True, {}, 'cache')
>>> tmp.cleanup()
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

import pyoxigraph as ox

from ontology.prefixes import PKG_ONTOLOGY_IRI

from . import store as gstore
from .errors import SparqlError, StoreError
from .sparql import PROLOGUE, SPARQL_PREFIXES, SparqlResult, collect, py_value, run_with_deadline, triple_row, \
    with_prefixes
from .store import GraphStore, one_line

__all__ = ["Backend", "EmbeddedBackend", "Reader", "RemoteBackend", "cached", "data_path", "file_key", "open_backend"]

_ONTOLOGY = PKG_ONTOLOGY_IRI


def data_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the data folder: the argument, else ``$POLICYKG_DATA``, else ``./data``."""
    return Path(data_dir or os.environ.get("POLICYKG_DATA") or "data")


@runtime_checkable
class Reader(Protocol):
    """One version of the graph, held for reading until `close`."""

    version: str

    def select(self, text: str) -> list[dict]: ...  # our own SELECT (prefixes added): rows of plain values
    def query(self, text: str, *, union: bool = False) -> gstore.QueryResult: ...
    def quads(self, graphs: Iterable[str] | None = None, *, ontology: bool = False) -> list[ox.Quad]: ...
    def sparql(self, text: str, limit: int | None, timeout: float | None) -> SparqlResult: ...
    def is_stale(self) -> bool: ...
    def close(self) -> None: ...


@runtime_checkable
class Backend(Protocol):
    """Where the graph lives: the embedded store or a SPARQL endpoint."""

    cache_dir: Path | None  # where derived values outlive the process; None: recompute
    writes_to: str  # for progress lines: "write the store", "push to URL"

    def version(self) -> str | None: ...  # the live version; None: nothing built yet
    def open(self) -> Reader: ...
    def query(self, text: str, *, union: bool = False) -> gstore.QueryResult: ...
    def quads(self) -> list[ox.Quad]: ...
    def manifest(self) -> dict[str, gstore.ManifestEntry]: ...
    def build(self, parts, ontology: bytes | None, *, prune: bool, progress=None,
              arriving=None) -> gstore.WriteReport: ...  # arriving: parts still being extracted
    def update(self, text: str) -> str: ...  # a one-line report


def open_backend(data_dir=None, endpoint=None) -> Backend:
    """Return the backend: the store under DATA/store, or an endpoint (base URL or `RemoteEndpoint`)."""
    if endpoint is None:
        return EmbeddedBackend(GraphStore(data_path(data_dir) / "store"), data_path(data_dir) / "cache")
    if isinstance(endpoint, (EmbeddedBackend, RemoteBackend)):
        return endpoint
    from .remote import RemoteEndpoint

    if isinstance(endpoint, str):
        endpoint = RemoteEndpoint.from_url(endpoint)
    return RemoteBackend(endpoint)


def _keep(graph: str, wanted: set[str] | None, ontology: bool) -> bool:
    if graph == gstore.MANIFEST_GRAPH or (wanted is not None and graph not in wanted):
        return False
    return wanted is not None or ontology or graph != _ONTOLOGY


# --------------------------------------------------------------------------- the embedded store


class EmbeddedBackend:
    """The versioned Oxigraph store under DATA/store; derived values are pickled under DATA/cache."""

    def __init__(self, store: GraphStore, cache_dir: Path) -> None:
        self.store, self.cache_dir = store, cache_dir
        self.writes_to = "write the store"

    def __repr__(self) -> str:
        return repr(self.store)

    @property
    def path(self) -> Path:
        return self.store.path

    def version(self) -> str | None:
        return self.store.live_version()

    def open(self) -> EmbeddedReader:
        return EmbeddedReader(self.store.open_readonly(), self.store.path)

    def query(self, text: str, *, union: bool = False) -> gstore.QueryResult:
        return self.store.query(text, union=union)

    def quads(self) -> list[ox.Quad]:
        with self.open() as r:
            return r.quads()

    def manifest(self) -> dict[str, gstore.ManifestEntry]:
        if self.store.live_version() is None:
            return {}
        with self.store.open_readonly() as reader:
            return reader.manifest()

    def build(self, parts, ontology, *, prune, progress=None, arriving=None) -> gstore.WriteReport:
        # The store loads documents as they arrive, while the rest are extracted.
        return self.store.build(parts, ontology, prune=prune, progress=progress, arriving=arriving)

    def update(self, text: str) -> str:
        return f"updated -> {self.store.update(text).version}"


class EmbeddedReader:
    """One store version open read-only."""

    def __init__(self, reader: gstore.StoreReader, path: Path) -> None:
        self._reader, self._path = reader, path
        self.version = reader.version

    def __enter__(self) -> EmbeddedReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def select(self, text: str) -> list[dict]:
        solutions = self._reader.store.query(PROLOGUE + text)
        names = [v.value for v in solutions.variables]
        return [{n: py_value(sol[n]) for n in names} for sol in solutions]

    def query(self, text: str, *, union: bool = False) -> gstore.QueryResult:
        return self._reader.query(text, union=union)

    def quads(self, graphs: Iterable[str] | None = None, *, ontology: bool = False) -> list[ox.Quad]:
        store = self._reader.store
        if graphs is None:
            return [q for q in store.quads_for_pattern(None, None, None, None)
                    if isinstance(q.graph_name, ox.NamedNode) and _keep(q.graph_name.value, None, ontology)]
        # Only the graphs asked for, each read by its own index range (what one document costs, not
        # the store); in the order a scan of the whole store meets them (that of `named_graphs`), so
        # the quads come exactly as that scan filtered would give them.
        wanted = set(graphs)
        return [q for g in store.named_graphs()
                if isinstance(g, ox.NamedNode) and _keep(g.value, wanted, ontology)
                for q in store.quads_for_pattern(None, None, None, g)]

    def sparql(self, text: str, limit: int | None, timeout: float | None) -> SparqlResult:
        if timeout:
            return run_with_deadline(self._path, text, limit, timeout)
        store = self._reader.store
        graphs = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value != gstore.MANIFEST_GRAPH]
        try:
            # Default prefixes rather than PREFIX lines, so error positions match the user's text.
            return collect(store.query(text, default_graph=graphs, prefixes=SPARQL_PREFIXES), limit, None, None)
        except SyntaxError as exc:
            raise SparqlError(f"malformed SPARQL query: {one_line(exc)}") from None
        except OSError as exc:
            raise StoreError(f"query failed: {one_line(exc)}") from None

    def is_stale(self) -> bool:
        return self._reader.is_stale()

    def close(self) -> None:
        self._reader.close()


# --------------------------------------------------------------------------- a SPARQL endpoint


class RemoteBackend:
    """A SPARQL 1.1 server (`graph.remote.RemoteEndpoint`); its version is a digest of its manifest."""

    RECHECK = 2.0  # seconds between two looks at the endpoint's manifest

    def __init__(self, endpoint) -> None:
        self.endpoint = endpoint
        self.cache_dir = None
        self.writes_to = f"push to {endpoint.query_url}"

    def __repr__(self) -> str:
        return repr(self.endpoint)

    def version(self) -> str:
        docs = self.endpoint.documents()
        return hashlib.sha256(json.dumps(sorted(docs.items())).encode()).hexdigest()[:12]

    def open(self) -> RemoteReader:
        return RemoteReader(self)

    def query(self, text: str, *, union: bool = False) -> gstore.QueryResult:
        return self.endpoint.query(text, union=union)

    def quads(self) -> list[ox.Quad]:
        return self.open().quads()

    def manifest(self) -> dict[str, gstore.ManifestEntry]:
        return self.endpoint.manifest()

    def build(self, parts, ontology, *, prune, progress=None, arriving=None) -> gstore.WriteReport:
        # A server is written once every document is extracted: one plan, one push.
        parts = [*parts, *(arriving or ())]
        return self.endpoint.build(parts, ontology, prune=prune, progress=progress)

    def update(self, text: str) -> str:
        self.endpoint.update(text)
        return f"updated {self.endpoint.update_url}"


class RemoteReader:
    """The endpoint as it is now; stale once its manifest changes (looked at every RECHECK seconds)."""

    def __init__(self, backend: RemoteBackend) -> None:
        self._backend, self._endpoint = backend, backend.endpoint
        self.version = backend.version()
        self._checked = time.monotonic()

    def __enter__(self) -> RemoteReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def select(self, text: str) -> list[dict]:
        return self._endpoint.query(PROLOGUE + text).records()

    def query(self, text: str, *, union: bool = False) -> gstore.QueryResult:
        return self._endpoint.query(text, union=union)

    def quads(self, graphs: Iterable[str] | None = None, *, ontology: bool = False) -> list[ox.Quad]:
        wanted = set(graphs) if graphs is not None else None
        result = self._endpoint.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return [ox.Quad(s, p, o, g) for s, p, o, g in result.rows if _keep(g.value, wanted, ontology)]

    def sparql(self, text: str, limit: int | None, timeout: float | None) -> SparqlResult:
        from .remote import RemoteEndpoint

        ep = self._endpoint
        if timeout:
            ep = RemoteEndpoint(ep.query_url, ep.update_url, ep.gsp_url, timeout=timeout)
        raw = ep.query(with_prefixes(text), union=True)
        if isinstance(raw, bool):
            return SparqlResult("ask", boolean=raw)
        if isinstance(raw, gstore.GraphResult):
            triples = raw.triples()
            cut = triples[:limit] if limit is not None else triples
            return SparqlResult("graph", ("subject", "predicate", "object"), tuple(triple_row(t) for t in cut),
                                triples=tuple(cut), truncated=len(cut) < len(triples))
        records = raw.records()
        cut = records[:limit] if limit is not None else records
        return SparqlResult("select", tuple(raw.variables), tuple(cut), terms=tuple(raw.rows[:len(cut)]),
                            truncated=len(cut) < len(records))

    def is_stale(self) -> bool:
        now = time.monotonic()
        if now - self._checked <= RemoteBackend.RECHECK:
            return False
        self._checked = now
        return self._backend.version() != self.version

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- derived values


def cached(backend: Backend, name: str, version: str, make: Callable[[], object]):
    """Return a value derived from one version, kept in the backend's cache folder across processes.

    The file is named by the version, so a build makes it stale by construction; a fresh app
    server then reads it in milliseconds. Without a cache folder (an endpoint) it is computed.
    """
    folder = backend.cache_dir
    if folder is None:
        return make()
    path = folder / f"{name}-{version}.pickle"
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        pass
    value = make()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob(f"{name}-*.pickle"):
            old.unlink(missing_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only data folder: compute each time
    return value


def file_key(name: str) -> str:
    """Return a short digest of `name` that is safe in a file name (a cache entry per document id)."""
    return hashlib.sha256(name.encode()).hexdigest()[:16]


def project_network(backend: Backend, reader: Reader):
    """Return the networkx projection of one version (`graph.network.project`), from the cache when there."""
    from . import network as nw
    from .sparql import QuadRows

    return cached(backend, "network", reader.version, lambda: nw.project(QuadRows(reader.quads())))
