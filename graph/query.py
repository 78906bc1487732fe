"""Answer every question the app and the CLI ask of the knowledge graph, as plain rows.

One layer, two callers: `app.py` and `graph/cli.py` call the same view functions
(`graph.views`) through `KG` and print or draw what they return (lists of dicts of
str/int, dicts), always in the same order.

>>> import pathlib, tempfile
>>> tmp = tempfile.TemporaryDirectory()
>>> folder = pathlib.Path(tmp.name) / "corpus"
>>> folder.mkdir()
>>> _ = (folder / "plan.toml").write_text('jurisdiction = "广州市"', encoding="utf-8")
>>> _ = (folder / "plan.txt").write_text(
...     "一、任务\\n（一）保护\\n1.做好甲事。（牵头单位：市市场监管局，配合单位：市版权局）\\n", encoding="utf-8")
>>> kg = open_kg(folder.parent / "data", corpus=folder)   # builds the store: it is missing
>>> [(r["task"], r["role"], r["name_as_written"], r["clause"]) for r in kg.agency_tasks("广州市版权局")]
[('plan/t1', 'cooperate', '市版权局', '（牵头单位：市市场监管局，配合单位：市版权局）')]
>>> kg.resolve_agency("市市场监管局")["name"]
'广州市市场监督管理局'
>>> kg.close()
>>> tmp.cleanup()

Where the data lives: a `graph.backend.Backend` (the embedded store under ``DATA/store``,
or a SPARQL endpoint), opened once by `open_kg`, which builds it from the corpus first
when it is missing or older than the corpus (`graph.build.is_stale`). `KG` holds one
version open, reloads when a build swaps in another, and keeps what it derives (the
model, the network) per version.
"""

from __future__ import annotations

import importlib
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ontology import iris
from ontology.terms import ROLE_ZH, ROLES

from . import build as _builder
from . import model as M
from .backend import Backend, cached, data_path, file_key, open_backend, project_network
from .build import BuildReport, Progress, is_stale, source_digest
from .errors import (BuildError, BuildInterrupted, NotFound, QueryError, QueryTimeout, SparqlError, StoreLocked,
                     UnknownAgency)
from .model import KINDS
from .sparql import SparqlResult, bind, canned_query, list_queries, with_prefixes


class _View:
    """A `KG` method that is a function of a `graph.views` module, imported when first called."""

    def __init__(self, module: str, name: str) -> None:
        self._module, self._name, self._fn = module, name, None

    def __get__(self, kg, owner=None):
        if self._fn is None:
            self._fn = getattr(importlib.import_module(f"{__package__}.views.{self._module}"), self._name)
        return self._fn if kg is None else self._fn.__get__(kg, owner)


class _Views:
    """A module of `graph.views` as `KG` names it: ``task = task_view.task`` makes a `_View`, importing nothing.

    A command thus imports the views it asks (and what they import: the search index, the
    gazetteer) and no others.
    """

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> _View:
        if name.startswith("__"):
            raise AttributeError(name)
        return _View(self._module, name)


agency_view = _Views("agency")
export_view = _Views("export")
network_view = _Views("network")
outline_view = _Views("outline")
search_view = _Views("search")
sparql_view = _Views("sparql")
task_view = _Views("task")

__all__ = [
    "AppSettings", "ROLE_ZH", "BuildError", "BuildInterrupted", "BuildReport", "KG", "KINDS", "NotFound", "QueryError",
    "QueryTimeout", "ROLES", "SparqlError", "SparqlResult", "UnknownAgency", "bind", "build", "canned_query", "data_path",
    "list_queries", "open_kg", "source_digest", "with_prefixes",
]



@dataclass(frozen=True)
class AppSettings:
    """Where the app's store and corpus are, and whether visitors may rebuild (``policykg app --admin``)."""

    data: str
    corpus: str
    admin: bool

    @classmethod
    def from_env(cls, root: Path) -> AppSettings:
        """Read POLICYKG_DATA (default ROOT/data), POLICYKG_CORPUS (ROOT/corpus) and POLICYKG_ADMIN (1, true, yes, on)."""
        return cls(os.environ.get("POLICYKG_DATA") or str(root / "data"),
                   os.environ.get("POLICYKG_CORPUS") or str(root / "corpus"),
                   os.environ.get("POLICYKG_ADMIN", "").strip().lower() in ("1", "true", "yes", "on"))


def build(paths, data_dir=None, endpoint=None, progress: Progress | None = None, executor=None) -> BuildReport:
    """Build the store (`graph.build.build`, the same arguments), then make what every query of
    the new version starts from, where the backend keeps a cache folder: the model's head, every
    agency's rows by agency and their counts (each name lookup ranks by them), from the files the
    workers left (`graph.bureau_index`), and the documents' table. The first `policykg agency`,
    `documents` or app view reads them at once."""
    report = _builder.build(paths, data_dir, endpoint, progress, executor)
    backend = open_backend(data_dir, endpoint)
    if backend.cache_dir is not None and report.changed:
        t = time.perf_counter()
        if progress is not None:
            n = len(report.added) + len(report.replaced) + len(report.skipped) + len(report.rejected) + 1
            progress(n, n, "index the agencies' rows")
        from .bureau_index import index_for

        with KG(backend) as kg:
            kg.model()
            index_for(kg)
            kg.agency_counts()
            kg.documents()  # counted by the store in one query: 1.2 s at 10,000 plans, paid here once
        report.timings["index"] = time.perf_counter() - t
    return report


def open_kg(data_dir=None, corpus="corpus", endpoint=None, progress: Progress | None = None,
            rebuild_stale: bool = True) -> KG:
    """Open the knowledge graph, building it from `corpus` first when missing or out of date.

    `endpoint`: the base URL of an Oxigraph-style SPARQL server (``B/query``, ``B/update``,
    ``B/store``), a `graph.remote.RemoteEndpoint` or a `Backend`; default the embedded store
    under DATA/store. `corpus=None` never builds; ``rebuild_stale=False`` builds only a
    missing store (the app for visitors: only an admin server rebuilds).
    """
    backend = open_backend(data_dir, endpoint)
    folder = Path(corpus) if corpus is not None else None
    if folder is not None and folder.exists():
        if (backend.version() is None if not rebuild_stale else is_stale(backend, folder, data_dir)):
            try:
                build([folder], data_dir, backend, progress)
            except StoreLocked:
                if backend.version() is None:  # someone else builds right now; the live version answers
                    raise
    elif backend.version() is None:
        where = f"no corpus folder '{corpus}'" if corpus is not None else "no corpus given"
        raise QueryError(f"no store at {backend.path} and {where} to build it from; run: policykg build PATH")
    return KG(backend)


class KG:
    """Ask the knowledge graph: one open backend, its live version, and what is derived from it.

    Holds the live version open for reading and reloads when a build swaps in a new one;
    everything derived (the model, the networkx view) is memoized per version. The
    questions themselves are the functions of `graph.views`; the methods below call them.
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._reader = None
        self._version: str | None = None
        self._cache: dict[str, object] = {}
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"KG({self.backend!r})"

    def __enter__(self) -> KG:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release the version held for reading."""
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
            self._version = None

    def version(self) -> str:
        """Return the version answering now; a build that swapped in a new one makes the memo go."""
        with self._lock:
            if self._reader is None or self._reader.is_stale():
                old, self._reader = self._reader, self.backend.open()
                if old is not None:
                    old.close()
            if self._reader.version != self._version:
                self._cache = {}
                self._version = self._reader.version
            return self._version

    def _held(self):
        if self._version is None:
            self.version()
        return self._reader

    def select(self, text: str) -> list[dict]:
        """Run one of our own SELECT queries (prefixes added) on the version in hand; rows of plain values."""
        return self._held().select(text)

    def query(self, text: str, *, union: bool = False):
        """Run a read-only query on the live version; the backend's raw result."""
        self.version()
        return self._reader.query(text, union=union)

    def quads(self, graphs=None, *, ontology: bool = False) -> list:
        """Return the quads of the given graphs (default: every graph but the manifest and the ontology)."""
        self.version()
        return self._reader.quads(graphs, ontology=ontology)

    def run_sparql(self, text: str, limit: int | None, timeout: float | None) -> SparqlResult:
        """Run a user's read-only query on the live version (`graph.views.sparql` guards it first)."""
        self.version()
        return self._reader.sparql(text, limit, timeout)

    def memo(self, key: str, make: Callable[[], object]):
        """Return a value derived from the version in hand, made once per version."""
        self._held()
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def cached(self, name: str, make: Callable[[], object]):
        """Return a value derived from this version, kept across processes where the backend can."""
        return cached(self.backend, name, self.version(), make)

    def model(self) -> M.Model:
        """Return the model of the version in hand (`graph.model`)."""
        from .bureau_index import read_head

        return self.memo("model", lambda: M.load(self.select, self.cached(
            "model-head", lambda: read_head(self) or M.read_head(self.select))))

    def doc_network(self, doc_id: str):
        """Return the networkx projection of one document's graph (with the gazetteer), per version."""
        from . import network as nw
        from .sparql import QuadRows

        doc = M.find_doc(self.model(), doc_id)
        self.version()
        return self.memo(f"network:{doc['id']}", lambda: self.cached(
            f"docnet{file_key(doc['id'])}",
            lambda: nw.project(QuadRows(self._reader.quads([doc["graph"], str(iris.gazetteer_graph_iri())])))))

    def text(self, doc_id: str) -> str:
        """Return a document's normalized text, which every span counts in."""
        model = self.model()
        if doc_id not in model.texts:
            rows = self.select(f"SELECT ?t WHERE {{ GRAPH ?g {{ <{model.docs[doc_id]['text_iri']}> pkg:text ?t }} }}")
            model.texts[doc_id] = rows[0]["t"] if rows else ""
        return model.texts[doc_id]

    def quote(self, doc_id: str, span: Sequence[int | None]) -> str | None:
        """Return the characters of a span, None for no span."""
        return None if span[0] is None else self.text(doc_id)[span[0]:span[1]]

    def network(self):
        """Return the networkx projection of the whole graph (`graph.network.project`), per version."""
        self.version()
        return self.memo("network", lambda: project_network(self.backend, self._reader))

    # ---- the views, as methods (the CLI and app call either)

    documents = outline_view.documents
    indicators = outline_view.indicators
    outline = outline_view.outline
    agency_names = agency_view.agency_names
    resolve_agency = agency_view.resolve_agency
    agency_counts = agency_view.agency_counts
    agency_tasks = agency_view.agency_tasks
    coassigned = agency_view.coassigned
    task = task_view.task
    connected = network_view.connected
    metrics = network_view.metrics
    node = export_view.node
    neighbourhood = export_view.neighbourhood
    subgraph = export_view.subgraph
    export = export_view.export
    sparql = sparql_view.sparql
    search = search_view.search
