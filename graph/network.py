"""Project the RDF graph onto networkx views: tasks, agencies by role, and what links them.

The RDF dataset is the source of truth; every view here is derived from it by `project`
and never edited by hand. Node keys are IRIs as strings, so views of the same data are
equal and views of many documents merge on shared agencies, places and cited works.

Views:

- `project(g)`: a ``MultiDiGraph`` of documents, parts, sections, tasks, measures, boxes,
  agencies, places, cited documents (references) and indicators, with typed edges;
- `task_connections` / `connected_tasks`: tasks linked by what they share, with reasons;
- `collaboration` / `metrics`: agencies linked by the tasks they are assigned together;
- `bipartite`, `subgraph`, `layout`: what the app's network view draws;
- `to_graphml`, `to_gexf`, `agency_matrix_csv`, `agency_task_matrix_csv`: exports.

No function changes a graph handed to it.
"""

from __future__ import annotations

import io
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations
from urllib.parse import unquote

import networkx as nx
from rdflib import Literal

from extract.tables import to_csv as _csv  # the one writer of cells: formula guard included
from ontology import iris
from ontology.namespaces import DCTERMS, ELI, OA, ORG, PKG, PROV, QB, RDF, SKOS
from ontology.terms import ROLE_COLORS, ROLE_SHORTCUT, ROLES  # noqa: F401 - ROLE_COLORS, ROLES re-exported
NODE_KINDS = ("document", "part", "section", "task", "measure", "box", "agency", "place", "reference", "indicator")
EDGE_TYPES = (*ROLES, "part_of", "box_of", "cites", "mentions_place", "located_in", "jurisdiction",
              "mentions_agency", "drafted_by", "source")
UNIT_KINDS = ("task", "measure")
# Kinds of reason two tasks can share, in the order reasons are listed.
CONNECTION_KINDS = (*ROLES, "reference", "place", "keywords", "section")

_SUBDIVISION_KINDS = {str(PKG.partType): "part", str(PKG.sectionType): "section", str(PKG.taskType): "task",
                      str(PKG.measureType): "measure", str(PKG.boxType): "box"}
# IRI path segment of a record → its record-id key prefix (the inverse of ontology.iris.KEY_SEGMENTS).
_KEY_PREFIX = {"part": "p", "section": "s", "task": "t", "measure": "m", "box": "box", "indicator": "ind"}
_ROLE_OF = {str(PKG[r]): r for r in ROLES}
_SHORTCUT_ROLE = {PKG[name]: role for role, name in ROLE_SHORTCUT.items()}
_OWNED = {"document", "part", "section", "task", "measure", "box", "indicator"}


# Reading the triples


class _Index:
    """Every triple of a graph (or every quad of a dataset) indexed by subject and predicate.

    IRIs become plain strings (hashing and comparing rdflib terms is slow); literals stay
    Literals so that their language and datatype remain readable.
    """

    def __init__(self, g) -> None:
        self.out: dict[tuple[str, str], list] = defaultdict(list)
        self.by_pred: dict[str, list[tuple]] = defaultdict(list)
        # A Dataset yields quads over all its named graphs; a Graph yields triples.
        rows = g.quads((None, None, None, None)) if hasattr(g, "quads") else g.triples((None, None, None))
        seen = set()
        for row in rows:
            s, p, o = str(row[0]), str(row[1]), row[2]
            o = o if isinstance(o, Literal) else str(o)
            if (s, p, o) in seen:
                continue
            seen.add((s, p, o))
            self.out[(s, p)].append(o)
            self.by_pred[p].append((s, o))

    def pred(self, p) -> list[tuple]:
        return self.by_pred.get(str(p), [])

    def objects(self, s, p) -> list:
        return self.out.get((s, str(p)), [])

    def one(self, s, p):
        objs = self.objects(s, p)
        return min(objs, key=str) if objs else None

    def text(self, s, p) -> str | None:
        """Return one literal of `s`: a Chinese one first, then one without language, then any."""
        lits = [o for o in self.objects(s, p) if isinstance(o, Literal)]
        if not lits:
            return None
        rank = {"zh": 0, None: 1}
        return str(min(lits, key=lambda lit: (rank.get(lit.language, 2), str(lit))))

    def texts(self, s, p) -> list[str]:
        return sorted({str(o) for o in self.objects(s, p) if isinstance(o, Literal)})


def _local(iri) -> str:
    s = str(iri)
    return s.rsplit("#", 1)[-1] if "#" in s else s.rsplit("/", 1)[-1]


def _int(value) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _natural(key: str) -> tuple:
    """Sort key that puts task/10 after task/9."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", key))


# project


def project(g) -> nx.MultiDiGraph:
    """Return the networkx view of an rdflib Graph or Dataset (all its named graphs).

    Nodes are keyed by IRI and carry ``kind``, ``label``, ``number``, ``doc`` (the owning
    document's id, None for agencies, places and references) and ``docs``; edges carry
    ``type``. Agencies gain ``level`` and ``agency_kind`` when gazetteer triples are present.
    """
    p = _Projection.read(g)
    _add_structure(p)
    _add_roles(p)
    _add_indicators(p)
    _add_places_and_references(p)
    _add_entities(p)
    return p.to_networkx()


@dataclass
class _Projection:
    """The indexed triples, what has been recognised in them, and the nodes and edges so far."""

    ix: _Index
    types: dict[str, set]
    doc_ids: dict[str, str]  # document IRI → document id
    text_doc: dict[str, str]  # expression (text) IRI → document IRI
    parent_of: dict[str, str]
    subdivisions: dict[str, str]  # IRI → part | section | task | measure | box
    evidence: dict[str, list]
    nodes: dict[str, dict] = field(default_factory=dict)
    edges: list[tuple[str, str, str, dict]] = field(default_factory=list)
    agencies: set = field(default_factory=set)
    places: set = field(default_factory=set)
    references: set = field(default_factory=set)

    @classmethod
    def read(cls, g) -> "_Projection":
        ix = _Index(g)
        types: dict[str, set] = defaultdict(set)
        for s, o in ix.pred(RDF.type):
            types[s].add(o)
        documents = {s for s, _ in ix.pred(ELI.is_realized_by) if str(ELI.LegalResource) in types[s]}
        text_doc = {t: d for t, d in ix.pred(ELI.realizes) if d in documents}
        for d, t in ix.pred(ELI.is_realized_by):
            if d in documents:
                text_doc.setdefault(t, d)
        return cls(
            ix=ix,
            types=types,
            doc_ids={d: str(ix.one(d, DCTERMS.identifier) or d) for d in documents},
            text_doc=text_doc,
            parent_of=dict(sorted(ix.pred(ELI.is_part_of))),
            subdivisions={s: _SUBDIVISION_KINDS[o] for s, o in ix.pred(ELI.type_subdivision)
                          if o in _SUBDIVISION_KINDS},
            evidence=_evidence(ix, text_doc),
        )

    def edge(self, u: str, v: str, type_: str, key: str | None = None, **attrs) -> None:
        self.edges.append((u, v, key or type_, dict(type=type_, **attrs)))

    def owner(self, node: str | None) -> str | None:
        """Return the document a subdivision belongs to, following is_part_of upwards."""
        seen = set()
        while node is not None and node not in self.doc_ids and node not in seen:
            seen.add(node)
            node = self.parent_of.get(node)
        return node if node in self.doc_ids else None

    def spans(self, node: str) -> dict:
        found = self.evidence.get(node)
        return dict(char_start=found[0][0], char_end=found[0][1]) if found else {}

    def to_networkx(self) -> nx.MultiDiGraph:
        """Return the graph: nodes and edges in sorted order, each node with its documents."""
        docs: dict[str, set] = defaultdict(set)
        for n, attrs in self.nodes.items():
            if attrs.get("doc") is not None:
                docs[n].add(attrs["doc"])
            docs[n].update(self.doc_ids[d] for *_, d in self.evidence.get(n, []) if d in self.doc_ids)
        for u, v, _, _ in self.edges:  # agencies, places, references: the documents pointing at them
            if self.nodes.get(u, {}).get("kind") in _OWNED and self.nodes[u].get("doc"):
                docs[v].add(self.nodes[u]["doc"])
        G = nx.MultiDiGraph()
        for n in sorted(self.nodes):
            G.add_node(n, **self.nodes[n], docs=sorted(docs[n]))
        for u, v, key, attrs in sorted(self.edges, key=lambda e: e[:3]):
            if u in G and v in G and not G.has_edge(u, v, key):
                G.add_edge(u, v, key=key, **attrs)
        return G


def _add_structure(p: _Projection) -> None:
    ix = p.ix
    for d, doc_id in p.doc_ids.items():
        p.nodes[d] = dict(kind="document", label=ix.text(d, ELI.title) or ix.text(d, DCTERMS.title) or doc_id,
                          number=ix.text(d, ELI.id_local), doc=doc_id,
                          date=ix.text(d, ELI.date_document), source=ix.text(d, DCTERMS.source))
    for s, kind in p.subdivisions.items():
        d = p.owner(s)
        attrs = dict(kind=kind, label=ix.text(s, ELI.title) or "", number=ix.text(s, ELI.number),
                     doc=p.doc_ids.get(d), rid=_record_id(s, d, p.doc_ids), **p.spans(s))
        if kind in (*UNIT_KINDS, "box"):
            chain, up = [], p.parent_of.get(s)
            while up in p.subdivisions and up not in chain:
                chain.append(up)
                up = p.parent_of.get(up)
            attrs["section"] = next((c for c in chain if p.subdivisions[c] == "section"), None)
            attrs["part"] = next((c for c in chain if p.subdivisions[c] == "part"), None)
        if kind in UNIT_KINDS:
            attrs["keywords"] = ix.texts(s, PKG.keyword)
        p.nodes[s] = attrs
        if s in p.parent_of:
            p.edge(s, p.parent_of[s], "part_of")
    for unit, box in ix.pred(PKG.box):
        if unit in p.subdivisions and box in p.subdivisions:
            p.edge(box, unit, "box_of")


def _add_roles(p: _Projection) -> None:
    """Add agencies by role (one edge per attribution, with its evidence), mentioned, drafting."""
    ix = p.ix
    covered = set()
    for unit, attribution in ix.pred(PROV.qualifiedAttribution):
        agent = ix.one(attribution, PROV.agent)
        role = _ROLE_OF.get(ix.one(attribution, PROV.hadRole))
        if agent is None or role is None:
            continue
        p.agencies.add(agent)
        covered.add((unit, role, agent))
        name = p.evidence.get(attribution, [])
        clause = p.evidence.get(ix.one(attribution, PKG.clause), [])
        attrs = dict(as_written=ix.text(attribution, PKG.asWritten),
                     evidence=clause[0][2] if clause else (name[0][2] if name else None),
                     inferred=ix.text(attribution, PKG.inferred), attribution=attribution)
        if name:
            attrs.update(char_start=name[0][0], char_end=name[0][1])
        if clause:
            attrs.update(clause_start=clause[0][0], clause_end=clause[0][1])
        p.edge(unit, agent, role, key=attribution, **attrs)
    for prop, role in _SHORTCUT_ROLE.items():  # shortcuts without an attribution (other producers)
        for unit, agent in ix.pred(prop):
            if (unit, role, agent) not in covered:
                p.agencies.add(agent)
                p.edge(unit, agent, role)
    for unit, agent in ix.pred(PKG.mentions):
        p.agencies.add(agent)
        p.edge(unit, agent, "mentions_agency")
    for d, agent in ix.pred(DCTERMS.creator):
        if d in p.doc_ids:
            p.agencies.add(agent)
            p.edge(d, agent, "drafted_by")


def _add_indicators(p: _Projection) -> None:
    """Add the rows of each document's indicator table, each with the agency that reports it."""
    ix = p.ix
    observations = defaultdict(list)
    for obs, ind in ix.pred(PKG.indicator):
        observations[ind].append(obs)
    for ind in sorted(s for s, o in ix.pred(RDF.type) if o == str(PKG.Indicator)):
        d = None
        attrs = dict(kind="indicator", label=ix.text(ind, SKOS.prefLabel) or "", unit=ix.text(ind, PKG.unit))
        for obs in sorted(observations[ind]):
            stage = _local(ix.one(obs, PKG.stage) or "")
            if stage in ("baseline", "target"):
                attrs[stage] = ix.text(obs, PKG.value)
                attrs[f"{stage}_year"] = _int(ix.one(obs, PKG.year))
            if ix.one(obs, PKG.nature) is not None:
                attrs["nature"] = _local(ix.one(obs, PKG.nature))
            table = ix.one(obs, QB.dataSet)
            d = d or (ix.one(table, DCTERMS.source) if table is not None else None)
            source = ix.one(obs, PKG.sourceAgency)
            if source is not None:
                p.agencies.add(source)
                p.edge(ind, source, "source")
        if d not in p.doc_ids:  # no observation: the document whose text the row is quoted from
            d = next((doc for *_, doc in p.evidence.get(ind, []) if doc in p.doc_ids), None)
        attrs.update(number=_local(ind), doc=p.doc_ids.get(d), rid=_record_id(ind, d, p.doc_ids), **p.spans(ind))
        p.nodes[ind] = attrs
        if d is not None:
            p.edge(ind, d, "part_of")


def _add_places_and_references(p: _Projection) -> None:
    """Add where units act, each document's jurisdiction, and the works they cite."""
    for s, place in p.ix.pred(DCTERMS.spatial):
        if s in p.subdivisions or s in p.doc_ids:
            p.places.add(place)
            p.edge(s, place, "mentions_place" if s in p.subdivisions else "jurisdiction")
    for s, work in p.ix.pred(ELI.cites):
        if s in p.doc_ids or s in p.subdivisions:
            p.references.add(work)
            p.edge(s, work, "cites")


def _add_entities(p: _Projection) -> None:
    """Add every agency, place and work seen, linked to the documents whose text names them."""
    counts: dict[tuple, int] = defaultdict(int)
    for body, spans in p.evidence.items():
        kinds = p.types[body]
        is_agency, is_place = str(ORG.Organization) in kinds, str(DCTERMS.Location) in kinds
        if is_agency or is_place:
            (p.agencies if is_agency else p.places).add(body)
            for *_, d in spans:
                if d is not None:
                    counts[(d, body, "mentions_agency" if is_agency else "mentions_place")] += 1
        elif str(ELI.LegalResource) in kinds and body not in p.doc_ids:
            p.references.add(body)
    for (d, body, type_), n in counts.items():
        p.edge(d, body, type_, count=n)

    # The gazetteer's hierarchy above every place seen (广州市 → 广东省 → 中国).
    located = dict(sorted(p.ix.pred(PKG.locatedIn)))
    for place in sorted(p.places):
        seen = set()
        while place in located and place not in seen:
            seen.add(place)
            p.edge(place, located[place], "located_in")
            place = located[place]
            p.places.add(place)

    ix = p.ix
    for a in p.agencies:
        level, kind = ix.one(a, PKG.level), ix.one(a, ORG.classification)
        p.nodes[a] = dict(kind="agency", label=ix.text(a, SKOS.prefLabel) or _local(a), number=None, doc=None,
                          aliases=ix.texts(a, SKOS.altLabel), level=_local(level) if level else None,
                          agency_kind=_local(kind) if kind else None)
    for pl in p.places:
        kind = ix.one(pl, DCTERMS.type)
        p.nodes[pl] = dict(kind="place", label=ix.text(pl, SKOS.prefLabel) or _local(pl), number=None, doc=None,
                           aliases=ix.texts(pl, SKOS.altLabel),
                           place_kind=_local(kind).removesuffix("Place") if kind else None)
    for w in p.references:
        p.nodes.setdefault(w, dict(kind="reference", label=ix.text(w, ELI.title) or _local(w), number=None, doc=None))


def _evidence(ix: _Index, text_doc: dict) -> dict:
    """Map each annotated node to its spans: sorted (start, end, quote, document)."""
    out: dict = defaultdict(list)
    texts: dict = {}
    for anno, body in ix.pred(OA.hasBody):
        for target in ix.objects(anno, OA.hasTarget):
            found = iris.segment_span(str(target))
            start, end = found if found is not None else (-1, -1)
            source = iris.segment_text(str(target))
            if source not in texts:
                whole = ix.one(source, PKG.text)
                texts[source] = str(whole) if whole is not None else None
            whole = texts[source]
            quote = whole[start:end] if whole is not None and found is not None else None
            out[body].append((start, end, quote, text_doc.get(source)))
    for spans in out.values():
        spans.sort(key=lambda s: (s[0], s[1], s[2] or "", str(s[3])))
    return out


def _record_id(node, doc, doc_ids: dict) -> str | None:
    """Return a subdivision's record id (``plan/t12``) from its IRI below the document's."""
    if doc is None:
        return None
    prefix = f"{doc}/"
    rest = str(node)[len(prefix):] if str(node).startswith(prefix) else ""
    segment, _, local = rest.partition("/")
    if segment not in _KEY_PREFIX or not local or "/" in local:
        return None
    return f"{doc_ids[doc]}/{_KEY_PREFIX[segment]}{unquote(local)}"


def resolve(G: nx.Graph, ref: str) -> str:
    """Return the node key of `ref`: a node key itself, a record id (``plan/t12``) or a label."""
    if ref in G:
        return ref
    for attr in ("rid", "label"):
        found = sorted(n for n, d in G.nodes(data=True) if d.get(attr) == ref)
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise KeyError(f"{ref!r} names {len(found)} nodes: {found[:3]}")
    raise KeyError(f"no node {ref!r}")


def _units(G: nx.Graph) -> list[str]:
    return sorted((n for n, k in G.nodes(data="kind") if k in UNIT_KINDS), key=_natural)


def _role_edges(G: nx.MultiDiGraph) -> Iterator[tuple[str, str, str, dict]]:
    """Yield (unit, agency, role, data) for every role edge of a projection."""
    for u, v, data in G.edges(data=True):
        if data.get("type") in ROLES and G.nodes[u].get("kind") in UNIT_KINDS:
            yield u, v, data["type"], data


# Tasks connected by what they share
#
# Two units are linked by what both carry: an agency in the same role, a cited work, a place,
# a keyword, their section. Each shared thing counts by how specific it is over the corpus's
# units: its inverse document frequency log(N / n) / log(N), N units in all and n holding it,
# so a thing held by two units of many counts nearly 1 and one held by every unit counts 0.
# A collective (各区人民政府, 有关部门: the gazetteer's kind "collective", open or not) is no
# shared agency: it names whoever the clause means, not one body. Each unit keeps its `k`
# strongest links: links are taken strongest first, and one is kept while both its units have
# fewer than `k`.

_PREFIX = {"section": "same section", "keywords": "shared keyword"}


def is_collective(G: nx.Graph, agency: str) -> bool:
    """Tell whether an agency is a collective, as the gazetteer stored it (org:classification pkg:collective)."""
    return G.nodes[agency].get("agency_kind") == "collective"


def _features(G: nx.MultiDiGraph, kinds: Iterable[str]) -> dict[str, dict[tuple[str, str], str]]:
    """Map each unit to its shareable features: (kind, value) → text of the reason's value."""
    kinds = set(kinds)
    feats: dict[str, dict] = {u: {} for u in _units(G)}
    for u, v, role, _ in _role_edges(G):
        if role in kinds and not is_collective(G, v):
            feats[u][(role, v)] = G.nodes[v].get("label") or v
    for u, v, data in G.edges(data=True):
        if u not in feats:
            continue
        if data.get("type") == "cites" and "reference" in kinds:
            feats[u][("reference", v)] = G.nodes[v].get("label") or v
        elif data.get("type") == "mentions_place" and "place" in kinds:
            feats[u][("place", v)] = G.nodes[v].get("label") or v
        elif data.get("type") == "part_of" and "section" in kinds:
            feats[u][("section", v)] = G.nodes[v].get("label") or v
    if "keywords" in kinds:
        for u in feats:
            for kw in G.nodes[u].get("keywords") or ():
                feats[u][("keywords", kw)] = kw
    return feats


def specificity(feats: dict[str, dict]) -> dict[tuple[str, str], float]:
    """Return each feature's weight: log(N / n) / log(N) for N units and n units holding it (0 … 1)."""
    n = len(feats)
    held: dict[tuple, int] = defaultdict(int)
    for fs in feats.values():
        for f in fs:
            held[f] += 1
    if n < 2:
        return {f: 0.0 for f in held}
    return {f: max(0.0, math.log(n / c) / math.log(n)) for f, c in held.items()}


def _reasons(mine: dict, theirs: dict, weight: dict) -> tuple[list[str], list[str], float]:
    """Return the reasons two units share (strongest first, each with its weight), their kinds and the sum."""
    shared = [f for f in set(mine) & set(theirs) if round(weight[f], 2) > 0]
    shared.sort(key=lambda f: (-round(weight[f], 6), CONNECTION_KINDS.index(f[0]), mine[f]))
    reasons = [f"{_PREFIX.get(kind, f'shared {kind}')}: {mine[(kind, value)]} ({weight[(kind, value)]:.2f})"
               for kind, value in shared]
    kinds = sorted({kind for kind, _ in shared}, key=CONNECTION_KINDS.index)
    return reasons, kinds, round(sum(weight[f] for f in shared), 3)


def _check_kinds(kinds) -> tuple[str, ...]:
    kinds = CONNECTION_KINDS if kinds is None else tuple(kinds)
    unknown = [k for k in kinds if k not in CONNECTION_KINDS]
    if unknown:
        raise ValueError(f"unknown connection kind {unknown[0]!r}; choose from {', '.join(CONNECTION_KINDS)}")
    return kinds


def task_connections(G: nx.MultiDiGraph, kinds: Iterable[str] | None = None, min_weight: float = 0.0,
                     k: int | None = None, units: Iterable[str] | None = None) -> nx.Graph:
    """Return a graph of tasks and measures linked by what they share, each edge with its reasons.

    `kinds` limits the reasons considered (see CONNECTION_KINDS: a role such as ``lead``,
    ``reference``, ``place``, ``keywords``, ``section``). A link weighs the sum of its shared
    things' specificity over every unit of `G` (see above); links lighter than `min_weight`, or
    of weight 0, are left out, and each unit keeps at most its `k` strongest (None: all).
    `units` (node keys) limits the units linked; the weights are still those of the whole of `G`.
    Edges carry ``reasons`` (``shared lead: 市版权局 (0.83)``, strongest first), ``kinds``
    (sorted by CONNECTION_KINDS) and ``weight``.
    """
    kinds = _check_kinds(kinds)
    if k is not None and k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    feats = _features(G, kinds)
    weight = specificity(feats)
    keep = list(feats) if units is None else [u for u in feats if u in set(units)]
    holders: dict[tuple, list[str]] = defaultdict(list)
    for u in keep:  # units in natural order, so each holder list is too
        for f in feats[u]:
            if round(weight[f], 2) > 0:
                holders[f].append(u)
    total: dict[tuple[str, str], float] = defaultdict(float)
    for f, held in holders.items():
        for pair in combinations(held, 2):
            total[pair] += weight[f]
    C = nx.Graph()
    for u in keep:
        C.add_node(u, **_unit_attrs(G, u))
    degree: dict[str, int] = defaultdict(int)
    order = {u: i for i, u in enumerate(keep)}
    for (u, v), w in sorted(total.items(), key=lambda kv: (-round(kv[1], 6), order[kv[0][0]], order[kv[0][1]])):
        if round(w, 3) < max(min_weight, 0.001) or (k is not None and (degree[u] >= k or degree[v] >= k)):
            continue
        reasons, ks, w = _reasons(feats[u], feats[v], weight)
        C.add_edge(u, v, reasons=reasons, kinds=ks, weight=w)
        degree[u] += 1
        degree[v] += 1
    return C


def _unit_attrs(G: nx.Graph, u: str) -> dict:
    d = G.nodes[u]
    return {k: d.get(k) for k in ("kind", "label", "number", "doc", "rid", "section", "part")}


def connected_tasks(G: nx.MultiDiGraph, task: str, kinds: Iterable[str] | None = None, min_weight: float = 0.0,
                    k: int | None = None, T: nx.Graph | None = None) -> list[dict]:
    """Return the links of `task` in `task_connections` (the same `kinds`, `min_weight`, `k`), strongest first.

    `task` is a node key or a record id; `T`, when given, is that network already made. Each row
    has ``task``, ``label``, ``number``, ``rid``, ``reasons``, ``kinds`` and ``weight``, sorted by
    weight (descending) then task.
    """
    task = resolve(G, task)
    if G.nodes[task].get("kind") not in UNIT_KINDS:
        raise KeyError(f"{task!r} is a {G.nodes[task].get('kind')}, not a task or measure")
    if T is None:
        T = task_connections(G, kinds, min_weight=min_weight, k=k)
    rows = []
    for other, e in (T[task].items() if task in T else ()):
        d = G.nodes[other]
        rows.append(dict(task=other, label=d.get("label"), number=d.get("number"), rid=d.get("rid"),
                         reasons=list(e["reasons"]), kinds=list(e["kinds"]), weight=e["weight"]))
    return sorted(rows, key=lambda r: (-r["weight"], _natural(r["task"])))


# Agencies


def collaboration(G: nx.MultiDiGraph, roles: Iterable[str] | None = None) -> nx.Graph:
    """Return the agency collaboration network: agencies linked when assigned to the same task.

    Edges carry ``weight`` (shared tasks), ``tasks`` (their node keys, sorted) and ``shared``
    (each task as "number title", for tooltips and tables); nodes carry ``label``, ``level``,
    ``agency_kind``, ``tasks`` (count) and a count per role.
    """
    roles = set(_check_roles(roles))
    by_task: dict[str, set] = defaultdict(set)
    per_agency: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for u, a, role, _ in _role_edges(G):
        if role in roles:
            by_task[u].add(a)
            per_agency[a][role].add(u)
    C = nx.Graph()
    for a in sorted(per_agency):
        d = G.nodes[a]
        counts = {r: len(per_agency[a].get(r, ())) for r in ROLES}
        all_tasks = set().union(*per_agency[a].values())
        C.add_node(a, kind="agency", label=d.get("label"), level=d.get("level"), agency_kind=d.get("agency_kind"),
                   tasks=len(all_tasks), **counts)
    shared: dict[tuple, list] = defaultdict(list)
    for u in sorted(by_task, key=_natural):
        for a, b in combinations(sorted(by_task[u]), 2):
            shared[(a, b)].append(u)
    for (a, b), tasks in sorted(shared.items()):
        C.add_edge(a, b, weight=len(tasks), tasks=tasks, shared=[task_label(G, u) for u in tasks])
    return C


def task_label(G: nx.Graph, u: str) -> str:
    """Return a unit node as lists show it: its number and title (12 完善知识产权法规规章)."""
    d = G.nodes[u]
    return " ".join(str(x) for x in (d.get("number"), d.get("label")) if x) or str(u)


def communities(C: nx.Graph, seed: int = 42, top: int = 5) -> list[dict]:
    """Return the communities of a collaboration network (Louvain, networkx, fixed seed): largest first.

    Each: community (1, 2, …), size, members (labels, by weighted degree), nodes (their keys), and
    top_tasks: the tasks most members share ("number title", with how many members carry it).
    """
    if C.number_of_nodes() == 0:
        return []
    groups = nx.community.louvain_communities(C, weight="weight", seed=seed)
    degree = dict(C.degree(weight="weight"))
    out = []
    for group in sorted(groups, key=lambda g: (-len(g), min(map(str, g)))):
        nodes = sorted(group, key=lambda n: (-degree[n], str(n)))
        count: dict[str, set] = defaultdict(set)
        labels: dict[str, str] = {}
        for a, b, d in C.subgraph(group).edges(data=True):
            for t, label in zip(d.get("tasks", ()), d.get("shared", ())):
                count[t] |= {a, b}
                labels[t] = label
        tasks = sorted(count, key=lambda t: (-len(count[t]), _natural(str(t))))[:top]
        out.append({"community": len(out) + 1, "size": len(nodes), "nodes": nodes,
                    "members": [C.nodes[n].get("label") or str(n) for n in nodes],
                    "top_tasks": [f"{labels[t]}（{len(count[t])}）" for t in tasks]})
    return out


# What the app draws: one network view's graph, its centrality, the nodes kept


def view_graph(
    G: nx.Graph,
    mode: str,
    *,
    roles: Iterable[str] | None = None,
    parts: Iterable[str] | None = None,
    sections: Iterable[str] | None = None,
    agencies: Iterable[str] | None = None,
    min_weight: float = 1,
    k: int | None = None,
) -> nx.Graph:
    """Return the graph one network view draws from the projection `G` (not modified).

    `mode`: "bipartite" (agencies ↔ tasks, edges by role), "collaboration" (agencies linked
    by shared tasks) or "tasks" (tasks linked by what they share). Filters are node keys
    (parts, sections, agencies) or role names; None keeps everything. In the collaboration
    view an agency filter keeps those agencies and their partners; in the task view it keeps
    the tasks those agencies carry. `min_weight` drops weaker links (shared tasks in the
    collaboration view, the summed specificity of the shared things in the task view, where
    each task keeps its `k` strongest links: see `task_connections`).
    """
    roles = tuple(roles) if roles else None
    if mode == "bipartite":
        return bipartite(G, roles=roles, parts=parts, sections=sections, agencies=agencies)
    if mode not in ("collaboration", "tasks"):
        raise ValueError(f"unknown network view {mode!r}; choose bipartite, collaboration or tasks")
    parts = set(parts) if parts else None
    sections = set(sections) if sections else None
    agencies = set(agencies) if agencies else None
    carried = None
    if agencies is not None and mode == "tasks":
        carried = {u for u, a, data in G.edges(data=True)
                   if a in agencies and data.get("type") in (roles or ROLES)}
    keep = []
    for n, data in G.nodes(data=True):
        if data.get("kind") in UNIT_KINDS:
            if parts is not None and data.get("part") not in parts:
                continue
            if sections is not None and data.get("section") not in sections:
                continue
            if carried is not None and n not in carried:
                continue
        keep.append(n)
    Gf = G.subgraph(keep)
    if mode == "collaboration":
        C = collaboration(Gf, roles)
        if min_weight > 1:
            C = C.edge_subgraph([(u, v) for u, v, w in C.edges(data="weight", default=1) if w >= min_weight])
        if agencies is not None:
            C = C.subgraph({n for a in agencies if a in C for n in (a, *C[a])})
        return C
    kinds = (*roles, *(c for c in CONNECTION_KINDS if c not in ROLES)) if roles else None
    units = [n for n in keep if G.nodes[n].get("kind") in UNIT_KINDS]
    return task_connections(G, kinds=kinds, min_weight=min_weight, k=k, units=units)


def centrality(H: nx.Graph, sample_above: int = 300, sample: int = 128, max_edges: int = 20_000) -> list[dict]:
    """Return per node: label, kind, rid, degree, weighted degree, betweenness (distance 1/weight).

    Sorted by weighted degree, degree (descending), then node. Betweenness is estimated from
    a fixed sample of `sample` sources when the graph has more than `sample_above` nodes, and left
    out (None) above `max_edges` edges, where even a sample takes seconds.
    """
    D = nx.Graph()
    D.add_nodes_from(sorted(H.nodes, key=str))
    for u, v, w in H.edges(data="weight", default=1):
        D.add_edge(u, v, distance=1.0 / w if w else float("inf"))
    n = D.number_of_nodes()
    k = min(sample, n) if n > sample_above else None
    if D.number_of_edges() > max_edges:
        between = None
    else:
        between = nx.betweenness_centrality(D, k=k, weight="distance", seed=42) if n else {}
    rows = [{"node": x, "label": H.nodes[x].get("label") or str(x), "kind": H.nodes[x].get("kind"),
             "rid": H.nodes[x].get("rid"), "degree": H.degree(x), "weighted_degree": _rounded(H.degree(x, weight="weight")),
             "betweenness": None if between is None else round(between.get(x, 0.0), 9)} for x in H.nodes]
    return sorted(rows, key=lambda r: (-r["weighted_degree"], -r["degree"], str(r["node"])))


def _rounded(value):
    """Return a sum of weights as people read it: an int stays one, a float keeps 3 decimals."""
    return round(value, 3) if isinstance(value, float) else value


def trim(H: nx.Graph, limit: int | None) -> nx.Graph:
    """Return the subgraph of the `limit` nodes of highest weighted degree (ties by id); no copy."""
    if limit is None or H.number_of_nodes() <= limit:
        return H
    degree = dict(H.degree(weight="weight"))
    keep = sorted(H.nodes, key=lambda n: (-degree[n], str(n)))[: max(limit, 0)]
    return H.subgraph(keep)




def bipartite(
    G: nx.MultiDiGraph,
    roles: Iterable[str] | None = None,
    parts: Iterable[str] | None = None,
    sections: Iterable[str] | None = None,
    agencies: Iterable[str] | None = None,
) -> nx.Graph:
    """Return the agency ↔ task graph, each edge coloured by the strongest role it carries.

    Filters take node keys, record ids or labels; a None filter keeps everything. Nodes left
    without an edge are dropped. Edges carry ``roles`` (strongest first), ``role``, ``color``
    and ``evidence`` (the clauses, sorted); nodes carry ``bipartite`` (0 agency, 1 task).
    """
    roles = set(_check_roles(roles))
    part_keys = {resolve(G, p) for p in parts} if parts is not None else None
    section_keys = {resolve(G, s) for s in sections} if sections is not None else None
    agency_keys = {resolve(G, a) for a in agencies} if agencies is not None else None
    pairs: dict[tuple[str, str], dict] = defaultdict(lambda: {"roles": set(), "evidence": set()})
    for u, a, role, data in _role_edges(G):
        d = G.nodes[u]
        if (role not in roles or (part_keys is not None and d.get("part") not in part_keys)
                or (section_keys is not None and d.get("section") not in section_keys)
                or (agency_keys is not None and a not in agency_keys)):
            continue
        pairs[(a, u)]["roles"].add(role)
        if data.get("evidence"):
            pairs[(a, u)]["evidence"].add(data["evidence"])
    B = nx.Graph()
    for n in sorted({n for pair in pairs for n in pair}, key=_natural):
        d = G.nodes[n]
        attrs = {k: d.get(k) for k in ("kind", "label", "number", "doc", "rid", "level", "agency_kind")}
        B.add_node(n, bipartite=0 if d.get("kind") == "agency" else 1, **attrs)
    for (a, u), seen in sorted(pairs.items(), key=lambda kv: (kv[0][0], _natural(kv[0][1]))):
        ordered = [r for r in ROLES if r in seen["roles"]]
        B.add_edge(a, u, roles=ordered, role=ordered[0], color=ROLE_COLORS[ordered[0]],
                   evidence=sorted(seen["evidence"]))
    return B


def _check_roles(roles) -> tuple[str, ...]:
    roles = ROLES if roles is None else tuple(roles)
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role {unknown[0]!r}; choose from {', '.join(ROLES)}")
    return roles


def subgraph(G: nx.Graph, node: str, depth: int = 1) -> nx.Graph:
    """Return a copy of the nodes within `depth` hops of `node`, edge direction ignored."""
    return nx.ego_graph(G, resolve(G, node), radius=depth, undirected=True).copy()


def layout(H: nx.Graph, seed: int = 42, iterations: int = 50) -> dict:
    """Return a force-directed layout in [-1, 1]², the same for the same nodes and edges.

    Nodes are taken in sorted order, so insertion order does not matter. This is the
    Fruchterman-Reingold loop of ``nx.spring_layout`` on a dense matrix: networkx switches to
    a sparse solver at 500 nodes that takes seconds, where this takes a quarter of one.
    """
    import numpy as np  # here, not at the top: only a layout needs it, and it takes longer to import than networkx

    nodes = sorted(H.nodes, key=str)
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    at = {v: i for i, v in enumerate(nodes)}
    adjacency = np.zeros((n, n))
    for u, v in H.edges():
        if u != v:
            adjacency[at[u], at[v]] = adjacency[at[v], at[u]] = 1.0
    pos = _fruchterman_reingold(adjacency, np.random.RandomState(seed), iterations)
    return {v: (float(x), float(y)) for v, (x, y) in zip(nodes, pos)}


def _fruchterman_reingold(adjacency, rng, iterations: int, threshold: float = 1e-4):
    import numpy as np

    n = len(adjacency)
    pos = rng.rand(n, 2)
    k = np.sqrt(1.0 / n)  # the ideal distance between neighbours
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        dx = pos[:, 0, None] - pos[None, :, 0]
        dy = pos[:, 1, None] - pos[None, :, 1]
        dist = np.maximum(np.hypot(dx, dy), 0.01)
        force = k * k / (dist * dist) - adjacency * (dist / k)  # repulsion minus attraction, over distance
        disp = np.stack(((dx * force).sum(1), (dy * force).sum(1)), axis=1)
        length = np.hypot(disp[:, 0], disp[:, 1])
        length[length < 0.01] = 0.1
        step = disp * (temperature / length)[:, None]
        pos += step
        temperature -= cooling
        if np.linalg.norm(step) / n < threshold:
            break
    pos -= pos.mean(axis=0)
    limit = np.abs(pos).max()
    return pos / limit if limit > 0 else pos


# Exports


def _safe_value(value):
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return "; ".join(str(v) for v in items)
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _uniform(items: list[dict]) -> None:
    """Give each attribute one type across all items (GraphML and GEXF declare one per key)."""
    kinds: dict[str, set] = defaultdict(set)
    for data in items:
        for k, v in data.items():
            kinds[k].add(type(v))
    for k, ts in kinds.items():
        if len(ts) == 1:
            continue
        target = float if ts <= {int, float} else str
        for data in items:
            if k in data:
                data[k] = target(data[k])


def _export_copy(G: nx.Graph, rename_edge: dict[str, str] | None = None) -> nx.Graph:
    """Return a copy whose attributes are strings, numbers or booleans, one type per name."""
    rename_edge = rename_edge or {}
    H = G.__class__()
    H.graph.update({k: _safe_value(v) for k, v in G.graph.items()})
    for n, d in G.nodes(data=True):
        H.add_node(n, **{k: _safe_value(v) for k, v in d.items()})
    for e in (G.edges(keys=True, data=True) if G.is_multigraph() else G.edges(data=True)):
        *ends, d = e
        H.add_edge(*ends, **{rename_edge.get(k, k): _safe_value(v) for k, v in d.items()})
    _uniform([d for _, d in H.nodes(data=True)])
    _uniform([e[-1] for e in H.edges(data=True)])
    return H


def to_graphml(G: nx.Graph) -> bytes:
    """Return `G` as GraphML: lists joined with "; ", None as ""."""
    buf = io.BytesIO()
    nx.write_graphml(_export_copy(G), buf, encoding="utf-8")
    return buf.getvalue()


def to_gexf(G: nx.Graph) -> bytes:
    """Return `G` as GEXF (Gephi); the edge ``type`` becomes ``relation``, as GEXF reserves ``type``."""
    buf = io.BytesIO()
    nx.write_gexf(_export_copy(G, {"type": "relation"}), buf, encoding="utf-8")
    return buf.getvalue()


def agency_matrix_csv(C: nx.Graph) -> str:
    """Return the agency × agency matrix of collaboration weights as CSV, labelled by name."""
    agencies = sorted(C.nodes, key=lambda n: (C.nodes[n].get("label") or "", n))
    names = [C.nodes[n].get("label") or n for n in agencies]
    rows = [["", *names]]
    for a, name in zip(agencies, names):
        rows.append([name, *(C[a][b].get("weight", 1) if C.has_edge(a, b) and a != b else 0 for b in agencies)])
    return _csv(rows)


def agency_task_matrix_csv(G: nx.MultiDiGraph, roles: bool = True) -> str:
    """Return the agency × task matrix as CSV: the roles ("lead; cooperate"), or 1/0 with roles=False."""
    cells: dict[tuple[str, str], set] = defaultdict(set)
    for u, a, role, _ in _role_edges(G):
        cells[(a, u)].add(role)
    agencies = sorted({a for a, _ in cells}, key=lambda n: (G.nodes[n].get("label") or "", n))
    tasks = sorted({u for _, u in cells}, key=_natural)
    header = [G.nodes[u].get("rid") or u for u in tasks]
    rows = [["", *header]]
    for a in agencies:
        row = [G.nodes[a].get("label") or a]
        for u in tasks:
            got = cells.get((a, u), set())
            row.append("; ".join(r for r in ROLES if r in got) if roles else int(bool(got)))
        rows.append(row)
    return _csv(rows)
