"""PDF input: the genre fixtures laid out as government PDFs read back to the same units and agencies.

Each fixture's text is set by tests/pdf_writer.py (fpdf2, the WenQuanYi font the tests install):
A4, a running header, `— N —` page numbers, letter-spaced part headings, a footnote with a
superscript marker at the foot of its page, wrapped agency names, and task-division tables drawn
with borders and merged cells, crossing a page break under a repeated header.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest

pytest.importorskip("fpdf")
pytest.importorskip("pypdfium2")

from pdf_writer import font_path, plan_pdf  # noqa: E402

from extract.evaluate import evaluate, load_gold_path  # noqa: E402
from extract.normalize import grid_cells  # noqa: E402
from extract.pdf import pdf_lines  # noqa: E402
from extract.pipeline import extract_file  # noqa: E402
from extract.reader import InputError, read_file  # noqa: E402

GENRE = Path(__file__).parent / "fixtures" / "genre"
NAMES = sorted(p.stem for p in GENRE.glob("*.txt"))
TABLES = ["cd-park-table", "hb-rectify-table", "hp-business-table", "nansha-ftz-table", "nat-wage-table"]
NOTE = "本文所称“重点任务”，指本文件列出并需按期完成的各项工作。"

if font_path() is None:
    pytest.skip("fonts-wqy-microhei is not installed (tests/run.sh installs it)", allow_module_level=True)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> Path:
    """Write NAME.pdf, NAME.toml and NAME.gold.json (naming NAME.pdf) for every genre fixture."""
    out = tmp_path_factory.mktemp("pdf")
    for name in NAMES:
        meta = tomllib.loads((GENRE / f"{name}.toml").read_text(encoding="utf-8"))
        header = meta.get("drafted_by") or meta.get("title")
        (out / f"{name}.pdf").write_bytes(plan_pdf((GENRE / f"{name}.txt").read_text(encoding="utf-8"), header, NOTE))
        shutil.copy(GENRE / f"{name}.toml", out / f"{name}.toml")
        gold = json.loads((GENRE / f"{name}.gold.json").read_text(encoding="utf-8"))
        for g in gold:
            g["document"] = f"{name}.pdf"
        (out / f"{name}.gold.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    return out


@pytest.mark.parametrize("name", NAMES)
def test_fixture_from_pdf_matches_gold(pdfs, name):
    x = extract_file(pdfs / f"{name}.pdf")
    r = evaluate(load_gold_path(pdfs / f"{name}.gold.json"), [x])
    assert r.score("overall", "all").f1 == 1.0, (r.misses, r.extras)


@pytest.mark.parametrize("name", TABLES)
def test_table_crosses_page_break_once_with_its_header(pdfs, name):
    lines, pages = pdf_lines((pdfs / f"{name}.pdf").read_bytes())
    rows = [(ln, p) for ln, p in zip(lines, pages) if "\t" in ln]
    text_rows = [ln for ln in (GENRE / f"{name}.txt").read_text(encoding="utf-8").split("\n")
                 if "\t" in ln or ln.count("|") >= 2]
    assert len({p for _, p in rows}) == 2  # the table goes on over a page break
    assert len(rows) == len(text_rows)  # one line per row, the repeated header left out
    # Cells as in the text: merged cells empty below their first row, wrapped text joined.
    bordered = "\t" not in text_rows[0] and text_rows[0].lstrip().startswith("|")
    want = [[ln[s:e] for s, e in grid_cells(ln, bordered)] for ln in text_rows]
    assert [ln.split("\t") for ln, _ in rows] == want


def test_page_furniture_dropped_and_headings_closed_up(pdfs):
    lines, pages = pdf_lines((pdfs / "nat-wage-table.pdf").read_bytes())
    assert "人力资源社会保障部办公厅" not in lines[:1]  # the running header
    assert not [ln for ln in lines if re.fullmatch(r"—\s*\d+\s*—", ln)]
    assert "一、重点任务分工" in lines  # set letter-spaced
    assert lines.count("\f") == max(pages) - 1


def test_footnote_lifted_with_plain_marker(pdfs):
    lines, pages = pdf_lines((pdfs / "nat-wage-table.pdf").read_bytes())
    marked = [ln for ln in lines if re.search(r"[\u4e00-\u9fff]1，", ln) or ln.endswith("1")]
    assert marked, "the superscript marker is a plain digit glued to its term"
    body = lines.index("1 " + NOTE) if ("1 " + NOTE) in lines else None
    assert body is not None
    nxt = lines[body + 1] if body + 1 < len(lines) else "\f"
    assert nxt == "\f"  # after the page's body, before the next page
    x = extract_file(pdfs / "nat-wage-table.pdf")
    assert [f.text if hasattr(f, "text") else f for f in x.footnotes]
    assert NOTE[:10] not in x.document.text[: x.document.text.index("二、工作要求")]


def test_wrapped_agency_name_is_rejoined(pdfs):
    wrapped = 0
    for name in NAMES:
        lines, _ = pdf_lines((pdfs / f"{name}.pdf").read_bytes())
        gold = json.loads((GENRE / f"{name}.gold.json").read_text(encoding="utf-8"))
        names = {a for g in gold for k in ("lead", "cooperate", "responsible", "guide") for a in g.get(k, [])}
        for a, b in zip(lines, lines[1:]):
            wrapped += sum(1 for n in names if len(n) > 3 and n not in a and n not in b and n in a + b)
    assert wrapped >= 3


def test_units_know_their_page(pdfs):
    x = extract_file(pdfs / "nat-wage-table.pdf")
    by_number = {u.number: u for u in x.units}
    assert x.document.page_of(by_number["1"].span.start) == 1
    assert x.document.page_of(by_number["4"].span.start) == 2
    src = read_file(pdfs / "nat-wage-table.pdf")
    assert len(src.pages) == src.text.count("\n")


def _image_pdf(path: Path):
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF(format="A4")
    for _ in range(3):
        pdf.add_page()
        pdf.image(Image.new("RGB", (200, 280), "white"), x=10, y=10, w=190)
    path.write_bytes(bytes(pdf.output()))


def _encrypted_pdf(path: Path):
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.add_font("cjk", "", str(font_path()))
    pdf.set_font("cjk", size=16)
    pdf.text(20, 20, "一、重点任务")
    path.write_bytes(bytes(pdf.output()))


def _truncated_pdf(path: Path):
    data = plan_pdf((GENRE / "nat-wage-table.txt").read_text(encoding="utf-8"), "某部办公厅")
    path.write_bytes(data[: len(data) // 2])


BAD = [
    ("scanned.pdf", _image_pdf, r"pages 1–3 have no text layer: run OCR first \(ocrmypdf\)"),
    ("truncated.pdf", _truncated_pdf, r"truncated PDF"),
    ("encrypted.pdf", _encrypted_pdf, r"encrypted PDF"),
]


@pytest.mark.parametrize("name,make,message", BAD, ids=[b[0] for b in BAD])
def test_bad_pdf_is_one_line_naming_the_file(tmp_path, name, make, message):
    path = tmp_path / name
    make(path)
    with pytest.raises(InputError) as e:
        read_file(path)
    line = str(e.value)
    assert "\n" not in line and line.startswith(str(path) + ": ")
    assert re.search(message, line), line
