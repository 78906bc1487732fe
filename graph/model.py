"""Hold what one version of the graph stores, read once: documents, outline, agencies, evidence.

Every extent comes from the store (``pkg:extent`` on parts, sections, units and boxes; the
extractor wrote them): nothing here re-derives where a unit ends. `load` reads a model with
a `select` function (one of our SELECTs in, rows of plain values out); the lookups below are
pure functions of it.

>>> m = Model(docs={}, units={}, by_rid={}, agencies={}, keys={}, evidence={"urn:x": [(3, 5, "urn:g")]})
>>> span(m, "urn:x", "urn:g"), span(m, "urn:x", "urn:other")
([3, 5], [None, None])
>>> natural("t10") > natural("t9")
True
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from extract.gazetteer import Resolver
from ontology import iris
from ontology.namespaces import PKG_ONTOLOGY

from .errors import NotFound

__all__ = ["KINDS", "Model", "Unit", "find_doc", "find_unit", "fold", "load", "natural", "record_id", "span",
           "unit_place"]

KINDS = ("part", "section", "task", "measure", "box")
_KEY_PREFIX = {"part": "p", "section": "s", "task": "t", "measure": "m", "box": "box", "indicator": "ind"}
_TYPE_KIND = {f"{PKG_ONTOLOGY}#{k}Type": k for k in KINDS}

Select = Callable[[str], list[dict]]


@dataclass(frozen=True, slots=True)
class Unit:
    """One part, section, task, measure or box: its ids, heading and stored extent."""

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


@dataclass(frozen=True)
class Model:
    """What one store version holds. `texts` fills as document texts are first read."""

    docs: dict[str, dict]  # doc id -> {id, iri, graph, title, jurisdiction, year, issuer, issuer_iri, text_iri}
    units: dict[str, Unit]  # IRI -> unit, in document order
    by_rid: dict[str, Unit]
    agencies: dict[str, dict]  # IRI -> {iri, name, labels}
    keys: dict[str, set[str]]  # folded label -> IRIs
    evidence: dict[str, list[tuple[int, int, str]]]  # body IRI -> sorted (start, end, graph)
    texts: dict[str, str] = field(default_factory=dict)


def fold(name: str) -> str:
    """Return the key two spellings of one agency name share."""
    return "".join(Resolver.key(name).split())


def natural(key: str) -> tuple:
    """Return a sort key that puts t9 before t10."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", key))


def record_id(node: str, doc_iri: str, doc_id: str) -> str | None:
    """Return a subdivision's or indicator's record id (``plan/t12``) from its IRI under its document."""
    prefix = doc_iri + "/"
    if not node.startswith(prefix):
        return None
    segment, _, local = node[len(prefix):].partition("/")
    if segment not in _KEY_PREFIX or not local or "/" in local:
        return None
    return f"{doc_id}/{_KEY_PREFIX[segment]}{unquote(local)}"


def load(select: Select) -> Model:
    """Read the model of one version through `select`."""
    docs: dict[str, dict] = {}
    graph_doc: dict[str, str] = {}
    for r in select("""
        SELECT ?g ?doc ?id ?text ?title ?place ?placeLabel ?start ?date ?creator WHERE { GRAPH ?g {
          ?doc a eli:LegalResource ; eli:is_realized_by ?text ; dct:identifier ?id .
          OPTIONAL { ?doc eli:title ?title }
          OPTIONAL { ?doc dct:temporal ?period . ?period dcat:startDate ?start }
          OPTIONAL { ?doc eli:date_document ?date }
          OPTIONAL { ?doc dct:creator ?creator }
          OPTIONAL { ?doc dct:spatial ?place . OPTIONAL { ?place skos:prefLabel ?placeLabel } } } }
        ORDER BY ?id"""):
        year = r["start"] or (str(r["date"])[:4] if r["date"] else None)
        d = docs.setdefault(r["id"], {"id": r["id"], "iri": r["doc"], "graph": r["g"], "text_iri": r["text"],
                                      "title": r["title"] or r["id"], "jurisdiction": r["placeLabel"] or "",
                                      "year": int(str(year)[:4]) if year and str(year)[:4].isdigit() else None,
                                      "issuer_iri": r["creator"]})
        graph_doc[r["g"]] = d["id"]
    # Every evidence span at once: joining selectors per row is what makes queries slow.
    evidence: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for r in select("""
        SELECT ?g ?body ?start ?end WHERE { GRAPH ?g {
          ?sel oa:start ?start ; oa:end ?end . ?t oa:hasSelector ?sel . ?a oa:hasTarget ?t ; oa:hasBody ?body } }"""):
        evidence[r["body"]].append((r["start"], r["end"], r["g"]))
    for spans in evidence.values():
        spans.sort()
    stored = {(r["g"], r["s"]): (r["start"], r["end"]) for r in select("""
        SELECT ?g ?s ?start ?end WHERE { GRAPH ?g {
          ?s pkg:extent ?e . ?e oa:hasSelector ?sel . ?sel oa:start ?start ; oa:end ?end } }""")}
    rows = []
    seen: set[str] = set()
    for r in select("""
        SELECT ?g ?s ?type ?number ?title ?parent WHERE { GRAPH ?g {
          ?s eli:type_subdivision ?type ; eli:number ?number .
          OPTIONAL { ?s eli:is_part_of ?parent }
          OPTIONAL { ?s eli:title ?title } } }"""):
        doc_id = graph_doc.get(r["g"])
        kind = _TYPE_KIND.get(r["type"])
        if doc_id is None or kind is None or r["s"] in seen:
            continue
        doc = docs[doc_id]
        rid = record_id(r["s"], doc["iri"], doc_id)
        if rid is None:
            continue
        seen.add(r["s"])
        parent = r["parent"] if r["parent"] != doc["iri"] else None
        head = next(((a, b) for a, b, g in evidence.get(r["s"], ()) if g == r["g"]), (-1, -1))
        rows.append((r["s"], rid, doc_id, kind, str(r["number"]), r["title"] or "", parent, r["g"], head,
                     stored.get((r["g"], r["s"]), head)))
    rank = {k: i for i, k in enumerate(KINDS)}
    rows.sort(key=lambda x: (x[2], x[9][0], rank[x[3]], x[8][0], natural(x[1])))
    units = {x[0]: Unit(*x[:8], start=x[8][0], end=x[8][1], extent=tuple(x[9]), order=i) for i, x in enumerate(rows)}
    agencies: dict[str, dict] = {}
    gazetteer = str(iris.gazetteer_graph_iri())
    for r in select("""
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
            keys[fold(label)].add(a["iri"])
    for d in docs.values():  # the issuer by its agency name, as every other agency is shown
        d["issuer"] = agencies[d["issuer_iri"]]["name"] if d["issuer_iri"] in agencies else ""
    return Model(docs, units, {u.rid: u for u in units.values()}, agencies, dict(keys), dict(evidence))


# --------------------------------------------------------------------------- lookups


def span(model: Model, body: str, graph: str) -> list[int | None]:
    """Return the first evidence span of `body` in `graph` as [start, end] ([None, None] if none)."""
    for a, b, g in model.evidence.get(body, ()):
        if g == graph:
            return [a, b]
    return [None, None]


def find_doc(model: Model, doc_id: str) -> dict:
    """Return a document by id or IRI; NotFound with the closest ids."""
    if doc_id in model.docs:
        return model.docs[doc_id]
    by_iri = {d["iri"]: d for d in model.docs.values()}
    if doc_id in by_iri:
        return by_iri[doc_id]
    raise NotFound("document", doc_id, difflib.get_close_matches(doc_id, list(model.docs), n=3, cutoff=0.3))


def find_unit(model: Model, ref: str, kinds: Sequence[str] = KINDS, what: str = "task") -> Unit:
    """Find a unit by record id, IRI, key (``t12``, ``m9.1``) or bare task number."""
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


def unit_place(model: Model, u: Unit) -> dict:
    """Return the part and section a unit sits in: record ids and titles."""
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
