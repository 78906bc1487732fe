"""Run SPARQL the way both callers want it: canned queries, prefixes, results as plain data.

The project's prefixes need no declaration; a SELECT comes back as rows of str/int values
with the RDF terms beside them, a CONSTRUCT as triples, an ASK as a boolean
(`SparqlResult`). A query with a time limit runs in a child process that is killed when
the limit passes (`run_with_deadline`): pyoxigraph cannot interrupt a running query.

>>> print(bind("SELECT * WHERE { ?s ?p ?name }", {"name": "市版权局"}).splitlines()[-1])
VALUES (?name) { ("市版权局") }
>>> [q["name"] for q in list_queries()][:2]
['agencies-by-role', 'agency-cooperates']
"""

from __future__ import annotations

import difflib
import functools
import importlib.resources
import json
import os
import re
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ontology.prefixes import NAMESPACES

from . import store as gstore
from .errors import NotFound, QueryError, QueryTimeout, SparqlError, StoreError
from .store import GraphStore, one_line
from .terms import to_rdflib  # one home for the conversion; re-exported

__all__ = [
    "PROLOGUE",
    "SPARQL_PREFIXES",
    "CannedQuery",
    "QuadRows",
    "SparqlResult",
    "bind",
    "canned_query",
    "collect",
    "list_queries",
    "py_value",
    "quads_to_graph",
    "run_with_deadline",
    "to_rdflib",
    "with_prefixes",
]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# The project's prefixes, and rdf/rdfs, need no declaration in a query.
SPARQL_PREFIXES = {**NAMESPACES,
                   "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
                   "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}
PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in SPARQL_PREFIXES.items())


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


def py_value(term) -> object:
    if type(term) is ox.NamedNode:  # the common case first: this runs for every cell
        return term.value
    return gstore.plain_value(term)


class QuadRows:
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
                   to_rdflib(o) if isinstance(o, ox.Literal) else o.value, q.graph_name.value)


def quads_to_graph(quads: Iterable[ox.Quad]):
    from rdflib import Graph

    from ontology.namespaces import PREFIXES

    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for q in quads:
        g.add((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
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
        return quads_to_graph(ox.Quad(t.subject, t.predicate, t.object) for t in self.triples)

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


def triple_row(t: ox.Triple) -> dict:
    return {"subject": py_value(t.subject), "predicate": py_value(t.predicate), "object": py_value(t.object)}


def run_with_deadline(store_path, query: str, limit, timeout: float) -> SparqlResult:
    """Run a read-only query in a child process that is killed when the time limit passes.

    pyoxigraph cannot interrupt a running query, and a thread cannot be stopped: a process can.
    """
    import pickle
    import subprocess

    code = "import sys; from graph.sparql import run_child; run_child()"
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


def run_child() -> None:
    """Run one query for run_with_deadline: pickled (store, query, limit) in, pickled result out."""
    import pickle

    store_path, query, limit = pickle.loads(sys.stdin.buffer.read())
    try:
        with GraphStore(store_path).open_readonly() as reader:
            store = reader.store
            graphs = [g for g in store.named_graphs()
                      if isinstance(g, ox.NamedNode) and g.value != gstore.MANIFEST_GRAPH]
            try:
                raw = store.query(query, default_graph=graphs, prefixes=SPARQL_PREFIXES)
                out = ("ok", collect(raw, limit, None, None))
            except SyntaxError as exc:
                out = ("syntax", f"malformed SPARQL query: {one_line(exc)}")
    except (OSError, gstore.StoreError) as exc:
        out = ("error", str(exc))
    sys.stdout.buffer.write(pickle.dumps(out))


def collect(raw, limit, deadline, timeout) -> SparqlResult:
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
        return SparqlResult("graph", ("subject", "predicate", "object"), tuple(triple_row(t) for t in triples),
                            triples=tuple(triples), truncated=truncated)
    columns = tuple(v.value for v in raw.variables)
    terms, truncated = [], False
    for solution in raw:
        check()
        if limit is not None and len(terms) >= limit:
            truncated = True
            break
        terms.append(tuple(solution[c] for c in columns))
    rows = tuple({c: py_value(t) for c, t in zip(columns, row)} for row in terms)
    return SparqlResult("select", columns, rows, terms=tuple(terms), truncated=truncated)
