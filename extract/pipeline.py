"""Extract a plan's structure, tasks, agencies by role and the rest, every fact with its span."""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from pathlib import Path

from . import clauses as cl
from .gazetteer import Resolver, agency_resolver, place_resolver
from .normalize import CJK, Normalized, markers, normalize
from .reader import InputError, Source, read_bytes, read_file
from .records import (
    Assignment, Box, Clause, Document, Extraction, Footnote, Indicator, Issue, Mention, Reference, Section, Span,
    Unit,
)

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_to_int(s: str) -> int:
    """Convert a Chinese numeral up to 999 (or ASCII digits) to an int.

    >>> cn_to_int("十二"), cn_to_int("二十"), cn_to_int("一百零五"), cn_to_int("7")
    (12, 20, 105, 7)
    """
    if s.isdigit():
        return int(s)
    total, cur = 0, 0
    for ch in s:
        if ch == "百":
            total += (cur or 1) * 100
            cur = 0
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        else:
            cur = CN_DIGITS.get(ch, 0)
    return total + cur


def slug(name: str) -> str:
    """Return a stable document id from a file name."""
    s = unicodedata.normalize("NFKC", Path(name).stem).strip().lower()
    s = re.sub(r"[^\w\u4e00-\u9fff-]+", "-", s).strip("-")
    return s or "document"


def _first_line_end(n: Normalized, start: int, end: int) -> int:
    i = bisect.bisect_right(n.line_offsets, start)
    while i < len(n.line_offsets) and n.line_offsets[i] <= start:
        i += 1
    stop = n.line_offsets[i] if i < len(n.line_offsets) else end
    return min(stop, end)


def extract_source(src: Source) -> Extraction:
    """Extract everything from a decoded source."""
    norm = normalize(src.text)
    text = norm.text
    meta = dict(src.metadata)
    doc_id = str(meta.get("id") or slug(src.name))
    jurisdiction = str(meta.get("jurisdiction") or "")
    title = str(meta.get("title") or "")
    if not title:
        first = text[: text.find("\n")] if "\n" in text else text
        title = first if len(first) <= 60 and "《" not in first else Path(src.name).stem
    doc = Document(doc_id, title, text, hashlib.sha256(text.encode("utf-8")).hexdigest(), src.name, meta)
    return _Extractor(doc, norm, agency_resolver(jurisdiction)).run()


def extract_file(path) -> Extraction:
    """Read and extract one document file."""
    src = read_file(path)
    try:
        return extract_source(src)
    except InputError:
        raise
    except NoTasks as e:
        raise InputError(path, str(e)) from None


def extract_bytes(data: bytes, name: str, metadata: dict | None = None) -> Extraction:
    """Extract a document given as bytes (tests, uploads)."""
    try:
        return extract_source(read_bytes(data, name, metadata))
    except NoTasks as e:
        raise InputError(name, str(e)) from None


def extract_text(text: str, name: str = "document.txt", metadata: dict | None = None) -> Extraction:
    r"""Extract a document given as a string.

    >>> x = extract_text("一、任务\n1.做好甲事。（牵头单位：市版权局，配合单位：市商务局）\n", "p.txt",
    ...                  {"jurisdiction": "广州市"})
    >>> [(a.agency, a.canonical, a.role.value) for a in x.units[0].assignments]
    [('市版权局', '广州市版权局', 'lead'), ('市商务局', '广州市商务局', 'cooperate')]
    """
    return extract_bytes(text.encode("utf-8"), name, metadata)


class NoTasks(Exception):
    """The document has no task and no responsibility clause."""


class _Extractor:
    def __init__(self, doc: Document, norm: Normalized, resolver: Resolver):
        self.doc, self.norm, self.text, self.res = doc, norm, doc.text, resolver
        self.issues: list[Issue] = []

    def span(self, s: int, e: int) -> Span:
        return Span.of(self.text, s, e)

    def warn(self, code: str, message: str, offset: int | None = None, span: Span | None = None):
        self.issues.append(Issue(code, message, self.norm.line_of(offset) if offset is not None else None, span))

    # -- structure -------------------------------------------------------------------------
    def run(self) -> Extraction:
        t, n, did = self.text, self.norm, self.doc.id
        heads = []  # (kind, number, block)
        for b in n.blocks:
            if b.kind != "para":
                continue
            mk = markers(t[b.start:b.end])
            if mk and mk[0] in ("part", "section", "task", "box"):
                heads.append((mk[0], mk[1], b))
        body_end = n.body_end

        def end_of(i: int, stops: tuple[str, ...]) -> int:
            for k, _, b in heads[i + 1:]:
                if k in stops:
                    return b.start - 1 if t[b.start - 1] == "\n" else b.start
            return body_end

        sections: list[Section] = []
        part_id = sec_id = None
        part_no = 0
        sec_no = 0
        task_heads = []
        box_heads = []
        section_of: dict[int, tuple[str | None, str | None]] = {}
        for i, (kind, num, b) in enumerate(heads):
            if kind in ("part", "section"):
                te = _first_line_end(n, b.start, b.end)
                stop = t.find("。", b.start, te)
                te = stop if stop >= 0 else te
                m = markers(t[b.start:te])
                prefix = re.match(r"^(?:[（(][^）)]*[）)]|[^、]*、|第[^章节部分篇]*(?:章|节|部分|篇))\s*", t[b.start:te])
                ts = b.start + (prefix.end() if prefix else 0)
                heading = self.span(b.start, te)
                if kind == "part":
                    part_no += 1
                    sec_no = 0
                    part_id = f"{did}/p{part_no}"
                    sec_id = None
                    sections.append(Section(part_id, "part", num, t[ts:te].strip(), self.span(b.start, end_of(i, ("part",))),
                                            heading, None))
                else:
                    sec_no += 1
                    sec_id = f"{did}/s{part_no}.{sec_no}"
                    sections.append(Section(sec_id, "section", num, t[ts:te].strip(),
                                            self.span(b.start, end_of(i, ("part", "section"))), heading, part_id))
                del m
            elif kind == "task":
                task_heads.append((i, num, b, part_id, sec_id))
            elif kind == "box":
                box_heads.append((i, num, b, part_id, sec_id))
            section_of[b.start] = (part_id, sec_id)
        self.sections = sections
        if not task_heads and not any(b.kind == "para" for b in n.blocks):
            raise NoTasks("no text to extract")

        stops = ("part", "section", "task", "box")
        numbers = [num for _, num, *_ in task_heads]
        qualified = len(set(numbers)) != len(numbers)
        prev = 0
        for _, num, b, *_ in task_heads:
            k = int(num)
            if not qualified and prev and k != prev + 1:
                self.warn("task-numbering", f"task numbers jump from {prev} to {k}", b.start)
            prev = k

        self.table_blocks = [b for b in n.blocks if b.kind == "table"]
        tasks = []
        for i, num, b, pid, sid in task_heads:
            end = end_of(i, stops)
            for tb in self.table_blocks:
                if b.start < tb.start < end:
                    end = tb.start - 1
            stop = t.find("。", b.start, end)
            m = markers(t[b.start:end])
            head_len = re.match(r"^(?:\d{1,3}[.．、]|[（(]\d{1,3}[）)])", t[b.start:end]).end()
            ts = b.start + head_len
            te = stop if stop >= 0 else _first_line_end(n, b.start, end)
            uid = f"{did}/t{num}" if not qualified else f"{did}/t{sid.split('/')[-1][1:] if sid else pid.split('/')[-1][1:]}.{num}"
            tasks.append(dict(id=uid, kind="task", number=num, title=t[ts:te].strip(), title_span=self.span(ts, te),
                              span=self.span(b.start, end), section=sid or pid, part=pid))
            del m

        boxes = []
        for i, num, b, pid, sid in box_heads:
            end = end_of(i, stops)
            te = _first_line_end(n, b.start, b.end)
            mm = re.match(r"^(?:专栏|專欄)\s*\d+\s*", t[b.start:te])
            ts = b.start + mm.end()
            body_start = te + 1 if te < end and t[te] == "\n" else te
            after = None
            for task in tasks:
                if task["span"].start < b.start and task["section"] == (sid or pid):
                    after = task["id"]
            boxes.append(Box(f"{did}/box{num}", num, t[ts:te].strip(), self.span(b.start, end), self.span(ts, te),
                             self.span(body_start, end), sid or pid, after))
        self.boxes = boxes

        references = self.find_references()
        footnotes = self.find_footnotes()
        self.footnote_list = footnotes
        units = self.assign(tasks, references)
        indicators = self.find_indicators()
        return Extraction(self.doc, tuple(sections), tuple(units), tuple(boxes), tuple(indicators), tuple(footnotes),
                          tuple(references), tuple(self.places), tuple(self.agency_mentions), tuple(self.issues))

    # -- clauses and units -----------------------------------------------------------------
    def assign(self, tasks: list[dict], references: list[Reference]) -> list[Unit]:
        t, n = self.text, self.norm
        state = cl.RuleState()
        cl.find_rules(t, 0, n.body_end, state)
        found: list[tuple[int, int, int]] = []  # (open, close, block end)
        for b in n.blocks:
            if b.kind != "para" or b.start >= n.body_end:
                continue
            groups, unclosed = cl.bracket_groups(t, b.start, b.end)
            for o, c in groups:
                content = t[o + 1:c - 1]
                if not cl.looks_like_clause(content):
                    continue
                after = t[c:c + 1]
                before = t[o - 1:o] if o > b.start else "。"
                if after not in ("", "\n", "。", "；", ";", "，") and before not in "。；;" and c != b.end:
                    self.warn("clause-position", f"responsibility clause inside a sentence: {t[o:c]!r}", o,
                              self.span(o, c))
                found.append((o, c, b.start))
            for o in unclosed:
                rest = t[o:b.end]
                probe = rest.translate(cl.T2S)
                if cl.LABEL.search(probe) or cl.CUE.search(probe.rstrip("。")):
                    self.warn("clause-unbalanced", f"unbalanced bracket in clause {rest[:40]!r}", o,
                              self.span(o, min(b.end, o + 40)))
        # Which unit owns each clause: the task whose span holds it, else a measure for its section.
        by_unit: dict[str, list] = {}
        measures: dict[str, dict] = {}
        sec_by_id = {s.id: s for s in self.sections}
        for o, c, bstart in found:
            owner = next((u for u in tasks if u["span"].start <= o < u["span"].end), None)
            if owner is None:
                sec = None
                for s in self.sections:
                    if s.span.start <= o < s.span.end and (sec is None or s.level == "section"):
                        sec = s
                if sec is None:
                    self.warn("clause-outside", f"clause outside any part or task: {t[o:c]!r}", o, self.span(o, c))
                    continue
                if sec.id not in measures:
                    key = sec.id.split("/")[-1][1:]
                    measures[sec.id] = dict(id=f"{self.doc.id}/m{key}", kind="measure", number=sec.number,
                                            title=sec.title, title_span=self.span(sec.heading.end - len(sec.title),
                                                                                  sec.heading.end),
                                            span=sec.span, section=sec.id,
                                            part=sec.parent or sec.id, first_block=bstart)
                owner = measures[sec.id]
            by_unit.setdefault(owner["id"], []).append((o, c, bstart))
        del sec_by_id

        all_units = sorted([*tasks, *measures.values()], key=lambda u: (u["span"].start, u["kind"]))
        # Tokens once for the whole text: places, mentions and keywords all use them.
        from . import segment

        tokens = segment.tokenize(t)
        bounds = segment.boundaries(tokens)
        clause_spans = sorted((o, c) for o, c, _ in found)
        ref_spans = sorted((r.span.start, r.span.end) for r in references)
        self.agency_mentions = self.find_mentions(self.res, bounds, ref_spans, clause_spans, "agency")
        occupied = sorted([*ref_spans, *((m.span.start, m.span.end) for m in self.agency_mentions)])
        self.places = self.find_mentions(place_resolver(), bounds, occupied, [], "place")

        starts = [s for _, s, _ in tokens]
        unit_tokens = []
        for u in all_units:
            lo = bisect.bisect_left(starts, u["span"].start)
            hi = bisect.bisect_left(starts, u["span"].end)
            cs = [(o, c) for o, c, _ in by_unit.get(u["id"], [])]
            unit_tokens.append([w for w, s, _ in tokens[lo:hi] if not any(o <= s < c for o, c in cs)])
        kws = segment.keywords(unit_tokens)

        units = []
        for u, kw in zip(all_units, kws):
            clauses = []
            prev_end = None
            for o, c, bstart in by_unit.get(u["id"], []):
                assigns, issues = cl.parse_clause(t, o, c, self.res, state, n.line_of)
                self.issues.extend(issues)
                s0 = prev_end if prev_end is not None else (bstart if u["kind"] == "measure" else u["span"].start)
                clauses.append(Clause(self.span(o, c), self.span(s0, c), tuple(assigns)))
                prev_end = c
            for who, sentence in state.later:
                if u["span"].start > sentence.end:
                    clauses.append(self._later_clause(who, sentence))
            us, ue = u["span"].start, u["span"].end
            units.append(Unit(
                u["id"], u["kind"], u["number"], u["title"], u["title_span"], u["span"], u["section"], u["part"],
                tuple(clauses),
                tuple(r for r in references if us <= r.span.start < ue),
                tuple(m for m in self.places if us <= m.span.start < ue),
                tuple(m for m in self.agency_mentions if us <= m.span.start < ue and not m.in_clause),
                tuple(b.id for b in self.boxes if b.after_task == u["id"]),
                tuple(f.number for f in self.footnote_list if us <= f.marker.start < ue),
                kw,
            ))
        if not units:
            raise NoTasks("no numbered task and no responsibility clause found")
        self._units = units
        return units

    def _later_clause(self, who: Span, sentence: Span) -> Clause:
        names = cl.split_names(who.quote, who.start, self.res)
        out = []
        for name, off in names:
            e = self.res.resolve(name)
            out.append(Assignment(name, e.name if e else None, e.id if e else None, cl.Role.RESPONSIBLE,
                                  self.span(off, off + len(name)), sentence, "rule:以下…均需…落实，不再列出"))
        return Clause(sentence, sentence, tuple(out))

    # -- mentions ---------------------------------------------------------------------------
    def find_mentions(self, res: Resolver, bounds, excluded, clause_spans, kind: str) -> list[Mention]:
        t = self.text
        out = []
        if res.pattern is None:
            return out
        ex_starts = [s for s, _ in excluded]
        cl_starts = [s for s, _ in clause_spans]
        for m in res.pattern.finditer(t):
            s, e = m.start(), m.end()
            if s not in bounds and t[s - 1:s] not in "，。、；：“”（）《》()\n ":
                continue
            if e not in bounds and t[e - 1] not in "）)" and t[e:e + 1] not in "，。、；：“”（）《》()\n ":
                continue
            i = bisect.bisect_right(ex_starts, s) - 1
            if i >= 0 and excluded[i][0] <= s < excluded[i][1]:
                continue
            j = bisect.bisect_right(cl_starts, s) - 1
            in_clause = j >= 0 and clause_spans[j][0] <= s < clause_spans[j][1]
            entry = res.resolve(m.group(0))
            out.append(Mention(m.group(0), entry.name if entry else None, entry.id if entry else None,
                               entry.kind if entry else kind, self.span(s, e), in_clause))
        return out

    def find_references(self) -> list[Reference]:
        t = self.text
        out = []
        i = 0
        while True:
            o = t.find("《", i)
            if o < 0:
                break
            depth, j = 0, o
            while j < len(t):
                if t[j] == "《":
                    depth += 1
                elif t[j] == "》":
                    depth -= 1
                    if depth == 0:
                        break
                elif t[j] == "\n":
                    break
                j += 1
            if j >= len(t) or t[j] != "》":
                self.warn("reference-unbalanced", f"《 without 》: {t[o:o + 30]!r}", o, self.span(o, min(len(t), o + 30)))
                i = o + 1
                continue
            title = re.sub(r"\s+", "", t[o + 1:j])
            out.append(Reference(title, self.span(o, j + 1)))
            i = j + 1
        return out

    # -- footnotes and the indicator table ---------------------------------------------------
    def find_footnotes(self) -> list[Footnote]:
        t, n = self.text, self.norm
        from .normalize import _marker_pattern

        out = []
        pos = 0
        for b in n.blocks:
            if b.kind != "footnote":
                continue
            num = b.number
            m = _marker_pattern(num).search(t, pos, n.body_end)
            body_start = b.start + len(str(num))
            while body_start < b.end and t[body_start] in " \u3000":
                body_start += 1
            if m is None:
                self.warn("footnote-marker", f"footnote {num} has no marker in the text", b.start)
                continue
            ms = m.start()
            if t[ms - 1] == "”":
                ts = t.rfind("“", 0, ms - 1)
            else:
                ts = ms
                while ts > 0 and re.match(rf"[{CJK}A-Za-z0-9]", t[ts - 1]):
                    ts -= 1
            out.append(Footnote(num, t[ts:ms], self.span(ms, m.end()), self.span(ts, ms), self.span(body_start, b.end)))
            pos = m.end()
        return out

    def find_indicators(self) -> list[Indicator]:
        t = self.text
        out: list[Indicator] = []
        fn_numbers = {b.number for b in self.norm.blocks if b.kind == "footnote"}
        for tb in self.table_blocks:
            region = t[tb.start:tb.end]
            keep = [i for i, ch in enumerate(region) if ch != "\n"]
            flat = "".join(region[i] for i in keep)

            def at(i: int) -> int:  # flat offset → text offset
                return tb.start + (keep[i] if i < len(keep) else len(region))

            title_block = t[max(0, t.rfind("\n", 0, tb.start - 1) + 1):tb.start]
            nature = "binding" if "约束性" in title_block else "expected" if "预期性" in title_block else None
            years = [int(y) for y in re.findall(r"(\d{4})\s*年", flat[:60])]
            hm = re.search(r"数据来源|来源|责任单位", flat)
            pos = hm.end() if hm else 0
            row = re.compile(r"\s*(?P<name>[^（(]+?)(?P<fn>\d)?[（(](?P<unit>[^）)]{1,10})[）)]\s*"
                             r"(?P<base>——|—|-+|/|[\d.]+)\s+(?P<target>[\d.]+%?)\s*")
            k = 0
            while True:
                m = row.match(flat, pos)
                if not m:
                    if flat[pos:].strip():
                        self.warn("indicator-row", f"indicator table row not understood: {flat[pos:pos + 30]!r}",
                                  at(pos))
                    break
                src_s = m.end()
                sm = self.res.pattern.match(flat, src_s) if self.res.pattern else None
                if sm:
                    src_e = sm.end()
                else:
                    nl = region.find("\n", keep[src_s]) if src_s < len(keep) else -1
                    src_e = len(flat) if nl < 0 else keep.index(nl + 1) if nl + 1 in keep else len(flat)
                    if src_e < len(flat) and flat[src_e] in "（(":
                        close = flat.find("）", src_e)
                        src_e = close + 1 if close > 0 else src_e
                fn = int(m.group("fn")) if m.group("fn") and int(m.group("fn")) in fn_numbers else None
                name_e = m.end("name") if fn else m.start("unit") - 1
                if not fn and m.group("fn"):
                    name_e = m.end("fn")
                k += 1
                ns, ne = at(m.start("name")), at(name_e - 1) + 1
                ss, se = at(src_s), at(src_e - 1) + 1
                base = m.group("base")
                source_q = t[ss:se].replace("\n", "")
                e = self.res.resolve(source_q)
                out.append(Indicator(
                    f"{self.doc.id}/ind{k}", t[ns:ne].replace("\n", ""), m.group("unit"),
                    None if not re.match(r"[\d.]+$", base) else base, years[0] if len(years) > 0 else None,
                    m.group("target"), years[1] if len(years) > 1 else None, source_q,
                    e.name if e else None, nature, self.span(ns, se), self.span(ns, ne), self.span(ss, se), fn))
                if e is None:
                    self.warn("unresolved-agency", f"indicator source {source_q!r} is not in the gazetteer", ss,
                              self.span(ss, se))
                pos = src_e
        return out


def extract_paths(paths) -> list[Extraction | InputError]:
    """Extract every document under the given files and folders; bad ones become errors, in order."""
    from .reader import list_documents

    out: list[Extraction | InputError] = []
    for item in list_documents(paths):
        if isinstance(item, InputError):
            out.append(item)
            continue
        try:
            out.append(extract_file(item))
        except InputError as e:
            out.append(e)
    return out
