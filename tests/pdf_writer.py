"""Lay out a plan's text as a government-style PDF (fpdf2): the PDF fixtures of tests/test_pdf.py and bench/.

A4, 16 pt body (28 characters a line, first lines indented two characters), a running header
with a rule under it, page numbers `— N —`, part headings letter-spaced, a footnote with a
superscript marker at the foot of its page under a short rule, and task-division tables (cells
split by tabs or `|` in the text) drawn with cell borders: an empty cell below a filled one is
merged with it (its text centred over the rows it spans), a table too long for its page goes on
to the next one under a repeated header row.
"""

from __future__ import annotations

import re
from pathlib import Path

PAGE_W, PAGE_H = 595.28, 841.89
BODY = 16.0  # pt: 三号
LEFT = (PAGE_W - 28 * BODY) / 2
RIGHT = PAGE_W - LEFT
TOP, BOTTOM = 105.0, PAGE_H - 99.0
LEAD = 28.0  # body line pitch
CELL = 11.0  # table font
CELL_LEAD = 15.0
NOTE = 10.0  # footnote font
NOTE_LEAD = 14.0
SUP = "\x01"  # stands for the footnote marker while a paragraph is wrapped


def font_path() -> Path | None:
    """Return the WenQuanYi Micro Hei font the tests install (fonts-wqy-microhei), if present."""
    for root in (Path("/usr/share/fonts"), Path("/usr/local/share/fonts")):
        if root.is_dir():
            for f in sorted(root.rglob("wqy-microhei.tt[cf]")):
                return f
    return None


def _is_row(line: str) -> bool:
    return "\t" in line or line.count("|") + line.count("｜") >= 2


def _cells(line: str, bordered: bool) -> list[str]:
    from extract.normalize import grid_cells

    return [line[s:e] for s, e in grid_cells(line, bordered)]


class PlanPDF:
    """A page-by-page layout of paragraphs and tables with fpdf2."""

    def __init__(self, header: str, font: Path):
        from fpdf import FPDF

        self.pdf = FPDF(unit="pt", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.add_font("cjk", "", str(font))
        self.header = header
        self.y = 0.0
        self.bottom = BOTTOM
        self.page = 0
        self.notes: list[str] = []  # footnotes of the current page
        self.new_page()

    # ------------------------------------------------------------------ pages
    def new_page(self):
        self.flush_notes()
        pdf = self.pdf
        pdf.add_page()
        self.page += 1
        pdf.set_font("cjk", size=10.5)
        pdf.text((PAGE_W - pdf.get_string_width(self.header)) / 2, 62, self.header)
        pdf.set_line_width(0.6)
        pdf.line(LEFT, 70, RIGHT, 70)
        pdf.set_font("cjk", size=14)
        num = f"— {self.page} —"
        pdf.text((PAGE_W - pdf.get_string_width(num)) / 2, PAGE_H - 50, num)
        self.y = TOP
        self.bottom = BOTTOM

    def flush_notes(self):
        if not self.notes:
            return
        pdf = self.pdf
        y = BOTTOM - NOTE_LEAD * sum(len(n) for n in self.notes)
        pdf.set_line_width(0.5)
        pdf.line(LEFT, y - 4, LEFT + 120, y - 4)
        pdf.set_font("cjk", size=NOTE)
        for note in self.notes:
            for ln in note:
                y += NOTE_LEAD
                pdf.text(LEFT, y - 3, ln)
        self.notes = []

    def finish(self) -> bytes:
        self.flush_notes()
        return bytes(self.pdf.output())

    # ------------------------------------------------------------------ text
    def wrap(self, text: str, width: float, size: float, indent: float = 0.0) -> list[str]:
        """Break text into lines no wider than width; ASCII words and numbers stay whole."""
        pdf = self.pdf
        pdf.set_font("cjk", size=size)
        lines, cur, used = [], "", indent
        for tok in re.findall(r"[A-Za-z0-9.%\-]+|.", text, re.S):
            w = size * 0.5 if tok == SUP else pdf.get_string_width(tok)
            if cur and used + w > width + 0.01 and tok != SUP:  # a marker stays with its term
                lines.append(cur)
                cur, used = "", 0.0
            cur += tok
            used += w
        if cur:
            lines.append(cur)
        return lines

    def paragraph(self, text: str, note: str | None = None, spaced: bool = False):
        """Set a paragraph: first line indented two characters; a part heading letter-spaced."""
        pdf = self.pdf
        lines = [text] if spaced else self.wrap(text, RIGHT - LEFT, BODY, indent=2 * BODY)
        note_lines = self.wrap("1 " + note, RIGHT - LEFT, NOTE) if note else None
        for i, ln in enumerate(lines):
            need = LEAD + (NOTE_LEAD * len(note_lines) + 12 if note_lines and SUP in ln else 0)
            if self.y + need > self.bottom:
                self.new_page()
            if note_lines and SUP in ln:
                self.notes.append(note_lines)
                self.bottom -= NOTE_LEAD * len(note_lines) + 12
            self.y += LEAD
            x = LEFT + (2 * BODY if i == 0 else 0)
            if spaced:
                pdf.set_font("cjk", size=BODY)
                pdf.set_char_spacing(BODY * 0.8)
                pdf.text(x, self.y - 6, ln)
                pdf.set_char_spacing(0)
                continue
            for k, part in enumerate(ln.split(SUP)):
                if k:
                    pdf.set_font("cjk", size=NOTE)
                    pdf.text(x, self.y - 6 - BODY * 0.45, "1")
                    x += pdf.get_string_width("1")
                pdf.set_font("cjk", size=BODY)
                pdf.text(x, self.y - 6, part)
                x += pdf.get_string_width(part)

    # ------------------------------------------------------------------ tables
    def table(self, rows: list[list[str]], split: bool = True):
        """Draw a bordered table; empty cells merge with the filled cell above them."""
        pdf = self.pdf
        header, body = rows[0], rows[1:]
        ncol = len(header)
        weights = []
        for j, h in enumerate(header):
            longest = max((len(r[j]) if j < len(r) else 0) for r in rows)
            weights.append(1.0 if h == "序号" else max(2.0, min(longest, 24) / 3))
        total = sum(weights)
        xs = [LEFT]
        for w in weights:
            xs.append(xs[-1] + (RIGHT - LEFT) * w / total)

        def heights(row):
            lines = [self.wrap(row[j] if j < len(row) else "", xs[j + 1] - xs[j] - 6, CELL) for j in range(ncol)]
            return lines, max(1, *(len(x) for x in lines)) * CELL_LEAD + 8

        head_lines, head_h = heights(header)
        laid = [heights(r) for r in body]
        if split:  # start low enough that the table crosses a page break
            rest = head_h + sum(h for _, h in laid[: max(1, len(laid) // 2)])
            if self.y + rest + 16 < self.bottom:
                self.y = self.bottom - rest - 16
        self.y += 8
        # Merged spans: a run of empty cells under a filled one (never the header).
        owner = [[i for _ in range(ncol)] for i in range(len(body))]
        for j in range(ncol):
            for i in range(1, len(body)):
                if not (body[i][j] if j < len(body[i]) else ""):
                    owner[i][j] = owner[i - 1][j]

        def draw_row(lines, top, h, bottom_open):
            for j in range(ncol):
                pdf.line(xs[j], top, xs[j], top + h)
                if not bottom_open[j]:
                    pdf.line(xs[j], top + h, xs[j + 1], top + h)
            pdf.line(xs[-1], top, xs[-1], top + h)

        def put(lines, j, top, h):
            pdf.set_font("cjk", size=CELL)
            y = top + (h - len(lines) * CELL_LEAD) / 2
            for ln in lines:
                y += CELL_LEAD
                pdf.text(xs[j] + 3, y - 4, ln)

        def draw_header():
            pdf.set_line_width(0.6)
            pdf.line(LEFT, self.y, RIGHT, self.y)
            draw_row(head_lines, self.y, head_h, [False] * ncol)
            for j in range(ncol):
                put(head_lines[j], j, self.y, head_h)
            self.y += head_h

        draw_header()
        pending: dict[int, list] = {}  # column → [lines, top, height]: the open merged cell on this page
        for i, (lines, h) in enumerate(laid):
            if self.y + h > self.bottom:
                for j, (ln, top, hh) in pending.items():
                    put(ln, j, top, hh)
                    pdf.line(xs[j], top + hh, xs[j + 1], top + hh)
                pending = {}
                self.new_page()
                self.y += 8
                draw_header()
            open_below = [i + 1 < len(body) and owner[i + 1][j] == owner[i][j] for j in range(ncol)]
            draw_row(lines, self.y, h, open_below)
            for j in range(ncol):
                if owner[i][j] == i:
                    pending[j] = [lines[j], self.y, h]
                elif j in pending:
                    pending[j][2] += h
                else:  # a merged cell carried over a page break: empty on the new page
                    pending[j] = [[], self.y, h]
                if not open_below[j]:
                    ln, top, hh = pending.pop(j)
                    put(ln, j, top, hh)
            self.y += h
        self.y += 8


def plan_pdf(text: str, header: str, note: str | None = None) -> bytes:
    """Return a PDF of a plan given as text (one paragraph or table row a line).

    note: a footnote body; its marker goes after the first term followed by `，` in the first
    paragraph long enough to have one.
    """
    font = font_path()
    if font is None:
        raise FileNotFoundError("fonts-wqy-microhei is not installed (tests/run.sh installs it)")
    doc = PlanPDF(header, font)
    lines = [ln.rstrip("\r") for ln in text.split("\n") if ln.strip()]
    i = 0
    placed = note is None
    while i < len(lines):
        if _is_row(lines[i]):
            bordered = "\t" not in lines[i] and lines[i].lstrip().startswith(("|", "｜"))  # as the header is
            rows = []
            while i < len(lines) and _is_row(lines[i]):
                rows.append(_cells(lines[i], bordered))
                i += 1
            doc.table(rows)
            continue
        ln = lines[i].strip()
        i += 1
        if re.match(r"^[一二三四五六七八九十]{1,3}、", ln) and len(ln) <= 12:
            doc.paragraph(ln, spaced=True)
            continue
        if not placed and len(ln) > 30 and re.search(r"[\u4e00-\u9fff]，", ln[4:]) and "（" not in ln[:4]:
            k = re.search(r"[\u4e00-\u9fff]，", ln[4:]).start() + 5
            doc.paragraph(ln[:k] + SUP + ln[k:], note=note)
            placed = True
            continue
        doc.paragraph(ln)
    return doc.finish()
