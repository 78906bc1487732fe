"""The namespace IRIs of the vocabularies policykg writes, as plain strings: nothing to import.

`ontology.namespaces` builds its closed rdflib namespaces on these (a test checks that rdflib's
own ORG, PROV, SKOS, … say the same), and the query layer (the prologue of `graph.sparql`,
`graph.model`, `graph.backend`) reads them here, so answering a question never imports rdflib.
"""

from __future__ import annotations

__all__ = ["NAMESPACES", "PKG_ONTOLOGY_IRI"]

PKG_ONTOLOGY_IRI = "https://w3id.org/policykg/ontology"  # the ontology, and the graph that holds it

# Prefix → namespace, in the order every serialization binds them (`ontology.namespaces.PREFIXES`).
NAMESPACES: dict[str, str] = {
    "pkg": f"{PKG_ONTOLOGY_IRI}#",
    "eli": "http://data.europa.eu/eli/ontology#",
    "oa": "http://www.w3.org/ns/oa#",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "qb": "http://purl.org/linked-data/cube#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
