"""Render extractions as JSON-ready dicts, CSV rows for a bureau's spreadsheet, or a terminal table."""

from __future__ import annotations

import json
from collections import OrderedDict

from ontology.terms import ROLE_ZH  # noqa: F401 - re-exported: the one home of role labels

from . import tables
from .gazetteer import agency_resolver
from .records import ROLE_ORDER, Deadline, Extraction, Span, Unit
from .tables import guard as csv_safe  # noqa: F401 - the old name of the formula guard

CSV_HEADER = ("document", "part", "section", "task", "kind", "title", "agency", "canonical_agency", "role",
              "role_zh", "quote", "deadline", "page")
DEADLINE_SEP = "；"


def sp(s: Span) -> dict:
    return {"span": [s.start, s.end], "quote": s.quote}


def deadline_dict(d: Deadline | None) -> dict | None:
    """Return a clause's deadline as JSON-ready data (text, offsets, year, date), or None."""
    if d is None:
        return None
    return {"text": d.text, "start": d.span.start, "end": d.span.end, "year": d.year, "date": d.date}


def deadline_texts(u: Unit) -> list[str]:
    """Return the unit's deadline texts as written, in order, no repeats."""
    out: list[str] = []
    for d in u.deadlines:
        if d.text not in out:
            out.append(d.text)
    return out


def _grouped(mentions, key=lambda m: m.canonical or m.name):
    groups: "OrderedDict[str, list]" = OrderedDict()
    for m in sorted(mentions, key=lambda m: (key(m), m.span.start)):
        groups.setdefault(key(m), []).append(m)
    return groups


def unit_dict(u: Unit, page_of=lambda offset: None) -> dict:
    d = {
        "id": u.id, "kind": u.kind, "number": u.number, "title": u.title, "title_span": [u.title_span.start, u.title_span.end],
        "section": u.section, "part": u.part, "span": [u.span.start, u.span.end],
    }
    if u.marker:
        d["marker"] = u.marker
    if page_of(u.span.start) is not None:  # a paged source (PDF): the page each fact stands on
        d["page"] = page_of(u.span.start)
    for r in ROLE_ORDER:
        d[r.value] = u.names(r)
    d["assignments"] = [
        {"agency": a.agency, "canonical": a.canonical, "agency_id": a.agency_id, "role": a.role.value,
         **sp(a.span), "clause": sp(a.clause), **({"inferred": a.inferred} if a.inferred else {}),
         **({"full": a.full} if a.full else {}), **({"page": page_of(a.span.start)} if "page" in d else {})}
        for a in u.assignments
    ]
    d["clauses"] = [{**sp(c.span), "sentence": [c.sentence.start, c.sentence.end], "deadline": deadline_dict(c.deadline)}
                    for c in u.clauses]
    d["deadlines"] = deadline_texts(u)
    d["references"] = [{"title": r.title, **sp(r.span)} for r in u.references]
    d["places"] = [{"name": m.name, "canonical": m.canonical, **sp(m.span)} for m in u.places]
    d["agency_mentions"] = [{"name": m.name, "canonical": m.canonical, **sp(m.span)} for m in u.agencies]
    d["boxes"] = list(u.boxes)
    d["footnotes"] = list(u.footnotes)
    d["keywords"] = list(u.keywords)
    return d


def to_dict(x: Extraction) -> dict:
    """Return the whole extraction as plain JSON-ready data."""
    doc = x.document
    res = agency_resolver(str(doc.metadata.get("jurisdiction") or ""))
    agencies: "OrderedDict[str, dict]" = OrderedDict()

    def add_agency(name, canonical, agency_id, span, context):
        key = canonical or name
        e = res.by_id.get(agency_id) if agency_id else None
        a = agencies.setdefault(key, {"name": key, "canonical": canonical, "id": agency_id,
                                      "level": e.level if e else None, "kind": e.kind if e else None,
                                      "resolved": e is not None, "names": [], "spans": []})
        if name not in a["names"]:
            a["names"].append(name)
        a["spans"].append({**sp(span), "context": context})

    for u in x.units:
        for a in u.assignments:
            add_agency(a.agency, a.canonical, a.agency_id, a.span, a.role.value)
    for m in x.agencies:
        if not m.in_clause:
            add_agency(m.name, m.canonical, m.entry_id, m.span, "mention")
    for i in x.indicators:
        add_agency(i.source, i.source_canonical, res.resolve(i.source).id if res.resolve(i.source) else None,
                   i.source_span, "indicator")
    for a in agencies.values():
        a["spans"].sort(key=lambda s: s["span"])
    return {
        "document": {"id": doc.id, "title": doc.title, "source": doc.source, "metadata": doc.metadata,
                     "sha256": doc.sha256, "text": doc.text},
        "counts": {"parts": sum(s.level == "part" for s in x.sections),
                   "sections": sum(s.level == "section" for s in x.sections),
                   "tasks": sum(u.kind == "task" for u in x.units), "measures": sum(u.kind == "measure" for u in x.units),
                   "units": len(x.units), "boxes": len(x.boxes), "indicators": len(x.indicators),
                   "footnotes": len(x.footnotes), "references": len(x.references),
                   "distinct_references": len({r.title for r in x.references})},
        "sections": [{"id": s.id, "level": s.level, "number": s.number, "title": s.title,
                      "span": [s.span.start, s.span.end], "heading": sp(s.heading), "parent": s.parent}
                     for s in x.sections],
        "tasks": [unit_dict(u, x.document.page_of) for u in x.units],
        "boxes": [{"id": b.id, "number": b.number, "title": b.title, "span": [b.span.start, b.span.end],
                   "title_span": [b.title_span.start, b.title_span.end], "body": sp(b.body), "section": b.section,
                   "after_task": b.after_task} for b in x.boxes],
        "indicators": [{"id": i.id, "name": i.name, "unit": i.unit, "baseline": i.baseline,
                        "baseline_year": i.baseline_year, "target": i.target, "target_year": i.target_year,
                        "source": i.source, "source_canonical": i.source_canonical, "nature": i.nature,
                        "footnote": i.footnote, **sp(i.span), "name_span": [i.name_span.start, i.name_span.end],
                        "source_span": [i.source_span.start, i.source_span.end]} for i in x.indicators],
        "footnotes": [{"number": f.number, "term": f.term, "text": f.body.quote, "marker": [f.marker.start, f.marker.end],
                       "term_span": [f.term_span.start, f.term_span.end], "body_span": [f.body.start, f.body.end]}
                      for f in x.footnotes],
        "references": [{"title": t, "count": len(ms), "spans": [[m.span.start, m.span.end] for m in ms],
                        "quotes": [m.span.quote for m in ms]}
                       for t, ms in _grouped(x.references, key=lambda r: r.title).items()],
        "places": [{"name": k, "canonical": ms[0].canonical, "id": ms[0].entry_id, "kind": ms[0].kind,
                    "names": sorted({m.name for m in ms}), "spans": [[m.span.start, m.span.end] for m in ms]}
                   for k, ms in _grouped(x.places).items()],
        "agencies": list(agencies.values()),
        "warnings": [{"code": w.code, "message": w.message, "line": w.line,
                      **({"span": [w.span.start, w.span.end], "quote": w.span.quote} if w.span else {})}
                     for w in x.warnings],
    }


def to_json(extractions: list[Extraction]) -> str:
    """Return JSON: one object for one document, a list for several; byte-identical for the same input."""
    data = [to_dict(x) for x in extractions]
    return json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def csv_rows(x: Extraction):
    """Yield one row per task × agency × role."""
    titles = {s.id: s.title for s in x.sections}
    for u in x.units:
        deadline = DEADLINE_SEP.join(deadline_texts(u))
        for a in u.assignments:
            page = x.document.page_of(a.clause.start)
            yield (x.document.id, titles.get(u.part, ""), titles.get(u.section, ""), u.number, u.kind, u.title,
                   a.agency, a.canonical or "", a.role.value, ROLE_ZH[a.role.value], a.clause.quote, deadline,
                   "" if page is None else page)


def to_csv(extractions: list[Extraction]) -> str:
    """Return the bureau spreadsheet rows of every document as CSV text (cells through `extract.tables`)."""
    return tables.to_csv([CSV_HEADER, *(row for x in extractions for row in csv_rows(x))])


def to_table(extractions: list[Extraction], width: int = 100) -> str:
    """Return a readable terminal table: one line per unit with its agencies by role."""
    w = tables.width

    def cut(s, n):
        out = ""
        for c in s:
            if w(out + c) > n:
                return out[:-1] + "…" if out else ""
            out += c
        return out + " " * (n - w(out))

    lines = []
    for x in extractions:
        d = x.document
        lines.append(f"{d.title}  [{d.id}]  {len(x.units)} units, {len(x.boxes)} boxes, "
                     f"{len(x.indicators)} indicators, {len(x.warnings)} warnings")
        lines.append(cut("No.", 6) + cut("Title", 34) + "Agencies by role")
        for u in x.units:
            roles = "; ".join(f"{ROLE_ZH[r.value]}: {'、'.join(u.names(r))}" for r in ROLE_ORDER if u.names(r))
            if u.deadlines:
                roles += f"; 时限: {DEADLINE_SEP.join(deadline_texts(u))}"
            lines.append(cut(u.number if u.kind == "task" else f"({u.number})", 6) + cut(u.title, 34) + roles)
        lines.append("")
    return "\n".join(lines)
