"""Explore the knowledge graph of the plans in corpus/: run `streamlit run app.py` (or `policykg app`).

Widgets only: every view is a function of `graph.views` with a CLI twin, drawn through `graph.viz`
and `extract.tables`. Document text is hostile: it reaches the page through `viz.md_escape`
(no autolinks), `viz.highlight`/`viz.table_html` (escaped HTML), dataframes and canvases, never
``unsafe_allow_html``. Visitors only read: rebuilding needs ``policykg app --admin``
(``POLICYKG_ADMIN=1``). ``POLICYKG_DATA`` holds the store, ``POLICYKG_CORPUS`` the documents.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import streamlit as st

from extract import tables
from graph import query as q
from graph import viz
from graph.views import agency as agency_view
from graph.views import cites as cites_view
from graph.views import compare as compare_view
from graph.views import export as export_view
from graph.views import links
from graph.views import network as network_view
from graph.views import outline as outline_view
from graph.views import search as search_view
from graph.views import sparql as sparql_view
from graph.views import task as task_view
from graph.views import tasks as tasks_view
from graph.views import upload as upload_view
from graph.viz import file_stem, md_escape

CONFIG = q.AppSettings.from_env(Path(__file__).resolve().parent)
VIEWS = dict(zip(links.VIEWS, ("总览 Overview", "我的单位 My bureau", "任务 Task", "搜索 Search", "任务表 Tasks",
                               "网络 Network", "查询 Query", "导出 Export", "上传文件 Upload", "对比 Compare"),
                  strict=True))
ROLE_LABEL = {r: task_view.role_label(r) for r in q.ROLES}
NET_MODES = dict(zip(links.NET_MODES, ("单位 ↔ 任务 agencies ↔ tasks", "单位协作 agency collaboration",
                                      "任务关联 task connections"), strict=True))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@st.cache_resource(show_spinner=False)
def _slot(data: str, corpus: str) -> dict:
    """One shared slot per store: the KG, opened by the first session that needs it."""
    return {"lock": threading.Lock(), "kg": None}


def open_graph(rebuild: bool = False) -> q.KG:
    """Return the KG, building the store first (with a progress bar) when missing, or stale for an admin."""
    slot = _slot(CONFIG.data, CONFIG.corpus)
    with slot["lock"]:
        if slot["kg"] is None or (rebuild and CONFIG.admin):
            bar = st.progress(0.0, text="正在打开知识图谱 Opening the knowledge graph…")
            old, slot["kg"] = slot["kg"], q.open_kg(
                CONFIG.data, CONFIG.corpus, rebuild_stale=CONFIG.admin,
                progress=lambda done, total, message: bar.progress(min(done / max(total, 1), 1.0), md_escape(message)))
            if old is not None:
                old.close()
            bar.empty()
    return slot["kg"]


def warm_network(kg: q.KG, delay: float = 2.0) -> None:
    """Project the network once in the background, after `delay` s (the page drawn now keeps the CPU)."""
    slot = _slot(CONFIG.data, CONFIG.corpus)
    if slot.get("warming") is not kg:
        slot["warming"] = kg
        threading.Thread(target=lambda: (time.sleep(delay), network_view.warm(kg)), daemon=True).start()


@st.cache_data(max_entries=64, show_spinner=False)
def network_page(store: str, version: str, mode: str, filters: tuple, min_weight: float, limit: int, k: int,
                 _kg: q.KG):
    """Return (HTML page, centrality rows, community rows, link rows, files, nodes drawn, nodes in view), cached."""
    view = network_view.network_view(_kg, mode, min_weight=min_weight, limit=limit, k=k, **dict(filters))
    page = viz.render(view.graph, network_view.layout(_kg, mode), color_by="role" if mode == "bipartite" else "kind",
                      stats={r["node"]: r for r in view.centrality}, links=links.node_links(view.graph.nodes(data=True)))
    return (page, list(view.centrality), network_view.community_rows(view), network_view.link_rows(view),
            network_view.files(view), view.drawn, view.total)


# --------------------------------------------------------------------------- navigation and deep links


def go(view: str, **selection: str) -> None:
    """Switch view (a widget callback): the selection goes into the views' widget state."""
    st.session_state["view"] = view
    st.session_state.update(selection)


def link(label: str, key: str, view: str, **selection: str) -> None:
    """Draw a text button that opens a view on a selection."""
    st.button(md_escape(label), key=key, type="tertiary", on_click=go, args=(view,), kwargs=selection)


def address() -> dict:
    """Return the address bar's parameters: one value as a string, a repeated parameter as a list."""
    return {k: v[0] if len(v) == 1 else v for k in st.query_params if (v := st.query_params.get_all(k))}


def read_url() -> None:
    """Follow the address bar, before any widget: the view and its state become what the address says.

    On the first run, and whenever the address is not the one this session wrote last: the
    browser's Back and Forward (Streamlit reruns with the address of that history entry) or an
    address typed in. Keys the address leaves out go back to their widgets' defaults.
    """
    here = address()
    if here == st.session_state.get("_url"):
        return
    state = links.state_from_url(here)
    if "sparql" in state and state["sparql"] != st.session_state.get("sparql"):
        st.session_state.pop("sparql_result", None)  # the result of another text
    for key, value in state.items():
        if value is None:
            st.session_state.pop(key, None)
        else:
            st.session_state[key] = value
    st.session_state["_url"] = here


def write_url(view: str) -> None:
    """Keep the address bar a deep link to what is shown; each new address is a new entry of the history."""
    want = links.url_for(view, st.session_state)
    if address() != want:
        st.query_params.from_dict(want)
    st.session_state["_url"] = want


def downloads(files: list[tuple[str, object, str, str]]) -> None:
    """Draw download buttons side by side: (our label, bytes or a function making them, file name, media type)."""
    for col, (label, data, name, media) in zip(st.columns(len(files)), files):
        col.download_button(label, data, name, media, key=f"dl-{name}", on_click="ignore")


# --------------------------------------------------------------------------- views


def view_overview(kg: q.KG) -> None:
    docs = {d["id"]: d["title"] for d in kg.documents()}
    doc_id = st.selectbox("文件 Document", list(docs), key="doc", format_func=docs.get,
                          persist_state="session") if len(docs) > 1 else None
    o = outline_view.overview(kg, doc_id)
    st.header(md_escape(o.doc["title"]), anchor=False)
    for col, (label, value) in zip(st.columns(len(o.counts)), o.counts):
        col.metric(label, value)
    left, right = st.columns([3, 2])
    with left:
        st.subheader("规划结构 Outline")
        for part in o.children.get(None, []):
            with st.expander(md_escape(outline_view.unit_label(part))):
                for row in o.children.get(part["id"], []):
                    outline_row(row, o.children)
    with right:
        st.subheader("各单位任务数 Tasks per agency and role")
        if rows := kg.agency_counts():
            st.html(viz.agency_bars(rows, q.ROLES))
        else:
            st.caption("没有单位 No agencies.")
    st.subheader("主要指标 Indicators")
    if o.indicators:  # an HTML table, not st.dataframe: the first view then needs neither pandas nor Arrow
        st.html(viz.table_html(outline_view.INDICATOR_HEADER, o.indicators) + viz.TABLE_STYLE)
    else:
        st.caption("没有指标表 No indicator table.")
    citations(kg, o.doc["id"])


def citations(kg: q.KG, doc_id: str) -> None:
    """The works a document cites (a corpus document opens) and the documents citing it (`policykg cites`)."""
    left, right = st.columns(2)
    with left:
        st.subheader("引用 Cites", anchor=False)
        rows = cites_view.cites(kg, doc_id)
        for i, r in enumerate(rows):
            if r["resolved"]:
                link(f"《{r['title']}》 → {r['resolved_title']}", f"cites-{i}", "overview", doc=r["resolved"])
            else:
                st.caption(md_escape(f"《{r['title']}》"))
        if not rows:
            st.caption("没有 None.")
    with right:
        st.subheader("被引 Cited by", anchor=False)
        rows = cites_view.cited_by(kg, doc_id)
        for i, r in enumerate(rows):
            link(r["doc_title"], f"cited-{i}", "overview", doc=r["doc"])
            st.caption(md_escape(f"《{r['title']}》"))
            for unit in r["units"]:
                link(f"↳ {unit}", f"cited-{i}-{unit}", "task", task=unit)
        if not rows:
            st.caption("没有 None.")


def outline_row(row: dict, children: dict) -> None:
    label = outline_view.unit_label(row)
    if row["kind"] == "section":
        st.markdown(f"**{md_escape(label)}**")
        for child in children.get(row["id"], []):
            outline_row(child, children)
    elif row["kind"] in ("task", "measure"):
        link(label, f"outline-{row['id']}", "task", task=row["id"])
    elif row["kind"] == "box":
        st.caption(md_escape(label))
    else:
        st.markdown(md_escape(label))


TASKS_PER_PAGE = 25  # task cards drawn at once in My bureau (each is a handful of elements to send)
TABLE_ROWS = 1000  # lines of My bureau's table; the downloads hold every one


def view_bureau(kg: q.KG) -> None:
    names, typed = kg.agency_names(), st.session_state.get("agency")
    st.selectbox("单位名称或简称 Agency name or alias", names if not typed or typed in names else [typed, *names],
                 index=None, key="agency", accept_new_options=True, persist_state="session",
                 placeholder="输入或选择，如 市市场监管局 / Type or pick, e.g. 市版权局")
    roles = st.pills("职责 Roles", list(q.ROLES), selection_mode="multi", default=list(q.ROLES), key="roles",
                     format_func=ROLE_LABEL.get, persist_state="session")
    picks, choices = {}, agency_view.document_filters(kg)
    if len(choices["doc"]) > 1:  # a corpus: every row names its document, and the documents can be chosen
        for col, (key, label) in zip(st.columns(3), agency_view.DOCUMENT_FILTERS.items()):
            picks[key] = col.selectbox(label, list(choices[key]), index=None, key=f"bureau_{key}",
                                       format_func=choices[key].get, placeholder="全部 all", persist_state="session")
    if not typed:
        st.info("选择一个单位，查看它牵头、配合、负责或指导的全部任务。Pick an agency to see every task it carries.")
        return
    follow = st.session_state.get("bureau_predecessors", True)
    try:
        b = agency_view.bureau(kg, typed, roles, predecessors=follow, limit=TABLE_ROWS,
                               partners=st.session_state.get("bureau_partners", False), **picks)
    except q.UnknownAgency as exc:
        st.warning(f"未找到单位 No agency named “{md_escape(typed)}”.")
        if exc.suggestions:
            st.write("您是不是要找 Did you mean:")
            for i, s in enumerate(exc.suggestions):
                link(s, f"suggest-{i}", "bureau", agency=s)
        return
    st.subheader(md_escape(b.agency["name"]), anchor=False)
    if b.agency["aliases"]:
        st.caption("又称 Also written: " + md_escape("、".join(b.agency["aliases"])))
    if b.successors:  # a body a reform replaced: who took its duties over
        st.caption("已由 Succeeded by: " + md_escape(" → ".join(s["name"] for s in b.successors)))
    if b.predecessors:  # the bodies it took over: their tasks in older plans are its own, marked 曾用名
        st.toggle("含前身单位的任务 Include the tasks of its predecessors（曾用名 formerly: "
                  + md_escape("、".join(p["name"] for p in b.predecessors)) + "）", value=True,
                  key="bureau_predecessors", persist_state="session")
    cols = st.columns(len(q.ROLES) + 1)
    cols[0].metric("任务 units", b.units)
    for col, (role, n) in zip(cols[1:], b.by_role):
        col.metric(ROLE_LABEL[role], n)
    if not b.rows:
        st.info("没有符合所选职责的任务 No task with the chosen roles.")
        return
    stem, own, name = f"分工表-{file_stem(b.agency['name'])}", file_stem(b.agency["name"]), b.agency["name"]

    def every_line() -> list[list[str]]:  # the whole 分工表, made when a download asks for it
        if b.total == len(b.rows):
            return b.table
        return agency_view.bureau_table(kg.agency_tasks(b.agency["iri"], roles, predecessors=follow, **picks))

    downloads([("CSV", lambda: tables.to_csv(every_line()).encode("utf-8-sig"), f"{stem}.csv", "text/csv"),
               ("Excel (.xlsx)", lambda: tables.to_xlsx(every_line()), f"{stem}.xlsx", XLSX),
               ("Turtle", lambda: kg.export("turtle", agency=name), f"{own}.ttl", "text/turtle"),
               ("JSON-LD", lambda: kg.export("json-ld", agency=name), f"{own}.jsonld", "application/ld+json")])
    table = b.table  # made once: it is computed from the rows each time it is asked for
    st.dataframe([dict(zip(table[0], line)) for line in table[1:]], hide_index=True, width="stretch")
    if b.total > len(b.rows):
        st.caption(f"表中为前 {len(b.rows)} 行，共 {b.total} 行；下载 CSV 或 Excel 得全部。"
                   f"The table holds the first {len(b.rows)} of {b.total} rows; the downloads hold them all.")
    if st.toggle("合作单位 Partner agencies", key="bureau_partners") and b.partners:
        st.dataframe(list(b.partners), hide_index=True, width="stretch")
    st.subheader("任务 Tasks")
    pages = -(-b.total // TASKS_PER_PAGE)
    page = 1
    if pages > 1:  # an agency of a large corpus carries thousands: a page of them at a time
        page = int(st.number_input(f"页 Page（共 {pages} 页 of {pages}）", min_value=1, max_value=pages, value=1,
                                   step=1, key=f"bureau_page:{b.agency['iri']}"))
    first = (page - 1) * TASKS_PER_PAGE
    shown = b.rows[first:first + TASKS_PER_PAGE]
    if first + TASKS_PER_PAGE > len(b.rows) and len(b.rows) < b.total:  # past the rows of the table
        shown = agency_view.agency_page(kg, b.agency["iri"], roles, predecessors=follow, limit=TASKS_PER_PAGE,
                                        offset=first, **picks).rows
    if pages > 1:
        st.caption(f"第 {first + 1}–{first + len(shown)} 条，共 {b.total} 条 "
                   f"rows {first + 1}–{first + len(shown)} of {b.total}")
    for i, r in enumerate(shown, first):
        with st.container(border=True):
            link(outline_view.unit_label(r), f"bureau-{i}-{r['task']}", "task", task=r["task"])
            where = " › ".join(x for x in (r["doc_title"] if picks else "", r["part_title"], r["section_title"]) if x)
            formerly = f" · 曾用名 formerly {md_escape(r['formerly'])}" if r.get("formerly") else ""
            st.caption(f"{md_escape(where)} · **{ROLE_LABEL[r['role']]}** · 原文 {md_escape(r['name_as_written'])}{formerly}")
            body = ["其他单位 Partners: " + md_escape(agency_view.partner_text(r["partners"]))] if r["partners"] else []
            body += ["> " + md_escape(r["clause"])] if r["clause"] else []
            if body:
                st.markdown("\n\n".join(body))


def view_task(kg: q.KG) -> None:
    label = export_view.scope_choices(kg, "task")
    wanted, problem = st.session_state.get("task"), None
    if wanted and wanted not in label:
        try:
            st.session_state["task"] = kg.task(wanted)["id"]
        except q.NotFound as exc:
            problem, st.session_state["task"] = exc, None
    st.selectbox("任务 Task", list(label), index=None, key="task", format_func=lambda t: label.get(t, t),
                 placeholder="选择任务 Pick a task", persist_state="session")
    if problem is not None:
        st.warning(md_escape(str(problem)))
    if not st.session_state.get("task"):
        return
    t = kg.task(st.session_state["task"])
    st.subheader(md_escape(label[t["id"]]), anchor=False)
    st.caption(md_escape(" › ".join(x for x in (t["doc_title"], t["part_title"], t["section_title"]) if x)))
    st.html(f'<div class="pk-text" style="line-height:1.9;font-size:1.05rem">'
            f'{viz.highlight(t["text"], task_view.marks(t))}</div>'
            f'<div style="font-size:.8rem;color:#555;margin-top:.4rem">{viz.legend_html()}</div>')
    left, right = st.columns(2)
    with left:
        if t["page"]:
            st.caption(f"第 {t['page']} 页 page {t['page']}")
        if t["deadlines"]:
            st.markdown("**完成时限 / deadline**: " + "；".join(md_escape(d) for d in t["deadlines"]))
            for d, c in t["curated_deadlines"].items():
                st.caption(md_escape(f"{d} {task_view.curated_label(c)}"))
        st.markdown("**单位与职责 Agencies by role**")
        for role, who in task_view.agencies_by_role(t):
            st.markdown(f"*{ROLE_LABEL[role]}*")
            for a in who:
                link(a["shown"], f"task-agency-{role}-{a['iri']}", "bureau", agency=a["canonical"])
                if a["curated"]:
                    st.caption(md_escape(task_view.curated_label(a["curated"])))
        task_corrections(t)
        if t["boxes"]:
            st.markdown("**专栏 Boxes**")
        for b in t["boxes"]:
            with st.expander(md_escape(f"专栏 {b['number']} {b['title']}")):
                st.markdown(md_escape(b["body"]))
        if t["footnotes"]:
            st.markdown("**注释 Footnotes**  \n" + "  \n".join(f"{f['number']} {md_escape(f['text'])}"
                                                             for f in t["footnotes"]))
        if t["indicators"]:
            st.markdown("**指标 Indicators**")
            st.dataframe(task_view.indicator_rows(t), hide_index=True)
        if t["references"]:  # a work of the corpus opens its document; any other is its title
            st.markdown("**引用文件 References**")
            for i, r in enumerate(cites_view.reference_links(kg, t["references"])):
                if r["resolved"]:
                    link(f"《{r['title']}》 → {r['resolved_title']}", f"ref-{i}", "overview", doc=r["resolved"])
                else:
                    st.caption(md_escape(f"《{r['title']}》"))
    with right:
        st.markdown(f"**关联任务 Connected tasks**（最强 {network_view.DEFAULT_K} 条 its strongest links, "
                    f"≥ {network_view.default_min_weight('tasks')}）")
        if not t["connected"]:
            st.caption("没有 None.")
        for c in t["connected"]:
            link(f"{c['number']} {c['title']} · {c['weight']:.2f}", f"conn-{c['task']}", "task", task=c["task"])
            st.caption(md_escape("；".join(c["reasons"])))


def task_corrections(t: dict) -> None:
    """The corrections of a task, the document's orphaned ones, and (admin only) the form that adds one."""
    if t["corrections"]:
        with st.expander(f"校正记录 Corrections（{len(t['corrections'])}）"):
            st.markdown("\n".join(f"- {md_escape(task_view.correction_text(c))}" for c in t["corrections"]))
    if t["orphaned"]:
        st.warning(f"{len(t['orphaned'])} 条校正未能应用 corrections of this document apply nowhere:\n\n"
                   + "\n".join(f"- {md_escape(task_view.correction_text(c))}" for c in t["orphaned"]))
    if not CONFIG.admin:
        return
    key = t["id"].rsplit("/", 1)[-1]
    with st.expander("✎ 校正 Correct this task"), st.form(f"correct-{t['id']}", clear_on_submit=True):
        c1, c2 = st.columns(2)
        action = c1.radio("操作 Action", ["add", "remove", "set"], horizontal=True, key="fix_action",
                          format_func={"add": "添加 add", "remove": "删除 remove", "set": "改为 set"}.get)
        role = c2.selectbox("职责 Role", list(q.ROLES), key="fix_role", format_func=ROLE_LABEL.get)
        names = list(dict.fromkeys(a["canonical"] for a in t["assignments"]))
        agency = st.selectbox("单位 Agency（可输入新名称 type a new one）", names, index=None, key="fix_agency",
                              accept_new_options=True, placeholder="如 市版权局")
        deadline = st.text_input("完成时限 Deadline（代替单位 instead of an agency）", key="fix_deadline",
                                 placeholder="如 2023年底前")
        note = st.text_input("说明 Note（为什么 why）", key="fix_note")
        by = st.text_input("校正人 By", key="fix_by")
        saved = st.form_submit_button("保存并重建 Save and rebuild", type="primary")
    if saved:
        kind, done = task_view.try_save_correction(CONFIG.corpus, t["doc"], key, action, agency=agency or "",
                                                   role=role, deadline=deadline, note=note, by=by)
        if kind == "error":
            st.error(md_escape(done))
            return
        open_graph(rebuild=True)
        st.session_state["fix_done"] = done
        st.rerun()
    if done := st.session_state.pop("fix_done", None):
        st.success(md_escape("已保存 saved: " + "；".join(done)))


def view_search(kg: q.KG) -> None:
    """Full-text search over every unit's text, agencies and id (`policykg search`)."""
    text = st.text_input("搜索任务 Search tasks: 词语、单位或编号 words, agency or id", key="search_q",
                         placeholder="如 知识产权质押 / 市版权局 / t12", persist_state="session")
    if not text.strip():
        return
    try:
        hits = kg.search(text, limit=100)
    except q.QueryError as exc:
        st.warning(md_escape(str(exc)))
        return
    st.caption(f"{len(hits)} 条结果 hits" + ("（最多 100 at most 100）" if len(hits) == 100 else ""))
    for h in hits:
        with st.container(border=True):
            label = outline_view.unit_label({"kind": h.kind, "number": h.number, "title": h.title})
            if h.kind in ("task", "measure"):
                link(label, f"hit-{h.id}", "task", task=h.id)
            else:
                st.markdown(f"**{md_escape(label)}**")
            where = " › ".join(x for x in (h.doc_title, h.part_title, h.section_title) if x)
            st.caption(md_escape(f"{where} · {search_view.agency_text(h)}" if h.agencies else where))
            st.markdown("".join(f"**{md_escape(t)}**" if hit else md_escape(t) for t, hit in h.snippet))


def view_tasks(kg: q.KG) -> None:
    """Every task and measure of the corpus, faceted by document, part, section, role, agency and deadline."""
    sorts = {f"{d}{k}": f"{label} {'↓' if d else '↑'}" for k, label in tasks_view.SORTS.items() for d in ("", "-")}
    t = tasks_view.task_table(kg, sort=st.session_state.get("tasks_sort") or "order", facet_size=500,
                              **{f: st.session_state.get(f"tasks_{f}") or () for f in tasks_view.FACETS})
    cols = st.columns(3)
    for i, (facet, label) in enumerate(tasks_view.FACETS.items()):
        values = {v["value"]: f"{v['label']}（{v['count']}）" for v in t.facets[facet]}
        cols[i % 3].multiselect(label, list(values), key=f"tasks_{facet}", format_func=values.get,
                                placeholder="全部 all", persist_state="session")
    c1, c2 = st.columns([2, 3])
    c1.selectbox("排序 Sort", list(sorts), key="tasks_sort", format_func=sorts.get, persist_state="session")
    c2.caption(f"{len(t.rows)} / {t.total} 条任务与措施 tasks and measures")
    if not t.rows:
        st.info("没有符合条件的任务 No task matches these facets.")
        return
    downloads([("CSV", lambda: tables.to_csv(t.table).encode("utf-8-sig"), "任务表.csv", "text/csv"),
               ("Excel (.xlsx)", lambda: tables.to_xlsx(t.table, sheet="tasks"), "任务表.xlsx", XLSX)])
    event = st.dataframe(t.columns(), hide_index=True, width="stretch", height=560, on_select="rerun",
                         selection_mode="single-row")
    if event.selection.rows:
        r = t.rows[event.selection.rows[0]]
        link(f"打开 Open {outline_view.unit_label(r)}", "tasks-open", "task", task=r["id"])


def view_network(kg: q.KG) -> None:
    choices = network_view.filter_choices(kg)
    mode = st.radio("视图 View", list(NET_MODES), key="net_mode", horizontal=True, format_func=NET_MODES.get,
                    persist_state="session")
    filters = tuple((key, tuple(col.multiselect(label, list(choices[key]), key=f"net_{key}", format_func=choices[key].get,
                                                persist_state="session")))
                    for col, (key, label) in zip(st.columns(4), network_view.FILTERS.items()))
    c5, c6, c7 = st.columns(3)
    limit = c5.slider("最多节点 Node limit", 20, 1000, 300, step=20, key="net_limit", persist_state="session")
    min_weight, k = 1, network_view.DEFAULT_K
    if mode == "collaboration":
        min_weight = c6.slider("最小关联强度 Minimum link weight（共同任务 shared tasks）", 1, 6,
                               network_view.default_min_weight(mode), key="net_min_collaboration", persist_state="session")
    elif mode == "tasks":
        min_weight = c6.slider("最小关联强度 Minimum link weight（共同事物的特异度之和 summed specificity of what "
                               "two tasks share）", 0.0, 3.0, float(network_view.default_min_weight(mode)), step=0.1,
                               key="net_min_tasks", persist_state="session",
                               help="每项共同事物 each shared thing: log(N/n)/log(N), n of the N units holding it")
        k = c7.slider("每个任务的关联数 Links per task（最强 strongest k）", 1, 10, network_view.DEFAULT_K,
                      key="net_k", persist_state="session")
    page, central, groups, link_rows, files, drawn, total = network_page(f"{CONFIG.data}|{CONFIG.corpus}", kg.version(), mode,
                                                              filters, min_weight, limit, k, kg)
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
        st.dataframe(network_view.centrality_rows(central[:40]), hide_index=True, height=520,
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
                view, selection = ("bureau", {"agency": r["label"]}) if r["kind"] == "agency" else ("task", {"task": r["rid"]})
                st.button("前往 Go", key="net-go", on_click=go, args=(view,), kwargs=selection)
    if groups:
        st.markdown(f"**社区 Communities**（{len(groups)}，Louvain）")
        st.dataframe(groups, hide_index=True, width="stretch")
    if link_rows:
        with st.expander(f"协作关联 Collaboration links and their shared tasks（{len(link_rows)}）"):
            st.dataframe(link_rows, hide_index=True, width="stretch")
    if central:
        with st.expander(f"全部中心性 Every node's centrality（{len(central)}）"):
            st.dataframe(network_view.centrality_rows(central), hide_index=True, width="stretch",
                         column_config={"介数": st.column_config.NumberColumn("介数 betweenness", format="%.4f")})
        downloads([(label, data, name, media) for label, data, name, media in files])


def view_query(kg: q.KG) -> None:
    queries = {c["name"]: c for c in q.list_queries()}
    canned = {name: c["title"] for name, c in queries.items()}

    def load() -> None:  # the chosen example, its parameters bound from their fields
        if name := st.session_state.get("canned"):
            params = {p: st.session_state.get(f"param-{name}-{p}", d) for p, d in queries[name]["params"].items()}
            st.session_state["sparql"] = q.canned_query(name, params)

    st.selectbox("示例查询 Example queries", list(canned), index=None, key="canned", on_change=load,
                 format_func=lambda n: f"{canned[n]} ({n})", placeholder="选择一个示例 Pick an example")
    params = queries[st.session_state["canned"]]["params"] if st.session_state.get("canned") else {}
    for col, (p, default) in zip(st.columns(max(len(params), 1)), params.items()):
        col.text_input(f"参数 parameter ?{p}", default, key=f"param-{st.session_state['canned']}-{p}", on_change=load)
    st.session_state.setdefault("sparql", q.canned_query(next(iter(canned))) if canned else "SELECT * WHERE { ?s ?p ?o } LIMIT 10")
    text = st.text_area("SPARQL（只读 read-only）", key="sparql", height=220, persist_state="session")
    c1, c2 = st.columns(2)
    limit = c1.number_input("最多行数 Row limit", 1, 100_000, 1000, key="sparql_limit", persist_state="session")
    timeout = c2.number_input("时限（秒）Time limit (s)", 1.0, 120.0, 10.0, key="sparql_timeout", persist_state="session")
    if st.button("运行 Run", key="run-sparql", type="primary"):  # never allow_service: the page calls no server
        st.session_state["sparql_result"] = sparql_view.try_sparql(kg, text, limit=int(limit), timeout=float(timeout))
    kind, result = st.session_state.get("sparql_result") or (None, None)
    if kind == "error":
        st.error(md_escape(result))
    elif kind == "ok" and result.kind == "ask":
        st.metric("ASK", "true" if result.boolean else "false")
    elif kind == "ok":
        if result.truncated:
            st.caption(f"只显示前 {len(result.rows)} 行 Showing the first {len(result.rows)} rows.")
        st.dataframe([{c: r.get(c) for c in result.columns} for r in result.rows], hide_index=True, width="stretch")
        downloads([("下载 CSV", result.to_csv().encode("utf-8-sig"), "query.csv", "text/csv")])


def view_export(kg: q.KG) -> None:
    scopes = export_view.SCOPES
    scope = st.radio("范围 Subgraph", list(scopes), key="exp_scope", horizontal=True, format_func=scopes.get,
                     persist_state="session")
    choices = export_view.scope_choices(kg, scope)
    ref = st.selectbox(scopes[scope], list(choices), key=f"exp_{scope}", format_func=choices.get) if choices else None
    depth = st.slider("深度 Depth", 0, 3, 1, key="exp_depth", disabled=scope in ("all", "doc"))
    formats = export_view.formats()
    fmt = st.selectbox("格式 Format", list(formats), key="exp_format", format_func=lambda n: f"{n} — {formats[n].description}")
    name = export_view.export_name(scope, ref, formats[fmt].extension)
    st.download_button(md_escape(f"下载 Download {name}"), lambda: kg.export(fmt, depth=int(depth), **({scope: ref} if ref else {})),
                       name, formats[fmt].media_type, key="dl-export", on_click="ignore", type="primary")


def view_upload(kg: q.KG) -> None:
    """Drop a file and see what it says; it enters the corpus only on an admin server."""
    f = st.file_uploader("文件 File: PDF, DOCX, XLSX, HTML, TXT", type=upload_view.accepted_suffixes(), key="upload_file")
    fields = {k: col.text_input(label, key=f"upload_{k}")
              for col, (k, label) in zip(st.columns(4), upload_view.META_FIELDS.items())}
    meta, problem = upload_view.check_meta(fields)
    if problem:
        st.warning(md_escape(problem))
    bureau = st.text_input("我的单位 My bureau", key="upload_bureau").strip()
    if f is None:
        return
    data, key = f.getvalue(), (hash(f.getvalue()), f.name, tuple(sorted(meta.items())))
    if st.session_state.get("upload_key") != key:
        st.session_state["upload_x"], st.session_state["upload_key"] = upload_view.read_upload(data, f.name, meta), key
    x = st.session_state["upload_x"]
    if isinstance(x, str):
        st.error(md_escape(x))
        return
    r = upload_view.upload_report(x, bureau)
    st.subheader(md_escape(r.title), anchor=False)
    where = r.jurisdiction + (f"（推断 inferred from {r.jurisdiction_inferred}）" if r.jurisdiction_inferred else "")
    st.caption(md_escape(f"{f.name} · {where or '地区未知 jurisdiction unknown'}"))
    with st.expander("结构 Outline"):
        st.markdown("\n".join(f"{'  ' * d}- {md_escape(f'{n} {t}')}" for d, n, t in r.outline))
    st.markdown("**任务与职责 Units by role**")
    st.dataframe(list(r.units), hide_index=True)
    if bureau:
        st.markdown(f"**{md_escape(bureau)}的任务 Tasks of the bureau**: {len(r.bureau)}")
        st.dataframe(list(r.bureau), hide_index=True)
    if r.warnings:
        with st.expander(f"未识别的名称与警告 Unresolved names and warnings ({len(r.warnings)})"):
            st.markdown("\n".join(f"- {md_escape(w)}" for w in r.warnings))
    stem = file_stem(r.title or f.name.rsplit(".", 1)[0])
    downloads([(label, blob, f"{stem}.{ext}", media) for label, (blob, ext, media) in upload_view.downloads(x).items()])
    if CONFIG.admin and st.button("加入语料 Add to corpus", key="upload_add"):
        target = upload_view.add_to_corpus(CONFIG.corpus, data, f.name, meta)
        open_graph(rebuild=True)
        st.success(md_escape(f"{target.name} added; the store is rebuilt"))


def view_compare(kg: q.KG) -> None:
    """Two plans side by side (`policykg compare A B`): agencies by role, what changed, what both cite."""
    docs = {d["id"]: d["title"] for d in kg.documents()}
    if len(docs) < 2:
        st.info("对比需要至少两份文件 Comparing needs two documents in the corpus.")
        return
    ids = list(docs)
    for key, default in (("cmp_a", ids[0]), ("cmp_b", ids[1])):
        if st.session_state.get(key) not in docs:
            if st.session_state.get(key):
                st.warning(f"未找到文件 No document “{md_escape(st.session_state[key])}”.")
            st.session_state[key] = default
    c1, c2 = st.columns(2)
    a = c1.selectbox("文件 A Document A", ids, key="cmp_a", format_func=docs.get, persist_state="session")
    b = c2.selectbox("文件 B Document B", ids, key="cmp_b", format_func=docs.get, persist_state="session")
    c = compare_view.compare(kg, a, b)
    labels = {**compare_view.STATUS_ZH, "shared_citations": "共同引用"}
    for col, (key, n) in zip(st.columns(len(c.summary)), c.summary.items()):
        col.metric(f"{labels[key]} {key.replace('_', ' ')}", n)
    downloads([("Excel (.xlsx)", lambda: tables.to_xlsx_sheets(c.sheets()), f"对比-{file_stem(a)}-{file_stem(b)}.xlsx",
                XLSX)])
    for name, title in (("agencies", "各单位职责 Agencies by role"), ("changes", "变化 Changes"),
                        ("citations", "共同引用 Shared citations")):
        st.subheader(f"{title}（{len(c.section(name))}）", anchor=False)
        if c.section(name):
            st.dataframe(compare_view.display_rows(c.section(name), compare_view.SECTIONS[name][1]), hide_index=True,
                         width="stretch")
        else:
            st.caption("没有 None.")


RENDER = {"overview": view_overview, "bureau": view_bureau, "task": view_task, "search": view_search,
          "tasks": view_tasks, "network": view_network, "query": view_query, "export": view_export,
          "upload": view_upload, "compare": view_compare}


def main() -> None:
    st.set_page_config(page_title="policykg", layout="wide")
    read_url()
    with st.sidebar:
        st.title("policykg")
        view = st.radio("视图 View", list(VIEWS), key="view", format_func=VIEWS.get)
        rebuild = CONFIG.admin and st.button("重新载入语料 Reload corpus", key="reload")
    try:
        kg = open_graph(rebuild=rebuild)
    except q.QueryError as exc:
        st.error(md_escape(str(exc)))
        st.stop()
    st.sidebar.caption(f"{len(kg.documents())} 份文件 documents · 版本 {md_escape(kg.version())}")
    RENDER[view](kg)
    write_url(view)
    warm_network(kg)


main()
