"""The one registry of output formats: name, aliases, media type, file extension and writer.

The CLI, the app, the store and the remote endpoint look formats up here; tests iterate over
`FORMATS` (every RDF format round-trips to an isomorphic graph). To add a format, add one
`Format` row below.

>>> [f.name for f in FORMATS.values()]
['turtle', 'trig', 'nt', 'nquads', 'json-ld', 'xml', 'graphml', 'gexf', 'agency-matrix', 'agency-task-matrix']
>>> lookup("ttl").name, lookup("JSONLD").name, lookup("application/n-quads").name
('turtle', 'json-ld', 'nquads')
>>> lookup("n3")
Traceback (most recent call last):
...
graph.errors.ExportError: unknown format 'n3'; choose one of turtle, trig, nt, nquads, json-ld, xml, graphml, gexf, agency-matrix, agency-task-matrix
>>> [f.name for f in rdf_formats() if f.dataset]
['trig', 'nquads', 'json-ld']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .errors import ExportError

__all__ = [
    "FORMATS",
    "Format",
    "GRAPH_MEDIA_TYPES",
    "RDF_FORMATS",
    "jsonld_context",
    "lookup",
    "rdf_formats",
    "serialize_quads",
]


@dataclass(frozen=True, slots=True)
class Format:
    """One output format: what it is called, what it writes, how a file or a response of it is typed."""

    name: str
    kind: str  # "rdf": the quads; "network": the networkx view
    media_type: str
    extension: str
    description: str
    aliases: tuple[str, ...] = ()
    dataset: bool = False  # keeps named graphs (trig, nquads, json-ld)
    oxigraph: str | None = None  # the pyoxigraph.RdfFormat member that reads and writes it
    other_media_types: tuple[str, ...] = ()  # further media types a server may answer with
    write: Callable | None = None  # network formats: networkx graph -> bytes

    @property
    def names(self) -> tuple[str, ...]:
        """Return the name, the aliases and the file extension: every way to ask for the format."""
        return tuple(dict.fromkeys((self.name, *self.aliases, self.extension)))

    def ox_format(self):
        """Return the pyoxigraph.RdfFormat of an RDF format (imported only when asked)."""
        import pyoxigraph as ox

        if self.oxigraph is None:
            raise ExportError(f"format '{self.name}' writes the network view, not RDF")
        return getattr(ox.RdfFormat, self.oxigraph)


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
    Format("turtle", "rdf", "text/turtle", "ttl", "Turtle: the triples, graph names dropped", ("ttl",),
           oxigraph="TURTLE"),
    Format("trig", "rdf", "application/trig", "trig", "TriG: one block per named graph", dataset=True,
           oxigraph="TRIG"),
    Format("nt", "rdf", "application/n-triples", "nt", "N-Triples, sorted", ("ntriples", "n-triples"),
           oxigraph="N_TRIPLES", other_media_types=("text/plain",)),
    Format("nquads", "rdf", "application/n-quads", "nq", "N-Quads with graph names, sorted", ("nq", "n-quads"),
           dataset=True, oxigraph="N_QUADS"),
    Format("json-ld", "rdf", "application/ld+json", "jsonld", "JSON-LD, compacted with the project's prefixes",
           ("jsonld",), dataset=True, oxigraph="JSON_LD"),
    Format("xml", "rdf", "application/rdf+xml", "rdf", "RDF/XML: the triples, graph names dropped",
           ("rdfxml", "rdf-xml", "rdf/xml"), oxigraph="RDF_XML"),
    Format("graphml", "network", "application/graphml+xml", "graphml", "the networkx view as GraphML",
           write=_network("graphml")),
    Format("gexf", "network", "application/gexf+xml", "gexf", "the networkx view as GEXF (Gephi)",
           write=_network("gexf")),
    Format("agency-matrix", "network", "text/csv", "csv", "agency × agency: tasks shared",
           write=_network("agency-matrix")),
    Format("agency-task-matrix", "network", "text/csv", "csv", "agency × task: roles",
           write=_network("agency-task-matrix")),
)}

# Every name, alias, extension and RDF media type, folded to lower case, and the format it means.
# A name of one format wins over the extension of another (agency-matrix's "csv" means nothing alone).
_BY_NAME: dict[str, Format] = {}
for _f in FORMATS.values():
    for _n in (*_f.names, *((_f.media_type, *_f.other_media_types) if _f.kind == "rdf" else ())):
        _BY_NAME.setdefault(_n.lower(), _f)
_BY_NAME.pop("csv", None)
del _f, _n

# The media types a SPARQL endpoint may answer a CONSTRUCT with, and the format each one is.
GRAPH_MEDIA_TYPES: dict[str, str] = {mt: f.name for f in FORMATS.values() if f.kind == "rdf"
                                     for mt in (f.media_type, *f.other_media_types)}


def lookup(name: str, kind: str | None = None) -> Format:
    """Return the format a name, alias, extension or media type means; raise ExportError naming the choices.

    With `kind` ("rdf" or "network") only formats of that kind are found.
    """
    f = _BY_NAME.get(str(name).strip().lower())
    if f is None or (kind is not None and f.kind != kind):
        choices = [n for n, g in FORMATS.items() if kind is None or g.kind == kind]
        raise ExportError(f"unknown format '{name}'; choose one of {', '.join(choices)}")
    return f


def rdf_formats() -> list[Format]:
    """Return the RDF formats in registry order."""
    return [f for f in FORMATS.values() if f.kind == "rdf"]


def __getattr__(name: str):
    # RDF_FORMATS needs pyoxigraph; building it on first use keeps `import graph.formats` light.
    if name == "RDF_FORMATS":
        import pyoxigraph as ox

        table = {n: getattr(ox.RdfFormat, f.oxigraph) for f in rdf_formats() for n in f.names}
        globals()["RDF_FORMATS"] = table
        return table
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def jsonld_context() -> dict[str, str]:
    """Return the JSON-LD context: one term per project prefix."""
    from ontology.namespaces import PREFIXES

    return {prefix: str(ns) for prefix, ns in PREFIXES.items()}


def serialize_quads(quads: Iterable, fmt: str) -> bytes:
    """Serialize pyoxigraph quads in an RDF format, statements sorted so equal input gives equal bytes.

    Dataset formats keep graph names; turtle, nt and xml get the triples (each once).
    """
    import pyoxigraph as ox

    spec = lookup(fmt)
    ox_format = spec.ox_format()
    quads = list(quads)
    if spec.name == "json-ld":
        return _jsonld(quads)
    from ontology.namespaces import PREFIXES

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

    from .terms import quad_to_rdflib

    named = any(isinstance(q.graph_name, ox.NamedNode) for q in quads)
    target = Dataset() if named else Graph()
    for q in sorted(quads, key=str):  # rdflib writes lists in insertion order: sort for equal bytes
        g = target.graph(URIRef(q.graph_name.value)) if named and isinstance(q.graph_name, ox.NamedNode) else \
            (target.default_graph if named else target)
        g.add(quad_to_rdflib(q))
    text = target.serialize(format="json-ld", context=jsonld_context(), auto_compact=True, sort_keys=True,
                            ensure_ascii=False)
    return text.encode("utf-8")
