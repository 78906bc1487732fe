"""Find a plan's outline: parts, sections, numbered tasks and boxes, each with its extent.

>>> from extract.normalize import normalize
>>> s = find_structure("d", normalize("一、总体要求\\n（一）基本原则\\n1.坚持甲。\\n2.坚持乙。\\n专栏1 某工程\\n建设丙。\\n"))
>>> [(x.id, x.level, x.title) for x in s.sections], [(h.id, h.marker, h.title) for h in s.tasks]
([('d/p1', 'part', '总体要求'), ('d/s1.1', 'section', '基本原则')], [('d/t1', '1.', '坚持甲'), ('d/t2', '2.', '坚持乙')])
>>> [(b.id, b.title, b.after_task) for b in s.boxes]
[('d/box1', '某工程', 'd/t2')]
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from ontology import iris

from .normalize import Block, Normalized, markers
from .records import Box, Section, Span, UnitKind

HEAD_PREFIX = re.compile(r"^(?:[（(][^）)]*[）)]|[^、]*、|第[^章节部分篇]*(?:章|节|部分|篇))\s*")
TASK_PREFIX = re.compile(r"^(?:\d{1,3}[.．、]|[（(]\d{1,3}[）)]|第[一二三四五六七八九十百零〇两\d]{1,4}条)\s*")
# A closing part or section: its unnumbered clauses are measures, not tasks.
CLOSING = re.compile(r"保障措施|保障机制|组织实施|实施保障|组织保障|组织领导|保障体系|工作要求|实施要求")


@dataclass(frozen=True, slots=True)
class TaskHead:
    """A numbered task found in the outline, before its clauses are read."""

    id: str
    number: str  # arabic
    marker: str  # as written: "3.", "（3）", "第五条"
    title: str
    title_span: Span
    span: Span
    section: str | None
    part: str | None


@dataclass(frozen=True, slots=True)
class Structure:
    """The outline of a plan."""

    sections: tuple[Section, ...]
    tasks: tuple[TaskHead, ...]
    boxes: tuple[Box, ...]
    grids: tuple[Block, ...]  # task-division tables
    tables: tuple[Block, ...]  # indicator tables

    def innermost(self, offset: int) -> Section | None:
        """Return the deepest section holding an offset."""
        best = None
        for s in self.sections:
            if s.span.start <= offset < s.span.end and (best is None or s.level == "section"):
                best = s
        return best

    def is_closing(self, section: Section) -> bool:
        """Tell whether a section stands in a closing part (保障措施, 组织实施)."""
        parent = next((s for s in self.sections if s.id == section.parent), None)
        return bool(CLOSING.search(section.title) or (parent and CLOSING.search(parent.title)))


def _first_line_end(n: Normalized, start: int, end: int) -> int:
    i = bisect.bisect_right(n.line_offsets, start)
    while i < len(n.line_offsets) and n.line_offsets[i] <= start:
        i += 1
    stop = n.line_offsets[i] if i < len(n.line_offsets) else end
    return min(stop, end)


def _without_box_items(heads: list) -> list:
    """Drop the numbered items inside a box (专栏): they are the box's body, not tasks.

    A box ends at the next part or section, or at a task whose number continues the tasks before it.
    """
    out, in_box, last = [], False, 0
    for kind, num, b in heads:
        if kind in ("part", "section"):
            in_box = False
            last = 0 if kind == "section" else last
        elif kind == "box":
            in_box = True
        elif kind == "task":
            k = int(iris.arabic(num)) if iris.arabic(num).isdigit() else 0
            if in_box and k != last + 1:
                continue
            in_box, last = False, k
        out.append((kind, num, b))
    return out


def find_structure(doc_id: str, n: Normalized) -> Structure:
    """Return the parts, sections, tasks and boxes of a normalized plan."""
    t = n.text
    heads = []  # (kind, number, marker, block)
    for b in n.blocks:
        if b.kind != "para":
            continue
        line = t[b.start:b.end]
        mk = markers(line)
        if mk and mk[0] in ("part", "section", "task", "box"):
            heads.append((mk[0], mk[1], b))
    heads = _without_box_items(heads)
    body_end = n.body_end
    barriers = sorted(b.start for b in n.blocks if b.kind in ("table", "grid"))

    def end_of(i: int, stops: tuple[str, ...]) -> int:
        start = heads[i][2].start
        end = body_end
        for k, _, b in heads[i + 1:]:
            if k in stops:
                end = b.start - 1 if t[b.start - 1] == "\n" else b.start
                break
        return end

    sections: list[Section] = []
    part_id = sec_id = None
    part_no = sec_no = 0
    task_heads, box_heads = [], []
    for i, (kind, num, b) in enumerate(heads):
        if kind in ("part", "section"):
            te = _first_line_end(n, b.start, b.end)
            stop = t.find("。", b.start, te)
            te = stop if stop >= 0 else te
            prefix = HEAD_PREFIX.match(t[b.start:te])
            ts = b.start + (prefix.end() if prefix else 0)
            heading = Span.of(t, b.start, te)
            if kind == "part":
                part_no, sec_no, sec_id = part_no + 1, 0, None
                part_id = iris.record_id(doc_id, iris.part_key(str(part_no)))
                sections.append(Section(part_id, "part", num, t[ts:te].strip(),
                                        Span.of(t, b.start, end_of(i, ("part",))), heading, None))
            else:
                sec_no += 1
                sec_id = iris.record_id(doc_id, iris.section_key(str(part_no) if part_id else None, str(sec_no)))
                sections.append(Section(sec_id, "section", num, t[ts:te].strip(),
                                        Span.of(t, b.start, end_of(i, ("part", "section"))), heading, part_id))
        elif kind == "task":
            task_heads.append((i, num, b, part_id, sec_id))
        elif kind == "box":
            box_heads.append((i, num, b, part_id, sec_id))

    stops = ("part", "section", "task", "box")
    numbers = [iris.arabic(num) for _, num, *_ in task_heads]
    qualified = len(set(numbers)) != len(numbers)
    tasks: list[TaskHead] = []
    seen: set[str] = set()
    for (i, num, b, pid, sid), number in zip(task_heads, numbers):
        end = end_of(i, stops)
        k = bisect.bisect_right(barriers, b.start)
        if k < len(barriers) and barriers[k] < end:
            end = barriers[k] - 1
        head = TASK_PREFIX.match(t[b.start:end])
        marker = t[b.start:b.start + head.end()].strip() if head else ""
        ts = b.start + (head.end() if head else 0)
        stop = t.find("。", ts, end)
        te = stop if stop >= 0 else _first_line_end(n, b.start, end)
        path = ()
        if qualified:
            owner = sid or pid
            path = tuple(owner.rsplit("/", 1)[-1][1:].split(".")) if owner else ()
        uid = iris.record_id(doc_id, iris.unit_key(UnitKind.TASK.value, number, path))
        while uid in seen:
            uid += "b"
        seen.add(uid)
        tasks.append(TaskHead(uid, number, marker, t[ts:te].strip(), Span.of(t, ts, te), Span.of(t, b.start, end),
                              sid or pid, pid))

    boxes = []
    for k, (i, num, b, pid, sid) in enumerate(box_heads, 1):
        num = num or str(k)  # a box without a number (专栏 某某工程) is numbered by its place
        end = end_of(i, stops)
        te = _first_line_end(n, b.start, b.end)
        mm = re.match(r"^(?:专栏|專欄)\s*\d*\s*", t[b.start:te])
        ts = b.start + mm.end()
        body_start = te + 1 if te < end and t[te] == "\n" else te
        after = None
        for task in tasks:
            if task.span.start < b.start and task.section == (sid or pid):
                after = task.id
        boxes.append(Box(iris.record_id(doc_id, iris.box_key(num)), num, t[ts:te].strip(), Span.of(t, b.start, end),
                         Span.of(t, ts, te), Span.of(t, body_start, end), sid or pid, after))
    return Structure(tuple(sections), tuple(tasks), tuple(boxes), tuple(b for b in n.blocks if b.kind == "grid"),
                     tuple(b for b in n.blocks if b.kind == "table"))
