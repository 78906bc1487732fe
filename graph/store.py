"""Keep the RDF dataset in an embedded Oxigraph store that survives an interrupted build.

Layout of a store directory (default ``data/store``; ``$POLICYKG_DATA`` moves ``data``)::

    CURRENT           names the live version, e.g. "v000003"; replaced atomically
    build.lock        flock held by the one process building; holds its pid
    v000002/          previous version (a RocksDB directory), kept for readers
    v000002.readers   readers hold a shared flock on it; cleanup needs it exclusive
    v000003/          live version
    v000004.partial/  a build under way (or interrupted: removed by the next build)

A build never writes into a version that readers can see. It checkpoints the live
version into a new ``.partial`` directory (hard links, milliseconds), applies the
changes there, flushes, fsyncs, renames it into place, and only then points CURRENT at
it. Killing the process at any step leaves CURRENT naming a complete version.

Every named graph is listed in a manifest graph (``MANIFEST_GRAPH``) inside the store,
with the document id, the sha256 of its source and a digest of its triples, so a
rebuild skips what has not changed.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     store = GraphStore(tmp)
...     doc = DocGraph("plan", "ab12", "https://example.org/g/plan",
...                    '<https://example.org/t1> <https://example.org/name> "任务" .\\n'.encode())
...     print(store.build([doc]))
...     print(store.query("ASK { GRAPH ?g { ?s ?p '任务' } }"))
...     print(store.documents())
added 1, replaced 0, skipped 0, removed 0 -> v000001
True
{'plan': 'ab12'}
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import itertools
import os
import re
import shutil
import struct
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Union

import pyoxigraph as ox

from ontology.prefixes import PKG_ONTOLOGY_IRI

from .errors import SparqlError, StoreError, StoreLocked  # noqa: F401 - re-exported
from .formats import RDF_FORMATS  # every RDF format name and alias → pyoxigraph.RdfFormat

if TYPE_CHECKING:  # pragma: no cover
    import rdflib

__all__ = [
    "BuildPlan",
    "WriteReport",
    "DocGraph",
    "GraphResult",
    "GraphStore",
    "MANIFEST_GRAPH",
    "MANIFEST_QUERY",
    "ManifestEntry",
    "ONTOLOGY_GRAPH",
    "QueryResult",
    "RDF_FORMATS",
    "SelectResult",
    "SparqlError",
    "StoreError",
    "StoreLocked",
    "StoreReader",
    "default_store_path",
    "is_update",
    "manifest_entries",
    "manifest_quads",
    "one_line",
    "ontology_part",
    "part_quads",
    "plain_value",
    "plan_build",
    "refuse_update",
    "serialize_quads",
    "sparql_operation",
]

MANIFEST_GRAPH = "urn:policykg:manifest"
ONTOLOGY_GRAPH = PKG_ONTOLOGY_IRI

_M = MANIFEST_GRAPH + "#"
_KIND, _DOC_ID, _SHA256, _DIGEST = (ox.NamedNode(_M + n) for n in ("kind", "docId", "sha256", "digest"))
_DOCUMENT, _ONTOLOGY = "document", "ontology"

_VERSION = re.compile(r"v(\d{6})")
_XSD = "http://www.w3.org/2001/XMLSchema#"


def one_line(exc: object, limit: int = 240) -> str:
    """Return an error's text on one line, cut at `limit` characters (parser messages run long)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- input


@dataclass(frozen=True, slots=True)
class DocGraph:
    """Name one document's triples: its id, the sha256 of its source, its graph IRI and data.

    ``data`` is N-Triples (``format="nt"``), N-Quads (``"nq"``, every quad in the default
    graph or in ``graph``) or Turtle (``"ttl"``), UTF-8. A large build leaves it on disk
    instead: ``path`` names the file (N-Quads of ``graph``) and ``known_digest`` its sha256,
    so the build holds no document's data in memory and the store loads all in one pass.
    """

    doc_id: str
    sha256: str
    graph: str
    data: bytes
    format: str = "nt"
    known_digest: str | None = None  # the stored digest of an unchanged part (data empty), or of the file at path
    path: str | None = None

    @property
    def digest(self) -> str:
        """Return the sha256 of the serialized triples, to notice a changed mapping."""
        return self.known_digest or hashlib.sha256(self.data).hexdigest()

    def payload(self) -> bytes:
        """Return the serialized triples, read from ``path`` when they were left on disk."""
        if self.path is None:
            return self.data
        with open(self.path, "rb") as f:
            return f.read()


# N-Quads per pass of the bulk loader: about 140 synthetic plans. Each pass writes sorted files that
# RocksDB then merges with the earlier ones (two passes' files start a compaction that rewrites all
# loaded so far), so fewer, larger passes merge less: at 1,000 plans 40 MB passes built in 65 s
# (peak 280 MiB), 80 MB in 54-57 s (410 MiB; compaction 18-19 s of CPU), 120 MB in 54-55 s (580 MiB;
# 15 s), 160 MB in 53 s (740 MiB; 12 s). Shrinking the last passes, so that the last is small, gained
# nothing: the build is bound by CPU, and what the last pass saves the extraction pays.
BULK_BYTES = 120 << 20


def _batches(paths: Iterable[str], limit: int) -> Iterable[list[str]]:
    """Group files in order into runs of at most `limit` bytes (a larger file is a run of its own)."""
    batch: list[str] = []
    size = 0
    for path in paths:
        n = os.path.getsize(path)
        if batch and size + n > limit:
            yield batch
            batch, size = [], 0
        batch.append(path)
        size += n
    if batch:
        yield batch


class _Concatenated(io.RawIOBase):
    """Read several files one after another, as one stream: the bulk loader's single input."""

    def __init__(self, paths: Iterable[str], each: Callable[[str], None] = lambda _p: None) -> None:
        self._paths = iter(paths)
        self._each = each
        self._file = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self._file is None:
                path = next(self._paths, None)
                if path is None:
                    return 0
                self._each(path)
                self._file = open(path, "rb")  # noqa: SIM115 - closed below, at its end
            n = self._file.readinto(buffer)
            if n:
                return n
            self._file.close()
            self._file = None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        super().close()


def _check_loadable(loads: Iterable[DocGraph]) -> None:
    for p in loads:
        if p.known_digest is not None and p.path is None:
            raise StoreError(f"document {p.doc_id}: given as unchanged but the store must load it")


def _load_files(store: ox.Store, parts: list[DocGraph], say: Callable[[str], None]) -> None:
    """Load parts left on disk (N-Quads of their own graph, no blank nodes: graph.rdf writes them)
    in passes of the bulk loader of at most BULK_BYTES: one set of sorted files per pass, not
    one per document. The loader keeps what one pass reads in memory: BULK_BYTES bounds it."""
    graph_of = {p.path: p for p in parts}
    for batch in _batches(graph_of, BULK_BYTES):
        stream = io.BufferedReader(_Concatenated(
            batch, lambda path: say(f"load {graph_of[path].doc_id} into <{graph_of[path].graph}>")), 1 << 20)
        try:
            store.bulk_load(stream, ox.RdfFormat.N_QUADS, lenient=True)  # our own writer's lines: checked by tests
        except SyntaxError as exc:
            raise StoreError(f"invalid nq data of the documents built: {one_line(exc)}") from None
        finally:
            stream.close()


def _load_parts(store: ox.Store, loads: Iterable[DocGraph], say: Callable[[str], None]) -> None:
    """Load parts: files through `_load_files`, N-Triples without blank nodes straight into their
    graph (no Python quads), anything else through part_quads, which checks graphs and keeps
    blank nodes of two documents apart. Every graph is kept, even one without triples."""
    loads = list(loads)
    for part in loads:
        if part.path is None:
            say(f"load {part.doc_id} into <{part.graph}>")
        store.add_graph(ox.NamedNode(part.graph))
    _load_files(store, [p for p in loads if p.path is not None], say)
    slow = []
    for p in (p for p in loads if p.path is None):
        if p.format == "nt" and b"_:" not in p.data:
            try:
                store.bulk_load(p.data, ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(p.graph))
            except SyntaxError as exc:
                raise StoreError(f"document {p.doc_id}: invalid nt data: {one_line(exc)}") from None
        else:
            slow.append(p)
    if slow:
        store.bulk_extend(itertools.chain.from_iterable(part_quads(p) for p in slow))


class _Unchanged(Exception):
    """Raised inside a build's apply step when nothing changed after all: no new version."""


class _Loader:
    """Load batches of arriving documents on a thread of its own while the caller extracts more.

    Each batch first drops the graphs its documents replace, then loads in one pass of the bulk
    loader (which leaves the GIL while it works). At most one batch waits: the extraction runs
    at most one pass ahead. Leaving the block waits for the thread and raises what it raised;
    leaving it by an exception stops the thread after its current pass. The thread's progress
    lines are told by the building thread (`drain`): a progress callback may draw on a page
    (Streamlit's is bound to its script's thread) or raise to stop the build.
    """

    def __init__(self, store: ox.Store, say: Callable[[str], None]) -> None:
        import queue
        import threading

        import collections

        self._store, self._say = store, say
        self._lines: collections.deque[str] = collections.deque()
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._failure: list[BaseException] = []
        self._stop = False
        self.dropped: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="policykg-bulk-load", daemon=True)

    def __enter__(self) -> _Loader:
        return self  # the thread starts with the first batch: the extraction's workers start before
        # it, so a process without other threads forks them (`graph.executors`) instead of spawning

    def drain(self) -> None:
        """Tell the progress lines the thread left, here on the building thread."""
        while self._lines:
            self._say(self._lines.popleft())

    def put(self, batch: list[tuple[DocGraph, set[str]]]) -> None:
        self.drain()
        if self._failure:
            raise self._failure[0]
        if self._thread.ident is None:  # the first batch
            self._thread.start()
        self._queue.put(batch)

    def _run(self) -> None:
        while True:
            batch = self._queue.get()
            if batch is None or self._stop:
                return
            if self._failure:
                continue
            try:
                for part, drops in batch:
                    for graph in sorted(drops - self.dropped):
                        self._lines.append(f"remove <{graph}>")
                        self._store.remove_graph(ox.NamedNode(graph))
                        self.dropped.add(graph)
                    self._store.add_graph(ox.NamedNode(part.graph))  # kept even when it has no triples
                _load_files(self._store, [part for part, _ in batch], self._lines.append)
            except BaseException as exc:  # noqa: BLE001 - handed to the building thread
                self._failure.append(exc)

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None:
            self._stop = True
        if self._thread.ident is None:  # no batch came: the unstarted thread would keep the store open
            self._thread = self._store = None
            return
        while True:
            try:
                self._queue.put(None, timeout=0.1)
                break
            except Exception:  # noqa: BLE001 - queue.Full: the thread is still on a pass
                if not self._thread.is_alive():
                    break
        self._thread.join()
        if kind is None:
            self.drain()
            if self._failure:
                raise self._failure[0]


_INPUT_FORMATS = {"nt": ox.RdfFormat.N_TRIPLES, "nq": ox.RdfFormat.N_QUADS, "ttl": ox.RdfFormat.TURTLE}


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One line of the manifest: a stored graph and where it came from."""

    graph: str
    kind: str
    doc_id: str
    sha256: str
    digest: str

    @property
    def is_document(self) -> bool:
        return self.kind == _DOCUMENT


def _entry(part: DocGraph, kind: str) -> ManifestEntry:
    return ManifestEntry(part.graph, kind, part.doc_id, part.sha256, part.digest)


MANIFEST_QUERY = (
    f"SELECT ?g ?kind ?id ?sha ?digest WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ "
    f"?g {_KIND} ?kind ; {_DOC_ID} ?id ; {_SHA256} ?sha ; {_DIGEST} ?digest }} }}"
)


def manifest_entries(result: SelectResult) -> dict[str, ManifestEntry]:
    """Read the answer to MANIFEST_QUERY into entries keyed by graph IRI."""
    out = {}
    for row in result.records():
        out[row["g"]] = ManifestEntry(row["g"], row["kind"], row["id"], row["sha"], row["digest"])
    return out


def documents_in(manifest: Mapping[str, ManifestEntry]) -> dict[str, str]:
    """Return ``{doc_id: sha256 of its source}`` for the documents of a manifest, by id."""
    entries = sorted(manifest.values(), key=lambda e: e.doc_id)
    return {e.doc_id: e.sha256 for e in entries if e.is_document}


def manifest_quads(entries: Iterable[ManifestEntry]) -> list[ox.Quad]:
    """Write manifest entries as quads of the manifest graph, sorted by graph IRI."""
    g = ox.NamedNode(MANIFEST_GRAPH)
    quads = []
    for e in sorted(entries, key=lambda e: e.graph):
        s = ox.NamedNode(e.graph)
        for p, value in ((_KIND, e.kind), (_DOC_ID, e.doc_id), (_SHA256, e.sha256), (_DIGEST, e.digest)):
            quads.append(ox.Quad(s, p, ox.Literal(value), g))
    return quads


def part_quads(part: DocGraph) -> list[ox.Quad]:
    """Parse one part into quads of its graph; prefix blank nodes so graphs never share one.

    Blank nodes are numbered in the order they appear: the parser names a Turtle ``[ … ]`` at
    random, and the same part must give the same quads (and the same export) in every build.
    """
    try:
        fmt = _INPUT_FORMATS[part.format]
    except KeyError:
        raise StoreError(f"document {part.doc_id}: unknown input format {part.format!r} (nt, nq, ttl)") from None
    graph = ox.NamedNode(part.graph)
    prefix = "b" + hashlib.sha256(part.graph.encode()).hexdigest()[:10] + "_"
    labels: dict[str, ox.BlankNode] = {}

    def label(node: ox.BlankNode) -> ox.BlankNode:
        return labels.setdefault(node.value, ox.BlankNode(f"{prefix}{len(labels)}"))

    out = []
    try:
        for q in ox.parse(part.payload(), fmt):
            if not isinstance(q.graph_name, ox.DefaultGraph) and q.graph_name != graph:
                raise StoreError(f"document {part.doc_id}: quad in graph {q.graph_name}, expected <{part.graph}>")
            s, o = q.subject, q.object
            if isinstance(s, ox.BlankNode):
                s = label(s)
            if isinstance(o, ox.BlankNode):
                o = label(o)
            out.append(ox.Quad(s, q.predicate, o, graph))
    except SyntaxError as exc:
        raise StoreError(f"document {part.doc_id}: invalid {part.format} data: {one_line(exc)}") from None
    return out


@dataclass(frozen=True, slots=True)
class BuildPlan:
    """What a build must do, worked out from the stored manifest and the new input."""

    added: tuple[str, ...]
    replaced: tuple[str, ...]
    skipped: tuple[str, ...]
    removed: tuple[str, ...]
    kept: tuple[str, ...]
    ontology: str  # added, replaced, skipped, removed, kept or absent
    drops: tuple[str, ...]  # graph IRIs to remove first
    loads: tuple[DocGraph, ...]  # parts to load next
    manifest: tuple[ManifestEntry, ...]  # the manifest afterwards

    @property
    def changed(self) -> bool:
        """Return True when the build has anything to write."""
        return bool(self.drops or self.loads)


def plan_build(
    old: Mapping[str, ManifestEntry],
    docs: Iterable[DocGraph],
    ontology: DocGraph | None = None,
    *,
    prune: bool = False,
) -> BuildPlan:
    """Compare the stored manifest with the input: what to add, replace, skip and remove."""
    docs = tuple(docs)
    by_id: dict[str, DocGraph] = {}
    taken = {MANIFEST_GRAPH} | ({ontology.graph} if ontology else set())
    for d in docs:
        if d.doc_id in by_id:
            raise StoreError(f"document {d.doc_id} given twice")
        if d.graph in taken:
            raise StoreError(f"graph <{d.graph}> of document {d.doc_id} is already taken")
        by_id[d.doc_id] = d
        taken.add(d.graph)

    old_docs = {e.doc_id: e for e in old.values() if e.kind == _DOCUMENT}
    old_onto = [e for e in old.values() if e.kind == _ONTOLOGY]
    added, replaced, skipped, removed, kept = [], [], [], [], []
    drops: set[str] = set()
    loads: list[DocGraph] = []
    for d in docs:
        prev = old_docs.get(d.doc_id)
        if prev is None:
            added.append(d.doc_id)
            loads.append(d)
        elif (prev.graph, prev.sha256, prev.digest) == (d.graph, d.sha256, d.digest):
            skipped.append(d.doc_id)
        else:
            replaced.append(d.doc_id)
            drops.add(prev.graph)
            loads.append(d)
    for doc_id, e in sorted(old_docs.items()):
        if doc_id in by_id:
            continue
        # A new part that claims this graph overwrites it, pruned or not.
        if prune or e.graph in taken:
            removed.append(doc_id)
            drops.add(e.graph)
        else:
            kept.append(e)

    if ontology is not None:
        unchanged = [_entry(ontology, _ONTOLOGY)] == old_onto
        onto_state = "skipped" if unchanged else "replaced" if old_onto else "added"
        onto_entries = [_entry(ontology, _ONTOLOGY)]
        if not unchanged:
            drops.update(e.graph for e in old_onto)
            loads.append(ontology)
    elif old_onto:
        onto_state = "removed" if prune else "kept"
        onto_entries = [] if prune else old_onto
        if prune:
            drops.update(e.graph for e in old_onto)
    else:
        onto_state, onto_entries = "absent", []

    return BuildPlan(
        added=tuple(added),
        replaced=tuple(replaced),
        skipped=tuple(skipped),
        removed=tuple(removed),
        kept=tuple(e.doc_id for e in kept),
        ontology=onto_state,
        drops=tuple(sorted(drops)),
        loads=tuple(loads),
        manifest=(*(_entry(d, _DOCUMENT) for d in docs), *kept, *onto_entries),
    )


def ontology_part(ontology: bytes | None, graph: str) -> DocGraph | None:
    """Wrap the ontology's Turtle as a part to store in `graph`, or None without one."""
    if ontology is None:
        return None
    return DocGraph(_ONTOLOGY, hashlib.sha256(ontology).hexdigest(), graph, ontology, "ttl")


@dataclass(frozen=True, slots=True)
class WriteReport:
    """Tell what one write into a store did: document ids by fate, the new live version, seconds per step."""

    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    ontology: str = "absent"
    version: str | None = None  # the new live version; None if unchanged, or remote
    timings: dict[str, float] = field(default_factory=dict, hash=False)

    @classmethod
    def of(cls, plan: BuildPlan, version: str | None, timings: dict[str, float]) -> WriteReport:
        return cls(
            added=plan.added,
            replaced=plan.replaced,
            skipped=plan.skipped,
            removed=plan.removed,
            kept=plan.kept,
            ontology=plan.ontology,
            version=version,
            timings=timings,
        )

    @property
    def changed(self) -> bool:
        """Return True when the build wrote anything."""
        return bool(self.added or self.replaced or self.removed or self.ontology in ("added", "replaced", "removed"))

    def __str__(self) -> str:
        counts = (
            f"added {len(self.added)}, replaced {len(self.replaced)}, "
            f"skipped {len(self.skipped)}, removed {len(self.removed)}"
        )
        if not self.changed and not self.version:
            return f"{counts}, unchanged"
        return f"{counts} -> {self.version}" if self.version else counts


# --------------------------------------------------------------------------- results


_INTEGERS = {
    _XSD + n
    for n in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
        "unsignedByte",
    )
}  # fmt: skip
_FLOATS = {_XSD + "decimal", _XSD + "double", _XSD + "float"}


def plain_value(term: object) -> str | int | float | bool | None:
    """Return an RDF term as a plain Python value: IRIs and strings as str, numbers as numbers.

    >>> plain_value(ox.Literal("3", datatype=ox.NamedNode(_XSD + "integer")))
    3
    >>> plain_value(ox.NamedNode("https://example.org/a"))
    'https://example.org/a'
    >>> plain_value(ox.Literal("广州", language="zh"))
    '广州'
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        try:
            if dt in _INTEGERS:
                return int(term.value)
            if dt in _FLOATS:
                return float(term.value)
        except ValueError:  # an ill-typed literal stays text
            return term.value
        if dt == _XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    return str(term)


_RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "xml": ox.QueryResultsFormat.XML,
}


@dataclass(frozen=True, slots=True)
class SelectResult:
    """Hold SELECT solutions, detached from any store, as SPARQL 1.1 JSON results."""

    json: bytes = field(repr=False, compare=False)
    variables: tuple[str, ...] = field(init=False)
    rows: tuple[tuple[object, ...], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        try:
            parsed = ox.parse_query_results(self.json, ox.QueryResultsFormat.JSON)
        except SyntaxError as exc:
            raise StoreError(f"unreadable SPARQL JSON results: {one_line(exc)}") from None
        if not isinstance(parsed, ox.QuerySolutions):
            raise StoreError("expected SELECT solutions, got a boolean result")
        variables = tuple(v.value for v in parsed.variables)
        object.__setattr__(self, "variables", variables)
        object.__setattr__(self, "rows", tuple(tuple(s[v] for v in variables) for s in parsed))

    @classmethod
    def of(cls, solutions: ox.QuerySolutions) -> SelectResult:
        """Detach pyoxigraph solutions from their store."""
        return cls(solutions.serialize(format=ox.QueryResultsFormat.JSON))

    def __len__(self) -> int:
        return len(self.rows)

    def records(self) -> list[dict[str, object]]:
        """Return one dict per solution, variable -> plain value (None when unbound)."""
        return [{v: plain_value(t) for v, t in zip(self.variables, row)} for row in self.rows]

    def serialize(self, format: str = "json") -> bytes:
        """Return the solutions in a SPARQL 1.1 results format: json, csv, tsv or xml."""
        try:
            fmt = _RESULT_FORMATS[format]
        except KeyError:
            raise StoreError(f"unknown results format {format!r}; choose one of {', '.join(_RESULT_FORMATS)}") from None
        return ox.parse_query_results(self.json, ox.QueryResultsFormat.JSON).serialize(format=fmt)


def _rdf_format(name: str) -> ox.RdfFormat:
    try:
        return RDF_FORMATS[name]
    except KeyError:
        raise StoreError(f"unknown RDF format {name!r}; choose one of {', '.join(RDF_FORMATS)}") from None


@dataclass(frozen=True, slots=True)
class GraphResult:
    """Hold CONSTRUCT or DESCRIBE triples, detached from any store, as sorted N-Triples."""

    ntriples: bytes = field(repr=False)

    @classmethod
    def of(cls, triples: Iterable[ox.Triple]) -> GraphResult:
        """Sort and deduplicate triples into canonical N-Triples."""
        data = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)
        lines = sorted(set(data.splitlines(keepends=True)))
        return cls(b"".join(lines))

    @classmethod
    def parse(cls, data: bytes, format: str = "nt") -> GraphResult:
        """Read triples in an RDF format (as an endpoint returns them)."""
        try:
            return cls.of(q.triple for q in ox.parse(data, _rdf_format(format)))
        except SyntaxError as exc:
            raise StoreError(f"unreadable {format} triples: {one_line(exc)}") from None

    def __len__(self) -> int:
        return self.ntriples.count(b"\n")

    def triples(self) -> list[ox.Triple]:
        """Return the pyoxigraph triples."""
        return [q.triple for q in ox.parse(self.ntriples, ox.RdfFormat.N_TRIPLES)]

    def serialize(self, format: str = "nt", *, prefixes: Mapping[str, str] | None = None) -> bytes:
        """Return the triples in an RDF graph format: nt, turtle, xml or jsonld."""
        if format in ("nt", "ntriples"):
            return self.ntriples
        return ox.serialize(self.triples(), format=_rdf_format(format), prefixes=dict(prefixes or {}))

    def to_rdflib(self) -> rdflib.Graph:
        """Return the triples as an rdflib Graph."""
        import rdflib  # only callers that want rdflib pay for its import

        return rdflib.Graph().parse(data=self.ntriples.decode("utf-8"), format="nt")


QueryResult = Union[SelectResult, GraphResult, bool]


def _result(raw: object) -> QueryResult:
    if isinstance(raw, ox.QuerySolutions):
        return SelectResult.of(raw)
    if isinstance(raw, ox.QueryTriples):
        return GraphResult.of(raw)
    return bool(raw)


def serialize_quads(
    quads: Iterable[ox.Quad],
    format: str,
    *,
    graph: str | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> bytes:
    """Serialize quads deterministically, leaving out the manifest graph.

    Dataset formats (trig, nq, jsonld) keep graph names; graph formats (turtle, nt, xml)
    get the triples of ``graph``, or the union of all graphs when ``graph`` is None.
    Statements are sorted, so the same content always gives the same bytes.
    """
    fmt = _rdf_format(format)
    keep = [
        q
        for q in quads
        if isinstance(q.graph_name, ox.NamedNode)
        and q.graph_name.value != MANIFEST_GRAPH
        and (graph is None or q.graph_name.value == graph)
    ]
    if fmt.supports_datasets:
        items: list = sorted(set(keep), key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    else:
        items = sorted({q.triple for q in keep}, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return ox.serialize(items, format=fmt, prefixes=dict(prefixes or {}))


# --------------------------------------------------------------------------- SPARQL kinds


_SKIP = re.compile(r"(?:\s+|#[^\n]*)*")
_PROLOGUE = re.compile(
    r"(?i)(?:PREFIX(?:\s+|#[^\n]*)*[^\s:#<]*:(?:\s+|#[^\n]*)*<[^>]*>|BASE(?:\s+|#[^\n]*)*<[^>]*>)"
)
_WORD = re.compile(r"[A-Za-z]+")
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


def sparql_operation(text: str) -> str | None:
    """Return the first keyword after the prologue (SELECT, INSERT, …), upper-cased.

    Comments and PREFIX/BASE declarations are skipped, so a ``#`` inside an IRI or a
    prefix named ``insert:`` does not mislead it.

    >>> sparql_operation("PREFIX ex: <http://e#x> # comment\\n insert data { ex:a ex:b ex:c }")
    'INSERT'
    >>> sparql_operation("SELECT * { ?s ?p ?o }")
    'SELECT'
    """
    pos = 0
    while True:
        pos = _SKIP.match(text, pos).end()
        m = _PROLOGUE.match(text, pos)
        if not m:
            break
        pos = m.end()
    m = _WORD.match(text, pos)
    return m.group().upper() if m else None


def is_update(text: str) -> bool:
    """Return True when the SPARQL text is an update (INSERT, DELETE, LOAD, …), by its first keyword."""
    return sparql_operation(text) in _UPDATE_WORDS


def refuse_update(text: str) -> SparqlError:
    return SparqlError(
        f"refusing SPARQL update ({sparql_operation(text)} …) on the read-only query path; "
        "run it as an update (--update)"
    )


# --------------------------------------------------------------------------- files and locks


def default_store_path() -> Path:
    """Return ``$POLICYKG_DATA/store``, or ``data/store`` under the current directory."""
    return Path(os.environ.get("POLICYKG_DATA") or "data") / "store"


_FLOCK = "hhqqi4x"  # struct flock on Linux (x86_64 and aarch64): type, whence, start, len, pid


def _rocksdb_writer(version_dir: Path) -> int | None:
    """Return the pid holding the RocksDB LOCK of a version, or None if no writer has it.

    F_GETLK only asks; it takes no lock. Caveat of POSIX locks: closing our descriptor
    would drop a lock this same process held on the file, so this is never called on a
    directory that this process opened for writing.
    """
    try:
        fd = os.open(version_dir / "LOCK", os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        probe = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        kind, _, _, _, pid = struct.unpack(_FLOCK, fcntl.fcntl(fd, fcntl.F_GETLK, probe))
        return None if kind == fcntl.F_UNLCK else pid
    except OSError:
        return None
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for root, _, files in os.walk(path):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    _fsync_dir(path)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _open_store(path: Path, *, read_only: bool) -> ox.Store:
    try:
        return ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))
    except OSError as exc:
        message = str(exc)
        if "lock" in message.lower():
            pid = os.getpid() if "current process" in message else _rocksdb_writer(path)
            raise StoreLocked(path, pid) from None
        raise StoreError(f"cannot open store at {path}: {one_line(exc)}") from None


# --------------------------------------------------------------------------- reader


class StoreReader:
    """Read one version of the store; hold it open for readers so cleanup leaves it alone.

    Use as a context manager, or call ``close()``. ``is_stale()`` tells when a newer
    version went live, so a long-lived reader (the app) knows to reopen.
    """

    def __init__(self, root: Path, version: str, store: ox.Store, hold) -> None:
        self.root, self.version = root, version
        self._store: ox.Store | None = store
        self._hold = hold

    def __enter__(self) -> StoreReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the store and the reader's hold on its version."""
        self._store = None
        if self._hold is not None:
            self._hold.close()
            self._hold = None

    @property
    def store(self) -> ox.Store:
        """Return the underlying read-only pyoxigraph Store."""
        if self._store is None:
            raise StoreError(f"reader of {self.root / self.version} is closed")
        return self._store

    def is_stale(self) -> bool:
        """Return True when CURRENT names another version than this reader's."""
        return _read_current(self.root) != self.version

    def query(self, sparql: str, *, union: bool = False) -> QueryResult:
        """Run a read-only SPARQL query; refuse updates; raise SparqlError on bad syntax.

        ``union=True`` makes the default graph the union of every graph but the manifest.
        """
        kwargs = {}
        if union:
            kwargs["default_graph"] = self._content_graphs()
        try:
            raw = self.store.query(sparql, **kwargs)
        except SyntaxError as exc:
            if is_update(sparql):
                raise refuse_update(sparql) from None
            raise SparqlError(f"malformed SPARQL query: {one_line(exc)}") from None
        except OSError as exc:
            raise StoreError(f"query failed on {self.root / self.version}: {one_line(exc)}") from None
        return _result(raw)

    def _content_graphs(self) -> list[ox.NamedNode]:
        return [g for g in self.store.named_graphs() if isinstance(g, ox.NamedNode) and g.value != MANIFEST_GRAPH]

    def graphs(self) -> list[str]:
        """Return the IRIs of the stored named graphs, manifest left out, sorted."""
        return sorted(g.value for g in self._content_graphs())

    def manifest(self) -> dict[str, ManifestEntry]:
        """Return the manifest entries keyed by graph IRI."""
        return manifest_entries(self.query(MANIFEST_QUERY))

    def documents(self) -> dict[str, str]:
        """Return ``{doc_id: sha256 of its source}`` for every stored document."""
        return documents_in(self.manifest())

    def export(self, format: str = "trig", graph: str | None = None, *, prefixes: Mapping[str, str] | None = None) -> bytes:
        """Serialize the dataset (or one graph) deterministically; see ``serialize_quads``."""
        if graph is not None and not self.store.contains_named_graph(ox.NamedNode(graph)):
            raise StoreError(f"no graph <{graph}> in store at {self.root}")
        return serialize_quads(self.store.quads_for_pattern(None, None, None, None), format, graph=graph, prefixes=prefixes)


def _read_current(root: Path) -> str | None:
    try:
        name = (root / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not _VERSION.fullmatch(name):
        raise StoreError(f"store at {root}: CURRENT names {name!r}, not a version like v000001")
    return name


# --------------------------------------------------------------------------- store


class GraphStore:
    """Own a versioned on-disk Oxigraph store: build it, swap it in, read it.

    Opening nothing at construction; every method opens what it needs.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()

    def __repr__(self) -> str:
        return f"GraphStore({str(self.path)!r})"

    # ---- versions

    def live_version(self) -> str | None:
        """Return the name of the live version, or None before the first build."""
        return _read_current(self.path)

    def versions(self) -> list[str]:
        """Return the complete versions on disk, oldest first."""
        if not self.path.is_dir():
            return []
        return sorted(p.name for p in self.path.iterdir() if p.is_dir() and _VERSION.fullmatch(p.name))

    def _next_version(self) -> str:
        numbers = [int(m.group(1)) for p in self.path.iterdir() if (m := _VERSION.match(p.name))]
        return f"v{max(numbers, default=0) + 1:06d}"

    # ---- reading

    def open_readonly(self) -> StoreReader:
        """Open the live version read-only; raise StoreLocked if a writer holds it."""
        for _ in range(10):
            version = self.live_version()
            if version is None:
                raise StoreError(f"no store at {self.path}: build it first")
            try:
                hold = open(self.path / f"{version}.readers", "ab")
            except OSError as exc:
                if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                    raise StoreError(f"cannot open {self.path / version}: {exc.strerror}") from None
                hold = None  # a directory we may not write is one nobody builds in either
            try:
                if hold is not None:
                    fcntl.flock(hold.fileno(), fcntl.LOCK_SH)
                if self.live_version() != version:  # swapped while we took hold: retry
                    if hold is not None:
                        hold.close()
                    continue
                directory = self.path / version
                writer = _rocksdb_writer(directory)
                if writer is not None:
                    raise StoreLocked(directory, writer)
                return StoreReader(self.path, version, _open_store(directory, read_only=True), hold)
            except BaseException:
                if hold is not None:
                    hold.close()
                raise
        raise StoreError(f"store at {self.path} keeps changing; try again")

    def query(self, sparql: str, *, union: bool = False) -> QueryResult:
        """Run a read-only SPARQL query on the live version."""
        with self.open_readonly() as reader:
            return reader.query(sparql, union=union)

    def documents(self) -> dict[str, str]:
        """Return ``{doc_id: sha256}`` of the live version; empty before the first build."""
        if self.live_version() is None:
            return {}
        with self.open_readonly() as reader:
            return reader.documents()

    def export(self, format: str = "trig", graph: str | None = None, *, prefixes: Mapping[str, str] | None = None) -> bytes:
        """Serialize the live version deterministically (turtle, trig, nt, nq, xml, jsonld)."""
        with self.open_readonly() as reader:
            return reader.export(format, graph, prefixes=prefixes)

    # ---- writing

    def build(
        self,
        docs: Iterable[DocGraph],
        ontology: bytes | None = None,
        *,
        ontology_graph: str = ONTOLOGY_GRAPH,
        prune: bool = False,
        progress: Callable[[str], None] | None = None,
        arriving: Iterable[DocGraph] | None = None,
    ) -> WriteReport:
        """Bring the store in line with ``docs``; swap in a new version only if something changed.

        A document whose source sha256, graph or triples changed replaces its graph; an
        unchanged one is skipped; with ``prune=True`` stored documents missing from
        ``docs`` are removed. ``progress`` hears one line per step (and may raise to abort:
        the live version stays as it was).

        ``arriving`` are more documents, each left on disk (``path``), still being extracted
        when the build starts: the store loads them while the rest arrive, a pass of the bulk
        loader on another thread per BULK_BYTES of them, so extraction and loading overlap.
        Each replaces its stored graph, if any; a build given only documents that arrive
        writes a new version; when none arrives and ``docs`` change nothing, none is written.
        """
        say = progress or (lambda _msg: None)
        timings: dict[str, float] = {}
        start = time.perf_counter()
        docs = tuple(docs)
        onto = ontology_part(ontology, ontology_graph)
        with self._build_lock():
            live = self.live_version()
            old = self._live_manifest(live)
            if arriving is None:
                plan = plan_build(old, docs, onto, prune=prune)
                if not plan.changed:
                    timings["total"] = time.perf_counter() - start
                    return WriteReport.of(plan, None, timings)
                _check_loadable(plan.loads)
            else:
                plan_build(old, docs, onto, prune=prune)  # the documents given now must be consistent
            final: list[BuildPlan] = []

            def apply(store: ox.Store) -> None:
                loaded: set[str] = set()  # graphs already dropped and loaded from arriving documents
                arrived: list[DocGraph] = []
                if arriving is not None:
                    taken = {d.graph: d.doc_id for d in docs}
                    old_graph = {e.doc_id: e.graph for e in old.values() if e.kind == _DOCUMENT}
                    ids = {d.doc_id for d in docs}
                    with _Loader(store, say) as loader:
                        batch, size = [], 0
                        for part in arriving:
                            loader.drain()
                            if part.path is None:
                                raise StoreError(f"document {part.doc_id}: arriving documents are files")
                            if part.doc_id in ids or taken.get(part.graph, part.doc_id) != part.doc_id:
                                raise StoreError(f"document {part.doc_id} given twice")
                            ids.add(part.doc_id)
                            taken[part.graph] = part.doc_id
                            arrived.append(part)
                            drops = {old_graph[part.doc_id]} if part.doc_id in old_graph else set()
                            batch.append((part, drops))
                            size += os.path.getsize(part.path)
                            if size >= BULK_BYTES:
                                loader.put(batch)
                                batch, size = [], 0
                        if batch:
                            loader.put(batch)
                    loaded = {p.graph for p in arrived} | loader.dropped
                plan = plan_build(old, (*docs, *arrived), onto, prune=prune)
                final.append(plan)
                if not plan.changed:
                    raise _Unchanged
                rest = [p for p in plan.loads if p.graph not in loaded]
                _check_loadable(rest)
                for graph in sorted(set(plan.drops) - loaded):
                    say(f"remove <{graph}>")
                    store.remove_graph(ox.NamedNode(graph))
                _load_parts(store, rest, say)
                say("write manifest")
                store.remove_graph(ox.NamedNode(MANIFEST_GRAPH))
                store.extend(manifest_quads(plan.manifest))

            # Compact after loading a good share of the data; a small change leaves that to later
            # builds. Documents that arrived were bulk-loaded, whose sorted files need no compaction
            # (at 1,000 plans it took 8.5 s and the queries after it were no faster).
            def big() -> bool:
                plan = final[-1]
                return arriving is None and (live is None or 4 * len(plan.loads) >= max(len(plan.manifest), 1))

            try:
                version = self._commit(live, apply, say, timings, optimize=big)
            except _Unchanged:  # every document arrived unchanged or none did: the live version stays
                version = None
            plan = final[-1]
        timings["total"] = time.perf_counter() - start
        return WriteReport.of(plan, version, timings)

    def update(self, sparql: str, *, progress: Callable[[str], None] | None = None) -> WriteReport:
        """Run a SPARQL update into a new version and swap it in (the explicit write path)."""
        say = progress or (lambda _msg: None)
        timings: dict[str, float] = {}
        start = time.perf_counter()

        def apply(store: ox.Store) -> None:
            say("update")
            try:
                store.update(sparql)
            except SyntaxError as exc:
                raise SparqlError(f"malformed SPARQL update: {one_line(exc)}") from None
            except OSError as exc:
                raise StoreError(f"update failed: {one_line(exc)}") from None

        with self._build_lock():
            version = self._commit(self.live_version(), apply, say, timings)
        timings["total"] = time.perf_counter() - start
        return WriteReport(version=version, timings=timings)

    def _live_manifest(self, live: str | None) -> dict[str, ManifestEntry]:
        if live is None:
            return {}
        with self.open_readonly() as reader:
            return reader.manifest()

    def _build_lock(self) -> _BuildLock:
        return _BuildLock(self.path)

    def _commit(
        self,
        live: str | None,
        apply: Callable[[ox.Store], None],
        say: Callable[[str], None],
        timings: dict[str, float],
        optimize: bool | Callable[[], bool] = True,
    ) -> str:
        """Copy the live version aside, apply changes there, and swap it in. Hold the build lock.

        ``optimize`` compacts the whole database: worth it after a large load, seconds wasted
        when one document of hundreds changed.
        """
        self._remove_partials()
        version = self._next_version()
        partial = self.path / f"{version}.partial"

        t = time.perf_counter()
        if live is not None:
            say(f"copy {live}")
            with self.open_readonly() as reader:  # raises StoreLocked if a writer holds it
                try:
                    reader.store.backup(str(partial))
                except OSError as exc:
                    raise StoreError(f"cannot copy {self.path / live} to {partial}: {one_line(exc)}") from None
        timings["copy"] = time.perf_counter() - t

        t = time.perf_counter()
        store = _open_store(partial, read_only=False)
        try:
            apply(store)
            timings["load"] = time.perf_counter() - t
            t = time.perf_counter()
            store.flush()
            if optimize() if callable(optimize) else optimize:
                say("optimize")
                store.optimize()
        except BaseException as exc:
            # The traceback's frames still reference the store; clear them so RocksDB
            # closes now, before its directory goes. A crash leaves the directory
            # instead, and the next build removes it.
            traceback.clear_frames(exc.__traceback__)
            del store
            shutil.rmtree(partial, ignore_errors=True)
            raise
        del store  # the last reference: RocksDB closes
        _fsync_tree(partial)
        timings["flush"] = time.perf_counter() - t

        t = time.perf_counter()
        os.rename(partial, self.path / version)
        (self.path / f"{version}.readers").touch()
        _fsync_dir(self.path)
        say(f"swap in {version}")  # complete on disk; live once CURRENT names it
        _write_atomic(self.path / "CURRENT", version + "\n")
        timings["swap"] = time.perf_counter() - t

        t = time.perf_counter()
        self._remove_unused(version, live)
        timings["cleanup"] = time.perf_counter() - t
        return version

    def _remove_partials(self) -> None:
        for p in self.path.iterdir():
            if p.name.endswith(".partial") and _VERSION.match(p.name):
                shutil.rmtree(p, ignore_errors=True)

    def _remove_unused(self, live: str, previous: str | None) -> None:
        """Delete every version but the live and the previous one, unless a reader holds it."""
        keep = {live, previous}
        for v in self.versions():
            if v not in keep:
                self._remove_version(v)
        for p in self.path.glob("v*.readers"):  # holds left by removed versions
            name = p.name.removesuffix(".readers")
            if _VERSION.fullmatch(name) and not (self.path / name).is_dir():
                self._remove_version(name)

    def _remove_version(self, version: str) -> None:
        hold_path = self.path / f"{version}.readers"
        with open(hold_path, "ab") as hold:
            try:
                fcntl.flock(hold.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # a reader still uses it; a later build removes it
            shutil.rmtree(self.path / version, ignore_errors=True)
            hold_path.unlink(missing_ok=True)


class _BuildLock:
    """Hold ``build.lock`` exclusively (flock) with our pid in it, or raise StoreLocked."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._file = None

    def __enter__(self) -> _BuildLock:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create store directory {self.root}: {exc.strerror}") from None
        f = open(self.root / "build.lock", "a+")
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            f.seek(0)
            text = f.read().strip()
            f.close()
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise StoreLocked(self.root, int(text) if text.isdigit() else None) from None
            raise StoreError(f"cannot lock {self.root / 'build.lock'}: {exc.strerror}") from None
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n")
        f.flush()
        self._file = f
        return self

    def __exit__(self, *exc: object) -> None:
        f, self._file = self._file, None
        if f is not None:
            f.seek(0)
            f.truncate()
            f.close()  # closing releases the flock

