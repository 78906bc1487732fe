"""Write the graph out: RDF formats and network formats by name in one registry, and tables.

>>> [f.name for f in FORMATS.values()]
['turtle', 'trig', 'nt', 'nquads', 'json-ld', 'xml', 'graphml', 'gexf', 'agency-matrix', 'agency-task-matrix']
>>> format_spec("ttl")
Traceback (most recent call last):
...
graph.errors.ExportError: unknown format 'ttl'; choose one of turtle, trig, nt, nquads, json-ld, xml, graphml, gexf, agency-matrix, agency-task-matrix
>>> bureau_table([])[0][:3]
['文件', '部分', '章节']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from extract.files import write_output  # noqa: F401 - re-exported: the CLI writes through export
from extract.serialize import ROLE_ZH
from extract.tables import to_csv, to_text as table_text, to_xlsx  # noqa: F401 - re-exported

from .errors import ExportError

__all__ = [
    "BUREAU_HEADER",
    "ExportError",
    "FORMATS",
    "Format",
    "bureau_table",
    "format_spec",
    "jsonld_context",
    "serialize_quads",
    "table_text",
    "to_csv",
    "to_xlsx",
    "write_output",
]


@dataclass(frozen=True, slots=True)
class Format:
    """One output format: its name, whether it writes RDF or the network view, its file type."""

    name: str
    kind: str  # "rdf" | "network"
    media_type: str
    extension: str
    description: str
    write: Callable | None = None  # network formats: networkx graph -> bytes

    @property
    def dataset(self) -> bool:
        """Tell whether the format keeps named graphs (trig, nquads, json-ld)."""
        return self.name in ("trig", "nquads", "json-ld")


def _network(name: str) -> Callable:
    def write(G) -> bytes:
        from . import network as nw

        if name == "graphml":
            return nw.to_graphml(G)
        if name == "gexf":
            return nw.to_gexf(G)
        if name == "agency-matrix":
            return nw.agency_matrix_csv(nw.collaboration(G)).encode("utf-8")
        return nw.agency_task_matrix_csv(G).encode("utf-8")

    return write


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("turtle", "rdf", "text/turtle", "ttl", "Turtle: the triples, graph names dropped"),
    Format("trig", "rdf", "application/trig", "trig", "TriG: one block per named graph"),
    Format("nt", "rdf", "application/n-triples", "nt", "N-Triples, sorted"),
    Format("nquads", "rdf", "application/n-quads", "nq", "N-Quads with graph names, sorted"),
    Format("json-ld", "rdf", "application/ld+json", "jsonld", "JSON-LD, compacted with the project's prefixes"),
    Format("xml", "rdf", "application/rdf+xml", "rdf", "RDF/XML: the triples, graph names dropped"),
    Format("graphml", "network", "application/graphml+xml", "graphml", "the networkx view as GraphML",
           _network("graphml")),
    Format("gexf", "network", "application/gexf+xml", "gexf", "the networkx view as GEXF (Gephi)", _network("gexf")),
    Format("agency-matrix", "network", "text/csv", "csv", "agency × agency: tasks shared", _network("agency-matrix")),
    Format("agency-task-matrix", "network", "text/csv", "csv", "agency × task: roles",
           _network("agency-task-matrix")),
)}


def format_spec(name: str) -> Format:
    """Return the format called `name`, or raise ExportError listing the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        raise ExportError(f"unknown format '{name}'; choose one of {', '.join(FORMATS)}") from None


def jsonld_context() -> dict[str, str]:
    """Return the JSON-LD context: one term per project prefix."""
    from ontology.namespaces import PREFIXES

    return {prefix: str(ns) for prefix, ns in PREFIXES.items()}


def serialize_quads(quads: Iterable, fmt: str) -> bytes:
    """Serialize pyoxigraph quads in an RDF format, statements sorted so equal input gives equal bytes.

    Dataset formats keep graph names; turtle, nt and xml get the triples (each once).
    """
    import pyoxigraph as ox

    spec = format_spec(fmt)
    if spec.kind != "rdf":
        raise ExportError(f"format '{fmt}' writes the network view, not RDF")
    quads = list(quads)
    if spec.name == "json-ld":
        return _jsonld(quads)
    from ontology.namespaces import PREFIXES

    ox_format = {"turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG, "nt": ox.RdfFormat.N_TRIPLES,
                 "nquads": ox.RdfFormat.N_QUADS, "xml": ox.RdfFormat.RDF_XML}[spec.name]
    if spec.dataset:
        items: list = sorted(set(quads), key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate),
                                                        str(q.object)))
    else:
        items = sorted({q.triple for q in quads}, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()} if spec.name in ("turtle", "trig", "xml") else {}
    return ox.serialize(items, format=ox_format, prefixes=prefixes)


def _jsonld(quads: list) -> bytes:
    import pyoxigraph as ox
    from rdflib import Dataset, Graph, URIRef

    from .query import _to_rdflib

    named = any(isinstance(q.graph_name, ox.NamedNode) for q in quads)
    target = Dataset() if named else Graph()
    for q in quads:
        g = target.graph(URIRef(q.graph_name.value)) if named and isinstance(q.graph_name, ox.NamedNode) else \
            (target.default_graph if named else target)
        g.add((_to_rdflib(q.subject), _to_rdflib(q.predicate), _to_rdflib(q.object)))
    text = target.serialize(format="json-ld", context=jsonld_context(), auto_compact=True, sort_keys=True,
                            ensure_ascii=False)
    return text.encode("utf-8")


# --------------------------------------------------------------------------- tables

BUREAU_HEADER = ["文件", "部分", "章节", "编号", "任务", "职责", "原文写法", "其他单位", "责任条款", "任务编号"]


def bureau_table(rows: Sequence[Mapping]) -> list[list[str]]:
    """Return a bureau's 分工表 from `KG.agency_tasks` rows: a header, then one line per unit and role."""
    out = [list(BUREAU_HEADER)]
    for r in rows:
        number = r.get("number") or ""
        if r.get("kind") == "measure":
            number = f"（{number}）"
        partners = "；".join(f"{p['agency']}（{ROLE_ZH.get(p['role'], p['role'])}）" for p in r.get("partners") or ())
        out.append([str(r.get("doc") or ""), str(r.get("part_title") or ""), str(r.get("section_title") or ""),
                    str(number), str(r.get("title") or ""), ROLE_ZH.get(r.get("role"), str(r.get("role") or "")),
                    str(r.get("name_as_written") or ""), partners, str(r.get("clause") or ""), str(r.get("task") or "")])
    return out
