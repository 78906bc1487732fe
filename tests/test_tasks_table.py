"""The faceted task table (`graph.views.tasks`, `policykg tasks`, the app's 任务表 Tasks view), the links that
keep every view's state in the address (Back and Forward follow it), and citations in the app.

A made-up corpus of two plans: plan-y cites plan-x by its title; deadlines in 2023 and 2024.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from graph.errors import NotFound, QueryError, UnknownAgency
from graph.query import build, open_kg
from graph.views import links
from ontology.terms import ROLES
from graph.views.tasks import HEADER, check_selection, facet_rows, parse_sort, task_table

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
X, Y = "某市甲规划", "某市乙方案"
PLANS = {
    "plan-x": (X, "一、保护\n（一）执法\n"
                  "1.加强执法。（牵头单位：市版权局，配合单位：市公安局，完成时限：2023年底前）\n"
                  "2.开展专项行动。（牵头单位：市公安局，配合单位：市版权局）\n"
                  "（二）服务\n3.建设平台。（牵头单位：市市场监管局，完成时限：2024年）\n"
                  "二、运用\n（一）转化\n4.促进转化。（牵头单位：市版权局）\n"),
    "plan-y": (Y, "一、任务\n（一）落实\n"
                  "1.落实《某市甲规划》，推进执法。（牵头单位：市公安局，配合单位：市版权局，完成时限：2023年底前）\n"
                  "2.开展宣传。（责任单位：市市场监管局）\n"),
}
COPYRIGHT, POLICE, SAMR = "广州市版权局", "广州市公安局", "广州市市场监督管理局"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tasks")
    folder = root / "corpus"
    folder.mkdir()
    for stem, (title, text) in PLANS.items():
        (folder / f"{stem}.toml").write_text(f'jurisdiction = "广州市"\ntitle = "{title}"\n', encoding="utf-8")
        (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
    report = build([folder], root / "data")
    assert not report.rejected, report
    return folder


@pytest.fixture(scope="module")
def data(corpus) -> Path:
    return corpus.parent / "data"


@pytest.fixture(scope="module")
def kg(data):
    with open_kg(data, corpus=None) as kg:
        yield kg


def ids(view) -> list[str]:
    return [r["id"] for r in view.rows]


def counts(view, facet: str) -> dict[str, int]:
    return {v["value"]: v["count"] for v in view.facets[facet]}


# --------------------------------------------------------------------------- the view


def test_every_task_in_document_order_with_its_agencies_and_deadline(kg):
    view = task_table(kg)
    assert ids(view) == ["plan-x/t1", "plan-x/t2", "plan-x/t3", "plan-x/t4", "plan-y/t1", "plan-y/t2"]
    assert view.total == 6
    first = view.rows[0]
    assert (first["doc_title"], first["part_title"], first["section_title"]) == (X, "保护", "执法")
    assert (first["lead"], first["cooperate"], first["deadline"]) == ([COPYRIGHT], [POLICE], "2023年底前")
    assert view.rows[-1]["responsible"] == [SAMR] and view.rows[-1]["deadline"] == ""
    assert view.table[0] == HEADER
    assert view.table[1][:3] == ["plan-x/t1", "plan-x", X] and view.table[1][-1] == "2023年底前"


def test_facets_count_what_a_user_would_count(kg):
    view = task_table(kg)
    assert counts(view, "doc") == {"plan-x": 4, "plan-y": 2}
    assert counts(view, "role") == {"lead": 5, "cooperate": 3, "responsible": 1}
    assert counts(view, "agency") == {COPYRIGHT: 4, POLICE: 3, SAMR: 2}
    assert counts(view, "deadline") == {"2023": 2, "2024": 1, "none": 3}
    assert counts(view, "section") == {"plan-x/s1.1": 2, "plan-y/s1.1": 2, "plan-x/s1.2": 1, "plan-x/s2.1": 1}
    labels = {v["value"]: v["label"] for v in view.facets["part"]}
    assert labels["plan-x/p1"] == f"一、保护 · {X}"  # a corpus: each part names its document
    assert [v["value"] for v in view.facets["agency"]] == [COPYRIGHT, POLICE, SAMR]  # most rows first


def test_choosing_values_narrows_and_other_values_keep_their_counts(kg):
    view = task_table(kg, doc=["plan-x"])
    assert ids(view) == ["plan-x/t1", "plan-x/t2", "plan-x/t3", "plan-x/t4"]
    assert counts(view, "doc") == {"plan-x": 4, "plan-y": 2}  # what adding plan-y would give
    assert counts(view, "agency") == {COPYRIGHT: 3, POLICE: 2, SAMR: 1}  # within plan-x
    assert [v["selected"] for v in view.facets["doc"]] == [True, False]
    both = task_table(kg, doc=["plan-x", "plan-y"], deadline=["2023"])  # within a facet: any; across: all
    assert ids(both) == ["plan-x/t1", "plan-y/t1"]
    assert counts(both, "deadline") == {"2023": 2, "2024": 1, "none": 3}


SELECTIONS = [{}, {"doc": ["plan-x"]}, {"agency": [COPYRIGHT]}, {"role": ["cooperate"]},
              {"agency": [COPYRIGHT, SAMR], "role": ["lead"]}, {"deadline": ["none"], "doc": ["plan-y"]},
              {"part": ["plan-x/p1"], "role": ["lead", "cooperate"], "deadline": ["2023", "2024"]}]


@pytest.mark.parametrize("sel", SELECTIONS, ids=range(len(SELECTIONS)))
def test_each_count_is_the_rows_that_value_gives_alone_in_its_facet(kg, sel):
    """The definition of a count, checked against the table itself for every value listed."""
    view = task_table(kg, **sel)
    for facet, values in view.facets.items():
        for v in values:
            assert v["count"] == len(task_table(kg, **{**sel, facet: [v["value"]]}).rows), (facet, v)
    # the rows kept: those each facet alone keeps (any of its values), the agencies in the roles chosen
    alone = [{r["id"] for x in vs for r in task_table(kg, **{f: [x]}).rows} for f, vs in sel.items()
             if f not in ("role", "agency")]
    roles, agencies = sel.get("role") or ROLES, sel.get("agency")
    paired = {r["id"] for r in task_table(kg).rows
              if any(not agencies or a in agencies for role in roles for a in r[role])}
    assert {r["id"] for r in view.rows} == set.intersection(paired if "role" in sel or "agency" in sel
                                                            else {r["id"] for r in task_table(kg).rows}, *alone)


def test_role_with_agency_is_the_agency_in_that_role(kg):
    view = task_table(kg, agency=[COPYRIGHT], role=["cooperate"])
    assert ids(view) == ["plan-x/t2", "plan-y/t1"]
    assert counts(view, "role") == {"lead": 2, "cooperate": 2}  # 版权局's roles
    assert counts(view, "agency") == {POLICE: 1, COPYRIGHT: 2}  # who cooperates
    assert ids(task_table(kg, agency=[POLICE, SAMR], role=["lead"])) == ["plan-x/t2", "plan-x/t3", "plan-y/t1"]
    assert ids(task_table(kg, role=["responsible"])) == ["plan-y/t2"]


def test_a_chosen_value_that_gives_nothing_stays_listed(kg):
    view = task_table(kg, doc=["plan-y"], part=["plan-x/p2"])
    assert view.rows == ()
    assert {v["value"]: (v["count"], v["selected"]) for v in view.facets["part"]}["plan-x/p2"] == (0, True)
    assert [v for v in task_table(kg, role=["guide"]).facets["role"] if v["value"] == "guide"] == [
        {"value": "guide", "label": "指导 guide", "count": 0, "selected": True}]


@pytest.mark.parametrize("sort,expected", [
    ("deadline", ["plan-x/t1", "plan-y/t1", "plan-x/t3", "plan-x/t2", "plan-x/t4", "plan-y/t2"]),
    ("-deadline", ["plan-x/t3", "plan-x/t1", "plan-y/t1", "plan-x/t2", "plan-x/t4", "plan-y/t2"]),
    ("doc", ["plan-y/t1", "plan-y/t2", "plan-x/t1", "plan-x/t2", "plan-x/t3", "plan-x/t4"]),  # 乙 < 甲
    ("agencies", ["plan-x/t3", "plan-x/t4", "plan-y/t2", "plan-x/t1", "plan-x/t2", "plan-y/t1"]),
    ("-order", ["plan-y/t2", "plan-y/t1", "plan-x/t4", "plan-x/t3", "plan-x/t2", "plan-x/t1"]),
])
def test_sorts_keep_document_order_among_ties(kg, sort, expected):
    assert ids(task_table(kg, sort=sort)) == expected


def test_bad_values_are_one_line_errors(kg):
    with pytest.raises(QueryError, match="unknown sort 'when'"):
        parse_sort("when")
    with pytest.raises(QueryError, match="unknown facet 'year'"):
        task_table(kg, year=["2023"])
    with pytest.raises(UnknownAgency):
        check_selection(kg, agency=["市无此局"])
    with pytest.raises(NotFound):
        check_selection(kg, part=["p9"])
    with pytest.raises(QueryError, match="no unit has the deadline '2030'"):
        check_selection(kg, deadline=["2030"])


def test_what_a_user_types_becomes_facet_values(kg):
    assert check_selection(kg, doc=[Y], agency=["市版权局"], role="lead", section=["plan-x/s1.2"], deadline=["none"]) == {
        "doc": ["plan-y"], "section": ["plan-x/s1.2"], "role": ["lead"], "agency": [COPYRIGHT], "deadline": ["none"]}


# --------------------------------------------------------------------------- the CLI twin


def run(*args):
    env = {k: v for k, v in os.environ.items() if k != "POLICYKG_DATA"}
    return subprocess.run([sys.executable, "-m", "graph.cli", "tasks", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


def test_cli_prints_the_rows_the_view_keeps(data, kg):
    r = run("--data", data, "--agency", "市版权局", "--role", "cooperate", "--format", "csv")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [x["id"] for x in rows] == ids(task_table(kg, agency=[COPYRIGHT], role=["cooperate"]))
    assert rows[1]["doc_title"] == Y and rows[1]["lead"] == POLICE and rows[1]["deadline"] == "2023年底前"
    table = run("--data", data, "--doc", "plan-y")
    assert table.returncode == 0 and table.stdout.startswith("2 of 6 tasks and measures")
    assert "负责 广州市市场监督管理局" in table.stdout


def test_cli_facets_and_sort(data, kg):
    r = run("--data", data, "--doc", "plan-x", "--facets", "--format", "json")
    assert r.returncode == 0, r.stderr
    facets = json.loads(r.stdout)
    assert {v["value"]: v["count"] for v in facets["agency"]} == {COPYRIGHT: 3, POLICE: 2, SAMR: 1}
    assert facet_rows(task_table(kg, doc=["plan-x"]))[0] == {"facet": "doc", **facets["doc"][0]}
    r = run("--data", data, "--sort", "deadline", "--desc", "--format", "json")
    assert [x["id"] for x in json.loads(r.stdout)][:3] == ["plan-x/t3", "plan-x/t1", "plan-y/t1"]


def test_cli_writes_xlsx_to_a_file(data, tmp_path):
    out = tmp_path / "tasks.xlsx"
    r = run("--data", data, "--deadline", "2023", "--format", "xlsx", "-o", out)
    assert r.returncode == 0, r.stderr
    sheet = load_workbook(out).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "id" and [v[0] for v in values[1:]] == ["plan-x/t1", "plan-y/t1"]


@pytest.mark.parametrize("args,message", [
    (["--agency", "市无此局"], "unknown agency '市无此局'"),
    (["--sort", "when"], "unknown sort 'when'"),
    (["--doc", "plan-z"], "unknown document 'plan-z'"),
    (["--role", "boss"], "unknown role 'boss'"),
])
def test_cli_bad_values_are_one_line(data, args, message):
    r = run("--data", data, *args)
    assert r.returncode == 1 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


# --------------------------------------------------------------------------- links


LINKS = [  # a view's state → its address, and back
    ("tasks", {"tasks_doc": ["plan-x"], "tasks_role": ["lead", "cooperate"], "tasks_sort": "-deadline"},
     {"view": "tasks", "doc": "plan-x", "role": ["lead", "cooperate"], "sort": "-deadline"}),
    ("tasks", {}, {"view": "tasks"}),
    ("bureau", {"agency": "市版权局", "roles": ["lead"], "bureau_year": 2021, "bureau_predecessors": False},
     {"agency": "市版权局", "role": "lead", "year": "2021", "predecessors": "0"}),
    ("compare", {"cmp_a": "plan-x", "cmp_b": "plan-y"}, {"view": "compare", "a": "plan-x", "b": "plan-y"}),
    ("overview", {"doc": "plan-y"}, {"view": "overview", "doc": "plan-y"}),
    ("network", {"net_mode": "collaboration", "net_limit": 40, "net_roles": ["lead"], "net_min_collaboration": 3},
     {"view": "network", "mode": "collaboration", "limit": "40", "role": "lead", "min": "3"}),
    ("query", {"sparql": "ASK { ?s ?p ?o }"}, {"view": "query", "q": "ASK { ?s ?p ?o }"}),
    ("export", {"exp_scope": "task", "exp_task": "plan-x/t1", "exp_depth": 2, "exp_format": "trig"},
     {"view": "export", "scope": "task", "ref": "plan-x/t1", "depth": "2", "format": "trig"}),
]


@pytest.mark.parametrize("view,state,url", LINKS, ids=[f"{v}-{i}" for i, (v, _, _) in enumerate(LINKS)])
def test_every_views_state_makes_an_address_that_gives_it_back(view, state, url):
    assert links.url_for(view, state) == url
    back = links.state_from_url(url)
    assert back["view"] == view
    assert {k: v for k, v in back.items() if v not in (None, [])} == {**state, "view": view}
    assert links.url_for(view, back) == url


def test_a_canned_query_link_binds_its_parameters():
    state = links.state_from_url({"view": "query", "canned": "agency-cooperates", "name": "市公安局"})
    assert state["canned"] == "agency-cooperates" and state["param-agency-cooperates-name"] == "市公安局"
    assert state["sparql"].rstrip().endswith('VALUES (?name) { ("市公安局") }')
    assert links.url_for("query", state) == {"view": "query", "canned": "agency-cooperates", "name": "市公安局"}
    assert links.url_for("query", {"sparql": links.default_sparql()}) == {"view": "query"}


def test_malformed_links_are_ignored():
    assert links.state_from_url({"view": "nowhere"})["view"] == "overview"
    assert links.state_from_url({"view": "tasks", "sort": "when"})["tasks_sort"] is None
    assert links.state_from_url({"view": "network", "limit": "x", "mode": "?"})["net_limit"] is None
    assert links.state_from_url({"view": "query", "canned": "no-such-query"})["sparql"] is None


# --------------------------------------------------------------------------- the app


@pytest.fixture
def app(monkeypatch, data, corpus):
    monkeypatch.setenv("POLICYKG_DATA", str(data))
    monkeypatch.setenv("POLICYKG_CORPUS", str(corpus))

    def open_app(**params) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        for k, v in params.items():
            at.query_params[k] = v
        return ok(at.run())

    return open_app


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def table_ids(at: AppTest) -> list[str]:
    (frame,) = at.dataframe
    return list(frame.value["任务编号"])


def test_tasks_view_facets_narrow_the_table_and_go_in_the_address(app):
    at = app(view="tasks")
    assert table_ids(at) == ["plan-x/t1", "plan-x/t2", "plan-x/t3", "plan-x/t4", "plan-y/t1", "plan-y/t2"]
    agency = at.multiselect(key="tasks_agency")
    assert agency.options == [f"{COPYRIGHT}（4）", f"{POLICE}（3）", f"{SAMR}（2）"]  # each value with its count
    agency.set_value([COPYRIGHT]).run()
    at.multiselect(key="tasks_role").set_value(["cooperate"]).run()
    ok(at)
    assert table_ids(at) == ["plan-x/t2", "plan-y/t1"]
    assert at.multiselect(key="tasks_role").options == ["牵头 lead（2）", "配合 cooperate（2）"]
    assert at.query_params == {"view": "tasks", "role": "cooperate", "agency": COPYRIGHT}
    assert "2 / 6" in " ".join(c.value for c in at.caption)


def test_tasks_view_sorts_and_offers_its_rows_as_csv_and_xlsx(app):
    at = app(view="tasks", deadline="2023", sort="doc")
    assert table_ids(at) == ["plan-y/t1", "plan-x/t1"]  # the bytes: tests/test_browser.py downloads them
    assert [d.label for d in at.download_button] == ["CSV", "Excel (.xlsx)"]
    at.selectbox(key="tasks_sort").set_value("deadline").run()
    assert ok(at).query_params == {"view": "tasks", "deadline": "2023", "sort": "deadline"}


def test_a_tasks_link_opens_the_view_with_its_facets(app):
    at = app(view="tasks", doc="plan-x", role=["lead", "cooperate"], agency=POLICE)
    assert at.session_state["view"] == "tasks"
    assert at.multiselect(key="tasks_role").value == ["lead", "cooperate"]
    assert table_ids(at) == ["plan-x/t1", "plan-x/t2"]


def test_back_and_forward_follow_the_address(app):
    """The browser's Back reruns the script with the address of the entry it returns to: the app follows it."""
    at = app(view="tasks", agency=POLICE)
    tasks_url = dict(at.query_params)
    at.radio(key="view").set_value("bureau").run()
    at.selectbox(key="agency").set_value("市版权局").run()
    bureau_url = dict(ok(at).query_params)
    assert bureau_url == {"agency": "市版权局"}
    at.radio(key="view").set_value("query").run()
    at.text_area(key="sparql").input("ASK { ?s ?p ?o }").run()
    assert ok(at).query_params == {"view": "query", "q": "ASK { ?s ?p ?o }"}
    for url, view in ((bureau_url, "bureau"), (tasks_url, "tasks")):  # Back, Back
        at.query_params.clear()
        at.query_params.update(url)
        ok(at.run())
        assert at.session_state["view"] == view and dict(at.query_params) == url
    assert table_ids(at) == ["plan-x/t1", "plan-x/t2", "plan-y/t1"] and at.multiselect(key="tasks_agency").value == [POLICE]
    at.query_params.clear()
    at.query_params.update({"view": "query", "q": "ASK { ?s ?p ?o }"})  # Forward to the query
    ok(at.run())
    assert at.session_state["view"] == "query" and at.text_area(key="sparql").value == "ASK { ?s ?p ?o }"


def test_an_address_without_a_views_option_puts_it_back_to_its_default(app):
    at = app(agency="市版权局")
    at.button_group(key="roles").set_value(["cooperate"]).run()
    assert ok(at).query_params == {"agency": "市版权局", "role": "cooperate"}
    at.query_params.clear()
    at.query_params.update({"agency": "市版权局"})  # Back to the address before the roles were chosen
    assert ok(at.run()).button_group(key="roles").value == ["lead", "cooperate", "responsible", "guide"]


def test_a_query_permalink_fills_the_form(app):
    at = app(view="query", canned="agency-cooperates", name="市公安局")
    assert at.selectbox(key="canned").value == "agency-cooperates"
    assert at.text_input(key="param-agency-cooperates-name").value == "市公安局"
    assert '("市公安局")' in at.text_area(key="sparql").value
    at.button(key="run-sparql").click().run()
    ok(at)
    assert at.query_params == {"view": "query", "canned": "agency-cooperates", "name": "市公安局"}


def buttons(at: AppTest) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", b.label) for b in at.button]


def test_the_overview_lists_cites_and_cited_by_with_links(app):
    at = app(view="overview", doc="plan-x")
    assert "被引 Cited by" in [s.value for s in at.subheader]
    assert Y in buttons(at) and "↳ plan-y/t1" in buttons(at)
    next(b for b in at.button if re.sub(r"\\(.)", r"\1", b.label) == Y).click().run()
    ok(at)
    assert at.query_params == {"view": "overview", "doc": "plan-y"}
    assert f"《{X}》 → {X}" in buttons(at)  # plan-y cites plan-x, which opens it
    next(b for b in at.button if re.sub(r"\\(.)", r"\1", b.label) == f"《{X}》 → {X}").click().run()
    assert ok(at).query_params == {"view": "overview", "doc": "plan-x"}


def test_the_task_view_links_a_reference_to_its_document(app):
    at = app(task="plan-y/t1")
    label = f"《{X}》 → {X}"
    assert label in buttons(at)
    next(b for b in at.button if re.sub(r"\\(.)", r"\1", b.label) == label).click().run()
    ok(at)
    assert at.session_state["view"] == "overview" and at.query_params == {"view": "overview", "doc": "plan-x"}
    assert [h.value for h in at.header] == [X]
