"""Every agency's rows, worked out where each document is extracted and read back by agency.

`policykg agency` and the My bureau view show, for one agency, a row per unit and role it
carries, with the unit's place, its clauses and the other agencies there. At a thousand plans
such an answer holds thousands of rows from every document; reading them back through the
documents' outlines costs the corpus, not the answer. So the rows of a document are worked
out once, from that document's own triples (`doc_rows`), in the worker that extracts it. A
build keeps them per document under DATA/cache/rows/, each file named by the sha256 of the
document's N-Quads: a file belongs to exactly the triples the store holds, whichever build
wrote it. Per version they are merged into one SQLite file keyed by agency (`BureauIndex`),
which a query reads in milliseconds. A document without its file (a store written by other
means) gets it from its quads in the store the first time the index is made.

Rows name agencies by IRI; names are the model's (`graph.model`), looked up when a row is
shown (`shown`), since an agency's name comes from every document that names it. A backend
without a cache folder (an endpoint) answers with SPARQL instead (`graph.views.agency`), into
the same rows: `raw_row` and `shown` are the one shape both paths fill.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from ontology import iris
from ontology.prefixes import NAMESPACES as NS
from ontology.terms import ROLE_RANK, ROLE_ZH, ROLES

from . import model as M

__all__ = ["BRIEF", "BureauIndex", "brief", "clause_key", "doc_rows", "document_file", "encode",
           "index_for", "names_by_iri", "raw_row", "read_head", "shown", "write_rows"]

_KIND_RANK = {k: i for i, k in enumerate(M.KINDS)}
_PREDICATES = {NS[prefix] + local: name for prefix, local, name in (
    ("pkg", "text", "text"), ("oa", "hasBody", "body"), ("oa", "hasTarget", "target"), ("pkg", "extent", "extent"),
    ("eli", "type_subdivision", "type"), ("eli", "number", "number"), ("eli", "title", "title"),
    ("eli", "is_part_of", "parent"), ("prov", "qualifiedAttribution", "attribution"), ("prov", "agent", "agent"),
    ("prov", "hadRole", "role"), ("pkg", "asWritten", "written"), ("pkg", "clause", "clause"))}
_SINGLE = {"text", "target", "extent", "type", "number", "title", "parent", "agent", "role", "written", "clause"}
_HEAD = "#head\t"  # the first line of a file kept per graph: its part of the model's head
ROWS_FOLDER = "rows"  # under the cache folder: one file per document (`encode`), named by its N-Quads' sha256
FORMAT = 3  # of the files kept: a change to what `doc_rows` gives bumps it, and every file is made anew
INDEX_FORMAT = 4  # of the SQLite file made from them per version (its tables and indexes)


def raw_row(u: M.Unit, place: Mapping, role: str, agency: str) -> dict:
    """Return the row of `agency` carrying `role` on unit `u`, before its clauses and partners are added."""
    return {"task": u.rid, "iri": u.iri, "doc": u.doc, **place, "number": u.number, "kind": u.kind,
            "title": u.title, "role": role, "agency": agency, "order": u.order, "partners": [], "clauses": []}


def clause_key(c: Mapping) -> tuple:
    """Sort a row's clauses: by where the clause starts, then where the name in it does (no span last)."""
    span, name = c["span"], c["name_span"]
    return (span[0] is None, span[0] or 0, name[0] is None, name[0] or 0, c["name_as_written"])


def shown(model: M.Model, raws: Iterable[Mapping]) -> list[dict]:
    """Return stored rows as `agency_tasks` gives them: the document's title, year and issuer, partners named."""
    names = names_by_iri(model)
    return [_shown(model, names, raw) for raw in raws]


def names_by_iri(model: M.Model) -> dict[str, str]:
    """Return every agency's name by IRI, as rows show them."""
    return {iri: a["name"] for iri, a in model.agencies.items()}


def _partner_order(names: Mapping[str, str]) -> Callable[[Sequence[str]], tuple]:
    """Return the sort key of a row's other agencies ([IRI, role] pairs): leads first, then by name."""
    return lambda p: (ROLE_RANK.get(p[1], 9), names.get(p[0], p[0]), p[0])


def _partners(names: Mapping[str, str], partners: Iterable[Sequence[str]]) -> list[dict]:
    """Return a row's other agencies ([IRI, role] pairs) named, in their order (`_partner_order`)."""
    return [{"agency": names.get(a, a), "iri": a, "role": r} for a, r in sorted(partners, key=_partner_order(names))]


def _first_clause(clauses: Sequence[Mapping]) -> Mapping:
    return min(clauses, key=clause_key) if len(clauses) > 1 else clauses[0]


# An agency's row in one line, as `policykg agency` prints it (`brief`): kept in the index, so a
# listing of tens of thousands of rows reads these cells and never a row's JSON.
BRIEF = ("doc", "task", "role", "title", "as written", "with")


def brief(row: Mapping) -> tuple[str, ...]:
    """Return a shown row (`shown`) as its `BRIEF` cells: document, task (its id in the document),
    role in Chinese, title, the name as written in its first clause, the other agencies."""
    return brief_cells(row["doc"], row["task"], row["role"], row["title"], row["name_as_written"],
                       [p["agency"] for p in row["partners"]])


def brief_cells(doc: str, task: str, role: str, title: str, written: str, partners: Iterable[str]) -> tuple[str, ...]:
    """Return the `BRIEF` cells of a row from its parts (`partners`: the other agencies' names, in order)."""
    return doc, task.rsplit("/", 1)[-1], ROLE_ZH.get(role, role), title, written, "、".join(partners)


def _shown(model: M.Model, names: Mapping[str, str], raw: Mapping) -> dict:
    d = model.docs[raw["doc"]]
    clauses = sorted(raw["clauses"], key=clause_key) if len(raw["clauses"]) > 1 else raw["clauses"]
    first = clauses[0]
    return {"task": raw["task"], "iri": raw["iri"], "doc": raw["doc"], "doc_title": d["title"], "year": d.get("year"),
            "issuer": d.get("issuer", ""), "part": raw["part"], "part_title": raw["part_title"],
            "section": raw["section"], "section_title": raw["section_title"], "number": raw["number"],
            "kind": raw["kind"], "title": raw["title"], "role": raw["role"],
            "partners": _partners(names, raw["partners"]),
            "clauses": clauses, "name_as_written": first["name_as_written"], "clause": first["quote"],
            "span": first["span"], "name_span": first["name_span"]}


def doc_rows(doc_id: str, doc_iri: str, triples: Iterable[tuple[str, str, object]]) -> list[dict]:
    """Return every agency's rows in one document from its triples (objects as plain values), in document order.

    The same rows as the SPARQL path of `graph.views.agency` reads from the store: the
    document's units as `graph.model` orders them, each attribution with its name as written
    and its clause, the spans of both, and every other agency on the unit.
    """
    one: dict[str, dict[str, object]] = defaultdict(dict)
    many: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    text = ""
    for s, p, o in triples:
        name = _PREDICATES.get(p)
        if name is None:
            continue
        if name == "text":
            text = str(o)
        elif name == "body":
            many["body"][str(o)].append(s)  # body -> annotations
        elif name == "attribution":
            many["attribution"][s].append(str(o))
        elif name in _SINGLE:
            one[name].setdefault(s, o)
    bodies, targets, spans = many["body"], one["target"], {}

    def spans_of(body: str) -> list[tuple[int, int]]:
        """The spans of the annotations on `body`, sorted: worked out for the bodies a row names only."""
        got = spans.get(body)
        if got is None:
            got = spans[body] = sorted(f for f in (iris.segment_span(str(targets.get(a, "")))
                                                   for a in bodies.get(body, ())) if f is not None)
        return got

    def span(body: str) -> list[int | None]:
        got = spans_of(body)
        return list(got[0]) if got else [None, None]

    found = []
    for s, number in one["number"].items():
        kind = M.KIND_OF_TYPE.get(str(one["type"].get(s)))
        rid = M.record_id(s, doc_iri, doc_id) if kind is not None else None
        if rid is None:
            continue
        parent = one["parent"].get(s)
        parent = None if parent is None or str(parent) == doc_iri else str(parent)
        head = spans_of(s)[0] if spans_of(s) else (-1, -1)
        extent = iris.segment_span(str(one["extent"].get(s, ""))) or head
        found.append((extent[0], _KIND_RANK[kind], head[0], M.natural(rid), s, rid, kind, str(number),
                      str(one["title"].get(s) or ""), parent, head))
    found.sort(key=lambda x: x[:4])
    units = {x[4]: M.Unit(x[4], x[5], doc_id, x[6], x[7], x[8], x[9], "", start=x[10][0], end=x[10][1], order=i)
             for i, x in enumerate(found)}
    part_model = M.Model({}, units, {}, {}, {}, {})
    rows: list[dict] = []
    for u in units.values():
        atts = many["attribution"].get(u.iri, ())
        everyone = {(str(one["agent"][a]), str(one["role"][a]).rsplit("#", 1)[-1])
                    for a in atts if a in one["agent"] and a in one["role"]}
        by_role: dict[tuple[str, str], dict] = {}
        for a in sorted(set(atts)):
            if not all(a in one[k] for k in ("agent", "role", "written", "clause")):
                continue
            agency, role = str(one["agent"][a]), str(one["role"][a]).rsplit("#", 1)[-1]
            row = by_role.get((agency, role))
            if row is None:
                row = by_role[(agency, role)] = raw_row(u, M.unit_place(part_model, u), role, agency)
                row["partners"] = sorted([x, r] for x, r in everyone if x != agency)
            clause_span = span(str(one["clause"][a]))
            row["clauses"].append({"quote": None if clause_span[0] is None else text[clause_span[0]:clause_span[1]],
                                   "span": clause_span, "name_as_written": str(one["written"][a]),
                                   "name_span": span(a)})
        for key in sorted(by_role, key=lambda k: (ROLE_RANK.get(k[1], 9), k[0])):
            row = by_role[key]
            row["clauses"].sort(key=clause_key)
            rows.append(row)
    return rows


def encode(rows: Sequence[Mapping]) -> bytes:
    """Return a document's rows as the bytes a worker hands back and a build keeps, one line per row.

    A line is the agency's IRI, the role, the document, the unit's rank in it, what its `brief`
    needs (task, title, name as written, partners by IRI) and the row, both as compact JSON,
    tab-separated (JSON holds no raw tab): the index is made from them without parsing a row.
    """
    def line(r: Mapping) -> str:
        short = [r["task"], r["title"], _first_clause(r["clauses"])["name_as_written"], r["partners"]]
        return (f"{r['agency']}\t{r['role']}\t{r['doc']}\t{r['order']}\t{_compact(short)}\t{_compact(r)}\n")

    return "".join(map(line, rows)).encode("utf-8")


_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # made once, not per row


def document_file(doc_id: str, graph: str, triples: Iterable[tuple[str, str, object]]) -> bytes:
    """Return what a build keeps of one graph for the query side, from its triples (plain values):
    a first line with its part of the model's head (`graph.model.doc_head`), then its rows (`encode`)."""
    triples = list(triples)
    entries, labels = M.doc_head(graph, triples)
    head = json.dumps({"docs": entries, "labels": labels}, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    rows = doc_rows(doc_id, entries[0]["iri"], triples) if entries else []
    return (_HEAD + head + "\n").encode("utf-8") + encode(rows)


def _head_of(line: bytes) -> dict:
    text = line.decode("utf-8")
    if not text.startswith(_HEAD):
        raise ValueError("no head line")
    return json.loads(text[len(_HEAD):])


def _lines(data: bytes, names: Mapping[str, str]) -> list[tuple]:
    """Return the index's records of a document's rows (`encode`): keys, `brief` cells, the row's JSON."""
    lines = [line.split("\t", 5) for line in data.decode("utf-8").splitlines() if not line.startswith(_HEAD)]
    shorts = json.loads("[" + ",".join(line[4] for line in lines) + "]")  # one parse per document
    out, order_of = [], _partner_order(names)
    for (agency, role, doc, order, _, row), (task, title, written, partners) in zip(lines, shorts):
        if len(partners) > 1:
            partners.sort(key=order_of)
        cells = brief_cells(doc, task, role, title, written, [names.get(a, a) for a, _ in partners])
        out.append((agency, role, doc, int(order), ROLE_RANK.get(role, 9), *cells, row))
    return out


def rows_folder(cache_dir: Path) -> Path:
    return cache_dir / ROWS_FOLDER


def write_rows(cache_dir: Path, digest: str, data: bytes) -> None:
    """Keep a document's rows, named by the sha256 of its N-Quads; a read-only cache folder keeps nothing."""
    folder = rows_folder(cache_dir)
    path = folder / f"{digest}-{FORMAT}.rows"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        pass


class BureauIndex:
    """One version's rows of every agency, as `agency_tasks` shows them, in SQLite: read by agency IRI."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    def rows(self, model: M.Model, agency: str, roles: Sequence[str] = ROLES) -> list[tuple[tuple, dict]]:
        """Return the rows of `agency` with any of `roles`, shown (`shown`), each with its key
        (document, unit order, role rank)."""
        return [((d, o, k), row) for (d, o, k, _), row in self.page(model, [agency], roles)]

    def page(self, model: M.Model, agencies: Sequence[str], roles: Sequence[str] = ROLES,
             docs: Iterable[str] | None = None, limit: int | None = None,
             offset: int = 0) -> list[tuple[tuple, dict]]:
        """Return rows of the `agencies` with any of `roles` (of the documents `docs`, None: all), shown:
        in document order (document, unit, role, then the agencies' order given), from `offset`,
        at most `limit`. Each comes with its key (document, unit order, role rank, agency)."""
        where, args = self._where(agencies, roles, docs)
        order = " ".join(f"WHEN ? THEN {i}" for i in range(len(agencies)))
        if limit is None and not offset:  # every row: read in the index's order
            found = self._db.execute(
                f"SELECT doc, ord, rank, agency, row FROM rows WHERE {where} "
                f"ORDER BY doc, ord, rank, CASE agency {order} END", (*args, *agencies)).fetchall()
        else:  # a page, found on the index (agency, doc, ord, rank, role) alone: only its rows' text is read
            found = self._db.execute(
                f"SELECT k.doc, k.ord, k.rank, k.agency, r.row FROM (SELECT rowid AS id, doc, ord, rank, agency, "
                f"CASE agency {order} END AS pos FROM rows WHERE {where} ORDER BY doc, ord, rank, pos "
                "LIMIT ? OFFSET ?) AS k JOIN rows AS r ON r.rowid = k.id ORDER BY k.doc, k.ord, k.rank, k.pos",
                (*agencies, *args, -1 if limit is None else limit, offset)).fetchall()
        rows = json.loads("[" + ",".join(r[4] for r in found) + "]")  # one parse for thousands of rows
        return [(r[:4], row) for r, row in zip(found, shown(model, rows))]

    def lines(self, agencies: Sequence[str], roles: Sequence[str] = ROLES, docs: Iterable[str] | None = None,
              limit: int | None = None, offset: int = 0, tags: Sequence = ()) -> list[tuple]:
        """Return the rows `page` means, in its order, each as its `brief` cells and then the tag of
        the agency carrying it (``tags[i]`` for ``agencies[i]``, None without one). SQLite gives the
        lines as they are, from its index alone: no row is parsed, no tuple is made here."""
        where, args = self._where(agencies, roles, docs)
        tags = [*tags, *[None] * (len(agencies) - len(tags))]
        order = " ".join(f"WHEN ? THEN {i}" for i in range(len(agencies)))
        return self._db.execute(
            f"SELECT {', '.join(_BRIEF_COLUMNS)}, CASE agency {' '.join('WHEN ? THEN ?' for _ in agencies)} END "
            f"FROM rows WHERE {where} ORDER BY doc, ord, rank, CASE agency {order} END LIMIT ? OFFSET ?",
            (*(x for pair in zip(agencies, tags) for x in pair), *args, *agencies,
             -1 if limit is None else limit, offset)).fetchall()

    def tally(self, agencies: Sequence[str], roles: Sequence[str] = ROLES,
              docs: Iterable[str] | None = None) -> tuple[dict[str, int], int]:
        """Return what `page` would give in all: rows by role, and distinct units."""
        where, args = self._where(agencies, roles, docs)
        by_role = dict(self._db.execute(f"SELECT role, count(*) FROM rows WHERE {where} GROUP BY role", args))
        units = self._db.execute(f"SELECT count(*) FROM (SELECT DISTINCT doc, ord FROM rows WHERE {where})",
                                 args).fetchone()[0]
        return by_role, units

    @staticmethod
    def _where(agencies: Sequence[str], roles: Sequence[str], docs: Iterable[str] | None) -> tuple[str, list]:
        where = (f"agency IN ({','.join('?' * len(agencies))}) AND role IN ({','.join('?' * len(roles))})")
        args = [*agencies, *roles]
        if docs is not None:
            docs = sorted(docs)
            where += f" AND doc IN ({','.join('?' * len(docs))})"
            args += docs
        return where, args

    def counts(self) -> dict[str, dict[str, int]]:
        """Return per agency IRI its number of units by role, and in all (``"total"``: units with any role)."""
        out: dict[str, dict[str, int]] = defaultdict(dict)
        for agency, role, n in self._db.execute("SELECT agency, role, count(*) FROM rows GROUP BY agency, role"):
            out[agency][role] = n
        for agency, n in self._db.execute(
                "SELECT agency, count(*) FROM (SELECT DISTINCT agency, doc, ord FROM rows) GROUP BY agency"):
            out[agency]["total"] = n
        return dict(out)

    def close(self) -> None:
        self._db.close()


_BRIEF_COLUMNS = tuple(f"brief{i}" for i in range(len(BRIEF)))


def _make(path: Path, docs: Iterable[bytes], names: Mapping[str, str]) -> None:
    """Write the index of a version from every document's rows (`encode`), into a new file swapped in whole;
    `names`: every agency's name by IRI in the version (`names_by_iri`), for the rows' `brief`."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE rows (agency TEXT, role TEXT, doc TEXT, ord INTEGER, rank INTEGER, "
                   f"{', '.join(c + ' TEXT' for c in _BRIEF_COLUMNS)}, row TEXT)")
        insert = f"INSERT INTO rows VALUES ({', '.join('?' * (6 + len(BRIEF)))})"
        for data in docs:
            db.executemany(insert, _lines(data, names))
        # Covering a page's order, a tally's counts and the rows' `brief`: none of them reads a row's JSON,
        # and an agency's lines are read in order from one run of the index, not from across the table.
        db.execute(f"CREATE INDEX by_agency ON rows (agency, doc, ord, rank, role, {', '.join(_BRIEF_COLUMNS)})")
        db.commit()
    finally:
        db.close()
    os.replace(tmp, path)


def index_for(kg) -> BureauIndex | None:
    """Return the index of the version `kg` holds, made now if missing; None without a cache folder."""
    folder = kg.backend.cache_dir
    if folder is None:
        return None
    version = kg.version()
    return kg.memo("bureau-index", lambda: _open_or_make(kg, folder, version))


def read_head(kg) -> tuple[dict, dict, dict] | None:
    """Return the model's head of the version `kg` holds from the files kept per graph (the first
    line of each, `document_file`), the same as `graph.model.read_head` reads with SPARQL; None
    without a cache folder. A graph without its file gets it from its quads, kept for next time."""
    folder = kg.backend.cache_dir
    if folder is None:
        return None
    entries, labels = [], []
    for path, make in _every_graph(kg, folder):
        try:
            with open(path, "rb") as f:
                head = _head_of(f.readline())
        except (OSError, ValueError):
            head = _head_of(make().split(b"\n", 1)[0])
        entries += head["docs"]
        labels += [tuple(x) for x in head["labels"]]
    return M.finish_head(entries, labels)


def _open_or_make(kg, folder: Path, version: str) -> BureauIndex | None:
    path = folder / f"bureau{INDEX_FORMAT}-{version}.sqlite"
    if not path.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _make(path, _every_file(kg, folder), names_by_iri(kg.model()))
        except (OSError, sqlite3.Error):
            return None  # a read-only data folder: the SPARQL path answers
        for old in folder.glob("bureau*-*.sqlite"):
            if old != path:
                old.unlink(missing_ok=True)
    return BureauIndex(path)


def _every_graph(kg, folder: Path) -> list[tuple[Path, Callable[[], bytes]]]:
    """Return for each graph of the version (documents, the gazetteer, the ontology) the path of its
    file and how to make it from its quads (kept, where the folder takes it); files of graphs no
    longer stored are removed."""
    from .store import MANIFEST_QUERY

    out, keep = [], set()
    for r in sorted(kg.select(MANIFEST_QUERY), key=lambda r: (r["id"], r["g"])):
        path = rows_folder(folder) / f"{r['digest']}-{FORMAT}.rows"
        keep.add(path.name)

        def make(r=r) -> bytes:
            data = document_file(r["id"], r["g"], ((q.subject.value, q.predicate.value, q.object.value)
                                                   for q in kg.quads([r["g"]], ontology=True)))
            write_rows(folder, r["digest"], data)
            return data

        out.append((path, make))
    if rows_folder(folder).is_dir():
        for old in rows_folder(folder).glob("*.rows"):
            if old.name not in keep:
                old.unlink(missing_ok=True)
    return out


def _every_file(kg, folder: Path) -> Iterable[bytes]:
    """Yield each graph's file (`document_file`), read, or made where there is none."""
    for path, make in _every_graph(kg, folder):
        try:
            data = path.read_bytes()
            _head_of(data.split(b"\n", 1)[0])
        except (OSError, ValueError):
            data = make()
        yield data
