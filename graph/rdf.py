"""Map extraction records to RDF: one named graph per document, every fact tied to its span.

The mapping (see `ontology/vocab.ttl` for the terms):

- the plan is an ``eli:LegalResource`` realized by an ``eli:LegalExpression`` that holds the
  normalized text (``pkg:text``); every selector's offsets refer to that literal;
- parts, sections, tasks, measures and boxes are ``eli:LegalResourceSubdivision``;
- an agency's role on a unit is a ``prov:Attribution`` (plus a one-hop shortcut property);
- a deadline a clause states is a ``pkg:Deadline`` of the unit, with its text as written
  and, when it parses, its year and date;
- every fact is the ``oa:hasBody`` of an ``oa:Annotation`` whose target selects its span;
- a correction made by hand (``extract.corrections``) is a ``pkg:Correction`` (a ``prov:Entity``
  with ``prov:wasAttributedTo`` who, ``prov:generatedAtTime`` when, ``rdfs:comment`` why) of the
  document and of the unit it was applied to; the facts it added or changed are ``pkg:curatedBy``
  it (an added one has no span), and an orphaned one says why (``pkg:orphaned``).

No blank nodes: every node has an IRI from `ontology.iris`, so the same extraction gives
byte-identical sorted N-Quads.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.resources
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple, TextIO

from rdflib import Dataset, Graph, Literal, URIRef

from extract.records import Deadline, Extraction, Span, Unit
from ontology import iris, terms
from ontology.namespaces import (
    DCAT,
    DCTERMS,
    ELI,
    OA,
    ORG,
    OWL,
    PKG,
    PKG_ONTOLOGY,
    PREFIXES,
    PROV,
    QB,
    RDF,
    RDFS,
    SKOS,
    XSD,
)
from ontology import namespaces as _ns


class _Terms:
    """A namespace whose terms are made once: rdflib makes (and checks) a new URIRef on every ``NS.name``."""

    def __init__(self, namespace) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term = self._namespace[name] if not name.startswith("__") else getattr(self._namespace, name)
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> URIRef:
        return getattr(self, name)


DCAT, DCTERMS, ELI, OA, ORG, OWL, PKG, PROV, QB, RDF, RDFS, SKOS, XSD = (
    _Terms(getattr(_ns, n)) for n in ("DCAT", "DCTERMS", "ELI", "OA", "ORG", "OWL", "PKG", "PROV", "QB", "RDF",
                                      "RDFS", "SKOS", "XSD"))

ROLE_SHORTCUT = {role: PKG[name] for role, name in terms.ROLE_SHORTCUT.items()}
SUBDIVISION_TYPE = {
    "part": PKG.partType,
    "section": PKG.sectionType,
    "task": PKG.taskType,
    "measure": PKG.measureType,
    "box": PKG.boxType,
}
AGENCY_LEVELS = {
    k: PKG[k] for k in ("international", "national", "provincial", "city", "district")
}
AGENCY_KINDS = {
    k: PKG[k]
    for k in ("government", "court", "procuratorate", "customs", "party", "legislature",
              "organization", "arbitration", "collective")
}
PLACE_KINDS = {
    "country": PKG.countryPlace,
    "province": PKG.provincePlace,
    "city": PKG.cityPlace,
    "district": PKG.districtPlace,
    "county": PKG.countyPlace,
    "town": PKG.townPlace,
    "zone": PKG.zonePlace,
    "grouping": PKG.groupingPlace,
}
NATURES = {"expected": PKG.expected, "binding": PKG.binding}
ZH = "zh"
LANGUAGE_ZH = URIRef("http://id.loc.gov/vocabulary/iso639-1/zh")
_NT_ESCAPE = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})
_XSD_STRING = str(XSD.string)


class Lit(NamedTuple):
    """A literal as the mapping writes it: cheap to make; a sink turns it into rdflib's or N-Triples'.

    >>> Lit("甲乙", lang="zh").nt(), Lit(7, datatype=XSD.nonNegativeInteger).nt()
    ('"甲乙"@zh', '"7"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>')
    >>> Lit("x").literal() == Literal("x")
    True
    """

    value: object
    lang: str | None = None
    datatype: URIRef | None = None

    def literal(self) -> Literal:
        return Literal(self.value, lang=self.lang, datatype=self.datatype)

    def nt(self) -> str:
        """Return the N-Triples form (what rdflib writes for the same Literal, up to escaping)."""
        v = self.value
        if type(v) is str:
            text = v.translate(_NT_ESCAPE)
        elif type(v) is int and self.datatype is not None:
            text = str(v)
        else:  # anything rarer: rdflib says what it means
            return self.literal().n3()
        if self.lang:
            return f'"{text}"@{self.lang}'
        if self.datatype is not None and self.datatype != _XSD_STRING:
            return f'"{text}"^^<{self.datatype}>'
        return f'"{text}"'


# Vocabulary and shapes, parsed once on first use (never at import).


@functools.cache
def _turtle_triples(name: str) -> tuple:
    source = importlib.resources.files("ontology").joinpath(name).read_text(encoding="utf-8")
    return tuple(Graph().parse(data=source, format="turtle"))


def _fresh_graph(triples: Iterable = ()) -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for t in triples:
        g.add(t)
    return g


def ontology_turtle() -> bytes:
    """Return vocab.ttl as stored, for a store that loads the ontology as Turtle."""
    return importlib.resources.files("ontology").joinpath("vocab.ttl").read_bytes()


def ontology_graph() -> Graph:
    """Return the policykg ontology (vocab.ttl) as a new graph the caller may change."""
    return _fresh_graph(_turtle_triples("vocab.ttl"))


def shapes_graph() -> Graph:
    """Return the SHACL shapes (shapes.ttl) as a new graph the caller may change."""
    return _fresh_graph(_turtle_triples("shapes.ttl"))


@functools.cache
def software_version() -> str:
    """Return the installed policykg version, or ``0+unknown`` when run from a bare checkout."""
    try:
        return importlib.metadata.version("policykg")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


# One document


@dataclass
class _Labels:
    """Labels seen for one agency or place, emitted once all are known (one prefLabel)."""

    canonical: set[str] = field(default_factory=set)
    written: set[str] = field(default_factory=set)


@dataclass
class _Doc:
    """What every mapping step needs: the graph being written and how to mint and resolve."""

    graph: Graph
    x: Extraction
    base: str
    agency_ids: dict[str, str]
    place_ids: dict[str, str]
    agencies: dict[URIRef, _Labels] = field(default_factory=lambda: defaultdict(_Labels))
    places: dict[URIRef, _Labels] = field(default_factory=lambda: defaultdict(_Labels))

    @property
    def doc_id(self) -> str:
        return self.x.document.id

    @property
    def doc(self) -> URIRef:
        return iris.doc_iri(self.doc_id, self.base)

    def add(self, s, p, o) -> None:
        if o is not None:
            self.graph.add((s, p, o))

    def agency(self, entry_id: str | None, canonical: str | None, written: str) -> URIRef:
        return self._entity(iris.agency_iri, self.agency_ids, self.agencies, entry_id, canonical, written)

    def place(self, entry_id: str | None, canonical: str | None, written: str) -> URIRef:
        return self._entity(iris.place_iri, self.place_ids, self.places, entry_id, canonical, written)

    def _entity(self, mint, ids: dict[str, str], seen: dict[URIRef, _Labels], entry_id: str | None,
                canonical: str | None, written: str) -> URIRef:
        """Mint a gazetteer entity's IRI and remember the names it was seen under."""
        entry_id = entry_id or ids.get(canonical or "") or ids.get(written)
        node = mint(entry_id, canonical or written, self.base)
        if canonical:
            seen[node].canonical.add(canonical)
        seen[node].written.add(written)
        return node

    def evidence(self, subject: URIRef, span: Span) -> None:
        """Tie `subject` to the characters of `span` with a Web Annotation.

        The annotation's target is the span itself, an RFC 5147 fragment of the text
        (``{doc}/text#char=s,e``, `iris.segment_iri`): three triples per span, where a
        SpecificResource with position and quote selectors took thirteen. The quote is the
        text's characters s to e; the text is stored (``pkg:text``).
        """
        if span.end <= span.start:
            return  # an empty span selects nothing
        text = self.x.document.text
        if not (0 <= span.start and span.end <= len(text)) or text[span.start:span.end] != span.quote:
            raise ValueError(f"span {span.start}-{span.end} of {self.doc_id} does not quote the text: {span.quote!r}")
        anno = iris.annotation_iri(self.doc_id, span.start, span.end, self.base)
        g = self.graph
        g.add((anno, RDF.type, OA.Annotation))
        g.add((anno, OA.hasBody, subject))
        g.add((anno, OA.hasTarget, iris.segment_iri(self.doc_id, span.start, span.end, self.base)))

    def extent(self, subject: URIRef, span: Span, prop=PKG.extent) -> None:
        """Store the characters `subject` extends over: the text's fragment (`iris.segment_iri`)."""
        if span.end <= span.start:
            return
        self.graph.add((subject, prop, iris.segment_iri(self.doc_id, span.start, span.end, self.base)))


def extraction_to_graph(x: Extraction, base: str | None = None) -> Graph:
    """Return the triples of one document's named graph."""
    sink = _GraphSink(_fresh_graph())
    _map(x, base, sink)
    return sink.graph


class _GraphSink:
    """Write the mapped triples into an rdflib Graph, each `Lit` as the rdflib Literal it stands for."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def add(self, triple) -> None:
        s, p, o = triple
        self.graph.add((s, p, o.literal() if type(o) is Lit else o))


class _LineSink(set):
    """Write the mapped triples as N-Triples lines (N-Quads with a graph), no rdflib term made: the store's path."""

    def __init__(self, graph: str | None = None, triples: list | None = None) -> None:
        super().__init__()
        self._end = f" <{graph}> .\n" if graph else " .\n"
        self._triples = triples

    def sorted_bytes(self) -> bytes:
        """Return the lines sorted, as UTF-8: sorted as bytes, which is code point order and costs
        half as much as sorting the strings (the same bytes)."""
        return b"".join(sorted(map(str.encode, self)))

    def add(self, triple) -> None:  # noqa: D401 - same signature as Graph.add
        s, p, o = triple
        set.add(self, f"<{s}> <{p}> {o.nt() if type(o) is Lit else f'<{o}>'}{self._end}")
        if self._triples is not None:  # also as plain values: (IRI, IRI, IRI or the literal's value)
            self._triples.append((str(s), str(p), o.value if type(o) is Lit else str(o)))


def _map(x: Extraction, base: str | None, sink) -> None:
    ctx = _Doc(
        graph=sink,
        x=x,
        base=iris.base_iri(base),
        agency_ids=_name_index(x, "agency"),
        place_ids=_name_index(x, "place"),
    )
    _add_document(ctx)
    _add_sections(ctx)
    for unit in x.units:
        _add_unit(ctx, unit)
    _add_boxes(ctx)
    _add_footnotes(ctx)
    _add_references(ctx)
    _add_mentions(ctx)
    _add_indicators(ctx)
    _add_corrections(ctx)
    _add_successions(ctx)  # after every agency is known, the corrections' included
    _add_labels(ctx.graph, ctx.agencies, ORG.Organization)
    _add_labels(ctx.graph, ctx.places, DCTERMS.Location)


def _name_index(x: Extraction, kind: str) -> dict[str, str]:
    """Map every name and canonical name with a known gazetteer id to that id."""
    index: dict[str, str] = {}
    mentions = x.agencies if kind == "agency" else x.places
    for m in (*mentions, *(m for u in x.units for m in (u.agencies if kind == "agency" else u.places))):
        if m.entry_id:
            for name in (m.canonical, m.name):
                if name:
                    index.setdefault(name, m.entry_id)
    if kind == "agency":
        for a in (a for u in x.units for a in u.assignments):
            if a.agency_id:
                for name in (a.canonical, a.agency):
                    if name:
                        index.setdefault(name, a.agency_id)
    return index


def _add_labels(g: Graph, seen: Mapping[URIRef, _Labels], cls: URIRef) -> None:
    for node, labels in seen.items():
        # SKOS allows one prefLabel per language: the canonical name, else the first as written.
        pref = min(labels.canonical) if labels.canonical else min(labels.written)
        g.add((node, RDF.type, cls))
        g.add((node, SKOS.prefLabel, Lit(pref, lang=ZH)))
        for alt in (labels.canonical | labels.written) - {pref}:
            g.add((node, SKOS.altLabel, Lit(alt, lang=ZH)))


def _add_document(ctx: _Doc) -> None:
    doc_obj = ctx.x.document
    meta = doc_obj.metadata or {}
    doc, text_node = ctx.doc, iris.text_iri(ctx.doc_id, ctx.base)
    source = iris.source_iri(ctx.doc_id, ctx.base)
    run = iris.run_iri(ctx.doc_id, ctx.base)
    software = iris.software_iri(software_version(), ctx.base)
    add = ctx.add

    add(doc, RDF.type, ELI.LegalResource)
    title = meta.get("title") or doc_obj.title
    if title:
        add(doc, ELI.title, Lit(title, lang=ZH))
        add(doc, DCTERMS.title, Lit(title, lang=ZH))
    for alias in meta.get("aliases") or ():  # other titles it is cited by (sidecar `aliases`)
        add(doc, SKOS.altLabel, Lit(str(alias), lang=ZH))
    add(doc, DCTERMS.identifier, Lit(ctx.doc_id))
    add(doc, ELI.is_realized_by, text_node)
    if meta.get("number"):
        add(doc, ELI.id_local, Lit(str(meta["number"])))  # 文号, e.g. 某府办〔2021〕12号
    if meta.get("date"):
        add(doc, ELI.date_document, Lit(str(meta["date"]), datatype=XSD.date))
    if meta.get("drafted_by"):
        add(doc, DCTERMS.creator, ctx.agency(meta.get("drafted_by_id"), None, str(meta["drafted_by"])))
    if meta.get("jurisdiction"):
        add(doc, DCTERMS.spatial, ctx.place(None, None, str(meta["jurisdiction"])))
    if meta.get("level") in AGENCY_LEVELS:
        add(doc, PKG.level, AGENCY_LEVELS[meta["level"]])
    if meta.get("period_start") or meta.get("period_end"):
        period = iris.period_iri(ctx.doc_id, ctx.base)
        add(doc, DCTERMS.temporal, period)
        add(period, RDF.type, DCTERMS.PeriodOfTime)
        for key, prop in (("period_start", DCAT.startDate), ("period_end", DCAT.endDate)):
            if meta.get(key):
                add(period, prop, Lit(f"{int(meta[key]):04d}", datatype=XSD.gYear))

    add(text_node, RDF.type, ELI.LegalExpression)
    add(text_node, ELI.realizes, doc)
    add(text_node, DCTERMS.language, LANGUAGE_ZH)
    add(text_node, PKG.text, Lit(doc_obj.text))
    add(text_node, PKG.sha256, Lit(hashlib.sha256(doc_obj.text.encode("utf-8")).hexdigest()))
    add(text_node, PROV.wasDerivedFrom, source)
    add(text_node, PROV.wasGeneratedBy, run)

    add(source, RDF.type, PROV.Entity)
    add(source, DCTERMS.source, Lit(doc_obj.source))
    add(doc, DCTERMS.source, Lit(doc_obj.source))
    if doc_obj.sha256:
        add(source, PKG.sha256, Lit(doc_obj.sha256))

    # No timestamps: the same input must give the same bytes.
    add(run, RDF.type, PROV.Activity)
    add(run, RDFS.label, Lit("policykg extraction", lang="en"))
    add(run, PROV.used, source)
    add(run, PROV.generated, text_node)
    add(run, PROV.wasAssociatedWith, software)
    add(software, RDF.type, PROV.SoftwareAgent)
    add(software, RDFS.label, Lit("policykg"))
    add(software, OWL.versionInfo, Lit(software_version()))
    add(iris.graph_iri(ctx.doc_id, ctx.base), PROV.wasGeneratedBy, run)


def _subdivision(ctx: _Doc, node: URIRef, kind: str, number: str, title: str, parent: URIRef) -> None:
    ctx.add(node, RDF.type, ELI.LegalResourceSubdivision)
    ctx.add(node, ELI.type_subdivision, SUBDIVISION_TYPE[kind])
    ctx.add(node, ELI.number, Lit(number))
    if title:
        ctx.add(node, ELI.title, Lit(title, lang=ZH))
    ctx.add(node, ELI.is_part_of, parent)
    ctx.add(parent, ELI.has_part, node)


def _parent(ctx: _Doc, *ids: str | None) -> URIRef:
    for rid in ids:
        if rid:
            return iris.record_iri(rid, ctx.base)
    return ctx.doc


def _add_sections(ctx: _Doc) -> None:
    for s in ctx.x.sections:
        node = iris.record_iri(s.id, ctx.base)
        _subdivision(ctx, node, s.level, s.number, s.title, _parent(ctx, s.parent))
        ctx.evidence(node, s.heading)
        ctx.extent(node, s.span)


def _add_unit(ctx: _Doc, unit: Unit) -> None:
    node = iris.record_iri(unit.id, ctx.base)
    _subdivision(ctx, node, unit.kind, unit.number, unit.title, _parent(ctx, unit.section, unit.part))
    ctx.evidence(node, unit.title_span)
    ctx.extent(node, unit.span)
    page = ctx.x.document.page_of(unit.span.start)
    if page is not None:
        ctx.add(node, PKG.page, Lit(page, datatype=XSD.positiveInteger))
    for kw in unit.keywords:
        ctx.add(node, PKG.keyword, Lit(kw, lang=ZH))
    for ref in unit.references:
        ctx.add(node, ELI.cites, _work(ctx, ref.title))
    for m in unit.places:
        ctx.add(node, DCTERMS.spatial, ctx.place(m.entry_id, m.canonical, m.name))
    for m in unit.agencies:
        if not m.in_clause:  # agencies named in a clause get an attribution instead
            ctx.add(node, PKG.mentions, ctx.agency(m.entry_id, m.canonical, m.name))
    for box_id in unit.boxes:
        ctx.add(node, PKG.box, iris.record_iri(box_id, ctx.base))
    for n in unit.footnotes:
        ctx.add(node, PKG.footnote, iris.footnote_iri(ctx.doc_id, n, ctx.base))

    seen_per_role: dict[str, int] = defaultdict(int)
    for ci, clause in enumerate(unit.clauses, start=1):
        clause_node = iris.clause_iri(node, ci)
        ctx.add(clause_node, RDF.type, PKG.Clause)
        ctx.evidence(clause_node, clause.span)
        if clause.curation is not None:  # not in the text: the clause of a correction
            ctx.add(clause_node, PKG.curatedBy, iris.correction_iri(ctx.doc_id, clause.curation.index, ctx.base))
        ctx.extent(clause_node, clause.sentence, PKG.sentence)
        for a in clause.assignments:
            role = a.role.value
            seen_per_role[role] += 1
            attribution = iris.attribution_iri(node, role, seen_per_role[role])
            agency = ctx.agency(a.agency_id, a.canonical, a.agency)
            ctx.add(node, PROV.qualifiedAttribution, attribution)
            ctx.add(node, ROLE_SHORTCUT[role], agency)
            ctx.add(attribution, RDF.type, PROV.Attribution)
            ctx.add(attribution, PROV.agent, agency)
            ctx.add(attribution, PROV.hadRole, PKG[role])
            ctx.add(attribution, PKG.asWritten, Lit(a.agency))
            ctx.add(attribution, PKG.clause, clause_node)
            if a.inferred:
                ctx.add(attribution, PKG.inferred, Lit(a.inferred))
            if a.curation is not None:
                ctx.add(attribution, PKG.curatedBy, iris.correction_iri(ctx.doc_id, a.curation.index, ctx.base))
            ctx.evidence(attribution, a.span)
        if clause.deadline is not None:
            _add_deadline(ctx, node, clause_node, clause.deadline)


def _add_deadline(ctx: _Doc, unit: URIRef, clause_node: URIRef, d: Deadline) -> None:
    # A clause states at most one deadline, so the clause's IRI names it.
    node = URIRef(f"{clause_node}/deadline")
    ctx.add(unit, PKG.deadline, node)
    ctx.add(node, RDF.type, PKG.Deadline)
    ctx.add(node, PKG.deadlineText, Lit(d.text))
    ctx.add(node, PKG.clause, clause_node)
    if d.year is not None:
        ctx.add(node, PKG.deadlineYear, Lit(f"{d.year:04d}", datatype=XSD.gYear))
    if d.date:
        kind = XSD.date if len(d.date) == 10 else XSD.gYearMonth if len(d.date) == 7 else None
        if kind is not None:
            ctx.add(node, PKG.deadlineDate, Lit(d.date, datatype=kind))
    if d.curation is not None:
        ctx.add(node, PKG.curatedBy, iris.correction_iri(ctx.doc_id, d.curation.index, ctx.base))
    ctx.evidence(node, d.span)


def _add_corrections(ctx: _Doc) -> None:
    """Map each entry of the corrections file: who, when and why (PROV), what, and where it applied or why not."""
    import datetime as dt

    from extract import corrections as fixes

    if not ctx.x.corrections:
        return
    source = Lit(fixes.corrections_path(ctx.x.document.source).name)
    resolver = None
    for c in ctx.x.corrections:
        node = iris.correction_iri(ctx.doc_id, c.index, ctx.base)
        ctx.add(ctx.doc, PKG.correction, node)
        ctx.add(node, RDF.type, PKG.Correction)
        ctx.add(node, RDF.type, PROV.Entity)
        ctx.add(node, PKG.action, Lit(c.action))
        ctx.add(node, PKG.unitKey, Lit(c.unit))
        ctx.add(node, DCTERMS.source, source)
        if c.by:
            who = iris.curator_iri(c.by, ctx.base)
            ctx.add(node, PROV.wasAttributedTo, who)
            ctx.add(who, RDF.type, PROV.Agent)
            ctx.add(who, RDFS.label, Lit(c.by))
        if c.when:
            ctx.add(node, PROV.generatedAtTime,
                    Lit(dt.datetime.fromisoformat(c.when).isoformat(), datatype=XSD.dateTime))
        if c.note:
            ctx.add(node, RDFS.comment, Lit(c.note))
        if c.agency is not None:
            canonical = None
            if c.agency_id:
                if resolver is None:
                    from extract.pipeline import document_resolver

                    resolver = document_resolver(ctx.x)
                entry = resolver.get(c.agency_id)
                canonical = entry.name if entry is not None else None
            ctx.add(node, PKG.nameAsTyped, Lit(c.agency))
            ctx.add(node, PKG.correctedAgency, ctx.agency(c.agency_id, canonical, c.agency))
        if c.role is not None:
            ctx.add(node, PKG.correctedRole, PKG[c.role])
        if c.deadline is not None:
            ctx.add(node, PKG.correctedDeadline, Lit(c.deadline))
        unit = fixes.find_unit(ctx.x, c.unit)
        if c.status == fixes.ORPHANED:
            ctx.add(node, PKG.orphaned, Lit(c.reason))
        elif unit is not None:
            ctx.add(iris.record_iri(unit.id, ctx.base), PKG.correction, node)


def _add_boxes(ctx: _Doc) -> None:
    for b in ctx.x.boxes:
        node = iris.record_iri(b.id, ctx.base)
        _subdivision(ctx, node, "box", b.number, b.title, _parent(ctx, b.section))
        ctx.evidence(node, b.title_span)
        ctx.extent(node, b.span)
        if b.after_task:
            ctx.add(iris.record_iri(b.after_task, ctx.base), PKG.box, node)


def _add_footnotes(ctx: _Doc) -> None:
    for f in ctx.x.footnotes:
        node = iris.footnote_iri(ctx.doc_id, f.number, ctx.base)
        ctx.add(node, RDF.type, PKG.Footnote)
        ctx.add(node, ELI.number, Lit(str(f.number)))
        ctx.add(node, PKG.term, Lit(f.term))
        ctx.add(node, ELI.description, Lit(f.body.quote, lang=ZH))
        ctx.evidence(node, f.body)


def _work(ctx: _Doc, title: str) -> URIRef:
    node = iris.work_iri(title, ctx.base)
    ctx.add(node, RDF.type, ELI.LegalResource)
    ctx.add(node, ELI.title, Lit(title, lang=ZH))
    return node


def _add_references(ctx: _Doc) -> None:
    for ref in ctx.x.references:
        work = _work(ctx, ref.title)
        ctx.add(ctx.doc, ELI.cites, work)
        ctx.evidence(work, ref.span)
    for unit in ctx.x.units:
        for ref in unit.references:
            ctx.evidence(_work(ctx, ref.title), ref.span)


def _add_mentions(ctx: _Doc) -> None:
    for m in (*ctx.x.places, *(m for u in ctx.x.units for m in u.places)):
        ctx.evidence(ctx.place(m.entry_id, m.canonical, m.name), m.span)
    for m in (*ctx.x.agencies, *(m for u in ctx.x.units for m in u.agencies)):
        ctx.evidence(ctx.agency(m.entry_id, m.canonical, m.name), m.span)


def _add_successions(ctx: _Doc) -> None:
    """Link every body the document names that a reform replaced to the body that took it over.

    The gazetteer's ``successor`` (国家工商行政管理总局 → 国家市场监督管理总局, 河北省食品药品监督管理局 →
    河北省市场监督管理局) is written with W3C ORG's organizational history, the vocabulary the
    agencies already are in: the old body ``org:changedBy`` an ``org:ChangeEvent`` whose
    ``org:originalOrganization`` it is and whose ``org:resultingOrganization`` (inverse
    ``org:resultedFrom``) is the successor, dated ``dct:date`` (``xsd:gYear``, the old body's last
    year). ORG's ChangeEvent is a prov:Activity made for mergers, splits and renamings of
    organizations; ``dct:isReplacedBy`` is for versions of documents and ``prov:wasRevisionOf``
    for revised entities, neither for one body taking over another's duties. The chain is
    followed (中国银行业监督管理委员会 → 中国银行保险监督管理委员会 → 国家金融监督管理总局), each
    successor an org:Organization with its canonical name, so a query can walk it in one graph.
    """
    from extract.gazetteer import agency_resolver

    resolver = agency_resolver()
    named = {iris.agency_iri(i, base=ctx.base): i for i in set(ctx.agency_ids.values())}
    todo = sorted(i for node, i in named.items() if node in ctx.agencies)
    done: set[str] = set()
    while todo:
        old_id = todo.pop()
        if old_id in done:
            continue
        done.add(old_id)
        old = resolver.get(old_id)
        if old is None or not old.successor:
            continue
        new = resolver.get(old.successor)
        if new is None:
            continue
        old_node, new_node = iris.agency_iri(old.id, base=ctx.base), iris.agency_iri(new.id, base=ctx.base)
        if old_node not in ctx.agencies:
            ctx.agencies[old_node].canonical.add(old.name)
        ctx.agencies[new_node].canonical.add(new.name)
        event = iris.change_event_iri(new.id, old.valid_to, old.id, ctx.base)
        g = ctx.graph
        g.add((event, RDF.type, ORG.ChangeEvent))
        g.add((event, ORG.originalOrganization, old_node))
        g.add((event, ORG.resultingOrganization, new_node))
        g.add((old_node, ORG.changedBy, event))
        g.add((new_node, ORG.resultedFrom, event))
        if old.valid_to:
            g.add((event, DCTERMS.date, Lit(str(old.valid_to), datatype=XSD.gYear)))
        todo.append(new.id)


def _add_indicators(ctx: _Doc) -> None:
    if not ctx.x.indicators:
        return
    dataset = iris.indicator_dataset_iri(ctx.doc_id, ctx.base)
    ctx.add(dataset, RDF.type, QB.DataSet)
    ctx.add(dataset, QB.structure, PKG.indicatorStructure)
    ctx.add(dataset, DCTERMS.source, ctx.doc)
    for ind in ctx.x.indicators:
        node = iris.record_iri(ind.id, ctx.base)
        ctx.add(node, RDF.type, PKG.Indicator)
        ctx.add(node, SKOS.prefLabel, Lit(ind.name, lang=ZH))
        if ind.unit:
            ctx.add(node, PKG.unit, Lit(ind.unit))
        if ind.footnote is not None:
            ctx.add(node, PKG.footnote, iris.footnote_iri(ctx.doc_id, ind.footnote, ctx.base))
        ctx.evidence(node, ind.span)
        source = None
        if ind.source_canonical or ind.source:
            source = ctx.agency(None, ind.source_canonical, ind.source or ind.source_canonical)
            ctx.evidence(source, ind.source_span)
        stages = (("baseline", ind.baseline, ind.baseline_year), ("target", ind.target, ind.target_year))
        for stage, value, year in stages:
            if value is None or value == "":
                continue
            obs = iris.observation_iri(node, stage)
            ctx.add(obs, RDF.type, QB.Observation)
            ctx.add(obs, QB.dataSet, dataset)
            ctx.add(obs, PKG.indicator, node)
            ctx.add(obs, PKG.stage, PKG[stage])
            if year is not None:
                ctx.add(obs, PKG.year, Lit(f"{year:04d}", datatype=XSD.gYear))
            ctx.add(obs, PKG.value, Lit(value))
            if ind.unit:
                ctx.add(obs, PKG.unit, Lit(ind.unit))
            if ind.nature in NATURES:
                ctx.add(obs, PKG.nature, NATURES[ind.nature])
            ctx.add(obs, PKG.sourceAgency, source)


# Gazetteers


def read_gazetteer(stream: TextIO, filename: str = "gazetteer.csv") -> list[dict[str, str]]:
    """Return the rows of a gazetteer CSV (agencies.csv or places.csv), read by the one gazetteer reader."""
    from ontology.gazetteer import read_stream

    return read_stream(stream, filename)


def _split(cell: str) -> list[str]:
    return [v.strip() for v in (cell or "").split("|") if v.strip()]


def gazetteer_graph(
    agencies: Iterable[Mapping[str, str]],
    places: Iterable[Mapping[str, str]] = (),
    base: str | None = None,
) -> Graph:
    """Return the agencies and places of the gazetteers as ORG organizations and DCT locations."""
    base = iris.base_iri(base)
    agencies, places = list(agencies), list(places)
    g = _fresh_graph()
    agency_ids = _gazetteer_index(agencies)
    place_ids = _gazetteer_index(places)

    def place(ref: str) -> URIRef:
        node = iris.place_iri(place_ids.get(ref), ref, base)
        if ref not in place_ids:
            g.add((node, RDF.type, DCTERMS.Location))
            g.add((node, SKOS.prefLabel, Literal(ref, lang=ZH)))
        return node

    def agency(ref: str) -> URIRef:
        node = iris.agency_iri(agency_ids.get(ref), ref, base)
        if ref not in agency_ids:
            g.add((node, RDF.type, ORG.Organization))
            g.add((node, SKOS.prefLabel, Literal(ref, lang=ZH)))
        return node

    for row in agencies:
        node = iris.agency_iri(row["id"], base=base)
        _gazetteer_labels(g, node, row, ORG.Organization)
        if row.get("level"):
            g.add((node, PKG.level, _lookup(AGENCY_LEVELS, row["level"], "level", row)))
        if row.get("kind"):
            g.add((node, ORG.classification, _lookup(AGENCY_KINDS, row["kind"], "kind", row)))
        if row.get("jurisdiction"):
            g.add((node, DCTERMS.spatial, place(row["jurisdiction"])))
        if row.get("parent"):
            g.add((node, ORG.subOrganizationOf, agency(row["parent"])))
        for member in _split(row.get("members", "")):
            g.add((node, ORG.hasMember, agency(member)))
    for row in places:
        node = iris.place_iri(row["id"], base=base)
        _gazetteer_labels(g, node, row, DCTERMS.Location)
        if row.get("kind"):
            # A kind this scheme does not list is kept as "other" rather than failing the load.
            g.add((node, DCTERMS.type, PLACE_KINDS.get(row["kind"], PKG.otherPlace)))
        if row.get("parent"):
            g.add((node, PKG.locatedIn, place(row["parent"])))
    return g


def _gazetteer_index(rows: list[Mapping[str, str]]) -> dict[str, str]:
    """Map every id, name and alias of a gazetteer to its id (ids win over names)."""
    index = {row["id"]: row["id"] for row in rows}
    for row in rows:
        for name in (row.get("name", ""), *_split(row.get("aliases", ""))):
            if name:
                index.setdefault(name, row["id"])
    return index


def _gazetteer_labels(g: Graph, node: URIRef, row: Mapping[str, str], cls: URIRef) -> None:
    g.add((node, RDF.type, cls))
    g.add((node, SKOS.prefLabel, Literal(row["name"], lang=ZH)))
    for alias in _split(row.get("aliases", "")):
        if alias != row["name"]:
            g.add((node, SKOS.altLabel, Literal(alias, lang=ZH)))


def _lookup(table: Mapping[str, URIRef], value: str, column: str, row: Mapping[str, str]) -> URIRef:
    try:
        return table[value]
    except KeyError:
        raise ValueError(f"gazetteer entry {row.get('id')!r}: unknown {column} {value!r}") from None


def packaged_gazetteer_graph(base: str | None = None) -> Graph:
    """Return `gazetteer_graph` of ontology/agencies.csv and places.csv (empty where absent)."""
    from ontology.gazetteer import read_packaged

    rows = {name: read_packaged(name) for name in ("agencies.csv", "places.csv")}
    return gazetteer_graph(rows["agencies.csv"], rows["places.csv"], base)


# Many documents


def dataset(
    extractions: Iterable[Extraction],
    base: str | None = None,
    gazetteer: Graph | None = None,
) -> Dataset:
    """Return a dataset: the ontology, optionally the gazetteer, and one named graph per document."""
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    _copy_into(ds.graph(PKG_ONTOLOGY), ontology_graph())
    if gazetteer is not None:
        _copy_into(ds.graph(iris.gazetteer_graph_iri(base)), gazetteer)
    for x in extractions:
        _copy_into(ds.graph(iris.graph_iri(x.document.id, base)), extraction_to_graph(x, base))
    return ds


def _copy_into(target: Graph, source: Graph) -> None:
    for t in source:
        target.add(t)


def to_nquads(extraction: Extraction, base: str | None = None) -> bytes:
    """Return one document's named graph as N-Quads, lines sorted, so equal input gives equal bytes."""
    ds = Dataset()
    _copy_into(ds.graph(iris.graph_iri(extraction.document.id, base)), extraction_to_graph(extraction, base))
    # split on "\n" only: str.splitlines() would also break at form feeds and U+2028 that
    # N-Quads leaves unescaped inside literals.
    lines = sorted({line for line in ds.serialize(format="nquads").split("\n") if line.strip()})
    return ("\n".join(lines) + "\n").encode("utf-8")


def to_ntriples(extraction: Extraction, base: str | None = None) -> bytes:
    """Return one document's triples as N-Triples, lines sorted: the store loads them into the named graph.

    Written straight from the mapped triples, without making an rdflib term: several times faster
    than through rdflib, and the same triples as extraction_to_graph (a test checks isomorphism).
    """
    lines = _LineSink()
    _map(extraction, base, lines)
    return lines.sorted_bytes()


def to_store_nquads(extraction: Extraction, base: str | None = None, triples: list | None = None) -> bytes:
    """Return one document's named graph as N-Quads, lines sorted, written like `to_ntriples`: what a build loads.

    ``triples``: a list that also receives every triple as plain values (`graph.bureau_index.doc_rows` reads them).
    """
    lines = _LineSink(iris.graph_iri(extraction.document.id, base), triples)
    _map(extraction, base, lines)
    return lines.sorted_bytes()


def validate(data: Graph) -> tuple[bool, str]:
    """Validate a graph against the shapes with the ontology mixed in; return (conforms, report)."""
    import pyshacl  # slow to import; only validation needs it

    conforms, _, report = pyshacl.validate(
        data,
        shacl_graph=shapes_graph(),
        ont_graph=ontology_graph(),
        inference="none",
        allow_warnings=False,
    )
    return bool(conforms), str(report)
