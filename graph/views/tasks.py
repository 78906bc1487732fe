"""The Tasks view and its CLI twin (`policykg tasks`): every task and measure of the corpus, faceted.

One row per unit (task or measure) with its document, part, section, agencies by role and
deadlines. Six facets narrow the rows: document, part, section, role, agency and deadline.
Values chosen within one facet are alternatives (any of them); facets combine (all of
them). Role and agency together ask for an agency *in* a role: ``role=cooperate`` with
``agency=广州市版权局`` keeps the units where 广州市版权局 cooperates.

Each facet lists its values with counts, like datasette's facets, and the counts are those
of the rows the *other* facets keep (disjunctive faceting): a count says how many rows
that value gives, alone in its facet, with everything else as chosen. So choosing one
document still shows the other documents' counts, and a facet never empties itself.

The rows are read from the store once per version (two SELECTs: the attributions, the
deadlines; the outline comes from the model) and kept beside the store for the next process
(`KG.cached`); their values are coded once per version as numpy arrays, so that a filter
change is a few vector operations (membership masks, bincounts), and the last selections
asked are remembered.

>>> parse_sort("-deadline"), parse_sort("title")
(('deadline', True), ('title', False))
>>> deadline_label("2023"), deadline_label(NO_DEADLINE)
('2023年', '无时限 none')
"""

from __future__ import annotations

import difflib
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ontology.prefixes import PKG_ONTOLOGY_IRI
from ontology.terms import ROLE_RANK, ROLE_SHORTCUT, ROLE_ZH, ROLES

from ..errors import QueryError
from ..model import find_doc, find_unit, natural, unit_place
from .agency import check_roles, resolve_agency
from .outline import unit_label
from .task import role_label

__all__ = ["COLUMNS", "FACETS", "HEADER", "NO_DEADLINE", "SORTS", "TaskTable", "agency_cell", "check_selection",
           "deadline_label",
           "facet_rows", "parse_sort", "task_rows", "task_table"]

FACETS = {"doc": "文件 Document", "part": "部分 Part", "section": "章节 Section", "role": "职责 Role",
          "agency": "单位 Agency", "deadline": "时限 Deadline"}
SORTS = {"order": "文件顺序 document order", "doc": "文件 document", "title": "任务 title",
         "deadline": "时限 deadline", "agencies": "单位数 number of agencies"}
NO_DEADLINE = "none"  # the deadline facet's value for units whose clauses state none
# The columns of the CLI's table, CSV and JSON rows, and the header of the app's table and downloads.
COLUMNS = ["id", "doc", "doc_title", "part_title", "section_title", "kind", "number", "title", *ROLES, "deadline"]
HEADER = ["任务编号", "文件", "文件标题", "部分", "章节", "类型", "编号", "任务", *(ROLE_ZH[r] for r in ROLES), "时限"]
KIND_ZH = {"task": "任务", "measure": "措施"}
_ROWS_FORMAT = 3  # the shape of the rows kept on disk per store version; raise it when the shape changes


def parse_sort(sort: str | None) -> tuple[str, bool]:
    """Return (key, descending) of a sort such as ``deadline`` or ``-deadline``; QueryError naming the choices."""
    text = (sort or "order").strip()
    key, descending = (text[1:], True) if text.startswith("-") else (text, False)
    if key not in SORTS:
        raise QueryError(f"unknown sort '{sort}'; choose one of {', '.join(SORTS)} (a leading - sorts descending)")
    return key, descending


def deadline_label(value: str) -> str:
    """Return how a deadline facet value is shown: a year as 2023年, else the text as written."""
    if value == NO_DEADLINE:
        return "无时限 none"
    return f"{value}年" if value.isdigit() and len(value) == 4 else value


# --------------------------------------------------------------------------- the rows, once per version


def _load(kg) -> tuple[dict, ...]:
    model = kg.model()
    pairs: dict[str, set[tuple[str, str]]] = {}
    # Each attribution's one-hop shortcut (unit pkg:leadAgency agency) is written beside it: one pattern
    # finds every (unit, agency, role), where the attribution's three patterns take twice as long.
    role_of = {f"{PKG_ONTOLOGY_IRI}#{name}": role for role, name in ROLE_SHORTCUT.items()}
    for r in kg.select(f"""
        SELECT DISTINCT ?unit ?agency ?p WHERE {{ GRAPH ?g {{
          VALUES ?p {{ {' '.join(f'pkg:{name}' for name in ROLE_SHORTCUT.values())} }} ?unit ?p ?agency }} }}"""):
        name = model.agencies.get(r["agency"], {}).get("name", r["agency"])
        pairs.setdefault(r["unit"], set()).add((name, role_of[r["p"]]))
    due: dict[str, dict[str, tuple]] = {}
    for r in kg.select("""
        SELECT DISTINCT ?unit ?d ?text ?year WHERE { GRAPH ?g {
          ?unit pkg:deadline ?d . ?d pkg:deadlineText ?text . OPTIONAL { ?d pkg:deadlineYear ?year } } }"""):
        year = str(r["year"])[:4] if r["year"] is not None else ""
        due.setdefault(r["unit"], {})[str(r["d"])] = (str(r["text"]), year if year.isdigit() else "")
    rows = []
    for u in model.units.values():
        if u.kind not in ("task", "measure"):
            continue
        d = model.docs[u.doc]
        on = sorted(pairs.get(u.iri, ()), key=lambda p: (ROLE_RANK.get(p[1], 9), p[0]))
        dl = [due[u.iri][k] for k in sorted(due.get(u.iri, {}), key=lambda k: natural(k))]
        texts = list(dict.fromkeys(t for t, _ in dl))
        keys = frozenset(y or t for t, y in dl) or frozenset((NO_DEADLINE,))
        years = [int(y) for _, y in dl if y]
        row = {"id": u.rid, "iri": u.iri, "doc": u.doc, "doc_title": d["title"], **unit_place(model, u),
               "kind": u.kind, "number": u.number, "title": u.title,
               **{role: [a for a, r in on if r == role] for role in ROLES},
               "deadlines": texts, "deadline": "；".join(texts),
               "_pairs": frozenset(on), "_agency_set": frozenset(a for a, _ in on),
               "_role_set": frozenset(r for _, r in on), "_deadlines": keys, "_order": u.order,
               "_due": min(years) if years else None, "_agencies": len({a for a, _ in on})}
        row["_cells"] = (row["id"], row["doc"], row["doc_title"], row["part_title"], row["section_title"],
                         KIND_ZH.get(row["kind"], row["kind"]), _number(row), row["title"],
                         *("、".join(row[r]) for r in ROLES), row["deadline"])
        rows.append(row)
    for key in SORTS:  # each row's place in each sort, either way, ties in document order: sorting is a lookup
        value = _sort_key(key)
        group = {v: i for i, v in enumerate(sorted({value(r) for r in rows}))}
        for i, r in enumerate(sorted(rows, key=lambda r: (group[value(r)], r["_order"]))):
            r[f"_by_{key}"] = i
        if key == "deadline":  # the latest year first; units without a deadline still last
            down = sorted(rows, key=lambda r: (r["_due"] is None, -(r["_due"] or 0), r["deadline"], r["_order"]))
        else:
            down = sorted(rows, key=lambda r: (-group[value(r)], r["_order"]))
        for i, r in enumerate(down):
            r[f"_by_-{key}"] = i
    return tuple(rows)


def _number(row: Mapping) -> str:
    return f"（{row['number']}）" if row["kind"] == "measure" and row["number"] else str(row["number"] or "")


def task_rows(kg) -> tuple[dict, ...]:
    """Return every task and measure of the store in document order, per store version (shared, do not change)."""
    return _rows_and_labels(kg)[0]


def _labels(kg) -> dict[str, dict[str, str]]:
    """Return facet → {value: label} for every value a facet can list, per version."""
    return _rows_and_labels(kg)[1]


def _rows_and_labels(kg) -> tuple[tuple[dict, ...], dict[str, dict[str, str]]]:
    """Return the rows and the facets' labels, made once per version and kept beside the store: a process
    opening a version another one has shown reads them back instead of walking every document."""
    kg.version()

    def make():
        rows = _load(kg)
        return rows, _make_labels(kg, rows)

    return kg.memo("tasks/rows", lambda: kg.cached(f"tasks-rows-{_ROWS_FORMAT}", make))


def _make_labels(kg, rows: tuple[dict, ...]) -> dict[str, dict[str, str]]:
    """Return facet → {value: label}: documents by title, parts and sections as the outline names them."""
    model = kg.model()
    many = len(model.docs) > 1
    labels: dict[str, dict[str, str]] = {"doc": {d["id"]: d["title"] for d in model.docs.values()},
                                         "part": {}, "section": {}, "role": {r: role_label(r) for r in ROLES},
                                         "agency": {}, "deadline": {}}
    for u in model.units.values():
        if u.kind in ("part", "section"):
            label = unit_label({"kind": u.kind, "number": u.number, "title": u.title})
            labels[u.kind][u.rid] = f"{label} · {model.docs[u.doc]['title']}" if many else label
    for r in rows:
        for a in r["_agency_set"]:
            labels["agency"][a] = a
        for v in r["_deadlines"]:
            labels["deadline"][v] = deadline_label(v)
    return labels


_SINGLE = ("doc", "part", "section")  # one value per row


def _index(kg) -> dict:
    """Return, per version, the rows as arrays of value codes: what a filter change computes with (numpy).

    codes/values: facet → value → code and back; single: facet → row → code (-1: none);
    multi: facet → (rows, codes), each row's value once; pairs: (rows, agency codes, role
    codes); rank: facet → code → place among equal counts (roles in their order, deadline
    years ascending, then texts, then none; anything else by label, t9 before t10); by: sort →
    row → place; cells: the table's cells, one row per row.
    """

    def make():
        labels, rows = _labels(kg), task_rows(kg)
        values: dict[str, list[str]] = {}
        for f, named in labels.items():
            if f == "role":
                values[f] = list(ROLES)
            elif f == "deadline":
                values[f] = sorted(named, key=lambda v: (v == NO_DEADLINE, not v.isdigit(), v))
            else:
                values[f] = sorted(named, key=lambda v: (natural(named[v]), v))
        codes = {f: {v: i for i, v in enumerate(vs)} for f, vs in values.items()}
        single = {f: np.array([codes[f].get(r[f], -1) for r in rows], dtype=np.int64) for f in _SINGLE}
        multi = {}
        for f, attr in (("deadline", "_deadlines"), ("role", "_role_set"), ("agency", "_agency_set")):
            pairs = [(i, codes[f][v]) for i, r in enumerate(rows) for v in r[attr]]
            multi[f] = (np.array([i for i, _ in pairs], dtype=np.int64), np.array([c for _, c in pairs], dtype=np.int64))
        triples = [(i, codes["agency"][a], codes["role"][role]) for i, r in enumerate(rows) for a, role in r["_pairs"]]
        pairs = tuple(np.array([t[k] for t in triples], dtype=np.int64) for k in range(3))
        by = {f"{d}{k}": np.array([r[f"_by_{d}{k}"] for r in rows], dtype=np.int64) for k in SORTS for d in ("", "-")}
        cells = np.empty((len(rows), len(HEADER)), dtype=object)
        for i, r in enumerate(rows):
            cells[i, :] = r["_cells"]
        return {"values": values, "codes": codes, "single": single, "multi": multi, "pairs": pairs,
                "rank": {f: np.arange(len(vs)) for f, vs in values.items()}, "by": by, "cells": cells,
                "n": len(rows)}

    return kg.memo("tasks/index", make)


def _both(*masks):
    """Return the rows every mask keeps (None: a mask keeping every row)."""
    out = None
    for m in masks:
        if m is not None:
            out = m if out is None else out & m
    return out


@dataclass(frozen=True)
class TaskTable:
    """The Tasks view: the rows kept (sorted), each facet's values with counts, what was chosen."""

    rows: tuple[dict, ...]  # task_rows rows, filtered and sorted
    total: int  # tasks and measures in the store
    facets: dict[str, tuple[dict, ...]]  # facet -> ({value, label, count, selected}, ...)
    selection: dict[str, tuple[str, ...]]  # facet -> values chosen
    sort: str
    cells: object = field(default=None, repr=False, compare=False)  # the rows' cells (numpy), for columns()

    @property
    def table(self) -> list[list]:
        """Return the rows as the app and the downloads show them: HEADER, then one line per unit."""
        return [list(HEADER), *(list(r["_cells"]) for r in self.rows)]

    def columns(self) -> dict[str, list]:
        """Return the rows column by column, HEADER → cells (what a dataframe is made of, cheaply)."""
        if self.cells is not None:
            return {h: self.cells[:, i].tolist() for i, h in enumerate(HEADER)}
        cells = list(zip(*(r["_cells"] for r in self.rows))) or [()] * len(HEADER)
        return {h: list(c) for h, c in zip(HEADER, cells)}

    def records(self) -> list[dict]:
        """Return the rows as the CLI prints them (COLUMNS; agencies joined by 、)."""
        return [{c: "、".join(r[c]) if c in ROLES else r[c] for c in COLUMNS} for r in self.rows]


def _selection(picks: Mapping[str, Iterable[str] | None]) -> dict[str, frozenset[str]]:
    bad = [k for k in picks if k not in FACETS]
    if bad:
        raise QueryError(f"unknown facet '{bad[0]}'; choose one of {', '.join(FACETS)}")
    out = {}
    for f in FACETS:
        v = picks.get(f) or ()
        out[f] = frozenset((v,) if isinstance(v, str) else v)
    return out


def task_table(kg, sort: str | None = "order", facet_size: int | None = None, *, remember: bool = True,
               **picks: Iterable[str] | None) -> TaskTable:
    """Return the Tasks view for the values chosen per facet (``doc=[…]``, ``role=[…]``, …): rows, facets, counts.

    Values are as `facet_rows` lists them: document ids, part and section record ids, roles,
    canonical agency names, deadline years (or texts as written) and ``none``. `check_selection`
    turns what a user typed (titles, aliases, keys) into these. ``sort``: a key of SORTS, with a
    leading ``-`` for descending; ties stay in document order. ``facet_size``: list at most that
    many values per facet, most rows first (the values chosen always), like datasette's. The 32
    selections last asked are remembered per store version (``remember=False``: compute afresh).
    """
    key, descending = parse_sort(sort)
    sel = _selection(picks)
    if not remember:
        return _task_table(kg, key, descending, facet_size, sel, sort or "order")
    kg.version()
    ask = (key, descending, facet_size, tuple(sorted((f, tuple(sorted(v))) for f, v in sel.items())))
    lock, recent = kg.memo("tasks/recent", lambda: (threading.Lock(), OrderedDict()))
    with lock:  # the app reruns on every click: a selection asked again costs nothing
        if ask in recent:
            recent.move_to_end(ask)
            return recent[ask]
    view = _task_table(kg, key, descending, facet_size, sel, sort or "order")
    with lock:
        recent[ask] = view
        while len(recent) > 32:
            recent.popitem(last=False)
    return view


def _task_table(kg, key: str, descending: bool, facet_size: int | None, sel: dict, sort: str) -> TaskTable:
    rows, ix = task_rows(kg), _index(kg)
    n, codes = ix["n"], ix["codes"]

    def chosen(f: str) -> np.ndarray:
        return np.array([codes[f][v] for v in sel[f] if v in codes[f]], dtype=np.int64)

    def rows_with(rows_of: np.ndarray, hit: np.ndarray) -> np.ndarray:
        m = np.zeros(n, dtype=bool)
        m[rows_of[hit]] = True
        return m

    # each facet's rows alone (None: open); role and agency together: an agency chosen in a role chosen
    alone = {f: np.isin(ix["single"][f], chosen(f)) if sel[f] else None for f in _SINGLE}
    alone["deadline"] = rows_with(ix["multi"]["deadline"][0], np.isin(ix["multi"]["deadline"][1], chosen("deadline"))) \
        if sel["deadline"] else None
    p_row, p_agency, p_role = ix["pairs"]
    a_hit = np.isin(p_agency, chosen("agency")) if sel["agency"] else None
    r_hit = np.isin(p_role, chosen("role")) if sel["role"] else None
    pair = rows_with(p_row, _both(a_hit, r_hit)) if sel["agency"] or sel["role"] else None
    kept = _both(*alone.values(), pair)
    counts = {}
    for f in _SINGLE:  # over the rows every other facet keeps
        mask = _both(*(m for g, m in alone.items() if g != f), pair)
        c = ix["single"][f] if mask is None else ix["single"][f][mask]
        counts[f] = np.bincount(c[c >= 0], minlength=len(codes[f]))
    mask = _both(*(m for g, m in alone.items() if g != "deadline"), pair)
    d_row, d_code = ix["multi"]["deadline"]
    counts["deadline"] = np.bincount(d_code if mask is None else d_code[mask[d_row]], minlength=len(codes["deadline"]))
    base = _both(*alone.values())
    for f, codes_of, hit, width in (("role", p_role, a_hit, len(codes["role"])),
                                    ("agency", p_agency, r_hit, len(codes["agency"]))):
        if hit is None:  # nothing chosen in the other half of the pair: each row's values once
            m_row, m_code = ix["multi"][f]
            c = m_code if base is None else m_code[base[m_row]]
        else:  # the values paired with a chosen value of the other half, once per row
            keep = hit if base is None else hit & base[p_row]
            c = np.unique(p_row[keep] * width + codes_of[keep]) % width
        counts[f] = np.bincount(c, minlength=width)
    at = np.arange(n) if kept is None else np.flatnonzero(kept)
    if key != "order" or descending:  # at is in document order
        order = ix["by"][f"{'-' if descending else ''}{key}"]
        at = at[np.argsort(order[at], kind="stable")]
    facets = {f: _facet(f, counts[f], sel[f], _labels(kg)[f], ix, facet_size) for f in FACETS}
    return TaskTable(tuple(map(rows.__getitem__, at.tolist())), n, facets,
                     {f: tuple(sorted(v)) for f, v in sel.items()}, sort, ix["cells"][at])


def _sort_key(key: str):
    """Return what a sort compares rows by (document order breaks the ties)."""
    if key == "doc":
        return lambda r: (r["doc_title"], r["doc"])
    if key == "title":
        return lambda r: r["title"]
    if key == "deadline":  # the earliest year first, units without a deadline last
        return lambda r: (r["_due"] is None, r["_due"] or 0, r["deadline"])
    if key == "agencies":
        return lambda r: r["_agencies"]
    return lambda r: r["_order"]


def _facet(facet: str, counts: np.ndarray, chosen: frozenset, labels: Mapping[str, str], ix: dict,
           size: int | None) -> tuple[dict, ...]:
    values, rank = ix["values"][facet], ix["rank"][facet]
    have = np.flatnonzero(counts)
    if facet in ("role", "deadline"):  # in their own order whatever the counts
        have = have[np.argsort(rank[have], kind="stable")]
    else:  # most rows first, equal counts in their order
        have = have[np.lexsort((rank[have], -counts[have]))]
    shown = [values[i] for i in (have if size is None else have[:size]).tolist()]
    if chosen:  # the values chosen are always listed, those without rows last
        listed = set(shown)
        shown += [values[i] for i in have[len(shown):].tolist() if values[i] in chosen]
        shown += sorted(v for v in chosen if v not in listed and v not in shown)
    code = ix["codes"][facet]
    return tuple({"value": v, "label": labels.get(v, v), "count": int(counts[code[v]]) if v in code else 0,
                  "selected": v in chosen} for v in shown)


def agency_cell(row: Mapping) -> str:
    """Return a row's agencies by role as one cell: 牵头 广州市版权局；配合 广州市公安局、广州海关."""
    return "；".join(f"{ROLE_ZH[r]} {'、'.join(row[r])}" for r in ROLES if row[r])


def facet_rows(view: TaskTable) -> list[dict]:
    """Return every facet value as a row: facet, value, label, count, selected (the CLI's ``--facets``)."""
    return [{"facet": f, **v} for f, values in view.facets.items() for v in values]


# --------------------------------------------------------------------------- what a user typed


def check_selection(kg, **picks: Iterable[str] | None) -> dict[str, list[str]]:
    """Return the facet values a user's words mean: a document by id or title, a part or section by record id
    or key (p3, s3.1), a role, an agency by any name or alias, a deadline year, text or ``none``.

    Raises NotFound, UnknownAgency or QueryError (one line, naming the value) for a value that means nothing.
    """
    model = kg.model()
    out: dict[str, list[str]] = {}
    for f, values in _selection(picks).items():
        got = []
        for v in sorted(values):
            if f == "doc":
                by_title = {d["title"]: d["id"] for d in model.docs.values()}
                got.append(by_title.get(v) or find_doc(model, v)["id"])
            elif f in ("part", "section"):
                got.append(find_unit(model, v, (f,), f).rid)
            elif f == "role":
                got.extend(check_roles([v]))
            elif f == "agency":
                known = {a for r in task_rows(kg) for a, _ in r["_pairs"]}
                if v in known:
                    got.append(v)
                    continue
                name = resolve_agency(kg, v)["name"]  # UnknownAgency, with the closest names
                if name not in known:
                    raise QueryError(f"agency '{v}' ({name}) carries no task or measure")
                got.append(name)
            else:
                known = {k for r in task_rows(kg) for k in r["_deadlines"]}
                if v not in known:
                    close = difflib.get_close_matches(v, sorted(known), n=3, cutoff=0.3)
                    raise QueryError(f"no unit has the deadline '{v}'" + (f"; did you mean {', '.join(close)}?"
                                                                        if close else f"; use a year or {NO_DEADLINE}"))
                got.append(v)
        if got:
            out[f] = list(dict.fromkeys(got))
    return out
