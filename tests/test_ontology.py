"""The vocabulary, the closed namespaces, the shapes file and the IRI minting rules."""

from __future__ import annotations

import ast
import doctest
import re
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, ORG, OWL, PROV, QB, RDF, RDFS, SKOS

from extract.records import Role
from ontology import iris
from ontology.namespaces import ELI, OA, PKG, PKG_ONTOLOGY

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
PKG_NS = str(PKG._NS)
CLOSED = [ELI, OA, PKG, ORG, PROV, QB, SKOS, DCTERMS, DCAT]


@pytest.fixture(scope="module")
def vocab() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "vocab.ttl")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "shapes.ttl")


def own_terms(g: Graph) -> set[URIRef]:
    return {s for s in g.subjects() if isinstance(s, URIRef) and str(s).startswith(PKG_NS)}


# Vocabulary


def test_vocab_is_an_owl_ontology(vocab):
    assert (PKG_ONTOLOGY, RDF.type, OWL.Ontology) in vocab


def test_every_own_term_has_zh_and_en_labels_and_a_definition(vocab):
    missing = []
    for term in sorted(own_terms(vocab)):
        for prop in (RDFS.label, SKOS.prefLabel):
            langs = {o.language for o in vocab.objects(term, prop) if isinstance(o, Literal)}
            missing += [f"{term} {prop} @{lang}" for lang in ("zh", "en") if lang not in langs]
        if not any(vocab.objects(term, SKOS.definition)) and not any(vocab.objects(term, RDFS.comment)):
            missing.append(f"{term} definition")
    assert not missing


def test_namespace_class_and_vocab_declare_the_same_pkg_terms(vocab):
    declared_in_code = {PKG[name] for name in PKG.__annotations__}
    assert declared_in_code == own_terms(vocab)


def test_every_pkg_term_used_in_code_is_declared_in_vocab(vocab):
    used = set()
    for path in [*ROOT.glob("graph/*.py"), *ROOT.glob("ontology/*.py"), *ROOT.glob("extract/*.py")]:
        used |= set(re.findall(r"\bPKG\.(\w+)", path.read_text(encoding="utf-8")))
        used |= set(re.findall(r"\bPKG\[\"(\w+)\"\]", path.read_text(encoding="utf-8")))
    used -= {"_NS", "_fail", "__annotations__"}
    assert {URIRef(PKG_NS + name) for name in used} <= own_terms(vocab)


@pytest.mark.parametrize("file", ["vocab.ttl", "shapes.ttl"])
def test_turtle_files_use_only_terms_the_closed_namespaces_know(file):
    # A typo such as eli:is_partof in Turtle would silently mint a new IRI; catch it here.
    g = Graph().parse(ONTOLOGY_DIR / file)
    unknown = set()
    for term in {t for triple in g for t in triple if isinstance(t, URIRef)}:
        for ns in CLOSED:
            base = str(ns._NS)
            if str(term).startswith(base) and str(term) != base:
                try:
                    ns[str(term)[len(base):]]
                except (AttributeError, KeyError):
                    unknown.add(str(term))
    assert not unknown


TYPOS = [
    (PKG, "leadAgencey"),
    (PKG, "Footnotes"),
    (ELI, "is_partof"),
    (ELI, "isPartOf"),
    (OA, "hasSelecter"),
    (ORG, "subOrganisationOf"),
    (PROV, "qualifiedAtribution"),
    (QB, "Observations"),
    (SKOS, "preflabel"),
]


def test_plain_namespace_strings_match_the_rdflib_namespaces():
    """ontology.prefixes (read without rdflib) says what ontology.namespaces binds, in the same order."""
    from ontology.namespaces import PREFIXES
    from ontology.prefixes import NAMESPACES, PKG_ONTOLOGY_IRI

    assert list(NAMESPACES.items()) == [(p, str(ns)) for p, ns in PREFIXES.items()]
    assert PKG_ONTOLOGY_IRI == str(PKG_ONTOLOGY)


@pytest.mark.parametrize(("ns", "name"), TYPOS)
def test_closed_namespace_raises_on_a_typo(ns, name):
    with pytest.raises(AttributeError):
        getattr(ns, name)


def test_role_concepts_match_the_role_enum(vocab):
    in_scheme = set(vocab.subjects(SKOS.inScheme, PKG.roles))
    assert in_scheme == {PKG[r.value] for r in Role}
    for role in in_scheme:
        assert (role, RDF.type, PROV.Role) in vocab


@pytest.mark.parametrize(
    ("role", "variant"),
    [(PKG.lead, "牵头单位"), (PKG.cooperate, "协办"), (PKG.cooperate, "参与"), (PKG.cooperate, "协同"),
     (PKG.responsible, "按职责分工负责"), (PKG.guide, "指导单位")],
)
def test_role_variants_are_alt_labels(vocab, role, variant):
    assert (role, SKOS.altLabel, Literal(variant, lang="zh")) in vocab


@pytest.mark.parametrize("shortcut", [PKG.leadAgency, PKG.cooperatingAgency, PKG.responsibleAgency, PKG.guidingAgency])
def test_role_shortcuts_specialise_was_attributed_to(vocab, shortcut):
    assert (shortcut, RDFS.subPropertyOf, PROV.wasAttributedTo) in vocab


def test_every_concept_sits_in_a_scheme_with_a_notation(vocab):
    for concept in vocab.subjects(RDF.type, SKOS.Concept):
        assert any(vocab.objects(concept, SKOS.inScheme)), concept
        assert any(vocab.objects(concept, SKOS.notation)), concept


def test_data_structure_definition_lists_every_component(vocab):
    components = {
        o
        for c in vocab.objects(PKG.indicatorStructure, QB.component)
        for p in (QB.dimension, QB.measure, QB.attribute)
        for o in vocab.objects(c, p)
    }
    assert components == {PKG.indicator, PKG.stage, PKG.year, PKG.value, PKG.unit, PKG.nature, PKG.sourceAgency}


def test_shapes_parse_and_name_their_targets(shapes):
    sh = "http://www.w3.org/ns/shacl#"
    targets = set(shapes.objects(None, URIRef(sh + "targetClass")))
    assert {ELI.LegalResourceSubdivision, PROV.Attribution, OA.Annotation, QB.Observation} <= targets
    spans = set(shapes.objects(None, URIRef(sh + "targetObjectsOf")))
    assert {OA.hasTarget, PKG.extent, PKG.sentence} <= spans


# Layering


@pytest.mark.parametrize("path", sorted(ONTOLOGY_DIR.glob("*.py")), ids=lambda p: p.name)
def test_ontology_imports_nothing_from_extract_or_graph(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            assert name.split(".")[0] not in {"extract", "graph", "streamlit", "pyvis"}, name


def test_importing_iris_for_its_keys_stays_cheap():
    # The extractor imports ontology.iris for record keys; that must not drag rdflib in.
    code = "import sys, ontology.iris; print('rdflib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


# IRIs


def test_iris_doctests_run():
    result = doctest.testmod(iris)
    assert result.failed == 0 and result.attempted > 0


B = "https://example.org/kg/"
IRI_CASES = [
    (lambda: iris.doc_iri("gz-plan", B), B + "doc/gz-plan"),
    (lambda: iris.graph_iri("gz-plan", B), B + "doc/gz-plan/graph"),
    (lambda: iris.text_iri("gz-plan", B), B + "doc/gz-plan/text"),
    (lambda: iris.record_iri("gz-plan/p3", B), B + "doc/gz-plan/part/3"),
    (lambda: iris.record_iri("gz-plan/s3.1", B), B + "doc/gz-plan/section/3.1"),
    (lambda: iris.record_iri("gz-plan/t12", B), B + "doc/gz-plan/task/12"),
    (lambda: iris.record_iri("gz-plan/t3.1.2", B), B + "doc/gz-plan/task/3.1.2"),
    (lambda: iris.record_iri("gz-plan/m9.1", B), B + "doc/gz-plan/measure/9.1"),
    (lambda: iris.record_iri("gz-plan/box3", B), B + "doc/gz-plan/box/3"),
    (lambda: iris.record_iri("gz-plan/b3", B), B + "doc/gz-plan/box/3"),
    (lambda: iris.record_iri("gz-plan/ind4", B), B + "doc/gz-plan/indicator/4"),
    (lambda: iris.record_iri("gz-plan/i4", B), B + "doc/gz-plan/indicator/4"),
    (lambda: iris.footnote_iri("gz-plan", 2, B), B + "doc/gz-plan/footnote/2"),
    (lambda: iris.agency_iri("gz-amr", base=B), B + "agency/gz-amr"),
    (lambda: iris.agency_iri(None, "有关 部门", B), B + "agency/x-有关部门"),
    (lambda: iris.agency_iri(None, "“双随机、一公开”各监管部门", B), B + "agency/x-“双随机、一公开”各监管部门"),
    (lambda: iris.place_iri("nansha", base=B), B + "place/nansha"),
    (lambda: iris.place_iri(None, "粤港澳大湾区", B), B + "place/x-粤港澳大湾区"),
    (lambda: iris.work_iri("知识产权强国建设纲要（2021-2035 年）", B), B + "work/bf9d9ecec6d8"),
    (lambda: iris.annotation_iri("gz-plan", 5, 9, B), B + "doc/gz-plan/annotation/5-9"),
    (lambda: iris.attribution_iri(URIRef(B + "doc/d/task/1"), "cooperate", 2),
     B + "doc/d/task/1/attribution/cooperate/2"),
    (lambda: iris.gazetteer_graph_iri(B), B + "gazetteer/graph"),
]


@pytest.mark.parametrize(("mint", "expected"), IRI_CASES)
def test_iris_are_readable_and_stable(mint, expected):
    assert mint() == URIRef(expected)
    assert mint() == mint()


KEY_CASES = [
    (iris.part_key("一"), "p1"),
    (iris.part_key("十二"), "p12"),
    (iris.section_key("三", "十五"), "s3.15"),
    (iris.section_key(None, "二"), "s2"),
    (iris.unit_key("task", "12"), "t12"),
    (iris.unit_key("task", "２"), "t2"),
    (iris.unit_key("task", "3", ("四", "二")), "t4.2.3"),
    (iris.unit_key("measure", "一", ("八",)), "m8.1"),
    (iris.box_key("3"), "box3"),
    (iris.indicator_key(7), "ind7"),
]


@pytest.mark.parametrize(("key", "expected"), KEY_CASES)
def test_record_keys(key, expected):
    assert key == expected


@pytest.mark.parametrize("bad", ["t12", "doc/", "doc/x12", "doc/t", "/t1", "doc/box"])
def test_record_iri_rejects_ids_that_are_not_record_ids(bad):
    with pytest.raises(ValueError, match=re.escape(repr(bad))):
        iris.record_iri(bad)


def test_unit_key_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="'chapter'"):
        iris.unit_key("chapter", "1")


def test_base_comes_from_argument_then_environment_then_default(monkeypatch):
    monkeypatch.delenv(iris.BASE_ENV, raising=False)
    assert str(iris.doc_iri("d")) == "https://w3id.org/policykg/doc/d"
    monkeypatch.setenv(iris.BASE_ENV, "https://env.example/kg")
    assert str(iris.doc_iri("d")) == "https://env.example/kg/doc/d"
    assert str(iris.doc_iri("d", base="https://arg.example/")) == "https://arg.example/doc/d"


@given(st.text(min_size=1, max_size=30).filter(lambda s: s.strip()))
def test_any_name_mints_a_valid_deterministic_iri(name):
    minted = iris.agency_iri(None, name)
    pyoxigraph.NamedNode(str(minted))  # raises on an invalid IRI
    assert minted == iris.agency_iri(None, name)


@given(st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=20))
def test_distinct_segments_stay_distinct(a, b):
    if a != b:
        assert iris.segment(a) != iris.segment(b)
