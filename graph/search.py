"""Full-text search over the units of every document: a jieba-tokenized SQLite FTS5 index per store version.

What is indexed, one row per unit of the model (`graph.model`): a task's, measure's or box's
text (its stored extent), a part's or section's own text (its heading and the paragraphs
no child unit holds), its title, its key (``t12``) and the names of the agencies assigned
to it (canonical, as written and every label).

How text becomes terms: text is folded (NFKC and lower case, character by character, so
offsets stay), then every run of Han characters gives every word of jieba's dictionary
(the project's tokenizer, `extract.segment.tokenizer`, with the gazetteer's names) found
anywhere in it, by jieba's DAG, plus each of its characters; a run of other letters and
digits is one term. A query is split into phrases at spaces and punctuation (``-/._:#+``
between Latin letters or digits join: ``gz-ip-14th/t12``, ``m9.1``); each phrase gives the
same terms, read from the index's own vocabulary (every word of the dictionary inside the
phrase that the corpus has, and its characters no such word covers), so a query needs no
tokenizer and always agrees with the index it asks. The FTS5 query is the AND of those
terms: every word of a phrase is in any text holding the phrase, so no unit holding it is
missed, whichever way jieba would have segmented it in context.
Each candidate is then checked: every phrase must occur in its text, in one of its agency
names, or be its key; Latin letters and digits match whole (``t1`` is not in ``t12``).
A whole record id (``plan/t12``) finds that unit. Hits are ranked by bm25, then in
document order.

>>> fold("ＡＢ１２，市版权局"), phrases("知识产权质押  gz-ip-14th/t12，m9.1 ！")
('ab12,市版权局', ['知识产权质押', 'gz-ip-14th/t12', 'm9.1'])
>>> [m.span(1) for m in occurrence("t1").finditer("t1 t12 t1")], occurrence("质押").search("知识产权质押融资").span(1)
([(0, 2), (7, 9)], (4, 6))
>>> snippet("一二三四五六七八九十", [(2, 4)], width=6, before=1)
(('…二', False), ('三四', True), ('五六七…', False))

Where the index lives: ``DATA/cache/search-<version>.sqlite`` beside the embedded store,
made the first time a version is searched (built in memory, written to a temporary file
and moved into place, the other versions' files removed), then opened read-only by every
process. Without a cache folder (an endpoint) or when it cannot be written, the index
stays in memory, once per version, as `graph.backend.cached` recomputes there.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import sqlite3
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from extract import segment
from ontology.terms import ROLE_RANK

from .errors import NotFound, QueryError
from .model import Model, unit_place
from .model import spans as evidence_spans

__all__ = ["Hit", "Index", "check", "fold", "index", "index_path", "occurrence", "phrases", "snippet",
           "terms", "unit_texts"]

SCHEMA = 1  # bump when the tables or the terms change: an older file is then rebuilt
SNIPPET = 100  # characters of a hit's text around its first match
BEFORE = 24  # of which before the match
WEIGHTS = (4.0, 1.0, 2.0, 8.0)  # bm25 weights of the columns title, body, names, key

_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"([{_HAN}]+)|([^\W_{_HAN}]+)")
_LATIN = rf"[^\W_{_HAN}]"  # a letter or digit that is not Han: such runs match whole
_PHRASE = re.compile(rf"[^\W_]+(?:(?<={_LATIN})[-/._:#+](?={_LATIN})[^\W_]+)*")


# --------------------------------------------------------------------------- terms


class _Folds(dict):
    """Each character's fold, worked out the first time it is met (`str.translate` asks by code point)."""

    def __missing__(self, code: int) -> str:
        c = chr(code)
        f = unicodedata.normalize("NFKC", c)
        f = f if len(f) == 1 else c
        lo = f.lower()
        self[code] = folded = lo if len(lo) == 1 else f
        return folded


_FOLDS = _Folds()


def fold(text: str) -> str:
    """Return the text compared: NFKC and lower case per character, so every offset stays."""
    return text.translate(_FOLDS)


def _words(run: str) -> list[str]:
    """Return every dictionary word in a Han run, wherever it starts (jieba's DAG, the project's dictionary)."""
    dag = segment.tokenizer().get_DAG(run)
    return [run[k:j + 1] for k in range(len(run)) for j in dag[k] if j > k]


def terms(text: str) -> list[str]:
    """Return the index terms of a text: each Han run's dictionary words and characters, other runs whole."""
    out = []
    for m in _RUNS.finditer(fold(text)):
        if m.group(2):
            out.append(m.group(2))
        else:
            out.extend(_words(m.group(1)))
            out.extend(m.group(1))
    return out


def phrases(query: str) -> list[str]:
    """Split a query into folded phrases: at spaces and punctuation, keeping ``a-b/c.d`` whole."""
    return _PHRASE.findall(fold(query))


def occurrence(phrase: str) -> re.Pattern:
    """Return the pattern finding a folded phrase, overlaps included; Latin ends match whole runs."""
    lead = f"(?<!{_LATIN})" if re.match(_LATIN, phrase) else ""
    tail = f"(?!{_LATIN})" if re.search(f"{_LATIN}$", phrase) else ""
    return re.compile(f"{lead}(?=({re.escape(phrase)}){tail})")


def spans(patterns: Iterable[re.Pattern], text: str) -> list[tuple[int, int]]:
    """Return the merged [start, end) spans where any pattern matches (touching spans join)."""
    found = sorted(m.span(1) for p in patterns for m in p.finditer(text))
    merged: list[list[int]] = []
    for a, b in found:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def snippet(text: str, hits: Sequence[tuple[int, int]], width: int = SNIPPET,
            before: int = BEFORE) -> tuple[tuple[str, bool], ...]:
    """Return a window of the text around its first hit as segments (text, is_hit), cut ends marked with ….

    A match the window's edges would cut is kept whole; line breaks become spaces.
    """
    start = max(0, hits[0][0] - before) if hits else 0
    end = min(len(text), start + width)
    for a, b in hits:
        if a < start < b:
            start = a
        if a < end < b:
            end = b
    out: list[tuple[str, bool]] = []

    def add(piece: str, hit: bool) -> None:
        piece = piece.replace("\n", " ")
        if not piece:
            return
        if out and out[-1][1] == hit:
            out[-1] = (out[-1][0] + piece, hit)
        else:
            out.append((piece, hit))

    add("…" if start > 0 else "", False)
    at = start
    for a, b in hits:
        if b <= start or a >= end:
            continue
        add(text[at:a], False)
        add(text[a:b], True)
        at = b
    add(text[at:end], False)
    add("…" if end < len(text) else "", False)
    return tuple(out)


# --------------------------------------------------------------------------- what is indexed


def _own_text(text: str, extent: tuple[int, int], inner: Iterable[tuple[int, int]]) -> str:
    """Return the characters of an extent no inner extent holds, pieces joined by line breaks."""
    pieces, at = [], extent[0]
    for a, b in sorted(inner):
        if a > at:
            pieces.append(text[at:a])
        at = max(at, b)
    if at < extent[1]:
        pieces.append(text[at:extent[1]])
    return "\n".join(p.strip("\n") for p in pieces if p.strip())


def unit_texts(model: Model, text_of) -> dict[str, str]:
    """Return each unit's searchable text by IRI: a task's, measure's or box's extent; a part's or section's own text.

    `text_of(doc_id)` returns a document's text (`KG.text`).
    """
    by_doc: dict[str, list] = defaultdict(list)
    for u in model.units.values():
        by_doc[u.doc].append(u)
    out = {}
    for doc, units in by_doc.items():
        text = text_of(doc)
        for u in units:
            s, e = u.extent
            if s < 0:
                out[u.iri] = " ".join(x for x in (u.number, u.title) if x)
            elif u.kind in ("part", "section"):
                inner = [v.extent for v in units if v is not u and v.extent[0] >= 0
                         and s <= v.extent[0] and v.extent[1] <= e and v.extent != u.extent]
                out[u.iri] = _own_text(text, (s, e), inner)
            else:
                out[u.iri] = text[s:e]
    return out


def _assignments(kg, model: Model) -> dict[str, list[tuple[str, str, list[str]]]]:
    """Return per unit IRI its assignments in order: (role, canonical name, every name to search)."""
    rows = kg.select("""
        SELECT ?g ?u ?att ?agency ?r ?written WHERE { GRAPH ?g {
          ?u prov:qualifiedAttribution ?att . ?att prov:agent ?agency ; prov:hadRole ?r ; pkg:asWritten ?written } }""")
    found: dict[str, list] = defaultdict(list)
    for r in rows:
        role = r["r"].rsplit("#", 1)[-1]
        agency = model.agencies.get(r["agency"], {})
        name = agency.get("name", r["written"])
        first = min((a for a, _ in evidence_spans(model, r["att"], r["g"])), default=-1)
        names = [name, r["written"], *agency.get("labels", ())]
        found[r["u"]].append((ROLE_RANK.get(role, len(ROLE_RANK)), first, name, role, names))
    out = {}
    for u, items in found.items():
        items.sort(key=lambda x: (x[0], x[1], x[2]))
        out[u] = [(role, name, names) for _, _, name, role, names in items]
    return out


# --------------------------------------------------------------------------- hits


@dataclass(frozen=True)
class Hit:
    """One unit a search found, with what a result list shows of it."""

    doc: str
    doc_title: str
    id: str  # record id, plan/t12
    kind: str
    number: str
    title: str
    part: str | None
    part_title: str
    section: str | None
    section_title: str
    agencies: tuple[tuple[str, str], ...]  # (role, canonical name), by role then as the text names them
    snippet: tuple[tuple[str, bool], ...]  # (text, is_hit): plain text, to be escaped by who draws it
    rank: float  # bm25: lower is better
    matched: tuple[str, ...]  # where the phrases were found: text, agency, id

    def as_dict(self) -> dict:
        """Return the hit as plain values (JSON): agencies as {role, agency}, snippet as [text, is_hit]."""
        return {"doc": self.doc, "doc_title": self.doc_title, "id": self.id, "kind": self.kind,
                "number": self.number, "title": self.title, "part": self.part, "part_title": self.part_title,
                "section": self.section, "section_title": self.section_title,
                "agencies": [{"role": r, "agency": a} for r, a in self.agencies],
                "snippet": [[t, h] for t, h in self.snippet], "rank": self.rank, "matched": list(self.matched)}


# --------------------------------------------------------------------------- the index

_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE docs (id TEXT PRIMARY KEY, title TEXT);
CREATE TABLE units (id INTEGER PRIMARY KEY, rid TEXT, frid TEXT, doc TEXT, ord INTEGER, kind TEXT, number TEXT,
  title TEXT, fkey TEXT, part TEXT, part_title TEXT, section TEXT, section_title TEXT, text TEXT, ftext TEXT,
  fnames TEXT, agencies TEXT);
CREATE INDEX units_frid ON units (frid);
CREATE TABLE vocab (term TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts USING fts5 (title, body, names, key, content='');
"""




class Index:
    """One version's index, open read-only; `search` answers a query."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self.docs = dict(conn.execute("SELECT id, title FROM docs ORDER BY id"))
        self.meta = dict(conn.execute("SELECT key, value FROM meta"))

    @classmethod
    def build(cls, kg, version: str) -> Index:
        """Build the index of the KG's version in memory."""
        model = kg.model()
        texts = unit_texts(model, kg.text)
        assigned = _assignments(kg, model)
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        conn.executescript(_TABLES)
        conn.executemany("INSERT INTO meta VALUES (?, ?)", [("version", version), ("schema", str(SCHEMA))])
        conn.executemany("INSERT INTO docs VALUES (?, ?)", [(d["id"], d["title"]) for d in model.docs.values()])
        units, fts, vocab = [], [], set()
        name_terms: dict[str, list[str]] = {}  # agencies repeat from unit to unit
        for i, u in enumerate(model.units.values(), start=1):
            place = unit_place(model, u)
            text = texts[u.iri]
            who = assigned.get(u.iri, [])
            names = sorted({n for _, _, ns in who for n in ns})
            agencies = list(dict.fromkeys((role, name) for role, name, _ in who))
            key = u.rid.rsplit("/", 1)[-1]
            units.append((i, u.rid, fold(u.rid), u.doc, u.order, u.kind, u.number, u.title, fold(key),
                          place["part"], place["part_title"], place["section"], place["section_title"],
                          text, fold(text), fold("\n".join(names)), json.dumps(agencies, ensure_ascii=False)))
            joined = " ".join(names)
            if joined not in name_terms:
                name_terms[joined] = terms(joined)
            row = (terms(u.title), terms(text), name_terms[joined], terms(key))
            vocab.update(*row)
            fts.append((i, *(" ".join(r) for r in row)))
        conn.executemany(f"INSERT INTO units VALUES ({', '.join('?' * 17)})", units)
        conn.executemany("INSERT INTO fts (rowid, title, body, names, key) VALUES (?, ?, ?, ?, ?)", fts)
        conn.executemany("INSERT INTO vocab VALUES (?)", ((t,) for t in sorted(vocab)))
        conn.execute("INSERT INTO meta VALUES ('longest', ?)", (str(max(map(len, vocab), default=1)),))
        conn.commit()
        return cls(conn)

    @classmethod
    def open(cls, path: Path, version: str) -> Index | None:
        """Open a stored index read-only; None when it is missing, unreadable or of another version or schema."""
        if not path.is_file():
            return None
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            found = cls(conn)
        except sqlite3.Error:
            return None
        if found.meta.get("version") != version or found.meta.get("schema") != str(SCHEMA):
            conn.close()
            return None
        return found

    def save(self, path: Path) -> None:
        """Write the index to `path` atomically (a temporary file, then a rename); remove other versions' files."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with self._lock:
                data = self._conn.serialize()
            tmp.write_bytes(data)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        for old in path.parent.glob("search-*.sqlite"):
            if old != path:
                old.unlink(missing_ok=True)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def search(self, query: str, limit: int | None = 50, doc: str | None = None) -> list[Hit]:
        """Return the units holding every phrase of the query, best first (bm25, then document order)."""
        check(query, limit)
        if doc is not None and doc not in self.docs:
            raise NotFound("document", doc, difflib.get_close_matches(doc, list(self.docs), n=3, cutoff=0.3))
        ids, words = self._parse(query)
        wanted = [t for rid in ids for t in self.query_terms(rid.rsplit("/", 1)[-1])]
        wanted += [t for p in words for t in self.query_terms(p)]
        if None in wanted:
            return []  # a character or a run no unit has
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in dict.fromkeys(wanted))
        conds, params = ["fts MATCH ?"], [match]
        if doc is not None:
            conds.append("u.doc = ?")
            params.append(doc)
        for rid in ids:
            conds.append("u.frid = ?")
            params.append(rid)
        for p in words:  # the substring test; a phrase with a Latin end also wants whole runs, checked below
            conds.append("(instr(u.ftext, ?) > 0 OR instr(u.fnames, ?) > 0 OR u.fkey = ?)")
            params += [p, p, p]
        patterns = [occurrence(p) for p in words]
        bounded = [(p, pat) for p, pat in zip(words, patterns) if re.match(_LATIN, p) or re.search(f"{_LATIN}$", p)]
        fields = "u.ftext, u.fnames, u.fkey" if bounded else "NULL, NULL, NULL"  # SQL alone decides when not bounded
        sql = (f"SELECT u.id, round(bm25(fts, {', '.join(map(str, WEIGHTS))}), 6) AS rank, u.ord, {fields} "
               f"FROM fts JOIN units u ON u.id = fts.rowid WHERE {' AND '.join(conds)} ORDER BY rank, u.ord")
        if not bounded:
            sql += f" LIMIT {-1 if limit is None else int(limit)}"
        with self._lock:
            found = self._conn.execute(sql, params).fetchall()
        if bounded:
            found = [r for r in found
                     if all(pat.search(r[3]) or pat.search(r[4]) or p == r[5] for p, pat in bounded)][:limit]
        ranks = {r[0]: r[1] for r in found}
        with self._lock:
            cur = self._conn.execute(f"SELECT * FROM units WHERE id IN ({', '.join('?' * len(ranks))})", list(ranks))
            names = [d[0] for d in cur.description]
            rows = {r[0]: dict(zip(names, r)) for r in cur.fetchall()}
        hits = []
        for uid, rank in ranks.items():
            r = rows[uid]
            where = {"id"} if ids else set()
            for p, pat in zip(words, patterns):
                if pat.search(r["ftext"]):
                    where.add("text")
                if pat.search(r["fnames"]):
                    where.add("agency")
                if p == r["fkey"]:
                    where.add("id")
            r["rank"], r["where"] = rank, tuple(w for w in ("text", "agency", "id") if w in where)
            hits.append(self._hit(r, patterns))
        return hits

    def _parse(self, query: str) -> tuple[list[str], list[str]]:
        """Return the query's whole record ids and its phrases; QueryError when it has no word."""
        ids, words = [], []
        for word in (query or "").split():
            folded = fold(word.strip())
            with self._lock:
                known = self._conn.execute("SELECT 1 FROM units WHERE frid = ? LIMIT 1", (folded,)).fetchone()
            if known:
                ids.append(folded)
            else:
                words.extend(phrases(word))
        if not ids and not words:
            check("", None)
        return list(dict.fromkeys(ids)), list(dict.fromkeys(words))

    def query_terms(self, phrase: str) -> list[str | None]:
        """Return a phrase's terms: the index terms inside each Han run (a character only where no longer
        term covers it), other runs whole; None for a required term the index lacks (then nothing matches)."""
        longest = int(self.meta.get("longest", "1"))
        out: list[str | None] = []
        for m in _RUNS.finditer(fold(phrase)):
            if m.group(2):
                out.append(m.group(2) if self._known([m.group(2)]) else None)
                continue
            run = m.group(1)
            subs = {run[i:j]: (i, j) for i in range(len(run)) for j in range(i + 2, min(len(run), i + longest) + 1)}
            covered: set[int] = set()
            for w in self._known(subs):
                out.append(w)
                covered.update(range(*subs[w]))
            singles = [c for i, c in enumerate(run) if i not in covered]
            known = set(self._known(singles))
            out.extend(c if c in known else None for c in singles)
        return list(dict.fromkeys(out))

    def _known(self, candidates: Iterable[str]) -> list[str]:
        """Return the candidates that are terms of the index, in the order given."""
        candidates = list(dict.fromkeys(candidates))
        found: set[str] = set()
        with self._lock:
            for k in range(0, len(candidates), 500):
                chunk = candidates[k:k + 500]
                found.update(t for (t,) in self._conn.execute(
                    f"SELECT term FROM vocab WHERE term IN ({', '.join('?' * len(chunk))})", chunk))
        return [c for c in candidates if c in found]

    def _hit(self, r: dict, patterns: Sequence[re.Pattern]) -> Hit:
        return Hit(doc=r["doc"], doc_title=self.docs.get(r["doc"], r["doc"]), id=r["rid"], kind=r["kind"],
                   number=r["number"], title=r["title"], part=r["part"], part_title=r["part_title"],
                   section=r["section"], section_title=r["section_title"],
                   agencies=tuple((role, name) for role, name in json.loads(r["agencies"])),
                   snippet=snippet(r["text"], spans(patterns, r["ftext"])), rank=r["rank"], matched=r["where"])


def check(query: str, limit: int | None = None) -> None:
    """Raise QueryError, in one line, for a query with no letter, digit or Han character, or a limit below 1."""
    if limit is not None and limit < 1:
        raise QueryError(f"--limit wants at least 1, not {limit}")
    if not phrases(query or ""):
        shown = f" in {query.strip()!r}" if query and query.strip() else ""
        raise QueryError(f"nothing to search for{shown}: type a word, a phrase or a task id")


def index_path(folder: Path, version: str) -> Path:
    """Return where one version's index is kept in a cache folder."""
    return folder / f"search-{version}.sqlite"


def index(kg) -> Index:
    """Return the index of the KG's live version: opened once per version, built the first time it is asked for."""
    version = kg.version()

    def make() -> Index:
        folder = kg.backend.cache_dir
        if folder is not None:
            found = Index.open(index_path(folder, version), version)
            if found is not None:
                return found
        built = Index.build(kg, version)
        if folder is not None:
            try:
                built.save(index_path(folder, version))
            except OSError:
                pass  # a read-only data folder: this process keeps its index in memory
        return built

    return kg.memo(f"search-index:{version}", make)
