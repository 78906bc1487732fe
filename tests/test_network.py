"""The networkx views are derived from the seed's RDF: counts, roles, connections, exports."""

from __future__ import annotations

import copy
import csv
import io
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


def test_connected_tasks_of_11_name_a_shared_agency_or_section(G, seed):
    rows = N.connected_tasks(G, f"{seed.document.id}/t11")
    by_number = {r["number"]: r for r in rows}
    assert {"9", "10"} & set(by_number)
    near = by_number.get("9") or by_number["10"]
    assert any(r.startswith(("shared lead: ", "shared cooperate: ", "same section: ")) for r in near["reasons"])
    assert f"shared lead: {AMR}" in near["reasons"]
    assert near["weight"] == len(near["reasons"])
    assert rows == sorted(rows, key=lambda r: (-r["weight"], N._natural(r["task"])))
    assert all(r["task"] != task(G, seed, "11") for r in rows)


def test_connections_agree_with_connected_tasks(G, seed):
    T = N.task_connections(G)
    t11 = task(G, seed, "11")
    rows = N.connected_tasks(G, t11)
    assert {r["task"]: r["reasons"] for r in rows} == {v: T[t11][v]["reasons"] for v in T[t11]}
    for _, _, d in T.edges(data=True):
        assert d["reasons"] == sorted(d["reasons"]) and d["weight"] == len(d["reasons"])
        assert d["kinds"] and set(d["kinds"]) <= set(N.CONNECTION_KINDS)


CONNECTION_CASES = [
    (["section"], "same section: "),
    (["lead"], "shared lead: "),
    (["keywords"], "shared keywords: "),
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


def test_tasks_of_two_documents_connect_on_what_they_cite_and_where_they_act(make_tiny_extraction):
    a, b = make_tiny_extraction("a"), make_tiny_extraction("b")
    G = N.project(dataset([a, b]))
    t1a, t1b = N.resolve(G, "a/t1"), N.resolve(G, "b/t1")
    T = N.task_connections(G, kinds=["reference", "place"])
    assert T[t1a][t1b]["reasons"] == ["shared place: 南沙区", "shared reference: 知识产权强国建设纲要（2021-2035 年）"]
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
