"""Extraction records → RDF: shapes, determinism, evidence spans and the canned role questions."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace

import pyoxigraph
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from extract.records import Span
from graph.rdf import (
    dataset,
    extraction_to_graph,
    gazetteer_graph,
    ontology_graph,
    ontology_turtle,
    read_gazetteer,
    to_nquads,
    validate,
)
from ontology import iris
from ontology.namespaces import DCTERMS, ELI, OA, ORG, PKG, PKG_ONTOLOGY, PROV, QB, RDF, SKOS, XSD

PREFIXES = """
PREFIX pkg: <https://w3id.org/policykg/ontology#>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
BASE = iris.DEFAULT_BASE


@pytest.fixture
def tiny_graph(tiny_extraction) -> Graph:
    return extraction_to_graph(tiny_extraction, base=BASE)


def doc(path: str = "") -> URIRef:
    return URIRef(f"{BASE}doc/demo{path}")


def agency(key: str) -> URIRef:
    return URIRef(f"{BASE}agency/{key}")


# Shapes


def test_built_graph_conforms_to_the_shapes(tiny_graph):
    conforms, report = validate(tiny_graph)
    assert conforms, report


def test_dataset_has_the_ontology_and_one_named_graph_per_document_and_conforms(tiny_extraction, make_tiny_extraction):
    other = make_tiny_extraction("other")
    ds = dataset([tiny_extraction, other], base=BASE)
    names = {g.identifier for g in ds.graphs() if len(g)}
    assert names == {PKG_ONTOLOGY, iris.graph_iri("demo", BASE), iris.graph_iri("other", BASE)}
    assert isomorphic(ds.graph(PKG_ONTOLOGY), ontology_graph())
    assert isomorphic(Graph().parse(data=ontology_turtle(), format="turtle"), ontology_graph())
    for name in names - {PKG_ONTOLOGY}:
        conforms, report = validate(ds.graph(name))
        assert conforms, report


def _drop(s, p) -> Callable[[Graph], None]:
    return lambda g: g.remove((s, p, None))


def _add(s, p, o) -> Callable[[Graph], None]:
    return lambda g: g.add((s, p, o))


def _set(s, p, o) -> Callable[[Graph], None]:
    def change(g: Graph) -> None:
        g.remove((s, p, None))
        g.add((s, p, o))

    return change


T1 = doc("/task/1")
ATTRIBUTION = URIRef(f"{T1}/attribution/lead/1")
ANNOTATION = doc("/annotation/17-21")
OBSERVATION = doc("/indicator/1/target")

BROKEN = [
    ("task without number", _drop(T1, ELI.number), "eli:number"),
    ("task with two titles", _add(T1, ELI.title, Literal("另一个标题", lang="zh")), "eli:title"),
    ("task part of nothing", _drop(T1, ELI.is_part_of), "part of exactly one"),
    ("task of an unknown type", _set(T1, ELI.type_subdivision, PKG.lead), "pkg:subdivisionTypes"),
    ("attribution with two agents", _add(ATTRIBUTION, PROV.agent, agency("gz-copyright")), "exactly one agent"),
    ("attribution with a role outside the scheme", _set(ATTRIBUTION, PROV.hadRole, PKG.partType), "pkg:roles"),
    ("attribution to a non-organization", _set(ATTRIBUTION, PROV.agent, doc("/part/1")), "org:Organization"),
    ("span with start = end", _set(ANNOTATION, OA.hasTarget, doc("/text#char=21,21")), "start < end"),
    ("span past the end of the text", _set(ANNOTATION, OA.hasTarget, doc("/text#char=17,99999")), "its length"),
    ("span of a text not stored", _set(ANNOTATION, OA.hasTarget, doc("/other#char=17,21")), "text is stored"),
    ("span that is not a fragment", _set(ANNOTATION, OA.hasTarget, doc("/text")), "#char=start,end"),
    ("span given as a string", _set(ANNOTATION, OA.hasTarget, Literal("17-21")), "#char=start,end"),
    ("annotation without target", _drop(ANNOTATION, OA.hasTarget), "exactly one target"),
    ("extent that is not a fragment", _set(T1, PKG.extent, doc("/extent/0-5")), "#char=start,end"),
    ("observation without value", _drop(OBSERVATION, PKG.value), "exactly one value"),
    ("observation without indicator", _drop(OBSERVATION, PKG.indicator), "exactly one indicator"),
    ("text without its digest", _drop(doc("/text"), PKG.sha256), "pkg:sha256"),
    ("agency with two Chinese prefLabels",
     _add(agency("gz-amr"), SKOS.prefLabel, Literal("市场监管局", lang="zh")), "prefLabel"),
]


@pytest.mark.parametrize(("mutate", "message"), [(m, msg) for _, m, msg in BROKEN], ids=[d for d, _, _ in BROKEN])
def test_a_broken_graph_fails_validation(tiny_graph, mutate, message):
    mutate(tiny_graph)
    conforms, report = validate(tiny_graph)
    assert not conforms
    assert message in report


# Determinism and round trips


def test_same_extraction_gives_isomorphic_graphs_and_identical_nquads(make_tiny_extraction):
    a, b = make_tiny_extraction(), make_tiny_extraction()
    assert isomorphic(extraction_to_graph(a), extraction_to_graph(b))
    assert to_nquads(a) == to_nquads(b)


def test_nquads_are_sorted_parse_strictly_and_round_trip(tiny_extraction, tiny_graph):
    data = to_nquads(tiny_extraction, base=BASE)
    lines = data.decode("utf-8").splitlines()
    assert lines == sorted(lines)
    assert len(list(pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.N_QUADS))) == len(tiny_graph)
    ds = Dataset()
    ds.parse(data=data, format="nquads")
    assert isomorphic(ds.graph(iris.graph_iri("demo", BASE)), tiny_graph)


@pytest.mark.parametrize("title", ["0\x0c", "标题\u2028续", "a\rb", "引号\"与\\反斜杠"])
def test_nquads_keep_unusual_characters_inside_literals(make_tiny_extraction, title):
    x = make_tiny_extraction()
    x = replace(x, document=replace(x.document, title=title, metadata={**x.document.metadata, "title": title}))
    ds = Dataset()
    ds.parse(data=to_nquads(x), format="nquads")
    assert isomorphic(ds.graph(iris.graph_iri("demo")), extraction_to_graph(x))


def test_graph_has_no_blank_nodes(tiny_graph):
    assert not [t for t in tiny_graph if any(isinstance(x, BNode) for x in t)]


def _document_iris(g: Graph) -> set[str]:
    return {str(x) for t in g for x in t if isinstance(x, URIRef) and "/doc/demo" in str(x)}


def test_base_is_configurable_by_argument_and_environment(tiny_extraction, monkeypatch):
    argued = _document_iris(extraction_to_graph(tiny_extraction, base="https://example.org/kg/"))
    assert argued and all(x.startswith("https://example.org/kg/doc/demo") for x in argued)
    monkeypatch.setenv(iris.BASE_ENV, "https://env.example/")
    from_env = _document_iris(extraction_to_graph(tiny_extraction))
    assert from_env and all(x.startswith("https://env.example/doc/demo") for x in from_env)


# Evidence


SELECTORS = PREFIXES + """
SELECT ?whole ?start ?end WHERE {
  ?annotation oa:hasTarget ?segment .
  BIND(STRAFTER(STR(?segment), "#char=") AS ?range)
  BIND(xsd:integer(STRBEFORE(?range, ",")) AS ?start)
  BIND(xsd:integer(STRAFTER(?range, ",")) AS ?end)
  ?text pkg:text ?whole .
  FILTER(STR(?text) = STRBEFORE(STR(?segment), "#"))
}"""


def quotes_of(g: Graph, node, prop=None) -> set[str]:
    """Return the characters each evidence span of `node` selects (with `prop`, each extent's instead)."""
    segments = g.objects(node, prop) if prop is not None else (
        t for anno in g.subjects(OA.hasBody, node) for t in g.objects(anno, OA.hasTarget))
    out = set()
    for seg in segments:
        start, end = iris.segment_span(str(seg))
        out.add(str(g.value(URIRef(iris.segment_text(str(seg))), PKG.text))[start:end])
    return out


def test_every_annotation_targets_characters_of_the_stored_text(tiny_graph, tiny_extraction):
    text = tiny_extraction.document.text
    annotations = set(tiny_graph.subjects(RDF.type, OA.Annotation))
    assert annotations
    for anno in annotations:
        (target,) = tiny_graph.objects(anno, OA.hasTarget)
        assert iris.segment_text(str(target)) == str(doc("/text"))
        start, end = iris.segment_span(str(target))
        assert 0 <= start < end <= len(text)
        assert str(anno).endswith(f"/annotation/{start}-{end}")


def test_extents_of_every_record_and_clause_sentence_are_stored(tiny_extraction, tiny_graph):
    g, x = tiny_graph, tiny_extraction

    def extents(node, prop=PKG.extent):
        return [iris.segment_span(str(t)) for t in g.objects(node, prop)]

    records = [*x.sections, *x.units, *x.boxes]
    assert records
    for r in records:
        assert extents(iris.record_iri(r.id, BASE)) == [(r.span.start, r.span.end)], r.id
        assert quotes_of(g, iris.record_iri(r.id, BASE), PKG.extent) == {r.span.quote}
    for u in x.units:
        for i, c in enumerate(u.clauses, 1):
            node = iris.clause_iri(iris.record_iri(u.id, BASE), i)
            assert extents(node, PKG.sentence) == [(c.sentence.start, c.sentence.end)]


def test_spans_can_be_read_in_sparql(tiny_graph, tiny_extraction):
    rows = list(tiny_graph.query(SELECTORS))
    assert len(rows) == len(set(tiny_graph.subjects(RDF.type, OA.Annotation)))
    assert all(0 <= s.toPython() < e.toPython() <= len(str(t)) for t, s, e in rows)


def test_stored_text_is_the_document_text_with_its_digest(tiny_extraction, tiny_graph):
    text = tiny_graph.value(doc("/text"), PKG.text)
    assert str(text) == tiny_extraction.document.text
    assert (doc(), ELI.is_realized_by, doc("/text")) in tiny_graph


EVIDENCED = [
    ("attribution", doc("/task/1/attribution/cooperate/1"), "市司法局"),
    ("clause", doc("/task/2/clause/1"), "（市公安局、市检察院按职责分工负责）"),
    ("citation", iris.work_iri("知识产权强国建设纲要（2021-2035 年）", BASE), "《知识产权强国建设纲要（2021-2035 年）》"),
    ("place mention", URIRef(f"{BASE}place/nansha"), "南沙区"),
    ("box", doc("/box/1"), "保护中心建设工程"),
    ("footnote", doc("/footnote/2"), "“双区”指粤港澳大湾区和深圳先行示范区。"),
    ("indicator", doc("/indicator/1"), "专利授权量 件 2020年 1000 2025年 2000 市市场监管局 预期性"),
    ("task", doc("/task/1"), "完善法规"),
    ("section", doc("/section/1.1"), "（一）强化保护"),
]


@pytest.mark.parametrize(("fact", "quote"), [(f, q) for _, f, q in EVIDENCED], ids=[d for d, _, _ in EVIDENCED])
def test_every_kind_of_fact_is_tied_to_its_span(tiny_graph, fact, quote):
    assert quote in quotes_of(tiny_graph, fact)


def test_a_span_that_does_not_quote_the_text_is_refused(tiny_extraction):
    bad = replace(tiny_extraction.units[0], title_span=Span(17, 21, "别的文字"))
    broken = replace(tiny_extraction, units=(bad, *tiny_extraction.units[1:]))
    with pytest.raises(ValueError, match="别的文字"):
        extraction_to_graph(broken)


# Roles: the canned question and its long form


def test_tasks_where_an_agency_cooperates_is_one_triple_pattern(tiny_graph):
    rows = tiny_graph.query(
        PREFIXES + 'SELECT ?task WHERE { ?task pkg:cooperatingAgency ?a . ?a skos:prefLabel "市司法局"@zh }'
    )
    assert {r.task for r in rows} == {T1}


ROLE_CASES = [
    (PKG.leadAgency, T1, {agency("gz-amr"), agency("gz-copyright")}),
    (PKG.cooperatingAgency, T1, {agency("x-市司法局"), agency("gz-districts")}),
    (PKG.responsibleAgency, doc("/task/2"), {agency("x-市公安局"), agency("x-市检察院")}),
    (PKG.guidingAgency, doc("/measure/1.2"), {agency("x-市委宣传部")}),
]


@pytest.mark.parametrize(("shortcut", "unit", "agencies"), ROLE_CASES)
def test_role_shortcuts(tiny_graph, shortcut, unit, agencies):
    assert set(tiny_graph.objects(unit, shortcut)) == agencies


def test_shortcuts_agree_with_qualified_attributions(tiny_graph):
    shortcut_of = {PKG.lead: PKG.leadAgency, PKG.cooperate: PKG.cooperatingAgency,
                   PKG.responsible: PKG.responsibleAgency, PKG.guide: PKG.guidingAgency}
    long_form = {
        (unit, shortcut_of[tiny_graph.value(att, PROV.hadRole)], tiny_graph.value(att, PROV.agent))
        for unit, att in tiny_graph.subject_objects(PROV.qualifiedAttribution)
    }
    short_form = {t for p in shortcut_of.values() for t in tiny_graph.triples((None, p, None))}
    assert long_form == short_form


def test_agency_keeps_canonical_pref_label_and_written_alt_label(tiny_graph):
    amr = agency("gz-amr")
    assert set(tiny_graph.objects(amr, SKOS.prefLabel)) == {Literal("广州市市场监督管理局（知识产权局）", lang="zh")}
    assert Literal("市市场监管局", lang="zh") in set(tiny_graph.objects(amr, SKOS.altLabel))


# Document, structure, indicators, provenance


def test_document_metadata(tiny_graph):
    d = doc()
    assert tiny_graph.value(d, DCTERMS.title) == Literal("广州市示例规划", lang="zh")
    assert tiny_graph.value(d, DCTERMS.creator) == agency("gz-amr")  # resolved through the extraction's names
    assert (d, RDF.type, ELI.LegalResource) in tiny_graph
    assert (d, ELI.cites, iris.work_iri("知识产权强国建设纲要（2021-2035 年）", BASE)) in tiny_graph


def test_structure_is_linked_both_ways(tiny_graph):
    for child, parent in [(doc("/part/1"), doc()), (doc("/section/1.1"), doc("/part/1")), (T1, doc("/section/1.1")),
                          (doc("/box/1"), doc("/section/1.1")), (doc("/measure/1.2"), doc("/section/1.2"))]:
        assert (child, ELI.is_part_of, parent) in tiny_graph
        assert (parent, ELI.has_part, child) in tiny_graph
    assert (T1, PKG.box, doc("/box/1")) in tiny_graph
    assert tiny_graph.value(doc("/measure/1.2"), ELI.type_subdivision) == PKG.measureType


def test_indicator_observations(tiny_graph):
    rows = {
        (tiny_graph.value(o, PKG.stage), str(tiny_graph.value(o, PKG.year)), str(tiny_graph.value(o, PKG.value)))
        for o in tiny_graph.subjects(RDF.type, QB.Observation)
    }
    assert rows == {(PKG.baseline, "2020", "1000"), (PKG.target, "2025", "2000")}
    assert tiny_graph.value(OBSERVATION, PKG.sourceAgency) == agency("gz-amr")
    assert tiny_graph.value(OBSERVATION, QB.dataSet) == doc("/indicators")


def test_extraction_run_provenance(tiny_extraction, tiny_graph):
    run = doc("/extraction")
    assert (run, RDF.type, PROV.Activity) in tiny_graph
    assert (iris.graph_iri("demo", BASE), PROV.wasGeneratedBy, run) in tiny_graph
    software = tiny_graph.value(run, PROV.wasAssociatedWith)
    assert (software, RDF.type, PROV.SoftwareAgent) in tiny_graph
    assert tiny_graph.value(doc("/source"), PKG.sha256) == Literal(tiny_extraction.document.sha256)


# Gazetteer

AGENCIES_CSV = """id,name,aliases,level,kind,jurisdiction,parent,members
gz-gov,广州市人民政府,市政府,city,government,广州市,,
gz-amr,广州市市场监督管理局（知识产权局）,市市场监管局|市知识产权局,city,government,gz,gz-gov,
gz-districts,广州市各区人民政府,各区人民政府,city,collective,广州市,,gz-nansha-gov|某区人民政府
gz-nansha-gov,广州市南沙区人民政府,南沙区政府,district,government,南沙区,,
"""
PLACES_CSV = """id,name,aliases,kind,parent
gz,广州市,广州,city,
nansha,南沙区,,district,gz
gba,粤港澳大湾区,大湾区,grouping,
xyz,某地,,planet,
"""


@pytest.fixture
def gazetteer() -> Graph:
    return gazetteer_graph(read_gazetteer(io.StringIO(AGENCIES_CSV)), read_gazetteer(io.StringIO(PLACES_CSV)), BASE)


def test_gazetteer_graph_conforms(gazetteer):
    conforms, report = validate(gazetteer)
    assert conforms, report


GAZETTEER_CASES = [
    (agency("gz-amr"), ORG.subOrganizationOf, agency("gz-gov")),
    (agency("gz-amr"), SKOS.altLabel, Literal("市知识产权局", lang="zh")),
    (agency("gz-amr"), DCTERMS.spatial, URIRef(f"{BASE}place/gz")),  # jurisdiction given as an id
    (agency("gz-gov"), DCTERMS.spatial, URIRef(f"{BASE}place/gz")),  # … or as a name
    (agency("gz-districts"), ORG.classification, PKG.collective),
    (agency("gz-districts"), ORG.hasMember, agency("gz-nansha-gov")),
    (agency("gz-districts"), ORG.hasMember, agency("x-某区人民政府")),
    (agency("gz-nansha-gov"), PKG.level, PKG.district),
    (URIRef(f"{BASE}place/nansha"), PKG.locatedIn, URIRef(f"{BASE}place/gz")),
    (URIRef(f"{BASE}place/gba"), DCTERMS.type, PKG.groupingPlace),
    (URIRef(f"{BASE}place/xyz"), DCTERMS.type, PKG.otherPlace),
]


@pytest.mark.parametrize("triple", GAZETTEER_CASES, ids=lambda t: f"{t[0].split('/')[-1]} {t[1].split('#')[-1]}")
def test_gazetteer_triples(gazetteer, triple):
    assert triple in gazetteer


def test_gazetteer_with_an_unknown_level_names_it():
    rows = read_gazetteer(io.StringIO("id,name,aliases,level,kind\nq,某局,,galactic,government\n"))
    with pytest.raises(ValueError, match="'galactic'"):
        gazetteer_graph(rows, [], BASE)


def test_dataset_carries_the_gazetteer_in_its_own_graph(tiny_extraction, gazetteer):
    ds = dataset([tiny_extraction], base=BASE, gazetteer=gazetteer)
    assert isomorphic(ds.graph(iris.gazetteer_graph_iri(BASE)), gazetteer)


# Properties


doc_ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
titles = st.text(min_size=1, max_size=20).filter(lambda s: s.strip())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc_id=doc_ids, title=titles)
def test_any_doc_id_and_title_serialize_parse_and_round_trip(make_tiny_extraction, doc_id, title):
    x = make_tiny_extraction(doc_id)
    x = replace(x, document=replace(x.document, title=title, metadata={**x.document.metadata, "title": title}))
    data = to_nquads(x)
    assert data == to_nquads(x)
    pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.N_QUADS)  # strict IRI and literal syntax
    ds = Dataset()
    ds.parse(data=data, format="nquads")
    assert isomorphic(ds.graph(iris.graph_iri(doc_id)), extraction_to_graph(x))


# The seed plan, through the real extractor


def test_seed_plan_maps_conforms_and_quotes_its_text():
    from pathlib import Path

    from extract.pipeline import extract_file

    seed = Path(__file__).resolve().parent.parent / "corpus" / "guangzhou-ip-plan-2021-2025.txt"
    x = extract_file(seed)
    g = extraction_to_graph(x)
    conforms, report = validate(g)
    assert conforms, report
    for r in [*x.sections, *x.units, *x.boxes]:
        assert quotes_of(g, iris.record_iri(r.id), PKG.extent) == {r.span.quote}, r.id
    for u in x.units:
        assert u.title_span.quote in quotes_of(g, iris.record_iri(u.id)), u.id
    cooperating = set(g.subjects(PKG.cooperatingAgency, None))
    assert cooperating and all((u, ELI.type_subdivision, None) in g for u in cooperating)


def test_ntriples_for_the_store_are_the_mapped_graph(tiny_extraction):
    from rdflib.compare import isomorphic

    from graph.rdf import to_ntriples

    data = to_ntriples(tiny_extraction)
    assert data == to_ntriples(tiny_extraction)
    parsed = Graph().parse(data=data.decode("utf-8"), format="nt")
    assert isomorphic(parsed, extraction_to_graph(tiny_extraction))


_ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
_EVERY_LAYOUT = sorted([*(_ROOT / "corpus").glob("*.txt"), *(_ROOT / "tests" / "fixtures" / "genre").glob("*.txt"),
                        *(_ROOT / "tests" / "fixtures" / "hostile").glob("*.txt")])


@pytest.mark.parametrize("path", _EVERY_LAYOUT, ids=lambda p: p.name)
def test_store_lines_equal_the_rdflib_mapping_on_every_layout(path):
    """The store's N-Triples (written without rdflib terms) hold exactly the triples rdflib's mapping makes."""
    from extract.pipeline import extract_file
    from graph.rdf import to_ntriples

    x = extract_file(path)
    mine = pyoxigraph.Store()
    mine.load(to_ntriples(x), pyoxigraph.RdfFormat.N_TRIPLES)
    theirs = pyoxigraph.Store()
    theirs.load(extraction_to_graph(x).serialize(format="nt").encode("utf-8"), pyoxigraph.RdfFormat.N_TRIPLES)
    assert set(map(str, mine)) == set(map(str, theirs))
    assert len(mine) > 100
    from graph.rdf import to_store_nquads

    quads = pyoxigraph.Store()
    quads.load(to_store_nquads(x), pyoxigraph.RdfFormat.N_QUADS)
    graph = pyoxigraph.NamedNode(iris.graph_iri(x.document.id))
    assert {str(q.triple) for q in quads} == set(map(str, mine)) and {q.graph_name for q in quads} == {graph}


# Deadlines

DEADLINES = PREFIXES + """
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
SELECT DISTINCT ?number ?text ?year ?date ?start ?end WHERE {
  ?unit eli:number ?number ; pkg:deadline ?d .
  ?d a pkg:Deadline ; pkg:deadlineText ?text ; pkg:clause ?clause .
  ?unit prov:qualifiedAttribution/pkg:clause ?clause .
  OPTIONAL { ?d pkg:deadlineYear ?year } OPTIONAL { ?d pkg:deadlineDate ?date }
  ?anno oa:hasBody ?d ; oa:hasTarget ?segment .
  BIND(STRAFTER(STR(?segment), "#char=") AS ?range)
  BIND(xsd:integer(STRBEFORE(?range, ",")) AS ?start)
  BIND(xsd:integer(STRAFTER(?range, ",")) AS ?end)
} ORDER BY ?number"""


@pytest.fixture
def deadline_graph() -> Graph:
    from test_eval import with_deadlines

    return extraction_to_graph(with_deadlines(), base=BASE)


def test_a_clause_deadline_is_a_fact_of_its_unit_with_year_date_and_evidence(deadline_graph):
    from test_eval import DEADLINE_TEXT

    rows = [(str(n), str(t), y, d, s.toPython(), e.toPython()) for n, t, y, d, s, e in deadline_graph.query(DEADLINES)]
    assert [r[:2] for r in rows] == [("1", "2023年底前"), ("2", "2022年6月底前")]
    (_, _, y1, d1, s1, e1), (_, _, y2, d2, *_) = rows
    assert (y1, d1) == (Literal("2023", datatype=XSD.gYear), Literal("2023-12-31", datatype=XSD.date))
    assert (y2, d2) == (Literal("2022", datatype=XSD.gYear), Literal("2022-06", datatype=XSD.gYearMonth))
    assert DEADLINE_TEXT[s1:e1] == "2023年底前"
    deadlines = sorted(deadline_graph.subjects(RDF.type, PKG.Deadline))
    assert [quotes_of(deadline_graph, d) for d in deadlines] == [{"2023年底前"}, {"2022年6月底前"}]


def test_a_graph_with_deadlines_conforms_to_the_shapes(deadline_graph):
    conforms, report = validate(deadline_graph)
    assert conforms, report


def test_a_deadline_without_a_parsed_year_keeps_its_text(make_tiny_extraction):
    from test_eval import with_deadlines

    x = with_deadlines()
    u1, *rest = x.units
    d = replace(u1.clauses[0].deadline, year=None, date=None)
    x = replace(x, units=(replace(u1, clauses=(replace(u1.clauses[0], deadline=d),)), *rest))
    g = extraction_to_graph(x, base=BASE)
    node = URIRef(f"{T1}/clause/1/deadline")
    assert g.value(node, PKG.deadlineText) == Literal("2023年底前")
    assert g.value(node, PKG.deadlineYear) is None and g.value(node, PKG.deadlineDate) is None
    assert validate(g)[0]


DEADLINE = URIRef(f"{T1}/clause/1/deadline")
BROKEN_DEADLINES = [
    ("deadline without text", _drop(DEADLINE, PKG.deadlineText), "keeps exactly one text"),
    ("deadline with a string year", _set(DEADLINE, PKG.deadlineYear, Literal("2023")), "xsd:gYear year"),
    ("deadline with a string date", _set(DEADLINE, PKG.deadlineDate, Literal("2023-12-31")), "xsd:gYearMonth"),
    ("deadline of no unit", lambda g: g.remove((None, PKG.deadline, DEADLINE)), "belongs to exactly one unit"),
    ("deadline without evidence", lambda g: g.remove((None, OA.hasBody, DEADLINE)), "body of at least one annotation"),
]


@pytest.mark.parametrize(("mutate", "message"), [(m, msg) for _, m, msg in BROKEN_DEADLINES],
                         ids=[d for d, _, _ in BROKEN_DEADLINES])
def test_a_broken_deadline_fails_validation(deadline_graph, mutate, message):
    mutate(deadline_graph)
    conforms, report = validate(deadline_graph)
    assert not conforms
    assert message in report
