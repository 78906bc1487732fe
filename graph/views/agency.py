"""The My bureau view and its CLI twins (`policykg agency`, `agencies`, `coassigned`): an agency's tasks by role."""

from __future__ import annotations

import difflib
import functools
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from extract.gazetteer import agency_resolver
from ontology import iris
from ontology.terms import ROLE_RANK, ROLE_SHORTCUT, ROLE_ZH, ROLES

from ..bureau_index import BRIEF, brief, index_for, raw_row, shown
from ..errors import QueryError, UnknownAgency
from ..model import fold, unit_place
from ..model import span as evidence_span
from .lineage import predecessors as lineage_predecessors
from .lineage import successors as lineage_successors



def agency_names(kg) -> list[str]:
    """Return every canonical agency name and alias the graph knows (for pickers), sorted."""
    kg.version()
    return sorted({label for a in kg.model().agencies.values() for label in a["labels"]})


def resolve_agency(kg, name: str) -> dict:
    """Return {iri, name, aliases} of the agency a name means: canonical, alias or as written.

    Raise UnknownAgency with the closest known names when none matches.
    """
    kg.version()
    model = kg.model()
    name = (name or "").strip()
    if name in model.agencies:
        cands = {name}
    else:
        cands = set(model.keys.get(fold(name), ()))
    if not cands and name:
        for j in sorted({""} | {d["jurisdiction"] for d in model.docs.values()}):
            e = agency_resolver(j).resolve(name)
            if e is not None and str(iris.agency_iri(e.id)) in model.agencies:
                cands.add(str(iris.agency_iri(e.id)))
    if not cands:
        raise UnknownAgency(name, _suggest(kg, name))
    counts = {r["iri"]: r["total"] for r in kg.agency_counts()}
    best = min(cands, key=lambda a: (model.agencies[a]["name"] != name, -counts.get(a, 0), a))
    a = model.agencies[best]
    return {"iri": best, "name": a["name"], "aliases": [x for x in a["labels"] if x != a["name"]]}


def _suggest(kg, name: str, n: int = 3) -> list[str]:
    model = kg.model()
    by_key: dict[str, str] = {}
    for a in model.agencies.values():
        for label in a["labels"]:
            by_key.setdefault(fold(label), label)
    out: list[str] = []
    for key in difflib.get_close_matches(fold(name), list(by_key), n=n * 2, cutoff=0.3):
        if by_key[key] not in out:
            out.append(by_key[key])
    if not out:  # a short or partial name: labels that contain it
        out = sorted((label for key, label in by_key.items() if fold(name) and fold(name) in key),
                     key=lambda s: (len(s), s))
    return out[:n]


def agency_counts(kg) -> list[dict]:
    """Return per agency its numbers of units by role and in total, most tasks first."""
    kg.version()
    # Kept on disk per version: every name lookup ranks its candidates by these counts.
    return [dict(r) for r in kg.memo("agency_counts", lambda: kg.cached(
        "agency-counts", functools.partial(_load_agency_counts, kg)))]


def _load_agency_counts(kg) -> list[dict]:
    """Count each agency's rows: from the version's index where there is one, else with SPARQL."""
    model = kg.model()
    index = index_for(kg)
    if index is not None:
        counts = index.counts()
    else:
        units: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
        for r in kg.select("""
            SELECT DISTINCT ?agency ?role ?unit WHERE { GRAPH ?g {
              ?unit prov:qualifiedAttribution ?att . ?att prov:agent ?agency ; prov:hadRole ?role ;
                pkg:asWritten ?written ; pkg:clause ?clause } }"""):
            if model.units.get(r["unit"]) is not None:  # the units the rows are of (`agency_tasks`)
                units[r["agency"]][r["role"].rsplit("#", 1)[-1]].add(r["unit"])
        counts = {iri: {**{role: len(us) for role, us in by_role.items()},
                        "total": len(set().union(*by_role.values()))} for iri, by_role in units.items()}
    rows = [{"agency": model.agencies.get(iri, {}).get("name", iri), "iri": iri,
             **{role: n.get(role, 0) for role in ROLES}, "total": n["total"]} for iri, n in counts.items()]
    return sorted(rows, key=lambda r: (-r["total"], r["agency"], r["iri"]))


def agency_tasks(kg, name: str, roles: Iterable[str] | None = None, *, doc: str | None = None,
                 year: int | None = None, issuer: str | None = None, predecessors: bool = False) -> list[dict]:
    """Return the units an agency carries a role in, in document order, with the clause as evidence.

    Rows: task (record id), iri, doc, part, section (record ids), part_title,
    section_title, number, kind, title, role, name_as_written, clause (its quote),
    span ([start, end] of the clause in the document text), name_span, partners
    ([{agency, iri, role}] of the other agencies on the unit), clauses (every clause
    giving the agency this role there, when more than one), and the document's
    doc_title, year and issuer. ``doc`` (id or title), ``year`` and ``issuer`` (any
    name of the issuing agency) keep the rows of matching documents.
    ``predecessors``: also the units of the bodies the agency took over in a reform
    (`graph.views.lineage`); such a row's ``formerly`` is the old body's name (曾用名) and
    ``formerly_iri`` its IRI, None on the agency's own rows.

    The rows come from the version's `graph.bureau_index` where the backend keeps one (the
    embedded store), else from SPARQL: the same rows either way. `agency_page` gives a part of them.
    """
    return agency_page(kg, name, roles, doc=doc, year=year, issuer=issuer, predecessors=predecessors).rows


@dataclass(frozen=True)
class AgencyPage:
    """Some of an agency's `agency_tasks` rows, and what all of them come to."""

    rows: list  # from `offset`, at most `limit`: dicts (`agency_page`) or lines (`agency_lines`)
    total: int  # rows in all
    units: int  # distinct units among all the rows
    by_role: dict[str, int]  # rows in all by role, every role


def agency_page(kg, name: str, roles: Iterable[str] | None = None, *, doc: str | None = None,
                year: int | None = None, issuer: str | None = None, predecessors: bool = False,
                limit: int | None = None, offset: int = 0) -> AgencyPage:
    """Return the `agency_tasks` rows from `offset` (at most `limit`, None: all) with their totals.

    Where the version keeps an index, a page costs the rows it holds: a bureau of a thousand
    plans (tens of thousands of rows) shows its first page and its counts in milliseconds.
    """
    return _page(kg, name, roles, doc, year, issuer, predecessors, limit, offset, lines=False)


def agency_lines(kg, name: str, roles: Iterable[str] | None = None, *, doc: str | None = None,
                 year: int | None = None, issuer: str | None = None, predecessors: bool = False,
                 limit: int | None = None, offset: int = 0) -> AgencyPage:
    """Return what `agency_page` returns with each row as one line: its `graph.bureau_index.BRIEF`
    cells, then the name of the predecessor it comes through (None on the agency's own rows).

    What `policykg agency` prints: read from the version's index without parsing a row, so an
    agency's tens of thousands of rows come in a fraction of the time their full rows take.
    """
    return _page(kg, name, roles, doc, year, issuer, predecessors, limit, offset, lines=True)


LINE_COLUMNS = (*BRIEF, "formerly")  # of `agency_lines`' rows


def _page(kg, name, roles, doc, year, issuer, predecessors, limit, offset, *, lines: bool) -> AgencyPage:
    kg.version()
    roles = check_roles(roles)
    agency = kg.resolve_agency(name)["iri"]
    olds = sorted(lineage_predecessors(kg, agency), key=lambda o: (o["name"], o["iri"])) if predecessors else []
    formerly = {agency: (None, None), **{o["iri"]: (o["name"], o["iri"]) for o in olds if o["iri"] != agency}}
    order = list(formerly)  # own rows first on a unit, then the predecessors' by name
    keep = documents_matching(kg, doc=doc, year=year, issuer=issuer)
    index = index_for(kg)
    if index is not None:
        if lines:
            keyed = index.lines(order, roles, keep, limit, offset, [formerly[a][0] for a in order])
        else:
            keyed = index.page(kg.model(), order, roles, keep, limit, offset)
        counted, units = index.tally(order, roles, keep)
    else:
        keyed = [((*key, a), r) for a in order for key, r in _rows_of(kg, a, roles)
                 if keep is None or r["doc"] in keep]
        keyed.sort(key=lambda kr: (kr[0][:3], order.index(kr[0][3])))
        counted = defaultdict(int)
        for _, r in keyed:
            counted[r["role"]] += 1
        units = len({key[:2] for key, _ in keyed})
        keyed = keyed[offset:None if limit is None else offset + limit]
        if lines:
            keyed = [(*brief(r), formerly[key[3]][0]) for key, r in keyed]
    if lines:
        rows = keyed  # as the index gives them, or made above
    else:
        if index is None:  # the remembered rows (`_rows_of`) stay as they are
            keyed = [(key, dict(r)) for key, r in keyed]
        rows = []
        for key, r in keyed:  # rows of their own: read from the index for this answer, or copied above
            r["formerly"], r["formerly_iri"] = formerly[key[3]]
            rows.append(r)
    by_role = {role: counted.get(role, 0) for role in ROLES}
    return AgencyPage(rows, sum(by_role.values()), units, by_role)


def _rows_of(kg, agency: str, roles: tuple[str, ...]) -> list[tuple[tuple, dict]]:
    """Return an agency's rows, each with its place in document order (document, unit, role), remembered."""
    return _recent(kg, ("agency_tasks", agency, roles), lambda: _agency_rows(kg, agency, roles))


def documents_matching(kg, *, doc: str | None = None, year: int | None = None, issuer: str | None = None):
    """Return the ids of the documents matching every filter given, None when none is given."""
    if doc is None and year is None and issuer is None:
        return None
    model = kg.model()
    issuers = None
    if issuer:
        issuers = set(model.keys.get(fold(issuer), ()))
        try:
            issuers.add(resolve_agency(kg, issuer)["iri"])  # an alias the gazetteer knows: 市科技局
        except UnknownAgency:
            pass
    return {d["id"] for d in model.docs.values()
            if (doc is None or doc in (d["id"], d["title"], d["iri"]))
            and (year is None or d.get("year") == int(year))
            and (issuers is None or d.get("issuer_iri") in issuers or d.get("issuer") == issuer)}


def _recent(kg, key: tuple, make, keep: int = 128):
    """Return `make()`, remembered for the version in hand among the `keep` most recently asked."""
    lock, memo = kg.memo("recent", lambda: (threading.Lock(), OrderedDict()))
    with lock:
        if key in memo:
            memo.move_to_end(key)
            return memo[key]
    value = make()  # outside the lock: sessions asking for other agencies need not wait
    with lock:
        memo[key] = value
        while len(memo) > keep:
            memo.popitem(last=False)
    return value


def _agency_rows(kg, agency: str, roles: tuple[str, ...]) -> list[tuple[tuple, dict]]:
    index = index_for(kg)
    model = kg.model()
    if index is not None:
        return index.rows(model, agency, roles)
    raws = _sparql_rows(kg, agency, roles)
    return [((r["doc"], r["order"], ROLE_RANK[r["role"]]), row) for r, row in zip(raws, shown(model, raws))]


def _sparql_rows(kg, agency: str, roles: tuple[str, ...]) -> list[dict]:
    """Return an agency's stored rows (`graph.bureau_index.raw_row`) read with SPARQL: what an endpoint answers."""
    model = kg.model()
    if len(roles) == 1:
        # The one-hop shortcut finds the units of a role without touching any other attribution.
        find = (f"?unit pkg:{ROLE_SHORTCUT[roles[0]]} <{agency}> . BIND(pkg:{roles[0]} AS ?roleNode) "
                f"?att prov:agent <{agency}> ; prov:hadRole ?roleNode .")
    else:
        find = f"?att prov:agent <{agency}> ; prov:hadRole ?roleNode ."
        if roles != ROLES:
            find += f" VALUES ?roleNode {{ {' '.join('pkg:' + r for r in roles)} }}"
    rows = kg.select(f"""
        SELECT ?g ?unit ?roleNode ?att ?written ?clause ?partner ?partnerRole WHERE {{ GRAPH ?g {{
          {find}
          ?att pkg:asWritten ?written ; pkg:clause ?clause .
          ?unit prov:qualifiedAttribution ?att , ?other .
          ?other prov:agent ?partner ; prov:hadRole ?partnerRole . }} }}""")
    grouped: dict[tuple[str, str], dict] = {}
    clauses: dict[tuple[str, str], dict[str, dict]] = defaultdict(dict)
    for r in rows:
        u = model.units.get(r["unit"])
        if u is None:
            continue
        role = r["roleNode"].rsplit("#", 1)[-1]
        row = grouped.get((u.iri, role))
        if row is None:
            row = grouped[(u.iri, role)] = raw_row(u, unit_place(model, u), role, agency)
        if r["att"] not in clauses[(u.iri, role)]:
            span = evidence_span(model, r["clause"], r["g"])
            clauses[(u.iri, role)][r["att"]] = {"quote": kg.quote(u.doc, span), "span": span,
                                                "name_as_written": r["written"],
                                                "name_span": evidence_span(model, r["att"], r["g"])}
        if r["partner"] != agency:
            row["partners"].append((r["partner"], r["partnerRole"].rsplit("#", 1)[-1]))
    for key, row in grouped.items():
        row["clauses"] = list(clauses[key].values())
        row["partners"] = sorted(set(row["partners"]))  # each once, as `doc_rows` keeps them
    return sorted(grouped.values(), key=lambda r: (r["doc"], r["order"], ROLE_RANK[r["role"]]))


def coassigned(kg, name: str) -> list[dict]:
    """Return the agencies assigned to the same units as `name`: shared units and their roles there."""
    kg.version()
    agency = kg.resolve_agency(name)
    return [dict(r) for r in _recent(kg, ("coassigned", agency["iri"]), lambda: _coassigned(kg, agency))]


def _coassigned(kg, agency: dict) -> list[dict]:
    model = kg.model()
    shared: dict[str, set] = defaultdict(set)
    roles: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    if index_for(kg) is not None:  # every attribution the index holds: the agency's rows name the others
        found = ((r["iri"], p["iri"], p["role"]) for _, r in _rows_of(kg, agency["iri"], ROLES) for p in r["partners"])
    else:
        found = ((r["unit"], r["other"], r["role"].rsplit("#", 1)[-1]) for r in kg.select(f"""
            SELECT DISTINCT ?unit ?other ?role WHERE {{ GRAPH ?g {{
              ?unit prov:qualifiedAttribution ?a1 . ?a1 prov:agent <{agency['iri']}> .
              ?unit prov:qualifiedAttribution ?a2 . ?a2 prov:agent ?other ; prov:hadRole ?role .
              FILTER(?other != <{agency['iri']}>) }} }}"""))
    for unit, other, role in found:
        shared[other].add(unit)
        roles[other][role].add(unit)
    rows = [{"agency": model.agencies.get(a, {}).get("name", a), "iri": a, "shared_tasks": len(units),
             "roles": {role: len(roles[a][role]) for role in ROLES if roles[a].get(role)}}
            for a, units in shared.items()]
    return sorted(rows, key=lambda r: (-r["shared_tasks"], r["agency"], r["iri"]))


def check_roles(roles) -> tuple[str, ...]:
    if roles is None:
        return ROLES
    if isinstance(roles, str):
        roles = [roles]
    roles = tuple(roles)
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise QueryError(f"unknown role '{bad[0]}'; choose from {', '.join(ROLES)}")
    return tuple(r for r in ROLES if r in roles)


BUREAU_HEADER = ["文件", "文件标题", "年份", "发文单位", "部分", "章节", "编号", "任务", "职责", "原文写法", "其他单位",
                 "责任条款", "任务编号", "曾用名"]


def bureau_table(rows: Sequence[Mapping]) -> list[list]:
    """Return a bureau's 分工表 from `agency_tasks` rows: a header, then one line per unit and role.

    Every line names its document: id, title, year (a number) and issuer; 曾用名 (formerly) is the
    name of the predecessor body a line comes through, empty on the agency's own lines.

    >>> bureau_table([])[0][:5]
    ['文件', '文件标题', '年份', '发文单位', '部分']
    """
    out = [list(BUREAU_HEADER)]
    for r in rows:
        number = r.get("number") or ""
        if r.get("kind") == "measure":
            number = f"（{number}）"
        out.append([str(r.get("doc") or ""), str(r.get("doc_title") or ""), r.get("year") or "",
                    str(r.get("issuer") or ""), str(r.get("part_title") or ""), str(r.get("section_title") or ""),
                    str(number), str(r.get("title") or ""), ROLE_ZH.get(r.get("role"), str(r.get("role") or "")),
                    str(r.get("name_as_written") or ""), partner_text(r.get("partners") or ()),
                    str(r.get("clause") or ""), str(r.get("task") or ""), str(r.get("formerly") or "")])
    return out


def partner_text(partners: Iterable[Mapping]) -> str:
    """Return the other agencies on a unit as one line: 市版权局（配合）；市公安局（配合）."""
    return "；".join(f"{p['agency']}（{ROLE_ZH.get(p['role'], p['role'])}）" for p in partners)


@dataclass(frozen=True)
class Bureau:
    """The My bureau view: an agency, its units for the chosen roles, the counts, its partners."""

    agency: dict  # iri, name, aliases
    rows: tuple[dict, ...]  # agency_tasks rows: the first `limit` of them where the view asked for a page
    units: int  # distinct units among all the rows
    by_role: tuple[tuple[str, int], ...]  # (role, rows with that role), every role, all the rows
    partners: tuple[dict, ...] | None  # {单位 agency, 共同任务 shared tasks, 其职责 their roles}; None: not asked
    predecessors: tuple[dict, ...] = ()  # the bodies it took over (lineage.predecessors), followed or not
    successors: tuple[dict, ...] = ()  # the bodies that took it over (lineage.successors)
    total: int = 0  # rows in all (`rows` holds them all unless a page was asked for)

    @property
    def table(self) -> list[list[str]]:
        return bureau_table(self.rows)


def bureau(kg, name: str, roles: Iterable[str] | None = None, *, predecessors: bool = True,
           limit: int | None = None, partners: bool = True, **documents) -> Bureau:
    """Return the My bureau view of an agency (any name or alias); `policykg agency NAME` is its twin.

    Raises UnknownAgency, with suggestions, when no agency has that name. No roles: no rows.
    ``documents``: the ``doc``, ``year`` and ``issuer`` filters of `agency_tasks`;
    ``predecessors`` (default on): with the units of the bodies it took over in a reform.
    ``limit``: only the first rows (the counts are of all); ``partners=False``: no partner list
    (`coassigned` reads every row of the agency: at a thousand plans, tens of thousands).
    """
    agency = resolve_agency(kg, name)
    roles = check_roles(roles) if roles is None or list(roles) else ()
    page = (agency_page(kg, agency["iri"], roles, predecessors=predecessors, limit=limit, **documents)
            if roles else AgencyPage([], 0, 0, {r: 0 for r in ROLES}))
    found = None
    if partners:
        found = tuple({"单位 agency": p["agency"], "共同任务 shared tasks": p["shared_tasks"],
                       "其职责 their roles": "、".join(f"{ROLE_ZH[r]} {n}" for r, n in p["roles"].items())}
                      for p in coassigned(kg, agency["iri"]))
    return Bureau(agency, tuple(page.rows), page.units, tuple(page.by_role.items()), found,
                  tuple(lineage_predecessors(kg, agency["iri"])), tuple(lineage_successors(kg, agency["iri"])),
                  page.total)


DOCUMENT_FILTERS = {"doc": "文件 Document", "year": "年份 Year", "issuer": "发文单位 Issuer"}


def document_filters(kg) -> dict[str, dict]:
    """Return what the doc, year and issuer filters of `agency_tasks` can be set to: filter → {value: label}."""
    docs = sorted(kg.model().docs.values(), key=lambda d: d["id"])
    return {"doc": {d["id"]: d["title"] for d in docs},
            "year": {y: str(y) for y in sorted({d["year"] for d in docs if d.get("year")})},
            "issuer": {i: i for i in sorted({d["issuer"] for d in docs if d.get("issuer")})}}
