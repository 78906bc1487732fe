"""The Network view's canvas in Debian's chromium, inside the real app: tooltips, communities, focus and
"open", the search box, labels that do not overlap, positions that stay put, hostile names as text.

Helpers and the app fixtures are those of tests/test_browser.py.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from test_browser import (  # noqa: F401 - fixtures are used by name
    EVIL,
    GENEROUS,
    Page,
    browser,
    chromium_is_installed,
    hostile_app,
    page,
    playwright,
    seed_app,
)

from graph import viz

DIMMED = "rgba(190,190,190,0.25)"


def node_id(frame, name: str):
    """Return the vis id of the node whose full name is `name`."""
    found = frame.evaluate("""name => window.pkNetwork.body.data.nodes.get()
                                .filter(n => n.name === name).map(n => n.id)""", name)
    assert len(found) == 1, (name, found)
    return found[0]


def node_point(page: Page, frame, nid) -> tuple[float, float]:
    """Return where a node is drawn, in the page's coordinates."""
    x, y = frame.evaluate("""id => { const n = window.pkNetwork;
        const p = n.canvasToDOM(n.getPositions([id])[id]); return [p.x, p.y]; }""", nid)
    box = page.page.locator("iframe").first.bounding_box()
    return box["x"] + x, box["y"] + y


def open_network(page: Page, mode: str):
    page.open(f"view=network&mode={mode}")
    frame = page.graph_frame(timeout=GENEROUS)
    frame.wait_for_function("window.pkLabelled === true", timeout=20_000)
    return frame


def label_boxes(frame) -> list[list[float]]:
    """Return the box of every label vis-network drew in view: [left, top, right, bottom, node id] on the canvas
    (vis-network measures a label when it draws it, so only those in view have their current size)."""
    return frame.evaluate("""() => { const n = window.pkNetwork, c = document.querySelector('#pk-network');
        const pos = n.getPositions();
        return n.body.data.nodes.get().filter(d => {
          const p = n.canvasToDOM(pos[d.id]);
          return d.label && p.x >= 0 && p.y >= 0 && p.x <= c.clientWidth && p.y <= c.clientHeight; }).map(d => {
          const s = n.body.nodes[d.id].labelModule.size;
          return [s.left, s.top, s.left + s.width, s.top + s.height, d.id]; }); }""")


def test_collaboration_edge_tooltip_lists_the_shared_tasks(page):
    frame = open_network(page, "collaboration")
    # the edge of the most shared tasks, hovered halfway along, away from its nodes
    x, y = frame.evaluate("""() => { const n = window.pkNetwork;
        const e = n.body.data.edges.get().sort((a, b) => b.width - a.width)[0];
        const p = n.getPositions([e.from, e.to]);
        const m = n.canvasToDOM({x: (p[e.from].x + p[e.to].x) / 2, y: (p[e.from].y + p[e.to].y) / 2});
        return [m.x, m.y]; }""")
    box = page.page.locator("iframe").first.bounding_box()
    page.page.mouse.move(box["x"] + x, box["y"] + y)
    tip = frame.locator("div.vis-tooltip")
    tip.wait_for(state="visible", timeout=10_000)
    lines = tip.inner_text().split("\n")
    m = re.fullmatch(r"共同任务 shared tasks: (\d+)", lines[0])
    assert m, lines
    tasks = [line for line in lines[1:] if not line.startswith("…")]  # each task by number and title
    assert len(tasks) == min(int(m.group(1)), 12) and all(re.fullmatch(r"\d+ \S+", t) for t in tasks), lines
    page.shot("network-collaboration-tooltip")


def test_community_colours_match_the_community_table(page):
    frame = open_network(page, "collaboration")
    colour = dict(frame.evaluate("() => window.pkNetwork.body.data.nodes.get().map(n => [n.name, n.baseColor])"))
    assert set(colour.values()) <= set(viz.COMMUNITY_COLORS) and len(set(colour.values())) >= 2
    heading = page.page.get_by_text(re.compile(r"社区 Communities（\d+，Louvain）"))
    heading.wait_for(timeout=20_000)
    groups = int(re.search(r"（(\d+)，", heading.inner_text()).group(1))
    with page.page.expect_download(timeout=GENEROUS) as dl:
        page.page.get_by_role("button", name="社区 CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == groups == len(set(colour.values()))
    for row in rows:  # the members of one community wear its colour, and no one else does
        want = viz.COMMUNITY_COLORS[(int(row["社区 community"]) - 1) % len(viz.COMMUNITY_COLORS)]
        wearing = [name for name, c in colour.items() if c == want]
        assert int(row["单位数 size"]) == len(wearing), row
        assert sorted(row["成员 members"]) == sorted("、".join(wearing)), row  # names may hold 、 themselves
    assert page.remote == []


def test_clicking_a_node_focuses_it_and_open_goes_to_its_agency(page):
    frame = open_network(page, "bipartite")
    nid = node_id(frame, "广州市版权局")
    page.page.mouse.click(*node_point(page, frame, nid))
    frame.wait_for_function("id => window.pkFocused === id", arg=nid, timeout=10_000)
    state = frame.evaluate("""id => { const n = window.pkNetwork, near = new Set(n.getConnectedNodes(id).concat([id]));
        const all = n.body.data.nodes.get();
        return {near: near.size, lit: all.filter(d => near.has(d.id)).every(d => d.color === d.baseColor),
                dim: all.filter(d => !near.has(d.id)).every(d => d.color === '%s'),
                others: all.length - near.size}; }""" % DIMMED, nid)
    assert state["lit"] and state["dim"] and state["near"] > 5 and state["others"] > 5, state
    panel = frame.locator("#pk-focus")
    assert panel.is_visible() and "广州市版权局" in panel.inner_text()
    page.shot("network-focus")
    frame.locator("#pk-open").click()
    page.page.wait_for_url("**agency=*", timeout=GENEROUS)
    page.settle()
    page.page.get_by_role("heading", name="广州市版权局").wait_for(timeout=GENEROUS)
    assert page.remote == [] and page.dialogs == []


def test_open_goes_from_a_task_node_to_the_task_view(page):
    frame = open_network(page, "tasks")
    nid = node_id(frame, "完善知识产权法规规章")
    page.page.mouse.click(*node_point(page, frame, nid))
    frame.wait_for_function("id => window.pkFocused === id", arg=nid, timeout=10_000)
    # clicking the empty canvas ends the focus; the search box brings it back
    page.page.mouse.click(*[v + 3 for v in (page.page.locator("iframe").first.bounding_box()["x"],
                                              page.page.locator("iframe").first.bounding_box()["y"] + 60)])
    frame.wait_for_function("window.pkFocused === null", timeout=10_000)
    frame.locator("#pk-search").fill("完善知识产权法规规章")
    frame.locator("#pk-search").press("Enter")
    frame.wait_for_function("id => window.pkFocused === id", arg=nid, timeout=10_000)
    frame.locator("#pk-open").click()
    page.page.wait_for_url("**task=*", timeout=GENEROUS)
    page.settle()
    page.page.get_by_role("heading", name="1 完善知识产权法规规章").wait_for(timeout=GENEROUS)


def test_the_search_box_finds_and_selects_a_node(page):
    frame = open_network(page, "bipartite")
    search = frame.locator("#pk-search")
    search.fill("版权局")  # part of a name: the best-connected node holding it
    search.press("Enter")
    nid = node_id(frame, "广州市版权局")
    frame.wait_for_function("id => window.pkFocused === id", arg=nid, timeout=10_000)
    assert frame.evaluate("window.pkNetwork.getSelectedNodes()") == [nid]
    # the node is in view, at least at its natural size
    x, y = frame.evaluate("""id => { const n = window.pkNetwork;
        const p = n.canvasToDOM(n.getPositions([id])[id]); return [p.x, p.y]; }""", nid)
    w, h = frame.evaluate("() => [document.querySelector('#pk-network').clientWidth, "
                          "document.querySelector('#pk-network').clientHeight]")
    assert 0 <= x <= w and 0 <= y <= h and frame.evaluate("window.pkNetwork.getScale()") >= 1
    assert frame.evaluate(f"window.pkNetwork.body.data.nodes.get({nid}).label") == "广州市版权局"
    search.fill("没有这个节点")
    search.press("Enter")
    assert frame.locator("#pk-search-status").inner_text() == "没有 no match"


def test_labels_do_not_overlap_at_the_default_zoom(page):
    for mode in ("bipartite", "collaboration", "tasks"):
        frame = open_network(page, mode)
        boxes = label_boxes(frame)
        total = frame.evaluate("window.pkNetwork.body.data.nodes.length")
        assert len(boxes) >= min(10, total), (mode, len(boxes))
        crossed = [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                   if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
        assert crossed == [], (mode, crossed[:3])
        # the best-connected node is labelled
        top = frame.evaluate("() => window.pkNetwork.body.data.nodes.get().sort((a, b) => a.rank - b.rank)[0].label")
        assert top
        # zoomed in, more labels fit, still without overlap
        frame.evaluate("() => { const n = window.pkNetwork; window.pkLabelled = false; n.moveTo({scale: n.getScale() * 3});"
                       " n.emit('zoom', {scale: n.getScale()}); }")
        frame.wait_for_function("window.pkLabelled === true", timeout=10_000)
        frame.wait_for_timeout(200)
        more = label_boxes(frame)
        in_view = set(frame.evaluate("""() => { const n = window.pkNetwork, c = document.querySelector('#pk-network');
            const pos = n.getPositions(); return Object.keys(pos).map(Number).filter(id => {
              const p = n.canvasToDOM(pos[id]); return p.x >= 0 && p.y >= 0 && p.x <= c.clientWidth && p.y <= c.clientHeight; }); }"""))
        assert more and len(more) >= len([b for b in boxes if b[4] in in_view]), mode
        assert not [(a, b) for i, a in enumerate(more) for b in more[i + 1:]
                    if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
    page.shot("network-tasks")


def test_positions_stay_where_they_were_across_reruns(page):
    frame = open_network(page, "tasks")
    first = frame.evaluate("window.pkNetwork.getPositions()")
    # a rerun: another view mode and back
    page.page.get_by_text("单位协作 agency collaboration").click()
    page.settle()
    page.page.get_by_text("任务关联 task connections").click()
    page.settle()
    frame = page.graph_frame(timeout=GENEROUS)
    names = frame.evaluate("() => window.pkNetwork.body.data.nodes.get().map(n => n.id)")
    again = frame.evaluate("window.pkNetwork.getPositions()")
    assert again == first and len(names) > 20
    # a new session on the same store
    frame = open_network(page, "tasks")
    assert frame.evaluate("window.pkNetwork.getPositions()") == first


def test_hostile_names_stay_text_on_the_canvas(browser, hostile_app):
    p = Page(browser, hostile_app)
    try:
        p.open("view=network")
        frame = p.graph_frame(timeout=GENEROUS)
        frame.wait_for_function("window.pkLabelled === true", timeout=20_000)
        frame.locator("#pk-search").fill("<img")
        frame.locator("#pk-search").press("Enter")
        frame.wait_for_function("window.pkFocused !== null", timeout=10_000)
        panel = frame.locator("#pk-focus-name")
        assert panel.inner_text() == EVIL
        assert frame.locator("#pk-focus img, img[src=x]").count() == 0
        href = frame.locator("#pk-open").get_attribute("href")
        assert "<" not in href and "%3Cimg" in href and href.startswith(p.base)
        assert frame.evaluate("[...document.querySelectorAll('#pk-names option')].some(o => o.value === %r)" % EVIL)
        p.page.wait_for_timeout(300)
        assert p.dialogs == [] and all(flag is None for flag in p.flags())
        assert p.remote == []
    finally:
        p.page.close()
