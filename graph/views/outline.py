"""The Overview view and its CLI twins (`policykg documents`, `outline`, `indicators`): documents, outline, indicators."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass

from ..model import find_doc, natural, record_id, span, units_of


def documents(kg) -> list[dict]:
    """Return every document: id, title, jurisdiction and its numbers of tasks, measures, boxes, indicators.

    Counted by the store in one query, and kept on disk per version: the next process reads it.
    """
    kg.version()
    return [dict(r) for r in kg.memo("documents", lambda: kg.cached("documents", functools.partial(_documents, kg)))]


_COUNTS = """SELECT ?g ?type (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g {
    { ?s eli:type_subdivision ?type } UNION { ?s a pkg:Indicator . BIND(pkg:Indicator AS ?type) } } }
    GROUP BY ?g ?type"""


def _documents(kg) -> list[dict]:
    model = kg.model()
    graph_doc = {d["graph"]: d["id"] for d in model.docs.values()}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in kg.select(_COUNTS):
        if r["g"] in graph_doc:
            counts[graph_doc[r["g"]]][r["type"].rsplit("#", 1)[-1].removesuffix("Type")] += int(r["n"])
    return [{"id": d["id"], "title": d["title"], "jurisdiction": d["jurisdiction"], "year": d.get("year"),
             "issuer": d.get("issuer", ""), "iri": d["iri"],
             "tasks": counts[d["id"]]["task"], "measures": counts[d["id"]]["measure"],
             "boxes": counts[d["id"]]["box"], "indicators": counts[d["id"]]["Indicator"]}
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
    for u in (units_of(model, doc_id) if doc_id is not None else model.units.values()):
        parent = model.units.get(u.parent) if u.parent else None
        out.append({"id": u.rid, "kind": u.kind, "number": u.number, "title": u.title,
                    "parent": parent.rid if parent else None, "doc": u.doc, "iri": u.iri,
                    "span": list(u.extent)})
    return out


def indicators(kg, doc_id: str | None = None) -> list[dict]:
    """Return the indicator table rows: name, unit, baseline and target with years, source, nature."""
    kg.version()
    if doc_id is None:
        return [dict(r) for r in kg.memo("indicators", functools.partial(_load_indicators, kg))]
    doc = find_doc(kg.model(), doc_id)  # one document: only its graph is asked
    return [dict(r) for r in kg.memo(f"indicators:{doc['id']}", functools.partial(_load_indicators, kg, doc))]


def _load_indicators(kg, only: dict | None = None) -> list[dict]:
    model = kg.model()
    graph_doc = {d["graph"]: d for d in model.docs.values()}
    found: dict[str, dict] = {}
    target = f"<{only['graph']}>" if only is not None else "?g"
    for r in kg.select("""
        SELECT ?g ?i ?name ?unit ?fn ?stage ?value ?year ?nature ?source WHERE { GRAPH %s {
          ?i a pkg:Indicator ; skos:prefLabel ?name .
          OPTIONAL { ?i pkg:unit ?unit }
          OPTIONAL { ?i pkg:footnote ?f . ?f eli:number ?fn }
          OPTIONAL { ?o pkg:indicator ?i ; pkg:stage ?stage ; pkg:value ?value .
                     OPTIONAL { ?o pkg:year ?year } OPTIONAL { ?o pkg:nature ?nature }
                     OPTIONAL { ?o pkg:sourceAgency ?source } } } }""" % target):
        doc = graph_doc.get(r["g"] or only["graph"])
        if doc is None:
            continue
        rid = record_id(r["i"], doc["iri"], doc["id"]) or r["i"]
        row = found.setdefault(r["i"], {
            "id": rid, "iri": r["i"], "name": r["name"], "unit": r["unit"] or "", "baseline": None,
            "baseline_year": None, "target": None, "target_year": None, "source": "", "source_iri": None,
            "nature": None, "doc": doc["id"], "footnote": int(r["fn"]) if r["fn"] else None,
            "span": span(kg.model(), r["i"], doc["graph"])})
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


def unit_label(row) -> str:
    """Return how the app and the CLI name an outline row: 一、… for a part, （一）… for a section, 专栏 2 … for a box.

    >>> unit_label({"kind": "part", "number": "一", "title": "总体要求"})
    '一、总体要求'
    >>> unit_label({"kind": "measure", "number": "2", "title": "加强组织领导"})
    '（2）加强组织领导'
    """
    number, title = row.get("number") or "", row.get("title") or ""
    kind = row.get("kind")
    if kind == "part":
        return f"{number}、{title}" if number else title
    if kind == "section" or kind == "measure":
        return f"（{number}）{title}" if number else title
    if kind == "box":
        return f"专栏 {number} · {title}" if number else f"专栏 · {title}"
    return f"{number} {title}".strip()


COUNTED = (("part", "部分 parts"), ("section", "章节 sections"), ("task", "任务 tasks"), ("measure", "措施 measures"),
           ("box", "专栏 boxes"))
NATURE = {"expected": "预期性 expected", "binding": "约束性 binding"}
INDICATOR_HEADER = ("指标 indicator", "单位 unit", "基期 baseline", "目标 target", "数据来源 source", "属性 nature")


@dataclass(frozen=True)
class Overview:
    """The Overview view of one document: its counts, its outline as a tree, its indicator table."""

    doc: dict
    counts: tuple[tuple[str, int], ...]  # (label, number), parts to indicators
    children: dict  # parent record id (None: the document) → its rows, in document order
    indicators: tuple[tuple[str, ...], ...]  # rows under INDICATOR_HEADER


def overview(kg, doc_id: str | None = None) -> Overview:
    """Return the Overview of a document (default the first); `policykg outline` prints the same rows."""
    docs = documents(kg)
    doc = next(d for d in docs if d["id"] == find_doc(kg.model(), doc_id)["id"]) if doc_id else docs[0]
    rows = outline(kg, doc["id"])
    children: dict = {}
    for r in rows:
        children.setdefault(r["parent"], []).append(r)
    counts = tuple((label, sum(1 for r in rows if r["kind"] == k)) for k, label in COUNTED)
    return Overview(doc, (*counts, ("指标 indicators", doc["indicators"])), children,
                    tuple(indicator_row(r) for r in indicators(kg, doc["id"])))


def indicator_row(r: dict) -> tuple[str, ...]:
    """Return one indicator as the Overview's table shows it: baseline and target with their years."""
    return (r["name"], r["unit"], f"{r['baseline'] or '——'}（{r['baseline_year'] or ''}）",
            f"{r['target'] or '——'}（{r['target_year'] or ''}）", r["source"], NATURE.get(r["nature"], r["nature"] or ""))
