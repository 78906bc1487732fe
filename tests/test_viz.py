"""graph.viz: HTML that shows hostile document text literally and fetches nothing from elsewhere."""

from __future__ import annotations

import doctest
import html
import json
import re

import networkx as nx
import pytest

from graph import network as N
from graph import viz

EVIL = "<img src=x onerror=alert(1)>"


def test_doctests():
    failures, _ = doctest.testmod(viz)
    assert failures == 0


MD_CASES = [
    ("市版权局", "市版权局"),
    (EVIL, r"\<img src\=x onerror\=alert\(1\)\>"),
    ("**粗**", r"\*\*粗\*\*"),
    ("[点我](javascript:alert(1))", r"\[点我\]\(javascript\:alert\(1\)\)"),
    ("1. 列表", r"1\. 列表"),
    ("# 标题", r"\# 标题"),
    ("`code` $x$ ~~s~~ |t|", r"\`code\` \$x\$ \~\~s\~\~ \|t\|"),
    ("甲\n乙", "甲  \n乙"),
]


@pytest.mark.parametrize("text,expected", MD_CASES)
def test_md_escape(text, expected):
    assert viz.md_escape(text) == expected


HIGHLIGHT_CASES = [
    # (text, marks, expected)
    ("abc", [], "abc"),
    ("a<b", [], "a&lt;b"),
    ("abc", [(1, 2, "place", "")], 'a<mark class="pk-place" style="' + viz.MARK_STYLES["place"] + '">b</mark>c'),
    ("abc", [(0, 9, "place", "")], "abc"),  # outside the text: ignored
    ("abc", [(2, 1, "place", "")], "abc"),  # empty or reversed: ignored
    ('x"y', [(0, 3, "note", '"><script>')], '<mark class="pk-note" title="&quot;&gt;&lt;script&gt;">x&quot;y</mark>'),
    ("ab", [(0, 2, "Bad Kind!<", "")], '<mark class="pk-badkind">ab</mark>'),
]


@pytest.mark.parametrize("text,marks,expected", HIGHLIGHT_CASES)
def test_highlight(text, marks, expected):
    assert viz.highlight(text, marks) == expected


def test_highlight_nested_marks_take_the_innermost_and_keep_every_character():
    text = "（牵头单位：" + EVIL + "）"
    start = text.index(EVIL)
    out = viz.highlight(text, [(0, len(text), "clause", "责任条款"), (start, start + len(EVIL), "role-lead", EVIL)])
    assert "<img" not in out
    assert html.unescape(re.sub(r"<[^>]+>", "", out)) == text
    assert out.count('class="pk-role-lead"') == 1 and out.count('class="pk-clause"') == 2


def test_tooltip_escapes_each_line():
    assert viz.tooltip(EVIL, "", None, "二") == html.escape(EVIL) + "<br>二"


def _graph() -> nx.Graph:
    G = nx.Graph()
    G.add_node("a1", kind="agency", label=EVIL)
    G.add_node("a2", kind="agency", label="市版权局</script><script>window.__pwned=1</script>")
    for i in range(1, 6):
        G.add_node(f"t{i}", kind="task", label=f"任务{i}", rid=f"plan/t{i}")
        G.add_edge("a1", f"t{i}", role="lead")
    G.add_edge("a2", "t1", role="cooperate", weight=3)
    return G


def _data(page: str) -> dict:
    m = re.search(r"var data = (\{.*?\});\n", page, re.S)
    assert m, "no data in the page"
    return json.loads(m.group(1))


def test_render_inlines_everything_and_escapes_every_name():
    G = _graph()
    before = nx.node_link_data(G, edges="links")
    page = viz.render(G, nx.circular_layout(G))
    assert nx.node_link_data(G, edges="links") == before  # the graph handed in is not modified
    assert viz.external_resources(page) == []
    assert "<img" not in page and "</script><script>window" not in page
    assert len(re.findall(r"<script>\n?[(v/]", page)) == 2  # vis-network, then our data: nothing else
    assert page.count("</script>") == 2
    data = _data(page)
    labels = {n["label"] for n in data["nodes"]}
    assert EVIL[:11] in {label[:11] for label in labels}  # drawn on the canvas as text
    assert EVIL in {n["name"] for n in data["nodes"]}  # the search box and focus panel take it as text
    titles = [n["title"] for n in data["nodes"]] + [e.get("title", "") for e in data["edges"]]
    assert all("<img" not in t and "<script" not in t for t in titles)
    assert any(html.escape(EVIL) in t for t in titles)
    assert data["options"]["physics"] == {"enabled": False}
    assert all(n["physics"] is False and isinstance(n["x"], float) for n in data["nodes"])
    roles = {e["color"] for e in data["edges"]}
    assert roles == {viz.ROLE_COLORS["lead"], viz.ROLE_COLORS["cooperate"]}


def test_render_keeps_positions_and_places_unplaced_nodes():
    G = _graph()
    positions = {n: (float(i), 0.0) for i, n in enumerate(sorted(G))}
    first = _data(viz.render(G, positions))
    again = _data(viz.render(G, positions))
    assert first == again
    partial = _data(viz.render(G, {"a1": (0.0, 0.0)}))
    assert len(partial["nodes"]) == G.number_of_nodes()


def test_render_limit_keeps_the_best_connected_nodes():
    G = _graph()
    data = _data(viz.render(N.trim(G, 3), {}))
    assert len(data["nodes"]) == 3
    kept = {n["label"] for n in data["nodes"]}
    assert any(label.startswith("<img") for label in kept)  # a1, degree 5, is kept
    assert N.trim(G, None) is G and N.trim(G, 10) is G


def test_render_color_by_kind_and_bad_option():
    data = _data(viz.render(_graph(), {}, color_by="kind"))
    assert {e["color"] for e in data["edges"]} == {"#b0b0b0"}
    with pytest.raises(ValueError, match="color_by"):
        viz.render(_graph(), {}, color_by="rainbow")


def test_placeholders_in_document_text_stay_text():
    G = nx.Graph()
    G.add_node("x", kind="task", label="%JS% %CSS% %DATA%")
    page = viz.render(G, {})
    assert page.count("vis.Network") == 1 and "%JS% %CSS% %DATA%" in page


EXTERNAL_CASES = [
    ('<script src="https://cdn.example/x.js"></script>', ["https://cdn.example/x.js"]),
    ("<link rel=stylesheet href=//cdn.example/a.css>", ["//cdn.example/a.css"]),
    ("<style>@import 'http://e.example/b.css';</style>", ["http://e.example/b.css"]),
    ('<div style="background:url(https://e.example/i.png)">', ["https://e.example/i.png"]),
    ('<script src="lib/local.js"></script>', []),
    ('<a href="https://example.org">a link is not fetched</a>', []),
    ("<style>.x{background:url(data:image/png;base64,AAAA)}</style>", []),
]


@pytest.mark.parametrize("page,expected", EXTERNAL_CASES)
def test_external_resources(page, expected):
    assert viz.external_resources(page) == expected


def test_pyvis_own_template_would_fetch_from_a_cdn():
    """Why viz has its own page: pyvis's in_line template still links Bootstrap from a CDN."""
    from pyvis.network import Network

    net = Network(cdn_resources="in_line")
    net.add_node(1, label="a")
    assert viz.external_resources(net.generate_html())


@pytest.fixture
def projection(tiny_extraction):
    from graph import network as nw
    from graph.rdf import dataset

    return nw.project(dataset([tiny_extraction]))


def _label_of(H: nx.Graph) -> set[str]:
    return {d.get("label") for _, d in H.nodes(data=True)}


def test_network_view_modes_and_filters(projection):
    G = projection
    before = (G.number_of_nodes(), G.number_of_edges())
    B = N.view_graph(G, "bipartite")
    assert {"完善法规", "加强执法", "广州市版权局"} <= _label_of(B)
    leads = N.view_graph(G, "bipartite", roles=["lead"])
    assert "加强执法" not in _label_of(leads) and "完善法规" in _label_of(leads)
    C = N.view_graph(G, "collaboration")
    assert all(d["kind"] == "agency" for _, d in C.nodes(data=True))
    amr = next(n for n, d in C.nodes(data=True) if d["label"].startswith("广州市市场监督管理局"))
    assert C.has_edge(amr, next(n for n, d in C.nodes(data=True) if d["label"] == "广州市版权局"))
    alone = N.view_graph(G, "collaboration", agencies=[amr])
    assert amr in alone and len(alone) < len(C) + 1
    T = N.view_graph(G, "tasks")
    assert {d["kind"] for _, d in T.nodes(data=True)} <= {"task", "measure"}
    section = next(n for n, d in G.nodes(data=True) if d.get("kind") == "section" and d.get("label") == "保障措施")
    only = N.view_graph(G, "tasks", sections=[section])
    assert _label_of(only) == {"加强组织领导"}
    assert (G.number_of_nodes(), G.number_of_edges()) == before
    with pytest.raises(ValueError, match="network view"):
        N.view_graph(G, "galaxy")


def test_centrality_rows(projection):
    rows = N.centrality(N.view_graph(projection, "bipartite"))
    assert rows and set(rows[0]) == {"node", "label", "kind", "rid", "degree", "weighted_degree", "betweenness"}
    assert [r["weighted_degree"] for r in rows] == sorted((r["weighted_degree"] for r in rows), reverse=True)
    assert N.centrality(nx.Graph()) == []


def test_tooltips_label_degree_weighted_degree_betweenness_and_list_shared_tasks():
    G = nx.Graph()
    G.add_node("a", kind="agency", label="甲局")
    G.add_node("b", kind="agency", label="乙局")
    G.add_edge("a", "b", weight=2, tasks=["t1", "t2"], shared=["1 做好<b>甲</b>事", "2 做好乙事"])
    data = _data(viz.render(G, {}, stats={"a": {"betweenness": 0.25, "community": 1}}))
    tip = next(n["title"] for n in data["nodes"] if n["label"] == "甲局")
    assert "度 degree 1" in tip and "加权度 weighted degree 2" in tip and "介数 betweenness 0.250" in tip
    assert "社区 community 1" in tip
    (edge,) = data["edges"]
    assert "共同任务 shared tasks: 2" in edge["title"] and "做好乙事" in edge["title"]
    assert "<b>" not in edge["title"]  # the task titles are text
    colours = {n["label"]: n["color"] for n in data["nodes"]}
    assert colours["甲局"] == viz.COMMUNITY_COLORS[0] and colours["乙局"] != colours["甲局"]
