"""Read office files (DOCX, XLSX, CSV, OFD) into plan-shaped text: paragraphs as lines, tables as TAB rows.

The text is what the extractor reads from a plan given as text: Word's automatic numbering
written at the start of its paragraph (`一、`, `（一）`, `1.`), a table as a header row and
TAB-separated rows with a merged cell left empty below its first row, a footnote as its
number glued after the term and its body on a line `N text` after the paragraph citing it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from .normalize import is_grid_header
from .reader import InputError, decode

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# -- limits and archives ----------------------------------------------------------------------
_UNPACKED = 256 * 1024 * 1024  # bytes an archive may unpack to
_ENTRIES = 10_000  # members an archive may hold

@dataclass(frozen=True, slots=True)
class Limits:
    """How much an archive may unpack to; set by POLICYKG_MAX_UNPACKED_MB and POLICYKG_MAX_ENTRIES."""

    unpacked: int = _UNPACKED
    entries: int = _ENTRIES

    @classmethod
    def from_env(cls) -> "Limits":
        def number(name: str, default: int, scale: int = 1) -> int:
            raw = os.environ.get(name, "").strip()
            try:
                return int(float(raw) * scale) if raw else default
            except ValueError:
                return default

        return cls(number("POLICYKG_MAX_UNPACKED_MB", _UNPACKED, 1024 * 1024), number("POLICYKG_MAX_ENTRIES", _ENTRIES))


def _ole_message(data: bytes, kind: str, legacy: str) -> str:
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        return f"password-protected (encrypted) {kind} file: remove the password and save it again"
    return f"a legacy binary file ({legacy}), not {kind} XML: convert it first (soffice --headless --convert-to {kind.lower()} FILE)"


class _Archive:
    """A zip archive read within limits: every member read is capped at what is left of the budget."""

    def __init__(self, data: bytes, path, kind: str, limits: Limits | None = None):
        self.path, self.kind = path, kind
        self.limits = limits or Limits.from_env()
        if data.startswith(OLE_MAGIC):
            raise InputError(path, _ole_message(data, kind, {"DOCX": ".doc", "XLSX": ".xls"}.get(kind, "OLE")))
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as e:
            raise InputError(path, f"not a readable {kind} file (corrupt zip: {e})") from None
        if len(infos) > self.limits.entries:
            raise InputError(path, f"refused: the {kind} archive holds {len(infos)} entries "
                                   f"(limit {self.limits.entries}, POLICYKG_MAX_ENTRIES)")
        total = sum(i.file_size for i in infos)
        if total > self.limits.unpacked:
            raise InputError(path, f"refused: the {kind} archive unpacks to {total // (1024 * 1024)} MB "
                                   f"(limit {self.limits.unpacked // (1024 * 1024)} MB, POLICYKG_MAX_UNPACKED_MB)")
        self.names = {i.filename for i in infos}
        self.left = self.limits.unpacked

    def read(self, name: str) -> bytes | None:
        """Return a member's bytes, None when absent; refuse a member that unpacks past the budget."""
        if name not in self.names:
            return None
        try:
            with self.zip.open(name) as f:
                data = f.read(self.left + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as e:
            raise InputError(self.path, f"not a readable {self.kind} file ({name}: {e})") from None
        if len(data) > self.left:
            raise InputError(self.path, f"refused: {name} unpacks past the limit of "
                                        f"{self.limits.unpacked // (1024 * 1024)} MB (POLICYKG_MAX_UNPACKED_MB)")
        self.left -= len(data)
        return data

    def xml(self, name: str, required: bool = False) -> ElementTree.Element | None:
        data = self.read(name)
        if data is None:
            if required:
                raise InputError(self.path, f"not a readable {self.kind} file (no {name})")
            return None
        if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data[:4096]:
            raise InputError(self.path, f"refused: {name} declares a DTD or entities")
        try:
            return ElementTree.fromstring(data)
        except ElementTree.ParseError as e:
            raise InputError(self.path, f"not a readable {self.kind} file ({name}: {e})") from None


def _relative(base: str, target: str) -> str:
    """Resolve a relationship target against the folder of the part that names it."""
    if target.startswith("/"):
        return target[1:]
    parts = [p for p in base.split("/")[:-1]]
    for seg in target.split("/"):
        if seg == "..":
            if parts:
                parts.pop()
        elif seg and seg != ".":
            parts.append(seg)
    return "/".join(parts)


_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _rels(ar: _Archive, part: str) -> dict[str, str]:
    """Map relationship type (its last path segment) to the target part of `part`."""
    folder, _, name = part.rpartition("/")
    root = ar.xml(f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels")
    out: dict[str, str] = {}
    if root is not None:
        for r in root.iter(_REL + "Relationship"):
            if r.get("TargetMode") == "External":
                continue
            out.setdefault(r.get("Type", "").rsplit("/", 1)[-1], _relative(part, r.get("Target", "")))
    return out


# -- tables as text ---------------------------------------------------------------------------
_END_PUNCT = tuple("。；;，,、：:！？!?）)")


def join_cell(parts) -> str:
    """Join the paragraphs of one table cell into one cell text (no TAB, no line break, no |)."""
    out = ""
    for p in parts:
        p = re.sub(r"[\t\n\r\f\v|｜]+", " ", p).strip(" \u3000\u00a0")
        if not p:
            continue
        if out and not out.endswith(_END_PUNCT) and len(out) <= 25 and len(p) <= 25:
            out += "、"  # short lines in one cell are a list of names
        out += p
    return out


def table_lines(rows: list[list[str]], full: list[bool] | None = None) -> list[str]:
    """Turn table rows (cells already joined; merged cells empty below their first row) into lines.

    A row that is one cell across the whole table becomes a line of its own (a heading inside
    a 分工表), and the header row is written again before the rows that follow it.
    """
    full = full or [False] * len(rows)
    rows = [[c.strip() for c in r] for r in rows]
    ncols = max((len(r) for r in rows), default=0)
    while ncols and not any(len(r) >= ncols and r[ncols - 1] for r in rows):
        ncols -= 1  # trailing columns nobody wrote in
    out: list[str] = []
    if ncols <= 1:
        return [r[0] for r in rows if r and r[0]]
    header: str | None = None
    pending = False  # a heading row came after the header: repeat the header before the next row
    for r, is_full in zip(rows, full):
        cells = (r + [""] * ncols)[:ncols]
        filled = [c for c in cells if c]
        if not filled:
            continue
        line = "\t".join(cells)
        if header is None and is_grid_header(line):
            header = line
            out.append(line)
            continue
        if is_full or (len(filled) == 1 and cells[0] and header is None):
            out.append(filled[0])
            pending = header is not None
            continue
        if pending:
            out.append(header)
            pending = False
        out.append(line)
    return out


# -- DOCX -------------------------------------------------------------------------------------
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_SKIP = {W + "drawing", W + "pict", W + "object", W + "del", W + "moveFrom", W + "delText", W + "instrText",
         "{http://schemas.openxmlformats.org/markup-compatibility/2006}AlternateContent", W + "rPr", W + "pPr",
         W + "footnoteRef", W + "endnoteRef", W + "fldData", W + "txbxContent"}

_CN_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int, legal: bool = False) -> str:
    """Write n (1–9999) in Chinese counting: 十, 十一, 二十一, 一百零五.

    >>> [chinese_number(n) for n in (1, 10, 11, 20, 21, 105)]
    ['一', '十', '十一', '二十', '二十一', '一百零五']
    """
    digits = "零壹贰叁肆伍陆柒捌玖" if legal else _CN_DIGITS
    units = ("", "拾", "佰", "仟") if legal else ("", "十", "百", "千")
    if n <= 0 or n >= 10000:
        return str(n)
    s, zero = "", False
    for i, d in enumerate(f"{n:04d}"):
        d = int(d)
        if d == 0:
            zero = bool(s)
            continue
        if zero:
            s += digits[0]
            zero = False
        s += digits[d] + units[3 - i]
    if not legal and 10 <= n < 20:
        s = s[1:]  # 十一, not 一十一
    return s


def _roman(n: int) -> str:
    vals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
            (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    s = ""
    for v, r in vals:
        while n >= v:
            s, n = s + r, n - v
    return s


def _letters(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """Render a list counter in a numFmt of WordprocessingML (chineseCounting, decimal, …)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "koreanCounting", "chineseCounting1"):
        return chinese_number(n)
    if fmt == "chineseLegalSimplified":
        return chinese_number(n, legal=True)
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(n))
    if fmt in ("ideographTraditional",):
        return "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10]
    if fmt in ("ideographZodiac",):
        return "子丑寅卯辰巳午未申酉戌亥"[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalEnclosedParen" and 1 <= n <= 20:
        return chr(0x2474 + n - 1)
    if fmt == "decimalEnclosedFullstop" and 1 <= n <= 20:
        return chr(0x2488 + n - 1)
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    return str(n)


@dataclass(slots=True)
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    restart: int | None = None  # lvlRestart: restart after a level below this (1-based) is used; 0 never
    style: str | None = None
    suffix: str = "tab"  # what follows the number: tab, space or nothing


def _val(el, tag: str, default=None):
    x = el.find(W + tag) if el is not None else None
    return x.get(W + "val", default) if x is not None else default


def _int(s, default: int) -> int:
    try:
        return int(s)
    except (TypeError, ValueError):
        return default


class Numbering:
    """Word's list numbering: levels of each abstractNum, num instances, counters and restarts."""

    def __init__(self, numbering: ElementTree.Element | None, styles: ElementTree.Element | None):
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.links: dict[str, str] = {}  # abstractNum → numStyleLink style
        self.nums: dict[str, tuple[str, dict[int, int], dict[int, _Level]]] = {}
        self.style_num: dict[str, tuple[str | None, int | None]] = {}
        self.based: dict[str, str] = {}
        if numbering is not None:
            for a in numbering.iter(W + "abstractNum"):
                aid = a.get(W + "abstractNumId", "")
                self.abstract[aid] = {_int(lv.get(W + "ilvl"), 0): self._level(lv) for lv in a.iter(W + "lvl")}
                link = _val(a, "numStyleLink")
                if link:
                    self.links[aid] = link
            for n in numbering.iter(W + "num"):
                starts, levels = {}, {}
                for o in n.iter(W + "lvlOverride"):
                    ilvl = _int(o.get(W + "ilvl"), 0)
                    if _val(o, "startOverride") is not None:
                        starts[ilvl] = _int(_val(o, "startOverride"), 1)
                    lv = o.find(W + "lvl")
                    if lv is not None:
                        levels[ilvl] = self._level(lv)
                        if ilvl not in starts and lv.find(W + "start") is not None:
                            starts[ilvl] = levels[ilvl].start
                self.nums[n.get(W + "numId", "")] = (_val(n, "abstractNumId", ""), starts, levels)
        if styles is not None:
            for s in styles.iter(W + "style"):
                sid = s.get(W + "styleId", "")
                ppr = s.find(W + "pPr")
                np_ = ppr.find(W + "numPr") if ppr is not None else None
                if np_ is not None:
                    ilvl = _val(np_, "ilvl")
                    self.style_num[sid] = (_val(np_, "numId"), _int(ilvl, 0) if ilvl is not None else None)
                if _val(s, "basedOn"):
                    self.based[sid] = _val(s, "basedOn")
        self.counters: dict[str, list[int | None]] = {}
        self.used: set[str] = set()

    @staticmethod
    def _level(lv) -> _Level:
        r = _val(lv, "lvlRestart")
        return _Level(_int(_val(lv, "start"), 1), _val(lv, "numFmt", "decimal"), _val(lv, "lvlText", ""),
                      _int(r, 0) if r is not None else None, _val(lv, "pStyle"), _val(lv, "suff", "tab"))

    def _abstract_of(self, num_id: str) -> str | None:
        aid = self.nums.get(num_id, (None,))[0]
        for _ in range(4):  # a list style points at the num that holds the levels
            if aid in self.links:
                linked = self.style_num.get(self.links[aid], (None, None))[0]
                aid = self.nums.get(linked or "", (aid,))[0] if linked else aid
                if linked is None:
                    break
            else:
                break
        return aid if aid in self.abstract else None

    def of_paragraph(self, ppr) -> tuple[str, int] | None:
        """Return the (numId, ilvl) a paragraph is numbered with, from its own numPr or its style's."""
        np_ = ppr.find(W + "numPr") if ppr is not None else None
        num_id = _val(np_, "numId") if np_ is not None else None
        ilvl = _val(np_, "ilvl") if np_ is not None else None
        style = _val(ppr, "pStyle")
        seen = 0
        s = style
        while (num_id is None or ilvl is None) and s and seen < 10:
            sn, si = self.style_num.get(s, (None, None))
            if num_id is None and sn is not None:
                num_id = sn
                if ilvl is None and si is None:  # the level is the one that names this style
                    aid = self._abstract_of(num_id)
                    for k, lv in (self.abstract.get(aid) or {}).items():
                        if lv.style == s:
                            ilvl = str(k)
            if ilvl is None and si is not None:
                ilvl = str(si)
            s = self.based.get(s)
            seen += 1
        if num_id is None or num_id == "0":
            return None
        return num_id, _int(ilvl, 0)

    def label(self, num_id: str, ilvl: int) -> str:
        """Advance the counter of (numId, ilvl) and return the number as the list writes it."""
        aid = self._abstract_of(num_id)
        if aid is None:
            return ""
        _, starts, overrides = self.nums[num_id]
        levels = {**self.abstract[aid], **overrides}
        if ilvl not in levels:
            return ""
        c = self.counters.setdefault(aid, [None] * 10)
        if num_id not in self.used:  # "restart numbering": a num's startOverride applies at its first paragraph
            self.used.add(num_id)
            for k, v in starts.items():
                if 0 <= k < 10:
                    c[k] = v - 1
        c[ilvl] = levels[ilvl].start if c[ilvl] is None else c[ilvl] + 1
        for k in range(ilvl + 1, 10):
            lv = levels.get(k)
            r = lv.restart if lv is not None and lv.restart is not None else k
            if r and ilvl < r:
                c[k] = None
        lv = levels[ilvl]
        if lv.fmt in ("bullet", "none") and "%" not in lv.text:
            return "" if lv.fmt == "bullet" else lv.text

        def sub(m):
            k = int(m.group(1)) - 1
            ref = levels.get(k, _Level())
            n = c[k] if c[k] is not None else ref.start
            return format_number(n, ref.fmt if lv.fmt != "none" or k != ilvl else "decimal")

        label = re.sub(r"%([1-9])", sub, lv.text)
        # A tab after the number is white space; after 、 ． ） the genre writes none, after 第一章 a space.
        if lv.suffix == "space" or lv.suffix == "tab" and label and re.match(r"[\u4e00-\u9fff\w]", label[-1]):
            label += " "
        return label


class _Docx:
    def __init__(self, ar: _Archive):
        self.ar = ar
        main = _rels(ar, "").get("officeDocument", "word/document.xml")
        self.doc = ar.xml(main, required=True)
        rels = _rels(ar, main)
        part = lambda kind, default: rels.get(kind, default)  # noqa: E731
        self.numbering = Numbering(ar.xml(part("numbering", "word/numbering.xml")),
                                   ar.xml(part("styles", "word/styles.xml")))
        self.notes: dict[tuple[str, str], ElementTree.Element] = {}
        for kind, tag in (("footnotes", "footnote"), ("endnotes", "endnote")):
            root = ar.xml(part(kind, f"word/{kind}.xml"))
            if root is not None:
                for n in root.iter(W + tag):
                    if n.get(W + "type") in (None, "normal"):
                        self.notes[(tag, n.get(W + "id", ""))] = n
        self.note_no = 0
        self.pending: list[str] = []  # footnote bodies waiting for the end of the block that cites them

    def lines(self) -> list[str]:
        body = self.doc.find(W + "body")
        out: list[str] = []
        self._blocks(body if body is not None else self.doc, out)
        return out

    def _blocks(self, parent, out: list[str]) -> None:
        for el in parent:
            if el.tag == W + "p":
                text = self._paragraph(el)
                out.extend(s for s in text.split("\n"))
                self._flush(out)
            elif el.tag == W + "tbl":
                self._table(el, out)
                self._flush(out)
            elif el.tag in (W + "sdt", W + "customXml", W + "ins", W + "moveTo"):
                content = el.find(W + "sdtContent")
                self._blocks(content if content is not None else el, out)

    def _flush(self, out: list[str]) -> None:
        out.extend(self.pending)
        self.pending.clear()

    def _paragraph(self, p) -> str:
        ppr = p.find(W + "pPr")
        num = self.numbering.of_paragraph(ppr)
        label = self.numbering.label(*num) if num else ""
        parts: list[str] = []
        self._runs(p, parts)
        text = "".join(parts)
        return label + text.lstrip(" \u3000") if label.endswith(" ") else label + text

    def _runs(self, el, parts: list[str]) -> None:
        for c in el:
            tag = c.tag
            if tag in _SKIP:
                continue
            if tag == W + "r":
                rpr = c.find(W + "rPr")
                vanish = rpr.find(W + "vanish") if rpr is not None else None
                if vanish is not None and vanish.get(W + "val", "true") not in ("0", "false", "off"):
                    continue
                self._runs(c, parts)
            elif tag == W + "t":
                parts.append(c.text or "")
            elif tag == W + "tab" or tag == W + "ptab":
                parts.append(" ")
            elif tag in (W + "br", W + "cr"):
                if c.get(W + "type") not in ("page", "column"):
                    parts.append("\n")
            elif tag == W + "noBreakHyphen":
                parts.append("-")
            elif tag in (W + "footnoteReference", W + "endnoteReference"):
                parts.append(self._note(c, "footnote" if tag == W + "footnoteReference" else "endnote"))
            elif tag == W + "p":  # a paragraph nested in a run container (rare): its own line
                parts.append("\n" + self._paragraph(c))
            else:
                self._runs(c, parts)

    def _note(self, ref, tag: str) -> str:
        note = self.notes.get((tag, ref.get(W + "id", "")))
        if note is None:
            return ""
        if ref.get(W + "customMarkFollows") in ("1", "true", "on"):
            return ""  # the mark is the run's own text
        self.note_no += 1
        parts: list[str] = []
        for p in note.iter(W + "p"):
            sub: list[str] = []
            self._runs(p, sub)
            parts.append("".join(sub).replace("\n", "").strip())
        body = "".join(parts).strip()
        if body:
            self.pending.append(f"{self.note_no} {body}")
        return str(self.note_no)

    def _cell_paragraphs(self, tc) -> list[str]:
        out: list[str] = []
        for el in tc:
            if el.tag == W + "p":
                out.extend(self._paragraph(el).split("\n"))
            elif el.tag == W + "tbl":  # a nested table: its cells in reading order
                for tr in self._rows(el):
                    for c in self._cells(tr):
                        out.extend(self._cell_paragraphs(c))
            elif el.tag in (W + "sdt", W + "customXml"):
                content = el.find(W + "sdtContent")
                out.extend(self._cell_paragraphs(content if content is not None else el))
        return out

    @staticmethod
    def _children(el, tag: str):
        """Yield the `tag` children of a table element, looking through content controls (sdt, customXml)."""
        for child in el:
            if child.tag == W + tag:
                yield child
            elif child.tag in (W + "sdt", W + "customXml"):
                content = child.find(W + "sdtContent")
                yield from _Docx._children(content if content is not None else child, tag)

    @staticmethod
    def _rows(tbl):
        return _Docx._children(tbl, "tr")

    @staticmethod
    def _cells(tr):
        return _Docx._children(tr, "tc")

    def _table(self, tbl, out: list[str]) -> None:
        grid = tbl.find(W + "tblGrid")
        ncols = len(grid.findall(W + "gridCol")) if grid is not None else 0
        rows: list[list[str]] = []
        paras: list[list[str]] = []  # every cell's paragraphs, for a one-column table (a box)
        full: list[bool] = []
        for tr in self._rows(tbl):
            trpr = tr.find(W + "trPr")
            row: list[str] = [""] * _int(_val(trpr, "gridBefore"), 0)
            spans = []
            for tc in self._cells(tr):
                tcpr = tc.find(W + "tcPr")
                span = max(1, _int(_val(tcpr, "gridSpan"), 1))
                vmerge = tcpr.find(W + "vMerge") if tcpr is not None else None
                hmerge = _val(tcpr, "hMerge")
                ps = self._cell_paragraphs(tc)
                merged = (vmerge is not None and vmerge.get(W + "val", "continue") == "continue") or hmerge == "continue"
                text = "" if merged else join_cell(ps)
                if not merged:
                    paras.append(ps)
                row.append(text)
                row.extend([""] * (span - 1))
                spans.append(span)
            rows.append(row)
            width = max(ncols, len(row))
            full.append(len(spans) == 1 and width >= 2 and spans[0] >= width)
        if max((len(r) for r in rows), default=0) <= 1 or all(f for f in full):
            for ps in paras:  # a box (专栏) drawn as a one-column table: its paragraphs are lines
                out.extend(p for p in ps if p.strip())
            return
        out.extend(table_lines(rows, full))


def read_docx(data: bytes, path, limits: Limits | None = None) -> str:
    """Return the text of a .docx file: numbering rendered, tables as TAB rows, footnotes after their paragraph."""
    ar = _Archive(data, path, "DOCX", limits)
    return "\n".join(_Docx(ar).lines())


# -- XLSX and CSV -----------------------------------------------------------------------------
def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, dt.datetime) and (v.hour, v.minute, v.second) != (0, 0, 0):
        return f"{v.year}年{v.month}月{v.day}日 {v:%H:%M}"
    if isinstance(v, dt.date):
        return f"{v.year}年{v.month}月{v.day}日"
    return join_cell(str(v).split("\n"))


def read_xlsx(data: bytes, path, limits: Limits | None = None) -> str:
    """Return the text of a workbook: each visible sheet its part (`一、SHEET` when several), rows as TAB lines."""
    _Archive(data, path, "XLSX", limits)  # refuses encrypted, legacy and oversized files before openpyxl sees them
    import warnings

    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as e:  # openpyxl raises many types for a damaged workbook
        raise InputError(path, f"not a readable XLSX file ({type(e).__name__}: {e})") from None
    sheets = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        rows = [[_cell_text(v) for v in r] for r in ws.iter_rows(values_only=True)]
        while rows and not any(rows[-1]):
            rows.pop()
        if not rows:
            continue
        used = max((max((i for i, c in enumerate(r) if c), default=-1) for r in rows), default=-1) + 1
        full = [False] * len(rows)
        for rng in ws.merged_cells.ranges:
            if rng.min_col <= 1 and rng.max_col >= used and used >= 2:
                for r in range(rng.min_row, min(rng.max_row, len(rows)) + 1):
                    full[r - 1] = True
        sheets.append((ws.title, rows, full))
    wb.close()
    out: list[str] = []
    for i, (title, rows, full) in enumerate(sheets, 1):
        if len(sheets) > 1:
            out.append(f"{chinese_number(i)}、{title.strip()}")
        out.extend(table_lines(rows, full))
    return "\n".join(out)


def read_csv(data: bytes, path) -> tuple[str, str]:
    """Return the text of a CSV 分工表 (comma, TAB, semicolon or | separated) and its encoding."""
    text, encoding = decode(data, path)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as e:
        raise InputError(path, f"not a readable CSV file ({e})") from None
    return "\n".join(table_lines([[join_cell(c.split("\n")) for c in r] for r in rows])), encoding


# -- OFD (GB/T 33190) -------------------------------------------------------------------------
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _box(s: str | None) -> tuple[float, float]:
    try:
        x, y, *_ = (float(v) for v in (s or "0 0").split())
        return x, y
    except ValueError:
        return 0.0, 0.0


def read_ofd(data: bytes, path, limits: Limits | None = None) -> tuple[str, tuple[int, ...]]:
    """Return the text of an OFD file (its TextCode elements, lines by position) and the page of each line."""
    ar = _Archive(data, path, "OFD", limits)
    root = ar.xml("OFD.xml", required=True)
    docs = [e.text.strip().lstrip("/") for e in root.iter() if _local(e.tag) == "DocRoot" and e.text]
    if not docs:
        raise InputError(path, "not a readable OFD file (OFD.xml names no DocRoot)")
    lines: list[str] = []
    pages: list[int] = []
    page_no = 0
    for doc_root in docs:
        doc = ar.xml(doc_root, required=True)
        for page in (e for e in doc.iter() if _local(e.tag) == "Page"):
            loc = page.get("BaseLoc")
            if not loc:
                continue
            content = ar.xml(_relative(doc_root, loc.lstrip("/")) if not loc.startswith("/") else loc[1:])
            page_no += 1
            if content is None:
                continue
            codes: list[tuple[float, float, float, str]] = []
            for obj in (e for e in content.iter() if _local(e.tag) == "TextObject"):
                bx, by = _box(obj.get("Boundary"))
                size = float(obj.get("Size") or 3.5)
                x = y = 0.0
                for code in (e for e in obj if _local(e.tag) == "TextCode"):
                    x = float(code.get("X", x))
                    y = float(code.get("Y", y))
                    if code.text:
                        codes.append((by + y, bx + x, size, code.text))
            codes.sort()
            rows: list[list[tuple[float, float, str]]] = []
            last_y = None
            for y, x, size, text in codes:
                if last_y is None or abs(y - last_y) > size * 0.5:
                    rows.append([])
                    last_y = y
                rows[-1].append((x, size, text))
            if page_no > 1 and lines:
                lines.append("\f")
                pages.append(page_no)
            for row in rows:
                row.sort()
                s, end = "", None
                for x, size, text in row:
                    if end is not None and x - end > size * 1.5:
                        s += " "
                    s += text
                    end = x + size * len(text)
                lines.append(s)
                pages.append(page_no)
    if not any(s.strip() for s in lines):
        raise InputError(path, "the OFD file has no readable text (glyph-only or scanned pages): convert it to PDF first")
    return "\n".join(lines), tuple(pages)
