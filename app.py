"""Explore the knowledge graph of the plans in corpus/: run `streamlit run app.py` (or `policykg app`).

Widgets, caching and rendering only: every table and graph comes from `graph.query`,
`graph.network`, `graph.export` and `graph.viz`. Document text is hostile until escaped: it
reaches the page through `viz.md_escape` (markdown), `viz.highlight`/`viz.tooltip` (HTML),
dataframes and charts (drawn as text), never through ``unsafe_allow_html``.

Nothing a document says becomes a link, an image or an element: markdown is escaped down to
``:`` and ``.`` (no autolinks), headings carry no anchors, download names are cut to
letters and digits (`viz.file_stem`).

Visitors only read. The store is built when there is none; rebuilding it when the corpus
changed, and the "Reload corpus" button, need ``POLICYKG_ADMIN=1`` (``policykg app --admin``).
SPARQL from the Query view never reaches another server: `KG.sparql` refuses SERVICE and
LOAD, and lets ``POLICYKG_MAX_QUERIES`` queries run at once (`graph.guard`).

Environment: ``POLICYKG_DATA`` (default ``./data``) holds the store, ``POLICYKG_CORPUS``
(default the repository's ``corpus/``) the documents it is built from. Deep links:
``?agency=市版权局``, ``?task=<task id>``, ``?view=network&mode=bipartite&limit=500``.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import streamlit as st

from graph import export as ex
from graph import query as q
from graph import viz
from graph.store import GraphStore, one_line
from graph.views import network as network_view
from graph.views import task as task_view
from graph.views import upload as upload_view
from graph.viz import file_stem, md_escape

ROOT = Path(__file__).resolve().parent
VIEWS = {
    "overview": "总览 Overview",
    "bureau": "我的单位 My bureau",
    "task": "任务 Task",
    "network": "网络 Network",
    "query": "查询 Query",
    "export": "导出 Export",
    "upload": "上传文件 Upload",
}
ROLES = q.ROLES
ROLE_LABEL = {r: task_view.role_label(r) for r in ROLES}
NET_MODES = {
    "bipartite": "单位 ↔ 任务 agencies ↔ tasks",
    "collaboration": "单位协作 agency collaboration",
    "tasks": "任务关联 task connections",
}
NATURE = {"expected": "预期性 expected", "binding": "约束性 binding"}
TABLE_STYLE = """<style>
table.pk-table { border-collapse: collapse; width: 100%; font-size: .9rem; }
table.pk-table th, table.pk-table td { border-bottom: 1px solid #e6e6e6; padding: .35rem .5rem; text-align: left; }
table.pk-table th { color: #555; font-weight: 600; }
</style>"""


def data_dir() -> str:
    return os.environ.get("POLICYKG_DATA") or str(ROOT / "data")


def corpus_dir() -> str:
    return os.environ.get("POLICYKG_CORPUS") or str(ROOT / "corpus")


def is_admin() -> bool:
    """Tell whether this server lets visitors rebuild the store (POLICYKG_ADMIN=1, policykg app --admin)."""
    return os.environ.get("POLICYKG_ADMIN", "").strip().lower() in ("1", "true", "yes", "on")


# --------------------------------------------------------------------------- the graph, opened once


@st.cache_resource(show_spinner=False)
def _slot(data: str, corpus: str) -> dict:
    """One shared slot per store: the KG, opened by the first session that needs it."""
    return {"lock": threading.Lock(), "kg": None}


def open_graph(rebuild: bool = False) -> q.KG:
    """Return the KG, building the store first (with a progress bar) when missing, or stale for an admin."""
    slot = _slot(data_dir(), corpus_dir())
    rebuild = rebuild and is_admin()
    with slot["lock"]:
        if slot["kg"] is None or rebuild:
            # A visitor's first request may build a missing store; only an admin server rebuilds one.
            has_store = GraphStore(q.data_path(data_dir()) / "store").live_version() is not None
            corpus = corpus_dir() if is_admin() or not has_store else None
            bar = st.progress(0.0, text="正在打开知识图谱 Opening the knowledge graph…")

            def progress(done: int, total: int, message: str) -> None:
                bar.progress(min(done / max(total, 1), 1.0), text=md_escape(message))

            old = slot["kg"]
            slot["kg"] = q.open_kg(data_dir(), corpus, progress=progress)
            if old is not None:
                old.close()
            bar.empty()
    return slot["kg"]


def store_key() -> str:
    """Name the store in cache keys: two stores can both be at version v000001."""
    return f"{data_dir()}|{corpus_dir()}"


def warm_network(kg: q.KG, delay: float = 2.0) -> None:
    """Project the network view in the background once, so the first visit to it is quick.

    It waits `delay` seconds first: the page being drawn now must not share the CPU with it.
    """
    slot = _slot(data_dir(), corpus_dir())
    if slot.get("warming") is not kg:
        slot["warming"] = kg
        threading.Thread(target=_later, args=(delay, kg.network), daemon=True, name="policykg-warm").start()


def _later(delay: float, fn) -> None:
    time.sleep(delay)
    try:
        fn()
    except Exception:  # noqa: BLE001 - a warm-up that fails leaves the work to the view, which reports it
        pass


@st.cache_data(max_entries=64, show_spinner=False)
def network_page(store: str, version: str, mode: str, roles: tuple, parts: tuple, sections: tuple, agencies: tuple,
                 min_weight: int, limit: int, _kg: q.KG) -> tuple[str, list[dict], int, int]:
    """Return (HTML page, centrality rows, nodes drawn, nodes in view) for one network view."""
    view = network_view.network_view(_kg, mode, roles=roles, parts=parts, sections=sections, agencies=agencies,
                                     min_weight=min_weight, limit=limit)
    positions = full_layout(store, version, mode, _kg)
    page = viz.render(view.graph, positions, color_by="role" if mode == "bipartite" else "kind")
    return page, list(view.centrality), view.drawn, view.total


@st.cache_resource(max_entries=8, show_spinner=False)
def full_layout(store: str, version: str, mode: str, _kg: q.KG) -> dict:
    """Lay out the whole view once, so that filters show nodes where they always are."""
    from graph import network as nw  # rdflib and friends: not needed before the first network view

    return _kg.cached(f"layout-{mode}", lambda: viz.spread(nw.layout(nw.view_graph(_kg.network(), mode))))


# --------------------------------------------------------------------------- navigation and deep links


def go(view: str, **selection: str) -> None:
    """Switch view (a widget callback): the selection goes into the views' widget state."""
    st.session_state["view"] = view
    for key, value in selection.items():
        st.session_state[key] = value


def read_url() -> None:
    """Apply ?view=, ?agency=, ?task= once per session, before any widget is drawn."""
    if st.session_state.get("_url_read"):
        return
    st.session_state["_url_read"] = True
    params = st.query_params
    view = params.get("view")
    if params.get("agency"):
        st.session_state["agency"] = params["agency"]
        view = view or "bureau"
    if params.get("task"):
        st.session_state["task"] = params["task"]
        view = view or "task"
    if params.get("mode") in NET_MODES:
        st.session_state["net_mode"] = params["mode"]
    if params.get("limit", "").isdigit():
        st.session_state["net_limit"] = min(max(int(params["limit"]) // 20 * 20, 20), 1000)
    if view in VIEWS:
        st.session_state["view"] = view


def write_url(view: str) -> None:
    """Keep the address bar a deep link to what is shown."""
    want = {"view": view}
    if view == "bureau" and st.session_state.get("agency"):
        want = {"agency": st.session_state["agency"]}
    elif view == "task" and st.session_state.get("task"):
        want = {"task": st.session_state["task"]}
    elif view == "network":
        want.update(mode=st.session_state.get("net_mode", "bipartite"), limit=str(st.session_state.get("net_limit", 300)))
    if st.query_params.to_dict() != want:
        st.query_params.from_dict(want)


# --------------------------------------------------------------------------- views


def view_overview(kg: q.KG) -> None:
    docs = kg.documents()
    if len(docs) > 1:
        doc_id = st.selectbox("文件 Document", [d["id"] for d in docs], key="doc",
                              format_func=lambda d: next(x["title"] for x in docs if x["id"] == d),
                              persist_state="session")
    else:
        doc_id = docs[0]["id"]
    doc = next(d for d in docs if d["id"] == doc_id)
    st.header(md_escape(doc["title"]), anchor=False)
    outline = kg.outline(doc_id)
    counts = {k: sum(1 for r in outline if r["kind"] == k) for k in q.KINDS}
    cols = st.columns(6)
    for col, (label, value) in zip(cols, [("部分 parts", counts["part"]), ("章节 sections", counts["section"]),
                                          ("任务 tasks", counts["task"]), ("措施 measures", counts["measure"]),
                                          ("专栏 boxes", counts["box"]), ("指标 indicators", doc["indicators"])]):
        col.metric(label, value)

    left, right = st.columns([3, 2])
    with left:
        st.subheader("规划结构 Outline")
        children: dict = {}
        for r in outline:
            children.setdefault(r["parent"], []).append(r)
        for part in children.get(None, []):
            label = f"{part['number']}、{part['title']}" if part["kind"] == "part" else part["title"]
            with st.expander(md_escape(label)):
                for row in children.get(part["id"], []):
                    _outline_row(row, children)
    with right:
        st.subheader("各单位任务数 Tasks per agency and role")
        agency_chart(kg)
    st.subheader("主要指标 Indicators")
    rows = kg.indicators(doc_id)
    if rows:
        # An HTML table, not st.dataframe: the first view then needs neither pandas nor Arrow.
        st.html(viz.table_html(
            ["指标 indicator", "单位 unit", "基期 baseline", "目标 target", "数据来源 source", "属性 nature"],
            [[r["name"], r["unit"], f"{r['baseline'] or '——'}（{r['baseline_year'] or ''}）",
              f"{r['target'] or '——'}（{r['target_year'] or ''}）", r["source"], NATURE.get(r["nature"], r["nature"])]
             for r in rows]) + TABLE_STYLE)
    else:
        st.caption("没有指标表 No indicator table.")


def _outline_row(row: dict, children: dict, depth: int = 0) -> None:
    if row["kind"] == "section":
        st.markdown(f"**{md_escape('（' + row['number'] + '）' + row['title'])}**")
        for child in children.get(row["id"], []):
            _outline_row(child, children, depth + 1)
    elif row["kind"] in ("task", "measure"):
        number = row["number"] if row["kind"] == "task" else f"（{row['number']}）"
        st.button(md_escape(f"{number} {row['title']}"), key=f"outline-{row['id']}", type="tertiary",
                  on_click=go, args=("task",), kwargs={"task": row["id"]})
    elif row["kind"] == "box":
        st.caption(f"专栏 {md_escape(row['number'])} · {md_escape(row['title'])}")
    else:
        st.markdown(md_escape(row["title"]))


def agency_chart(kg: q.KG) -> None:
    rows = kg.agency_counts()
    if not rows:
        st.caption("没有单位 No agencies.")
        return
    st.html(viz.agency_bars(rows, ROLES))


def view_bureau(kg: q.KG) -> None:
    names = kg.agency_names()
    typed = st.session_state.get("agency")
    if typed and typed not in names:
        names = [typed, *names]  # what was typed stays selectable, so the widget can show it
    st.selectbox("单位名称或简称 Agency name or alias", names, index=None, key="agency", accept_new_options=True,
                 placeholder="输入或选择，如 市市场监管局 / Type or pick, e.g. 市版权局", persist_state="session")
    roles = st.pills("职责 Roles", list(ROLES), selection_mode="multi", default=list(ROLES), key="roles",
                     format_func=lambda r: ROLE_LABEL[r], persist_state="session")
    name = st.session_state.get("agency")
    if not name:
        st.info("选择一个单位，查看它牵头、配合、负责或指导的全部任务。Pick an agency to see every task it carries.")
        return
    try:
        agency = kg.resolve_agency(name)
    except q.UnknownAgency as exc:
        st.warning(f"未找到单位 No agency named “{md_escape(name)}”.")
        if exc.suggestions:
            st.write("您是不是要找 Did you mean:")
            for i, s in enumerate(exc.suggestions):
                st.button(md_escape(s), key=f"suggest-{i}", on_click=go, args=("bureau",), kwargs={"agency": s})
        return
    rows = kg.agency_tasks(agency["iri"], roles=roles) if roles else []
    st.subheader(md_escape(agency["name"]), anchor=False)
    if agency["aliases"]:
        st.caption("又称 Also written: " + md_escape("、".join(agency["aliases"])))
    by_role = {r: sum(1 for x in rows if x["role"] == r) for r in ROLES}
    cols = st.columns(len(ROLES) + 1)
    cols[0].metric("任务 units", len({x["task"] for x in rows}))
    for col, r in zip(cols[1:], ROLES):
        col.metric(ROLE_LABEL[r], by_role[r])
    if not rows:
        st.info("没有符合所选职责的任务 No task with the chosen roles.")
        return
    table = ex.bureau_table(rows)
    stem = f"分工表-{file_stem(agency['name'])}"
    own = file_stem(agency["name"])
    d1, d2, d3, d4 = st.columns(4)
    # Files are made when asked for (callables), not on every rerun of the page.
    d1.download_button("CSV", lambda: ex.to_csv(table).encode("utf-8-sig"), f"{stem}.csv", "text/csv",
                       key="dl-csv", on_click="ignore")
    d2.download_button("Excel (.xlsx)", lambda: ex.to_xlsx(table), f"{stem}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="dl-xlsx", on_click="ignore")
    d3.download_button("Turtle", lambda: kg.export("turtle", agency=agency["name"]), f"{own}.ttl",
                       "text/turtle", key="dl-ttl", on_click="ignore")
    d4.download_button("JSON-LD", lambda: kg.export("json-ld", agency=agency["name"]), f"{own}.jsonld",
                       "application/ld+json", key="dl-jsonld", on_click="ignore")
    st.dataframe([dict(zip(table[0], line)) for line in table[1:]], hide_index=True, width="stretch")
    partners = kg.coassigned(agency["iri"])
    if partners:
        with st.expander(f"合作单位 Partner agencies（{len(partners)}）"):
            st.dataframe([{"单位 agency": p["agency"], "共同任务 shared tasks": p["shared_tasks"],
                           "其职责 their roles": "、".join(f"{q.ROLE_ZH[r]} {n}" for r, n in p["roles"].items())}
                          for p in partners], hide_index=True, width="stretch")
    st.subheader("任务 Tasks")
    for i, r in enumerate(rows):
        with st.container(border=True):
            number = r["number"] if r["kind"] == "task" else f"（{r['number']}）"
            st.button(md_escape(f"{number} {r['title']}"), key=f"bureau-{i}-{r['task']}", type="tertiary",
                      on_click=go, args=("task",), kwargs={"task": r["task"]})
            where = " › ".join(x for x in (r["part_title"], r["section_title"]) if x)
            st.caption(f"{md_escape(where)} · **{ROLE_LABEL[r['role']]}** · 原文 {md_escape(r['name_as_written'])}")
            if r["partners"]:
                st.markdown("其他单位 Partners: " + "；".join(
                    f"{md_escape(p['agency'])}（{q.ROLE_ZH.get(p['role'], p['role'])}）" for p in r["partners"]))
            if r["clause"]:
                st.markdown("> " + md_escape(r["clause"]))


def view_task(kg: q.KG) -> None:
    units = [r for r in kg.outline() if r["kind"] in ("task", "measure")]
    ids = [r["id"] for r in units]
    label = {r["id"]: f"{r['number']} {r['title']}" if r["kind"] == "task" else f"（{r['number']}）{r['title']}"
             for r in units}
    wanted = st.session_state.get("task")
    problem = None
    if wanted and wanted not in label:
        try:
            st.session_state["task"] = kg.task(wanted)["id"]
        except q.NotFound as exc:
            problem = exc
            st.session_state["task"] = None
    st.selectbox("任务 Task", ids, index=None, key="task", format_func=lambda t: label.get(t, t),
                 placeholder="选择任务 Pick a task", persist_state="session")
    if problem is not None:
        st.warning(md_escape(str(problem)))
    task_id = st.session_state.get("task")
    if not task_id:
        return
    t = kg.task(task_id)
    st.subheader(md_escape(label[t["id"]]), anchor=False)
    st.caption(md_escape(" › ".join(x for x in (t["doc_title"], t["part_title"], t["section_title"]) if x)))

    marks = task_view.marks(t)
    st.html(f'<div class="pk-text" style="line-height:1.9;font-size:1.05rem">{viz.highlight(t["text"], marks)}</div>'
            f'<div style="font-size:.8rem;color:#555;margin-top:.4rem">{viz.legend_html()}</div>')

    left, right = st.columns(2)
    with left:
        if t.get("page"):
            st.caption(f"第 {t['page']} 页 page {t['page']}")
        deadlines = task_deadlines(kg, t)
        if deadlines:
            st.markdown("**完成时限 / deadline**: " + "；".join(md_escape(d) for d in deadlines))
        st.markdown("**单位与职责 Agencies by role**")
        for role in ROLES:
            who = [a for a in t["assignments"] if a["role"] == role]
            if not who:
                continue
            st.markdown(f"*{ROLE_LABEL[role]}*")
            seen = set()
            for a in who:
                if a["iri"] in seen:
                    continue
                seen.add(a["iri"])
                shown = a["canonical"] if a["canonical"] == a["agency"] else f"{a['canonical']}（{a['agency']}）"
                st.button(md_escape(shown), key=f"task-agency-{role}-{a['iri']}", type="tertiary",
                          on_click=go, args=("bureau",), kwargs={"agency": a["canonical"]})
        if t["boxes"]:
            st.markdown("**专栏 Boxes**")
            for b in t["boxes"]:
                with st.expander(md_escape(f"专栏 {b['number']} {b['title']}")):
                    st.markdown(md_escape(b["body"]))
        if t["footnotes"]:
            st.markdown("**注释 Footnotes**")
            for f in t["footnotes"]:
                st.markdown(f"{f['number']} " + md_escape(f["text"]))
        if t["indicators"]:
            st.markdown("**指标 Indicators**")
            st.dataframe([{"指标": i["name"], "单位": i["unit"], "基期": i["baseline"], "目标": i["target"],
                           "数据来源": i["source"]} for i in t["indicators"]], hide_index=True)
        if t["references"]:
            st.markdown("**引用文件 References**: " + "、".join(md_escape(r["quote"]) for r in t["references"]))
    with right:
        st.markdown("**关联任务 Connected tasks**")
        if not t["connected"]:
            st.caption("没有 None.")
        for c in t["connected"][:12]:
            st.button(md_escape(f"{c['number']} {c['title']}") + f" · {c['weight']}", key=f"conn-{c['task']}",
                      type="tertiary", on_click=go, args=("task",), kwargs={"task": c["task"]})
            st.caption(md_escape("；".join(c["reasons"])))


def task_deadlines(kg: q.KG, t: dict) -> list[str]:
    """Return the unit's deadlines as written, in clause order: from the task record, else from the graph."""
    if "deadlines" in t:
        return [d["text"] if isinstance(d, dict) else str(d) for d in t["deadlines"]]
    rows = kg.sparql(f"""SELECT ?d ?text WHERE {{ <{t['iri']}> pkg:deadline ?d . ?d pkg:deadlineText ?text }}""").rows
    ordered = sorted(rows, key=lambda r: [int(p) if p.isdigit() else p for p in str(r["d"]).split("/")])
    return list(dict.fromkeys(str(r["text"]) for r in ordered))


def view_network(kg: q.KG) -> None:
    G = kg.network()
    outline = kg.outline()
    parts = [r for r in outline if r["kind"] == "part"]
    sections = [r for r in outline if r["kind"] == "section"]
    title = {r["iri"]: f"{r['number']} {r['title']}" for r in parts + sections}
    agencies = sorted((n for n, k in G.nodes(data="kind") if k == "agency"), key=lambda n: G.nodes[n]["label"])
    mode = st.radio("视图 View", list(NET_MODES), key="net_mode", horizontal=True,
                    format_func=NET_MODES.get, persist_state="session")
    c1, c2, c3, c4 = st.columns(4)
    pick_parts = c1.multiselect("部分 Parts", [r["iri"] for r in parts], key="net_parts",
                                format_func=title.get, persist_state="session")
    pick_sections = c2.multiselect("章节 Sections", [r["iri"] for r in sections], key="net_sections",
                                   format_func=title.get, persist_state="session")
    pick_roles = c3.multiselect("职责 Roles", list(ROLES), key="net_roles", format_func=ROLE_LABEL.get,
                                persist_state="session")
    pick_agencies = c4.multiselect("单位 Agencies", agencies, key="net_agencies",
                                   format_func=lambda n: G.nodes[n]["label"], persist_state="session")
    c5, c6 = st.columns(2)
    limit = c5.slider("最多节点 Node limit", 20, 1000, 300, step=20, key="net_limit", persist_state="session")
    min_weight = 1
    if mode != "bipartite":
        what = "共同任务 shared tasks" if mode == "collaboration" else "关联理由 shared reasons"
        min_weight = c6.slider(f"最小关联强度 Minimum link weight（{what}）", 1, 6, 1 if mode == "collaboration" else 2,
                               key=f"net_min_{mode}", persist_state="session")
    page, central, drawn, total = network_page(store_key(), kg.version(), mode, tuple(pick_roles), tuple(pick_parts),
                                               tuple(pick_sections), tuple(pick_agencies), min_weight, limit, kg)
    left, right = st.columns([5, 2])
    with left:
        if total == 0:
            st.info("没有符合条件的节点 Nothing matches these filters.")
        else:
            if drawn < total:
                st.caption(f"显示 {drawn} / {total} 个节点（按加权度数）Showing the {drawn} best-connected of {total} nodes.")
            st.iframe(page, height=700)
    with right:
        st.markdown("**中心性 Centrality**")
        st.dataframe([{"节点": r["label"], "度": r["degree"], "加权度": r["weighted_degree"],
                       "介数": r["betweenness"]} for r in central[:40]], hide_index=True, height=520,
                     column_config={"节点": st.column_config.TextColumn("节点 node", width=140),
                                    "度": st.column_config.NumberColumn("度", width=44, help="degree"),
                                    "加权度": st.column_config.NumberColumn("加权", width=48, help="weighted degree"),
                                    "介数": st.column_config.NumberColumn("介数", width=60, format="%.3f",
                                                                        help="betweenness")})
        movable = [r for r in central if r["kind"] in ("agency", "task", "measure")]
        if movable:
            pick = st.selectbox("打开 Open", range(len(movable)), index=None, key="net_open",
                                format_func=lambda i: movable[i]["label"], placeholder="单位或任务 agency or task")
            if pick is not None:
                r = movable[pick]
                target = ("bureau", {"agency": r["label"]}) if r["kind"] == "agency" else ("task", {"task": r["rid"]})
                st.button("前往 Go", key="net-go", on_click=go, args=(target[0],), kwargs=target[1])


def view_query(kg: q.KG) -> None:
    canned = q.list_queries()
    by_name = {c["name"]: c for c in canned}

    def load_example() -> None:
        name = st.session_state.get("canned")
        if name:
            st.session_state["sparql"] = q.canned_query(name)

    st.selectbox("示例查询 Example queries", list(by_name), index=None, key="canned",
                 format_func=lambda n: f"{by_name[n]['title']} ({n})", on_change=load_example,
                 placeholder="选择一个示例 Pick an example")
    if "sparql" not in st.session_state:
        st.session_state["sparql"] = q.canned_query(canned[0]["name"]) if canned else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    text = st.text_area("SPARQL（只读 read-only）", key="sparql", height=220)
    c1, c2 = st.columns(2)
    limit = c1.number_input("最多行数 Row limit", 1, 100_000, 1000, key="sparql_limit")
    timeout = c2.number_input("时限（秒）Time limit (s)", 1.0, 120.0, 10.0, key="sparql_timeout")
    if st.button("运行 Run", key="run-sparql", type="primary"):
        try:
            # allow_service stays False: the page never lets a query call another server.
            st.session_state["sparql_result"] = ("ok", kg.sparql(text, limit=int(limit), timeout=float(timeout),
                                                                 allow_service=False))
        except Exception as exc:  # noqa: BLE001 - any failure of a user's query is a message, never a traceback
            st.session_state["sparql_result"] = ("error", one_line(exc))
    outcome = st.session_state.get("sparql_result")
    if not outcome:
        return
    kind, result = outcome
    if kind == "error":
        st.error(md_escape(result))
        return
    if result.kind == "ask":
        st.metric("ASK", "true" if result.boolean else "false")
        return
    if result.truncated:
        st.caption(f"只显示前 {len(result.rows)} 行 Showing the first {len(result.rows)} rows.")
    st.dataframe([{c: r.get(c) for c in result.columns} for r in result.rows], hide_index=True, width="stretch")
    st.download_button("下载 CSV", result.to_csv().encode("utf-8-sig"), "query.csv", "text/csv",
                       key="dl-sparql", on_click="ignore")


def view_export(kg: q.KG) -> None:
    scopes = {"all": "全部 everything", "doc": "文件 document", "section": "章节 section", "task": "任务 task",
              "agency": "单位 agency"}
    scope = st.radio("范围 Subgraph", list(scopes), key="exp_scope", horizontal=True, format_func=scopes.get,
                     persist_state="session")
    outline = kg.outline()
    ref = None
    if scope == "doc":
        docs = kg.documents()
        ref = st.selectbox("文件 Document", [d["id"] for d in docs], key="exp_doc",
                           format_func=lambda d: next(x["title"] for x in docs if x["id"] == d))
    elif scope == "section":
        rows = [r for r in outline if r["kind"] in ("part", "section")]
        names = {r["id"]: f"{r['number']} {r['title']}" for r in rows}
        ref = st.selectbox("章节 Section", list(names), key="exp_section", format_func=names.get)
    elif scope == "task":
        rows = [r for r in outline if r["kind"] in ("task", "measure")]
        names = {r["id"]: f"{r['number']} {r['title']}" for r in rows}
        ref = st.selectbox("任务 Task", list(names), key="exp_task", format_func=names.get)
    elif scope == "agency":
        ref = st.selectbox("单位 Agency", [r["agency"] for r in kg.agency_counts()], key="exp_agency")
    depth = st.slider("深度 Depth", 0, 3, 1, key="exp_depth", disabled=scope in ("all", "doc"))
    formats = list(ex.FORMATS.values())
    fmt = st.selectbox("格式 Format", [f.name for f in formats], key="exp_format",
                       format_func=lambda n: f"{n} — {ex.FORMATS[n].description}")
    spec = ex.FORMATS[fmt]
    selection = {} if scope == "all" or ref is None else {scope: ref}
    stem = "policykg" if not selection else f"policykg-{scope}-{file_stem(str(ref).rsplit('/', 1)[-1])}"
    st.download_button(md_escape(f"下载 Download {stem}.{spec.extension}"),
                       lambda: kg.export(fmt, depth=int(depth), **selection), f"{stem}.{spec.extension}",
                       spec.media_type, key="dl-export", on_click="ignore", type="primary")


def view_upload(kg: q.KG) -> None:
    """Drop a file and see what it says; it enters the corpus only on an admin server."""
    from extract.reader import SUFFIXES, InputError
    from extract.upload import extract_upload, safe_name

    f = st.file_uploader("文件 File: PDF, DOCX, XLSX, HTML, TXT", type=[x.lstrip(".") for x in SUFFIXES],
                         key="upload_file")
    c1, c2, c3, c4 = st.columns(4)
    meta = {"title": c1.text_input("标题 Title", key="upload_title"),
            "jurisdiction": c2.text_input("地区 Jurisdiction (e.g. 广州市)", key="upload_jurisdiction"),
            "drafted_by": c3.text_input("发文单位 Issuer", key="upload_issuer"),
            "period_start": c4.text_input("年份 Year (e.g. 2023)", key="upload_year")}
    meta = {k: v.strip() for k, v in meta.items() if v.strip()}
    if "period_start" in meta:
        if not (meta["period_start"].isdigit() and 1949 <= int(meta["period_start"]) <= 2100):
            st.warning(md_escape(f"年份 year must be a year such as 2021, got {meta.pop('period_start')!r}"))
        else:
            meta["period_start"] = int(meta["period_start"])
    bureau = st.text_input("我的单位 My bureau", key="upload_bureau")
    if f is None:
        return
    data, name = f.getvalue(), safe_name(f.name)
    key = (hash(data), name, tuple(sorted(meta.items())))
    if st.session_state.get("upload_key") != key:
        try:
            st.session_state["upload_x"] = extract_upload(data, name, meta or None)
        except InputError as exc:
            st.session_state["upload_x"] = str(exc)
        st.session_state["upload_key"] = key
    x = st.session_state["upload_x"]
    if isinstance(x, str):
        st.error(md_escape(x))
        return
    r = upload_view.upload_report(x, bureau.strip())
    st.subheader(md_escape(r.title), anchor=False)
    where = r.jurisdiction + (f"（推断 inferred from {r.jurisdiction_inferred}）" if r.jurisdiction_inferred else "")
    st.caption(md_escape(f"{name} · {where or '地区未知 jurisdiction unknown'}"))
    with st.expander("结构 Outline"):
        st.markdown("\n".join(f"{'  ' * d}- {md_escape(f'{n} {t}')}" for d, n, t in r.outline))
    st.markdown("**任务与职责 Units by role**")
    st.dataframe(list(r.units), hide_index=True)
    if bureau.strip():
        st.markdown(f"**{md_escape(bureau.strip())}的任务 Tasks of the bureau**: {len(r.bureau)}")
        st.dataframe(list(r.bureau), hide_index=True)
    if r.warnings:
        with st.expander(f"未识别的名称与警告 Unresolved names and warnings ({len(r.warnings)})"):
            st.markdown("\n".join(f"- {md_escape(w)}" for w in r.warnings))
    cols = st.columns(4)
    stem = file_stem(r.title or name.rsplit(".", 1)[0])
    for col, (label, (blob, ext, media)) in zip(cols, upload_view.downloads(x).items()):
        col.download_button(label, blob, f"{stem}.{ext}", media, key=f"dl-upload-{ext}", on_click="ignore")
    if is_admin() and st.button("加入语料 Add to corpus", key="upload_add"):
        target = Path(corpus_dir()) / f"{file_stem(name.rsplit('.', 1)[0])}.{name.rsplit('.', 1)[-1]}"
        target.write_bytes(data)
        # A JSON string is a valid TOML basic string: quotes and backslashes come escaped.
        target.with_suffix(".toml").write_text("".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n"
                                                       for k, v in meta.items()), encoding="utf-8")
        open_graph(rebuild=True)
        st.success(md_escape(f"{target.name} added; the store is rebuilt"))


RENDER = {"overview": view_overview, "bureau": view_bureau, "task": view_task, "network": view_network,
          "query": view_query, "export": view_export, "upload": view_upload}


def main() -> None:
    st.set_page_config(page_title="policykg", layout="wide")
    read_url()
    with st.sidebar:
        st.title("policykg")
        view = st.radio("视图 View", list(VIEWS), key="view", format_func=VIEWS.get)
        rebuild = is_admin() and st.button("重新载入语料 Reload corpus", key="reload")
    try:
        kg = open_graph(rebuild=rebuild)
    except q.QueryError as exc:
        st.error(md_escape(str(exc)))
        st.stop()
    with st.sidebar:
        docs = kg.documents()
        st.caption(f"{len(docs)} 份文件 documents · 版本 {md_escape(kg.version())}")
    RENDER[view](kg)
    write_url(view)
    warm_network(kg)


main()
