"""Word, Excel, web-page and OFD files made from the genre fixtures give the same facts as their text.

Each fixture's text is written as the published file would be: a DOCX with Word's automatic
numbering (numbering.xml, a list style, restarts), its 分工表 as a Word table with vertically
merged cells, a footnote, a running header and footer and a text box that are not body text;
an XLSX with title rows above the header, merged cells and two sheets; a GBK web page with
navigation, share buttons, related links and a footer around the article. The gold of the text
scores F1 = 1.0 on each.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from html import escape
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pytest

from extract.evaluate import evaluate, load_gold_path, render_table
from extract.normalize import grid_cells, is_grid_header, is_grid_row
from extract.pipeline import extract_file
from extract.reader import InputError, read_file
from ontology.iris import arabic

GENRE = Path(__file__).parent / "fixtures" / "genre"
ALL = sorted(p.stem for p in GENRE.glob("*.txt"))
TABLES = ["cd-park-table", "nat-wage-table", "hp-business-table", "nansha-ftz-table", "hb-rectify-table"]


# -- the fixture text as blocks ---------------------------------------------------------------
def blocks(text: str) -> list[tuple[str, object]]:
    """Split a fixture into ("line", str) and ("table", [cells per row]) blocks."""
    out: list[tuple[str, object]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if is_grid_header(line):
            rows = []
            bordered = "\t" not in line and line.lstrip().startswith(("|", "｜"))
            while i < len(lines) and lines[i].strip() and (is_grid_row(lines[i]) or not rows):
                rows.append([lines[i][s:e] for s, e in grid_cells(lines[i], bordered)])
                i += 1
            width = len(rows[0])
            out.append(("table", [(r + [""] * width)[:width] for r in rows]))
            continue
        if line.strip():
            out.append(("line", line))
        i += 1
    return out


def merges(rows: list[list[str]]) -> list[list[int]]:
    """For each cell: 1 starts a vertical merge, -1 continues one, 0 stands alone (rows[0] is the header)."""
    marks = [[0] * len(r) for r in rows]
    for c in range(len(rows[0])):
        top = None
        for r in range(1, len(rows)):
            if rows[r][c].strip():
                top = r
            elif top is not None:
                marks[top][c] = 1
                marks[r][c] = -1
    return marks


def write_case(tmp: Path, stem: str, suffix: str, data: bytes) -> tuple[Path, Path]:
    """Write a generated file with the fixture's sidecar and its gold renamed to the file."""
    doc = tmp / f"{stem}{suffix}"
    doc.write_bytes(data)
    shutil.copy(GENRE / f"{stem}.toml", tmp / f"{stem}.toml")
    gold = json.loads((GENRE / f"{stem}.gold.json").read_text(encoding="utf-8"))
    for g in gold:
        g["document"] = doc.name
    gpath = tmp / f"{stem}{suffix}.gold.json"
    gpath.write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    return doc, gpath


def assert_perfect(doc: Path, gold: Path):
    """Assert that the file read gives F1 = 1.0 against the gold, for roles and for deadlines."""
    x = extract_file(doc)
    report = evaluate(load_gold_path(gold), [x])
    assert report.documents == (doc.name,) or list(report.documents) == [doc.name], render_table(report)
    assert report.score("overall", "all").f1 == 1.0, render_table(report)
    try:
        deadline = report.score("overall", "deadline")
    except KeyError:
        deadline = None
    if deadline is not None and deadline.gold:
        assert deadline.f1 == 1.0, render_table(report)
    return x


# -- DOCX -------------------------------------------------------------------------------------
NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
      'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:v="urn:schemas-microsoft-com:vml" mc:Ignorable="wps"')
CN = "一二三四五六七八九十百"
# Marker kinds from the outermost level in; each has a pattern and a Word numFmt.
KINDS = [
    ("chapter", rf"第([{CN}]+)章", "chineseCounting"),
    ("partw", rf"第([{CN}]+)部分", "chineseCounting"),
    ("part", rf"([{CN}]+)、", "chineseCounting"),
    ("jie", rf"第([{CN}]+)节", "chineseCounting"),
    ("section", rf"[（(]([{CN}]+)[）)]", "chineseCounting"),
    ("task", r"(\d+)[.．、](?!\d)", "decimal"),
    ("sub", r"[（(](\d+)[）)]", "decimal"),
    ("article", rf"第([{CN}]+)条", "chineseCounting"),
]


def marker(line: str):
    """Return (kind, value, marker text, lvlText template) of a line's leading number, or None."""
    for kind, pattern, _ in KINDS:
        m = re.match(pattern, line)
        if m:
            template = m.group(0)[:m.start(1) - m.start()] + "%N" + m.group(0)[m.end(1) - m.start():]
            return kind, int(arabic(m.group(1))), m.group(0), template
    return None


def _t(s: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{xml_escape(s)}</w:t></w:r>'


TEXT_BOX = ('<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><wp:docPr id="1" name="box"/>'
            '<a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent><w:p>' + _t("（牵头单位：市文本框局）")
            + '</w:p></w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing>'
            '</mc:Choice><mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent><w:p>' + _t("（牵头单位：市文本框局）")
            + '</w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>')
FOOTNOTE = "本方案所称重点任务，是指列入年度工作计划的任务"


def make_docx(text: str, footnote: bool = True) -> bytes:
    """Write a fixture as a Word file: numbering by numbering.xml, tables, a footnote, header, footer, text box."""
    bl = blocks(text)
    present = {marker(x)[0]: marker(x)[3] for k, x in reversed(bl) if k == "line" and marker(x)}
    order = [k for k, _, _ in KINDS if k in present]
    level = {k: i for i, k in enumerate(order)}
    fmt = {k: f for k, _, f in KINDS}
    # A level numbered through the plan (never 1 again after a higher level) does not restart.
    values: dict[str, list[int]] = {}
    for k, x in bl:
        m = marker(x) if k == "line" else None
        if m and m[3] == present[m[0]]:
            values.setdefault(m[0], []).append(m[1])
    through = {k for k, v in values.items() if v.count(1) == 1 and len(v) > 1 and v == sorted(v)}
    body: list[str] = []
    nums = [(1, {})]  # (numId, {ilvl: startOverride})
    counters = [None] * len(order)
    num_id = 1
    boxed = noted = False
    for k, x in bl:
        if k == "table":
            body.append(docx_table(x))
            continue
        m = marker(x)
        if m and m[3] == present[m[0]]:
            kind, value, written, _ = m
            lv = level[kind]
            expect = 1 if counters[lv] is None else counters[lv] + 1
            if expect != value:  # "set numbering value": a new num that restarts this level
                num_id = len(nums) + 1
                nums.append((num_id, {lv: value}))
            counters[lv] = value
            for d in range(lv + 1, len(order)):
                if order[d] not in through:
                    counters[d] = None
            rest = x[len(written):]
            if lv == 0 and num_id == 1:  # outermost headings numbered by their style
                ppr = '<w:pPr><w:pStyle w:val="PartHeading"/></w:pPr>'
            else:
                ppr = f'<w:pPr><w:numPr><w:ilvl w:val="{lv}"/><w:numId w:val="{num_id}"/></w:numPr></w:pPr>'
            body.append(f"<w:p>{ppr}{_t(rest)}</w:p>")
            continue
        runs = _t(x)
        if footnote and not noted and body and "，" in x and not re.search(r"牵头|配合|负责|单位|部门|参与|协同|指导", x):
            i = x.index("，")
            if re.match(r"[\u4e00-\u9fff”）]", x[i - 1]):
                runs = _t(x[:i]) + '<w:r><w:rPr><w:rStyle w:val="FootnoteReference"/><w:vertAlign w:val="superscript"/>' \
                    '</w:rPr><w:footnoteReference w:id="2"/></w:r>' + _t(x[i:])
                noted = True
        if not boxed:
            runs += TEXT_BOX
            boxed = True
        body.append(f"<w:p>{runs}</w:p>")
    sect = ('<w:sectPr><w:headerReference w:type="default" r:id="rIdH"/><w:footerReference w:type="default" r:id="rIdF"/>'
            '<w:pgSz w:w="11906" w:h="16838"/></w:sectPr>')
    document = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {NS}><w:body>{"".join(body)}{sect}</w:body></w:document>'
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt[k]}"/>'
        + ('<w:lvlRestart w:val="0"/>' if k in through else "")
        + (f'<w:pStyle w:val="PartHeading"/>' if i == 0 else "")
        + f'<w:lvlText w:val="{xml_escape(present[k].replace("%N", f"%{i + 1}"), {chr(34): "&quot;"})}"/>'
          '<w:suff w:val="nothing"/></w:lvl>'
        for i, k in enumerate(order))
    numbering = (f'<?xml version="1.0" encoding="UTF-8"?><w:numbering {NS}>'
                 f'<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="multilevel"/>{levels}</w:abstractNum>'
                 '<w:abstractNum w:abstractNumId="9"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/><w:lvlText w:val="●"/></w:lvl></w:abstractNum>'
                 + "".join(f'<w:num w:numId="{n}"><w:abstractNumId w:val="0"/>'
                           + "".join(f'<w:lvlOverride w:ilvl="{lv}"><w:startOverride w:val="{v}"/></w:lvlOverride>'
                                     for lv, v in o.items()) + "</w:num>" for n, o in nums)
                 + '<w:num w:numId="99"><w:abstractNumId w:val="9"/></w:num></w:numbering>')
    styles = (f'<?xml version="1.0" encoding="UTF-8"?><w:styles {NS}>'
              '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
              '<w:style w:type="paragraph" w:styleId="PartHeading"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/>'
              '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style></w:styles>')
    footnotes = (f'<?xml version="1.0" encoding="UTF-8"?><w:footnotes {NS}>'
                 '<w:footnote w:type="separator" w:id="0"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
                 '<w:footnote w:type="continuationSeparator" w:id="1"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
                 '<w:footnote w:id="2"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
                 + _t(" " + FOOTNOTE + "。") + '</w:p></w:footnote></w:footnotes>')
    header = f'<w:hdr {NS}><w:p>{_t("某某人民政府办公室文件（牵头单位：市页眉局）")}</w:p></w:hdr>'
    footer = f'<w:ftr {NS}><w:p>{_t("— 1 —")}</w:p></w:ftr>'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    doc_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f'<Relationship Id="rId1" Type="{rel}/styles" Target="styles.xml"/>'
                f'<Relationship Id="rId2" Type="{rel}/numbering" Target="numbering.xml"/>'
                f'<Relationship Id="rId3" Type="{rel}/footnotes" Target="footnotes.xml"/>'
                f'<Relationship Id="rIdH" Type="{rel}/header" Target="header1.xml"/>'
                f'<Relationship Id="rIdF" Type="{rel}/footer" Target="footer1.xml"/></Relationships>')
    root_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="word/document.xml"/></Relationships>')
    types = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
             '</Types>')
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("[Content_Types].xml", types), ("_rels/.rels", root_rels), ("word/document.xml", document),
                           ("word/_rels/document.xml.rels", doc_rels), ("word/numbering.xml", numbering),
                           ("word/styles.xml", styles), ("word/footnotes.xml", footnotes),
                           ("word/header1.xml", header), ("word/footer1.xml", footer)):
            z.writestr(name, data)
    return buf.getvalue()


def docx_table(rows: list[list[str]]) -> str:
    """Write a 分工表 as a Word table: an empty cell below a written one continues its vertical merge."""
    marks = merges(rows)
    width = len(rows[0])
    out = ["<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/></w:tblPr><w:tblGrid>"
           + "<w:gridCol w:w=\"1600\"/>" * width + "</w:tblGrid>"]
    for r, row in enumerate(rows):
        cells = []
        for c, cell in enumerate(row):
            mark = {1: '<w:vMerge w:val="restart"/>', -1: "<w:vMerge/>"}.get(marks[r][c], "")
            paras = [p for p in cell.split("、")] if c > 1 and r > 0 and marks[r][c] != -1 and "、" in cell \
                and len(cell) < 40 else [cell]
            # Names in a unit cell may stand one per paragraph: the reader joins them with 、.
            content = "".join(f"<w:p>{_t(p) if p else ''}</w:p>" for p in (paras if len(paras) == 2 else [cell]))
            cells.append(f"<w:tc><w:tcPr><w:tcW w:w=\"1600\"/>{mark}</w:tcPr>{content}</w:tc>")
        out.append("<w:tr>" + "".join(cells) + "</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


@pytest.mark.parametrize("stem", ALL)
def test_docx_gives_the_text_facts(tmp_path, stem):
    text = (GENRE / f"{stem}.txt").read_text(encoding="utf-8")
    doc, gold = write_case(tmp_path, stem, ".docx", make_docx(text))
    src = read_file(doc).text
    assert "文本框" not in src and "页眉" not in src and "— 1 —" not in src
    # The body reads as the text did, numbering included; the footnote is a line after its paragraph.
    body = [ln for ln in src.splitlines() if not ln.startswith("1 " + FOOTNOTE)]
    expected = [b[1] for b in blocks(text) if b[0] == "line"]
    got = [ln for ln in body if "\t" not in ln]
    got = [re.sub(r"(?<=[\u4e00-\u9fff”）])1(?=，)", "", ln, count=1) for ln in got]
    assert got == expected
    x = assert_perfect(doc, gold)
    if FOOTNOTE in src:
        assert [f.body.quote for f in x.footnotes] == [FOOTNOTE + "。"]


# -- XLSX -------------------------------------------------------------------------------------
def make_xlsx(text: str) -> bytes:
    """Write a fixture's 分工表 as a workbook: the lines around it as merged title rows, its rows over two sheets."""
    import io

    import openpyxl

    bl = blocks(text)
    t = next(i for i, (k, _) in enumerate(bl) if k == "table")
    rows = bl[t][1]
    header, data = rows[0], rows[1:]
    marks = merges(rows)[1:]
    # Split where a numbered row starts, near the middle: continuation rows stay with their unit.
    cut = next(i for i in range(len(data) // 2, len(data)) if data[i][0].strip())
    width = len(header)
    wb = openpyxl.Workbook()
    sheets = [wb.active, wb.create_sheet()]
    sheets[0].title, sheets[1].title = "分工表1", "分工表2"

    def title_rows(ws, lines):
        for line in lines:
            ws.append([line])
            ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)

    def table(ws, part, part_marks):
        ws.append(header)
        first = ws.max_row + 1
        for row in part:
            ws.append([int(c) if c.isdigit() else (c or None) for c in row])
        for c in range(width):  # merge each run of empty cells into the written cell above
            r = 0
            while r < len(part):
                if part_marks[r][c] == 1:
                    end = r + 1
                    while end < len(part) and part_marks[end][c] == -1:
                        end += 1
                    if end - r > 1:
                        sheets_ws = ws
                        sheets_ws.merge_cells(start_row=first + r, start_column=c + 1, end_row=first + end - 1, end_column=c + 1)
                    r = end
                else:
                    r += 1

    title_rows(sheets[0], [x for k, x in bl[:t]])
    table(sheets[0], data[:cut], [[m if m != 1 or (i + 1 < cut and marks[i + 1][j] == -1) else 0 for j, m in enumerate(row)]
                                  for i, row in enumerate(marks[:cut])])
    head2 = [[0 if m == -1 and i == 0 else m for m in row] for i, row in enumerate(marks[cut:])]
    table(sheets[1], data[cut:], head2)
    title_rows(sheets[1], [x for k, x in bl[t + 1:]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("stem", TABLES)
def test_xlsx_gives_the_text_facts(tmp_path, stem):
    text = (GENRE / f"{stem}.txt").read_text(encoding="utf-8")
    doc, gold = write_case(tmp_path, stem, ".xlsx", make_xlsx(text))
    src = read_file(doc).text
    assert src.startswith("一、分工表1\n") and "\n二、分工表2\n" in src
    assert_perfect(doc, gold)


def test_csv_gives_the_text_facts(tmp_path):
    import csv
    import io

    stem = "nat-wage-table"
    rows = next(x for k, x in blocks((GENRE / f"{stem}.txt").read_text(encoding="utf-8")) if k == "table")
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    doc, _ = write_case(tmp_path, stem, ".csv", buf.getvalue().encode("gb18030"))
    x = extract_file(doc)
    assert len([u for u in x.units if u.assignments]) == 6


# -- HTML -------------------------------------------------------------------------------------
PAGE = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head>{meta}<title>{title}_某某市人民政府门户网站</title>
<style>.nav a {{ color: red }}</style><script>var s = "<p>（牵头单位：市脚本局）</p>";</script></head>
<body><form id="form1">
<div class="header"><div class="top-nav"><a href="/">首页</a> | <a href="/zwgk/">政务公开</a> | <a href="/bsfw/">办事服务</a></div>
<div class="search"><input name="q"/><button>搜索</button></div></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政策文件</a></div>
<div class="main"><div class="article">
<h1>{title}</h1>
<div class="info">发布时间：2023-03-01 来源：本网 字号：<a>大</a> <a>中</a> <a>小</a></div>
<div id="zoom" class="TRS_Editor">
{body}
</div>
<div class="share">分享到：<a href="#">微信</a><a href="#">微博</a><a href="#">QQ空间</a></div>
</div>
<div class="related"><h3>相关链接</h3><ul>
<li><a href="/1.html">关于印发某某工作方案的通知（牵头单位：市链接局）</a></li>
<li><a href="/2.html">某某局2023年工作要点</a></li></ul></div>
</div>
<div class="footer"><p>主办：某某市人民政府办公厅　承办：某某市政务服务数据管理局（牵头单位：市页脚局）</p>
<p>网站标识码：4401000000　粤ICP备12345678号</p></div>
</form></body></html>
"""


def html_table(rows: list[list[str]]) -> str:
    """Write a 分工表 as an HTML table: an empty cell below a written one is covered by its rowspan."""
    marks = merges(rows)
    out = ['<table border="1" cellspacing="0"><tbody>']
    for r, row in enumerate(rows):
        cells = []
        for c, cell in enumerate(row):
            if marks[r][c] == -1:
                continue
            span = 1
            while marks[r][c] == 1 and r + span < len(rows) and marks[r + span][c] == -1:
                span += 1
            attr = f' rowspan="{span}"' if span > 1 else ""
            tag = "th" if r == 0 else "td"
            cells.append(f'<{tag}{attr}><p style="text-align:center"><span>{escape(cell)}</span></p></{tag}>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def make_html(text: str, meta: str) -> bytes:
    """Write a fixture as a government web page in GBK: the article among navigation, share and footer."""
    bl = blocks(text)
    title = bl[0][1]
    parts = []
    pending: list[str] = []
    for i, (k, x) in enumerate(bl[1:]):
        if k == "table":
            parts.append(html_table(x))
            continue
        if len(x) > 24 and re.match(r"[\u4e00-\u9fff]{2}", x[11:13]):  # the source wraps between two characters
            x = x[:12] + "\n" + x[12:]
        s = escape(x).replace("“", "&ldquo;").replace("”", "&rdquo;")
        pending.append(s)
        if i % 3 != 1:  # some paragraphs are joined by <br> in one <p>
            parts.append('<p style="text-indent:2em">&nbsp;&nbsp;' + "<br/>".join(pending) + "</p>")
            pending = []
    if pending:
        parts.append("<p>" + "<br/>".join(pending) + "</p>")
    page = PAGE.format(meta=meta, title=escape(title), body="\n".join(parts))
    return page.encode("gbk", errors="xmlcharrefreplace")


METAS = ['<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />', '<meta charset="gbk">']


@pytest.mark.parametrize("stem", ALL)
def test_html_gives_the_text_facts(tmp_path, stem):
    text = (GENRE / f"{stem}.txt").read_text(encoding="utf-8")
    data = make_html(text, METAS[ALL.index(stem) % 2])
    doc, gold = write_case(tmp_path, stem, ".html", data)
    src = read_file(doc).text
    for furniture in ("首页", "分享到", "相关链接", "网站标识码", "脚本局", "链接局", "页脚局", "当前位置"):
        assert furniture not in src
    expected = [b[1] for b in blocks(text)[1:] if b[0] == "line"]
    assert [ln for ln in src.splitlines() if "\t" not in ln and not ln.startswith("发布时间")] == expected
    assert_perfect(doc, gold)


# -- bad files --------------------------------------------------------------------------------
def _one_line(path: Path, *needles: str) -> str:
    with pytest.raises(InputError) as e:
        extract_file(path)
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith(str(path)), msg
    for n in needles:
        assert n in msg, msg
    return msg


def test_docx_bomb_is_refused(tmp_path, monkeypatch):
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document " + NS + "><w:body><w:p>" + " " * (3 * 1024 * 1024) + "</w:p></w:body></w:document>")
    (tmp_path / "bomb.docx").write_bytes(buf.getvalue())
    assert len(buf.getvalue()) < 50_000
    monkeypatch.setenv("POLICYKG_MAX_UNPACKED_MB", "1")
    _one_line(tmp_path / "bomb.docx", "refused", "POLICYKG_MAX_UNPACKED_MB")


def test_docx_with_too_many_entries_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYKG_MAX_ENTRIES", "50")
    with zipfile.ZipFile(tmp_path / "many.docx", "w") as z:
        for i in range(60):
            z.writestr(f"word/media/{i}.xml", "x")
    _one_line(tmp_path / "many.docx", "60 entries")


def test_corrupt_docx(tmp_path):
    good = make_docx((GENRE / "cd-park-table.txt").read_text(encoding="utf-8"))
    (tmp_path / "cut.docx").write_bytes(good[: len(good) // 2])
    _one_line(tmp_path / "cut.docx", "DOCX")
    (tmp_path / "junk.docx").write_bytes(b"PK\x03\x04 this is not a zip at all")
    _one_line(tmp_path / "junk.docx", "DOCX")
    with zipfile.ZipFile(tmp_path / "nodoc.docx", "w") as z:
        z.writestr("word/styles.xml", "<x/>")
    _one_line(tmp_path / "nodoc.docx", "document.xml")


def _ole(streams: list[str]) -> bytes:
    """A stub OLE compound file: its magic and the UTF-16 names of its directory entries."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"".join(s.encode("utf-16-le").ljust(64, b"\x00") for s in streams)


def test_password_protected_xlsx(tmp_path):
    (tmp_path / "locked.xlsx").write_bytes(_ole(["Root Entry", "EncryptionInfo", "EncryptedPackage"]))
    _one_line(tmp_path / "locked.xlsx", "password-protected")
    (tmp_path / "locked.docx").write_bytes(_ole(["Root Entry", "EncryptionInfo", "EncryptedPackage"]))
    _one_line(tmp_path / "locked.docx", "password-protected")


def test_binary_office_files_say_how_to_convert(tmp_path):
    (tmp_path / "old.doc").write_bytes(_ole(["Root Entry", "WordDocument"]))
    _one_line(tmp_path / "old.doc", "soffice --headless --convert-to docx")
    (tmp_path / "old.xlsx").write_bytes(_ole(["Root Entry", "Workbook"]))
    _one_line(tmp_path / "old.xlsx", ".xls")


# -- OFD --------------------------------------------------------------------------------------
def make_ofd(lines: list[str], per_page: int = 20) -> bytes:
    """Write lines as an OFD package: one TextObject per line, TextCode positioned in millimetres."""
    import io

    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    buf = io.BytesIO()
    pages = [lines[i:i + per_page] for i in range(0, len(lines), per_page)]
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<ofd:OFD {ns} DocType="OFD"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>'
                              '</ofd:DocBody></ofd:OFD>')
        z.writestr("Doc_0/Document.xml", f'<ofd:Document {ns}><ofd:Pages>' + "".join(
            f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
            + "</ofd:Pages></ofd:Document>")
        for i, page in enumerate(pages):
            objs = "".join(reversed([  # written bottom-up: the positions give the order
                f'<ofd:TextObject ID="{j}" Boundary="25 {30 + 8 * j} 160 6" Font="1" Size="4.2">'
                f'<ofd:TextCode X="0" Y="4.2">{xml_escape(line)}</ofd:TextCode></ofd:TextObject>'
                for j, line in enumerate(page)]))
            z.writestr(f"Doc_0/Pages/Page_{i}/Content.xml",
                       f'<ofd:Page {ns}><ofd:Content><ofd:Layer ID="0">{objs}</ofd:Layer></ofd:Content></ofd:Page>')
    return buf.getvalue()


def test_ofd_text_is_read(tmp_path):
    stem = "hb-sci-plan"
    text = (GENRE / f"{stem}.txt").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    doc, gold = write_case(tmp_path, stem, ".ofd", make_ofd(lines))
    src = read_file(doc)
    assert [ln for ln in src.text.split("\n") if ln != "\f"] == lines
    assert src.pages and src.pages[-1] == (len(lines) + 19) // 20
    assert_perfect(doc, gold)


def test_ofd_without_text(tmp_path):
    (tmp_path / "scan.ofd").write_bytes(make_ofd([]))
    _one_line(tmp_path / "scan.ofd", "no readable text")


def test_docstring_examples():
    import doctest

    from extract import office, web

    for module in (office, web):
        assert doctest.testmod(module).failed == 0
