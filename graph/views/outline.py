"""The Overview view and its CLI twins (`policykg documents`, `outline`, `indicators`): documents, outline, indicators."""

from __future__ import annotations

import functools
from collections import defaultdict

from ..model import find_doc, natural, record_id, span


def documents(kg) -> list[dict]:
    """Return every document: id, title, jurisdiction and its numbers of tasks, measures, boxes, indicators."""
    kg.version()
    model = kg.model()
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for u in model.units.values():
        counts[u.doc][u.kind] += 1
    indicators = defaultdict(int)
    for row in kg.indicators():
        indicators[row["doc"]] += 1
    return [{"id": d["id"], "title": d["title"], "jurisdiction": d["jurisdiction"], "iri": d["iri"],
             "tasks": counts[d["id"]]["task"], "measures": counts[d["id"]]["measure"],
             "boxes": counts[d["id"]]["box"], "indicators": indicators[d["id"]]}
            for d in model.docs.values()]


def outline(kg, doc_id: str | None = None) -> list[dict]:
    """Return parts, sections, tasks, measures and boxes in document order.

    Rows: id (record id), kind, number, title, parent (record id, None under the
    document), doc, iri, span (the extent in the document text).
    """
    kg.version()
    model = kg.model()
    if doc_id is not None:
        doc_id = find_doc(kg.model(), doc_id)["id"]
    out = []
    for u in model.units.values():
        if doc_id is not None and u.doc != doc_id:
            continue
        parent = model.units.get(u.parent) if u.parent else None
        out.append({"id": u.rid, "kind": u.kind, "number": u.number, "title": u.title,
                    "parent": parent.rid if parent else None, "doc": u.doc, "iri": u.iri,
                    "span": list(u.extent)})
    return out


def indicators(kg, doc_id: str | None = None) -> list[dict]:
    """Return the indicator table rows: name, unit, baseline and target with years, source, nature."""
    kg.version()
    rows = kg.memo("indicators", functools.partial(_load_indicators, kg))
    if doc_id is None:
        return [dict(r) for r in rows]
    doc_id = find_doc(kg.model(), doc_id)["id"]
    return [dict(r) for r in rows if r["doc"] == doc_id]


def _load_indicators(kg) -> list[dict]:
    model = kg.model()
    graph_doc = {d["graph"]: d for d in model.docs.values()}
    found: dict[str, dict] = {}
    for r in kg.select("""
        SELECT ?g ?i ?name ?unit ?fn ?stage ?value ?year ?nature ?source WHERE { GRAPH ?g {
          ?i a pkg:Indicator ; skos:prefLabel ?name .
          OPTIONAL { ?i pkg:unit ?unit }
          OPTIONAL { ?i pkg:footnote ?f . ?f eli:number ?fn }
          OPTIONAL { ?o pkg:indicator ?i ; pkg:stage ?stage ; pkg:value ?value .
                     OPTIONAL { ?o pkg:year ?year } OPTIONAL { ?o pkg:nature ?nature }
                     OPTIONAL { ?o pkg:sourceAgency ?source } } } }"""):
        doc = graph_doc.get(r["g"])
        if doc is None:
            continue
        rid = record_id(r["i"], doc["iri"], doc["id"]) or r["i"]
        row = found.setdefault(r["i"], {
            "id": rid, "iri": r["i"], "name": r["name"], "unit": r["unit"] or "", "baseline": None,
            "baseline_year": None, "target": None, "target_year": None, "source": "", "source_iri": None,
            "nature": None, "doc": doc["id"], "footnote": int(r["fn"]) if r["fn"] else None,
            "span": span(kg.model(), r["i"], r["g"])})
        stage = (r["stage"] or "").rsplit("#", 1)[-1]
        if stage in ("baseline", "target"):
            row[stage] = r["value"]
            row[f"{stage}_year"] = int(r["year"]) if r["year"] is not None else None
        if r["nature"]:
            row["nature"] = r["nature"].rsplit("#", 1)[-1]
        if r["source"]:
            row["source_iri"] = r["source"]
            row["source"] = model.agencies.get(r["source"], {}).get("name", r["source"])
    return sorted(found.values(), key=lambda r: (r["doc"], natural(r["id"])))
