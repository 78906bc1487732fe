"""Bodies renamed or merged in a reform, followed through the store: who a body was, who it became.

`graph.rdf` writes each body a document names that the gazetteer says was succeeded as
``old org:changedBy event``, ``event org:resultingOrganization new`` (W3C ORG's organizational
history; see ``graph.rdf._add_successions``). These functions read those links once per store
version and walk them both ways, so that `policykg agency 市市场监管局` can include the tasks
an older plan gave 市工商局, each row saying "formerly 广州市工商行政管理局" (曾用名).
"""

from __future__ import annotations

from collections import defaultdict

__all__ = ["predecessors", "successions", "successors"]


def successions(kg) -> dict:
    """Return, per store version, {"next": {old IRI: (new IRI, year)}, "previous": {new IRI: [(old IRI, year)]}}."""

    def make():
        nxt: dict[str, tuple[str, int | None]] = {}
        prev: dict[str, set] = defaultdict(set)
        for r in kg.select("""
            SELECT DISTINCT ?old ?new ?date WHERE { GRAPH ?g {
              ?event a org:ChangeEvent ; org:originalOrganization ?old ; org:resultingOrganization ?new .
              OPTIONAL { ?event dct:date ?date } } } ORDER BY ?old ?new"""):
            year = int(str(r["date"])[:4]) if r.get("date") and str(r["date"])[:4].isdigit() else None
            nxt.setdefault(r["old"], (r["new"], year))
            prev[r["new"]].add((r["old"], year))
        return {"next": nxt, "previous": {k: sorted(v, key=lambda p: (-(p[1] or 0), p[0])) for k, v in prev.items()}}

    return kg.memo("lineage/successions", make)


def _name(kg, iri: str) -> str:
    return kg.model().agencies.get(iri, {}).get("name", iri)


def predecessors(kg, iri: str) -> list[dict]:
    """Return every body `iri` took over, directly or through earlier reforms: nearest first.

    Rows: iri, name (canonical), year (of the reform, or None), via (the IRI of the body it
    became, `iri` itself for a direct predecessor).
    """
    prev = successions(kg)["previous"]
    out: list[dict] = []
    seen = {iri}
    todo = [iri]
    while todo:
        cur = todo.pop(0)
        for old, year in prev.get(cur, ()):
            if old in seen:
                continue
            seen.add(old)
            out.append({"iri": old, "name": _name(kg, old), "year": year, "via": cur})
            todo.append(old)
    return out


def successors(kg, iri: str) -> list[dict]:
    """Return the bodies that took `iri` over, in the order of the reforms: rows iri, name, year."""
    nxt = successions(kg)["next"]
    out: list[dict] = []
    seen = {iri}
    while iri in nxt and nxt[iri][0] not in seen:
        iri, year = nxt[iri]
        seen.add(iri)
        out.append({"iri": iri, "name": _name(kg, iri), "year": year})
    return out
