"""Read a PDF's text layer into lines as normalize expects them, with the page of each line.

One output line per visual line, in reading order; running headers, footers and page numbers
dropped; letter-spaced runs closed up; superscript footnote markers made plain digits glued to
their term; footnotes at the foot of a page moved after the page's body as `N text`; tables
drawn with ruling lines emitted one TAB-separated line per row (a merged cell in its first row
only, a cell's wrapped text joined, a table going on over a page break without its repeated
header). Pages are separated by a form feed line.

pypdfium2 (PDFium; Apache-2.0/BSD) gives each character's box and each page's path objects at
a fraction of pdfplumber's cost; PyMuPDF is AGPL.
"""

from __future__ import annotations

import ctypes
import os
import re
from collections import Counter
from dataclasses import dataclass

MAX_PAGES = 2000  # POLICYKG_MAX_PDF_PAGES overrides
SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
PAGE_NUMBER = re.compile(r"^(?:[-—–－―_\s]*\d{1,4}[-—–－―_\s]*|第\s*\d+\s*页(?:\s*[，,]?\s*共\s*\d+\s*页)?"
                         r"|\d+\s*/\s*\d+|[Pp]age\s*\d+(?:\s*of\s*\d+)?)$")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


class PDFError(Exception):
    """A PDF that cannot be read; the message is one line (the reader adds the file name)."""


@dataclass(slots=True)
class Char:
    ch: str
    x0: float
    x1: float
    top: float  # distances from the top of the page
    bottom: float

    @property
    def size(self) -> float:
        return self.bottom - self.top


@dataclass(slots=True)
class Line:
    top: float
    bottom: float
    x0: float
    text: str
    size: float  # the line's common character height
    row: tuple[str, ...] | None = None  # a table row's cells


# ---------------------------------------------------------------------------- opening


def _open(data: bytes):
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise PDFError("not a PDF file (no %PDF header)")
    if b"%%EOF" not in data[-2048:]:
        raise PDFError("truncated PDF (no %%EOF at the end): download the file again")
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        code = raw.FPDF_GetLastError()
        if code == raw.FPDF_ERR_PASSWORD:
            raise PDFError("encrypted PDF (a password is needed to open it): save an unprotected copy") from None
        if code == raw.FPDF_ERR_SECURITY:
            raise PDFError("PDF with an unsupported security handler: save an unprotected copy") from None
        raise PDFError(f"not a readable PDF, damaged or truncated ({e})") from None
    return doc


# ---------------------------------------------------------------------------- characters and rules


def _chars(page, height: float) -> list[Char]:
    import pypdfium2.raw as raw

    tp = page.get_textpage()
    try:
        n = tp.count_chars()
        if n <= 0:
            return []
        text = tp.get_text_range(0, n)
        if len(text) != n:  # characters outside the BMP: one index each, two UTF-16 units
            text = "".join(chr(raw.FPDFText_GetUnicode(tp.raw, i)) for i in range(n))
        out = []
        rect = raw.FS_RECTF()
        box = raw.FPDFText_GetLooseCharBox
        generated = raw.FPDFText_IsGenerated
        ref = ctypes.byref(rect)
        for i, ch in enumerate(text):
            if ch in "\r\n\ufffe\x02" or (ch == " " and generated(tp.raw, i)):
                continue
            box(tp.raw, i, ref)
            out.append(Char(ch, rect.left, rect.right, height - rect.top, height - rect.bottom))
        return out
    finally:
        tp.close()


def _rules(page, height: float) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """Return the page's horizontal (y, x0, x1) and vertical (x, y0, y1) ruling segments, y from the top."""
    import pypdfium2.raw as raw

    hs, vs = [], []
    l, b, r, t = (ctypes.c_float() for _ in range(4))
    x, y = ctypes.c_float(), ctypes.c_float()
    m = raw.FS_MATRIX()

    def add(x0, y0, x1, y1):
        if abs(y1 - y0) <= 2.0 and abs(x1 - x0) >= 6:
            hs.append((height - (y0 + y1) / 2, min(x0, x1), max(x0, x1)))
        elif abs(x1 - x0) <= 2.0 and abs(y1 - y0) >= 6:
            vs.append(((x0 + x1) / 2, height - max(y0, y1), height - min(y0, y1)))

    for obj in _path_objects(page.raw):
        raw.FPDFPageObj_GetBounds(obj, l, b, r, t)
        if r.value - l.value <= 2.0 or t.value - b.value <= 2.0:
            add(l.value, b.value, r.value, t.value)
            continue
        nseg = raw.FPDFPath_CountSegments(obj)
        if nseg > 16 or not raw.FPDFPageObj_GetMatrix(obj, m):
            continue  # a drawing, not cell borders
        pts = []
        for k in range(nseg):
            seg = raw.FPDFPath_GetPathSegment(obj, k)
            if raw.FPDFPathSegment_GetType(seg) == raw.FPDF_SEGMENT_BEZIERTO:
                pts = []
                break
            raw.FPDFPathSegment_GetPoint(seg, x, y)
            px, py = m.a * x.value + m.c * y.value + m.e, m.b * x.value + m.d * y.value + m.f
            kind = raw.FPDFPathSegment_GetType(seg)
            pts.append((kind, px, py, raw.FPDFPathSegment_GetClose(seg)))
        start = prev = None
        for kind, px, py, close in pts:
            if kind == raw.FPDF_SEGMENT_MOVETO:
                start = prev = (px, py)
                continue
            if prev:
                add(prev[0], prev[1], px, py)
            prev = (px, py)
            if close and start:
                add(px, py, start[0], start[1])
    return hs, vs


def _path_objects(page_raw):
    import pypdfium2.raw as raw

    for k in range(raw.FPDFPage_CountObjects(page_raw)):
        obj = raw.FPDFPage_GetObject(page_raw, k)
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_PATH:
            yield obj
        elif kind == raw.FPDF_PAGEOBJ_FORM:  # a form XObject: its paths draw on the page too
            for j in range(raw.FPDFFormObj_CountObjects(obj)):
                sub = raw.FPDFFormObj_GetObject(obj, j)
                if raw.FPDFPageObj_GetType(sub) == raw.FPDF_PAGEOBJ_PATH:
                    yield sub


# ---------------------------------------------------------------------------- tables


def _cluster(values, tol=2.5) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


@dataclass(slots=True)
class Table:
    x0: float
    top: float
    x1: float
    bottom: float
    xs: list[float]
    ys: list[float]
    hs: list
    vs: list

    def holds(self, c: Char) -> bool:
        cx, cy = (c.x0 + c.x1) / 2, (c.top + c.bottom) / 2
        return self.x0 - 1 <= cx <= self.x1 + 1 and self.top - 1 <= cy <= self.bottom + 1


def _tables(hs, vs) -> list[Table]:
    """Group ruling segments that touch into tables: at least two rows and two columns."""
    segs = [("h", s) for s in hs] + [("v", s) for s in vs]
    parent = list(range(len(segs)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tol = 2.5
    for i, (ki, a) in enumerate(segs):
        if ki != "h":
            continue
        y, x0, x1 = a
        for j, (kj, v) in enumerate(segs):
            if kj == "v" and x0 - tol <= v[0] <= x1 + tol and v[1] - tol <= y <= v[2] + tol:
                parent[find(i)] = find(j)
    groups: dict[int, list] = {}
    for i, s in enumerate(segs):
        groups.setdefault(find(i), []).append(s)
    out = []
    for g in groups.values():
        h = [s for k, s in g if k == "h"]
        v = [s for k, s in g if k == "v"]
        xs = _cluster([s[0] for s in v])
        ys = _cluster([s[0] for s in h])
        if len(xs) < 3 or len(ys) < 2:
            continue
        out.append(Table(xs[0], ys[0], xs[-1], ys[-1], xs, ys, h, v))
    return sorted(out, key=lambda t: t.top)


def _rows(t: Table, chars: list[Char]) -> list[Line]:
    """Return a table's rows: merged cells in their first row, a cell's lines joined."""
    nr, nc = len(t.ys) - 1, len(t.xs) - 1
    if nr < 1:
        return []
    tol = 2.5

    def hline(y, xa, xb):  # a horizontal rule at y covering the middle of [xa, xb]
        mid = (xa + xb) / 2
        return any(abs(s[0] - y) <= tol and s[1] - tol <= mid <= s[2] + tol for s in t.hs)

    def vline(x, ya, yb):
        mid = (ya + yb) / 2
        return any(abs(s[0] - x) <= tol and s[1] - tol <= mid <= s[2] + tol for s in t.vs)

    parent = {(r, c): (r, c) for r in range(nr) for c in range(nc)}

    def find(k):
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)  # the top-left cell owns the merged cell

    for r in range(nr):
        for c in range(nc):
            if r + 1 < nr and not hline(t.ys[r + 1], t.xs[c], t.xs[c + 1]):
                union((r, c), (r + 1, c))
            if c + 1 < nc and not vline(t.xs[c + 1], t.ys[r], t.ys[r + 1]):
                union((r, c), (r, c + 1))
    import bisect

    cell_chars: dict[tuple[int, int], list[Char]] = {}
    for ch in chars:
        cx, cy = (ch.x0 + ch.x1) / 2, (ch.top + ch.bottom) / 2
        c = min(max(bisect.bisect_right(t.xs, cx) - 1, 0), nc - 1)
        r = min(max(bisect.bisect_right(t.ys, cy) - 1, 0), nr - 1)
        cell_chars.setdefault(find((r, c)), []).append(ch)
    rows = []
    for r in range(nr):
        cells = []
        for c in range(nc):
            own = find((r, c)) == (r, c)
            cells.append(_cell_text(cell_chars.get((r, c), [])) if own else "")
        if any(cells):
            size = Counter(round(ch.size, 1) for c in range(nc) for ch in cell_chars.get((r, c), [])).most_common(1)
            rows.append(Line(t.ys[r], t.ys[r + 1], t.x0, "\t".join(cells), size[0][0] if size else 0.0,
                             tuple(cells)))
    return rows


def _cell_text(chars: list[Char]) -> str:
    return "".join(_join_lines([ln.text for ln in _lines(chars)])).strip()


def _join_lines(parts: list[str]) -> list[str]:
    out: list[str] = []
    for p in parts:
        if out and out[-1][-1:].isascii() and out[-1][-1:].isalpha() and p[:1].isascii() and p[:1].isalpha():
            out.append(" ")
        out.append(p)
    return out


# ---------------------------------------------------------------------------- lines


def _lines(chars: list[Char]) -> list[Line]:
    """Group characters into visual lines (vertical overlap), each read left to right."""
    runs: list[list] = []  # [top, bottom, chars]: characters in content order on one line
    for ch in chars:
        if ch.x1 - ch.x0 <= 0 and ch.ch.isspace():
            continue
        if runs:
            run = runs[-1]
            last = run[2][-1]
            overlap = min(last.bottom, ch.bottom) - max(last.top, ch.top)
            if overlap > 0.5 * min(last.bottom - last.top, ch.bottom - ch.top) and ch.x0 >= last.x0 - 1:
                run[2].append(ch)
                run[0], run[1] = min(run[0], ch.top), max(run[1], ch.bottom)
                continue
        runs.append([ch.top, ch.bottom, [ch]])
    runs.sort(key=lambda r: r[0])
    merged: list[list] = []
    for run in runs:
        if merged:
            m = merged[-1]
            if min(m[1], run[1]) - max(m[0], run[0]) > 0.5 * min(m[1] - m[0], run[1] - run[0]):
                m[2].extend(run[2])
                m[0], m[1] = min(m[0], run[0]), max(m[1], run[1])
                continue
        merged.append(run)
    out = []
    for top, bottom, run in merged:
        run.sort(key=lambda c: c.x0)
        size = Counter(c.bottom - c.top for c in run if not c.ch.isspace()).most_common(1)
        size = size[0][0] if size else run[0].size
        text = _line_text(run, size)
        if text.strip():
            out.append(Line(top, bottom, run[0].x0, text, size))
    return out


def _line_text(run: list[Char], size: float) -> str:
    """Return a line's text: superscripts made plain, letter-spacing closed, wide gaps made tabs."""
    chars = [c for c in run if not c.ch.isspace()]
    gaps = [b.x0 - a.x1 for a, b in zip(chars, chars[1:])]
    em = size / 1.2 if size else 10.0
    # Letter-spaced: every gap wider than normal and the gaps alike.
    spaced = len(gaps) >= 2 and min(gaps) > 0.2 * em and max(gaps) < 1.6 * min(gaps) + 0.1 * em
    out = []
    prev = None
    for c in run:
        if c.ch.isspace():
            if out and out[-1] not in " \t" and not spaced:
                out.append(" ")
            continue
        ch = c.ch.translate(SUPERSCRIPTS)
        if prev is not None and not spaced and out and out[-1] not in " \t":
            gap = c.x0 - prev.x1
            if gap > 2.0 * em:
                out.append("\t")
            elif gap > 0.6 * em and prev.ch.isascii() and ch.isascii():
                out.append(" ")
        out.append(ch)
        prev = c
    return "".join(out).strip(" ")


# ---------------------------------------------------------------------------- pages


@dataclass(slots=True)
class Page:
    number: int
    height: float
    body: list[Line]
    notes: list[Line]
    tables: list[Table]


def _page(page, number: int) -> Page:
    width, height = page.get_size()
    chars = _chars(page, height)
    hs, vs = _rules(page, height)
    tables = _tables(hs, vs)
    rows: list[Line] = []
    if tables:
        free = []
        inside: dict[int, list[Char]] = {}
        for ch in chars:
            for k, t in enumerate(tables):
                if t.holds(ch):
                    inside.setdefault(k, []).append(ch)
                    break
            else:
                free.append(ch)
        chars = free
        for k, t in enumerate(tables):
            rows.extend(_rows(t, inside.get(k, [])))
    lines = _lines(chars)
    # Footnotes: a run of lines in a smaller font at the foot of the page, below every body line.
    sizes: Counter = Counter()
    for ln in lines:
        sizes[round(ln.size, 1)] += len(ln.text)
    notes: list[Line] = []
    if sizes:
        body_size = sizes.most_common(1)[0][0]
        end = len(lines)  # the footer and page number stay in the body, where _furniture finds them
        while end > 0 and (lines[end - 1].top > height * 0.9 or PAGE_NUMBER.match(lines[end - 1].text)):
            end -= 1
        k = end
        while k > 0 and lines[k - 1].size < 0.85 * body_size:
            k -= 1
        if k < end and lines[k].top > height * 0.5 and not any(r.bottom > lines[k].top for r in rows):
            notes = lines[k:end]
            lines = lines[:k] + lines[end:]
    body = sorted(lines + rows, key=lambda ln: ln.top)
    return Page(number, height, body, notes, tables)


def _furniture(pages: list[Page]) -> set[tuple[int, int]]:
    """Return (page, index) of running headers, footers and page numbers among body lines."""
    drop: set[tuple[int, int]] = set()
    seen: Counter = Counter()
    where: dict[tuple, list[tuple[int, int]]] = {}
    for p in pages:
        for i, ln in enumerate(p.body):
            band = ln.top < p.height * 0.13 or ln.bottom > p.height * 0.87
            if not band or ln.row is not None:
                continue
            if PAGE_NUMBER.match(ln.text.strip()):
                drop.add((p.number, i))
                continue
            key = (re.sub(r"\d+", "#", ln.text.replace(" ", "")), round(ln.top / 8))
            seen[key] += 1
            where.setdefault(key, []).append((p.number, i))
    need = 2 if len(pages) <= 3 else max(2, int(len(pages) * 0.5))
    for key, n in seen.items():
        if n >= need:
            drop.update(where[key])
    return drop


def pdf_lines(data: bytes) -> tuple[list[str], list[int]]:
    """Return the lines of a PDF's text layer in reading order, and the page of each line."""
    doc = _open(data)
    try:
        limit = int(os.environ.get("POLICYKG_MAX_PDF_PAGES", MAX_PAGES))
        if len(doc) > limit:
            raise PDFError(f"PDF has {len(doc)} pages, more than the limit of {limit} (POLICYKG_MAX_PDF_PAGES)")
        if len(doc) == 0:
            raise PDFError("PDF has no pages")
        pages = []
        for i in range(len(doc)):
            page = doc[i]
            try:
                pages.append(_page(page, i + 1))
            finally:
                page.close()
    finally:
        doc.close()
    empty = [p.number for p in pages if not p.body and not p.notes]
    if len(empty) == len(pages):
        span = f"page {empty[0]}" if len(empty) == 1 else f"pages {empty[0]}–{empty[-1]}"
        raise PDFError(f"{span} have no text layer: run OCR first (ocrmypdf)")
    drop = _furniture(pages)
    lines: list[str] = []
    page_of: list[int] = []
    header: tuple[str, ...] | None = None  # the header row of the table the last body line belongs to
    for p in pages:
        if lines:
            lines.append("\f")
            page_of.append(p.number)
        body = [ln for i, ln in enumerate(p.body) if (p.number, i) not in drop]
        for k, ln in enumerate(body):
            if ln.row is None:
                header = None
            elif k == 0 and header is not None and ln.row == header:
                continue  # the header row repeated on the page a table goes on to
            elif header is None or k > 0 and body[k - 1].row is None:
                header = ln.row
            lines.append(ln.text)
            page_of.append(p.number)
        for ln in p.notes:
            lines.append(ln.text)
            page_of.append(p.number)
    return lines, page_of


def pdf_to_text(data: bytes) -> tuple[str, tuple[int, ...]]:
    """Return a PDF's text (one line per visual line, pages split by form feeds) and each line's page."""
    lines, pages = pdf_lines(data)
    return "\n".join(lines) + "\n", tuple(pages)


def read_pdf(data: bytes, path) -> tuple[str, tuple[int, ...]]:
    """Return a PDF's text and the page of each line; a file that cannot be read is one InputError."""
    from .reader import InputError

    try:
        return pdf_to_text(data)
    except PDFError as e:
        raise InputError(path, str(e)) from None
