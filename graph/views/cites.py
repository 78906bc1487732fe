"""Citations that resolve, and their CLI twins (`policykg cites DOC`, `policykg cited-by DOC`).

A 《》 citation is stored as it was written: the unit (or document) `eli:cites` a work whose
IRI `graph.rdf` mints from the title (`ontology.iris.work_iri`), one IRI per distinct title in
every document. Whether that work is a document of the corpus is decided here, at query
time, from what the store holds: the cited titles, and each document's `eli:title` and the
`skos:altLabel` aliases of its sidecar (``aliases = ["…"]``). Two titles match when their
`normalize_title` keys are equal; everything derived is memoized per store version.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from ..model import find_doc
from ..model import spans as evidence_spans

__all__ = ["CITED_BY_COLUMNS", "CITES_COLUMNS", "cited_by", "cites", "normalize_title", "reference_links",
           "resolve_citation", "table_rows"]

CITES_COLUMNS = ["title", "work", "resolved", "resolved_title", "units"]
CITED_BY_COLUMNS = ["doc", "doc_title", "title", "work", "units"]

_QUOTES = "“”‘’\"'「」『』《》〈〉"
_YEARS = r"(?:19|20)\d{2}(?:\s*[-—–―~～至到]+\s*(?:(?:19|20)\d{2}|\d{2}))?\s*年?度?"
_BRACKETED_YEARS = re.compile(r"[(\[【〔]\s*" + _YEARS + r"\s*[)\]】〕]")
_BARE_YEARS = re.compile(_YEARS)
_DROP = re.compile(r"[\s" + re.escape(_QUOTES) + r"的]")


def normalize_title(text: str, *, years: bool = True) -> str:
    """Return the key two spellings of one title share.

    Quotes (“”‘’"'「」 and 《》 around the title), brackets holding years or ranges of years,
    the years themselves, spaces and 的 are dropped; full-width forms are folded (NFKC).
    ``years=False`` keeps the years (the stricter key `resolve_citation` tries first).

    >>> normalize_title("《广州市知识产权保护和运用“十四五”规划》")
    '广州市知识产权保护和运用十四五规划'
    >>> normalize_title("广州市知识产权保护和运用十四五规划") == normalize_title("广州市知识产权保护和运用‘十四五’规划")
    True
    >>> normalize_title("广州市促进发展行动方案（2021-2023年）") == normalize_title("广州市促进发展行动方案(2021—2023年)")
    True
    >>> normalize_title("广州市2023年知识产权工作要点")
    '广州市知识产权工作要点'
    >>> normalize_title("广州市2023年知识产权工作要点", years=False)
    '广州市2023年知识产权工作要点'
    >>> normalize_title("关于 加强 知识产权的 意见")
    '关于加强知识产权意见'
    >>> normalize_title("中华人民共和国专利法") == normalize_title("专利法实施细则")
    False
    >>> normalize_title("某某条例（试行）")
    '某某条例(试行)'
    """
    s = unicodedata.normalize("NFKC", text or "")
    if years:
        s = _BRACKETED_YEARS.sub("", s)
        s = _BARE_YEARS.sub("", s)
    return _DROP.sub("", s)


def _index(kg) -> dict:
    """Return, per store version: strict and loose title keys → doc ids, and every doc's titles.

    Every title of the corpus (and every alias, a query over all documents): kept per store
    version (`KG.cached`, a file under DATA/cache named by the version) and in the process.
    """

    def make():
        model = kg.model()
        titles: dict[str, list[str]] = {d: [m["title"]] for d, m in model.docs.items()}
        for r in kg.select("""
            SELECT DISTINCT ?id ?alt WHERE { GRAPH ?g {
              ?doc a eli:LegalResource ; dct:identifier ?id ; skos:altLabel ?alt } } ORDER BY ?id ?alt"""):
            if r["id"] in titles and r["alt"] not in titles[r["id"]]:
                titles[r["id"]].append(r["alt"])
        strict: dict[str, set[str]] = defaultdict(set)
        loose: dict[str, set[str]] = defaultdict(set)
        for doc_id, names in titles.items():
            for name in names:
                if normalize_title(name, years=False):
                    strict[normalize_title(name, years=False)].add(doc_id)
                if normalize_title(name):
                    loose[normalize_title(name)].add(doc_id)
        return {"titles": titles, "strict": dict(strict), "loose": dict(loose)}

    return kg.memo("cites/index", lambda: kg.cached("cites-index", make))


def resolve_citation(kg, title: str) -> str | None:
    """Return the id of the corpus document a cited title names, None if none (or no one document).

    The key with its years is tried first, so that a 2023 plan cited by its year finds the
    2023 plan when the corpus also holds the 2024 one; then the key without years.
    """
    ix = _index(kg)
    for key, table in ((normalize_title(title, years=False), ix["strict"]), (normalize_title(title), ix["loose"])):
        found = table.get(key) if key else None
        if found:
            return next(iter(found)) if len(found) == 1 else None
    return None


def _doc_citations(kg, doc_id: str) -> list[dict]:
    """Return the works one document cites, first cited first, each with its units; per version.

    Reads that document's graph and units only: what a document cites costs what it holds.
    """

    def make():
        model = kg.model()
        graph = model.docs[doc_id]["graph"]
        pairs: dict[str, dict] = {}
        for r in kg.select(f"""
            SELECT DISTINCT ?s ?work ?title WHERE {{ GRAPH <{graph}> {{
              ?s eli:cites ?work . ?work eli:title ?title }} }}"""):
            p = pairs.setdefault(r["work"], {"doc": doc_id, "title": r["title"], "work": r["work"], "units": set()})
            unit = model.units.get(r["s"])
            if unit is not None:
                p["units"].add(unit.rid)
        out = []
        for p in pairs.values():
            spans = [a for a, _ in evidence_spans(model, p["work"], graph)]
            units = sorted(p["units"], key=lambda rid: model.by_rid[rid].order)
            first = min(spans) if spans else (model.by_rid[units[0]].start if units else 1 << 60)
            out.append({"doc": p["doc"], "title": p["title"], "work": p["work"], "units": units, "at": first})
        out.sort(key=lambda p: (p["at"], p["title"]))
        return out

    return kg.memo(f"cites/doc:{doc_id}", make)


def _cited_works(kg) -> list[tuple[str, str]]:
    """Return every cited work of the store with its title, (IRI, title) sorted; per version.

    A corpus cites few distinct works (one IRI per title, shared by every plan citing it): the
    works are found first, then their titles, which is quick at any size (sorting in the query,
    or joining the titles graph by graph, is not).
    """

    def make():
        return sorted({(r["work"], r["title"]) for r in kg.select("""
            SELECT DISTINCT ?work ?title WHERE {
              { SELECT DISTINCT ?work WHERE { GRAPH ?g { ?s eli:cites ?work } } }
              GRAPH ?h { ?work eli:title ?title } }""")})

    return kg.memo("cites/works", make)


def cites(kg, doc: str) -> list[dict]:
    """Return each 《》 work a document cites, first cited first.

    Keys: title (as written), work (its IRI), resolved (the corpus document's id, or None),
    resolved_title (its title, or None), units (the record ids of the units citing it, in
    document order; empty when only the document cites it). NotFound for an unknown document.
    """
    model = kg.model()
    d = find_doc(model, doc)
    out = []
    for p in _doc_citations(kg, d["id"]):
        resolved = resolve_citation(kg, p["title"])
        out.append({"title": p["title"], "work": p["work"], "resolved": resolved,
                    "resolved_title": model.docs[resolved]["title"] if resolved else None, "units": list(p["units"])})
    return out


def cited_by(kg, doc: str) -> list[dict]:
    """Return the documents and units citing a document by any of its titles or aliases.

    One row per citing document and title as written, by document id then first citation:
    doc, doc_title, title (as written), work (its IRI), units (record ids). NotFound for an
    unknown document. Only the documents citing a work that names it are read.
    """
    model = kg.model()
    d = find_doc(model, doc)
    works = [w for w, title in _cited_works(kg) if resolve_citation(kg, title) == d["id"]]
    if not works:
        return []
    graph_doc = {m["graph"]: m["id"] for m in model.docs.values()}
    values = " ".join(f"<{w}>" for w in works)
    citing = sorted({graph_doc[r["g"]] for r in kg.select(f"""
        SELECT DISTINCT ?g WHERE {{ VALUES ?work {{ {values} }} GRAPH ?g {{ ?s eli:cites ?work }} }}""")
        if r["g"] in graph_doc})
    return [{"doc": p["doc"], "doc_title": model.docs[p["doc"]]["title"], "title": p["title"], "work": p["work"],
             "units": list(p["units"])}
            for citing_doc in citing for p in _doc_citations(kg, citing_doc)
            if resolve_citation(kg, p["title"]) == d["id"]]


def reference_links(kg, references: list[dict]) -> list[dict]:
    """Return a task's references (`graph.views.task.task` rows), each work once in order of first mention.

    Keys: title (the work's title), quote (as first written), work (its IRI), resolved (the
    corpus document it resolves to, or None) and resolved_title.
    """
    model = kg.model()
    out: dict[str, dict] = {}
    for r in references:
        if r["iri"] not in out:
            resolved = resolve_citation(kg, r["title"])
            out[r["iri"]] = {"title": r["title"], "quote": r["quote"], "work": r["iri"], "resolved": resolved,
                             "resolved_title": model.docs[resolved]["title"] if resolved else None}
    return list(out.values())


def table_rows(rows: list[dict]) -> list[dict]:
    """Return view rows as table cells: units joined by 、, None as empty."""
    return [{k: "、".join(v) if isinstance(v, list) else ("" if v is None else v) for k, v in r.items()} for r in rows]
