"""Write tables: the one writer of cells, for CSV, XLSX, terminal text and JSON.

A table is a list of rows, header first, or a list of records (dicts; the columns are their
keys in order of first appearance). Every cell goes through `cell`: text that a spreadsheet
would read as a formula (a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return) gets a leading apostrophe; numbers stay numbers.

It lives in `extract/` because `policykg extract --format csv` writes cells too and the
extractor may not import `graph/`; the graph side imports it from here.

>>> to_csv([["名称", "数量"], ["=HYPERLINK(\\"http://x\\")", 3], ["-1+1", -1]])
'名称,数量\\n"\\'=HYPERLINK(""http://x"")",3\\n\\'-1+1,-1\\n'
>>> to_csv([{"a": 1, "b": None}, {"a": True, "c": ["x", "y"]}])
'a,b,c\\n1,,\\ntrue,,x; y\\n'
>>> print(to_text([{"名称": "市版权局", "n": 2}], ["名称", "n"]), end="")
名称      n
--------  -
市版权局  2
>>> width("市版权局 ok"), fit("广州市版权局", 7) + "|"
(11, '广州市…|')
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["FORMULA_STARTS", "aligned", "cell", "fit", "grid", "guard", "read_table", "text_of", "to_csv", "to_json",
           "to_text", "to_xlsx", "to_xlsx_sheets", "unguard", "width"]

# What makes Excel, LibreOffice or Sheets read a cell as a formula (or eat its first character).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(value) -> str:
    """Return text a spreadsheet shows as written: a formula-like start gets a leading apostrophe.

    >>> guard("=1+1"), guard("@SUM(A1)"), guard("\\tx"), guard("市版权局"), guard(None)
    ("'=1+1", "'@SUM(A1)", "'\\tx", '市版权局', '')
    """
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(FORMULA_STARTS) else s


def text_of(value) -> str:
    """Return a cell's value as plain text: None empty, booleans true/false, lists joined with "; "."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "; ".join(text_of(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={text_of(v)}" for k, v in value.items())
    return str(value)


def cell(value):
    """Return what a spreadsheet cell holds: a number as a number, anything else as guarded text.

    >>> cell(3), cell(2.5), cell(True), cell("+86"), cell(["a", "b"])
    (3, 2.5, 'true', "'+86", 'a; b')
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return guard(text_of(value))


def grid(rows: Iterable) -> list[list]:
    """Return a table as rows, header first: records (dicts) become their columns and values."""
    rows = list(rows)
    if rows and isinstance(rows[0], Mapping):
        columns = list(rows[0])
        for r in rows[1:]:
            columns.extend(k for k in r if k not in columns)
        return [columns, *([r.get(c) for c in columns] for r in rows)]
    return [list(r) for r in rows]


def to_csv(rows: Iterable) -> str:
    """Return CSV of a table or of records, every cell through `cell`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for row in grid(rows):
        w.writerow([cell(v) for v in row])
    return buf.getvalue()


def to_xlsx(rows: Iterable, sheet: str = "分工表") -> bytes:
    """Return an .xlsx workbook of a table or of records.

    The header is bold and frozen and carries an autofilter; numbers are stored as numbers;
    every other cell is text (never a formula); columns are as wide as their text, within 6–60.
    """
    return to_xlsx_sheets({sheet: rows})


def to_xlsx_sheets(sheets: Mapping[str, Iterable]) -> bytes:
    """Return an .xlsx workbook with one sheet per entry (name → table or records), in order, as `to_xlsx` writes one."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for sheet, rows in sheets.items():
        ws = wb.create_sheet(sheet[:31])
        table = grid(rows)
        for i, row in enumerate(table, start=1):
            for j, value in enumerate(row, start=1):
                v = cell(value)
                c = ws.cell(row=i, column=j, value=v)
                if isinstance(v, str):
                    c.data_type = "s"  # openpyxl would make "=…" a formula; the guard defused it already
                if i == 1:
                    c.font = Font(bold=True)
        if table and table[0]:
            columns = max(len(r) for r in table)
            ws.freeze_panes = "A2"
            ws.auto_filter.ref = f"A1:{get_column_letter(columns)}{len(table)}"
            for j in range(columns):
                w = max((width(text_of(r[j])) for r in table if j < len(r)), default=8)
                ws.column_dimensions[get_column_letter(j + 1)].width = min(60, max(6, w + 2))
    if not wb.worksheets:
        wb.create_sheet("Sheet")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_json(rows) -> str:
    """Return records as indented JSON (UTF-8 text kept as is), one newline at the end."""
    return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"


class _CharWidths(dict):
    """Columns per character, looked up once each: wide and full-width characters count two."""

    def __missing__(self, c: str) -> int:
        w = self[c] = 2 if unicodedata.east_asian_width(c) in "WF" else 1
        return w


_WIDTHS = _CharWidths()


def width(s: str) -> int:
    """Return the columns `s` takes in a terminal: wide and full-width characters count two.

    >>> width("abc"), width("市版权局"), width("ＡB")
    (3, 8, 3)
    """
    return len(s) if s.isascii() else sum(map(_WIDTHS.__getitem__, s))


def fit(s: str, n: int) -> str:
    """Pad `s` to `n` columns, cutting it with … when wider.

    >>> fit("市版权局", 10), fit("市市场监督管理局", 7), fit("abc", 2)
    ('市版权局  ', '市市场…', 'a…')
    """
    w = width(s)
    if w <= n:
        return s + " " * (n - w)
    w, end = 0, len(s)
    for i, c in enumerate(s):
        step = _WIDTHS[c]
        if w + step > n - 1:
            end = i
            break
        w += step
    return s[:end] + "…" + " " * (n - 1 - w)


def to_text(rows: Sequence[Mapping], columns: Sequence[str], max_width: int = 48) -> str:
    """Return records as an aligned terminal table (CJK characters count double)."""
    return aligned(columns, [[text_of(r.get(c)) for c in columns] for r in rows], max_width)


def aligned(columns: Sequence[str], lines: Sequence[Sequence], max_width: int = 48) -> str:
    """Return lines of cells (one per column: text, a number or None) as an aligned terminal table
    (CJK characters count double); cells past the last column are left out.

    Each column is at most `max_width` wide, a wider cell cut with …. A column repeats its
    values (documents, roles, names), so each distinct value is measured and padded once, and
    the lines are put together column by column (a hundred thousand lines in a fraction of a second).

    >>> print(aligned(["doc", "who"], [["d1", "市版权局"], ["d22", None]]), end="")
    doc  who
    ---  --------
    d1   市版权局
    d22
    """
    cells = list(zip(*lines))[:len(columns)] or [()] * len(columns)  # column by column
    widths, padded = [], []
    for c, column in zip(columns, cells):
        texts = {v: text_of(v).replace("\n", " ") for v in set(column)}
        sizes = {v: width(t) for v, t in texts.items()}
        w = min(max_width, max([width(c), *sizes.values()]))
        pad = {v: t + " " * (w - sizes[v]) if sizes[v] <= w else fit(t, w) for v, t in texts.items()}
        widths.append(w)
        padded.append(map(pad.__getitem__, column))
    out = ["  ".join(fit(c, w) for c, w in zip(columns, widths)).rstrip(), "  ".join("-" * w for w in widths),
           *map(str.rstrip, map("  ".join, zip(*padded)))]
    return "\n".join(out) + "\n"


def unguard(value: str) -> str:
    """Return a cell as it was before `guard`: the apostrophe before a formula-like start dropped.

    >>> unguard("'=1+1"), unguard("'-1+1"), unguard("'引号"), unguard("市版权局")
    ('=1+1', '-1+1', "'引号", '市版权局')
    """
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value


def read_table(data: bytes, name: str) -> list[list[str]]:
    """Read back a table this module wrote (CSV in UTF-8 with or without BOM, or the first sheet of an XLSX).

    Every cell comes back as text, `guard` undone; ValueError says why a file cannot be read.

    >>> read_table(to_csv([["名称", "数量"], ["=SUM(A1)", 3]]).encode("utf-8-sig"), "t.csv")
    [['名称', '数量'], ['=SUM(A1)', '3']]
    >>> read_table(to_xlsx([["名称", "数量"], ["-1", 3]]), "t.xlsx")
    [['名称', '数量'], ['-1', '3']]
    """
    if name.lower().endswith((".xlsx", ".xlsm")):
        import warnings

        import openpyxl

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:  # openpyxl raises many types for a damaged workbook
            raise ValueError(f"not a readable XLSX file ({type(e).__name__})") from None
        try:
            ws = wb.worksheets[0]
            rows = [["" if v is None else str(int(v) if isinstance(v, float) and v.is_integer() else v) for v in r]
                    for r in ws.iter_rows(values_only=True)]
        finally:
            wb.close()
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ValueError("neither UTF-8 nor GB18030 text") from None
        try:
            rows = list(csv.reader(io.StringIO(text)))
        except csv.Error as e:
            raise ValueError(f"not a readable CSV file ({e})") from None
    return [[unguard(c) for c in r] for r in rows]
