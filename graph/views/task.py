"""The Task view and its CLI twin (`policykg task`): one unit with its evidence, and the marks the app highlights."""

from __future__ import annotations

import functools
from collections import defaultdict

from ontology import iris
from ontology.terms import ROLE_RANK, ROLE_ZH, ROLES

from ..errors import QueryError
from ..model import find_unit, span, unit_place
from ..model import spans as evidence_spans



def task(kg, task_id: str) -> dict:
    """Return everything about one task or measure, every span against the document text and the unit text.

    Keys: id, iri, doc, kind, number, title, part, section, part_title, section_title,
    text, span, title_span, clauses, assignments, references, places, mentions,
    boxes, footnotes, indicators, connected, page, deadlines. A span is ``[start, end]`` in the
    document text; ``unit_span`` is the same characters counted from the unit's start.
    """
    model = kg.model()
    u = find_unit(model, task_id, ("task", "measure"))
    doc = model.docs[u.doc]
    text = kg.text(u.doc)
    us, ue = u.extent

    def rel(s, e) -> list[int | None]:
        return [None, None] if s is None else [s - us, e - us]

    rows = kg.select(f"""
        SELECT ?att ?agency ?r ?written ?inferred ?clause ?curated WHERE {{ GRAPH <{u.graph}> {{
          <{u.iri}> prov:qualifiedAttribution ?att .
          ?att prov:agent ?agency ; prov:hadRole ?r ; pkg:asWritten ?written ; pkg:clause ?clause .
          OPTIONAL {{ ?att pkg:inferred ?inferred }} OPTIONAL {{ ?att pkg:curatedBy ?curated }} }} }}""")
    fixes = unit_corrections(kg, u.graph, u.iri)
    by_iri = {c["iri"]: c for c in fixes}
    # The sentence each clause governs, as the extractor stored it (pkg:sentence).
    sentences = {r["clause"]: iris.segment_span(r["e"]) for r in kg.select(f"""
        SELECT DISTINCT ?clause ?e WHERE {{ GRAPH <{u.graph}> {{
          <{u.iri}> prov:qualifiedAttribution ?att . ?att pkg:clause ?clause . ?clause pkg:sentence ?e }} }}""")
        if iris.segment_span(r["e"])}
    clauses: dict[str, dict] = {}
    assignments = []
    for r in rows:
        cspan = span(model, r["clause"], u.graph)
        clauses.setdefault(r["clause"], {"iri": r["clause"], "quote": kg.quote(u.doc, cspan),
                                         "span": cspan, "unit_span": rel(*cspan)})
        nspan = span(model, r["att"], u.graph)
        assignments.append({
            "agency": r["written"], "canonical": model.agencies.get(r["agency"], {}).get("name", r["agency"]),
            "iri": r["agency"], "role": r["r"].rsplit("#", 1)[-1], "quote": kg.quote(u.doc, nspan),
            "span": nspan, "unit_span": rel(*nspan), "clause": r["clause"], "inferred": r["inferred"],
            "curated": by_iri.get(r["curated"])})
    ordered = sorted(clauses.values(), key=lambda c: c["span"][0] if c["span"][0] is not None else -1)
    for c in ordered:
        s0, ce = sentences.get(c["iri"], c["span"])
        c["sentence"] = text[s0:ce] if s0 is not None else None
        c["sentence_span"] = [s0, ce]
        c["sentence_unit_span"] = rel(s0, ce)
        c["assignments"] = [a for a in assignments if a["clause"] == c["iri"]]
    clause_spans = [tuple(c["span"]) for c in ordered if c["span"][0] is not None]
    assignments.sort(key=lambda a: (a["span"][0] if a["span"][0] is not None else -1, ROLE_RANK.get(a["role"], 9)))

    linked = kg.select(f"""
        SELECT ?p ?o ?label WHERE {{ GRAPH <{u.graph}> {{ <{u.iri}> ?p ?o .
          VALUES ?p {{ eli:cites dct:spatial pkg:mentions pkg:box pkg:footnote }}
          OPTIONAL {{ ?o eli:title|skos:prefLabel ?label }} }} }}""")
    targets: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, str] = {}
    for r in linked:
        key = r["p"].rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        if r["o"] not in targets[key]:
            targets[key].append(r["o"])
        if r["label"]:
            labels.setdefault(r["o"], r["label"])
    spans: dict[str, list[tuple[int, int]]] = {
        node: [(a, b) for a, b in evidence_spans(model, node, u.graph) if us <= a < ue]
        for key in ("cites", "spatial", "mentions") for node in targets[key]}

    def occurrences(nodes, name_key, skip_clauses=False) -> list[dict]:
        out = []
        for node in nodes:
            label = model.agencies.get(node, {}).get("name") or labels.get(node, node)
            for a, b in spans.get(node, ()):
                if skip_clauses and any(cs <= a < ce for cs, ce in clause_spans):
                    continue
                q = text[a:b]
                out.append({name_key: q, "canonical": label, "iri": node, "quote": q, "span": [a, b],
                            "unit_span": rel(a, b)})
        return sorted(out, key=lambda o: (o["span"][0], o["iri"]))

    references = [dict(o, title=labels.get(o["iri"], o["quote"])) for o in occurrences(targets["cites"], "title")]
    places = occurrences(targets["spatial"], "name")
    mentions = occurrences(targets["mentions"], "name", skip_clauses=True)

    boxes = []
    for b in sorted(targets["box"], key=lambda b: model.units[b].order if b in model.units else 0):
        bu = model.units.get(b)
        if bu is None:
            continue
        bs, be = bu.extent
        body_start = text.find("\n", bu.end if bu.end >= 0 else bs, be)
        body_start = body_start + 1 if body_start >= 0 else be
        boxes.append({"id": bu.rid, "iri": bu.iri, "number": bu.number, "title": bu.title,
                      "body": text[body_start:be], "span": [bs, be], "body_span": [body_start, be]})

    footnotes = []
    for f in _footnotes(kg, u.doc):
        marker = f"{f['term']}{f['number']}"
        at = text.find(marker, us, ue) if f["term"] else -1
        if at >= 0 or f["iri"] in targets["footnote"]:
            row = dict(f)
            if at >= 0:
                row["term_span"] = [at, at + len(f["term"])]
                row["marker_span"] = [at + len(f["term"]), at + len(marker)]
                row["unit_span"] = rel(at, at + len(marker))
            footnotes.append(row)
    unit_text = text[us:ue]
    numbers = {f["number"] for f in footnotes}
    indicators = [i for i in kg.indicators(u.doc)
                  if (i["footnote"] is not None and i["footnote"] in numbers) or i["name"] in unit_text]
    pages = kg.select(f"SELECT ?p WHERE {{ GRAPH <{u.graph}> {{ <{u.iri}> pkg:page ?p }} }}")
    due = kg.select(f"""SELECT ?d ?text ?curated WHERE {{ GRAPH <{u.graph}> {{ <{u.iri}> pkg:deadline ?d .
        ?d pkg:deadlineText ?text OPTIONAL {{ ?d pkg:curatedBy ?curated }} }} }}""")
    due.sort(key=lambda r: [int(p) if p.isdigit() else p for p in str(r["d"]).split("/")])
    try:
        connected = kg.connected(u.rid)
    except QueryError:
        connected = []
    return {
        "id": u.rid, "iri": u.iri, "doc": u.doc, "doc_title": doc["title"], "kind": u.kind, "number": u.number,
        "title": u.title, **unit_place(kg.model(), u), "text": unit_text, "span": [us, ue],
        "title_span": [u.start, u.end], "clauses": ordered, "assignments": assignments,
        "references": references, "places": places, "mentions": mentions, "boxes": boxes,
        "footnotes": footnotes, "indicators": indicators, "connected": connected,
        "page": int(pages[0]["p"]) if pages else None,
        "deadlines": list(dict.fromkeys(str(r["text"]) for r in due)),  # as written, in clause order
        "curated_deadlines": {str(r["text"]): by_iri[r["curated"]] for r in due if r["curated"] in by_iri},
        "corrections": fixes, "orphaned": orphaned_corrections(kg, u.doc),
    }


def _footnotes(kg, doc_id: str) -> list[dict]:
    def load() -> list[dict]:
        doc = kg.model().docs[doc_id]
        rows = kg.select(f"""
            SELECT ?f ?n ?term ?body WHERE {{ GRAPH <{doc['graph']}> {{
              ?f a pkg:Footnote ; eli:number ?n .
              OPTIONAL {{ ?f pkg:term ?term }} OPTIONAL {{ ?f eli:description ?body }} }} }}""")
        out = {}
        for r in rows:
            out.setdefault(r["f"], {"number": int(r["n"]), "term": r["term"] or "", "text": r["body"] or "",
                                    "iri": r["f"], "span": span(kg.model(), r["f"], doc["graph"])})
        return sorted(out.values(), key=lambda f: f["number"])

    return kg.memo(f"footnotes:{doc_id}", load)


# --------------------------------------------------------------------------- corrections (extract/corrections.py)

_CORRECTION_FIELDS = """?c pkg:action ?action ; pkg:unitKey ?unit .
          OPTIONAL { ?c prov:wasAttributedTo ?w . ?w rdfs:label ?by } OPTIONAL { ?c prov:generatedAtTime ?when }
          OPTIONAL { ?c rdfs:comment ?note } OPTIONAL { ?c pkg:nameAsTyped ?agency }
          OPTIONAL { ?c pkg:correctedRole ?role } OPTIONAL { ?c pkg:correctedDeadline ?deadline }
          OPTIONAL { ?c pkg:orphaned ?reason }"""


def _correction_rows(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        out.append({"iri": r["c"], "n": int(str(r["c"]).rsplit("/", 1)[-1]), "unit": r["unit"], "action": r["action"],
                    "agency": r["agency"], "role": r["role"].rsplit("#", 1)[-1] if r["role"] else None,
                    "deadline": r["deadline"], "by": r["by"] or "", "when": r["when"] or "", "note": r["note"] or "",
                    "status": "orphaned" if r["reason"] else "applied", "reason": r["reason"] or ""})
    return sorted(out, key=lambda c: c["n"])


def unit_corrections(kg, graph: str, unit_iri: str) -> list[dict]:
    """Return the corrections applied to a unit, in file order: n, action, agency, role, deadline, by, when, note."""
    return _correction_rows(kg.select(f"""SELECT ?c ?action ?unit ?by ?when ?note ?agency ?role ?deadline ?reason
        WHERE {{ GRAPH <{graph}> {{ <{unit_iri}> pkg:correction ?c . {_CORRECTION_FIELDS} }} }}"""))


def orphaned_corrections(kg, doc_id: str) -> list[dict]:
    """Return a document's corrections that did not apply at its last build, each with the reason."""
    doc = kg.model().docs[doc_id]
    return [c for c in _correction_rows(kg.select(f"""SELECT ?c ?action ?unit ?by ?when ?note ?agency ?role ?deadline
        ?reason WHERE {{ GRAPH <{doc['graph']}> {{ <{doc['iri']}> pkg:correction ?c . {_CORRECTION_FIELDS} }} }}"""))
            if c["status"] == "orphaned"]


def curated_label(c: dict) -> str:
    """Return how a curated fact is marked: ✎ curated by 李 on 2024-05-01: 原文有误."""
    when = c["when"][:10]
    return "✎ curated" + (f" by {c['by']}" if c["by"] else "") + (f" on {when}" if when else "") + \
        (f": {c['note']}" if c["note"] else "")


def correction_text(c: dict) -> str:
    """Return one correction in a line: #3 set 市版权局 → cooperate (✎ curated by 李 on 2024-05-01: note)."""
    what = c["agency"] or f"deadline {c['deadline']}"
    role = f" → {role_label(c['role'])}" if c["role"] else ""
    tail = f"; orphaned: {c['reason']}" if c["status"] == "orphaned" else ""
    return f"#{c['n']} {c['unit']} {c['action']} {what}{role} ({curated_label(c)}){tail}"


def save_correction(corpus, doc_id: str, unit: str, action: str, *, agency: str = "", role: str = "",
                    deadline: str = "", note: str = "", by: str = "") -> list[str]:
    """Append a correction made in the Task view to the document's corrections file; return what it says.

    The document is read as the next build reads it: a correction that would not apply, or would change
    nothing, raises CorrectionsError (one line) and nothing is written. The caller rebuilds.
    """
    from extract import corrections as fx
    from extract.pipeline import extract_file

    path = fx.find_document(doc_id, corpus)
    raw = extract_file(path)
    old = fx.load_for(path)
    new = []
    if agency.strip():
        new.append(fx.correction(raw, unit, action, agency=agency, role=role or None, note=note, by=by))
    if deadline.strip():
        new.append(fx.correction(raw, unit, action, deadline=deadline, note=note, by=by))
    if not new:
        raise fx.CorrectionsError(doc_id, "give an agency (with a role) or a deadline")
    fx.check_applies(fx.apply(raw, old), new)
    merged = fx.append(path, raw.document.id, new)
    return [c.what for c in merged[-len(new):]]


def try_save_correction(corpus, doc_id: str, unit: str, action: str, **fields) -> tuple[str, object]:
    """Return ("ok", what was saved) or ("error", the one-line reason): the Task view's form calls this."""
    from ontology.errors import PolicyKGError

    try:
        return "ok", save_correction(corpus, doc_id, unit, action, **fields)
    except PolicyKGError as exc:
        return "error", str(exc)


MARK_LABEL = {"title": "标题", "clause": "责任条款", "reference": "引用文件", "place": "地点", "agency": "单位"}


def role_label(role: str) -> str:
    """Return a role as the app writes it: 牵头 lead."""
    return f"{ROLE_ZH.get(role, role)} {role}"


def marks(t: dict) -> list[tuple[int, int, str, str]]:
    """Return the highlights of a task's text: (start, end, class, label), offsets from the unit's start.

    The app colours them (`graph.viz.highlight`); `policykg marks ID` prints them.
    """
    out = []
    ts, te = t["title_span"]
    if ts is not None and ts >= 0:
        out.append((ts - t["span"][0], te - t["span"][0], "title", MARK_LABEL["title"]))
    for c in t["clauses"]:
        if c["unit_span"][0] is not None:  # a correction's clause has no characters in the text
            out.append((*c["unit_span"], "clause", MARK_LABEL["clause"]))
    for a in t["assignments"]:
        if a["unit_span"][0] is not None:
            out.append((*a["unit_span"], f"role-{a['role']}", f"{a['canonical']} · {role_label(a['role'])}"))
    for r in t["references"]:
        out.append((*r["unit_span"], "reference", r["title"]))
    for p in t["places"]:
        out.append((*p["unit_span"], "place", p["canonical"]))
    for m in t["mentions"]:
        out.append((*m["unit_span"], "agency", m["canonical"]))
    return out


def mark_rows(t: dict) -> list[dict]:
    """Return the marks as rows with the characters they cover (the CLI twin's table)."""
    return [{"start": s, "end": e, "class": k, "label": label, "text": t["text"][s:e]} for s, e, k, label in marks(t)]


def agencies_by_role(t: dict) -> list[tuple[str, list[dict]]]:
    """Return a task's agencies grouped by role, each once, in the order the text names them.

    Each: {iri, canonical, shown, curated}; ``shown`` adds the name as written when it differs:
    广州市版权局（市版权局）; ``curated`` is the correction that set it (`unit_corrections`), or None.
    """
    out = []
    for role in ROLES:
        seen: dict[str, dict] = {}
        for a in t["assignments"]:
            if a["role"] == role and a["iri"] not in seen:
                shown = a["canonical"] if a["canonical"] == a["agency"] else f"{a['canonical']}（{a['agency']}）"
                seen[a["iri"]] = {"iri": a["iri"], "canonical": a["canonical"], "shown": shown,
                                  "curated": a.get("curated")}
        if seen:
            out.append((role, list(seen.values())))
    return out


def indicator_rows(t: dict) -> list[dict]:
    """Return the indicators a task names, as the Task view's table shows them."""
    return [{"指标": i["name"], "单位": i["unit"], "基期": i["baseline"], "目标": i["target"], "数据来源": i["source"]}
            for i in t["indicators"]]
