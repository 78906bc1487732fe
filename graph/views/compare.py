"""Compare two plans: who does what in each, who is new, gone or changed, what both cite (`policykg compare A B`).

Agencies are matched across the two documents by their IRI, the gazetteer's canonical id
(市市场监管局 in one plan and 广州市市场监督管理局（知识产权局） in the other are one body). A
body renamed in a reform keeps its own IRI, so 市工商局 of a 2016 plan is "gone" and
广州市市场监督管理局 of a 2021 plan "new"; the lineage column says that one became the other
(`graph.views.lineage`). A unit counts once per role an agency has on it (tasks and measures
alike, as in My bureau). Citations are matched as `graph.views.cites` resolves them: the
corpus document a title names, else the `normalize_title` key of the title as written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ontology.terms import ROLE_ZH, ROLES

from ..model import find_doc
from .cites import cites, normalize_title
from .lineage import predecessors, successors

__all__ = ["AGENCY_COLUMNS", "CHANGE_COLUMNS", "CITATION_COLUMNS", "LABELS", "SECTIONS", "STATUS", "STATUS_ZH",
           "Comparison", "compare", "display_rows", "table_rows"]

STATUS = ("gone", "new", "changed", "same")  # only in A, only in B, role counts differ, the same counts
STATUS_ZH = {"gone": "不再出现", "new": "新出现", "changed": "职责变化", "same": "未变"}
AGENCY_COLUMNS = ["agency", "status", *(f"a_{r}" for r in ROLES), "a_tasks", *(f"b_{r}" for r in ROLES), "b_tasks",
                  "lineage", "iri"]
CHANGE_COLUMNS = ["agency", "status", "detail", "lineage", "iri"]
CITATION_COLUMNS = ["title_a", "title_b", "resolved", "resolved_title", "units_a", "units_b"]
# Section → (sheet name, columns): the XLSX has one sheet per section, in this order.
SECTIONS = {"agencies": ("agencies", AGENCY_COLUMNS), "changes": ("changes", CHANGE_COLUMNS),
            "citations": ("shared citations", CITATION_COLUMNS)}


@dataclass(frozen=True)
class Comparison:
    """Two documents side by side: agency rows, the changes among them, the works both cite."""

    a: dict  # id, title, year of plan A
    b: dict
    agencies: tuple[dict, ...]
    changes: tuple[dict, ...]
    citations: tuple[dict, ...]

    @property
    def summary(self) -> dict[str, int]:
        """Return the number of agencies per status and of shared citations."""
        counts = {s: sum(1 for r in self.agencies if r["status"] == s) for s in STATUS}
        return {**counts, "shared_citations": len(self.citations)}

    def section(self, name: str) -> tuple[dict, ...]:
        """Return the rows of one section: agencies, changes or citations."""
        return {"agencies": self.agencies, "changes": self.changes, "citations": self.citations}[name]

    def sheets(self) -> dict[str, list[list]]:
        """Return every section as a table, header first, keyed by its sheet name (for the XLSX)."""
        return {sheet: [columns, *([r[c] for c in columns] for r in table_rows(self.section(name)))]
                for name, (sheet, columns) in SECTIONS.items()}

    def as_dict(self) -> dict:
        """Return the comparison as JSON-ready data: the two documents, the summary and the three sections."""
        return {"a": self.a, "b": self.b, "summary": self.summary, "agencies": list(self.agencies),
                "changes": list(self.changes), "citations": list(self.citations)}


def _key(rid: str) -> str:
    return rid.rsplit("/", 1)[-1]


def _roles_by_agency(kg, doc: dict) -> dict[str, dict[str, list[str]]]:
    """Return agency IRI → role → the keys of the units (document order) where it has that role."""
    model = kg.model()
    found: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for r in kg.select(f"""
        SELECT DISTINCT ?unit ?agency ?role WHERE {{ GRAPH <{doc['graph']}> {{
          ?unit prov:qualifiedAttribution ?att . ?att prov:agent ?agency ; prov:hadRole ?role }} }}"""):
        role = r["role"].rsplit("#", 1)[-1]
        if r["unit"] in model.units and role in ROLES:
            found[r["agency"]][role].add(r["unit"])
    return {a: {role: [_key(model.units[u].rid) for u in sorted(units, key=lambda u: model.units[u].order)]
                for role, units in by_role.items()} for a, by_role in found.items()}


def _tasks_text(tasks: dict[str, list[str]]) -> str:
    return "；".join(f"{ROLE_ZH[r]} {'、'.join(tasks[r])}" for r in ROLES if tasks.get(r))


def _lineage(kg, iri: str, status: str, in_a: set, in_b: set) -> str:
    """Say which body a gone agency became, or which bodies of plan A a body of plan B was formerly."""
    if status == "gone":
        after = successors(kg, iri)
        pick = next((s for s in after if s["iri"] in in_b), after[-1] if after else None)
        return f"succeeded by {pick['name']}" if pick else ""
    before = [p["name"] for p in predecessors(kg, iri) if p["iri"] in in_a and p["iri"] not in in_b]
    return f"formerly {'、'.join(before)}" if before else ""


def compare(kg, a: str, b: str) -> Comparison:
    """Compare documents `a` and `b` (ids or IRIs); NotFound, naming the id, for an unknown one.

    Agency rows (one per agency named in either, most units first): agency, status (gone:
    only in A, new: only in B, changed: its number of units differs for some role, same),
    a_<role> and b_<role> (units with that role), a_tasks and b_tasks (role → unit keys),
    lineage (succeeded by / formerly, through a reform), iri. Changes: the rows not the same,
    gone first, with a detail such as "牵头 2→1；配合 0→1". Citations: the works both cite,
    in A's order: title_a and title_b as written, resolved (the corpus document) and its title,
    units_a and units_b (the keys of the units citing it; empty when the document itself does).
    """
    kg.version()
    model = kg.model()
    da, db = find_doc(model, a), find_doc(model, b)
    ra, rb = _roles_by_agency(kg, da), _roles_by_agency(kg, db)
    in_a, in_b = set(ra), set(rb)
    rows = []
    for iri in in_a | in_b:
        ta, tb = ra.get(iri, {}), rb.get(iri, {})
        ca, cb = {r: len(ta.get(r, ())) for r in ROLES}, {r: len(tb.get(r, ())) for r in ROLES}
        status = "new" if iri not in in_a else "gone" if iri not in in_b else "changed" if ca != cb else "same"
        rows.append({"agency": model.agencies.get(iri, {}).get("name", iri), "status": status,
                     **{f"a_{r}": ca[r] for r in ROLES}, "a_tasks": ta, **{f"b_{r}": cb[r] for r in ROLES},
                     "b_tasks": tb, "lineage": _lineage(kg, iri, status, in_a, in_b), "iri": iri,
                     "_units": len({u for v in ta.values() for u in v}) + len({u for v in tb.values() for u in v})})
    rows.sort(key=lambda r: (-r["_units"], r["agency"], r["iri"]))
    for r in rows:
        del r["_units"]
    rank = {s: i for i, s in enumerate(STATUS)}
    changes = [{"agency": r["agency"], "status": r["status"], "detail": _detail(r), "lineage": r["lineage"],
                "iri": r["iri"]} for r in sorted(rows, key=lambda r: rank[r["status"]]) if r["status"] != "same"]
    return Comparison(_doc(da), _doc(db), tuple(rows), tuple(changes), tuple(_shared_citations(kg, da, db)))


def _doc(d: dict) -> dict:
    return {"id": d["id"], "title": d["title"], "year": d.get("year")}


def _detail(r: dict) -> str:
    """Return what changed for one agency row, role by role: 牵头 2→1；配合 0→1 (or A's or B's counts)."""
    if r["status"] == "gone":
        return "；".join(f"{ROLE_ZH[x]} {r[f'a_{x}']}" for x in ROLES if r[f"a_{x}"])
    if r["status"] == "new":
        return "；".join(f"{ROLE_ZH[x]} {r[f'b_{x}']}" for x in ROLES if r[f"b_{x}"])
    return "；".join(f"{ROLE_ZH[x]} {r[f'a_{x}']}→{r[f'b_{x}']}" for x in ROLES if r[f"a_{x}"] != r[f"b_{x}"])


def _citation_groups(kg, doc: dict) -> dict[tuple, dict]:
    """Return the works a document cites, keyed as matched: ("doc", id) when resolved, else ("title", key)."""
    out: dict[tuple, dict] = {}
    for c in cites(kg, doc["id"]):
        key = ("doc", c["resolved"]) if c["resolved"] else ("title", normalize_title(c["title"]))
        if not key[1]:
            continue
        g = out.setdefault(key, {"titles": [], "units": [], "resolved": c["resolved"],
                                 "resolved_title": c["resolved_title"]})
        if c["title"] not in g["titles"]:
            g["titles"].append(c["title"])
        g["units"] += [_key(u) for u in c["units"] if _key(u) not in g["units"]]
    return out


def _shared_citations(kg, da: dict, db: dict) -> list[dict]:
    ga, gb = _citation_groups(kg, da), _citation_groups(kg, db)
    return [{"title_a": "、".join(g["titles"]), "title_b": "、".join(gb[k]["titles"]), "resolved": g["resolved"],
             "resolved_title": g["resolved_title"], "units_a": g["units"], "units_b": gb[k]["units"]}
            for k, g in ga.items() if k in gb]


def table_rows(rows) -> list[dict]:
    """Return section rows as table cells: role → units as 牵头 t1、t5；配合 t3, lists joined by 、, None empty."""
    out = []
    for r in rows:
        cells = {}
        for k, v in r.items():
            if isinstance(v, dict):
                cells[k] = _tasks_text(v)
            elif isinstance(v, list):
                cells[k] = "、".join(v)
            else:
                cells[k] = "" if v is None else v
        out.append(cells)
    return out


# What the app shows as column headings (the CLI and the files keep the keys).
LABELS = {"agency": "单位 agency", "status": "状态 status", "a_tasks": "A 任务 tasks", "b_tasks": "B 任务 tasks",
          "lineage": "沿革 lineage", "iri": "IRI", "detail": "变化 detail", "title_a": "A 引用写法 title in A",
          "title_b": "B 引用写法 title in B", "resolved": "语料文件 corpus document",
          "resolved_title": "文件标题 its title", "units_a": "A 引用单元 units", "units_b": "B 引用单元 units",
          **{f"{x}_{r}": f"{x.upper()} {ROLE_ZH[r]}" for x in ("a", "b") for r in ROLES}}


def display_rows(rows, columns) -> list[dict]:
    """Return section rows for a table on screen: labelled columns (no IRI), the status in Chinese and English.

    >>> display_rows([{"agency": "市甲局", "status": "new", "iri": "urn:x"}], ["agency", "status", "iri"])
    [{'单位 agency': '市甲局', '状态 status': '新出现 new'}]
    """
    out = []
    for r in table_rows(rows):
        out.append({LABELS.get(c, c): f"{STATUS_ZH[r[c]]} {r[c]}" if c == "status" else r[c]
                    for c in columns if c != "iri"})
    return out
