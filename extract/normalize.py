"""Rebuild paragraphs from PDF-extracted lines: one normalized text that every offset refers to.

Wrapped lines are re-joined, page numbers dropped, letter-spaced runs closed up, and footnote
bodies lifted out of the paragraphs they interrupt and set after the body text.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CN_NUM = "一二三四五六七八九十百零〇两"

PART = re.compile(rf"^(?:(?P<n1>[{CN_NUM}]{{1,3}})、|第(?P<n2>[{CN_NUM}\d]{{1,3}})(?:章|部分|篇))")
SECTION = re.compile(rf"^(?:[（(](?P<n1>[{CN_NUM}]{{1,3}})[）)]|第(?P<n2>[{CN_NUM}\d]{{1,3}})节)")
TASK = re.compile(rf"^(?:(?P<n1>\d{{1,3}})[.．、](?=[{CJK}“《（(])|[（(](?P<n2>\d{{1,3}})[）)](?=[{CJK}“《])"
                  rf"|第(?P<n3>[{CN_NUM}\d]{{1,4}})条(?=[\s\u3000{CJK}“《]))")
# A bare responsibility line: 牵头单位：…，配合单位：… on a line of its own, no brackets.
LABEL_LINE = re.compile(r"^(?:牵头|主责|配合|协办|参与|责任|实施|指导|牽頭|責任|配合)(?:单位|部门|單位|部門)\s*[：:]")
# A task-division table given as text: cells split by tabs or |, a header naming its columns.
GRID_SPLIT = re.compile(r"\t|\s*[|｜]\s*")
GRID_TASK = re.compile(r"任务|整改措施|工作内容|重点工作|具体措施|工作措施|事项|指标")
GRID_WHO = re.compile(r"牵头|责任|配合|主责|协办|参与")
BOX = re.compile(rf"^(?:专栏|專欄)\s*(?:(?P<n1>\d{{1,3}})|(?=[{CJK}]))")
DASH = re.compile(r"^(?:——|—{2})")
PAGE_NUMBER = re.compile(r"^(?:[-—–－\s]*\d{1,3}[-—–－\s]*|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\ufeff]")
LETTER_SPACED = re.compile(rf"(?:[{CJK}][ \u3000]){{3,}}[{CJK}]")
TERMINAL = "。！？；：”）)」"
UNIT_AFTER_NUMBER = ".．%％年月日号个家件项万亿倍元次位名所条类期届批"


def markers(line: str):
    """Return (kind, number) when a line starts a structural unit, else None."""
    for kind, rx in (("part", PART), ("section", SECTION), ("task", TASK), ("box", BOX)):
        m = rx.match(line)
        if m:
            d = m.groupdict()
            return kind, d.get("n1") or d.get("n2") or d.get("n3")
    if DASH.match(line):
        return "dash", None
    if LABEL_LINE.match(line):
        return "label", None
    return None


def grid_cells(line: str, bordered: bool | None = None) -> list[tuple[int, int]]:
    r"""Return the (start, end) of each cell of a table row given as text (tab- or |-separated).

    >>> line = "1\t建设甲平台\t市甲局\t\t2022年"
    >>> [line[s:e] for s, e in grid_cells(line)]
    ['1', '建设甲平台', '市甲局', '', '2022年']
    >>> line = "| 序号 | 任务 | 牵头单位 |"
    >>> [line[s:e] for s, e in grid_cells(line)]
    ['序号', '任务', '牵头单位']
    """
    cells = []
    pos = 0
    for m in GRID_SPLIT.finditer(line):
        cells.append((pos, m.start()))
        pos = m.end()
    cells.append((pos, len(line)))
    if bordered is None:  # a |-table may open and close its rows with |: no empty cell at either end
        bordered = "\t" not in line and line.lstrip().startswith(("|", "｜"))
    if bordered:
        if cells and cells[0][0] == cells[0][1] and line.lstrip().startswith(("|", "｜")):
            cells = cells[1:]
        if cells and cells[-1][0] == cells[-1][1] and line.rstrip().endswith(("|", "｜")):
            cells = cells[:-1]
    out = []
    for s, e in cells:
        while s < e and line[s] in " \u3000":
            s += 1
        while e > s and line[e - 1] in " \u3000":
            e -= 1
        out.append((s, e))
    return out


def is_grid_header(line: str) -> bool:
    """Tell whether a line is the header row of a task-division table."""
    if "\t" not in line and "|" not in line and "｜" not in line:
        return False
    cells = [line[s:e] for s, e in grid_cells(line)]
    return len(cells) >= 3 and any(GRID_TASK.search(c) and len(c) <= 8 for c in cells) \
        and any(GRID_WHO.search(c) and len(c) <= 8 for c in cells)


def is_grid_row(line: str) -> bool:
    return "\t" in line or line.count("|") + line.count("｜") >= 2


def width(s: str) -> float:
    """Return a line's display width in full-width cells: ASCII is half a cell, the rest a whole one.

    >>> width("占 GDP 比重")
    5.5
    """
    return len(s) - 0.5 * len(s.encode("ascii", "ignore"))


@dataclass(frozen=True, slots=True)
class Block:
    """A paragraph of the normalized text."""

    start: int
    end: int
    kind: str  # "para" | "table" (indicators) | "grid" (a task-division table) | "footnote"
    line: int  # 1-based line of the source where it starts
    number: int | None = None  # footnote number


@dataclass(frozen=True, slots=True)
class Normalized:
    """The normalized text, its paragraphs, and a map back to source lines."""

    text: str
    blocks: tuple[Block, ...]
    line_offsets: tuple[int, ...]  # normalized offset where each kept source line starts
    line_numbers: tuple[int, ...]  # the 1-based source line of each entry above
    body_end: int  # where footnote bodies begin

    def line_of(self, offset: int) -> int:
        """Return the 1-based source line an offset of the normalized text came from."""
        i = bisect.bisect_right(self.line_offsets, offset) - 1
        return self.line_numbers[max(i, 0)] if self.line_numbers else 1


@dataclass(slots=True)
class _Line:
    no: int
    text: str
    page_break: bool  # a page boundary (blank lines, page number) came before it


def _lines(raw: str) -> list[_Line]:
    out: list[_Line] = []
    blanks, broke = 0, False
    for no, line in enumerate(raw.split("\n"), 1):
        # Control characters (a terminal escape in a name, stray PDF bytes) never reach the text.
        # Tabs separate cells in tables given as text: keep them there, elsewhere they are spaces.
        keep_tabs = line.count("\t") >= 2
        s = CONTROL.sub("", line if keep_tabs else line.replace("\t", " ")).strip(" \u3000\r\f\v").replace("\u00a0", " ")
        if not keep_tabs:
            s = s.strip()
        if "\f" in line:
            broke = True
        if not s:
            blanks += 1
            continue
        if PAGE_NUMBER.match(s):
            broke = True
            continue
        s = LETTER_SPACED.sub(lambda m: m.group(0).replace(" ", "").replace("\u3000", ""), s)
        out.append(_Line(no, s, broke or blanks >= 2))
        blanks, broke = 0, False
    return out


def footnote_marker(n: int) -> re.Pattern:
    """Return the pattern of footnote `n`'s marker in running text: the digit right after a word or a quote."""
    return re.compile(rf"(?<=[”{CJK}）)])(?<!第){n}(?![\d{UNIT_AFTER_NUMBER}])")


def _footnote_start(line: str, n: int) -> bool:
    if is_grid_row(line):
        return False
    m = re.match(rf"{n}(?!\d)[ \u3000]?(?=\S)", line)
    return bool(m) and line[m.end()] not in UNIT_AFTER_NUMBER + "、)）（(：:，,。" and not TASK.match(line)


def _split_footnotes(lines: list[_Line], full: float) -> tuple[list[_Line], list[tuple[int, list[_Line]]]]:
    """Separate footnote bodies from the running text, numbering from 1 upward."""
    content: list[_Line] = []
    notes: list[tuple[int, list[_Line]]] = []
    n = 1
    since = ""  # running text since the previous footnote marker was found
    i = 0
    while i < len(lines):
        ln = lines[i]
        if _footnote_start(ln.text, n) and footnote_marker(n).search(since):
            body = [ln]
            i += 1
            while i < len(lines):
                nxt = lines[i]
                if nxt.page_break or _footnote_start(nxt.text, n + 1) or markers(nxt.text):
                    break
                # Without page breaks, a body ends with its sentence unless its lines run wide.
                if not any(x.page_break for x in lines) and body[-1].text.endswith("。") and width(nxt.text) <= full * 1.2:
                    break
                body.append(nxt)
                i += 1
            notes.append((n, body))
            m = footnote_marker(n).search(since)
            since = since[m.end():]
            n += 1
            # Text after the notes continues the interrupted paragraph: keep its page-break flag off.
            if i < len(lines) and lines[i].page_break and not markers(lines[i].text):
                lines[i] = _Line(lines[i].no, lines[i].text, False)
            continue
        content.append(ln)
        since += ln.text
        i += 1
    return content, notes


def _balance(s: str) -> int:
    """Return how many more brackets and quotes a line opens than it closes."""
    return sum(s.count(c) for c in "（(〔【《“") - sum(s.count(c) for c in "）)〕】》”")


def _is_table_header(line: str) -> bool:
    return line.startswith("指标") and len(line) < 40


def _join(a: str, b: str) -> str:
    if a and b and a[-1].isascii() and a[-1].isalpha() and b[0].isascii() and b[0].isalpha():
        return a + " " + b
    return a + b


def normalize(raw: str) -> Normalized:
    """Return the normalized text of a plan with its paragraph blocks."""
    lines = _lines(raw)
    widths = sorted(round(width(x.text) * 2) / 2 for x in lines)
    # The wrap width is the common width of full lines: the upper quartile of line widths.
    full = widths[int(len(widths) * 0.75)] if widths else 26.0
    content, notes = _split_footnotes(lines, full)

    paras: list[tuple[str, list[_Line]]] = []  # kind, lines
    in_table = in_grid = False
    bal, head = 0, None  # the open brackets and the marker kind of the paragraph being built
    for idx, ln in enumerate(content):
        mk = markers(ln.text)
        if in_grid:
            if is_grid_row(ln.text):
                if paras[-1][0] == "grid":
                    paras[-1][1].append(ln)
                else:  # the table goes on after a heading row (一、…): a block without its header
                    paras.append(("grid", [ln]))
                continue
            if not (mk and mk[0] in ("part", "section")):
                in_grid = False
        if is_grid_header(ln.text):
            in_grid, in_table = True, False
            paras.append(("grid", [ln]))
            continue
        if in_table:
            if mk and mk[0] in ("part", "section", "task", "box"):
                in_table = False
            else:
                paras[-1][1].append(ln)
                continue
        if _is_table_header(ln.text) and paras:
            # The table title is the paragraph just before the header; it is its own block.
            in_table = True
            paras.append(("table", [ln]))
            continue
        new = False
        if not paras or paras[-1][0] != "para" or (mk and mk[0] != "label"):
            new = True
        elif mk and bal <= 0:
            new = True  # a bare 牵头单位：… line starts its own paragraph, unless it closes a bracket
        else:
            prev_lines = paras[-1][1]
            prev = prev_lines[-1].text
            heading = head in ("part", "section", "box") and len(prev_lines) == 1 and "。" not in prev_lines[0].text
            if heading:
                new = True
            elif head == "label" and bal <= 0 and width(prev) < full - 0.75 and not prev.endswith(("、", "，", ",")) \
                    and not (width(ln.text) < full / 2 and "。" not in ln.text):
                new = True  # a bare 牵头单位：… line ends at its own short line, unless a name runs on (青岛银/保监局)
            elif bal > 0:
                new = False  # a clause or a title wrapped over lines never ends a paragraph
            elif prev.endswith(tuple(TERMINAL)) and width(prev) < full - 0.75:
                new = True
            elif "指标" in ln.text and idx + 1 < len(content) and _is_table_header(content[idx + 1].text):
                new = True
        if new:
            paras.append(("para", [ln]))
            bal, head = _balance(ln.text), (mk[0] if mk else None)
        else:
            paras[-1][1].append(ln)
            bal += _balance(ln.text)

    text_parts: list[str] = []
    blocks: list[Block] = []
    offs: list[int] = []
    nos: list[int] = []
    pos = 0

    def emit(kind: str, plines: list[_Line], sep_lines: bool, number: int | None = None, prefix: str = ""):
        nonlocal pos
        if text_parts:
            text_parts.append("\n")
            pos += 1
        start = pos
        buf = prefix
        for j, ln in enumerate(plines):
            if j and sep_lines:
                buf += "\n"
            elif j:
                joined = _join(buf, ln.text)
                if len(joined) > len(buf) + len(ln.text):
                    buf = buf + " "
            offs.append(start + len(buf))
            nos.append(ln.no)
            buf += ln.text
        text_parts.append(buf)
        pos += len(buf)
        blocks.append(Block(start, pos, kind, plines[0].no, number))

    for kind, plines in paras:
        emit(kind, plines, kind in ("table", "grid"))
    body_end = pos
    for n, body in notes:
        emit("footnote", body, False, number=n)
    return Normalized("".join(text_parts), tuple(blocks), tuple(offs), tuple(nos), body_end)
