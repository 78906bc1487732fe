"""Hold what one version of the graph stores, read once: documents, outline, agencies, evidence.

Every extent comes from the store (``pkg:extent`` on parts, sections, units and boxes; the
extractor wrote them): nothing here re-derives where a unit ends. `load` reads a model with
a `select` function (one of our SELECTs in, rows of plain values out); the lookups below are
pure functions of it.

Documents and agencies are read at once; a document's units and evidence spans only when a
view first asks for one of them (`_PerDocument`), so that answering about one agency or one
document costs what that answer holds, not the corpus. Walking every unit reads them all in
one pass.

>>> m = Model(docs={}, units={}, by_rid={}, agencies={}, keys={}, evidence={"urn:g": {"urn:x": [(3, 5)]}})
>>> span(m, "urn:x", "urn:g"), span(m, "urn:x", "urn:other")
([3, 5], [None, None])
>>> natural("t10") > natural("t9")
True
"""

from __future__ import annotations

import difflib
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from ontology import iris
from ontology.prefixes import NAMESPACES, PKG_ONTOLOGY_IRI

from .errors import NotFound

__all__ = ["KINDS", "KIND_OF_TYPE", "Model", "Unit", "find_doc", "find_unit", "fold", "load", "natural", "record_id", "span",
           "read_head", "doc_entry", "doc_head", "finish_head", "spans", "unit_place", "units_of"]

KINDS = ("part", "section", "task", "measure", "box")
_KEY_PREFIX = {"part": "p", "section": "s", "task": "t", "measure": "m", "box": "box", "indicator": "ind"}
KIND_OF_TYPE = {f"{PKG_ONTOLOGY_IRI}#{k}Type": k for k in KINDS}  # eli:type_subdivision -> kind

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
    evidence: Mapping[str, dict[str, list[tuple[int, int]]]]  # graph IRI -> body IRI -> sorted (start, end)
    texts: dict[str, str] = field(default_factory=dict)


def fold(name: str) -> str:
    """Return the key two spellings of one agency name share."""
    from extract.gazetteer import Resolver  # here: a view that folds no name need not load the gazetteer

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


_DOCS = """
    SELECT ?g ?doc ?id ?text ?title ?place ?placeLabel ?start ?date ?creator WHERE { GRAPH ?g {
      ?doc a eli:LegalResource ; eli:is_realized_by ?text ; dct:identifier ?id .
      OPTIONAL { ?doc eli:title ?title }
      OPTIONAL { ?doc dct:temporal ?period . ?period dcat:startDate ?start }
      OPTIONAL { ?doc eli:date_document ?date }
      OPTIONAL { ?doc dct:creator ?creator }
      OPTIONAL { ?doc dct:spatial ?place . OPTIONAL { ?place skos:prefLabel ?placeLabel } } } }
    ORDER BY ?id"""
# Per document (GRAPH <g>) or, with ?g unbound, for all at once: one query per kind of row.
# Spans are text fragments (`iris.segment_iri`): read as IRIs, parsed by `iris.segment_span`.
_EVIDENCE = """SELECT ?g ?body ?t WHERE { GRAPH %s { ?a oa:hasTarget ?t ; oa:hasBody ?body } }"""
_EXTENTS = """SELECT ?g ?s ?e WHERE { GRAPH %s { ?s pkg:extent ?e } }"""
_SUBDIVISIONS = """SELECT ?g ?s ?type ?number ?title ?parent WHERE { GRAPH %s {
    ?s eli:type_subdivision ?type ; eli:number ?number .
    OPTIONAL { ?s eli:is_part_of ?parent }
    OPTIONAL { ?s eli:title ?title } } }"""
_ORDER_STRIDE = 1 << 24  # Unit.order: the document's rank times this, plus the unit's rank in it


@dataclass
class _Part:
    """One document's units (by IRI and by record id) and its evidence spans (by body)."""

    units: dict[str, Unit] = field(default_factory=dict)
    by_rid: dict[str, Unit] = field(default_factory=dict)
    evidence: dict[str, list[tuple[int, int]]] = field(default_factory=dict)


class _Corpus:
    """Read each document's part on first use, or every part in one pass; thread-safe, read once."""

    def __init__(self, select: Select, docs: dict[str, dict]) -> None:
        self._select = select
        self.docs = docs
        self.rank = {d: i for i, d in enumerate(sorted(docs))}
        self.by_graph = {d["graph"]: d["id"] for d in docs.values()}
        self.by_iri = {d["iri"]: d["id"] for d in docs.values()}
        self._parts: dict[str, _Part] = {}
        self._all = False
        self._lock = threading.Lock()

    def part(self, doc_id: str) -> _Part:
        p = self._parts.get(doc_id)
        if p is None:
            with self._lock:
                p = self._parts.get(doc_id)
                if p is None:
                    p = _read_parts(self._select, self, [doc_id])[doc_id]
                    self._parts[doc_id] = p
        return p

    def every_part(self) -> list[_Part]:
        if not self._all:
            with self._lock:
                if not self._all:
                    missing = [d for d in self.docs if d not in self._parts]
                    if len(missing) > 1:
                        self._parts.update(_read_parts(self._select, self, None, keep=set(missing)))
                    elif missing:
                        self._parts.update(_read_parts(self._select, self, missing))
                    self._all = True
        return [self._parts[d] for d in sorted(self.docs)]

    def doc_of_iri(self, iri: str) -> str | None:
        """Return the document a unit IRI belongs to (``{doc}/{kind}/{n}``), None if none."""
        head, sep, _ = iri.rpartition("/")
        if not sep:
            return None
        return self.by_iri.get(head.rpartition("/")[0])

    def doc_of_rid(self, rid: str) -> str | None:
        doc = rid.rpartition("/")[0]
        return doc if doc in self.docs else None


class _PerDocument(Mapping):
    """A read-only mapping of one field of the documents' parts: a key reads only its document."""

    def __init__(self, corpus: _Corpus, field_name: str, doc_of: Callable[[str], str | None]) -> None:
        self._corpus, self._field, self._doc_of = corpus, field_name, doc_of

    def _of(self, key: str) -> dict | None:
        doc = self._doc_of(key) if isinstance(key, str) else None
        return None if doc is None else getattr(self._corpus.part(doc), self._field)

    def __getitem__(self, key: str):
        part = self._of(key)
        if part is None:
            raise KeyError(key)
        return part[key]

    def __contains__(self, key: object) -> bool:
        part = self._of(key)  # type: ignore[arg-type]
        return part is not None and key in part

    def __iter__(self) -> Iterator[str]:
        for p in self._corpus.every_part():
            yield from getattr(p, self._field)

    def of_doc(self, doc_id: str) -> list:
        return list(getattr(self._corpus.part(doc_id), self._field).values()) if doc_id in self._corpus.docs else []

    def __len__(self) -> int:
        return sum(len(getattr(p, self._field)) for p in self._corpus.every_part())


class _EvidenceByGraph(Mapping):
    """graph IRI → that document's evidence spans by body, read with its part."""

    def __init__(self, corpus: _Corpus) -> None:
        self._corpus = corpus

    def __getitem__(self, graph: str) -> dict[str, list[tuple[int, int]]]:
        doc = self._corpus.by_graph.get(graph)
        if doc is None:
            raise KeyError(graph)
        return self._corpus.part(doc).evidence

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._corpus.by_graph))

    def __len__(self) -> int:
        return len(self._corpus.by_graph)


def _read_parts(select: Select, corpus: _Corpus, doc_ids: list[str] | None, keep: set[str] | None = None):
    """Read the parts of the given documents (one query set each), or of all (``None``: one set in all)."""
    targets = [f"<{corpus.docs[d]['graph']}>" for d in doc_ids] if doc_ids is not None else ["?g"]
    parts: dict[str, _Part] = {d: _Part() for d in (doc_ids if doc_ids is not None else corpus.docs)}
    for target in targets:
        fixed = target[1:-1] if target != "?g" else None

        def rows(query: str):
            for r in select(query % target):
                if fixed is not None:
                    r["g"] = fixed
                yield r

        evidence: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
        for r in rows(_EVIDENCE):
            found_span = iris.segment_span(r["t"])
            if found_span is not None:
                evidence[r["g"]][r["body"]].append(found_span)
        for g, bodies in evidence.items():
            doc = corpus.by_graph.get(g)
            if doc in parts:
                for spans in bodies.values():
                    spans.sort()
                parts[doc].evidence = dict(bodies)
        stored = {(r["g"], r["s"]): iris.segment_span(r["e"]) for r in rows(_EXTENTS) if iris.segment_span(r["e"])}
        found = []
        seen: set[str] = set()
        for r in rows(_SUBDIVISIONS):
            doc_id = corpus.by_graph.get(r["g"])
            kind = KIND_OF_TYPE.get(r["type"])
            if doc_id is None or doc_id not in parts or kind is None or r["s"] in seen:
                continue
            doc = corpus.docs[doc_id]
            rid = record_id(r["s"], doc["iri"], doc_id)
            if rid is None:
                continue
            seen.add(r["s"])
            parent = r["parent"] if r["parent"] != doc["iri"] else None
            head = next(iter(evidence.get(r["g"], {}).get(r["s"], ())), (-1, -1))
            found.append((r["s"], rid, doc_id, kind, str(r["number"]), r["title"] or "", parent, r["g"], head,
                          stored.get((r["g"], r["s"]), head)))
        rank = {k: i for i, k in enumerate(KINDS)}
        found.sort(key=lambda x: (x[2], x[9][0], rank[x[3]], x[8][0], natural(x[1])))
        within: dict[str, int] = defaultdict(int)
        for x in found:
            i = within[x[2]]
            within[x[2]] += 1
            u = Unit(*x[:8], start=x[8][0], end=x[8][1], extent=tuple(x[9]),
                     order=corpus.rank[x[2]] * _ORDER_STRIDE + i)
            parts[x[2]].units[u.iri] = u
            parts[x[2]].by_rid[u.rid] = u
    if keep is not None:
        parts = {d: p for d, p in parts.items() if d in keep}
    return parts


def load(select: Select, head: tuple[dict, dict, dict] | None = None) -> Model:
    """Read the model of one version through `select`: documents and agencies now, units when asked.

    `head`: what `read_head` gave for this version (kept on disk by the caller), else read now.
    """
    docs, agencies, keys = head if head is not None else read_head(select)
    corpus = _Corpus(select, docs)
    return Model(docs, _PerDocument(corpus, "units", corpus.doc_of_iri),
                 _PerDocument(corpus, "by_rid", corpus.doc_of_rid), agencies, keys, _EvidenceByGraph(corpus))


def read_head(select: Select) -> tuple[dict, dict, dict]:
    """Read what a model holds from the start: documents, agencies, and agencies by folded label."""
    facts: dict[str, dict] = {}
    for r in select(_DOCS):
        f = facts.setdefault(r["id"], {"id": r["id"], "iri": r["doc"], "graph": r["g"], "text_iri": r["text"],
                                       **{k: set() for k in _DOC_FACTS}})
        for key, column in _DOC_FACTS.items():
            if r[column] is not None:
                f[key].add(str(r[column]))
    gazetteer = str(iris.gazetteer_graph_iri())
    labels = [(r["a"], ("gaz" if r["g"] == gazetteer else "pref") if r["p"].endswith("prefLabel") else "alt", r["l"])
              for r in select("""
        SELECT DISTINCT ?g ?a ?p ?l WHERE { GRAPH ?g { ?a a org:Organization ; ?p ?l .
          VALUES ?p { skos:prefLabel skos:altLabel } } }""")]
    return finish_head([doc_entry(f) for f in facts.values()], labels)


# What `doc_entry` reads of a document beside its IRIs, by the column of _DOCS that gives it.
_DOC_FACTS = {"titles": "title", "places": "placeLabel", "starts": "start", "dates": "date", "creators": "creator"}
_FACT_OF = {f"{NAMESPACES['eli']}title": "titles", f"{NAMESPACES['eli']}date_document": "dates",
            f"{NAMESPACES['dct']}creator": "creators"}
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
# The predicates `doc_head` reads besides rdf:type: a graph's other triples are passed over.
_HEAD_PREDICATES = frozenset({*_FACT_OF, *(NAMESPACES[k] + local for k, local in (
    ("eli", "is_realized_by"), ("dct", "identifier"), ("dct", "temporal"), ("dct", "spatial"),
    ("dcat", "startDate"), ("skos", "prefLabel"), ("skos", "altLabel")))})


def doc_entry(facts: Mapping) -> dict:
    """Return a document's entry in a model from its facts: its IRIs and id, and every title,
    place label, start of period, date and creator it states (the least of each is taken)."""
    start = min(facts["starts"], default=None)
    year = start or (min(facts["dates"])[:4] if facts["dates"] else None)
    return {"id": facts["id"], "iri": facts["iri"], "graph": facts["graph"], "text_iri": facts["text_iri"],
            "title": min(facts["titles"], default=None) or facts["id"],
            "jurisdiction": min(facts["places"], default=None) or "",
            "year": int(year[:4]) if year and year[:4].isdigit() else None,
            "issuer_iri": min(facts["creators"], default=None)}


def doc_head(graph: str, triples: Iterable[tuple[str, str, object]]) -> tuple[list[dict], list[tuple[str, str, str]]]:
    """Return what one document's graph adds to a model's head, from its triples (objects as plain
    values): its entry (`doc_entry`) and the labels of the agencies it names, as `read_head` reads them."""
    eli, dct, skos, org = (NAMESPACES[k] for k in ("eli", "dct", "skos", "org"))
    typed: dict[str, set[str]] = defaultdict(set)
    one: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    wanted = {f"{eli}LegalResource", f"{org}Organization"}
    for s, p, o in triples:
        if p == _RDF_TYPE:
            if str(o) in wanted:
                typed[str(o)].add(s)
        elif p in _HEAD_PREDICATES:
            one[p][s].append(o)
    entries = []
    for d in sorted(typed[f"{eli}LegalResource"]):
        texts, ids = one[f"{eli}is_realized_by"].get(d), one[f"{dct}identifier"].get(d)
        if not texts or not ids:
            continue
        periods = one[f"{dct}temporal"].get(d, ())
        places = one[f"{dct}spatial"].get(d, ())
        facts = {"graph": graph, "iri": d, **{k: set() for k in _DOC_FACTS},
                 "starts": {str(v) for x in periods for v in one[f"{NAMESPACES['dcat']}startDate"].get(str(x), ())},
                 "places": {str(v) for x in places for v in one[f"{skos}prefLabel"].get(str(x), ())}}
        for predicate, key in _FACT_OF.items():
            facts[key] = {str(v) for v in one[predicate].get(d, ())}
        for text in sorted(map(str, texts)):  # each combination is a row of _DOCS; the entry takes the first id
            for doc_id in sorted(map(str, ids)):
                entries.append(doc_entry({**facts, "id": doc_id, "text_iri": text}))
    preferred = "gaz" if graph == str(iris.gazetteer_graph_iri()) else "pref"
    labels = [(a, preferred if p.endswith("prefLabel") else "alt", str(v))
              for a in sorted(typed[f"{org}Organization"])
              for p in (f"{skos}prefLabel", f"{skos}altLabel") for v in one[p].get(a, ())]
    return entries, labels


def finish_head(entries: Iterable[Mapping], labels: Iterable[tuple[str, str, str]]) -> tuple[dict, dict, dict]:
    """Return a model's head from every document's entry and every agency label, each
    ``(agency IRI, "gaz" | "pref" | "alt", label)`` ("gaz": the gazetteer's preferred label)."""
    docs: dict[str, dict] = {}
    for e in sorted(entries, key=lambda e: (e["id"], e["graph"], e["iri"], e["text_iri"])):
        docs.setdefault(e["id"], dict(e))
    agencies: dict[str, dict] = {}
    for iri, kind, label in labels:
        agencies.setdefault(iri, {"iri": iri, "gaz": set(), "pref": set(), "alt": set()})[kind].add(label)
    keys: dict[str, set[str]] = defaultdict(set)
    for iri in sorted(agencies):
        a = agencies[iri]
        a["name"] = min(a["gaz"]) if a["gaz"] else min(a["pref"]) if a["pref"] else min(a["alt"])
        a["labels"] = sorted(a["gaz"] | a["pref"] | a["alt"])
        for label in a["labels"]:
            keys[fold(label)].add(a["iri"])
    for d in docs.values():  # the issuer by its agency name, as every other agency is shown
        d["issuer"] = agencies[d["issuer_iri"]]["name"] if d["issuer_iri"] in agencies else ""
    return dict(sorted(docs.items())), dict(sorted(agencies.items())), dict(keys)


# --------------------------------------------------------------------------- lookups


def spans(model: Model, body: str, graph: str) -> list[tuple[int, int]]:
    """Return every evidence span of `body` in `graph`, sorted (reads that document's part only)."""
    return model.evidence.get(graph, {}).get(body, [])


def units_of(model: Model, doc_id: str) -> list[Unit]:
    """Return one document's units in document order (reads that document's part only)."""
    units = model.units
    if isinstance(units, _PerDocument):
        return units.of_doc(doc_id)
    return [u for u in units.values() if u.doc == doc_id]


def span(model: Model, body: str, graph: str) -> list[int | None]:
    """Return the first evidence span of `body` in `graph` as [start, end] ([None, None] if none)."""
    found = spans(model, body, graph)
    return list(found[0]) if found else [None, None]


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
