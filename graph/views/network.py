"""The Network view and its CLI twins (`policykg metrics`, `policykg network`): filters, centrality, connections."""

from __future__ import annotations

from dataclasses import dataclass

from ..model import find_unit


def connected(kg, task_id: str) -> list[dict]:
    """Return the units sharing something with a unit: [{task, iri, title, number, reasons, kinds, weight}]."""
    kg.version()
    from .. import network as nw

    u = find_unit(kg.model(), task_id, ("task", "measure"))
    G = kg.network()
    if u.iri not in G:
        return []
    rows = nw.connected_tasks(G, u.iri)
    return [{"task": r.get("rid") or r["task"], "iri": r["task"], "title": r.get("label") or "",
             "number": r.get("number"), "reasons": list(r["reasons"]), "kinds": list(r.get("kinds", ())),
             "weight": r["weight"]} for r in rows]


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
    centrality: tuple[dict, ...]

    @property
    def drawn(self) -> int:
        return self.graph.number_of_nodes()


def default_min_weight(mode: str) -> int:
    """Return the weakest link a view shows by default: one shared task, two shared reasons."""
    return 2 if mode == "tasks" else 1


def network_view(kg, mode: str = "bipartite", *, roles=None, parts=None, sections=None, agencies=None,
                 min_weight: int | None = None, limit: int | None = 300) -> NetworkView:
    """Return the app's Network view: the filtered projection, trimmed to `limit` nodes, with centrality.

    Parts and sections are record ids or IRIs, agencies any name or IRI; None keeps all.
    The same function serves the app and `policykg network`.
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
                         min_weight=min_weight)
    drawn = nw.trim(H, limit)
    return NetworkView(mode, drawn, H.number_of_nodes(), tuple(nw.centrality(drawn)))
