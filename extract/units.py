"""Find the units that carry responsibility and the clauses that govern each (GENRE.md's layouts).

A unit is a numbered task, a titled sub-paragraph, a row of a task-division table, a section
that is itself the task, or the unnumbered clauses of a closing section (a measure). Clauses are
found in brackets, as bare label lines, or as table cells; a clause-only paragraph after a
section's sub-items governs all of them. Rules (列第一位者为牵头单位, 以下均需…落实) are applied
in text order. This module finds and reads; the pipeline resolves names and writes records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ontology import iris

from . import clauses as cl
from .context import Context
from .normalize import grid_cells, is_grid_header
from .records import Deadline, Role, Span, UnitKind
from .structure import Structure

TASK, MEASURE = UnitKind.TASK.value, UnitKind.MEASURE.value
NONE_CELL = re.compile(r"^(?:—+|-+|/|／|无|－)$")


@dataclass
class Draft:
    """A unit before its names are resolved: what it is and the clauses read for it."""

    id: str
    kind: str
    number: str
    marker: str
    title: str
    title_span: Span
    span: Span
    section: str | None
    part: str | None
    clauses: list[tuple[cl.Parsed, Span]] = field(default_factory=list)  # (clause read, sentence governed)
    deadline: Deadline | None = None  # a table's 完成时限 cell


@dataclass(frozen=True, slots=True)
class Located:
    """A clause found in a paragraph, not yet read."""

    start: int
    end: int
    block: int  # start of its paragraph
    alone: bool  # the paragraph holds nothing but this clause


def locate_clauses(ctx: Context) -> list[Located]:
    """Return every responsibility clause in the body paragraphs: bracketed or bare label lines."""
    t, n = ctx.text, ctx.norm
    out: list[Located] = []
    for b in n.blocks:
        if b.kind != "para" or b.start >= n.body_end:
            continue
        groups, unclosed = cl.bracket_groups(t, b.start, b.end)
        para = t[b.start:b.end].strip(" 。；;")
        found = []
        # A bare label run (牵头单位：…，配合单位：…) at the paragraph's start or after a full stop; it ends
        # with its sentence. Brackets inside it belong to its names (省市场监管局（省知识产权局）).
        probe = t[b.start:b.end].translate(cl.T2S)
        bare = None
        for m in cl.LABEL.finditer(probe):
            s = b.start + m.start()
            if any(o <= s < c for o, c in groups):
                continue
            if s != b.start and t[s - 1] not in "。；;\n ":
                continue
            stop = t.find("。", s, b.end)
            e = stop if stop >= 0 else b.end
            while e > s and t[e - 1] in "。；; ":
                e -= 1
            bare = (s, e)
            break
        if bare:
            groups = [(o, c) for o, c in groups if not bare[0] <= o < bare[1]]
        for o, c in groups:
            after = t[c:c + 1]
            before = t[o - 1:o] if o > b.start else "。"
            if not cl.looks_like_clause(t[o + 1:c - 1]):
                # Names alone in brackets at a sentence's end are a clause too (they share responsibility)
                if not (after in ("", "\n", "。", "；") and cl.names_only(t[o + 1:c - 1])):
                    continue
            if after not in ("", "\n", "。", "；", ";", "，") and before not in "。；;" and c != b.end:
                ctx.warn("clause-position", f"responsibility clause inside a sentence: {t[o:c]!r}", o, ctx.span(o, c))
            found.append((o, c))
        if bare:
            found.append(bare)
        for o in unclosed:
            rest = t[o:b.end]
            p = rest.translate(cl.T2S)
            if cl.LABEL.search(p) or cl.CUE.search(p.rstrip("。")):
                ctx.warn("clause-unbalanced", f"unbalanced bracket in clause {rest[:40]!r}", o,
                         ctx.span(o, min(b.end, o + 40)))
        for o, c in sorted(found):
            out.append(Located(o, c, b.start, len(found) == 1 and t[o:c].strip(" 。；;") == para))
    return out


def find_units(ctx: Context, st: Structure, *, known=None, places=None) -> list[Draft]:
    """Return every unit with the clauses that govern it, rules applied in text order."""
    t = ctx.text
    located = locate_clauses(ctx)
    spans = [(x.start, x.end) for x in located]
    rules = [r for r in cl.find_rules(t, 0, ctx.norm.body_end)
             if not any(o <= r.span.start < c for o, c in spans)]
    drafts: dict[str, Draft] = {}
    for h in st.tasks:
        drafts[h.id] = Draft(h.id, TASK, h.number, h.marker, h.title, h.title_span, h.span, h.section, h.part)
    seen = set(drafts)

    # Who owns each clause: its task, every task of its section, or its section as a unit.
    owner_of: list[list[str]] = []
    candidates: dict[int, str] = {}  # clause index → section id, for clause-only paragraphs after sub-items
    for k, x in enumerate(located):
        task = next((h for h in st.tasks if h.span.start <= x.start < h.span.end), None)
        if task is not None:
            owner_of.append([task.id])
            if x.alone and x.block != task.span.start and task.section:
                candidates[k] = task.section
            continue
        sec = st.innermost(x.start)
        if sec is None:
            ctx.warn("clause-outside", f"clause outside any part or task: {t[x.start:x.end]!r}", x.start,
                     ctx.span(x.start, x.end))
            owner_of.append([])
            continue
        members = _tasks_of(st, sec.id)
        if members:
            owner_of.append(members)
            continue
        uid = _section_unit(ctx, st, sec, drafts, seen)
        owner_of.append([uid])
    own_count: dict[str, int] = {}
    for k, owners in enumerate(owner_of):
        if len(owners) == 1:
            own_count[owners[0]] = own_count.get(owners[0], 0) + 1
    for k, sec_id in candidates.items():
        members = _tasks_of(st, sec_id)
        # A clause paragraph after the last sub-item, where no sub-item has a clause, governs them all.
        if len(members) >= 2 and members[-1] == owner_of[k][0] and own_count.get(members[-1]) == 1 \
                and not any(own_count.get(m) for m in members[:-1]):
            owner_of[k] = members
            own_count[members[-1]] = 0
    # A clause of a whole section governs the tasks without a clause of their own, or all of them.
    for k, owners in enumerate(owner_of):
        if len(owners) > 1 and k not in candidates:
            bare = [m for m in owners if not own_count.get(m)]
            owner_of[k] = bare or owners

    # Read the clauses in text order: a rule governs the clauses after it.
    events = sorted([(x.start, "clause", k) for k, x in enumerate(located)] +
                    [(r.span.start, "rule", r) for r in rules], key=lambda e: e[0])
    first_is_lead, others = False, None
    backward = [r for r in rules if r.kind == "first-is-lead" and r.backward]  # 上述任务中，列第一位的为牵头单位
    prev_end: dict[str, int] = {}
    for _, what, item in events:
        if what == "rule":
            if item.kind == "first-is-lead" and not item.backward:
                first_is_lead, others = True, item.others
            continue
        x = located[item]
        back = next((r for r in backward if r.span.start > x.start), None)
        parsed = cl.parse_clause(t, x.start, x.end, first_is_lead=first_is_lead or back is not None,
                                 others=others if back is None else back.others, known=known, places=places)
        for r in parsed.rules:
            if r.kind == "first-is-lead" and not r.backward:
                first_is_lead, others = True, r.others
        for uid in owner_of[item]:
            d = drafts[uid]
            if len(owner_of[item]) > 1:
                sentence = ctx.span(x.block, x.end)
            else:
                s0 = prev_end.get(uid, x.block if d.kind == MEASURE or d.span.start > x.block else d.span.start)
                sentence = ctx.span(s0, x.end)
                prev_end[uid] = x.end
            d.clauses.append((parsed, sentence))

    header = None
    for g, block in enumerate(st.grids):
        header = _grid_units(ctx, st, block, g, drafts, seen, first_is_lead, known, places, header)

    units = sorted(drafts.values(), key=lambda d: (d.span.start, d.kind))
    all_rules = sorted([*rules, *(r for x in units for p, _ in x.clauses for r in p.rules)],
                       key=lambda r: r.span.start)
    for d in units:
        if not d.clauses:
            continue  # a rule adds its unit to the units that hand out responsibility, not to every heading
        for r in all_rules:
            if r.kind == "added" and d.span.start > r.span.end and r.who:
                d.clauses.append((cl.Parsed(r.span, r.who, None, (), ()), r.span))
    return units


def _tasks_of(st: Structure, sec_id: str) -> list[str]:
    return [h.id for h in st.tasks if h.section == sec_id or h.part == sec_id]


def _section_unit(ctx: Context, st: Structure, sec, drafts: dict[str, Draft], seen: set[str]) -> str:
    """Make (once) the unit of a section that has clauses but no numbered task."""
    key = sec.id.rsplit("/", 1)[-1][1:]
    closing = st.is_closing(sec)
    kind = MEASURE if closing else TASK
    uid = iris.record_id(ctx.doc_id, iris.unit_key(kind, key.split(".")[-1], tuple(key.split(".")[:-1])))
    if uid in drafts:
        return uid
    while uid in seen:
        uid += "b"
    seen.add(uid)
    heading = sec.heading
    ts = heading.end - len(sec.title)
    marker = ctx.text[heading.start:ts].strip()
    number = sec.number if closing else iris.arabic(sec.number or "")
    drafts[uid] = Draft(uid, kind, number, marker, sec.title, ctx.span(ts, heading.end), sec.span, sec.id,
                        sec.parent or sec.id)
    return uid


# -- task-division tables -------------------------------------------------------------------
def _columns(header: list[str]) -> dict[str, int]:
    """Name each column of a task-division table's header."""
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        probe = h.translate(cl.T2S)
        if re.search(r"序号|编号", probe) and "number" not in cols:
            cols["number"] = i
        elif re.search(r"时限|时间|进度|期限", probe) and "deadline" not in cols:
            cols["deadline"] = i
        elif re.search(r"任务|措施|工作内容|重点工作|事项|指标", probe) and not re.search(r"单位|部门", probe):
            if "task" not in cols or "整改" in probe or "措施" in probe:
                cols["task"] = i
        else:
            m = re.search(cl._alternation(cl.LABEL_WORDS), probe)
            if m and re.search(r"单位|部门|机构", probe):
                cols.setdefault(cl.LABEL_WORDS[m.group(0)].value, i)
    return cols


def _grid_units(ctx, st, block, g, drafts, seen, first_is_lead, known, places, previous=None):
    """Read the rows of one table block into units; return its header (bordered, columns) for the block after."""
    t = ctx.text
    lines = []
    pos = block.start
    for line in t[block.start:block.end].split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    hs, header = lines[0]
    if is_grid_header(header) or previous is None:
        bordered = "\t" not in header and header.lstrip().startswith(("|", "｜"))
        cols = _columns([header[s:e] for s, e in grid_cells(header, bordered)])
        rows = lines[1:]
    else:  # rows going on after a heading inside the table: the header above still names the columns
        bordered, cols = previous
        rows = lines
    if "task" not in cols:
        ctx.warn("table-header", f"task-division table without a task column: {header!r}", hs)
        return None
    roles = [(Role(k), i) for k, i in cols.items() if k in {r.value for r in Role}]
    has_lead = any(r is Role.LEAD for r, _ in roles)
    above: dict[int, Span] = {}
    current: Draft | None = None
    for ls, line in rows:
        if not line.strip():
            continue
        cells = [ctx.span(ls + s, ls + e) for s, e in grid_cells(line, bordered)]

        def cell(i, inherit=True):
            c = cells[i] if i < len(cells) else None
            if c is not None and c.quote.strip():
                above[i] = c
                return c
            return above.get(i) if inherit else None

        num = cell(cols["number"], inherit=False) if "number" in cols else None
        task = cell(cols["task"], inherit=False)
        if num is None and current is not None and (task is None or "number" in cols):
            # No number of its own: the row goes on with the unit above (a merged 序号 cell)
            if current is None:
                continue
            for role, i in roles:  # a continuation row adds its own cells to the unit above
                c = cell(i, inherit=False)
                if c is not None and not NONE_CELL.match(c.quote):
                    _cell_clause(t, current, c, role, first_is_lead and not has_lead, known, places)
            current.span = ctx.span(current.span.start, ls + len(line))
            continue
        if task is None:
            task = above.get(cols["task"])
        marker = num.quote.strip() if num is not None else ""
        number = iris.arabic(re.sub(r"[.．、\s]", "", marker)) if marker else f"{g + 1}.{len(drafts) + 1}"
        sec = st.innermost(ls)
        uid = iris.record_id(ctx.doc_id, iris.unit_key(TASK, number))
        if uid in seen and sec is not None:
            path = tuple(sec.id.rsplit("/", 1)[-1][1:].split("."))
            uid = iris.record_id(ctx.doc_id, iris.unit_key(TASK, number, path))
        while uid in seen:
            uid += "b"
        seen.add(uid)
        title_end = t.find("。", task.start, task.end)
        ts, te = task.start, title_end if title_end >= 0 else task.end
        current = Draft(uid, TASK, number, marker, t[ts:te], ctx.span(ts, te), ctx.span(ls, ls + len(line)),
                        sec.id if sec else None, (sec.parent or sec.id) if sec else None)
        drafts[uid] = current
        for role, i in roles:
            c = cell(i)
            if c is not None and not NONE_CELL.match(c.quote):
                _cell_clause(t, current, c, role, first_is_lead and not has_lead, known, places)
        if "deadline" in cols:
            c = cell(cols["deadline"])
            if c is not None and not NONE_CELL.match(c.quote):
                current.deadline = cl.parse_deadline(c.quote, c)
    return bordered, cols


def _cell_clause(t, d: Draft, c: Span, role: Role, first_is_lead: bool, known, places) -> None:
    parsed = cl.parse_clause(t, c.start, c.end, first_is_lead=first_is_lead, known=known, places=places, role=role)
    d.clauses.append((parsed, d.title_span))
