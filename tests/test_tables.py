"""The one writer of cells (extract/tables.py): the formula guard, XLSX layout, and every CSV and XLSX policykg writes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from extract import tables
from graph.cli import main
from graph.query import open_kg

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
FORMULA = tables.FORMULA_STARTS

GUARD_CASES = [
    ("=HYPERLINK(\"http://x\",\"点我\")", "'=HYPERLINK(\"http://x\",\"点我\")"),
    ("+86 20 1234", "'+86 20 1234"),
    ("-1+1", "'-1+1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("市版权局", "市版权局"),
    ("a=b", "a=b"),
    (" =1", " =1"),
    ("", ""),
    (None, ""),
]


@pytest.mark.parametrize("value, expected", GUARD_CASES)
def test_guard(value, expected):
    assert tables.guard(value) == expected


CELL_CASES = [(3, 3), (-2, -2), (0.5, 0.5), (True, "true"), (None, ""), (["=a", "b"], "'=a; b"), ({"k": 1}, "k=1"),
              ("-5", "'-5")]


@pytest.mark.parametrize("value, expected", CELL_CASES)
def test_cell_keeps_numbers_and_guards_text(value, expected):
    assert tables.cell(value) == expected


def test_records_and_rows_give_the_same_grid():
    records = [{"a": 1, "b": "x"}, {"b": "y", "c": None}]
    assert tables.grid(records) == [["a", "b", "c"], [1, "x", None], [None, "y", None]]
    assert tables.to_csv(records) == tables.to_csv(tables.grid(records))


def test_terminal_text_counts_cjk_double():
    text = tables.to_text([{"名称": "广州市市场监督管理局", "n": 1}, {"名称": "a", "n": 22}], ["名称", "n"], max_width=10)
    assert text.splitlines() == ["名称        n", "----------  --", "广州市市…   1", "a           22"]


def test_xlsx_has_filter_frozen_header_numbers_and_widths():
    data = tables.to_xlsx([["名称", "数量", "说明"], ["=HYPERLINK(1)", 3, "x" * 200], ["市版权局", 2.5, None]])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.auto_filter.ref == "A1:C3"
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold
    assert ws["B2"].value == 3 and ws["B2"].data_type == "n" and ws["B3"].value == 2.5
    assert ws["A2"].value == "'=HYPERLINK(1)" and ws["A2"].data_type == "s"
    assert 6 <= ws.column_dimensions["A"].width <= 60 and ws.column_dimensions["C"].width == 60


# --------------------------------------------------------------------------- every writer, on the hostile plan


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("hostile-tables")
    open_kg(data, HOSTILE).close()
    return data


def _cells_of_csv(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def _run(capsys, *argv) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


COMMANDS = [
    ("agency", "市版权局"), ("agencies",), ("coassigned", "市版权局"), ("documents",), ("outline",),
    ("indicators",), ("metrics",), ("task", "hostile-plan/t1"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_no_csv_cell_of_a_view_starts_a_formula(hostile_data, capsys, command):
    out = _run(capsys, *command, "--format", "csv", "--data", str(hostile_data))
    cells = _cells_of_csv(out)
    assert cells
    assert not [c for c in cells if c.startswith(FORMULA)]


@pytest.mark.parametrize("fmt", ["agency-matrix", "agency-task-matrix"])
def test_matrices_guard_their_cells(hostile_data, tmp_path, fmt):
    out = tmp_path / "m.csv"
    assert main(["export", "--format", fmt, "-o", str(out), "--data", str(hostile_data)]) == 0
    cells = _cells_of_csv(out.read_text(encoding="utf-8"))
    assert len(cells) > 4
    assert not [c for c in cells if c.startswith(FORMULA)]


def test_sparql_csv_guards_document_text(hostile_data, capsys):
    out = _run(capsys, "sparql", "SELECT ?t WHERE { ?s ?p ?t FILTER(isLiteral(?t)) }", "--format", "csv", "--data", str(hostile_data))
    cells = _cells_of_csv(out)
    assert "'=HYPERLINK(\"http://example.invalid\",\"点我\")" in cells
    assert not [c for c in cells if c.startswith(FORMULA)]


def test_extract_csv_guards_document_text(capsys):
    out = _run(capsys, "extract", str(HOSTILE), "--format", "csv")
    cells = _cells_of_csv(out)
    assert len(cells) > 13
    assert not [c for c in cells if c.startswith(FORMULA)]


def test_xlsx_of_a_bureau_holds_no_formula(hostile_data, tmp_path):
    out = tmp_path / "分工表.xlsx"
    assert main(["agency", "市版权局", "--format", "xlsx", "-o", str(out), "--data", str(hostile_data)]) == 0
    ws = load_workbook(out).active
    values = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert values and ws.auto_filter.ref and ws.freeze_panes == "A2"
    assert not [c.value for c in values if c.data_type == "f" or str(c.value).startswith(FORMULA)]
