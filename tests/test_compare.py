"""Compare two plans (`graph.views.compare`, `policykg compare A B`, the Compare view) and bodies replaced in a reform.

The corpus is two made-up plans of one city (tests/fixtures/compare/): a 十三五 plan of 2016 naming the
bodies of before the 2019 reform (市工商局, 市质监局, 市食品药品监管局, 市科技创新委, 省食品药品监督管理局),
and a 十四五 plan of 2021 naming their successors (市市场监管局, 市科技局). Every figure below was counted
by hand from the two texts:

plan A (gz-ip-13th)                         plan B (gz-ip-14th)
t1 lead 科技创新委, coop 财政局             t1 lead 科技局, coop 财政局
t2 lead 工商局, coop 质监局                 t2 lead 市场监管局, coop 商务局
t3 lead 食药监局, coop 公安局 工商局 省食药监局  t3 lead 市场监管局, coop 公安局
t4 lead 版权局, coop 公安局                 t4 lead 版权局
t5 lead 科技创新委, coop 财政局             t5 lead 地方金融监管局, coop 科技局 市场监管局
                                            t6 responsible 人社局
cites: 国家知识产权战略纲要, 专利法 (doc),     cites: 国家知识产权战略纲要, 知识产权强国建设纲要, plan A (doc),
       著作权法 (t4), 质押融资…办法（2016—2020年）(t5)   著作权法 (t4), 质押融资…办法 (t5)
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.namespace import ORG
from streamlit.testing.v1 import AppTest

from extract.pipeline import extract_file
from graph.query import build, open_kg
from graph.rdf import extraction_to_graph, validate
from graph.views import compare as cv
from graph.views import lineage
from graph.views.agency import BUREAU_HEADER, bureau, bureau_table
from graph.views.links import state_from_url, url_for
from ontology import iris

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "compare"
A, B = "gz-ip-13th", "gz-ip-14th"
AMR = str(iris.agency_iri("gz-amr"))


def agency(i: str) -> str:
    return str(iris.agency_iri(i))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("compare")
    shutil.copytree(FIXTURES, root / "corpus")
    report = build([root / "corpus"], root / "data")
    assert not report.rejected, report
    return root


@pytest.fixture(scope="module")
def kg(corpus):
    with open_kg(corpus / "data", corpus=None) as kg:
        yield kg


@pytest.fixture(scope="module")
def comparison(kg) -> cv.Comparison:
    return cv.compare(kg, A, B)


def run(corpus: Path, *args):
    env = {k: v for k, v in os.environ.items() if k != "POLICYKG_DATA"}
    return subprocess.run([sys.executable, "-m", "graph.cli", *map(str, args), "--data", str(corpus / "data")],
                          capture_output=True, cwd=ROOT, env=env, timeout=120)


# --------------------------------------------------------------------------- the view function


def test_every_agency_of_either_plan_has_its_units_by_role_in_each(comparison):
    rows = {r["iri"]: r for r in comparison.agencies}
    assert len(rows) == 13  # 8 bodies in A, 8 in B, 3 in both
    police = rows[agency("gz-psb")]
    assert (police["status"], police["a_cooperate"], police["b_cooperate"]) == ("changed", 2, 1)
    assert police["a_tasks"] == {"cooperate": ["t3", "t4"]} and police["b_tasks"] == {"cooperate": ["t3"]}
    amr = rows[AMR]
    assert (amr["status"], amr["a_lead"], amr["b_lead"], amr["b_cooperate"]) == ("new", 0, 2, 1)
    assert amr["b_tasks"] == {"lead": ["t2", "t3"], "cooperate": ["t5"]}
    aic = rows[agency("gz-aic")]
    assert (aic["status"], aic["a_lead"], aic["a_cooperate"], aic["b_tasks"]) == ("gone", 1, 1, {})
    copyright_ = rows[agency("gz-copyright")]
    assert (copyright_["status"], copyright_["a_lead"], copyright_["b_lead"]) == ("same", 1, 1)
    assert rows[agency("gz-hrss")]["b_responsible"] == 1 and rows[agency("gz-hrss")]["b_tasks"] == {"responsible": ["t6"]}
    # most units first: 广州市市场监督管理局 has 3 (in B), 广州市公安局 3 (2 + 1); ties by name
    assert [r["agency"] for r in comparison.agencies[:2]] == ["广州市公安局", "广州市市场监督管理局"]


def test_agencies_new_gone_changed_and_how_a_reform_links_them(comparison):
    assert comparison.summary == {"gone": 5, "new": 5, "changed": 2, "same": 1, "shared_citations": 3}
    by_status = {s: sorted(r["agency"] for r in comparison.changes if r["status"] == s) for s in cv.STATUS}
    assert by_status["gone"] == sorted(["广州市工商行政管理局", "广州市质量技术监督局", "广州市食品药品监督管理局",
                                        "广州市科技创新委员会", "广东省食品药品监督管理局"])
    assert by_status["new"] == sorted(["广州市市场监督管理局", "广州市科学技术局", "广州市商务局",
                                       "广州市地方金融监督管理局", "广州市人力资源和社会保障局"])
    assert by_status["changed"] == ["广州市公安局", "广州市财政局"] and by_status["same"] == []
    assert [r["status"] for r in comparison.changes] == ["gone"] * 5 + ["new"] * 5 + ["changed"] * 2
    change = {r["agency"]: r for r in comparison.changes}
    assert change["广州市财政局"]["detail"] == "配合 2→1"
    assert change["广州市工商行政管理局"]["detail"] == "牵头 1；配合 1"
    assert change["广州市工商行政管理局"]["lineage"] == "succeeded by 广州市市场监督管理局"
    assert change["广东省食品药品监督管理局"]["lineage"] == "succeeded by 广东省市场监督管理局"
    assert change["广州市科学技术局"]["lineage"] == "formerly 广州市科技创新委员会"
    assert change["广州市市场监督管理局"]["lineage"] == (
        "formerly 广州市工商行政管理局、广州市食品药品监督管理局、广州市质量技术监督局")  # by id: aic, fda, qts
    assert change["广州市商务局"]["lineage"] == ""


def test_shared_citations_match_by_normalized_title(comparison):
    rows = comparison.citations
    assert [(r["title_a"], r["title_b"], r["units_a"], r["units_b"]) for r in rows] == [
        ("国家知识产权战略纲要", "国家知识产权战略纲要", [], []),
        ("中华人民共和国著作权法", "中华人民共和国著作权法", ["t4"], ["t4"]),
        ("广州市知识产权质押融资风险补偿办法（2016—2020年）", "广州市知识产权质押融资风险补偿办法", ["t5"], ["t5"]),
    ]
    assert all(r["resolved"] is None for r in rows)  # none of the three is a document of this corpus


def test_a_plan_compared_with_itself_is_all_the_same_and_shares_every_citation(kg):
    c = cv.compare(kg, B, B)
    assert c.summary == {"gone": 0, "new": 0, "changed": 0, "same": 8, "shared_citations": 5}
    cited_a = [r for r in c.citations if r["resolved"] == A]
    assert [(r["title_a"], r["resolved_title"]) for r in cited_a] == [
        ("广州市知识产权创造运用“十三五”行动计划", "广州市知识产权创造运用“十三五”行动计划")]


def test_an_unknown_document_is_named(kg):
    with pytest.raises(Exception) as exc:
        cv.compare(kg, A, "gz-ip-15th")
    assert "gz-ip-15th" in str(exc.value) and "\n" not in str(exc.value)


# --------------------------------------------------------------------------- policykg compare


def test_cli_table_prints_the_three_sections(corpus):
    out = run(corpus, "compare", A, B)
    assert out.returncode == 0, out.stderr.decode()
    text = out.stdout.decode()
    assert "gone 5  new 5  changed 2  same 1  shared_citations 3" in text
    assert "agencies (13)" in text and "changes (12)" in text and "shared citations (3)" in text
    line = next(x for x in text.splitlines() if x.startswith("广州市科技创新委员会"))
    assert "gone" in line and "牵头 t1、t5" in line and "succeeded by 广州市科学技术局" in line


def test_cli_csv_json_and_xlsx_carry_the_same_figures(corpus, tmp_path):
    rows = list(csv.DictReader(io.StringIO(run(corpus, "compare", A, B, "--format", "csv").stdout.decode())))
    assert list(rows[0]) == cv.AGENCY_COLUMNS and len(rows) == 13
    amr = next(r for r in rows if r["iri"] == AMR)
    assert (amr["status"], amr["b_lead"], amr["b_cooperate"], amr["b_tasks"]) == ("new", "2", "1", "牵头 t2、t3；配合 t5")
    changes = list(csv.DictReader(io.StringIO(
        run(corpus, "compare", A, B, "--format", "csv", "--section", "changes").stdout.decode())))
    assert [r["agency"] for r in changes if r["status"] == "changed"] == ["广州市公安局", "广州市财政局"]
    data = json.loads(run(corpus, "compare", A, B, "--format", "json").stdout)
    assert data["summary"]["gone"] == 5 and data["a"]["id"] == A and data["b"]["year"] == 2021
    assert next(r for r in data["agencies"] if r["iri"] == AMR)["b_tasks"] == {"lead": ["t2", "t3"], "cooperate": ["t5"]}
    target = tmp_path / "compare.xlsx"
    out = run(corpus, "compare", A, B, "--format", "xlsx", "-o", target)
    assert out.returncode == 0, out.stderr.decode()
    from openpyxl import load_workbook

    wb = load_workbook(target)
    assert wb.sheetnames == ["agencies", "changes", "shared citations"]
    assert [ws.max_row for ws in wb.worksheets] == [14, 13, 4]  # a header and 13, 12, 3 rows
    head = [c.value for c in wb["agencies"][1]]
    assert head == cv.AGENCY_COLUMNS
    police = next(r for r in wb["agencies"].iter_rows(min_row=2, values_only=True) if r[0] == "广州市公安局")
    assert police[head.index("a_cooperate")] == 2 and police[head.index("b_cooperate")] == 1  # numbers stay numbers


def test_cli_unknown_id_is_one_line_naming_it_and_exit_2(corpus):
    out = run(corpus, "compare", A, "no-such-plan")
    assert out.returncode == 2 and out.stdout == b""
    err = out.stderr.decode()
    assert err.count("\n") == 1 and "no-such-plan" in err and "Traceback" not in err


# --------------------------------------------------------------------------- bodies replaced in a reform


def test_the_old_plans_bodies_are_linked_to_their_successors_in_rdf_and_conform_to_the_shapes():
    g = extraction_to_graph(extract_file(FIXTURES / f"{A}.txt"))
    event = iris.change_event_iri("gz-amr", 2019, "gz-aic")
    assert set(g.objects(event, ORG.originalOrganization)) == {iris.agency_iri(i) for i in ("gz-aic", "gz-qts", "gz-fda")}
    assert list(g.objects(event, ORG.resultingOrganization)) == [iris.agency_iri("gz-amr")]
    assert (iris.agency_iri("gz-aic"), ORG.changedBy, event) in g
    assert (iris.agency_iri("gz-amr"), ORG.resultedFrom, event) in g
    assert (iris.agency_iri("440000-fda"), ORG.changedBy, iris.change_event_iri("gd-amr", 2019, "440000-fda")) in g
    conforms, report = validate(g)
    assert conforms, report
    # a successor of nothing named has no event: the 2021 plan's own bodies are current
    assert not list(extraction_to_graph(extract_file(FIXTURES / f"{B}.txt")).subjects(None, ORG.ChangeEvent))


@pytest.mark.parametrize("stem", [A, B])
def test_the_stores_lines_hold_the_same_change_events_as_the_rdflib_mapping(stem):
    import pyoxigraph

    from graph.rdf import to_ntriples

    x = extract_file(FIXTURES / f"{stem}.txt")
    mine, theirs = pyoxigraph.Store(), pyoxigraph.Store()
    mine.load(to_ntriples(x), pyoxigraph.RdfFormat.N_TRIPLES)
    theirs.load(extraction_to_graph(x).serialize(format="nt").encode("utf-8"), pyoxigraph.RdfFormat.N_TRIPLES)
    assert set(map(str, mine)) == set(map(str, theirs))
    dates = {str(q.object) for q in mine if q.predicate.value == "http://purl.org/dc/terms/date"}
    assert dates == ({'"2019"^^<http://www.w3.org/2001/XMLSchema#gYear>'} if stem == A else set())


def test_a_broken_change_event_is_caught_by_the_shapes():
    g = extraction_to_graph(extract_file(FIXTURES / f"{A}.txt"))
    event = iris.change_event_iri("gz-amr", 2019, "gz-aic")
    g.remove((event, ORG.resultingOrganization, None))
    conforms, report = validate(g)
    assert not conforms and "results in exactly one" in report


def test_lineage_walks_both_ways(kg):
    before = lineage.predecessors(kg, AMR)
    assert [(p["name"], p["year"]) for p in before] == [
        ("广州市工商行政管理局", 2019), ("广州市食品药品监督管理局", 2019), ("广州市质量技术监督局", 2019)]
    assert [s["name"] for s in lineage.successors(kg, agency("gz-sti-innovation"))] == ["广州市科学技术局"]


def test_agency_follows_predecessors_by_default_and_says_formerly(corpus):
    text = run(corpus, "agency", "市市场监管局").stdout.decode()
    assert text.startswith("广州市市场监督管理局: 7 rows")  # 3 of its own in B, 4 of its predecessors in A
    lines = text.splitlines()
    assert sum("formerly 广州市工商行政管理局" in x for x in lines) == 2  # lead t2, cooperate t3
    assert sum("formerly 广州市质量技术监督局" in x for x in lines) == 1
    assert sum("formerly 广州市食品药品监督管理局" in x for x in lines) == 1
    same = run(corpus, "agency", "市市场监管局", "--with-predecessors").stdout.decode()
    assert same == text
    strict = run(corpus, "agency", "市市场监管局", "--no-predecessors").stdout.decode()
    assert strict.startswith("广州市市场监督管理局: 3 rows") and "formerly" not in strict
    rows = list(csv.reader(io.StringIO(run(corpus, "agency", "市市场监管局", "--format", "csv").stdout.decode())))
    assert rows[0] == BUREAU_HEADER and rows[0][-1] == "曾用名"
    assert sorted(r[-1] for r in rows[1:]) == ["", "", "", "广州市工商行政管理局", "广州市工商行政管理局",
                                               "广州市质量技术监督局", "广州市食品药品监督管理局"]
    assert {r[0] for r in rows[1:] if r[-1]} == {A}


def test_the_bureau_view_of_a_successor_and_of_an_old_body(kg):
    b = bureau(kg, "市科技局")
    assert b.units == 4 and [p["name"] for p in b.predecessors] == ["广州市科技创新委员会"]
    assert [(r["doc"], r["task"].rsplit("/", 1)[-1], r["formerly"]) for r in b.rows] == [
        (A, "t1", "广州市科技创新委员会"), (A, "t5", "广州市科技创新委员会"), (B, "t1", None), (B, "t5", None)]
    assert [line[-1] for line in bureau_table(b.rows)[1:]] == ["广州市科技创新委员会", "广州市科技创新委员会", "", ""]
    old = bureau(kg, "市工商局")
    assert [s["name"] for s in old.successors] == ["广州市市场监督管理局"] and old.units == 2
    assert all(r["formerly"] is None for r in old.rows)


# --------------------------------------------------------------------------- deep links and the app


def test_deep_link_state_of_the_compare_view():
    assert state_from_url({"view": "compare", "a": A, "b": B}) == {"cmp_a": A, "cmp_b": B, "view": "compare"}
    assert url_for("compare", {"cmp_a": A, "cmp_b": B}) == {"view": "compare", "a": A, "b": B}
    assert url_for("compare", {}) == {"view": "compare"}


def _app(monkeypatch, corpus: Path, **params) -> AppTest:
    monkeypatch.setenv("POLICYKG_DATA", str(corpus / "data"))
    monkeypatch.setenv("POLICYKG_CORPUS", str(corpus / "corpus"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_compare_view_draws_the_three_tables_and_offers_the_workbook(monkeypatch, corpus):
    at = _app(monkeypatch, corpus, view="compare", a=A, b=B)
    assert at.selectbox(key="cmp_a").value == A and at.selectbox(key="cmp_b").value == B
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["不再出现 gone"] == "5" and metrics["新出现 new"] == "5" and metrics["职责变化 changed"] == "2"
    assert metrics["共同引用 shared citations"] == "3"
    agencies, changes, cited = (d.value for d in at.dataframe)
    assert len(agencies) == 13 and len(changes) == 12 and len(cited) == 3
    amr = agencies[agencies["单位 agency"] == "广州市市场监督管理局"].iloc[0]
    assert amr["状态 status"] == "新出现 new" and amr["B 牵头"] == 2 and amr["B 任务 tasks"] == "牵头 t2、t3；配合 t5"
    assert [d.label for d in at.download_button] == ["Excel (.xlsx)"]
    assert at.query_params == {"view": "compare", "a": A, "b": B}
    at.selectbox(key="cmp_a").set_value(B).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["未变 same"] == "8"
    assert at.query_params == {"view": "compare", "a": B, "b": B}


def test_the_bureau_view_says_formerly_and_can_leave_predecessors_out(monkeypatch, corpus):
    at = _app(monkeypatch, corpus, agency="市市场监管局")
    assert {m.label: m.value for m in at.metric}["任务 units"] == "5"  # t2, t3 of A and t2, t3, t5 of B
    table = at.dataframe[0].value
    assert sorted(table["曾用名"]) == ["", "", "", "广州市工商行政管理局", "广州市工商行政管理局", "广州市质量技术监督局",
                                    "广州市食品药品监督管理局"]
    captions = "\n".join(c.value for c in at.caption)
    assert "曾用名 formerly 广州市工商行政管理局" in captions
    at.toggle(key="bureau_predecessors").set_value(False).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["任务 units"] == "3"
    assert "曾用名 formerly" not in "\n".join(c.value for c in at.caption)


# --------------------------------------------------------------------------- the gazetteer's successors


def test_every_successor_the_gazetteer_names_is_a_body_it_knows_and_no_chain_loops():
    from extract.gazetteer import agencies, agency_resolver

    r = agency_resolver()
    listed = [e for e in agencies() if e.successor]
    assert len(listed) >= 40
    for e in listed:
        seen = {e.id}
        nxt = r.get(e.successor)
        assert nxt is not None, f"{e.id}: unknown successor {e.successor}"
        while nxt is not None and nxt.successor:
            assert nxt.successor not in seen, f"{e.id}: successors loop at {nxt.successor}"
            seen.add(nxt.id)
            nxt = r.get(nxt.successor)


@pytest.mark.parametrize("year, name, old, new", [
    (2006, "人事部", "中华人民共和国人事部", "中华人民共和国人力资源和社会保障部"),
    (2006, "建设部", "中华人民共和国建设部", "中华人民共和国住房和城乡建设部"),
    (2010, "电监会", "国家电力监管委员会", "国家能源局"),
    (2016, "国务院法制办", "国务院法制办公室", "中华人民共和国司法部"),
    (2016, "工商总局", "国家工商行政管理总局", "国家市场监督管理总局"),
])
def test_a_national_plan_of_before_a_reform_names_bodies_whose_successor_is_known(year, name, old, new):
    from extract.gazetteer import agency_resolver

    r = agency_resolver("中国", year)
    e = r.resolve(name)
    assert e is not None and e.name == old and r.get(e.successor).name == new
