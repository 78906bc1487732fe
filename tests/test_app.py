"""Drive every view of app.py with Streamlit's AppTest, on the seed plan and on a hostile one.

Each test builds (once per module) a store in a temporary folder: never the repository's ./data.
"""

from __future__ import annotations

import csv
import shutil
import io
import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from graph import export as ex  # noqa: E402
from graph import viz  # noqa: E402
from graph.query import open_kg  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
CORPUS = ROOT / "corpus"
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"
SEED = "guangzhou-ip-plan-2021-2025"
EVIL = "<img src=x onerror=alert(1)>"
LIVE_TAG = re.compile(r"(?<!\\)<\s*/?\s*(img|svg|script)", re.I)  # a tag markdown would not escape
# What GFM autolinks once markdown has undone its escapes: a URL, a www. name, an e-mail address.
AUTOLINK = re.compile(r"(?i)[a-z]://|www\.|\w@\w")
URL_AGENCY = "http://evil.invalid/x[x](http://evil.invalid/a)![x](http://evil.invalid/b.png)中心"


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("seed-data")
    open_kg(data, CORPUS).close()
    return data


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("hostile-data")
    open_kg(data, HOSTILE).close()
    return data


def _app(monkeypatch, data: Path, corpus: Path, **params: str) -> AppTest:
    monkeypatch.setenv("POLICYKG_DATA", str(data))
    monkeypatch.setenv("POLICYKG_CORPUS", str(corpus))
    at = AppTest.from_file(str(APP), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


@pytest.fixture
def app(monkeypatch, seed_store):
    """Return a function that opens the app on the seed plan, with optional query parameters."""
    return lambda **params: _app(monkeypatch, seed_store, CORPUS, **params)


@pytest.fixture
def hostile_app(monkeypatch, hostile_store):
    return lambda **params: _app(monkeypatch, hostile_store, HOSTILE, **params)


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Return everything written as markdown, captions, headings and button labels, joined."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [h.value for h in at.header] + [h.value for h in at.subheader]
    parts += [b.label for b in at.button]
    return "\n".join(parts)


def button(at: AppTest, pattern: str):
    """Return the first button whose label matches `pattern` (a regex on the unescaped label)."""
    for b in at.button:
        if re.search(pattern, unescape_md(b.label)):
            return b
    raise AssertionError(f"no button matching {pattern!r} in {[b.label for b in at.button][:20]}")


def unescape_md(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# --------------------------------------------------------------------------- overview


def test_overview_opens_on_the_seed_with_counts_tree_indicators_and_chart(app):
    at = ok(app())
    assert at.session_state["view"] == "overview"
    assert [h.value for h in at.header] == ["广州市知识产权保护和运用“十四五”规划"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["任务 tasks"] == "50" and metrics["专栏 boxes"] == "8" and metrics["指标 indicators"] == "11"
    assert metrics["部分 parts"] == "9"
    labels = [unescape_md(e.label) for e in at.expander]
    assert "三、强化高标准知识产权保护" in labels
    table, bars = (h.value for h in at.html if "pk-table" in h.value), (h.value for h in at.html if "pk-bars" in h.value)
    table, bars = next(table), next(bars)
    assert table.count("<tr>") == 12 and "<td>每万人口高价值发明专利拥有量</td>" in table
    assert "广州市市场监督管理局" in bars and bars.count('title="广州市市场监督管理局 · 牵头 41"') == 1
    assert at.query_params == {"view": "overview"}


def test_outline_task_opens_the_task_view(app):
    at = ok(app())
    button(at, r"^1 完善知识产权法规规章$").click().run()
    ok(at)
    assert at.session_state["view"] == "task"
    assert at.query_params == {"task": f"{SEED}/t1"}
    assert unescape_md(at.subheader[0].value) == "1 完善知识产权法规规章"


# --------------------------------------------------------------------------- my bureau


def test_picking_a_bureau_lists_its_tasks_with_partners_and_clauses(app):
    at = ok(app())
    at.radio(key="view").set_value("bureau").run()
    assert at.query_params == {"view": "bureau"}
    at.selectbox(key="agency").set_value("市市场监管局").run()
    ok(at)
    assert at.query_params == {"agency": "市市场监管局"}
    assert unescape_md(at.subheader[0].value) == "广州市市场监督管理局"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["任务 units"] == "51" and metrics["牵头 lead"] == "41"
    table = at.dataframe[0].value
    assert list(table.columns) == ex.BUREAU_HEADER
    assert len(table) == 51
    assert set(table["职责"]) == {"牵头", "配合", "负责"}
    page = unescape_md(texts(at))
    assert "（牵头单位：市市场监管局、市版权局，配合单位：市人大法制委、市知识产权工作领导小组成员单位）" in page
    assert "广州市版权局（牵头）" in page  # a partner with its role
    labels = [d.label for d in at.download_button]
    assert labels == ["CSV", "Excel (.xlsx)", "Turtle", "JSON-LD"]


def test_a_bureau_with_more_tasks_than_a_page_shows_them_a_page_at_a_time(app):
    at = ok(app(view="bureau", agency="市市场监管局"))
    table = at.dataframe[0].value  # the table holds all 51 rows; the cards come 25 at a time
    cards = [b for b in at.button if b.key.startswith("bureau-")]
    assert len(table) == 51 and len(cards) == 25
    assert [c.key.split("-", 2)[2] for c in cards] == list(table["任务编号"][:25])
    page = next(n for n in at.number_input if n.key.startswith("bureau_page:"))
    assert "共 3 页" in page.label
    page.set_value(3).run()
    ok(at)
    cards = [b for b in at.button if b.key.startswith("bureau-")]
    assert [c.key for c in cards] == [f"bureau-50-{table['任务编号'][50]}"]
    assert "第 51–51 条，共 51 条" in texts(at)
    assert not at.dataframe[1:]  # the partner list waits for its toggle
    at.toggle(key="bureau_partners").set_value(True).run()
    partners = at.dataframe[1].value
    assert "广州市版权局" in set(partners["单位 agency"])


@pytest.mark.parametrize("name", ["市市场监管局", "广州市市场监督管理局（知识产权局）", "市知识产权局"])
def test_any_name_or_alias_opens_the_same_bureau(app, name):
    at = ok(app(agency=name))
    assert at.session_state["view"] == "bureau"
    assert unescape_md(at.subheader[0].value) == "广州市市场监督管理局"


def test_role_filter_keeps_only_those_roles(app):
    at = ok(app(agency="市版权局"))
    assert {m.label: m.value for m in at.metric}["任务 units"] == "16"
    at.button_group(key="roles").set_value(["lead"]).run()
    ok(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["任务 units"] == "5" and metrics["配合 cooperate"] == "0"
    assert set(at.dataframe[0].value["职责"]) == {"牵头"}
    at.button_group(key="roles").set_value([]).run()
    assert ok(at).info and not at.dataframe


def test_a_typo_gets_suggestions_and_a_suggestion_resolves(app):
    at = ok(app(agency="市场监管据"))
    assert at.warning and "市场监管据" in unescape_md(at.warning[0].value)
    suggestions = [b for b in at.button if b.key and b.key.startswith("suggest-")]
    assert "市市场监管局" in [unescape_md(b.label) for b in suggestions]
    button(at, r"^市市场监管局$").click().run()
    ok(at)
    assert unescape_md(at.subheader[0].value) == "广州市市场监督管理局"
    assert at.query_params == {"agency": "市市场监管局"}


def test_bureau_to_task_by_click_and_back_to_an_agency(app):
    at = ok(app(agency="市版权局"))
    button(at, r"^1 完善知识产权法规规章$").click().run()
    ok(at)
    assert at.query_params == {"task": f"{SEED}/t1"}
    # the agency buttons of the task lead back to a bureau
    button(at, r"^广州市市场监督管理局").click().run()
    ok(at)
    assert at.session_state["view"] == "bureau"
    assert unescape_md(at.subheader[0].value) == "广州市市场监督管理局"


def test_selection_survives_switching_views(app):
    at = ok(app(agency="市版权局"))
    at.button_group(key="roles").set_value(["cooperate"]).run()
    at.radio(key="view").set_value("overview").run()
    at.radio(key="view").set_value("bureau").run()
    ok(at)
    assert at.selectbox(key="agency").value == "市版权局"
    assert at.button_group(key="roles").value == ["cooperate"]
    assert at.query_params == {"agency": "市版权局", "role": "cooperate"}  # the roles chosen are in the link


def test_bureau_downloads_are_the_bureau_table():
    """The CSV and Excel bytes the bureau view offers: the 分工表, formulas neutralized."""
    rows = [{"doc": "d", "part_title": "部", "section_title": "=1+1", "number": "1", "kind": "task",
             "title": "@SUM(A1)", "role": "lead", "name_as_written": "-x", "partners": [], "clause": "+c",
             "task": "d/t1"}]
    table = ex.bureau_table(rows)
    parsed = list(csv.reader(io.StringIO(ex.to_csv(table))))
    assert parsed[0] == ex.BUREAU_HEADER
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in parsed[1])


# --------------------------------------------------------------------------- task


def test_task_deep_link_shows_text_highlighted_agencies_and_connections(app):
    at = ok(app(task=f"{SEED}/t1"))
    assert at.session_state["view"] == "task"
    body = at.html[0].value
    assert 'class="pk-clause"' in body and 'class="pk-role-lead"' in body
    assert 'class="pk-reference"' in body and "《民法典》" in body
    plain = re.sub(r"<[^>]+>", "", body)
    assert "完善知识产权法规规章" in plain
    page = unescape_md(texts(at))
    assert "牵头 lead" in page and "广州市人民代表大会法制委员会（市人大法制委）" in page
    assert "2 健全知识产权保护政策 · 2.08" in page  # connected, with its weight (the specificity of what they share)
    assert "same section: 完善知识产权法规政策体系" in page
    button(at, r"^2 健全知识产权保护政策").click().run()
    assert ok(at).query_params == {"task": f"{SEED}/t2"}


def test_task_with_boxes_and_a_bare_number_deep_link(app):
    at = ok(app(task="t6"))  # a bare key resolves to the record id
    assert at.session_state["task"] == f"{SEED}/t6"
    assert any("专栏" in unescape_md(e.label) for e in at.expander)


def test_unknown_task_deep_link_warns(app):
    at = ok(app(task="no-such-task"))
    assert at.warning and "no-such-task" in unescape_md(at.warning[0].value)


# --------------------------------------------------------------------------- network


@pytest.mark.parametrize("mode", ["bipartite", "collaboration", "tasks"])
def test_network_views_draw_offline_with_centrality(app, mode):
    at = ok(app(view="network"))
    at.radio(key="net_mode").set_value(mode).run()
    ok(at)
    (frame,) = at.get("iframe")
    page = frame.proto.srcdoc
    assert "vis.Network" in page and viz.external_resources(page) == []
    assert not re.search(r"<(script|link)[^>]+(src|href)\s*=\s*[\"']?(https?:)?//", page)
    central = at.dataframe[0].value
    assert len(central) > 5
    assert list(central["加权度"]) == sorted(central["加权度"], reverse=True)
    if mode != "tasks":
        assert central["节点"].iloc[0] == "广州市市场监督管理局"


def test_network_filters_and_limit(app):
    at = ok(app(view="network"))
    full = at.get("iframe")[0].proto.srcdoc
    at.multiselect(key="net_roles").set_value(["guide"]).run()
    ok(at)
    only_guide = at.get("iframe")[0].proto.srcdoc if at.get("iframe") else ""
    assert only_guide != full
    at.multiselect(key="net_roles").set_value([]).run()
    at.slider(key="net_limit").set_value(20).run()
    ok(at)
    assert any("20" in c.value for c in at.caption)
    page = at.get("iframe")[0].proto.srcdoc
    assert "20 nodes" in page


def test_network_open_goes_to_the_node(app):
    at = ok(app(view="network"))
    at.selectbox(key="net_open").set_value(0).run()
    at.button(key="net-go").click().run()
    ok(at)
    assert at.session_state["view"] == "bureau"
    assert unescape_md(at.subheader[0].value) == "广州市市场监督管理局"


# --------------------------------------------------------------------------- query


def test_canned_query_runs_and_offers_csv(app):
    at = ok(app(view="query"))
    at.selectbox(key="canned").set_value("agencies-by-role").run()
    assert "SELECT" in at.text_area(key="sparql").value.upper()
    at.button(key="run-sparql").click().run()
    ok(at)
    result = at.dataframe[0].value
    assert len(result) > 5
    assert [d.label for d in at.download_button] == ["下载 CSV"]


def test_row_limit_truncates(app):
    at = ok(app(view="query"))
    at.text_area(key="sparql").set_value("SELECT ?s ?p ?o WHERE { ?s ?p ?o }").run()
    at.number_input(key="sparql_limit").set_value(7).run()
    at.button(key="run-sparql").click().run()
    ok(at)
    assert len(at.dataframe[0].value) == 7
    assert any("7" in c.value for c in at.caption)


def test_malformed_query_shows_its_error_not_a_traceback(app):
    at = ok(app(view="query"))
    at.text_area(key="sparql").set_value("SELECT ?s WHERE { ?s ?p }}").run()
    at.button(key="run-sparql").click().run()
    ok(at)
    assert at.error and "malformed" in unescape_md(at.error[0].value).lower()
    assert not at.dataframe


def test_the_query_box_cannot_modify_the_store(app):
    at = ok(app(view="query"))
    insert = 'INSERT DATA { GRAPH <urn:x> { <urn:a> <urn:b> "pwned" } }'
    at.text_area(key="sparql").set_value(insert).run()
    at.button(key="run-sparql").click().run()
    assert ok(at).error
    at.text_area(key="sparql").set_value('ASK { GRAPH ?g { ?s ?p "pwned" } }').run()
    at.button(key="run-sparql").click().run()
    assert [m.value for m in ok(at).metric] == ["false"]


# --------------------------------------------------------------------------- export


@pytest.mark.parametrize("scope,fmt", [("all", "trig"), ("agency", "turtle"), ("task", "json-ld"),
                                       ("section", "graphml"), ("doc", "agency-matrix")])
def test_export_offers_a_download_for_every_scope(app, scope, fmt):
    at = ok(app(view="export"))
    at.radio(key="exp_scope").set_value(scope).run()
    at.selectbox(key="exp_format").set_value(fmt).run()
    ok(at)
    (dl,) = at.download_button
    assert dl.label.endswith("." + ex.FORMATS[fmt].extension)


# --------------------------------------------------------------------------- hostile names


def _no_live_markup(at: AppTest) -> None:
    """Document text is escaped wherever the page would read it as markup."""
    markdown = [m.value for m in [*at.markdown, *at.caption, *at.header, *at.subheader, *at.warning]]
    markdown += [b.label for b in at.button] + [e.label for e in at.expander]
    for text in markdown:
        assert not LIVE_TAG.search(text), text
        assert not AUTOLINK.search(unescape_md(text)), text
    for h in at.html:
        assert "<img" not in h.value and "<svg" not in h.value and "<script" not in h.value
    for f in at.get("iframe"):
        page = f.proto.srcdoc
        assert "<img" not in page and "<svg" not in page and viz.external_resources(page) == []


@pytest.mark.parametrize("params", [{}, {"agency": EVIL}, {"task": "hostile-plan/t1"}, {"view": "network"},
                                    {"view": "export"}, {"agency": URL_AGENCY}, {"task": "hostile-plan/t4"},
                                    {"agency": "市版权局"}, {"view": "tasks"}])
def test_hostile_names_show_as_text_in_every_view(hostile_app, params):
    at = ok(hostile_app(**params))
    _no_live_markup(at)
    shown = unescape_md(texts(at)) + "".join(re.sub(r"<[^>]+>", "", h.value) for h in at.html)
    if params.get("agency") == EVIL:
        assert unescape_md(at.subheader[0].value) == EVIL  # the name, literally
        assert EVIL in set(at.dataframe[0].value["原文写法"])
    if params.get("task") == "hostile-plan/t4":
        assert "4 建设http://evil.invalid/x平台[x](http://evil.invalid/a)与![x](http://evil.invalid/b.png)工程" in \
            unescape_md(at.subheader[0].value).replace(viz.WORD_JOINER, "")
    if params.get("task") == "hostile-plan/t1":
        assert "建设<img src=x onerror=alert(1)>平台" in shown.replace("&lt;", "<").replace("&gt;", ">")
        assert "专栏 1 <img src=x onerror=alert(1)>工程" in [unescape_md(e.label) for e in at.expander]
    if not params:
        assert "（一）<svg onload=window.__pwned=1>节" in shown
        shown = shown.replace(viz.WORD_JOINER, "")
        assert "（三）http://evil.invalid/x 链接[x](http://evil.invalid/a)图片![x](http://evil.invalid/b.png)节" in shown
    if params.get("agency") == URL_AGENCY:
        assert unescape_md(at.subheader[0].value).replace(viz.WORD_JOINER, "") == URL_AGENCY
    if params.get("view") == "tasks":  # the names as written: in the table's cells and the facets' options
        frame = at.dataframe[0].value
        assert any(EVIL in cell for col in ("牵头", "配合", "负责", "指导") for cell in frame[col])
        assert any(o.startswith(EVIL) for o in at.multiselect(key="tasks_agency").options)


@pytest.mark.parametrize("name", [EVIL, URL_AGENCY, "../../etc/passwd", "=HYPERLINK(\"http://example.invalid\")", ""])
def test_download_names_from_document_text_carry_no_markup_path_or_url(name):
    stem = viz.file_stem(name)
    assert stem and re.fullmatch(r"[\w（）-]+", stem), stem
    assert "//" not in stem and not stem.startswith(".")


def test_hostile_network_views(hostile_app):
    at = ok(hostile_app(view="network"))
    assert EVIL in set(at.dataframe[0].value["节点"])  # the centrality table shows the name as text
    for mode in ("bipartite", "collaboration", "tasks"):
        at.radio(key="net_mode").set_value(mode).run()
        _no_live_markup(ok(at))


def test_hostile_bureau_table_neutralizes_formulas(hostile_store):
    with open_kg(hostile_store, HOSTILE) as kg:
        rows = kg.agency_tasks("市版权局")
    table = ex.bureau_table(rows)
    section = ex.BUREAU_HEADER.index("章节")
    assert any(line[section].startswith("=HYPERLINK") for line in table[1:])  # the section title, as written
    for line in csv.reader(io.StringIO(ex.to_csv(table))):
        assert all(not cell.startswith(("=", "+", "-", "@")) for cell in line)


def test_network_deep_link_sets_mode_and_limit(app):
    at = ok(app(view="network", mode="collaboration", limit="40"))
    assert at.radio(key="net_mode").value == "collaboration"
    assert at.slider(key="net_limit").value == 40
    assert at.query_params == {"view": "network", "mode": "collaboration", "limit": "40"}


# --------------------------------------------------------------------------- administration


def _version(at: AppTest) -> str:
    return next(c.value for c in at.sidebar.caption if "版本" in c.value).rsplit(" ", 1)[-1].replace("\\", "")


def test_visitors_cannot_reload_or_rebuild(monkeypatch, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(HOSTILE, corpus)
    data = tmp_path / "data"
    open_kg(data, corpus).close()
    monkeypatch.delenv("POLICYKG_ADMIN", raising=False)
    at = ok(_app(monkeypatch, data, corpus))
    assert "reload" not in [b.key for b in at.button]
    before = _version(at)
    plan = corpus / "hostile-plan.txt"
    plan.write_text(plan.read_text(encoding="utf-8") + "\n5.新增任务。（牵头单位：市版权局）\n", encoding="utf-8")
    st.cache_resource.clear()  # a fresh server process, as after a restart
    at = ok(_app(monkeypatch, data, corpus))  # a new session on a stale store: it reads, it does not build
    assert _version(at) == before


def test_an_admin_server_rebuilds_a_stale_store_and_offers_reload(monkeypatch, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(HOSTILE, corpus)
    data = tmp_path / "data"
    open_kg(data, corpus).close()
    plan = corpus / "hostile-plan.txt"
    plan.write_text(plan.read_text(encoding="utf-8") + "\n5.新增任务。（牵头单位：市版权局）\n", encoding="utf-8")
    monkeypatch.setenv("POLICYKG_ADMIN", "1")
    at = ok(_app(monkeypatch, data, corpus))
    assert _version(at) != "v000001"
    at.button(key="reload").click().run()
    ok(at)


def test_in_a_corpus_my_bureau_names_each_document_and_filters_by_year(monkeypatch, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for stem, year, task in (("plan-a", 2021, "做好甲事"), ("plan-b", 2023, "做好乙事")):
        (corpus / f"{stem}.txt").write_text(f"{stem}规划\n一、任务\n（一）保护\n1.{task}。（牵头单位：市版权局）\n", encoding="utf-8")
        (corpus / f"{stem}.toml").write_text(f'jurisdiction = "广州市"\nperiod_start = {year}\ndrafted_by = "市商务局"\n',
                                              encoding="utf-8")
    at = ok(_app(monkeypatch, tmp_path / "data", corpus, agency="市版权局"))
    table = at.dataframe[0].value
    assert sorted(zip(table["文件标题"], table["年份"], table["发文单位"], table["任务"])) == [
        ("plan-a规划", 2021, "广州市商务局", "做好甲事"), ("plan-b规划", 2023, "广州市商务局", "做好乙事")]
    at.selectbox(key="bureau_year").set_value(2023).run()
    assert list(ok(at).dataframe[0].value["任务"]) == ["做好乙事"]
    assert "plan-b规划" in unescape_md(texts(at))  # the task's caption names its document


def test_search_finds_units_highlights_the_words_and_opens_a_task(app):
    at = ok(app(view="search"))
    at.text_input(key="search_q").set_value("知识产权质押").run()
    ok(at)
    hits = [b for b in at.button if b.key and b.key.startswith("hit-")]
    assert hits, "no hit for 知识产权质押"
    assert any("**知识产权质押**" in m.value for m in at.markdown)  # the words found, in bold
    assert at.query_params == {"view": "search", "q": "知识产权质押"}
    hits[0].click().run()
    assert ok(at).session_state["view"] == "task"
    assert at.query_params == {"task": hits[0].key[len("hit-"):]}


def test_search_deep_link_and_a_query_without_words(app):
    at = ok(app(view="search", q="市版权局"))
    assert [b for b in at.button if b.key and b.key.startswith("hit-")]
    at.text_input(key="search_q").set_value("，。").run()
    assert ok(at).warning


def test_the_query_view_keeps_the_users_text_across_views(app):
    at = ok(app(view="query"))
    at.text_area(key="sparql").set_value("SELECT ?s WHERE { ?s a eli:LegalResource }").run()
    at.radio(key="view").set_value("overview").run()
    at.radio(key="view").set_value("query").run()
    assert ok(at).text_area(key="sparql").value == "SELECT ?s WHERE { ?s a eli:LegalResource }"


def test_collaboration_view_shows_communities_and_offers_its_tables_and_graph(app):
    at = ok(app(view="network"))
    at.radio(key="net_mode").set_value("collaboration").run()
    ok(at)
    frames = [d.value for d in at.dataframe]
    groups = next(f for f in frames if "社区 community" in f.columns)
    full = frames[-1]  # every node drawn, each with its community
    assert len(groups) > 1 and groups["单位数 size"].sum() == len(full) >= len(frames[0])
    assert set(full["社区"]) == set(groups["社区 community"])
    links = next(f for f in frames if "共同任务 tasks" in f.columns)  # the side table of the links
    assert len(links) > 1 and list(links["共同任务数 shared tasks"]) == sorted(links["共同任务数 shared tasks"], reverse=True)
    strongest = links.iloc[0]
    assert len(strongest["共同任务 tasks"].split("；")) == strongest["共同任务数 shared tasks"]
    labels = [d.label for d in at.download_button]
    assert labels == ["中心性 CSV", "中心性 XLSX", "关联 CSV", "社区 CSV", "GEXF", "GraphML"]


def test_a_canned_querys_parameter_is_a_form_field(app):
    at = ok(app(view="query"))
    at.selectbox(key="canned").set_value("agency-cooperates").run()
    field = at.text_input(key="param-agency-cooperates-name")
    assert field.value == "广州市市场监督管理局"
    field.set_value("市版权局").run()
    assert '"市版权局"' in ok(at).text_area(key="sparql").value
    at.button(key="run-sparql").click().run()
    result = ok(at).dataframe[0].value
    assert len(result) == 7  # the tasks where 广州市版权局 cooperates, as `policykg sparql agency-cooperates` prints
