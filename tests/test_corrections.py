"""Corrections that survive rebuilds: the file beside a document, applying it, orphans, RDF with PROV, the CLI, the app.

Every document here is made up for the test; the browser test runs the app with --admin on a
temporary copy of such a corpus.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from extract import corrections as fx
from extract import tables
from extract.evaluate import load_gold, to_gold
from extract.pipeline import extract_text
from extract.records import Correction
from extract.serialize import CSV_HEADER, csv_rows
from graph.build import source_digest
from graph.rdf import extraction_to_graph, to_nquads, validate
from ontology import iris
from ontology.namespaces import OA, PKG, PROV, RDFS, XSD

ROOT = Path(__file__).resolve().parent.parent
META = {"jurisdiction": "广州市"}
PLAN = """一、重点任务
（一）加强保护
1.完善法规制度。健全地方规章。（牵头单位：市市场监管局，配合单位：市版权局）
2.加强行政执法。开展专项行动。（牵头单位：市版权局，配合单位：市公安局，完成时限：2023年底前）
3.推进数据共享。建设共享平台。（市司法局负责）
"""
# The same plan after an edit of its text: task 2 is gone, so the old task 3 is now task 2.
EDITED = PLAN.replace("2.加强行政执法。开展专项行动。（牵头单位：市版权局，配合单位：市公安局，完成时限：2023年底前）\n", "") \
    .replace("3.推进数据共享", "2.推进数据共享")
WHEN = "2024-05-01T09:30:00+00:00"


def plan(text: str = PLAN):
    return extract_text(text, "demo-plan.txt", META)


def roles(x, key: str) -> list[tuple[str, str, bool]]:
    u = fx.find_unit(x, key)
    return [(a.agency, a.role.value, a.curation is not None) for a in u.assignments]


def orphan_of(c: Correction) -> Correction:
    """Return the correction as if made of a unit t9, which no longer exists."""
    import dataclasses

    return dataclasses.replace(c, unit="t9")


def fix(x, unit, action, **kw) -> Correction:
    return fx.correction(x, unit, action, by=kw.pop("by", "李研究员"), when=WHEN, **kw)


# --------------------------------------------------------------------------- applying


def test_no_corrections_leave_the_extraction_and_its_triples_and_digest_as_they_were(tmp_path):
    x = plan()
    assert fx.apply(x, ()) is x
    assert to_nquads(fx.apply(x, fx.load(tmp_path / "none.corrections.json"))) == to_nquads(x)
    doc = tmp_path / "demo-plan.txt"
    doc.write_text(PLAN, encoding="utf-8")
    before = source_digest(doc)
    fx.append(doc, "demo-plan", [fix(x, "t1", "set", agency="市版权局", role="lead")])
    assert source_digest(doc) != before  # a corrections file is part of the document's digest
    fx.corrections_path(doc).unlink()
    assert source_digest(doc) == before


def test_set_add_remove_and_deadlines_change_the_records_in_file_order():
    x = plan()
    fixes = fx.renumber([
        fix(x, "t1", "set", agency="市版权局", role="lead", note="原文第二句写明共同牵头"),
        fix(x, "t1", "add", agency="市财政局", role="cooperate"),
        fix(x, "t2", "remove", agency="市公安局"),
        fix(x, "t2", "set", deadline="2024年6月底前"),
        fix(x, "t3", "add", deadline="2025年底前"),
        fix(x, "t3", "remove", agency="市司法局", role="lead"),  # it is responsible, not lead: orphaned
    ])
    y = fx.apply(x, fixes)
    assert roles(y, "t1") == [("市市场监管局", "lead", False), ("市版权局", "lead", True), ("市财政局", "cooperate", True)]
    assert roles(y, "t2") == [("市版权局", "lead", False)]
    assert [d.text for d in fx.find_unit(y, "t2").deadlines] == ["2024年6月底前"]
    assert [(d.text, d.year, d.date) for d in fx.find_unit(y, "t3").deadlines] == [("2025年底前", 2025, "2025-12-31")]
    assert roles(y, "t3") == [("市司法局", "responsible", False)]
    assert [c.status for c in y.corrections] == ["applied"] * 5 + ["orphaned"]
    assert y.corrections[5].reason == "市司法局 is not on unit t3 as lead"
    added = fx.find_unit(y, "t1").assignments[2]
    assert (added.canonical, added.agency_id, added.span.quote) == ("广州市财政局", "gz-fin-bureau", "")
    assert x.units[0].assignments[1].role.value == "cooperate"  # the extraction itself is left as it was


def test_a_correction_whose_unit_is_gone_or_retitled_is_orphaned_and_never_applied_elsewhere():
    x = plan()
    fixes = fx.renumber([fix(x, "t2", "set", agency="市公安局", role="lead"),
                         fix(x, "t3", "add", agency="市财政局", role="guide"),
                         fix(x, "t1", "set", agency="市版权局", role="lead")])
    y = fx.apply(plan(EDITED), fixes)
    assert [(c.status, c.reason) for c in y.corrections] == [
        ("orphaned", "unit t2 is now titled '推进数据共享', not '加强行政执法'"),
        ("orphaned", "unit t3 no longer exists"),
        ("applied", "")]
    assert roles(y, "t2") == [("市司法局", "responsible", False)]  # the unit now keyed t2 is untouched
    assert fx.orphan_lines(y, "corpus/demo-plan.corrections.json") == [
        "corpus/demo-plan.corrections.json: correction 1 (t2 set 市公安局 lead): "
        "unit t2 is now titled '推进数据共享', not '加强行政执法'",
        "corpus/demo-plan.corrections.json: correction 2 (t3 add 市财政局 guide): unit t3 no longer exists"]


def test_the_file_is_sorted_indented_one_entry_per_change_and_reads_back(tmp_path):
    x = plan()
    doc = tmp_path / "demo-plan.txt"
    doc.write_text(PLAN, encoding="utf-8")
    fx.append(doc, "demo-plan", [fix(x, "t1", "set", agency="市版权局", role="lead", note="注")])
    merged = fx.append(doc, "demo-plan", [fix(x, "t2", "add", deadline="2024年底前", by="王")])
    text = fx.corrections_path(doc).read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    assert data["document"] == "demo-plan"
    assert data["corrections"][0] == {"action": "set", "agency": "市版权局", "agency_id": "gz-copyright",
                                      "by": "李研究员", "note": "注", "role": "lead", "title": "完善法规制度",
                                      "unit": "t1", "when": WHEN}
    assert data["corrections"][1]["deadline"] == "2024年底前" and "agency" not in data["corrections"][1]
    assert fx.load_for(doc) == merged and [c.index for c in merged] == [1, 2]
    assert not list(tmp_path.glob(".policykg-*"))  # written through a temporary file, none left over


@pytest.mark.parametrize(("entry", "message"), [
    ({"unit": "t1", "action": "move", "agency": "市版权局", "role": "lead"}, "action must be one of add, remove, set"),
    ({"unit": "t1", "action": "add", "agency": "市版权局"}, "add of an agency needs a 'role'"),
    ({"unit": "t1", "action": "add", "agency": "市版权局", "role": "boss"}, "role must be one of"),
    ({"unit": "t1", "action": "set"}, "give either 'agency' (with a role) or 'deadline'"),
    ({"unit": "t1", "action": "set", "agency": "市版权局", "role": "lead", "colour": "red"}, "unknown key 'colour'"),
    ({"unit": "t1", "action": "set", "deadline": "2023年", "when": "yesterday"}, "ISO 8601"),
])
def test_a_bad_entry_is_one_line_naming_the_file_and_the_entry(tmp_path, entry, message):
    good = {"unit": "t1", "action": "set", "agency": "市版权局", "role": "lead"}
    path = tmp_path / "demo-plan.corrections.json"
    path.write_text(json.dumps({"document": "demo-plan", "corrections": [good, entry]}, ensure_ascii=False),
                    encoding="utf-8")
    with pytest.raises(fx.CorrectionsError) as e:
        fx.load(path)
    assert str(e.value).startswith(f"{path}: correction 2: ") and message in str(e.value)
    assert "\n" not in str(e.value)


def test_bad_json_is_one_line():
    with pytest.raises(fx.CorrectionsError, match=r"^x.corrections.json: invalid JSON at line 1"):
        fx.parse("{", "x.corrections.json")
    with pytest.raises(fx.CorrectionsError, match="a corrections file is a JSON object"):
        fx.parse("[]", "x.corrections.json")


# --------------------------------------------------------------------------- RDF


def _g(y):
    return extraction_to_graph(y)


def test_curated_facts_are_marked_with_who_when_and_why_in_prov_and_conform_to_the_shapes():
    x = plan()
    y = fx.apply(x, fx.renumber([fix(x, "t1", "set", agency="市版权局", role="lead", note="原文写明共同牵头"),
                                 fix(x, "t1", "add", agency="市财政局", role="cooperate", by="王"),
                                 fix(x, "t2", "set", deadline="2024年6月底前"),
                                 orphan_of(fix(x, "t2", "remove", agency="市公安局"))]))
    g = _g(y)
    conforms, report = validate(g)
    assert conforms, report
    rows = {(str(r.written), str(r.role).rsplit("#")[-1], str(r.who), str(r.when), r.note and str(r.note), r.dtype)
            for r in g.query("""
        SELECT ?written ?role ?who ?when ?note (DATATYPE(?when) AS ?dtype) WHERE {
          ?unit prov:qualifiedAttribution ?att . ?att pkg:asWritten ?written ; prov:hadRole ?role ; pkg:curatedBy ?c .
          ?c a pkg:Correction , prov:Entity ; prov:wasAttributedTo ?agent ; prov:generatedAtTime ?when .
          ?agent a prov:Agent ; rdfs:label ?who . OPTIONAL { ?c rdfs:comment ?note }
          ?unit pkg:correction ?c . }""", initNs={"prov": PROV, "pkg": PKG, "rdfs": RDFS})}
    assert rows == {("市版权局", "lead", "李研究员", WHEN, "原文写明共同牵头", XSD.dateTime),
                    ("市财政局", "cooperate", "王", WHEN, None, XSD.dateTime)}
    t1 = iris.record_iri("demo-plan/t1")
    added = next(a for a in g.objects(t1, PROV.qualifiedAttribution) if (a, PKG.asWritten, Literal("市财政局")) in g)
    assert not list(g.subjects(OA.hasBody, added))  # not in the text: no span, only the correction
    kept = next(a for a in g.objects(t1, PROV.qualifiedAttribution) if (a, PKG.asWritten, Literal("市版权局")) in g)
    assert list(g.subjects(OA.hasBody, kept))  # a role changed: its name still has its span
    deadline = next(g.objects(iris.record_iri("demo-plan/t2"), PKG.deadline))
    assert (deadline, PKG.deadlineText, Literal("2024年6月底前")) in g and (deadline, PKG.curatedBy, None) in g
    assert len(list(g.objects(iris.record_iri("demo-plan/t2"), PKG.deadline))) == 1
    orphan = iris.correction_iri("demo-plan", 4)
    assert str(g.value(orphan, PKG.orphaned)) == "unit t9 no longer exists"
    assert (iris.doc_iri("demo-plan"), PKG.correction, orphan) in g
    assert set(g.subjects(PKG.correction, orphan)) == {iris.doc_iri("demo-plan")}  # on no unit


def test_the_store_lines_of_a_corrected_plan_equal_the_rdflib_mapping():
    import pyoxigraph

    from graph.rdf import to_ntriples

    x = plan()
    y = fx.apply(x, fx.renumber([fix(x, "t1", "add", agency="市财政局", role="cooperate", note='引号"与\\反斜杠'),
                                 fix(x, "t2", "set", deadline="2024年6月底前"),
                                 orphan_of(fix(x, "t2", "remove", agency="市公安局"))]))
    mine, theirs = pyoxigraph.Store(), pyoxigraph.Store()
    mine.load(to_ntriples(y), pyoxigraph.RdfFormat.N_TRIPLES)
    theirs.load(_g(y).serialize(format="nt").encode("utf-8"), pyoxigraph.RdfFormat.N_TRIPLES)
    assert set(map(str, mine)) == set(map(str, theirs))
    assert any("generatedAtTime" in str(q) and "dateTime" in str(q) for q in mine)


def test_the_shapes_refuse_an_uncurated_fact_without_evidence_and_a_curated_one_of_an_orphan():
    x = plan()
    y = fx.apply(x, fx.renumber([fix(x, "t1", "add", agency="市财政局", role="cooperate"),
                                 orphan_of(fix(x, "t2", "remove", agency="市公安局"))]))
    g = _g(y)
    added = next(a for a in g.subjects(PKG.curatedBy, iris.correction_iri("demo-plan", 1))
                 if (a, PKG.asWritten, None) in g)
    g.remove((added, PKG.curatedBy, None))
    conforms, report = validate(g)
    assert not conforms and "an attribution is the body of at least one annotation" in report
    g = _g(y)
    g.add((added, PKG.curatedBy, iris.correction_iri("demo-plan", 2)))
    conforms, report = validate(g)
    assert not conforms and "applied (not orphaned)" in report


# --------------------------------------------------------------------------- importing edited tables and gold


def _edited_rows(x):
    rows = [list(CSV_HEADER), *map(list, csv_rows(x))]
    col = {h: i for i, h in enumerate(CSV_HEADER)}
    for r in rows[1:]:
        if r[col["task"]] == "1" and r[col["agency"]] == "市版权局":
            r[col["role"]], r[col["role_zh"]] = "lead", "牵头"
        if r[col["task"]] == "2":
            r[col["deadline"]] = "2024年底前"
    rows = [r for r in rows if r[col["agency"]] != "市公安局"]
    extra = list(rows[-1])
    extra[col["agency"]], extra[col["canonical_agency"]], extra[col["role"]], extra[col["role_zh"]] = \
        "市财政局", "", "", "配合"
    return [*rows, extra]


EXPECTED_IMPORT = ["t1 set 市版权局 lead", "t2 remove 市公安局", "t2 set deadline 2024年底前", "t3 add 市财政局 cooperate"]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_an_edited_table_becomes_the_corrections_that_make_the_document_say_it(tmp_path, suffix):
    x = plan()
    rows = _edited_rows(x)
    path = tmp_path / f"分工表.{suffix}"
    path.write_bytes(tables.to_csv(rows).encode("utf-8-sig") if suffix == "csv" else tables.to_xlsx(rows))
    new = fx.import_file(x, path, note="核对原件", by="王")
    assert [c.what for c in new] == EXPECTED_IMPORT
    assert {(c.note, c.by, c.title) for c in new if c.unit == "t1"} == {("核对原件", "王", "完善法规制度")}
    y = fx.apply(x, fx.renumber(new))
    assert all(c.status == "applied" for c in y.corrections)
    assert fx.import_file(y, path) == []  # applied, the table and the document agree


def test_a_table_row_that_finds_no_unit_or_disagrees_with_itself_is_one_line(tmp_path):
    x = plan()
    rows = _edited_rows(x)
    rows[1][CSV_HEADER.index("title")] = "没有这个任务"
    with pytest.raises(fx.CorrectionsError, match=r"t.csv: row 2: no units numbered '1' titled '没有这个任务'"):
        fx.diff_table(x, rows, "t.csv")
    rows = _edited_rows(x)
    rows[1][CSV_HEADER.index("role_zh")] = "配合"
    with pytest.raises(fx.CorrectionsError, match="row 2: role 'lead' and role_zh '配合' disagree"):
        fx.diff_table(x, rows, "t.csv")


def test_a_bureau_table_changes_only_that_bureau():
    from graph.views.agency import BUREAU_HEADER

    x = plan()
    # 市版权局's own 分工表 as My bureau writes it, edited: t1 lead instead of cooperate, t2 row deleted.
    row = dict.fromkeys(BUREAU_HEADER, "")
    row.update({"文件": "demo-plan", "编号": "1", "任务": "完善法规制度", "职责": "牵头", "原文写法": "市版权局",
                "任务编号": "demo-plan/t1"})
    new = fx.diff_table(x, [BUREAU_HEADER, [row[h] for h in BUREAU_HEADER]], "bureau.xlsx")
    assert [c.what for c in new] == ["t1 set 市版权局 lead", "t2 remove 市版权局"]


def test_edited_gold_becomes_corrections(tmp_path):
    x = plan()
    gold = json.loads(to_gold([x]))
    gold[0]["lead"].append("市版权局")
    gold[0]["cooperate"].remove("市版权局")
    gold[1]["deadline"] = "2024年底前"
    del gold[2]
    path = tmp_path / "demo-plan.gold.json"
    path.write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    assert [c.what for c in fx.import_file(x, path)] == [
        "t1 set 市版权局 lead", "t2 set deadline 2024年底前", "t3 remove 市司法局"]
    gold[0]["document"] = "other.txt"
    path.write_text(json.dumps(gold[:1], ensure_ascii=False), encoding="utf-8")
    with pytest.raises(fx.CorrectionsError, match="no gold object names the document 'demo-plan.txt'"):
        fx.import_file(x, path)


def test_corrections_as_gold_score_the_extractor_against_the_curated_reading():
    from extract.evaluate import evaluate

    x = plan()
    y = fx.apply(x, fx.renumber([fix(x, "t1", "set", agency="市版权局", role="lead")]))
    report = evaluate(load_gold(io.StringIO(to_gold([y])), "gold"), [x])
    assert [(i.unit, i.role, i.name) for i in report.misses] == [("demo-plan/t1", "lead", "市版权局")]
    assert [(i.unit, i.role, i.name) for i in report.extras] == [("demo-plan/t1", "cooperate", "市版权局")]


# --------------------------------------------------------------------------- the command line


def run(*args, cwd=ROOT):
    env = {k: v for k, v in os.environ.items() if k not in ("POLICYKG_DATA", "POLICYKG_USER")}
    return subprocess.run([sys.executable, "-m", "graph.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "demo-plan.txt").write_text(PLAN, encoding="utf-8")
    (folder / "demo-plan.toml").write_text('jurisdiction = "广州市"\n', encoding="utf-8")
    return folder


def test_correct_appends_build_applies_and_a_text_change_orphans_with_a_warning(corpus, tmp_path):
    data = tmp_path / "data"
    r = run("correct", "demo-plan", "t2", "--agency", "市公安局", "--role", "lead", "--action", "set",
            "--note", "原文有误", "--by", "李研究员", "--corpus", corpus)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "correction 1: t2 set 市公安局 lead\n"
    entry = json.loads((corpus / "demo-plan.corrections.json").read_text(encoding="utf-8"))["corrections"][0]
    assert (entry["unit"], entry["title"], entry["agency_id"], entry["by"], entry["note"]) == \
        ("t2", "加强行政执法", "gz-psb", "李研究员", "原文有误")
    r = run("build", corpus, "--data", data)
    assert r.returncode == 0 and "added 1" in r.stdout and "warning" not in r.stderr, r.stderr
    r = run("task", "demo-plan/t2", "--data", data)
    assert "市公安局 → 广州市公安局" in r.stdout and "✎ curated by 李研究员 on " in r.stdout and ": 原文有误" in r.stdout
    assert "skipped 1" in run("build", corpus, "--data", data).stdout
    r = run("correct", "demo-plan", "t2", "--deadline", "2024年底前", "--action", "set", "--by", "王",
            "--corpus", corpus)
    assert r.returncode == 0, r.stderr
    assert "replaced 1" in run("build", corpus, "--data", data).stdout  # a changed corrections file rebuilds
    (corpus / "demo-plan.txt").write_text(EDITED, encoding="utf-8")
    r = run("build", corpus, "--data", data)
    assert r.returncode == 0 and "replaced 1" in r.stdout
    warnings = [line for line in r.stderr.splitlines() if "warning" in line]
    assert warnings == [
        f"policykg: warning: {corpus / 'demo-plan.corrections.json'}: correction 1 (t2 set 市公安局 lead): "
        "unit t2 is now titled '推进数据共享', not '加强行政执法'",
        f"policykg: warning: {corpus / 'demo-plan.corrections.json'}: correction 2 (t2 set deadline 2024年底前): "
        "unit t2 is now titled '推进数据共享', not '加强行政执法'"]
    r = run("corrections", "--corpus", corpus, "--format", "json")
    assert r.returncode == 0
    assert [(c["n"], c["status"]) for c in json.loads(r.stdout)] == [(1, "orphaned"), (2, "orphaned")]
    assert "2 corrections, 2 orphaned" in r.stderr
    r = run("task", "demo-plan/t2", "--data", data)
    assert "✎" not in r.stdout.split("corrections")[0] and "orphaned corrections of demo-plan" in r.stdout


def test_correct_refuses_what_would_not_apply_in_one_line(corpus):
    for args, message in [
        (("t9", "--agency", "市版权局", "--role", "lead", "--action", "add"), "no unit 't9'"),
        (("t1", "--agency", "市财政局", "--action", "remove"), "市财政局 is not on unit t1"),
        (("t1", "--agency", "市市场监管局", "--role", "lead", "--action", "set"), "the unit already says so"),
        (("t1", "--action", "add"), "give --agency NAME (with --role) or --deadline TEXT"),
    ]:
        r = run("correct", "demo-plan", *args, "--corpus", corpus)
        lines = r.stderr.strip().splitlines()
        assert r.returncode == 1 and len(lines) == 1 and message in lines[0] and "Traceback" not in r.stderr, r.stderr
    r = run("correct", "no-such-plan", "t1", "--agency", "市版权局", "--role", "lead", "--action", "add",
            "--corpus", corpus)
    assert r.returncode == 1 and "no document with this id" in r.stderr and "demo-plan" in r.stderr
    assert not (corpus / "demo-plan.corrections.json").exists()


def test_a_bad_corrections_file_rejects_its_document_in_one_line(corpus, tmp_path):
    (corpus / "demo-plan.corrections.json").write_text('{"corrections": [{"unit": "t1"}]}', encoding="utf-8")
    r = run("build", corpus, "--data", tmp_path / "data")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{corpus / 'demo-plan.corrections.json'}: correction 1: missing 'action'" in r.stderr


def test_import_corrections_and_eval_with_corrections_as_gold(corpus, tmp_path):
    r = run("extract", corpus / "demo-plan.txt", "--format", "csv")
    rows = tables.read_table(r.stdout.encode("utf-8"), "x.csv")
    col = {h: i for i, h in enumerate(rows[0])}
    for row in rows[1:]:
        if row[col["agency"]] == "市版权局" and row[col["task"]] == "1":
            row[col["role"]], row[col["role_zh"]] = "lead", "牵头"
    edited = tmp_path / "分工表.xlsx"
    edited.write_bytes(tables.to_xlsx(rows))
    r = run("import-corrections", "demo-plan", edited, "--by", "王", "--corpus", corpus, "--dry-run")
    assert r.returncode == 0 and r.stdout == "would add: t1 set 市版权局 lead\n"
    assert not (corpus / "demo-plan.corrections.json").exists()
    r = run("import-corrections", "demo-plan", edited, "--by", "王", "--corpus", corpus)
    assert r.returncode == 0 and r.stdout == "correction: t1 set 市版权局 lead\n", r.stderr
    assert run("import-corrections", "demo-plan", edited, "--corpus", corpus).stdout == ""  # nothing new
    r = run("extract", corpus / "demo-plan.txt", "--format", "csv")
    assert "完善法规制度,市版权局,广州市版权局,lead," in r.stdout  # extract reads it as the build does
    assert "完善法规制度,市版权局,广州市版权局,cooperate," in run("extract", corpus / "demo-plan.txt", "--format",
                                                               "csv", "--no-corrections").stdout
    r = run("eval", "--corrections", corpus, "--format", "json")
    assert r.returncode == 0, r.stderr
    score = next(s for s in json.loads(r.stdout)["scores"] if s["scope"] == "overall" and s["row"] == "all")
    assert (score["gold"], score["found"], score["correct"]) == (5, 5, 4)
    r = run("eval", "--corrections", tmp_path / "nothing-here")
    assert r.returncode == 1


# --------------------------------------------------------------------------- the app


def choose(p, box: str, option: str, tries: int = 4) -> None:
    """Pick `option` in the selectbox `box` of a form. Its list may close while it opens (the
    list is a popover that a late message from the server redraws): open it again, then pick."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    combobox = p.get_by_role("combobox", name=box)
    for attempt in range(tries):
        combobox.click()
        try:
            p.get_by_role("option", name=option).click(timeout=5_000)
            return
        except PlaywrightTimeout:
            if attempt == tries - 1:
                raise
            p.keyboard.press("Escape")


def test_a_correction_made_in_the_task_view_survives_a_build_and_shows_as_curated(tmp_path, monkeypatch):
    from playwright import sync_api

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_browser import Page, launch, start_app
    from servers import stop

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "demo-plan.txt").write_text(PLAN, encoding="utf-8")
    (folder / "demo-plan.toml").write_text('jurisdiction = "广州市"\n', encoding="utf-8")
    data = tmp_path / "data"
    monkeypatch.setenv("POLICYKG_ADMIN", "1")
    pid, base = start_app(data, folder)
    try:
        with sync_api.sync_playwright() as pw:
            browser = launch(pw)
            page = Page(browser, base)
            page.open("task=" + "demo-plan%2Ft1")
            p = page.page
            p.get_by_text("✎ 校正 Correct this task").click()
            p.get_by_text("改为 set").click()
            choose(p, "单位 Agency", "广州市版权局")
            choose(p, "职责 Role", "牵头 lead")
            p.get_by_label("说明 Note（为什么 why）").fill("原文第二句写明共同牵头")
            p.get_by_label("校正人 By").fill("李研究员")
            p.get_by_role("button", name="保存并重建 Save and rebuild").click()
            p.get_by_text("已保存 saved: t1 set 广州市版权局 lead").wait_for(timeout=120_000)
            page.settle()
            entry = json.loads((folder / "demo-plan.corrections.json").read_text(encoding="utf-8"))["corrections"]
            assert [(e["unit"], e["action"], e["agency_id"], e["role"], e["by"]) for e in entry] == \
                [("t1", "set", "gz-copyright", "lead", "李研究员")]
            r = run("build", folder, "--data", data)
            assert r.returncode == 0, r.stderr
            page.open("task=" + "demo-plan%2Ft1")
            mark = p.get_by_text("✎ curated by 李研究员 on ")
            mark.first.wait_for(timeout=20_000)
            assert "原文第二句写明共同牵头" in mark.first.text_content()
            assert not p.locator("[data-testid=stException]").count()
            assert page.remote == [] and page.dialogs == []
            browser.close()
    finally:
        stop(pid)


@pytest.mark.parametrize("admin", [False, True])
def test_the_task_view_marks_curated_facts_and_offers_the_form_only_on_an_admin_server(corpus, tmp_path, monkeypatch,
                                                                                      admin):
    from streamlit.testing.v1 import AppTest

    x = plan()
    fx.append(corpus / "demo-plan.txt", "demo-plan", [
        fix(x, "t1", "set", agency="市版权局", role="lead", note="见[原文](http://evil.invalid/a)"),
        orphan_of(fix(x, "t2", "remove", agency="市公安局"))])
    data = tmp_path / "data"
    assert run("build", corpus, "--data", data).returncode == 0
    monkeypatch.setenv("POLICYKG_DATA", str(data))
    monkeypatch.setenv("POLICYKG_CORPUS", str(corpus))
    monkeypatch.setenv("POLICYKG_ADMIN", "1" if admin else "0")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["task"] = "demo-plan/t1"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    captions = [c.value for c in at.caption]
    mark = [c for c in captions if c.startswith("✎ curated by 李研究员 on 2024\\-05\\-01")]
    assert len(mark) == 1 and "原文" in mark[0] and "](http://" not in mark[0], captions  # escaped: no link
    assert any("#2 t9 remove 市公安局" in w.value and "unit t9 no longer exists" in w.value for w in at.warning)
    forms = [e.label for e in at.expander]
    assert ("✎ 校正 Correct this task" in forms) is admin
    assert any(b.label == "保存并重建 Save and rebuild" for b in at.button) is admin
