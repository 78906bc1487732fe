"""Closed namespaces for the vocabularies policykg writes: a typo in a term raises.

rdflib already ships closed ORG, PROV, SKOS, DCTERMS, DCAT and QB; they are re-exported
here so that code imports every namespace from one place. ELI and the Web Annotation
vocabulary are not in rdflib, and PKG is our own: its terms must match `vocab.ttl`
(a test compares the two). The namespace IRIs themselves are plain strings in
`ontology.prefixes`, for code that must not import rdflib.
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import (
    DCAT,
    DCTERMS,
    ORG,
    OWL,
    PROV,
    QB,
    RDF,
    RDFS,
    SKOS,
    XSD,
    DefinedNamespace,
    Namespace,
)

from .prefixes import NAMESPACES, PKG_ONTOLOGY_IRI

__all__ = [
    "DCAT",
    "DCTERMS",
    "ELI",
    "OA",
    "ORG",
    "OWL",
    "PKG",
    "PKG_ONTOLOGY",
    "PREFIXES",
    "PROV",
    "QB",
    "RDF",
    "RDFS",
    "SKOS",
    "XSD",
]

PKG_ONTOLOGY = URIRef(PKG_ONTOLOGY_IRI)


class ELI(DefinedNamespace):
    """European Legislation Identifier ontology (terms of ELI 1.5)."""

    _fail = True
    _NS = Namespace(NAMESPACES["eli"])

    # classes
    AdministrativeArea: URIRef
    Agent: URIRef
    ComplexWork: URIRef
    Expression: URIRef
    Format: URIRef
    FormatType: URIRef
    InForce: URIRef
    Language: URIRef
    LegalExpression: URIRef
    LegalResource: URIRef
    LegalResourceSubdivision: URIRef
    LegalValue: URIRef
    Manifestation: URIRef
    Organization: URIRef
    Person: URIRef
    ResourceType: URIRef
    SubdivisionType: URIRef
    Version: URIRef
    Work: URIRef
    WorkSubdivision: URIRef
    WorkType: URIRef
    # properties
    amended_by: URIRef
    amends: URIRef
    applied_by: URIRef
    applies: URIRef
    based_on: URIRef
    basis_for: URIRef
    changed_by: URIRef
    changes: URIRef
    cited_by: URIRef
    cites: URIRef
    commenced_by: URIRef
    commences: URIRef
    consolidated_by: URIRef
    consolidates: URIRef
    corrected_by: URIRef
    corrects: URIRef
    countersigned_by: URIRef
    date_applicability: URIRef
    date_document: URIRef
    date_no_longer_in_force: URIRef
    date_publication: URIRef
    description: URIRef
    embodies: URIRef
    ensures_implementation_of: URIRef
    first_date_entry_in_force: URIRef
    format: URIRef
    has_annex: URIRef
    has_another_publication: URIRef
    has_derivative: URIRef
    has_member: URIRef
    has_part: URIRef
    has_translation: URIRef
    id_local: URIRef
    implementation_ensured_by: URIRef
    in_force: URIRef
    is_about: URIRef
    is_annex_of: URIRef
    is_another_publication_of: URIRef
    is_derivative_of: URIRef
    is_embodied_by: URIRef
    is_exemplified_by: URIRef
    is_member_of: URIRef
    is_part_of: URIRef
    is_realized_by: URIRef
    is_translation_of: URIRef
    jurisdiction: URIRef
    language: URIRef
    legal_value: URIRef
    licence: URIRef
    media_type: URIRef
    number: URIRef
    passed_by: URIRef
    published_in: URIRef
    published_in_format: URIRef
    publisher: URIRef
    publisher_agent: URIRef
    publishes: URIRef
    realizes: URIRef
    related_to: URIRef
    relevant_for: URIRef
    repealed_by: URIRef
    repeals: URIRef
    responsibility_of: URIRef
    responsibility_of_agent: URIRef
    rights: URIRef
    rightsholder: URIRef
    rightsholder_agent: URIRef
    title: URIRef
    title_alternative: URIRef
    title_short: URIRef
    transposed_by: URIRef
    transposes: URIRef
    type_document: URIRef
    type_subdivision: URIRef
    uri_schema: URIRef
    version: URIRef
    version_date: URIRef
    work_type: URIRef


class OA(DefinedNamespace):
    """W3C Web Annotation vocabulary."""

    _fail = True
    _NS = Namespace(NAMESPACES["oa"])

    # classes
    Annotation: URIRef
    Choice: URIRef
    CssSelector: URIRef
    CssStyle: URIRef
    DataPositionSelector: URIRef
    Direction: URIRef
    FragmentSelector: URIRef
    HttpRequestState: URIRef
    Motivation: URIRef
    RangeSelector: URIRef
    ResourceSelection: URIRef
    Selector: URIRef
    SpecificResource: URIRef
    State: URIRef
    Style: URIRef
    SvgSelector: URIRef
    TextPositionSelector: URIRef
    TextQuoteSelector: URIRef
    TextualBody: URIRef
    TimeState: URIRef
    XPathSelector: URIRef
    # properties
    annotationService: URIRef
    bodyValue: URIRef
    cachedSource: URIRef
    canonical: URIRef
    end: URIRef
    exact: URIRef
    hasBody: URIRef
    hasEndSelector: URIRef
    hasPurpose: URIRef
    hasScope: URIRef
    hasSelector: URIRef
    hasSource: URIRef
    hasStartSelector: URIRef
    hasState: URIRef
    hasTarget: URIRef
    motivatedBy: URIRef
    prefix: URIRef
    processingLanguage: URIRef
    refinedBy: URIRef
    renderedVia: URIRef
    sourceDate: URIRef
    sourceDateEnd: URIRef
    sourceDateStart: URIRef
    start: URIRef
    styleClass: URIRef
    styledBy: URIRef
    suffix: URIRef
    textDirection: URIRef
    via: URIRef
    # individuals
    PreferContainedDescriptions: URIRef
    PreferContainedIRIs: URIRef
    assessing: URIRef
    bookmarking: URIRef
    classifying: URIRef
    commenting: URIRef
    describing: URIRef
    editing: URIRef
    highlighting: URIRef
    identifying: URIRef
    linking: URIRef
    ltrDirection: URIRef
    moderating: URIRef
    questioning: URIRef
    replying: URIRef
    rtlDirection: URIRef
    tagging: URIRef


class PKG(DefinedNamespace):
    """policykg's own terms, only where ELI, ORG, PROV, OA, QB, SKOS and DCTERMS lack one."""

    _fail = True
    _NS = Namespace(NAMESPACES["pkg"])

    # classes
    Clause: URIRef
    Deadline: URIRef
    Footnote: URIRef
    Indicator: URIRef
    Correction: URIRef
    # document and text
    text: URIRef
    sha256: URIRef
    level: URIRef
    # units
    keyword: URIRef
    clause: URIRef
    asWritten: URIRef
    inferred: URIRef
    mentions: URIRef
    box: URIRef
    footnote: URIRef
    term: URIRef
    deadline: URIRef
    deadlineText: URIRef
    deadlineYear: URIRef
    deadlineDate: URIRef
    extent: URIRef
    sentence: URIRef
    page: URIRef
    # corrections made by hand (extract/corrections.py)
    correction: URIRef
    curatedBy: URIRef
    action: URIRef
    unitKey: URIRef
    nameAsTyped: URIRef
    correctedAgency: URIRef
    correctedRole: URIRef
    correctedDeadline: URIRef
    orphaned: URIRef
    # one-hop role shortcuts
    leadAgency: URIRef
    cooperatingAgency: URIRef
    responsibleAgency: URIRef
    guidingAgency: URIRef
    # places
    locatedIn: URIRef
    # indicators (Data Cube components)
    indicatorStructure: URIRef
    indicator: URIRef
    year: URIRef
    stage: URIRef
    value: URIRef
    unit: URIRef
    nature: URIRef
    sourceAgency: URIRef
    # concept schemes
    subdivisionTypes: URIRef
    roles: URIRef
    agencyLevels: URIRef
    agencyKinds: URIRef
    placeKinds: URIRef
    stages: URIRef
    natures: URIRef
    # subdivision types
    partType: URIRef
    sectionType: URIRef
    taskType: URIRef
    measureType: URIRef
    boxType: URIRef
    # roles (names match extract.records.Role values)
    lead: URIRef
    cooperate: URIRef
    responsible: URIRef
    guide: URIRef
    # agency levels (names match the gazetteer's level column)
    international: URIRef
    national: URIRef
    provincial: URIRef
    city: URIRef
    district: URIRef
    # agency kinds (names match the gazetteer's kind column)
    government: URIRef
    court: URIRef
    procuratorate: URIRef
    customs: URIRef
    party: URIRef
    legislature: URIRef
    organization: URIRef
    arbitration: URIRef
    collective: URIRef
    # place kinds
    countryPlace: URIRef
    provincePlace: URIRef
    cityPlace: URIRef
    districtPlace: URIRef
    countyPlace: URIRef
    townPlace: URIRef
    zonePlace: URIRef
    groupingPlace: URIRef
    otherPlace: URIRef
    # indicator stages and natures
    baseline: URIRef
    target: URIRef
    expected: URIRef
    binding: URIRef


# Prefixes bound on every graph we serialize, so Turtle output reads like the vocabulary.
PREFIXES: dict[str, object] = {
    "pkg": PKG._NS,
    "eli": ELI._NS,
    "oa": OA._NS,
    "org": ORG._NS,
    "prov": PROV._NS,
    "skos": SKOS._NS,
    "dct": DCTERMS._NS,
    "dcat": DCAT._NS,
    "qb": QB._NS,
    "owl": OWL._NS,
    "xsd": XSD._NS,
}
