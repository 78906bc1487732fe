"""Answer every question the app and the CLI ask of the knowledge graph, as plain rows.

One layer, two callers: `app.py` and `graph/cli.py` call the same functions and print or
draw what they return (lists of dicts of str/int, dicts), always in the same order.

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

Where the data lives: the embedded store under ``DATA/store`` (``graph.store``), or a
SPARQL endpoint (``graph.remote``). `open_kg` builds the store from the corpus first when it
is missing or older than the corpus: a document's sha256 (file plus metadata sidecar)
differs, or a document was added or removed.

Spans. The RDF holds the evidence span of every title, clause, name, citation and mention,
but not the extent of a task or section; `extents` recovers those from the headings' spans
by the extractor's own rule (a unit runs to the next heading, the last one to the first
footnote body).
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import hashlib
import importlib.resources
import json
import os
import re
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pyoxigraph as ox

from extract.gazetteer import Resolver, agency_resolver
from extract.records import ROLE_ORDER
from extract.serialize import ROLE_ZH
from ontology import iris
from ontology.namespaces import PKG_ONTOLOGY, PREFIXES

from . import store as gstore
from .errors import BuildError, BuildInterrupted, NotFound, QueryError, QueryTimeout, UnknownAgency  # noqa: F401
from .store import GraphStore, SparqlError, StoreError, StoreLocked, is_update, one_line, refuse_update

__all__ = [
    "ROLE_ZH",
    "BuildError",
    "BuildReport",
    "KG",
    "NotFound",
    "QueryError",
    "QueryTimeout",
    "ROLES",
    "SparqlResult",
    "UnknownAgency",
    "build",
    "canned_query",
    "data_path",
    "extents",
    "list_queries",
    "open_kg",
    "source_digest",
]

ROLES = tuple(r.value for r in ROLE_ORDER)  # lead, cooperate, responsible, guide
KINDS = ("part", "section", "task", "measure", "box")
GAZETTEER_DOC = "(gazetteer)"  # manifest id of the gazetteer graph; never a document id
_SHORTCUT = {"lead": "leadAgency", "cooperate": "cooperatingAgency", "responsible": "responsibleAgency",
             "guide": "guidingAgency"}
_KEY_PREFIX = {"part": "p", "section": "s", "task": "t", "measure": "m", "box": "box", "indicator": "ind"}
_TYPE_KIND = {f"{PKG_ONTOLOGY}#{k}Type": k for k in KINDS}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
# The project's prefixes, and rdf/rdfs, need no declaration in a query.
SPARQL_PREFIXES = {**{p: str(ns) for p, ns in PREFIXES.items()},
                   "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
                   "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
_PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in SPARQL_PREFIXES.items())


# --------------------------------------------------------------------------- paths and digests


def data_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the data folder: the argument, else ``$POLICYKG_DATA``, else ``./data``."""
    return Path(data_dir or os.environ.get("POLICYKG_DATA") or "data")


def source_digest(path: str | os.PathLike[str]) -> str:
    """Return the sha256 of a document file and its metadata sidecar (NAME.toml), if any."""
    p = Path(path)
    h = hashlib.sha256(p.read_bytes())
    side = p.with_suffix(".toml")
    if side.is_file():
        h.update(b"\0sidecar\0")
        h.update(side.read_bytes())
    return h.hexdigest()


def _ontology_bytes() -> bytes:
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
def _gazetteer_part() -> gstore.DocGraph:
    from .rdf import packaged_gazetteer_graph

    # Sorted lines: rdflib's output order varies from run to run, the digest must not.
    lines = packaged_gazetteer_graph().serialize(format="nt").splitlines()
    data = "".join(sorted({line + "\n" for line in lines if line.strip()})).encode("utf-8")
    return gstore.DocGraph(GAZETTEER_DOC, _gazetteer_sha(), str(iris.gazetteer_graph_iri()), data, "nt")


def _backend(data_dir=None, endpoint=None):
    """Return the GraphStore under DATA/store, or the RemoteEndpoint for `endpoint`."""
    if endpoint is None:
        return GraphStore(data_path(data_dir) / "store")
    if isinstance(endpoint, str):
        from .remote import RemoteEndpoint

        return RemoteEndpoint.oxigraph(endpoint)
    return endpoint


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
    mapping = ("reader", "normalize", "clauses", "gazetteer", "segment", "pipeline", "records")
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


_PARENT: int | None = None  # in a worker process: the pid of the build that started it
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _worker_init(parent: int) -> None:
    """Make a worker die with its build, however the build dies (SIGKILL included)."""
    import signal

    global _PARENT
    _PARENT = parent
    # Ctrl-C reaches the whole process group: the build handles it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker inherits the build's handler
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl: the watchdog below and the check between documents remain
    if os.getppid() != parent:  # the build died before prctl took effect
        os._exit(1)
    # Without prctl, and while a worker is stuck in one long document or in writing its result
    # to a pipe nobody reads any more: a watchdog looks for the build twice a second.
    threading.Thread(target=_watch_parent, args=(parent,), name="policykg-watchdog", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _extract_one(path: str) -> tuple[str, object]:
    """Extract one file and map it to N-Triples (runs in a worker process for large corpora)."""
    from extract.pipeline import extract_file
    from extract.reader import InputError

    from .rdf import to_ntriples

    # PDEATHSIG follows the thread that forked the worker, not the process, and is Linux's
    # alone: between documents, check that the build itself is still there.
    if _PARENT is not None and os.getppid() != _PARENT:
        os._exit(1)
    try:
        x = extract_file(path)
    except InputError as exc:
        return "error", str(exc)
    return "ok", (x.document.id, to_ntriples(x))


def _stop_pool(pool) -> None:
    """Cancel what is queued, end the workers now and reap them."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # before shutdown clears it
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(2)
        if proc.is_alive():
            proc.kill()
            proc.join(1)


def _extract_all(paths: list[str], say, total: int):
    """Yield (path, outcome) for each path, in order; two processes when there is enough work."""
    workers = min(os.cpu_count() or 1, 4)
    if len(paths) < 8 or workers < 2:
        for i, p in enumerate(paths):
            say(i, total, f"extract {p}")
            yield p, _extract_one(p)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork: workers inherit the loaded modules (no re-import of the caller's script, which
    # may lack a __main__ guard); the store is closed by now, so no database handle is shared.
    # fork is unsafe in a threaded process (the app's server): spawn there.
    fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init,
                               initargs=(os.getpid(),))
    try:
        for i, (p, out) in enumerate(zip(paths, pool.map(_extract_one, paths, chunksize=4))):
            say(i, total, f"extract {p}")
            yield p, out
    except BaseException:
        # Interrupted (a signal, an error, the consumer gone): the queued work must not run on.
        _stop_pool(pool)
        raise
    else:
        pool.shutdown(wait=True)


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


def _stored(backend) -> dict[str, gstore.ManifestEntry]:
    """Return the stored manifest keyed by source digest (empty before the first build)."""
    try:
        if isinstance(backend, GraphStore):
            if backend.live_version() is None:
                return {}
            with backend.open_readonly() as reader:
                entries = reader.manifest()
        else:
            entries = backend.manifest()
    except gstore.StoreLocked:
        raise
    return {e.sha256: e for e in entries.values() if e.is_document}


def build(paths, data_dir=None, endpoint=None, progress: Progress | None = None) -> BuildReport:
    """Extract every document under `paths` and bring the store (or endpoint) in line with them.

    Unchanged documents are skipped without being extracted again, changed ones replace their
    graph, documents no longer given are removed. A document that cannot be read is reported
    in ``rejected`` and left out; when no document at all can be read nothing is written and
    BuildError says why. Large corpora are extracted by worker processes, which end with the
    build however it ends; in the main thread SIGTERM and SIGINT stop the workers and raise
    BuildInterrupted (the last complete version answers; the next build removes any leftover).
    """
    with _signals_stop_build():
        return _build(paths, data_dir, endpoint, progress)


def _build(paths, data_dir, endpoint, progress: Progress | None) -> BuildReport:
    from extract.reader import InputError, list_documents

    say = progress or (lambda done, total, message: None)
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    backend = _backend(data_dir, endpoint)
    stored = _stored(backend)  # an unreachable endpoint fails now, not after extracting everything
    items = list_documents(paths)
    total = len(items) + 1
    docs: list[gstore.DocGraph] = []
    rejected: dict[str, str] = {}  # digest (or path) -> message
    messages: list[str] = []
    seen: dict[str, str] = {}
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
    outcomes = _extract_all(todo, say, total)
    try:
        extracted = dict(outcomes)
    finally:
        outcomes.close()  # an exception between two documents still stops the pool now
    for path, part in order:
        if part is None:
            status, value = extracted[path]
            if status == "error":
                rejected[digests[path]] = value
                messages.append(value)
                continue
            doc_id, data = value
            part = gstore.DocGraph(doc_id, digests[path], str(iris.graph_iri(doc_id)), data, "nt")
        if part.doc_id in seen:
            msg = f"{path}: document id {part.doc_id!r} is already used by {seen[part.doc_id]}"
            rejected[digests[path]] = msg
            messages.append(msg)
            continue
        seen[part.doc_id] = path
        docs.append(part)
    t_extract = time.perf_counter() - t0
    if not docs:
        why = "; ".join(messages) if messages else "no document given"
        raise BuildError(f"nothing to build: {why}")
    say(len(items), total, "write the store" if endpoint is None else f"push to {backend.query_url}")
    report = backend.build([*docs, _gazetteer_part()], _ontology_bytes(), prune=True,
                           progress=lambda message: say(len(items), total, message))
    _write_rejected(data_dir, rejected)
    if endpoint is None and report.changed and len(docs) <= WARM_NETWORK_DOCS:
        # A small corpus: project the network now (a second or two) so that the app's first
        # network view, even on a fresh server, reads it from the cache instead.
        say(len(items), total, "project the network view")
        with open_kg(data_dir, corpus=None) as kg:
            kg.network()
    out = BuildReport(
        added=tuple(d for d in report.added if d != GAZETTEER_DOC),
        replaced=tuple(d for d in report.replaced if d != GAZETTEER_DOC),
        skipped=tuple(d for d in report.skipped if d != GAZETTEER_DOC),
        removed=tuple(d for d in report.removed if d != GAZETTEER_DOC),
        rejected=tuple(messages),
        version=report.version,
        timings={"extract": t_extract, **report.timings},
    )
    say(total, total, str(out))
    return out


def _is_stale(backend, corpus: Path, data_dir) -> bool:
    from extract.reader import InputError, list_documents

    if isinstance(backend, GraphStore) and backend.live_version() is None:
        return True
    stored = set(backend.documents().values())
    rejected = _read_rejected(data_dir)
    current = {_gazetteer_sha()}
    for item in list_documents([corpus]):
        if isinstance(item, InputError):
            continue
        digest = document_digest(item)
        if digest not in rejected:
            current.add(digest)
    return current != stored


def open_kg(data_dir=None, corpus="corpus", endpoint=None, progress: Progress | None = None) -> KG:
    """Open the knowledge graph, building it from `corpus` first when missing or out of date.

    `endpoint`: the base URL of an Oxigraph-style SPARQL server (``B/query``, ``B/update``,
    ``B/store``) or a `graph.remote.RemoteEndpoint`; default the embedded store under
    DATA/store. `corpus=None` never builds.
    """
    backend = _backend(data_dir, endpoint)
    folder = Path(corpus) if corpus is not None else None
    if folder is not None and folder.exists():
        if _is_stale(backend, folder, data_dir):
            try:
                build([folder], data_dir, backend if endpoint is not None else None, progress)
            except StoreLocked:
                # Someone else builds right now; the live version still answers.
                if not (isinstance(backend, GraphStore) and backend.live_version()):
                    raise
    elif isinstance(backend, GraphStore) and backend.live_version() is None:
        where = f"no corpus folder '{corpus}'" if corpus is not None else "no corpus given"
        raise QueryError(f"no store at {backend.path} and {where} to build it from; run: policykg build PATH")
    return KG(backend, data_dir)


# --------------------------------------------------------------------------- canned queries


@dataclass(frozen=True, slots=True)
class CannedQuery:
    """A SPARQL query shipped in graph/queries/: its name, header and text."""

    name: str
    title: str
    description: str
    params: dict[str, str]  # name -> default value
    text: str


def _parse_canned(name: str, text: str) -> CannedQuery:
    head: dict[str, str] = {}
    params: dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r"#\s*(title|description|param|default):\s*(.*)", line)
        if m:
            key, value = m.group(1), m.group(2).strip()
            if key == "default":
                k, _, v = value.partition("=")
                params[k.strip()] = v.strip()
            elif key == "param":
                params.setdefault(value.split()[0].lstrip("?"), "")
            else:
                head[key] = (head.get(key, "") + " " + value).strip()
        elif line.strip() and not line.startswith("#"):
            break
    return CannedQuery(name, head.get("title", name), head.get("description", ""), params, text)


@functools.cache
def _canned() -> dict[str, CannedQuery]:
    folder = importlib.resources.files("graph").joinpath("queries")
    out = {}
    for f in sorted(folder.iterdir(), key=lambda f: f.name):
        if f.name.endswith(".rq"):
            name = f.name[:-3]
            out[name] = _parse_canned(name, f.read_text(encoding="utf-8"))
    return out


def list_queries() -> list[dict]:
    """Return the canned queries: name, title, description, params (name → default), text."""
    return [{"name": q.name, "title": q.title, "description": q.description, "params": dict(q.params),
             "text": q.text} for q in _canned().values()]


def canned_query(name: str, params: Mapping[str, str] | None = None) -> str:
    """Return a canned query's text with its parameters bound (defaults where not given)."""
    try:
        q = _canned()[name]
    except KeyError:
        raise NotFound("query", name, difflib.get_close_matches(name, list(_canned()), n=3, cutoff=0.3)
                       or list(_canned())) from None
    values = {**q.params, **{k: v for k, v in (params or {}).items()}}
    unknown = sorted(set(params or {}) - set(q.params))
    if unknown:
        raise QueryError(f"query {name!r} takes no parameter {unknown[0]!r}; it takes: "
                         f"{', '.join(q.params) or 'none'}")
    return bind(q.text, {k: v for k, v in values.items() if k in q.params and v != ""})


def bind(text: str, params: Mapping[str, str]) -> str:
    """Bind variables of a query to string values with a trailing VALUES clause."""
    if not params:
        return text
    names = sorted(params)
    row = " ".join(_literal(params[n]) for n in names)
    return f"{text.rstrip()}\nVALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }}\n"


def _literal(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def with_prefixes(text: str) -> str:
    """Prepend the project's PREFIX declarations the query does not make itself."""
    missing = [p for p in SPARQL_PREFIXES if not re.search(rf"(?i)PREFIX\s+{p}:", text)]
    return "".join(f"PREFIX {p}: <{SPARQL_PREFIXES[p]}>\n" for p in missing) + text


# --------------------------------------------------------------------------- SPARQL results


def _py(term) -> object:
    if type(term) is ox.NamedNode:  # the common case first: this runs for every cell
        return term.value
    return gstore.plain_value(term)


def _to_rdflib(term):
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value) if dt in (_XSD_STRING, _LANG_STRING) else Literal(term.value, datatype=URIRef(dt))
    raise TypeError(f"not an RDF term: {term!r}")


class _QuadRows:
    """Quads as graph.network reads them (IRIs as str, literals as rdflib Literals), without an rdflib store.

    Filling an rdflib Dataset costs seconds for a few hundred thousand quads; the projection
    only walks them once.
    """

    def __init__(self, quads: Iterable[ox.Quad]) -> None:
        self._quads = quads

    def quads(self, _pattern=None):
        for q in self._quads:
            o = q.object
            yield (q.subject.value, q.predicate.value,
                   _to_rdflib(o) if isinstance(o, ox.Literal) else o.value, q.graph_name.value)


def _quads_to_graph(quads: Iterable[ox.Quad]):
    from rdflib import Graph

    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for q in quads:
        g.add((_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object)))
    return g


@dataclass(frozen=True)
class SparqlResult:
    """What a SPARQL query returned, as plain data: rows, a boolean, or a graph.

    ``kind``: select, ask, graph (CONSTRUCT, DESCRIBE) or update. Graph results also come
    as rows of subject, predicate, object so that every result shows as a table.
    """

    kind: str
    columns: tuple[str, ...] = ()
    rows: tuple[dict, ...] = ()
    boolean: bool | None = None
    triples: tuple[ox.Triple, ...] = field(default=(), repr=False)
    terms: tuple[tuple, ...] = field(default=(), repr=False)  # SELECT: the RDF terms behind `rows`
    truncated: bool = False
    message: str = ""

    @functools.cached_property
    def graph(self):
        """Return the graph of a CONSTRUCT or DESCRIBE as an rdflib Graph (None otherwise)."""
        if self.kind != "graph":
            return None
        return _quads_to_graph(ox.Quad(t.subject, t.predicate, t.object) for t in self.triples)

    def __len__(self) -> int:
        return len(self.rows)

    def to_csv(self) -> str:
        """Return CSV: a header and one line per row (spreadsheet formulas neutralized)."""
        from .export import to_csv

        if self.kind == "ask":
            return to_csv([["boolean"], ["true" if self.boolean else "false"]])
        if self.kind == "update":
            return ""
        return to_csv([list(self.columns), *([r.get(c) for c in self.columns] for r in self.rows)])

    def to_json(self) -> str:
        """Return SPARQL 1.1 JSON results (select, ask) or compact JSON-LD (graph)."""
        if self.kind == "ask":
            return json.dumps({"head": {}, "boolean": bool(self.boolean)}) + "\n"
        if self.kind == "graph":
            return self.serialize("json-ld").decode("utf-8")
        if self.kind == "update":
            return json.dumps({"update": self.message}, ensure_ascii=False) + "\n"
        bindings = [{c: _json_term(t) for c, t in zip(self.columns, row) if t is not None} for row in self.terms]
        return json.dumps({"head": {"vars": list(self.columns)}, "results": {"bindings": bindings}},
                          ensure_ascii=False, indent=1) + "\n"

    def to_table(self) -> str:
        """Return a terminal table (or ``true``/``false`` for ASK)."""
        from .export import table_text

        if self.kind == "ask":
            return ("true" if self.boolean else "false") + "\n"
        if self.kind == "update":
            return self.message + "\n"
        text = table_text(list(self.rows), list(self.columns))
        if self.truncated:
            text += f"… (first {len(self.rows)} rows)\n"
        return text

    def serialize(self, fmt: str = "turtle") -> bytes:
        """Return a graph result in an RDF format (see `graph.export.RDF_FORMATS`)."""
        from .export import serialize_quads

        if self.kind != "graph":
            raise QueryError(f"format {fmt!r} needs a CONSTRUCT or DESCRIBE query; this one is {self.kind.upper()}")
        return serialize_quads([ox.Quad(t.subject, t.predicate, t.object) for t in self.triples], fmt)


def _json_term(t) -> dict:
    """Return one RDF term as SPARQL 1.1 JSON results write it."""
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        out = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != _XSD_STRING:
            out["datatype"] = t.datatype.value
        return out
    return {"type": "literal", "value": str(t)}


def _triple_row(t: ox.Triple) -> dict:
    return {"subject": _py(t.subject), "predicate": _py(t.predicate), "object": _py(t.object)}


# --------------------------------------------------------------------------- extents


def extents(text: str, heads: Sequence[tuple[str, str, int]], body_end: int,
            tables: Sequence[int] = ()) -> dict[str, tuple[int, int]]:
    """Return the extent of every part, section, task and box from where its heading starts.

    `heads` are (key, kind, heading line start); a part runs to the next part, a section to
    the next part or section, a task or box to the next heading of any kind or the start
    of an indicator table (`tables`: where each table's rows start); the last ones to
    `body_end`. An extent does not include the line break before the next heading.

    >>> t = "一、甲\\n1.乙。\\n2.丙。\\n二、丁\\n"
    >>> extents(t, [("p1", "part", 0), ("t1", "task", 4), ("t2", "task", 9), ("p2", "part", 14)], 18)
    {'p1': (0, 13), 't1': (4, 8), 't2': (9, 13), 'p2': (14, 18)}
    """
    stops = {"part": ("part",), "section": ("part", "section"), "task": KINDS, "box": KINDS}
    ordered = sorted(heads, key=lambda h: h[2])
    out = {}
    for i, (key, kind, start) in enumerate(ordered):
        end = body_end
        for _, k2, s2 in ordered[i + 1:]:
            if k2 in stops.get(kind, KINDS) and s2 > start:
                end = s2 - 1 if text[s2 - 1:s2] == "\n" else s2
                break
        if kind in ("task", "box"):
            for tb in tables:
                if start < tb < end:
                    end = tb - 1 if text[tb - 1:tb] == "\n" else tb
        out[key] = (start, max(start, end))
    return out


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _table_start(text: str, row_start: int) -> int:
    """Return where the table holding a row starts: back over header lines (no 。 at their end)."""
    pos = _line_start(text, row_start)
    while pos > 0:
        prev = _line_start(text, pos - 1)
        line = text[prev:pos - 1]
        if not line or line.endswith(("。", "；", "：")) or re.match(r"^(?:[一二三四五六七八九十]+、|[（(])", line):
            break
        pos = prev
    return pos


# --------------------------------------------------------------------------- the graph


@dataclass
class _Unit:
    """One part, section, task, measure or box as the outline knows it."""

    iri: str
    rid: str
    doc: str
    kind: str
    number: str
    title: str
    parent: str | None  # IRI
    graph: str
    start: int = -1  # evidence span of the title or heading
    end: int = -1
    extent: tuple[int, int] = (-1, -1)
    order: int = 0


@dataclass
class _Model:
    """What one store version holds, loaded once: documents, outline, agency labels."""

    docs: dict[str, dict]  # doc id -> {id, iri, graph, title, jurisdiction, text_iri}
    units: dict[str, _Unit]  # IRI -> unit
    by_rid: dict[str, _Unit]
    agencies: dict[str, dict]  # IRI -> {name, labels}
    keys: dict[str, set[str]]  # folded label -> IRIs
    evidence: dict[str, list[tuple[int, int, str]]]  # body IRI -> sorted (start, end, graph)
    texts: dict[str, str] = field(default_factory=dict)


def _fold(name: str) -> str:
    return "".join(Resolver.key(name).split())


def _natural(key: str) -> tuple:
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", key))


class KG:
    """Ask the knowledge graph: documents, outline, agencies and their tasks, SPARQL, exports.

    Holds the live store version open for reading and reloads when a build swaps in a new
    one; everything derived (outline, labels, the networkx view) is cached per version.
    """

    def __init__(self, backend, data_dir=None) -> None:
        self.backend = backend
        self.data_dir = data_path(data_dir)
        self._reader: gstore.StoreReader | None = None
        self._version: str | None = None
        self._remote_checked = 0.0
        self._cache: dict[str, object] = {}
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"KG({self.backend!r})"

    def __enter__(self) -> KG:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Release the store version held for reading."""
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
            self._version = None

    @property
    def remote(self) -> bool:
        return not isinstance(self.backend, GraphStore)

    # ---- versions and raw queries

    def version(self) -> str:
        """Return the version answering now (a store version, or a digest of the endpoint's manifest).

        A build that swapped in a new version since the last call makes the caches go.
        """
        with self._lock:
            if not self.remote:
                if self._reader is None or self._reader.is_stale():
                    old, self._reader = self._reader, self.backend.open_readonly()
                    if old is not None:
                        old.close()
                v = self._reader.version
            else:
                now = time.monotonic()
                if self._version is None or now - self._remote_checked > 2.0:
                    docs = self.backend.documents()
                    v = hashlib.sha256(json.dumps(sorted(docs.items())).encode()).hexdigest()[:12]
                    self._remote_checked = now
                else:
                    v = self._version
            if v != self._version:
                self._cache = {}
                self._version = v
            return v

    def _raw(self, text: str, *, union: bool = False) -> gstore.QueryResult:
        self.version()
        if self.remote:
            return self.backend.query(text, union=union)
        return self._reader.query(text, union=union)

    def _select(self, text: str) -> list[dict]:
        """Run one of our own SELECT queries on the version in hand; rows of plain values."""
        if self._version is None:
            self.version()
        if self.remote:
            return self.backend.query(_PROLOGUE + text).records()
        reader = self._reader
        solutions = reader.store.query(_PROLOGUE + text)
        names = [v.value for v in solutions.variables]
        return [{n: _py(sol[n]) for n in names} for sol in solutions]

    def _memo(self, key: str, make: Callable[[], object]):
        if self._version is None:
            self.version()
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # ---- the model: documents, outline, labels

    def _model(self) -> _Model:
        return self._memo("model", self._load_model)

    def _load_model(self) -> _Model:
        docs: dict[str, dict] = {}
        graph_doc: dict[str, str] = {}
        for r in self._select("""
            SELECT ?g ?doc ?id ?text ?title ?place ?placeLabel WHERE { GRAPH ?g {
              ?doc a eli:LegalResource ; eli:is_realized_by ?text ; dct:identifier ?id .
              OPTIONAL { ?doc eli:title ?title }
              OPTIONAL { ?doc dct:spatial ?place . OPTIONAL { ?place skos:prefLabel ?placeLabel } } } }
            ORDER BY ?id"""):
            d = docs.setdefault(r["id"], {"id": r["id"], "iri": r["doc"], "graph": r["g"], "text_iri": r["text"],
                                          "title": r["title"] or r["id"], "jurisdiction": r["placeLabel"] or ""})
            graph_doc[r["g"]] = d["id"]
        # Every evidence span at once: joining selectors per row is what makes queries slow.
        evidence: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for r in self._select("""
            SELECT ?g ?body ?start ?end WHERE { GRAPH ?g {
              ?sel oa:start ?start ; oa:end ?end . ?t oa:hasSelector ?sel . ?a oa:hasTarget ?t ; oa:hasBody ?body } }"""):
            evidence[r["body"]].append((r["start"], r["end"], r["g"]))
        for spans in evidence.values():
            spans.sort()
        units: dict[str, _Unit] = {}
        for r in self._select("""
            SELECT ?g ?s ?type ?number ?title ?parent WHERE { GRAPH ?g {
              ?s eli:type_subdivision ?type ; eli:number ?number .
              OPTIONAL { ?s eli:is_part_of ?parent }
              OPTIONAL { ?s eli:title ?title } } }"""):
            doc_id = graph_doc.get(r["g"])
            kind = _TYPE_KIND.get(r["type"])
            if doc_id is None or kind is None or r["s"] in units:
                continue
            doc = docs[doc_id]
            rid = _record_id(r["s"], doc["iri"], doc_id)
            if rid is None:
                continue
            parent = r["parent"] if r["parent"] != doc["iri"] else None
            span = next(((a, b) for a, b, g in evidence.get(r["s"], ()) if g == r["g"]), (-1, -1))
            units[r["s"]] = _Unit(r["s"], rid, doc_id, kind, str(r["number"]), r["title"] or "", parent, r["g"],
                                  span[0], span[1])
        agencies: dict[str, dict] = {}
        gazetteer = str(iris.gazetteer_graph_iri())
        for r in self._select("""
            SELECT ?g ?a ?p ?l WHERE { GRAPH ?g { ?a a org:Organization ; ?p ?l .
              VALUES ?p { skos:prefLabel skos:altLabel } } }"""):
            a = agencies.setdefault(r["a"], {"iri": r["a"], "gaz": set(), "pref": set(), "alt": set()})
            if r["p"].endswith("prefLabel"):
                (a["gaz"] if r["g"] == gazetteer else a["pref"]).add(r["l"])
            else:
                a["alt"].add(r["l"])
        keys: dict[str, set[str]] = defaultdict(set)
        for a in agencies.values():
            a["name"] = min(a["gaz"]) if a["gaz"] else min(a["pref"]) if a["pref"] else min(a["alt"])
            a["labels"] = sorted(a["gaz"] | a["pref"] | a["alt"])
            for label in a["labels"]:
                keys[_fold(label)].add(a["iri"])
        model = _Model(docs, units, {}, agencies, dict(keys), dict(evidence))
        self._place_units(model)
        return model

    def _place_units(self, model: _Model) -> None:
        """Order every unit in document order and give it its extent in the document text."""
        footnote_starts: dict[str, int] = {}
        for r in self._select("SELECT DISTINCT ?f WHERE { GRAPH ?g { ?f a pkg:Footnote } }"):
            for start, _, g in model.evidence.get(r["f"], ()):
                footnote_starts[g] = min(start, footnote_starts.get(g, start))
        table_rows: dict[str, list[int]] = defaultdict(list)
        for r in self._select("SELECT DISTINCT ?i WHERE { GRAPH ?g { ?i a pkg:Indicator } }"):
            for start, _, g in model.evidence.get(r["i"], ()):
                table_rows[g].append(start)
        by_doc: dict[str, list[_Unit]] = defaultdict(list)
        for u in model.units.values():
            by_doc[u.doc].append(u)
        order = 0
        for doc_id in sorted(by_doc):
            units = by_doc[doc_id]
            text = self._text(doc_id, model)
            first_note = footnote_starts.get(model.docs[doc_id]["graph"])
            if first_note is not None:
                body_end = _line_start(text, first_note)
                body_end = body_end - 1 if text[body_end - 1:body_end] == "\n" else body_end
            else:
                body_end = len(text.rstrip("\n"))
            rows = sorted(table_rows.get(model.docs[doc_id]["graph"], []))
            tables = sorted({_table_start(text, row) for row in rows})
            heads = []
            for u in units:
                if u.kind == "measure" or u.start < 0:
                    continue
                start = u.start if u.kind in ("part", "section") else _line_start(text, u.start)
                heads.append((u.iri, u.kind, start))
            ext = extents(text, heads, body_end, tables)
            for u in units:
                if u.kind == "measure":
                    u.extent = ext.get(u.parent or "", (u.start, u.end))
                else:
                    u.extent = ext.get(u.iri, (u.start, u.end))
            kind_rank = {k: i for i, k in enumerate(KINDS)}
            for u in sorted(units, key=lambda u: (u.extent[0], kind_rank[u.kind], u.start, _natural(u.rid))):
                u.order = order
                order += 1
        model.units = dict(sorted(model.units.items(), key=lambda kv: kv[1].order))
        model.by_rid = {u.rid: u for u in model.units.values()}

    def _text(self, doc_id: str, model: _Model | None = None) -> str:
        model = model or self._model()
        if doc_id not in model.texts:
            rows = self._select(f"SELECT ?t WHERE {{ GRAPH ?g {{ <{model.docs[doc_id]['text_iri']}> pkg:text ?t }} }}")
            model.texts[doc_id] = rows[0]["t"] if rows else ""
        return model.texts[doc_id]

    # ---- lookups

    def _doc(self, doc_id: str) -> dict:
        docs = self._model().docs
        if doc_id in docs:
            return docs[doc_id]
        by_iri = {d["iri"]: d for d in docs.values()}
        if doc_id in by_iri:
            return by_iri[doc_id]
        raise NotFound("document", doc_id, difflib.get_close_matches(doc_id, list(docs), n=3, cutoff=0.3))

    def _unit(self, ref: str, kinds: Sequence[str] = KINDS, what: str = "task") -> _Unit:
        """Find a unit by record id, IRI, key (``t12``, ``m9.1``) or bare task number."""
        model = self._model()
        ref = ref.strip()
        u = model.by_rid.get(ref) or model.units.get(ref)
        if u is None:
            key = ref if re.match(r"^(?:p|s|t|m|box|ind)\d", ref) else f"t{ref}" if re.match(r"^\d+$", ref) else None
            if key is not None:
                hits = [x for x in model.units.values() if x.rid.rsplit("/", 1)[-1] == key]
                if len(hits) == 1:
                    u = hits[0]
                elif len(hits) > 1:
                    raise NotFound(what, ref, [h.rid for h in hits][:3])
        if u is None or u.kind not in kinds:
            names = [x.rid for x in model.units.values() if x.kind in kinds]
            raise NotFound(what, ref, difflib.get_close_matches(ref, names, n=3, cutoff=0.3))
        return u

    def _unit_row(self, u: _Unit) -> dict:
        model = self._model()
        part = sec = None
        p = u.parent
        while p is not None and p in model.units:
            pu = model.units[p]
            if pu.kind == "section" and sec is None:
                sec = pu
            if pu.kind == "part" and part is None:
                part = pu
            p = pu.parent
        if u.kind == "section":
            part = part or (model.units.get(u.parent) if u.parent else None)
        return {
            "part": part.rid if part else None, "part_title": part.title if part else "",
            "section": sec.rid if sec else None, "section_title": sec.title if sec else "",
        }

    # ---- documents and outline

    def documents(self) -> list[dict]:
        """Return every document: id, title, jurisdiction and its numbers of tasks, measures, boxes, indicators."""
        self.version()
        model = self._model()
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for u in model.units.values():
            counts[u.doc][u.kind] += 1
        indicators = defaultdict(int)
        for row in self.indicators():
            indicators[row["doc"]] += 1
        return [{"id": d["id"], "title": d["title"], "jurisdiction": d["jurisdiction"], "iri": d["iri"],
                 "tasks": counts[d["id"]]["task"], "measures": counts[d["id"]]["measure"],
                 "boxes": counts[d["id"]]["box"], "indicators": indicators[d["id"]]}
                for d in model.docs.values()]

    def outline(self, doc_id: str | None = None) -> list[dict]:
        """Return parts, sections, tasks, measures and boxes in document order.

        Rows: id (record id), kind, number, title, parent (record id, None under the
        document), doc, iri, span (the extent in the document text).
        """
        self.version()
        model = self._model()
        if doc_id is not None:
            doc_id = self._doc(doc_id)["id"]
        out = []
        for u in model.units.values():
            if doc_id is not None and u.doc != doc_id:
                continue
            parent = model.units.get(u.parent) if u.parent else None
            out.append({"id": u.rid, "kind": u.kind, "number": u.number, "title": u.title,
                        "parent": parent.rid if parent else None, "doc": u.doc, "iri": u.iri,
                        "span": list(u.extent)})
        return out

    def indicators(self, doc_id: str | None = None) -> list[dict]:
        """Return the indicator table rows: name, unit, baseline and target with years, source, nature."""
        self.version()
        rows = self._memo("indicators", self._load_indicators)
        if doc_id is None:
            return [dict(r) for r in rows]
        doc_id = self._doc(doc_id)["id"]
        return [dict(r) for r in rows if r["doc"] == doc_id]

    def _load_indicators(self) -> list[dict]:
        model = self._model()
        graph_doc = {d["graph"]: d for d in model.docs.values()}
        found: dict[str, dict] = {}
        for r in self._select("""
            SELECT ?g ?i ?name ?unit ?fn ?stage ?value ?year ?nature ?source WHERE { GRAPH ?g {
              ?i a pkg:Indicator ; skos:prefLabel ?name .
              OPTIONAL { ?i pkg:unit ?unit }
              OPTIONAL { ?i pkg:footnote ?f . ?f eli:number ?fn }
              OPTIONAL { ?o pkg:indicator ?i ; pkg:stage ?stage ; pkg:value ?value .
                         OPTIONAL { ?o pkg:year ?year } OPTIONAL { ?o pkg:nature ?nature }
                         OPTIONAL { ?o pkg:sourceAgency ?source } } } }"""):
            doc = graph_doc.get(r["g"])
            if doc is None:
                continue
            rid = _record_id(r["i"], doc["iri"], doc["id"]) or r["i"]
            row = found.setdefault(r["i"], {
                "id": rid, "iri": r["i"], "name": r["name"], "unit": r["unit"] or "", "baseline": None,
                "baseline_year": None, "target": None, "target_year": None, "source": "", "source_iri": None,
                "nature": None, "doc": doc["id"], "footnote": int(r["fn"]) if r["fn"] else None,
                "span": self._span(r["i"], r["g"])})
            stage = (r["stage"] or "").rsplit("#", 1)[-1]
            if stage in ("baseline", "target"):
                row[stage] = r["value"]
                row[f"{stage}_year"] = int(r["year"]) if r["year"] is not None else None
            if r["nature"]:
                row["nature"] = r["nature"].rsplit("#", 1)[-1]
            if r["source"]:
                row["source_iri"] = r["source"]
                row["source"] = model.agencies.get(r["source"], {}).get("name", r["source"])
        return sorted(found.values(), key=lambda r: (r["doc"], _natural(r["id"])))

    # ---- agencies

    def agency_names(self) -> list[str]:
        """Return every canonical agency name and alias the graph knows (for pickers), sorted."""
        self.version()
        return sorted({label for a in self._model().agencies.values() for label in a["labels"]})

    def resolve_agency(self, name: str) -> dict:
        """Return {iri, name, aliases} of the agency a name means: canonical, alias or as written.

        Raise UnknownAgency with the closest known names when none matches.
        """
        self.version()
        model = self._model()
        name = (name or "").strip()
        if name in model.agencies:
            cands = {name}
        else:
            cands = set(model.keys.get(_fold(name), ()))
        if not cands and name:
            for j in sorted({""} | {d["jurisdiction"] for d in model.docs.values()}):
                e = agency_resolver(j).resolve(name)
                if e is not None and str(iris.agency_iri(e.id)) in model.agencies:
                    cands.add(str(iris.agency_iri(e.id)))
        if not cands:
            raise UnknownAgency(name, self._suggest(name))
        counts = {r["iri"]: r["total"] for r in self.agency_counts()}
        best = min(cands, key=lambda a: (model.agencies[a]["name"] != name, -counts.get(a, 0), a))
        a = model.agencies[best]
        return {"iri": best, "name": a["name"], "aliases": [x for x in a["labels"] if x != a["name"]]}

    def _suggest(self, name: str, n: int = 3) -> list[str]:
        model = self._model()
        by_key: dict[str, str] = {}
        for a in model.agencies.values():
            for label in a["labels"]:
                by_key.setdefault(_fold(label), label)
        out: list[str] = []
        for key in difflib.get_close_matches(_fold(name), list(by_key), n=n * 2, cutoff=0.3):
            if by_key[key] not in out:
                out.append(by_key[key])
        if not out:  # a short or partial name: labels that contain it
            out = sorted((label for key, label in by_key.items() if _fold(name) and _fold(name) in key),
                         key=lambda s: (len(s), s))
        return out[:n]

    def agency_counts(self) -> list[dict]:
        """Return per agency its numbers of units by role and in total, most tasks first."""
        self.version()
        return [dict(r) for r in self._memo("agency_counts", self._load_agency_counts)]

    def _load_agency_counts(self) -> list[dict]:
        model = self._model()
        units: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
        for r in self._select("""
            SELECT DISTINCT ?agency ?role ?unit WHERE { GRAPH ?g {
              ?unit prov:qualifiedAttribution ?att . ?att prov:agent ?agency ; prov:hadRole ?role } }"""):
            units[r["agency"]][r["role"].rsplit("#", 1)[-1]].add(r["unit"])
        rows = []
        for iri, by_role in units.items():
            name = model.agencies.get(iri, {}).get("name", iri)
            rows.append({"agency": name, "iri": iri, **{role: len(by_role.get(role, ())) for role in ROLES},
                         "total": len(set().union(*by_role.values()))})
        return sorted(rows, key=lambda r: (-r["total"], r["agency"], r["iri"]))

    def _span(self, body: str, graph: str) -> list[int]:
        """Return the first evidence span of `body` in `graph` as [start, end] ([None, None] if none)."""
        for a, b, g in self._model().evidence.get(body, ()):
            if g == graph:
                return [a, b]
        return [None, None]

    def _quote(self, doc_id: str, span: Sequence[int | None]) -> str | None:
        if span[0] is None:
            return None
        return self._text(doc_id)[span[0]:span[1]]

    def agency_tasks(self, name: str, roles: Iterable[str] | None = None) -> list[dict]:
        """Return the units an agency carries a role in, in document order, with the clause as evidence.

        Rows: task (record id), iri, doc, part, section (record ids), part_title,
        section_title, number, kind, title, role, name_as_written, clause (its quote),
        span ([start, end] of the clause in the document text), name_span, partners
        ([{agency, iri, role}] of the other agencies on the unit), clauses (every clause
        giving the agency this role there, when more than one).
        """
        self.version()
        roles = _check_roles(roles)
        agency = self.resolve_agency(name)["iri"]
        model = self._model()
        if len(roles) == 1:
            # The one-hop shortcut finds the units of a role without touching any other attribution.
            find = (f"?unit pkg:{_SHORTCUT[roles[0]]} <{agency}> . BIND(pkg:{roles[0]} AS ?roleNode) "
                    f"?att prov:agent <{agency}> ; prov:hadRole ?roleNode .")
        else:
            find = f"?att prov:agent <{agency}> ; prov:hadRole ?roleNode ."
            if roles != ROLES:
                find += f" VALUES ?roleNode {{ {' '.join('pkg:' + r for r in roles)} }}"
        rows = self._select(f"""
            SELECT ?g ?unit ?roleNode ?att ?written ?clause ?partner ?partnerRole WHERE {{ GRAPH ?g {{
              {find}
              ?att pkg:asWritten ?written ; pkg:clause ?clause .
              ?unit prov:qualifiedAttribution ?att , ?other .
              ?other prov:agent ?partner ; prov:hadRole ?partnerRole . }} }}""")
        grouped: dict[tuple[str, str], dict] = {}
        for r in rows:
            u = model.units.get(r["unit"])
            if u is None:
                continue
            role = r["roleNode"].rsplit("#", 1)[-1]
            row = grouped.get((u.iri, role))
            if row is None:
                row = grouped[(u.iri, role)] = {
                    "task": u.rid, "iri": u.iri, "doc": u.doc, **self._unit_row(u), "number": u.number,
                    "kind": u.kind, "title": u.title, "role": role, "partners": set(), "clauses": {}}
            if r["att"] not in row["clauses"]:
                span = self._span(r["clause"], r["g"])
                name_span = self._span(r["att"], r["g"])
                row["clauses"][r["att"]] = {"quote": self._quote(u.doc, span), "span": span,
                                            "name_as_written": r["written"], "name_span": name_span}
            if r["partner"] != agency:
                row["partners"].add((r["partner"], r["partnerRole"].rsplit("#", 1)[-1]))
        rank = {r: i for i, r in enumerate(ROLES)}

        def label(iri: str) -> str:
            return model.agencies.get(iri, {}).get("name", iri)

        out = []
        for row in grouped.values():
            clauses = sorted(row["clauses"].values(), key=lambda c: (c["span"][0] is None, c["span"][0] or 0))
            first = clauses[0]
            row.update(name_as_written=first["name_as_written"], clause=first["quote"], span=first["span"],
                       name_span=first["name_span"], clauses=clauses)
            row["partners"] = [{"agency": label(a), "iri": a, "role": pr}
                               for a, pr in sorted(row["partners"], key=lambda p: (rank.get(p[1], 9), label(p[0]), p[0]))]
            out.append(row)
        return sorted(out, key=lambda r: (r["doc"], model.units[r["iri"]].order, rank[r["role"]]))

    def coassigned(self, name: str) -> list[dict]:
        """Return the agencies assigned to the same units as `name`: shared units and their roles there."""
        self.version()
        agency = self.resolve_agency(name)
        model = self._model()
        shared: dict[str, set] = defaultdict(set)
        roles: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
        for r in self._select(f"""
            SELECT DISTINCT ?unit ?other ?role WHERE {{ GRAPH ?g {{
              ?unit prov:qualifiedAttribution ?a1 . ?a1 prov:agent <{agency['iri']}> .
              ?unit prov:qualifiedAttribution ?a2 . ?a2 prov:agent ?other ; prov:hadRole ?role .
              FILTER(?other != <{agency['iri']}>) }} }}"""):
            shared[r["other"]].add(r["unit"])
            roles[r["other"]][r["role"].rsplit("#", 1)[-1]].add(r["unit"])
        rows = [{"agency": model.agencies.get(a, {}).get("name", a), "iri": a, "shared_tasks": len(units),
                 "roles": {role: len(roles[a][role]) for role in ROLES if roles[a].get(role)}}
                for a, units in shared.items()]
        return sorted(rows, key=lambda r: (-r["shared_tasks"], r["agency"], r["iri"]))

    # ---- one task

    def task(self, task_id: str) -> dict:
        """Return everything about one task or measure, every span against the document text and the unit text.

        Keys: id, iri, doc, kind, number, title, part, section, part_title, section_title,
        text, span, title_span, clauses, assignments, references, places, mentions,
        boxes, footnotes, indicators, connected. A span is ``[start, end]`` in the
        document text; ``unit_span`` is the same characters counted from the unit's start.
        """
        self.version()
        u = self._unit(task_id, ("task", "measure"))
        model = self._model()
        doc = model.docs[u.doc]
        text = self._text(u.doc)
        us, ue = u.extent

        def rel(s, e) -> list[int | None]:
            return [None, None] if s is None else [s - us, e - us]

        rows = self._select(f"""
            SELECT ?att ?agency ?r ?written ?inferred ?clause WHERE {{ GRAPH <{u.graph}> {{
              <{u.iri}> prov:qualifiedAttribution ?att .
              ?att prov:agent ?agency ; prov:hadRole ?r ; pkg:asWritten ?written ; pkg:clause ?clause .
              OPTIONAL {{ ?att pkg:inferred ?inferred }} }} }}""")
        clauses: dict[str, dict] = {}
        assignments = []
        for r in rows:
            cspan = self._span(r["clause"], u.graph)
            c = clauses.setdefault(r["clause"], {"iri": r["clause"], "quote": self._quote(u.doc, cspan),
                                                 "span": cspan, "unit_span": rel(*cspan), "rule": None})
            if r["inferred"] and str(r["inferred"]).startswith("rule:以下"):
                c["rule"] = r["inferred"]
            nspan = self._span(r["att"], u.graph)
            assignments.append({
                "agency": r["written"], "canonical": model.agencies.get(r["agency"], {}).get("name", r["agency"]),
                "iri": r["agency"], "role": r["r"].rsplit("#", 1)[-1], "quote": self._quote(u.doc, nspan),
                "span": nspan, "unit_span": rel(*nspan), "clause": r["clause"], "inferred": r["inferred"]})
        ordered = sorted(clauses.values(), key=lambda c: c["span"][0] if c["span"][0] is not None else -1)
        prev = None
        for c in ordered:
            cs, ce = c["span"]
            if c.pop("rule") or cs is None:
                s0 = cs
            elif prev is not None:
                s0 = prev
            else:
                s0 = us if u.kind == "task" else _line_start(text, cs)
            c["sentence"] = text[s0:ce] if s0 is not None else None
            c["sentence_span"] = [s0, ce]
            c["sentence_unit_span"] = rel(s0, ce)
            c["assignments"] = [a for a in assignments if a["clause"] == c["iri"]]
            prev = ce
        clause_spans = [tuple(c["span"]) for c in ordered if c["span"][0] is not None]
        rank = {r: i for i, r in enumerate(ROLES)}
        assignments.sort(key=lambda a: (a["span"][0] if a["span"][0] is not None else -1, rank.get(a["role"], 9)))

        linked = self._select(f"""
            SELECT ?p ?o ?label WHERE {{ GRAPH <{u.graph}> {{ <{u.iri}> ?p ?o .
              VALUES ?p {{ eli:cites dct:spatial pkg:mentions pkg:box pkg:footnote }}
              OPTIONAL {{ ?o eli:title|skos:prefLabel ?label }} }} }}""")
        targets: dict[str, list[str]] = defaultdict(list)
        labels: dict[str, str] = {}
        for r in linked:
            key = r["p"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            if r["o"] not in targets[key]:
                targets[key].append(r["o"])
            if r["label"]:
                labels.setdefault(r["o"], r["label"])
        spans: dict[str, list[tuple[int, int]]] = {
            node: [(a, b) for a, b, g in model.evidence.get(node, ()) if g == u.graph and us <= a < ue]
            for key in ("cites", "spatial", "mentions") for node in targets[key]}

        def occurrences(nodes, name_key, skip_clauses=False) -> list[dict]:
            out = []
            for node in nodes:
                label = model.agencies.get(node, {}).get("name") or labels.get(node, node)
                for a, b in spans.get(node, ()):
                    if skip_clauses and any(cs <= a < ce for cs, ce in clause_spans):
                        continue
                    q = text[a:b]
                    out.append({name_key: q, "canonical": label, "iri": node, "quote": q, "span": [a, b],
                                "unit_span": rel(a, b)})
            return sorted(out, key=lambda o: (o["span"][0], o["iri"]))

        references = [dict(o, title=labels.get(o["iri"], o["quote"])) for o in occurrences(targets["cites"], "title")]
        places = occurrences(targets["spatial"], "name")
        mentions = occurrences(targets["mentions"], "name", skip_clauses=True)

        boxes = []
        for b in sorted(targets["box"], key=lambda b: model.units[b].order if b in model.units else 0):
            bu = model.units.get(b)
            if bu is None:
                continue
            bs, be = bu.extent
            body_start = text.find("\n", bu.end if bu.end >= 0 else bs, be)
            body_start = body_start + 1 if body_start >= 0 else be
            boxes.append({"id": bu.rid, "iri": bu.iri, "number": bu.number, "title": bu.title,
                          "body": text[body_start:be], "span": [bs, be], "body_span": [body_start, be]})

        footnotes = []
        for f in self._footnotes(u.doc):
            marker = f"{f['term']}{f['number']}"
            at = text.find(marker, us, ue) if f["term"] else -1
            if at >= 0 or f["iri"] in targets["footnote"]:
                row = dict(f)
                if at >= 0:
                    row["term_span"] = [at, at + len(f["term"])]
                    row["marker_span"] = [at + len(f["term"]), at + len(marker)]
                    row["unit_span"] = rel(at, at + len(marker))
                footnotes.append(row)
        unit_text = text[us:ue]
        numbers = {f["number"] for f in footnotes}
        indicators = [i for i in self.indicators(u.doc)
                      if (i["footnote"] is not None and i["footnote"] in numbers) or i["name"] in unit_text]
        try:
            connected = self.connected(u.rid)
        except QueryError:
            connected = []
        return {
            "id": u.rid, "iri": u.iri, "doc": u.doc, "doc_title": doc["title"], "kind": u.kind, "number": u.number,
            "title": u.title, **self._unit_row(u), "text": unit_text, "span": [us, ue],
            "title_span": [u.start, u.end], "clauses": ordered, "assignments": assignments,
            "references": references, "places": places, "mentions": mentions, "boxes": boxes,
            "footnotes": footnotes, "indicators": indicators, "connected": connected,
        }

    def _footnotes(self, doc_id: str) -> list[dict]:
        def load() -> list[dict]:
            doc = self._model().docs[doc_id]
            rows = self._select(f"""
                SELECT ?f ?n ?term ?body WHERE {{ GRAPH <{doc['graph']}> {{
                  ?f a pkg:Footnote ; eli:number ?n .
                  OPTIONAL {{ ?f pkg:term ?term }} OPTIONAL {{ ?f eli:description ?body }} }} }}""")
            out = {}
            for r in rows:
                out.setdefault(r["f"], {"number": int(r["n"]), "term": r["term"] or "", "text": r["body"] or "",
                                        "iri": r["f"], "span": self._span(r["f"], doc["graph"])})
            return sorted(out.values(), key=lambda f: f["number"])

        return self._memo(f"footnotes:{doc_id}", load)

    # ---- the network view

    def network(self):
        """Return the networkx projection of the whole graph (`graph.network.project`), cached per version."""
        self.version()
        from . import network as nw

        return self._memo("network", lambda: self.cached("network", lambda: nw.project(_QuadRows(self._quads()))))

    def cached(self, name: str, make: Callable[[], object]):
        """Return a value derived from this store version, kept in DATA/cache across processes.

        Only for the embedded store: the cache file is named by the store version, so a build
        makes it stale by construction; a fresh app server then reads it in milliseconds.
        """
        if self.remote:
            return make()
        import pickle

        folder = self.data_dir / "cache"
        path = folder / f"{name}-{self.version()}.pickle"
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

    def _rdflib_dataset(self, graphs: Iterable[str] | None = None):
        """Return the stored graphs (ontology and manifest left out) as an rdflib Dataset."""
        from rdflib import Dataset, URIRef

        ds = Dataset()
        for prefix, ns in PREFIXES.items():
            ds.bind(prefix, ns)
        for q in self._quads(graphs):
            ds.graph(URIRef(q.graph_name.value)).add(
                (_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object)))
        return ds

    def _quads(self, graphs: Iterable[str] | None = None, *, ontology: bool = False) -> list[ox.Quad]:
        """Return the quads of the given graphs (default: every graph but the manifest and the ontology)."""
        wanted = set(graphs) if graphs is not None else None
        if not self.remote:
            self.version()
            store = self._reader.store
            out = []
            for q in store.quads_for_pattern(None, None, None, None):
                g = q.graph_name
                if not isinstance(g, ox.NamedNode) or g.value == gstore.MANIFEST_GRAPH:
                    continue
                if wanted is not None and g.value not in wanted:
                    continue
                if wanted is None and not ontology and g.value == str(PKG_ONTOLOGY):
                    continue
                out.append(q)
            return out
        result = self._raw("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        out = []
        for s, p, o, g in result.rows:
            if g.value == gstore.MANIFEST_GRAPH or (wanted is not None and g.value not in wanted):
                continue
            if wanted is None and not ontology and g.value == str(PKG_ONTOLOGY):
                continue
            out.append(ox.Quad(s, p, o, g))
        return out

    def connected(self, task_id: str) -> list[dict]:
        """Return the units sharing something with a unit: [{task, iri, title, number, reasons, kinds, weight}]."""
        self.version()
        from . import network as nw

        u = self._unit(task_id, ("task", "measure"))
        G = self.network()
        if u.iri not in G:
            return []
        rows = nw.connected_tasks(G, u.iri)
        return [{"task": r.get("rid") or r["task"], "iri": r["task"], "title": r.get("label") or "",
                 "number": r.get("number"), "reasons": list(r["reasons"]), "kinds": list(r.get("kinds", ())),
                 "weight": r["weight"]} for r in rows]

    def metrics(self) -> list[dict]:
        """Return `graph.network.metrics` of the agency collaboration network."""
        self.version()
        from . import network as nw

        return [dict(r) for r in self._memo("metrics", lambda: nw.metrics(nw.collaboration(self.network())))]

    # ---- subgraphs

    def node(self, ref: str) -> str:
        """Return the IRI a reference means: an IRI, a record id or key, a document id, or an agency name."""
        self.version()
        model = self._model()
        ref = ref.strip()
        if ref in model.units or ref in model.agencies:
            return ref
        if ref in model.docs:
            return model.docs[ref]["iri"]
        if ref.startswith(("http://", "https://", "urn:")):
            return ref
        try:
            return self._unit(ref, KINDS, "node").iri
        except NotFound:
            pass
        try:
            return self.resolve_agency(ref)["iri"]
        except UnknownAgency as exc:
            units = [u.rid for u in model.units.values()]
            raise NotFound("node", ref, exc.suggestions or difflib.get_close_matches(ref, units, n=3)) from None

    def neighbourhood(self, node: str, depth: int = 1):
        """Return the triples around a node (IRI, task id or agency name) as an rdflib Graph.

        Depth 0 is the node's own description: its triples, the resources it owns
        (attributions, clauses, observations) and its evidence annotations. Each further
        hop adds the description of every resource linked to what is already in.
        """
        self.version()
        return _quads_to_graph(self._neighbourhood_quads([self.node(node)], depth))

    def _neighbourhood_quads(self, nodes: Iterable[str], depth: int) -> list[ox.Quad]:
        if depth < 0:
            raise QueryError(f"depth must be 0 or more, not {depth}")
        quads: set[ox.Quad] = set()
        described: set[str] = set()
        core = set(nodes)
        # Evidence of what the text says about the start nodes and about resources of a
        # document (units, attributions); not every mention of an agency or place reached on the way.
        local = f"{iris.base_iri()}doc/"
        first = set(core)

        def evidence(n: str) -> bool:
            return n in first or n.startswith(local)

        for hop in range(depth + 1):
            new = self._describe(core - described, evidence)
            described |= core
            quads |= new
            if hop == depth:
                break
            nxt = {t.value for q in new if q.predicate.value not in _HUBS for t in (q.subject, q.object)
                   if isinstance(t, ox.NamedNode) and _expandable(t.value)}
            nxt |= self._linking(core)
            core = nxt - described
            if not core:
                break
        return sorted(quads, key=lambda q: (q.graph_name.value, str(q.subject), str(q.predicate), str(q.object)))

    def _linking(self, nodes: set[str]) -> set[str]:
        """Return the resources that point at `nodes` (units of an agency, children of a section)."""
        if not nodes:
            return set()
        values = " ".join(f"<{n}>" for n in sorted(nodes))
        skip = " ".join(f"<{p}>" for p in sorted(_HUBS | _NOT_LINKS))
        rows = self._select(f"""
            SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ VALUES ?o {{ {values} }} ?s ?p ?o FILTER(?p NOT IN ({skip.replace('> <', '>, <')})) }}
              FILTER(?g != <{gstore.MANIFEST_GRAPH}> && ?g != <{PKG_ONTOLOGY}>) }}""")
        return {r["s"] for r in rows if isinstance(r["s"], str) and _expandable(r["s"])}

    def _describe(self, nodes: set[str], evidence: Callable[[str], bool] = lambda n: True) -> set[ox.Quad]:
        """Return the quads describing `nodes`: their triples, what they own, and their evidence
        annotations where `evidence(node)` says so."""
        out: set[ox.Quad] = set()
        todo = set(nodes)
        done: set[str] = set()
        while todo:
            batch = sorted(todo)
            done |= todo
            todo = set()
            values = " ".join(f"<{n}>" for n in batch)
            with_evidence = " ".join(f"<{n}>" for n in batch if evidence(n)) or "<urn:policykg:none>"
            result = self._raw(f"""
                SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{
                  {{ VALUES ?s {{ {values} }} ?s ?p ?o }}
                  UNION
                  {{ VALUES ?o {{ {values} }} ?s ?p ?o FILTER(STRSTARTS(STR(?s), CONCAT(STR(?o), "/"))) }}
                  UNION
                  {{ VALUES ?o {{ {with_evidence} }} ?s <http://www.w3.org/ns/oa#hasBody> ?o
                     BIND(<http://www.w3.org/ns/oa#hasBody> AS ?p) }}
                }} FILTER(?g != <{gstore.MANIFEST_GRAPH}> && ?g != <{PKG_ONTOLOGY}>) }}""")
            for s, p, o, g in result.rows:
                out.add(ox.Quad(s, p, o, g))
                for term in (s, o):
                    if not isinstance(term, ox.NamedNode) or term.value in done:
                        continue
                    v = term.value
                    owned = any(v.startswith(n + "/") for n in batch)
                    annotation = p.value == "http://www.w3.org/ns/oa#hasBody" and term is s
                    if owned or annotation:
                        todo.add(v)
            todo -= done
        return out

    def _subgraph_quads(self, *, agency=None, task=None, section=None, doc=None, depth: int = 1) -> list[ox.Quad] | None:
        given = [(k, v) for k, v in (("agency", agency), ("task", task), ("section", section), ("doc", doc))
                 if v is not None]
        if len(given) > 1:
            raise QueryError(f"choose one of --agency, --task, --section, --doc (got {', '.join(k for k, _ in given)})")
        if not given:
            return None
        kind, ref = given[0]
        if kind == "doc":
            return self._quads([self._doc(ref)["graph"]])
        if kind == "agency":
            return self._neighbourhood_quads([self.resolve_agency(ref)["iri"]], depth)
        if kind == "task":
            return self._neighbourhood_quads([self._unit(ref, ("task", "measure")).iri], depth)
        return self._neighbourhood_quads(self._section_nodes(ref), depth)

    def _section_nodes(self, ref: str) -> list[str]:
        """Return a part or section and every unit below it."""
        sec = self._unit(ref, ("part", "section"), "section")
        model = self._model()
        inside = [sec.iri]
        for u in model.units.values():  # descendants: walk each unit's parents up to the section
            p = u.parent
            while p is not None:
                if p == sec.iri:
                    inside.append(u.iri)
                    break
                p = model.units[p].parent if p in model.units else None
        return inside

    def subgraph(self, *, agency=None, task=None, section=None, doc=None, depth: int = 1):
        """Return the selected subgraph as an rdflib Dataset (graph names kept); None selects everything."""
        self.version()
        from rdflib import Dataset, URIRef

        quads = self._subgraph_quads(agency=agency, task=task, section=section, doc=doc, depth=depth)
        if quads is None:
            quads = self._quads(ontology=True)
        ds = Dataset()
        for prefix, ns in PREFIXES.items():
            ds.bind(prefix, ns)
        for q in quads:
            ds.graph(URIRef(q.graph_name.value)).add((_to_rdflib(q.subject), _to_rdflib(q.predicate),
                                                      _to_rdflib(q.object)))
        return ds

    def _network_subgraph(self, *, agency=None, task=None, section=None, doc=None, depth: int = 1):
        from . import network as nw

        G = self.network()
        if agency is not None:
            nodes = [self.resolve_agency(agency)["iri"]]
        elif task is not None:
            nodes = [self._unit(task, ("task", "measure")).iri]
        elif section is not None:
            nodes = self._section_nodes(section)
        elif doc is not None:
            doc_id = self._doc(doc)["id"]
            return G.subgraph([n for n, d in G.nodes(data=True) if doc_id in (d.get("docs") or ())]).copy()
        else:
            return G
        nodes = [n for n in nodes if n in G]
        if not nodes:
            raise NotFound("node", agency or task or section)
        if len(nodes) == 1:
            return nw.subgraph(G, nodes[0], depth)
        keep: set[str] = set()
        for n in nodes:
            keep |= set(nw.subgraph(G, n, depth).nodes)
        return G.subgraph(keep).copy()

    def export(self, fmt: str, *, agency=None, task=None, section=None, doc=None, depth: int = 1) -> bytes:
        """Return the whole dataset, or one agency, task, section or document around it, in a format.

        Formats: see `graph.export.FORMATS` (turtle, trig, nt, nquads, json-ld, xml, graphml,
        gexf, agency-matrix, agency-task-matrix).
        """
        self.version()
        from . import export as ex

        spec = ex.format_spec(fmt)
        if spec.kind == "network":
            H = self._network_subgraph(agency=agency, task=task, section=section, doc=doc, depth=depth)
            return spec.write(H)
        quads = self._subgraph_quads(agency=agency, task=task, section=section, doc=doc, depth=depth)
        if quads is None:
            quads = self._quads(ontology=True)
        return ex.serialize_quads(quads, spec.name)

    # ---- SPARQL

    def sparql(self, query: str, *, update: bool = False, limit: int | None = None,
               timeout: float | None = None, allow_service: bool = False) -> SparqlResult:
        """Run SPARQL: SELECT, ASK, CONSTRUCT or DESCRIBE; an update only with ``update=True``.

        The default graph is the union of every stored graph (manifest left out); the
        project's prefixes (pkg, eli, oa, org, prov, skos, dct, …) need not be declared.
        ``limit`` keeps the first rows; ``timeout`` (seconds) stops a query that runs longer.
        SERVICE and LOAD are refused unless ``allow_service=True`` (`graph.guard.check`), and
        at most N queries run at once in this process (`graph.guard.slot`).
        """
        from . import guard

        guard.check(query, allow_service=allow_service)
        with guard.slot():
            return self._sparql(query, update, limit, timeout)

    def _sparql(self, query: str, update: bool, limit: int | None, timeout: float | None) -> SparqlResult:
        if is_update(query):
            if not update:
                raise refuse_update(query)
            return self._update(with_prefixes(query))
        deadline = time.monotonic() + timeout if timeout else None
        if self.remote:
            return self._remote_sparql(with_prefixes(query), limit, timeout)
        if timeout:
            return _sparql_with_deadline(self.backend.path, query, limit, timeout)
        self.version()
        store = self._reader.store
        graphs = [g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value != gstore.MANIFEST_GRAPH]
        try:
            # Default prefixes rather than PREFIX lines, so error positions match the user's text.
            raw = store.query(query, default_graph=graphs, prefixes=SPARQL_PREFIXES)
            return _collect(raw, limit, deadline, timeout)
        except SyntaxError as exc:
            raise SparqlError(f"malformed SPARQL query: {one_line(exc)}") from None
        except OSError as exc:
            raise StoreError(f"query failed: {one_line(exc)}") from None

    def _remote_sparql(self, text: str, limit, timeout) -> SparqlResult:
        from .remote import RemoteEndpoint

        ep = self.backend
        if timeout:
            ep = RemoteEndpoint(ep.query_url, ep.update_url, ep.gsp_url, timeout=timeout)
        raw = ep.query(text, union=True)
        if isinstance(raw, bool):
            return SparqlResult("ask", boolean=raw)
        if isinstance(raw, gstore.GraphResult):
            triples = raw.triples()
            cut = triples[:limit] if limit is not None else triples
            return SparqlResult("graph", ("subject", "predicate", "object"), tuple(_triple_row(t) for t in cut),
                                triples=tuple(cut), truncated=len(cut) < len(triples))
        records = raw.records()
        cut = records[:limit] if limit is not None else records
        return SparqlResult("select", tuple(raw.variables), tuple(cut), terms=tuple(raw.rows[:len(cut)]),
                            truncated=len(cut) < len(records))

    def _update(self, text: str) -> SparqlResult:
        if self.remote:
            self.backend.update(text)
            self._version = None
            return SparqlResult("update", message=f"updated {self.backend.update_url}")
        self.close()  # let go of the old version; the update writes a new one
        report = self.backend.update(text)
        self.version()
        return SparqlResult("update", message=f"updated -> {report.version}")


def _expandable(iri: str) -> bool:
    """Tell whether a neighbourhood may grow through a resource: data, not vocabulary or plumbing."""
    base = iris.base_iri()
    return (iri.startswith(base) and not iri.startswith(str(PKG_ONTOLOGY))
            and not any(part in iri for part in ("/annotation/", "/attribution/", "/clause/"))
            and not iri.endswith(("/text", "/source", "/extraction", "/graph"))
            and not iri.startswith(f"{base}software/"))


_NOT_LINKS = {
    "http://www.w3.org/ns/oa#hasBody",
    "http://www.w3.org/ns/prov#agent",
    "https://w3id.org/policykg/ontology#sourceAgency",
    "https://w3id.org/policykg/ontology#clause",
}
_HUBS = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
    "http://www.w3.org/ns/oa#hasSource",
    "http://purl.org/linked-data/cube#dataSet",
    "http://purl.org/linked-data/cube#structure",
    "http://www.w3.org/ns/prov#wasGeneratedBy",
    "http://www.w3.org/ns/prov#hadRole",
    "http://data.europa.eu/eli/ontology#type_subdivision",
}


def _sparql_with_deadline(store_path, query: str, limit, timeout: float) -> SparqlResult:
    """Run a read-only query in a child process that is killed when the time limit passes.

    pyoxigraph cannot interrupt a running query, and a thread cannot be stopped: a process can.
    """
    import pickle
    import subprocess

    code = "import sys; from graph.query import _sparql_child; _sparql_child()"
    payload = pickle.dumps((str(store_path), query, limit))
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    try:
        done = subprocess.run([sys.executable, "-c", code], input=payload, capture_output=True, timeout=timeout,
                              env=env)
    except subprocess.TimeoutExpired:
        raise QueryTimeout(f"query ran longer than {timeout:g} s and was stopped; narrow it or raise the limit") from None
    status, value = pickle.loads(done.stdout) if done.stdout else ("error", done.stderr.decode(errors="replace")[-300:])
    if status == "ok":
        return value
    if status == "syntax":
        raise SparqlError(value)
    raise StoreError(f"query failed: {one_line(value)}")


def _sparql_child() -> None:
    """Run one query for _sparql_with_deadline: pickled (store, query, limit) in, pickled result out."""
    import pickle

    store_path, query, limit = pickle.loads(sys.stdin.buffer.read())
    try:
        with GraphStore(store_path).open_readonly() as reader:
            store = reader.store
            graphs = [g for g in store.named_graphs()
                      if isinstance(g, ox.NamedNode) and g.value != gstore.MANIFEST_GRAPH]
            try:
                raw = store.query(query, default_graph=graphs, prefixes=SPARQL_PREFIXES)
                out = ("ok", _collect(raw, limit, None, None))
            except SyntaxError as exc:
                out = ("syntax", f"malformed SPARQL query: {one_line(exc)}")
    except (OSError, gstore.StoreError) as exc:
        out = ("error", str(exc))
    sys.stdout.buffer.write(pickle.dumps(out))


def _collect(raw, limit, deadline, timeout) -> SparqlResult:
    """Read a pyoxigraph result up to `limit` rows, checking the deadline as rows arrive."""

    def check() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise QueryTimeout(f"query ran longer than {timeout} s; narrow it or raise --timeout")

    if isinstance(raw, ox.QueryBoolean):
        check()
        return SparqlResult("ask", boolean=bool(raw))
    if isinstance(raw, ox.QueryTriples):
        triples, truncated = [], False
        for t in raw:
            check()
            if limit is not None and len(triples) >= limit:
                truncated = True
                break
            triples.append(t)
        triples = sorted(set(triples), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
        return SparqlResult("graph", ("subject", "predicate", "object"), tuple(_triple_row(t) for t in triples),
                            triples=tuple(triples), truncated=truncated)
    columns = tuple(v.value for v in raw.variables)
    terms, truncated = [], False
    for solution in raw:
        check()
        if limit is not None and len(terms) >= limit:
            truncated = True
            break
        terms.append(tuple(solution[c] for c in columns))
    rows = tuple({c: _py(t) for c, t in zip(columns, row)} for row in terms)
    return SparqlResult("select", columns, rows, terms=tuple(terms), truncated=truncated)


def _check_roles(roles) -> tuple[str, ...]:
    if roles is None:
        return ROLES
    if isinstance(roles, str):
        roles = [roles]
    roles = tuple(roles)
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise QueryError(f"unknown role '{bad[0]}'; choose from {', '.join(ROLES)}")
    return tuple(r for r in ROLES if r in roles)


def _record_id(node: str, doc_iri: str, doc_id: str) -> str | None:
    """Return a subdivision's or indicator's record id (``plan/t12``) from its IRI under its document."""
    prefix = doc_iri + "/"
    if not node.startswith(prefix):
        return None
    segment, _, local = node[len(prefix):].partition("/")
    if segment not in _KEY_PREFIX or not local or "/" in local:
        return None
    return f"{doc_id}/{_KEY_PREFIX[segment]}{unquote(local)}"
