"""Convert RDF terms between Oxigraph, rdflib and plain Python values.

A leaf: it imports no other module of graph/, so the writers (`graph.formats`) and the query
layer both use it without importing each other.

>>> import pyoxigraph as ox
>>> to_rdflib(ox.Literal("广州", language="zh"))
rdflib.term.Literal('广州', lang='zh')
>>> to_oxigraph(to_rdflib(ox.Literal("3", datatype=ox.NamedNode(XSD + "integer")))) == \\
...     ox.Literal("3", datatype=ox.NamedNode(XSD + "integer"))
True
>>> to_python(ox.Literal("2.5", datatype=ox.NamedNode(XSD + "decimal"))), to_python(ox.NamedNode("https://e.org/a"))
(2.5, 'https://e.org/a')
>>> to_python(to_rdflib(ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))))
True
"""

from __future__ import annotations

__all__ = ["XSD", "quad_to_rdflib", "to_oxigraph", "to_python", "to_rdflib"]

XSD = "http://www.w3.org/2001/XMLSchema#"
_STRING = XSD + "string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_INTEGERS = {XSD + n for n in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
    "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}
_FLOATS = {XSD + "decimal", XSD + "double", XSD + "float"}


def to_rdflib(term):
    """Return the rdflib term of an Oxigraph named node, blank node or literal."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        return Literal(term.value) if dt in (_STRING, _LANG_STRING) else Literal(term.value, datatype=URIRef(dt))
    raise TypeError(f"not an RDF term: {term!r}")


def to_oxigraph(term):
    """Return the Oxigraph term of an rdflib URIRef, BNode or Literal (the lexical form kept)."""
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def quad_to_rdflib(quad) -> tuple:
    """Return an Oxigraph quad's (subject, predicate, object) as rdflib terms."""
    return to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)


def to_python(term) -> str | int | float | bool | None:
    """Return a term of either library as a plain value: IRIs and strings as str, numbers as numbers.

    An ill-typed number stays text; a blank node is ``_:id``.
    """
    if term is None:
        return None
    value, kind, datatype = _parts(term)
    if kind == "iri":
        return value
    if kind == "blank":
        return "_:" + value
    try:
        if datatype in _INTEGERS:
            return int(value)
        if datatype in _FLOATS:
            return float(value)
    except ValueError:
        return value
    if datatype == XSD + "boolean":
        return value in ("true", "1")
    return value


def _parts(term) -> tuple[str, str, str | None]:
    """Return (lexical value, "iri" | "blank" | "literal", datatype IRI) of a term of either library."""
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return term.value, "iri", None
    if isinstance(term, ox.BlankNode):
        return term.value, "blank", None
    if isinstance(term, ox.Literal):
        return term.value, "literal", term.datatype.value
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return str(term), "iri", None
    if isinstance(term, BNode):
        return str(term), "blank", None
    if isinstance(term, Literal):
        return str(term), "literal", str(term.datatype) if term.datatype else _STRING
    return str(term), "literal", _STRING
