"""Deep links: what the address bar says about the view shown, and the view state it opens.

`state_from_url` turns ``?agency=市版权局``, ``?task=<id>``, ``?view=search&q=质押``, ``?view=network&mode=…``,
``?view=tasks&role=lead&agency=…``, ``?view=query&q=SELECT…`` (or ``&canned=NAME&PARAM=…``) into the
views' selection; `url_for` gives the address of what is shown, so a link can be shared. Only what
differs from a view's defaults goes into the address. Pure functions of plain dicts (a parameter
given several times is a list): the app reads and writes ``st.query_params`` with them, and each
address it writes is an entry of the browser's history, which Back and Forward return to.

>>> state_from_url({"agency": "市版权局"})
{'agency': '市版权局', 'roles': None, 'bureau_doc': None, 'bureau_year': None, 'bureau_issuer': None, 'bureau_predecessors': None, 'view': 'bureau'}
>>> url_for("network", {"net_mode": "tasks", "net_limit": 40})
{'view': 'network', 'mode': 'tasks', 'limit': '40'}
>>> url_for("tasks", {"tasks_role": ["lead"], "tasks_agency": ["市版权局", "市公安局"], "tasks_sort": "-deadline"})
{'view': 'tasks', 'role': 'lead', 'agency': ['市版权局', '市公安局'], 'sort': '-deadline'}
>>> state_from_url({"view": "tasks", "agency": ["市版权局", "市公安局"]})["tasks_agency"]
['市版权局', '市公安局']
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

from ontology.terms import ROLES

from .network import FILTERS as NET_FILTERS  # parts, sections, roles, agencies
from .network import ROLE_MODES as NET_MODES  # bipartite, collaboration, tasks
from .network import DEFAULT_K as NET_K
from .network import default_min_weight
from .tasks import FACETS as TASK_FACETS  # doc, part, section, role, agency, deadline
from ..errors import QueryError
from .tasks import parse_sort

VIEWS = ("overview", "bureau", "task", "search", "tasks", "network", "query", "export", "upload", "compare")
# Each app view's CLI twin: the command that prints what the view shows.
CLI_TWIN = {"overview": "outline", "bureau": "agency", "task": "task", "search": "search", "tasks": "tasks",
            "network": "network", "query": "sparql", "export": "export", "upload": "upload", "compare": "compare"}
BUREAU_FILTERS = ("doc", "year", "issuer")  # graph.views.agency.DOCUMENT_FILTERS, widget keys bureau_<filter>
NET_LIMIT = 300
RESERVED = {"view", "q", "canned"}  # query parameters a canned query's own parameter may not be named


def _all(params: Mapping, name: str) -> list[str]:
    """Return every value of a parameter (given once or several times), empty ones dropped."""
    v = params.get(name)
    values = v if isinstance(v, (list, tuple)) else [] if v is None else [v]
    return [str(x) for x in values if str(x)]


def _one(params: Mapping, name: str) -> str | None:
    values = _all(params, name)
    return values[-1] if values else None


def _many(values: list[str]) -> str | list[str]:
    """Return one value as itself, several as a list (the parameter repeated)."""
    return values[0] if len(values) == 1 else list(values)


def state_from_url(params: Mapping[str, str | list[str]]) -> dict:
    """Return the session state a deep link asks for; unknown or malformed parameters are ignored.

    The state of the view the link names is given whole: a key whose parameter is absent is
    None (the caller drops it, so its widget shows its default), so that going Back to an
    address shows that address's view as it was, not as it was left.
    """
    view = _one(params, "view")
    if view not in VIEWS:  # ?agency=…, ?task=…, ?q=… name their view; no view is the Overview
        view = ("bureau" if _one(params, "agency") else "task" if _one(params, "task")
                else "search" if _one(params, "q") else "overview")
    state: dict = {}
    if view in _READ:
        _READ[view](params, state)
    state["view"] = view
    return state


def _read_overview(params, state):
    state["doc"] = _one(params, "doc")


def _read_bureau(params, state):
    state["agency"] = _one(params, "agency")
    state["roles"] = [r for r in ROLES if r in _all(params, "role")] or None
    for f in BUREAU_FILTERS:
        v = _one(params, f)
        state[f"bureau_{f}"] = int(v) if f == "year" and v and v.isdigit() else v
    state["bureau_predecessors"] = False if _one(params, "predecessors") == "0" else None  # default: included


def _read_task(params, state):
    state["task"] = _one(params, "task")


def _read_search(params, state):
    state["search_q"] = _one(params, "q")


def _read_tasks(params, state):
    for f in TASK_FACETS:
        state[f"tasks_{f}"] = list(dict.fromkeys(_all(params, f)))
    sort = _one(params, "sort")
    try:
        parse_sort(sort)
    except QueryError:  # a malformed sort: the default
        sort = None
    state["tasks_sort"] = sort


def _read_network(params, state):
    mode = _one(params, "mode")
    state["net_mode"] = mode if mode in NET_MODES else None
    limit = _one(params, "limit") or ""
    state["net_limit"] = min(max(int(limit) // 20 * 20, 20), 1000) if limit.isdigit() else None
    for key in NET_FILTERS:
        state[f"net_{key}"] = list(dict.fromkeys(_all(params, key.rstrip("s"))))
    if mode == "collaboration":  # the sliders' ranges: 1 to 6 shared tasks; 0 to 3 of summed specificity
        state["net_min_collaboration"] = _number(_one(params, "min"), int, 1, 6)
    elif mode == "tasks":
        state["net_min_tasks"] = _number(_one(params, "min"), float, 0.0, 3.0)
        state["net_k"] = _number(_one(params, "k"), int, 1, 10)


def _number(text: str | None, kind, low, high):
    """Return a number within [low, high] as a slider holds it, None for anything else."""
    try:
        value = kind(text)
    except (TypeError, ValueError):
        return None
    return value if low <= value <= high else None


def _read_query(params, state):
    from ..sparql import canned_query, list_queries

    queries = {c["name"]: c for c in list_queries()}
    name, text = _one(params, "canned"), _one(params, "q")
    if name in queries:
        given = {p: _one(params, p) for p in queries[name]["params"] if p not in RESERVED and _one(params, p)}
        state["canned"] = name
        for p, default in queries[name]["params"].items():
            state[f"param-{name}-{p}"] = given.get(p, default)
        state["sparql"] = canned_query(name, given)
    else:
        state["canned"] = None
        state["sparql"] = text  # None: the view's first example


def _read_export(params, state):
    from .export import SCOPES, formats

    scope = _one(params, "scope")
    state["exp_scope"] = scope if scope in SCOPES else None
    if scope in SCOPES and scope != "all":
        state[f"exp_{scope}"] = _one(params, "ref")
    depth = _one(params, "depth") or ""
    state["exp_depth"] = int(depth) if depth.isdigit() and int(depth) <= 3 else None
    state["exp_format"] = _one(params, "format") if _one(params, "format") in formats() else None


def _read_compare(params, state):
    for name in ("a", "b"):  # the Compare view's two documents
        state[f"cmp_{name}"] = _one(params, name)


_READ = {"overview": _read_overview, "bureau": _read_bureau, "task": _read_task, "search": _read_search,
         "tasks": _read_tasks, "network": _read_network, "query": _read_query, "export": _read_export,
         "compare": _read_compare}


def url_for(view: str, state: Mapping) -> dict[str, str | list[str]]:
    """Return the query parameters of a view as shown: its selection, where it differs from the defaults."""
    if view == "bureau" and state.get("agency"):
        out: dict = {"agency": state["agency"]}
        roles = [r for r in ROLES if r in (state.get("roles") or ())]
        if "roles" in state and roles != list(ROLES):
            out["role"] = _many(roles) if roles else []
        for f in BUREAU_FILTERS:
            if state.get(f"bureau_{f}") not in (None, ""):
                out[f] = str(state[f"bureau_{f}"])
        if state.get("bureau_predecessors") is False:
            out["predecessors"] = "0"
        return {k: v for k, v in out.items() if v != []}
    if view == "task" and state.get("task"):
        return {"task": state["task"]}
    out = {"view": view}
    if view == "overview" and state.get("doc"):
        out["doc"] = state["doc"]
    elif view == "search" and state.get("search_q"):
        out["q"] = state["search_q"]
    elif view == "tasks":
        for f in TASK_FACETS:
            if state.get(f"tasks_{f}"):
                out[f] = _many(list(state[f"tasks_{f}"]))
        if state.get("tasks_sort") not in (None, "", "order"):
            out["sort"] = state["tasks_sort"]
    elif view == "network":
        mode = state.get("net_mode", "bipartite")
        out.update(mode=mode, limit=str(state.get("net_limit", NET_LIMIT)))
        for key in NET_FILTERS:
            if state.get(f"net_{key}"):
                out[key.rstrip("s")] = _many(list(state[f"net_{key}"]))
        weight = state.get(f"net_min_{mode}")
        if mode != "bipartite" and weight is not None and weight != default_min_weight(mode):
            out["min"] = str(weight)
        if mode == "tasks" and state.get("net_k") not in (None, NET_K):
            out["k"] = str(state["net_k"])
    elif view == "query":
        out.update(_query_url(state))
    elif view == "export":
        out.update(_export_url(state))
    elif view == "compare":
        out.update({k: state[f"cmp_{k}"] for k in ("a", "b") if state.get(f"cmp_{k}")})
    return out


def _query_url(state: Mapping) -> dict:
    from ..sparql import canned_query, list_queries

    queries = {c["name"]: c for c in list_queries()}
    text, name = state.get("sparql"), state.get("canned")
    if not text:
        return {}
    if name in queries:
        params = {p: state.get(f"param-{name}-{p}", d) for p, d in queries[name]["params"].items()}
        if text == canned_query(name, params):
            return {"canned": name, **{p: v for p, v in params.items()
                                       if p not in RESERVED and v != queries[name]["params"][p]}}
    return {} if text == default_sparql() else {"q": text}


def default_sparql() -> str:
    """Return the text the Query view opens with: the first canned query."""
    from ..sparql import canned_query, list_queries

    queries = list_queries()
    return canned_query(queries[0]["name"]) if queries else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"


def _export_url(state: Mapping) -> dict:
    from .export import SCOPES, formats

    out = {}
    scope = state.get("exp_scope")
    if scope in SCOPES and scope != next(iter(SCOPES)):
        out["scope"] = scope
        if state.get(f"exp_{scope}"):
            out["ref"] = str(state[f"exp_{scope}"])
    if state.get("exp_depth") not in (None, 1):
        out["depth"] = str(state["exp_depth"])
    if state.get("exp_format") not in (None, next(iter(formats()))):
        out["format"] = state["exp_format"]
    return out


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
