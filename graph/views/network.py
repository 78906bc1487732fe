"""The Network view and its CLI twins (`policykg metrics`, `policykg network`): filters, centrality, connections."""

from __future__ import annotations

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
    """Return `graph.network.metrics` of the agency collaboration network."""
    kg.version()
    from .. import network as nw

    return [dict(r) for r in kg.memo("metrics", lambda: nw.metrics(nw.collaboration(kg.network())))]
