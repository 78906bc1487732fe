"""The Search view and its CLI twin (`policykg search`): units of every document found by words, names or ids.

`search` returns frozen `graph.search.Hit` records, best first; their snippets are plain
text segments (text, is_hit), never HTML: whoever draws them escapes the text. The helpers
below turn hits into the rows the CLI prints (`extract.tables` writes the cells).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from extract.tables import width
from ontology.terms import ROLE_ZH

from .. import search as index_search
from ..search import Hit

__all__ = ["COLUMNS", "Hit", "agency_text", "hit_rows", "marked", "search", "short"]

OPEN, CLOSE = "【", "】"
COLUMNS = ["rank", "id", "kind", "number", "title", "part_title", "section_title", "agencies", "snippet", "doc",
           "doc_title"]


def search(kg, query: str, *, limit: int | None = 50, doc: str | None = None) -> list[Hit]:
    """Return the units (tasks, measures, boxes; parts and sections by their own text) matching a query.

    A unit matches when every phrase of the query (split at spaces and punctuation) is in its
    text, in the name of an agency assigned to it (canonical, alias or as written) or is its
    key (``t12``); a whole record id (``plan/t12``) finds that unit. Best bm25 rank first, then
    document order; at most `limit` hits (None: all); `doc` keeps one document's units.
    Raises QueryError for a query with no word, NotFound for an unknown document.
    """
    index_search.check(query, limit)  # before the index is opened: a bad query costs nothing
    return index_search.index(kg).search(query, limit=limit, doc=doc)


def marked(snippet: Iterable[tuple[str, bool]], open_: str = OPEN, close: str = CLOSE) -> str:
    """Return a snippet as one string with its hits between markers: …扩大【知识产权质押】融资…"""
    return "".join(f"{open_}{t}{close}" if hit else t for t, hit in snippet)


def short(snippet: Sequence[tuple[str, bool]], columns: int = 60) -> tuple[tuple[str, bool], ...]:
    """Return a snippet cut to about `columns` terminal columns, keeping its first hit in view."""
    chars = [(c, hit) for t, hit in snippet for c in t]
    if sum(width(c) for c, _ in chars) <= columns:
        return tuple(snippet)
    first = next((i for i, (_, hit) in enumerate(chars) if hit), 0)
    start = first
    budget = columns // 4
    while start > 0 and budget - width(chars[start - 1][0]) >= 0:
        budget -= width(chars[start - 1][0])
        start -= 1
    end, used = start, 0
    while end < len(chars) and used + width(chars[end][0]) <= columns - 2:
        used += width(chars[end][0])
        end += 1
    while start < end < len(chars) and chars[end][1] and chars[end - 1][1]:  # never cut a hit in two
        end += 1
    cut = ([("…", False)] if start > 0 and chars[start][0] != "…" else []) + chars[start:end] + (
        [("…", False)] if end < len(chars) else [])
    out: list[tuple[str, bool]] = []
    for c, hit in cut:
        if out and out[-1][1] == hit:
            out[-1] = (out[-1][0] + c, hit)
        else:
            out.append((c, hit))
    return tuple(out)


def agency_text(hit: Hit) -> str:
    """Return a hit's agencies as one cell: 牵头 广州市版权局；配合 广州市司法局."""
    return "；".join(f"{ROLE_ZH.get(role, role)} {name}" for role, name in hit.agencies)


def hit_rows(hits: Iterable[Hit], snippet_columns: int | None = None) -> list[dict]:
    """Return hits as table rows (COLUMNS), the snippet marked with 【】 (cut to `snippet_columns` if given)."""
    return [{"rank": h.rank, "id": h.id, "kind": h.kind, "number": h.number, "title": h.title,
             "part_title": h.part_title, "section_title": h.section_title, "agencies": agency_text(h),
             "snippet": marked(short(h.snippet, snippet_columns) if snippet_columns else h.snippet),
             "doc": h.doc, "doc_title": h.doc_title} for h in hits]
