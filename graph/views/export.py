"""The Export view and its CLI twin (`policykg export`): the dataset, or a neighbourhood of it, in any format."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable

import pyoxigraph as ox

from ontology import iris
from ontology.prefixes import PKG_ONTOLOGY_IRI

from .. import store as gstore
from ..errors import NotFound, QueryError, UnknownAgency
from ..model import KINDS, find_doc, find_unit
from ..sparql import quads_to_graph, to_rdflib


def node(kg, ref: str) -> str:
    """Return the IRI a reference means: an IRI, a record id or key, a document id, or an agency name."""
    kg.version()
    model = kg.model()
    ref = ref.strip()
    if ref in model.units or ref in model.agencies:
        return ref
    if ref in model.docs:
        return model.docs[ref]["iri"]
    if ref.startswith(("http://", "https://", "urn:")):
        return ref
    try:
        return find_unit(kg.model(), ref, KINDS, "node").iri
    except NotFound:
        pass
    try:
        return kg.resolve_agency(ref)["iri"]
    except UnknownAgency as exc:
        units = [u.rid for u in model.units.values()]
        raise NotFound("node", ref, exc.suggestions or difflib.get_close_matches(ref, units, n=3)) from None


def neighbourhood(kg, node: str, depth: int = 1):
    """Return the triples around a node (IRI, task id or agency name) as an rdflib Graph.

    Depth 0 is the node's own description: its triples, the resources it owns
    (attributions, clauses, observations) and its evidence annotations. Each further
    hop adds the description of every resource linked to what is already in.
    """
    kg.version()
    return quads_to_graph(_neighbourhood_quads(kg, [kg.node(node)], depth))


def _neighbourhood_quads(kg, nodes: Iterable[str], depth: int) -> list[ox.Quad]:
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
        new = _describe(kg, core - described, evidence)
        described |= core
        quads |= new
        if hop == depth:
            break
        nxt = {t.value for q in new if q.predicate.value not in _HUBS for t in (q.subject, q.object)
               if isinstance(t, ox.NamedNode) and _expandable(t.value)}
        nxt |= _linking(kg, core)
        core = nxt - described
        if not core:
            break
    return sorted(quads, key=lambda q: (q.graph_name.value, str(q.subject), str(q.predicate), str(q.object)))


def _linking(kg, nodes: set[str]) -> set[str]:
    """Return the resources that point at `nodes` (units of an agency, children of a section)."""
    if not nodes:
        return set()
    values = " ".join(f"<{n}>" for n in sorted(nodes))
    skip = " ".join(f"<{p}>" for p in sorted(_HUBS | _NOT_LINKS))
    rows = kg.select(f"""
        SELECT DISTINCT ?s WHERE {{ GRAPH ?g {{ VALUES ?o {{ {values} }} ?s ?p ?o FILTER(?p NOT IN ({skip.replace('> <', '>, <')})) }}
          FILTER(?g != <{gstore.MANIFEST_GRAPH}> && ?g != <{PKG_ONTOLOGY_IRI}>) }}""")
    return {r["s"] for r in rows if isinstance(r["s"], str) and _expandable(r["s"])}


def _describe(kg, nodes: set[str], evidence: Callable[[str], bool] = lambda n: True) -> set[ox.Quad]:
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
        result = kg.query(f"""
            SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{
              {{ VALUES ?s {{ {values} }} ?s ?p ?o }}
              UNION
              {{ VALUES ?o {{ {values} }} ?s ?p ?o FILTER(STRSTARTS(STR(?s), CONCAT(STR(?o), "/"))) }}
              UNION
              {{ VALUES ?o {{ {with_evidence} }} ?s <http://www.w3.org/ns/oa#hasBody> ?o
                 BIND(<http://www.w3.org/ns/oa#hasBody> AS ?p) }}
            }} FILTER(?g != <{gstore.MANIFEST_GRAPH}> && ?g != <{PKG_ONTOLOGY_IRI}>) }}""")
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


def _subgraph_quads(kg, *, agency=None, task=None, section=None, doc=None, depth: int = 1) -> list[ox.Quad] | None:
    given = [(k, v) for k, v in (("agency", agency), ("task", task), ("section", section), ("doc", doc))
             if v is not None]
    if len(given) > 1:
        raise QueryError(f"choose one of --agency, --task, --section, --doc (got {', '.join(k for k, _ in given)})")
    if not given:
        return None
    kind, ref = given[0]
    if kind == "doc":
        return kg.quads([find_doc(kg.model(), ref)["graph"]])
    if kind == "agency":
        return _neighbourhood_quads(kg, [kg.resolve_agency(ref)["iri"]], depth)
    if kind == "task":
        return _neighbourhood_quads(kg, [find_unit(kg.model(), ref, ("task", "measure")).iri], depth)
    return _neighbourhood_quads(kg, _section_nodes(kg, ref), depth)


def _section_nodes(kg, ref: str) -> list[str]:
    """Return a part or section and every unit below it."""
    sec = find_unit(kg.model(), ref, ("part", "section"), "section")
    model = kg.model()
    inside = [sec.iri]
    for u in model.units.values():  # descendants: walk each unit's parents up to the section
        p = u.parent
        while p is not None:
            if p == sec.iri:
                inside.append(u.iri)
                break
            p = model.units[p].parent if p in model.units else None
    return inside


def subgraph(kg, *, agency=None, task=None, section=None, doc=None, depth: int = 1):
    """Return the selected subgraph as an rdflib Dataset (graph names kept); None selects everything."""
    kg.version()
    from rdflib import Dataset, URIRef

    from ontology.namespaces import PREFIXES

    quads = _subgraph_quads(kg, agency=agency, task=task, section=section, doc=doc, depth=depth)
    if quads is None:
        quads = kg.quads(ontology=True)
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    for q in quads:
        ds.graph(URIRef(q.graph_name.value)).add((to_rdflib(q.subject), to_rdflib(q.predicate),
                                                  to_rdflib(q.object)))
    return ds


def _network_subgraph(kg, *, agency=None, task=None, section=None, doc=None, depth: int = 1):
    from .. import network as nw

    G = kg.network()
    if agency is not None:
        nodes = [kg.resolve_agency(agency)["iri"]]
    elif task is not None:
        nodes = [find_unit(kg.model(), task, ("task", "measure")).iri]
    elif section is not None:
        nodes = _section_nodes(kg, section)
    elif doc is not None:
        doc_id = find_doc(kg.model(), doc)["id"]
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


def export(kg, fmt: str, *, agency=None, task=None, section=None, doc=None, depth: int = 1) -> bytes:
    """Return the whole dataset, or one agency, task, section or document around it, in a format.

    Formats: see `graph.export.FORMATS` (turtle, trig, nt, nquads, json-ld, xml, graphml,
    gexf, agency-matrix, agency-task-matrix).
    """
    kg.version()
    from .. import export as ex

    spec = ex.format_spec(fmt)
    if spec.kind == "network":
        H = _network_subgraph(kg, agency=agency, task=task, section=section, doc=doc, depth=depth)
        return spec.write(H)
    quads = _subgraph_quads(kg, agency=agency, task=task, section=section, doc=doc, depth=depth)
    if quads is None:
        quads = kg.quads(ontology=True)
    return ex.serialize_quads(quads, spec.name)


def _expandable(iri: str) -> bool:
    """Tell whether a neighbourhood may grow through a resource: data, not vocabulary or plumbing."""
    base = iris.base_iri()
    return (iri.startswith(base) and not iri.startswith(PKG_ONTOLOGY_IRI)
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


SCOPES = {"all": "全部 everything", "doc": "文件 document", "section": "章节 section", "task": "任务 task",
          "agency": "单位 agency"}


def scope_choices(kg, scope: str) -> dict[str, str]:
    """Return what an export of `scope` can be about: reference → label, in document order.

    The references are what `export` takes (``doc=``, ``section=``, ``task=``, ``agency=``)
    and what ``policykg export --doc/--section/--task/--agency`` takes on the command line.
    """
    from .agency import agency_counts
    from .outline import documents, outline, unit_label

    if scope == "all":
        return {}
    if scope == "doc":
        return {d["id"]: d["title"] for d in documents(kg)}
    if scope == "agency":
        return {r["agency"]: r["agency"] for r in agency_counts(kg)}
    kinds = {"section": ("part", "section"), "task": ("task", "measure")}.get(scope)
    if kinds is None:
        raise QueryError(f"unknown export scope '{scope}'; choose from {', '.join(SCOPES)}")
    return {r["id"]: unit_label(r) for r in outline(kg) if r["kind"] in kinds}


def export_name(scope: str, ref: str | None, extension: str) -> str:
    """Return the file name an export is saved under: policykg.ttl, policykg-task-t3.ttl, ….

    >>> export_name("task", "gz/t3", "ttl"), export_name("all", None, "nq")
    ('policykg-task-t3.ttl', 'policykg.nq')
    """
    from ..viz import file_stem

    stem = "policykg" if scope == "all" or ref is None else f"policykg-{scope}-{file_stem(str(ref).rsplit('/', 1)[-1])}"
    return f"{stem}.{extension}"


def formats() -> dict:
    """Return every format an export can be written in: name → `graph.formats.Format` (the one registry)."""
    from ..formats import FORMATS

    return dict(FORMATS)
