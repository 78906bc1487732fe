"""The Network view and its CLI twins (`policykg metrics`, `policykg network`): filters, centrality, connections."""

from __future__ import annotations

from dataclasses import dataclass

from ontology.terms import ROLES

from ..backend import file_key
from ..model import find_unit


def connected(kg, task_id: str) -> list[dict]:
    """Return a unit's links in the task-connection network as the Network view draws it by default
    (its `DEFAULT_K` strongest, at least `default_min_weight("tasks")`):
    [{task, iri, title, number, reasons, kinds, weight}], strongest first."""
    u = find_unit(kg.model(), task_id, ("task", "measure"))
    rows = doc_connections(kg, u.doc).get(u.iri, ())
    return [dict(r, reasons=list(r["reasons"]), kinds=list(r["kinds"])) for r in rows]  # the caller's own copies


def doc_connections(kg, doc_id: str) -> dict[str, list[dict]]:
    """Return the `connected` rows of every task and measure of one document, by unit IRI (do not edit them).

    A task's connections are within its plan, so this costs what the one plan holds: its network
    (`KG.doc_network`) and its task connections. Kept per store version (`KG.cached`, a file under
    DATA/cache named by the version and a digest of the document id; `KG.memo` within a process), so
    a later process reads these plain rows without projecting, or even importing, the network.
    """
    def make() -> dict[str, list[dict]]:
        from .. import network as nw

        G = kg.doc_network(doc_id)
        T = nw.task_connections(G, min_weight=default_min_weight("tasks"), k=DEFAULT_K)
        return {n: [{"task": r.get("rid") or r["task"], "iri": r["task"], "title": r.get("label") or "",
                     "number": r.get("number"), "reasons": list(r["reasons"]), "kinds": list(r.get("kinds", ())),
                     "weight": r["weight"]} for r in nw.connected_tasks(G, n, T=T)]
                for n, kind in G.nodes(data="kind") if kind in nw.UNIT_KINDS}

    return kg.memo(f"connected:{doc_id}", lambda: kg.cached(f"connected{file_key(doc_id)}", make))


def metrics(kg) -> list[dict]:
    """Return the centrality of every agency in the collaboration network (`policykg metrics`).

    The same figures as the Network view's collaboration mode without filters: both are
    `graph.network.centrality`. Rows also carry ``agency``, the node's IRI.
    """
    kg.version()
    from .. import network as nw

    def make():
        return [dict(r, agency=r["node"]) for r in nw.centrality(nw.collaboration(kg.network()))]

    return [dict(r) for r in kg.memo("metrics", make)]


ROLE_MODES = ("bipartite", "collaboration", "tasks")


@dataclass(frozen=True)
class NetworkView:
    """One network view: the graph to draw (at most `limit` nodes), how many matched, centrality of what is drawn."""

    mode: str
    graph: object  # networkx graph, never edited after this
    total: int
    centrality: tuple[dict, ...]  # per node drawn; in the collaboration view each row has its community
    communities: tuple[dict, ...] = ()  # the collaboration view's communities (`graph.network.communities`)

    @property
    def drawn(self) -> int:
        return self.graph.number_of_nodes()


def default_min_weight(mode: str) -> float:
    """Return the weakest link a view shows by default: one shared task; in the task view, shared things
    as specific as one held by at most √N of N units (`graph.network.specificity` 0.5)."""
    return 0.5 if mode == "tasks" else 1


DEFAULT_K = 3  # the task view's links per task: its 3 strongest


def network_view(kg, mode: str = "bipartite", *, roles=None, parts=None, sections=None, agencies=None,
                 min_weight: float | None = None, limit: int | None = 300, k: int | None = DEFAULT_K) -> NetworkView:
    """Return the app's Network view: the filtered projection, trimmed to `limit` nodes, with centrality.

    Parts and sections are record ids or IRIs, agencies any name or IRI; None keeps all. In the
    task view each task keeps its `k` strongest links. The same function serves the app and `policykg network`.
    """
    from .. import network as nw

    if min_weight is None:
        min_weight = default_min_weight(mode)
    model = kg.model()

    def units(refs, kinds):
        return tuple(find_unit(model, r, kinds, "section").iri for r in refs) if refs else None

    who = tuple(kg.resolve_agency(a)["iri"] for a in agencies) if agencies else None
    H = nw.view_graph(kg.network(), mode, roles=tuple(roles) if roles else None,
                         parts=units(parts, ("part",)), sections=units(sections, ("section",)), agencies=who,
                         min_weight=min_weight, k=k)
    drawn = nw.trim(H, limit)
    rows = nw.centrality(drawn)
    groups = tuple(nw.communities(drawn)) if mode == "collaboration" else ()
    member = {n: c["community"] for c in groups for n in c["nodes"]}
    rows = [dict(r, community=member[r["node"]]) if r["node"] in member else r for r in rows]
    return NetworkView(mode, drawn, H.number_of_nodes(), tuple(rows), groups)


FILTERS = {"parts": "部分 Parts", "sections": "章节 Sections", "roles": "职责 Roles", "agencies": "单位 Agencies"}


def filter_choices(kg) -> dict[str, dict[str, str]]:
    """Return what each filter of `network_view` can be set to: filter → {value: label}, in display order.

    Parts and sections are IRIs labelled like the outline; agencies are node IRIs labelled by name.
    """
    from .outline import outline, unit_label
    from .task import role_label

    rows = outline(kg)
    G = kg.network()
    agencies = sorted((n for n, k in G.nodes(data="kind") if k == "agency"), key=lambda n: G.nodes[n]["label"])
    return {"parts": {r["iri"]: unit_label(r) for r in rows if r["kind"] == "part"},
            "sections": {r["iri"]: unit_label(r) for r in rows if r["kind"] == "section"},
            "roles": {r: role_label(r) for r in ROLES},
            "agencies": {n: G.nodes[n]["label"] for n in agencies}}


def layout(kg, mode: str) -> dict:
    """Return positions for every node of a view without filters, so that filtered views keep nodes in place."""
    from .. import network as nw
    from .. import viz

    def draw():  # the view as drawn by default: in the task view, each task's DEFAULT_K strongest links
        return viz.spread(nw.layout(nw.view_graph(kg.network(), mode, min_weight=default_min_weight(mode), k=DEFAULT_K)))

    def make():
        return kg.cached(f"layout-{mode}-k{DEFAULT_K}", draw)

    return kg.memo(f"layout-{mode}", make)


def warm(kg) -> None:
    """Project the network of the version in hand now, so the first Network view is quick; failures are left to it."""
    try:
        kg.network()
    except Exception:  # noqa: BLE001 - the view itself reports what went wrong
        pass


def centrality_rows(rows) -> list[dict]:
    """Return centrality rows as the Network view's table shows them: node, degree, weighted degree, betweenness
    (and community, in the collaboration view)."""
    return [{"节点": r["label"], "度": r["degree"], "加权度": r["weighted_degree"], "介数": r["betweenness"],
             **({"社区": r["community"]} if "community" in r else {})} for r in rows]


def community_rows(view: NetworkView) -> list[dict]:
    """Return the communities as the Network view's table shows them: number, size, members, top tasks."""
    return [{"社区 community": c["community"], "单位数 size": c["size"], "成员 members": "、".join(c["members"]),
             "主要任务 top tasks": "；".join(c["top_tasks"])} for c in view.communities]


def link_rows(view: NetworkView) -> list[dict]:
    """Return the collaboration view's links as its side table shows them: the two agencies, how many tasks
    they share and those tasks ("number title"), strongest first; empty in the other views."""
    if view.mode != "collaboration":
        return []
    G = view.graph
    rows = [{"单位 A": G.nodes[a].get("label", a), "单位 B": G.nodes[b].get("label", b),
             "共同任务数 shared tasks": d.get("weight", 0), "共同任务 tasks": "；".join(d.get("shared", ()))}
            for a, b, d in G.edges(data=True)]
    for r in rows:  # each pair in one order, whatever order networkx holds it in
        if r["单位 A"] > r["单位 B"]:
            r["单位 A"], r["单位 B"] = r["单位 B"], r["单位 A"]
    return sorted(rows, key=lambda r: (-r["共同任务数 shared tasks"], r["单位 A"], r["单位 B"]))


def files(view: NetworkView) -> list[tuple[str, bytes, str, str]]:
    """Return the drawn network and its tables as files, as the researcher sees them filtered:
    (label, bytes, file extension, media type): centrality CSV and XLSX, communities CSV, GEXF, GraphML."""
    from extract import tables

    from .. import network as nw

    central = [["node", "label", "kind", "degree", "weighted_degree", "betweenness", "community"]]
    central += [[r["node"], r["label"], r["kind"], r["degree"], r["weighted_degree"], r["betweenness"],
                 r.get("community", "")] for r in view.centrality]
    out = [("中心性 CSV", tables.to_csv(central).encode("utf-8-sig"), "centrality.csv", "text/csv"),
           ("中心性 XLSX", tables.to_xlsx(central, sheet="centrality"), "centrality.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    links = link_rows(view)
    if links:
        out.append(("关联 CSV", tables.to_csv([list(links[0]), *[list(r.values()) for r in links]]).encode("utf-8-sig"),
                    "links.csv", "text/csv"))
    if view.communities:
        rows = community_rows(view)
        out.append(("社区 CSV", tables.to_csv([list(rows[0]), *[list(r.values()) for r in rows]]).encode("utf-8-sig"),
                    "communities.csv", "text/csv"))
    out += [("GEXF", nw.to_gexf(view.graph), f"network-{view.mode}.gexf", "application/gexf+xml"),
            ("GraphML", nw.to_graphml(view.graph), f"network-{view.mode}.graphml", "application/graphml+xml")]
    return out
