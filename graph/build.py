"""Build the graph from a corpus: digests, the mapping fingerprint, rejected files, worker processes.

`build` extracts every document whose file, sidecar or mapping changed and hands the named
graphs to a backend (`graph.backend`); `is_stale` tells whether a backend lags its corpus.
A large corpus is extracted by worker processes that die with the build however it dies
(PDEATHSIG, a watchdog, a check between documents); SIGTERM and SIGINT stop them and raise
BuildInterrupted, and the last complete version still answers.

>>> BuildReport(added=("plan",), version="v000001").changed, str(BuildReport(skipped=("a", "b")))
(True, 'added 0, replaced 0, skipped 2, removed 0, rejected 0')
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.resources
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ontology import iris

from . import bureau_index
from . import store as gstore
from .backend import Backend, data_path, open_backend, project_network
from .errors import BuildError, BuildInterrupted

__all__ = ["GAZETTEER_DOC", "BuildReport", "Progress", "build", "document_digest", "is_stale",
           "gazetteer_part", "mapping_fingerprint", "ontology_bytes", "source_digest"]

GAZETTEER_DOC = "(gazetteer)"  # manifest id of the gazetteer graph; never a document id


# --------------------------------------------------------------------------- digests


def source_digest(path: str | os.PathLike[str]) -> str:
    """Return the sha256 of a document file, its metadata sidecar (NAME.toml) and its corrections, if any."""
    from extract.corrections import corrections_path

    p = Path(path)
    h = hashlib.sha256(p.read_bytes())
    side = p.with_suffix(".toml")
    if side.is_file():
        h.update(b"\0sidecar\0")
        h.update(side.read_bytes())
    fixes = corrections_path(p)  # NAME.corrections.json: a changed file rebuilds the document
    if fixes.is_file():
        h.update(b"\0corrections\0")
        h.update(fixes.read_bytes())
    return h.hexdigest()


def ontology_bytes() -> bytes:
    return importlib.resources.files("ontology").joinpath("vocab.ttl").read_bytes()


@functools.cache
def _gazetteer_sha() -> str:
    """Return the digest of the gazetteer CSVs: cheap, for telling whether the store is stale."""
    from ontology.gazetteer import REQUIRED as GAZETTEER_FILES  # every file the resolver reads

    folder = importlib.resources.files("ontology")
    h = hashlib.sha256()
    for name in sorted(GAZETTEER_FILES):
        f = folder.joinpath(name)
        h.update(f.read_bytes() if f.is_file() else b"")
        h.update(b"\0")
    return h.hexdigest()


@functools.cache
def gazetteer_part() -> gstore.DocGraph:
    from .rdf import packaged_gazetteer_graph

    # Sorted lines: rdflib's output order varies from run to run, the digest must not.
    lines = packaged_gazetteer_graph().serialize(format="nt").splitlines()
    data = "".join(sorted({line + "\n" for line in lines if line.strip()})).encode("utf-8")
    return gstore.DocGraph(GAZETTEER_DOC, _gazetteer_sha(), str(iris.gazetteer_graph_iri()), data, "nt")


def _rejected_path(data_dir) -> Path:
    return data_path(data_dir) / "rejected.json"


def _read_rejected(data_dir) -> dict[str, str]:
    try:
        return dict(json.loads(_rejected_path(data_dir).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return {}


def _write_rejected(data_dir, rejected: Mapping[str, str]) -> None:
    path = _rejected_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(dict(sorted(rejected.items())), ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- build


@dataclass(frozen=True, slots=True)
class BuildReport:
    """Tell what a build did: document ids by fate, rejected files, the live version."""

    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()  # one line per document that could not be read
    version: str | None = None
    warnings: tuple[str, ...] = ()  # one line per orphaned correction of a document built now
    timings: dict[str, float] = field(default_factory=dict, hash=False, compare=False)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced or self.removed)

    def __str__(self) -> str:
        text = (f"added {len(self.added)}, replaced {len(self.replaced)}, skipped {len(self.skipped)}, "
                f"removed {len(self.removed)}, rejected {len(self.rejected)}")
        return text + (f" -> {self.version}" if self.version else "")


Progress = Callable[[int, int, str], None]
WARM_NETWORK_DOCS = 20  # up to this many documents a build also caches the network projection


@functools.cache
def mapping_fingerprint() -> str:
    """Return a digest of everything that turns a source file into triples: code, vocabulary, gazetteers.

    Mixed into each document's stored digest so that an unchanged file can be skipped without
    extracting it again, while a new extractor or gazetteer still rebuilds every document.
    """
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent.parent
    mapping = ("reader", "normalize", "clauses", "gazetteer", "segment", "pipeline", "records", "corrections")
    files = sorted([*(root / "extract" / f"{m}.py" for m in mapping), root / "graph" / "rdf.py",
                    *(root / "ontology").glob("*.py"), *(root / "ontology").glob("*.csv"),
                    *(root / "ontology").glob("*.ttl")])
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def document_digest(path) -> str:
    """Return what the manifest keeps for a source file: its sha256 and the mapping fingerprint."""
    return f"{source_digest(path)}-{mapping_fingerprint()}"


def _extract_one(path: str, spill: str | None = None) -> tuple[str, object]:
    """Extract one file, apply its corrections, map it to N-Quads of its graph (in a worker for large corpora).

    Returns ``("ok", (doc_id, nquads, sha256 of nquads, one line per orphaned correction, rows))``
    or ``("error", one line)``: plain bytes and strings, cheap to pass between processes (or
    machines, see `graph.executors`). ``rows``: every agency's rows in the document, worked out
    here from the same triples (`graph.bureau_index`), as bytes. With `spill`, a folder of this
    machine, the N-Quads are left there in a file named by their sha256 and ``nquads`` is its
    path: a local worker writes them itself instead of sending them through a pipe.
    """
    from extract import corrections
    from extract.pipeline import extract_file
    from extract.reader import InputError

    from .rdf import to_store_nquads

    try:
        fixes = corrections.load_for(path)  # a bad corrections file rejects its document, before extracting it
        x = corrections.apply(extract_file(path), fixes)
    except InputError as exc:
        return "error", str(exc)
    triples: list = []
    try:
        data = to_store_nquads(x, triples=triples)
    except ValueError as exc:  # a record the mapping cannot name: this document is rejected, not the corpus
        return "error", f"{path}: cannot be mapped to RDF: {exc}"
    orphaned = tuple(corrections.orphan_lines(x, corrections.corrections_path(path)))
    rows = bureau_index.document_file(x.document.id, str(iris.graph_iri(x.document.id)), triples)
    digest = hashlib.sha256(data).hexdigest()
    if spill is not None:
        data = str(_spill(Path(spill), digest, data))
    return "ok", (x.document.id, data, digest, orphaned, rows)


def _spill(folder: Path, digest: str, data: bytes) -> Path:
    """Leave a document's N-Quads in the build's spill folder, in a file named by their sha256
    (two files of the same bytes share it), written whole or not at all; return its path."""
    file = folder / f"{digest}.nq"
    tmp = file.with_name(f".{file.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, file)
    return file


def _extract_all(paths: list[str], say, total: int, executor=None, spill: Path | None = None):
    """Yield (path, outcome) for each path, in order, extracted where `executor` says (`graph.executors`);
    on this machine each document's N-Quads are left in `spill` by the process that extracts it."""
    from .executors import extract_all, parse

    extract = _extract_one
    if spill is not None and parse(executor) == "local":
        extract = functools.partial(_extract_one, spill=str(spill))
    return extract_all(paths, extract, say, total, executor, fingerprint=mapping_fingerprint)


@contextlib.contextmanager
def _signals_stop_build():
    """Turn SIGTERM and SIGINT into BuildInterrupted while a build runs (main thread only).

    The exception unwinds through the worker pool, which stops its workers; the store's own
    cleanup leaves the live version answering. A second signal during that cleanup is ignored.
    """
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired: list[int] = []

    def stop(signum, _frame):
        if not fired:
            fired.append(signum)
            raise BuildInterrupted(signum)

    old = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    for s in old:
        signal.signal(s, stop)
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)


def _stored(backend: Backend) -> dict[str, gstore.ManifestEntry]:
    """Return the stored manifest keyed by source digest (empty before the first build)."""
    return {e.sha256: e for e in backend.manifest().values() if e.is_document}


def build(paths, data_dir=None, endpoint=None, progress: Progress | None = None, executor=None) -> BuildReport:
    """Extract every document under `paths` and bring the store (or endpoint) in line with them.

    Unchanged documents are skipped without being extracted again, changed ones replace their
    graph, documents no longer given are removed. A document that cannot be read is reported
    in ``rejected`` and left out; when no document at all can be read nothing is written and
    BuildError says why. Large corpora are extracted by worker processes, which end with the
    build however it ends; in the main thread SIGTERM and SIGINT stop the workers and raise
    BuildInterrupted (the last complete version answers; the next build removes any leftover).
    `executor` says where documents are extracted (`graph.executors`): ``"local"`` (None),
    ``"dask"`` for a Dask cluster on this machine, ``"tcp://HOST:PORT"`` for a Dask scheduler.
    An unknown one, Dask missing or a scheduler's port closed raise ExecutorError before any
    document is read; a scheduler without workers raises it when extraction starts.
    """
    from .executors import prepare

    executor = prepare(executor)
    with _signals_stop_build():
        return _build(paths, data_dir, endpoint, progress, executor)


def _build(paths, data_dir, endpoint, progress: Progress | None, executor=None) -> BuildReport:
    from extract.reader import InputError, list_documents

    say = progress or (lambda done, total, message: None)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    backend = open_backend(data_dir, endpoint)
    stored = _stored(backend)  # an unreachable endpoint fails now, not after extracting everything
    items = list_documents(paths)
    total = len(items) + 1
    rejected: dict[str, str] = {}  # digest (or path) -> message
    messages: list[str] = []
    t0 = time.perf_counter()
    todo: list[str] = []
    digests: dict[str, str] = {}
    order: list[tuple[str, object]] = []  # (path, DocGraph or None while pending)
    for item in items:
        if isinstance(item, InputError):
            rejected[f"path:{item.path}"] = str(item)
            messages.append(str(item))
            continue
        digest = document_digest(item)
        digests[str(item)] = digest
        old = stored.get(digest)
        if old is not None:
            # Same bytes, same extractor and gazetteers: the stored graph is still right.
            order.append((str(item), gstore.DocGraph(old.doc_id, digest, old.graph, b"", "nt", old.digest)))
        else:
            todo.append(str(item))
            order.append((str(item), None))
    # Each document's N-Quads go to a file as they arrive: memory holds a few documents at a
    # time however large the corpus, and the store reads all the files in one bulk load.
    spill = _spill_folder(data_dir)
    try:
        return _write(backend, data_dir, items, order, todo, digests, spill, rejected, messages, say, total, t0,
                      executor)
    finally:
        shutil.rmtree(spill, ignore_errors=True)


def _spill_folder(data_dir) -> Path:
    """Make the folder a build leaves extracted documents in until the store has loaded them."""
    import tempfile

    base = data_path(data_dir)
    try:
        base.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".build-", dir=base))
    except OSError:  # a read-only data folder (an endpoint's client): the system's temporary folder
        return Path(tempfile.mkdtemp(prefix="policykg-build-"))


def _write(backend, data_dir, items, order, todo, digests, spill: Path, rejected, messages, say, total, t0,
           executor=None):
    warnings: list[str] = []  # orphaned corrections of the documents extracted now
    seen: dict[str, str] = {}  # doc id -> the file that has it
    docs: list[gstore.DocGraph] = []  # unchanged documents: the store keeps their graphs
    timing: dict[str, float] = {}

    def claim(path: str, doc_id: str) -> bool:
        if doc_id in seen:
            msg = f"{path}: document id {doc_id!r} is already used by {seen[doc_id]}"
            rejected[digests[path]] = msg
            messages.append(msg)
            return False
        seen[doc_id] = path
        return True

    for path, part in order:
        if part is not None and claim(path, part.doc_id):
            docs.append(part)

    def arriving():
        """Yield each document as it is extracted, its N-Quads left in a file: the store loads
        them while the rest are extracted, and memory holds a few documents at a time."""
        produced = 0
        outcomes = _extract_all(todo, say, total, executor, spill)
        try:
            for path, (status, value) in outcomes:
                if status == "error":
                    rejected[digests[path]] = value
                    messages.append(value)
                    continue
                doc_id, data, digest, orphaned, rows = value
                warnings.extend(orphaned)
                if not claim(path, doc_id):
                    continue
                # A local worker left the file itself; a Dask worker sent the bytes.
                file = Path(data) if isinstance(data, str) else _spill(spill, digest, data)
                if backend.cache_dir is not None:
                    bureau_index.write_rows(backend.cache_dir, digest, rows)
                produced += 1
                yield gstore.DocGraph(doc_id, digests[path], str(iris.graph_iri(doc_id)), b"", "nq", digest, str(file))
        finally:
            outcomes.close()  # an exception between two documents still stops the pool now
        timing["extract"] = time.perf_counter() - t0
        if not docs and not produced:
            why = "; ".join(messages) if messages else "no document given"
            raise BuildError(f"nothing to build: {why}")

    if not todo and not docs:
        why = "; ".join(messages) if messages else "no document given"
        raise BuildError(f"nothing to build: {why}")
    say(len(items), total, backend.writes_to)
    report = backend.build([*docs, gazetteer_part()], ontology_bytes(), prune=True,
                           progress=lambda message: say(len(items), total, message),
                           arriving=arriving() if todo else None)
    t_extract = timing.get("extract", time.perf_counter() - t0)
    _write_rejected(data_dir, rejected)
    if backend.cache_dir is not None and report.changed and len(seen) <= WARM_NETWORK_DOCS:
        # A small corpus: project the network now (a second or two) so that the app's first
        # network view, even on a fresh server, reads it from the cache instead.
        say(len(items), total, "project the network view")
        with backend.open() as reader:
            project_network(backend, reader)
    out = BuildReport(
        added=tuple(d for d in report.added if d != GAZETTEER_DOC),
        replaced=tuple(d for d in report.replaced if d != GAZETTEER_DOC),
        skipped=tuple(d for d in report.skipped if d != GAZETTEER_DOC),
        removed=tuple(d for d in report.removed if d != GAZETTEER_DOC),
        rejected=tuple(messages),
        version=report.version,
        warnings=tuple(warnings),
        timings={"extract": t_extract, **report.timings},
    )
    say(total, total, str(out))
    return out


def is_stale(backend: Backend, corpus: Path, data_dir=None) -> bool:
    """Tell whether the backend lacks a build of `corpus` as it is now (files, sidecars, gazetteers)."""
    from extract.reader import InputError, list_documents

    if backend.version() is None:
        return True
    stored = set(gstore.documents_in(backend.manifest()).values())
    rejected = _read_rejected(data_dir)
    current = {_gazetteer_sha()}
    for item in list_documents([corpus]):
        if isinstance(item, InputError):
            continue
        digest = document_digest(item)
        if digest not in rejected:
            current.add(digest)
    return current != stored
