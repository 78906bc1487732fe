"""The networkx views are derived from the seed's RDF: counts, roles, connections, exports."""

from __future__ import annotations

import copy
import csv
import io
import math
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract.pipeline import extract_file
from extract.records import Role
from graph import network as N
from graph.rdf import dataset, extraction_to_graph, packaged_gazetteer_graph

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "guangzhou-ip-plan-2021-2025.txt"
AMR, COPYRIGHT, HUANGPU = "广州市市场监督管理局", "广州市版权局", "广州市黄埔区人民政府"

# Who leads what in the seed, as the plan states it.
AMR_LEADS = {1, 2, *range(5, 13), 15, 17, *range(20, 25), 27, *range(30, 42), *range(43, 51)}
LEADS = [(AMR, AMR_LEADS, 3), (HUANGPU, {42}, 0), (COPYRIGHT, {1, 2, 19, 27, 30}, 0)]


@pytest.fixture(scope="module")
def seed():
    return extract_file(SEED)


@pytest.fixture(scope="module")
def rdf(seed):
    return extraction_to_graph(seed)


@pytest.fixture(scope="module")
def G(rdf):
    return N.project(rdf)


@pytest.fixture(scope="module")
def C(G):
    return N.collaboration(G)


def node(G, label: str) -> str:
    return N.resolve(G, label)


def task(G, seed, number: str) -> str:
    return N.resolve(G, f"{seed.document.id}/t{number}")


# project


def test_projects_every_kind_of_node_with_its_attributes(G, seed):
    kinds = {k: sum(1 for _, d in G.nodes(data="kind") if d == k) for k in N.NODE_KINDS}
    assert kinds["task"] + kinds["measure"] == 53 == len(seed.units)
    assert kinds["document"] == 1
    assert kinds["box"] == len(seed.boxes) and kinds["indicator"] == len(seed.indicators)
    assert kinds["part"] + kinds["section"] == len(seed.sections)
    assert kinds["agency"] and kinds["place"] and kinds["reference"]
    assert set(kinds) == {d for _, d in G.nodes(data="kind")}
    for n, d in G.nodes(data=True):
        assert {"kind", "label", "number", "doc", "docs"} <= set(d), n
        assert d["label"], n
    t11 = G.nodes[task(G, seed, "11")]
    assert t11["label"] == seed.unit(f"{seed.document.id}/t11").title
    assert t11["number"] == "11" and t11["doc"] == seed.document.id
    assert "电子商务" in t11["keywords"]
    assert G.nodes[t11["section"]]["kind"] == "section" and G.nodes[t11["part"]]["kind"] == "part"


@pytest.mark.parametrize("label, numbers, measures", LEADS, ids=["amr", "huangpu", "copyright"])
def test_lead_edges_are_the_tasks_the_agency_leads(G, seed, label, numbers, measures):
    agency = node(G, label)
    led = [u for u, _, t in G.in_edges(agency, data="type") if t == "lead"]
    tasks = {int(G.nodes[u]["number"]) for u in led if G.nodes[u]["kind"] == "task"}
    assert tasks == numbers
    assert sum(1 for u in set(led) if G.nodes[u]["kind"] == "measure") == measures
    from_records = {u.id for u in seed.units for a in u.assignments if a.role is Role.LEAD and a.canonical == label}
    assert {G.nodes[u]["rid"] for u in led} == from_records


def test_role_edges_carry_their_evidence(G, seed):
    text = seed.document.text
    edges = [(u, v, d) for u, v, d in G.edges(data=True) if d["type"] in N.ROLES]
    assert len(edges) == sum(len(u.assignments) for u in seed.units)
    for _, _, d in edges:
        assert text[d["char_start"]:d["char_end"]] == d["as_written"]
        assert text[d["clause_start"]:d["clause_end"]] == d["evidence"]
        assert d["as_written"] in d["evidence"]


def test_typed_edges_link_the_right_kinds(G):
    expected = {"part_of": ({"part", "section", "task", "measure", "box", "indicator"},
                            {"document", "part", "section"}),
                "box_of": ({"box"}, {"task", "measure"}),
                "cites": ({"document", "task", "measure"}, {"reference"}),
                "mentions_place": ({"document", "task", "measure"}, {"place"}),
                "mentions_agency": ({"document", "task", "measure"}, {"agency"}),
                "source": ({"indicator"}, {"agency"}),
                **{r: ({"task", "measure"}, {"agency"}) for r in N.ROLES}}
    seen = set()
    for u, v, t in G.edges(data="type"):
        assert t in N.EDGE_TYPES
        if t in expected:
            assert G.nodes[u]["kind"] in expected[t][0] and G.nodes[v]["kind"] in expected[t][1], (u, t, v)
        seen.add(t)
    assert {"part_of", "box_of", "cites", "mentions_place", "mentions_agency", "source", "lead", "cooperate"} <= seen


def test_gazetteer_adds_levels_kinds_and_the_place_hierarchy(seed):
    G = N.project(dataset([seed], gazetteer=packaged_gazetteer_graph()))
    amr = G.nodes[node(G, AMR)]
    assert (amr["level"], amr["agency_kind"]) == ("city", "government")
    located = {(G.nodes[u]["label"], G.nodes[v]["label"]) for u, v, t in G.edges(data="type") if t == "located_in"}
    assert ("广州市", "广东省") in located


def test_documents_merge_on_shared_agencies(seed, make_tiny_extraction):
    tiny = make_tiny_extraction()
    G = N.project(dataset([seed, tiny]))
    assert sum(1 for _, k in G.nodes(data="kind") if k == "document") == 2
    assert sum(1 for _, k in G.nodes(data="kind") if k in N.UNIT_KINDS) == 53 + len(tiny.units)
    amr = next(n for n, d in G.nodes(data=True) if d["kind"] == "agency" and n.endswith("/gz-amr"))
    assert G.nodes[amr]["docs"] == sorted([seed.document.id, tiny.document.id])


def test_project_is_deterministic(rdf, G):
    again = N.project(rdf)
    assert list(again.nodes(data=True)) == list(G.nodes(data=True))
    assert list(again.edges(keys=True, data=True)) == list(G.edges(keys=True, data=True))


def test_project_does_not_change_the_rdf(seed):
    g = extraction_to_graph(seed)
    before = set(g)
    N.project(g)
    assert set(g) == before


def test_nothing_changes_the_graph_it_is_given(G, C):
    g0, c0 = copy.deepcopy(G), copy.deepcopy(C)
    t = next(n for n, k in G.nodes(data="kind") if k == "task")
    N.task_connections(G)
    N.connected_tasks(G, t)
    N.collaboration(G)
    N.bipartite(G, roles=["lead"])
    N.subgraph(G, t, 2)
    N.layout(G)
    N.to_graphml(G)
    N.to_gexf(G)
    N.agency_task_matrix_csv(G)
    N.centrality(C)
    N.agency_matrix_csv(C)
    assert nx.utils.graphs_equal(G, g0) and nx.utils.graphs_equal(C, c0)


# Tasks connected by what they share


def _weights(reasons: list[str]) -> list[float]:
    """The weight each reason states: "shared lead: 甲局 (0.57)" → 0.57."""
    return [float(r.rsplit(" (", 1)[1].rstrip(")")) for r in reasons]


def test_connected_tasks_of_11_weigh_the_ubiquitous_lead_bureau_near_zero(G, seed):
    rows = N.connected_tasks(G, f"{seed.document.id}/t11")
    by_number = {r["number"]: r for r in rows}
    assert {"9", "10"} <= set(by_number)
    near = by_number["9"]
    assert any(r.startswith(("shared cooperate: ", "same section: ")) for r in near["reasons"])
    # 广州市市场监督管理局 leads most units of the plan: sharing it says little
    (amr,) = [w for r, w in zip(near["reasons"], _weights(near["reasons"])) if r.startswith(f"shared lead: {AMR} (")]
    assert 0 < amr < 0.1 and max(_weights(near["reasons"])) > 0.5
    assert _weights(near["reasons"]) == sorted(_weights(near["reasons"]), reverse=True)
    assert near["weight"] == pytest.approx(sum(_weights(near["reasons"])), abs=0.01 * len(near["reasons"]))
    assert rows == sorted(rows, key=lambda r: (-r["weight"], N._natural(r["task"])))
    assert all(r["task"] != task(G, seed, "11") for r in rows)


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_each_task_keeps_at_most_k_links_the_strongest_first(G, k):
    every = N.task_connections(G)
    T = N.task_connections(G, k=k)
    assert max(d for _, d in T.degree()) <= k
    assert set(T.edges()) <= {tuple(e) for e in every.edges()} | {tuple(reversed(e)) for e in every.edges()}
    for u, v, w in every.edges(data="weight"):
        if T.has_edge(u, v):
            continue
        # a link is left out only when one of its tasks already has k links, none weaker than it
        full = [x for x in (u, v) if T.degree(x) == k and all(T[x][y]["weight"] >= w for y in T[x])]
        assert full, (u, v, w)
    assert list(N.task_connections(G, k=k).edges(data=True)) == list(T.edges(data=True))  # deterministic
    with pytest.raises(ValueError, match="k must be at least 1"):
        N.task_connections(G, k=0)


def test_connections_agree_with_connected_tasks(G, seed):
    T = N.task_connections(G, min_weight=0.5, k=3)
    t11 = task(G, seed, "11")
    rows = N.connected_tasks(G, t11, min_weight=0.5, k=3)
    assert {r["task"]: r["reasons"] for r in rows} == {v: T[t11][v]["reasons"] for v in T[t11]}
    assert 0 < len(rows) <= 3
    for _, _, d in T.edges(data=True):
        assert d["weight"] >= 0.5 and d["reasons"]
        assert d["weight"] == pytest.approx(sum(_weights(d["reasons"])), abs=0.01 * len(d["reasons"]))
        assert d["kinds"] and set(d["kinds"]) <= set(N.CONNECTION_KINDS)


CONNECTION_CASES = [
    (["section"], "same section: "),
    (["lead"], "shared lead: "),
    (["keywords"], "shared keyword: "),
    (["place"], "shared place: "),
    (["responsible"], "shared responsible: "),
]


@pytest.mark.parametrize("kinds, prefix", CONNECTION_CASES)
def test_connections_can_be_limited_to_one_kind_of_reason(G, kinds, prefix):
    T = N.task_connections(G, kinds=kinds)
    assert T.number_of_nodes() == 53
    assert T.number_of_edges()
    for _, _, d in T.edges(data=True):
        assert d["kinds"] == kinds and all(r.startswith(prefix) for r in d["reasons"])


# A hand-made projection: five tasks; 各区人民政府 and 有关部门 are collectives (有关部门 an open one),
# 发展 is a keyword of every task. Specificity over N = 5 units: held by 2 → log(5/2)/log(5) = 0.569,
# by 5 → 0. So t1–t2 share 市甲局 as lead and 质押 (1.139), t3–t4 市乙局 as lead (0.569), t4–t5 融资 (0.569);
# t3–t5 share only the two collectives and 发展, t1–t3 only 各区人民政府 and 发展: no link.
HAND_TASKS = {  # task: (lead, cooperating agencies, keywords)
    "t1": ("a", ["districts"], ["发展", "质押"]),
    "t2": ("a", ["districts"], ["发展", "质押"]),
    "t3": ("b", ["districts", "any"], ["发展"]),
    "t4": ("b", ["any"], ["发展", "融资"]),
    "t5": ("c", ["districts", "any"], ["发展", "融资"]),
}
HAND_AGENCIES = {"a": ("市甲局", "government"), "b": ("市乙局", "government"), "c": ("市丙局", "government"),
                 "districts": ("各区人民政府", "collective"), "any": ("有关部门", "collective")}


def hand_projection(collective: str = "collective") -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    for a, (label, kind) in HAND_AGENCIES.items():
        G.add_node(a, kind="agency", label=label, agency_kind=collective if kind == "collective" else kind)
    for t, (lead, cooperate, keywords) in HAND_TASKS.items():
        G.add_node(t, kind="task", label=f"任务{t[1]}", number=t[1], rid=f"hand/{t}", keywords=keywords)
        G.add_edge(t, lead, key="lead", type="lead")
        for a in cooperate:
            G.add_edge(t, a, key=f"cooperate-{a}", type="cooperate")
    return G


def test_hand_checked_links_rest_on_specific_shared_things_only():
    T = N.task_connections(hand_projection())
    assert {tuple(sorted(e)): d["weight"] for *e, d in T.edges(data=True)} == {
        ("t1", "t2"): 1.139, ("t3", "t4"): 0.569, ("t4", "t5"): 0.569}
    assert T["t1"]["t2"]["reasons"] == ["shared lead: 市甲局 (0.57)", "shared keyword: 质押 (0.57)"]
    assert T["t3"]["t4"]["reasons"] == ["shared lead: 市乙局 (0.57)"]
    assert T["t4"]["t5"]["reasons"] == ["shared keyword: 融资 (0.57)"] and T["t4"]["t5"]["kinds"] == ["keywords"]
    assert not T.has_edge("t3", "t5") and not T.has_edge("t1", "t3")  # only collectives and 发展 in common
    assert not any("发展" in r or "各区人民政府" in r or "有关部门" in r for *_, d in T.edges(data=True) for r in d["reasons"])


def test_hand_checked_control_a_body_in_the_collectives_place_links_them():
    """Were 各区人民政府 and 有关部门 single bodies, t3–t5 would share both as cooperating agencies."""
    T = N.task_connections(hand_projection(collective="government"))
    # 各区人民政府 is held by 4 units: log(5/4)/log(5) = 0.139; 有关部门 by 3: log(5/3)/log(5) = 0.317
    assert T["t3"]["t5"]["reasons"] == ["shared cooperate: 有关部门 (0.32)", "shared cooperate: 各区人民政府 (0.14)"]
    assert T["t3"]["t5"]["weight"] == 0.456


def test_hand_checked_a_keyword_of_every_task_gives_no_link():
    T = N.task_connections(hand_projection(), kinds=["keywords"])
    assert sorted(tuple(sorted(e)) for e in T.edges()) == [("t1", "t2"), ("t4", "t5")]
    G = hand_projection()
    for t in HAND_TASKS:
        G.nodes[t]["keywords"] = ["发展"]
    assert N.task_connections(G, kinds=["keywords"]).number_of_edges() == 0
    assert N.specificity({t: {("keywords", "发展"): "发展"} for t in HAND_TASKS}) == {("keywords", "发展"): 0.0}


def test_hand_checked_k_and_min_weight():
    G = hand_projection()
    T1 = N.task_connections(G, k=1)  # t1–t2 first; then t3–t4 (before t4–t5 in task order), which fills t4
    assert sorted(tuple(sorted(e)) for e in T1.edges()) == [("t1", "t2"), ("t3", "t4")]
    assert max(d for _, d in T1.degree()) == 1
    assert sorted(tuple(sorted(e)) for e in N.task_connections(G, min_weight=1.0).edges()) == [("t1", "t2")]
    rows = N.connected_tasks(G, "hand/t4", k=1)
    assert [(r["task"], r["weight"]) for r in rows] == [("t3", 0.569)]
    assert [r["task"] for r in N.connected_tasks(G, "t4")] == ["t3", "t5"]
    only = N.task_connections(G, units=["t3", "t4", "t5"])  # weights stay those of all five units
    assert {tuple(sorted(e)): d["weight"] for *e, d in only.edges(data=True)} == {("t3", "t4"): 0.569, ("t4", "t5"): 0.569}


MINI_PLAN = """某市知识产权测试工作方案

一、主要任务

（一）完善制度

1.建设版权登记大厅。优化作品登记窗口服务。（牵头单位：市版权局；配合单位：{partner}）

2.开展海关边境巡查。查处进出口侵权货物。（牵头单位：广州海关；配合单位：{partner}）

3.培育商标品牌企业。指导龙头企业注册商标。（牵头单位：市市场监管局；配合单位：市版权局）
"""


@pytest.mark.parametrize("partner, linked", [("各区人民政府", False), ("市公安局", True)])
def test_a_link_resting_on_a_collective_of_the_gazetteer_is_gone(tmp_path, partner, linked):
    """From text through the gazetteer: 各区人民政府 is stored as a collective, 市公安局 as a body."""
    path = tmp_path / "mini-plan.txt"
    path.write_text(MINI_PLAN.format(partner=partner), encoding="utf-8")
    (tmp_path / "mini-plan.toml").write_text('id = "mini-plan"\njurisdiction = "广州市"\n', encoding="utf-8")
    G = N.project(dataset([extract_file(path)], gazetteer=packaged_gazetteer_graph()))
    t1, t2 = N.resolve(G, "mini-plan/t1"), N.resolve(G, "mini-plan/t2")
    T = N.task_connections(G)
    assert T.has_edge(t1, t2) == linked
    if linked:
        assert T[t1][t2]["reasons"] == [f"shared cooperate: 广州市公安局 ({math.log(1.5) / math.log(3):.2f})"]


def test_tasks_of_two_documents_connect_on_what_they_cite_and_where_they_act(make_tiny_extraction):
    a, b = make_tiny_extraction("a"), make_tiny_extraction("b")
    G = N.project(dataset([a, b]))
    t1a, t1b = N.resolve(G, "a/t1"), N.resolve(G, "b/t1")
    T = N.task_connections(G, kinds=["reference", "place"])
    n = sum(1 for _, k in G.nodes(data="kind") if k in N.UNIT_KINDS)  # each held by a/t1 and b/t1 alone
    w = f"{math.log(n / 2) / math.log(n):.2f}"
    assert T[t1a][t1b]["reasons"] == [f"shared reference: 知识产权强国建设纲要（2021-2035 年） ({w})",
                                      f"shared place: 南沙区 ({w})"]
    assert T[t1a][t1b]["kinds"] == ["reference", "place"]
    assert not T.has_edge(t1a, N.resolve(G, "a/t2"))


def test_one_lead_bureau_joins_all_the_tasks_it_leads(G):
    T = N.task_connections(G, kinds=["lead"])
    amr = node(G, AMR)
    led = sorted({u for u, _, t in G.in_edges(amr, data="type") if t == "lead"})
    assert all(T.has_edge(a, b) for i, a in enumerate(led) for b in led[i + 1:])


def test_same_section_holds_exactly_the_tasks_of_one_section(G, seed):
    T = N.task_connections(G, kinds=["section"])
    for u, v in T.edges():
        assert G.nodes[u]["section"] == G.nodes[v]["section"] or G.nodes[u]["part"] == G.nodes[v]["part"]
    s11 = seed.unit(f"{seed.document.id}/t11").section
    siblings = {N.resolve(G, u.id) for u in seed.units if u.section == s11} - {task(G, seed, "11")}
    assert set(T[task(G, seed, "11")]) == siblings


def test_unknown_connection_kind_is_refused(G):
    with pytest.raises(ValueError, match="'boss'"):
        N.task_connections(G, kinds=["boss"])


# Agencies


def test_collaboration_weight_counts_shared_tasks(G, C, seed):
    shared = [u.id for u in seed.units if {AMR, COPYRIGHT} <= {a.canonical for a in u.assignments}]
    amr, copyright_ = node(G, AMR), node(G, COPYRIGHT)
    assert C[amr][copyright_]["weight"] == len(shared) > 0
    assert [G.nodes[t]["rid"] for t in C[amr][copyright_]["tasks"]] == shared


def test_metrics_rank_the_lead_bureau_first(C, G):
    rows = N.centrality(C)
    assert len(rows) == C.number_of_nodes()
    assert rows[0]["node"] == node(G, AMR)
    for r in rows:
        assert r["degree"] == C.degree(r["node"]) and 0.0 <= r["betweenness"] <= 1.0
    keys = [(-r["weighted_degree"], -r["degree"], r["node"]) for r in rows]
    assert keys == sorted(keys)


def test_bipartite_filters_by_role_and_section(G, seed):
    B = N.bipartite(G)
    assert nx.is_bipartite(B)
    assert {d["bipartite"] for _, d in B.nodes(data=True)} == {0, 1}
    for _, _, d in B.edges(data=True):
        assert d["role"] == d["roles"][0] and d["color"] == N.ROLE_COLORS[d["role"]]
    leads = N.bipartite(G, roles=["lead"])
    assert {d["role"] for *_, d in leads.edges(data=True)} == {"lead"}
    t11 = G.nodes[task(G, seed, "11")]
    only = N.bipartite(G, sections=[t11["section"]], agencies=[AMR])
    tasks = {n for n, d in only.nodes(data=True) if d["bipartite"] == 1}
    assert tasks and all(G.nodes[t]["section"] == t11["section"] for t in tasks)
    assert {n for n, d in only.nodes(data=True) if d["bipartite"] == 0} == {node(G, AMR)}


def test_subgraph_is_a_neighbourhood_copy(G, seed):
    t11 = task(G, seed, "11")
    H = N.subgraph(G, t11, 1)
    assert t11 in H and node(G, AMR) in H and G.nodes[t11]["section"] in H
    H.add_node("extra")
    assert "extra" not in G


def test_layout_is_deterministic_whatever_the_insertion_order(G):
    B = N.bipartite(G)
    pos = N.layout(B)
    assert set(pos) == set(B)
    assert all(-1.0 <= c <= 1.0 for xy in pos.values() for c in xy)
    reversed_ = nx.Graph()
    reversed_.add_nodes_from(reversed(list(B.nodes)))
    reversed_.add_edges_from(reversed([(v, u) for u, v in B.edges]))
    assert N.layout(reversed_) == pos == N.layout(B)


# Exports


@pytest.mark.parametrize("write, read", [(N.to_graphml, nx.read_graphml), (N.to_gexf, nx.read_gexf)],
                         ids=["graphml", "gexf"])
@pytest.mark.parametrize("view", ["project", "collaboration", "bipartite", "connections"])
def test_exports_round_trip_with_the_same_counts(G, C, write, read, view):
    H = {"project": G, "collaboration": C, "bipartite": N.bipartite(G), "connections": N.task_connections(G)}[view]
    data = write(H)
    assert write(H) == data
    back = read(io.BytesIO(data))
    assert (back.number_of_nodes(), back.number_of_edges()) == (H.number_of_nodes(), H.number_of_edges())
    assert set(back.nodes) == {str(n) for n in H.nodes}


def test_exported_lists_are_joined_and_none_is_empty(G):
    back = nx.read_graphml(io.BytesIO(N.to_graphml(G)))
    amr = node(G, AMR)
    assert back.nodes[amr]["docs"] == "; ".join(G.nodes[amr]["docs"])
    assert back.nodes[amr]["number"] == ""


def test_agency_matrix_is_symmetric_and_holds_the_weights(C, G):
    rows = list(csv.reader(io.StringIO(N.agency_matrix_csv(C))))
    names = rows[0][1:]
    assert [r[0] for r in rows[1:]] == names == sorted(names)
    cell = {(r[0], names[j]): int(v) for r in rows[1:] for j, v in enumerate(r[1:])}
    assert all(cell[a, b] == cell[b, a] for a, b in cell)
    assert cell[AMR, COPYRIGHT] == C[node(G, AMR)][node(G, COPYRIGHT)]["weight"]


def test_agency_task_matrix_holds_roles_or_ones(G, seed):
    rows = list(csv.reader(io.StringIO(N.agency_task_matrix_csv(G))))
    header = rows[0][1:]
    cell = {(r[0], header[j]): v for r in rows[1:] for j, v in enumerate(r[1:])}
    t42 = f"{seed.document.id}/t42"
    assert cell[HUANGPU, t42] == "lead" and "lead" not in cell[AMR, t42]
    assert cell[AMR, f"{seed.document.id}/t11"] == "lead"
    binary = list(csv.reader(io.StringIO(N.agency_task_matrix_csv(G, roles=False))))
    assert {v for r in binary[1:] for v in r[1:]} == {"0", "1"}


# Invariants on arbitrary graphs

VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(-1, 1, allow_nan=False),
                   st.text("任务ab;, ", max_size=4), st.lists(st.text("ab", max_size=2), max_size=3))
EDGES = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=25)


@settings(max_examples=30, deadline=None)
@given(EDGES, st.randoms(use_true_random=False))
def test_layout_ignores_insertion_order(edges, random):
    H = nx.Graph()
    H.add_edges_from((f"n{u}", f"n{v}") for u, v in edges)
    shuffled_nodes, shuffled_edges = list(H.nodes), list(H.edges)
    random.shuffle(shuffled_nodes)
    random.shuffle(shuffled_edges)
    K = nx.Graph()
    K.add_nodes_from(shuffled_nodes)
    K.add_edges_from(shuffled_edges)
    assert N.layout(K) == N.layout(H)


@settings(max_examples=30, deadline=None)
@given(EDGES, st.lists(VALUES, min_size=1, max_size=10), st.lists(VALUES, min_size=1, max_size=10))
def test_any_attribute_values_export_and_read_back(edges, node_values, edge_values):
    H = nx.MultiDiGraph()
    H.add_nodes_from(f"n{i}" for i in range(3))
    for i, (u, v) in enumerate(edges):
        H.add_edge(f"n{u}", f"n{v}", value=edge_values[i % len(edge_values)])
    for i, n in enumerate(sorted(H)):
        H.nodes[n]["value"] = node_values[i % len(node_values)]
    before = copy.deepcopy(H)
    for write, read in ((N.to_graphml, nx.read_graphml), (N.to_gexf, nx.read_gexf)):
        back = read(io.BytesIO(write(H)))
        assert (back.number_of_nodes(), back.number_of_edges()) == (H.number_of_nodes(), H.number_of_edges())
    assert nx.utils.graphs_equal(H, before)


def test_collaboration_edges_name_their_shared_tasks(G, C):
    amr, copyright_ = node(G, AMR), node(G, COPYRIGHT)
    edge = C[amr][copyright_]
    assert edge["shared"] == [N.task_label(G, t) for t in edge["tasks"]]
    assert all(label.split(" ", 1)[0] == str(G.nodes[t]["number"]) for t, label in zip(edge["tasks"], edge["shared"]))


def test_communities_partition_the_agencies_deterministically(C):
    groups = N.communities(C)
    assert groups == N.communities(C)  # a fixed seed: the same communities every run
    members = [n for g in groups for n in g["nodes"]]
    assert sorted(members) == sorted(C.nodes) and len(set(members)) == len(members)
    assert [g["community"] for g in groups] == list(range(1, len(groups) + 1))
    assert [g["size"] for g in groups] == sorted((g["size"] for g in groups), reverse=True)
    assert 1 < len(groups) < C.number_of_nodes()
    assert N.communities(nx.Graph()) == []


# The CLI twin: policykg network --mode tasks --k K --min-weight W


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory):
    from graph.cli import main

    data = tmp_path_factory.mktemp("network-data")
    assert main(["build", str(ROOT / "corpus"), "--data", str(data)]) == 0
    return data


def test_cli_network_tasks_keeps_k_links_per_task_of_at_least_the_minimum_weight(seed_store, capsys):
    import json

    from graph.cli import main
    from graph.query import open_kg
    from graph.views.network import network_view

    capsys.readouterr()
    assert main(["network", "--mode", "tasks", "--k", "2", "--min-weight", "0.8", "--format", "json",
                 "--data", str(seed_store)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 53 and max(r["degree"] for r in rows) <= 2 and any(r["degree"] == 2 for r in rows)
    with open_kg(seed_store, ROOT / "corpus") as kg:
        view = network_view(kg, "tasks", k=2, min_weight=0.8)
        assert all(w >= 0.8 for *_, w in view.graph.edges(data="weight"))
        assert [(r["rid"], r["degree"]) for r in rows] == [(r["rid"], r["degree"]) for r in view.centrality]
        wider = network_view(kg, "tasks", k=4, min_weight=0.8)
        assert wider.graph.number_of_edges() > view.graph.number_of_edges()


def test_cli_network_refuses_k_below_one_in_one_line(seed_store, capsys):
    from graph.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["network", "--mode", "tasks", "--k", "0", "--data", str(seed_store)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "argument --k: must be at least 1, got 0" in err[0], err
