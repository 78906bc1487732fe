"""Deep links: what the address bar says about the view shown, and the view state it opens.

`state_from_url` turns ``?agency=市版权局``, ``?task=<id>``, ``?view=search&q=质押``, ``?view=network&mode=…``
into the views' selection; `url_for` gives the address of what is shown, so a link can be
shared. Pure functions of plain dicts: the app reads and writes ``st.query_params`` with them.

>>> state_from_url({"agency": "市版权局"})
{'agency': '市版权局', 'view': 'bureau'}
>>> url_for("network", {"net_mode": "tasks", "net_limit": 40})
{'view': 'network', 'mode': 'tasks', 'limit': '40'}
>>> state_from_url({"view": "compare", "a": "plan-2016", "b": "plan-2021"})
{'cmp_a': 'plan-2016', 'cmp_b': 'plan-2021', 'view': 'compare'}
>>> url_for("compare", {"cmp_a": "plan-2016", "cmp_b": "plan-2021"})
{'view': 'compare', 'a': 'plan-2016', 'b': 'plan-2021'}
>>> node_links([("n1", {"kind": "task", "rid": "plan/t1"}), ("n2", {"kind": "agency", "label": "市<版权>局&"})])
{'n1': '?task=plan%2Ft1', 'n2': '?agency=%E5%B8%82%3C%E7%89%88%E6%9D%83%3E%E5%B1%80%26'}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlencode

from .network import ROLE_MODES as NET_MODES  # bipartite, collaboration, tasks

VIEWS = ("overview", "bureau", "task", "search", "network", "query", "export", "upload", "compare")
# Each app view's CLI twin: the command that prints what the view shows.
CLI_TWIN = {"overview": "outline", "bureau": "agency", "task": "task", "search": "search", "network": "network",
            "query": "sparql", "export": "export", "upload": "upload", "compare": "compare"}


def state_from_url(params: Mapping[str, str]) -> dict:
    """Return the session state a deep link asks for; unknown or malformed parameters are ignored."""
    state: dict = {}
    for name in ("agency", "task"):
        if params.get(name):
            state[name] = params[name]
    if params.get("q"):
        state["search_q"] = params["q"]
    if params.get("mode") in NET_MODES:
        state["net_mode"] = params["mode"]
    if str(params.get("limit", "")).isdigit():
        state["net_limit"] = min(max(int(params["limit"]) // 20 * 20, 20), 1000)
    for name in ("a", "b"):  # the Compare view's two documents
        if params.get(name):
            state[f"cmp_{name}"] = params[name]
    view = params.get("view") or ("bureau" if "agency" in state else "task" if "task" in state else None)
    if view in VIEWS:
        state["view"] = view
    return state


def url_for(view: str, state: Mapping) -> dict[str, str]:
    """Return the query parameters of a view as shown: its agency, its task, or its network mode and limit."""
    if view == "bureau" and state.get("agency"):
        return {"agency": state["agency"]}
    if view == "task" and state.get("task"):
        return {"task": state["task"]}
    if view == "search" and state.get("search_q"):
        return {"view": view, "q": state["search_q"]}
    if view == "compare":
        return {"view": view, **{k: state[f"cmp_{k}"] for k in ("a", "b") if state.get(f"cmp_{k}")}}
    if view == "network":
        return {"view": view, "mode": state.get("net_mode", "bipartite"), "limit": str(state.get("net_limit", 300))}
    return {"view": view}


def node_links(nodes: Iterable[tuple[object, Mapping]]) -> dict:
    """Return the deep link (a percent-encoded query string) of each drawn node that has a view:
    a task or measure opens the Task view (its record id), an agency My bureau (its name)."""
    out = {}
    for node, data in nodes:
        if data.get("kind") in ("task", "measure") and data.get("rid"):
            params = url_for("task", {"task": data["rid"]})
        elif data.get("kind") == "agency" and data.get("label"):
            params = url_for("bureau", {"agency": data["label"]})
        else:
            continue
        out[node] = "?" + urlencode(params, quote_via=quote, safe="")
    return out
