"""Corrections that survive rebuilds: a document's hand-made fixes, kept beside it and applied on every build.

A researcher who finds a wrong lead fixes it here, not in the source text. The fixes of
``corpus/NAME.txt`` live in ``corpus/NAME.corrections.json`` (beside its ``NAME.toml``
sidecar), a JSON object with sorted keys, one entry per change::

    {
     "corrections": [
      {"action": "set", "agency": "市版权局", "agency_id": "gz-copyright", "by": "李研究员",
       "note": "原文第二段写明配合", "role": "cooperate", "title": "完善知识产权法规规章", "unit": "t1",
       "when": "2024-05-01T09:30:00+00:00"}
     ],
     "document": "guangzhou-ip-plan-2021-2025"
    }

- ``unit`` is the unit's key in its document (``t12``, ``m9.1``; ``policykg task`` shows it) and
  ``title`` the title it had: a correction applies only while a unit with that key still has
  that title, so text that changed never gets a fix meant for another unit.
- ``action`` ``add``, ``remove`` or ``set``, on an ``agency`` (the name as typed, its gazetteer
  ``agency_id`` when it resolved) with a ``role``, or on a ``deadline``: ``add`` adds the role
  (or deadline), ``remove`` drops the agency (of that role only, when a role is given) or that
  deadline, ``set`` gives the agency that one role on the unit, or makes the deadline the
  unit's only one.
- ``note``, ``by``, ``when``: why, who, when (ISO 8601); they become PROV in the graph.

`apply` runs on the extracted records before they become RDF, so every view, the network,
search and `policykg eval` see the corrected data. A correction whose unit is gone, renamed, or
whose agency or deadline is not there to remove or change is *orphaned*: kept, reported with
the reason, applied nowhere. An added fact has no characters in the text: it sits in a clause
of its own whose spans are empty and which carries the correction.

>>> from extract.pipeline import extract_text
>>> x = extract_text("一、任务\\n1.做好甲事。（牵头单位：市版权局，配合单位：市商务局）\\n", "p.txt",
...                  {"jurisdiction": "广州市"})
>>> fixes = [correction(x, "t1", "set", agency="市商务局", role="lead", by="李", note="原文有误"),
...          correction(x, "t1", "add", deadline="2023年底前", by="李")]
>>> y = apply(x, renumber(fixes))
>>> [(a.agency, a.role.value, a.curation is not None) for a in y.units[0].assignments]
[('市版权局', 'lead', False), ('市商务局', 'lead', True)]
>>> [(c.status, c.what) for c in y.corrections]
[('applied', 't1 set 市商务局 lead'), ('applied', 't1 add deadline 2023年底前')]
>>> [d.text for d in y.units[0].deadlines]
['2023年底前']
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path

from ontology.terms import ROLE_ZH, ROLES

from .files import write_output
from .reader import InputError
from .records import Assignment, Clause, Correction, Deadline, Extraction, Role, Span, Unit

__all__ = ["ACTIONS", "SUFFIX", "CorrectionsError", "append", "apply", "check_applies", "corrected_documents", "correction",
           "corrections_path", "diff_gold", "diff_table", "document_id", "dump", "find_document", "import_file", "load",
           "load_for", "orphan_lines", "renumber", "unit_key"]

SUFFIX = ".corrections.json"
ACTIONS = ("add", "remove", "set")
KEYS = ("unit", "title", "action", "agency", "agency_id", "role", "deadline", "note", "by", "when")
APPLIED, ORPHANED = "applied", "orphaned"


class CorrectionsError(InputError):
    """A corrections file (or an edited table to import) that cannot be read: one line naming it and the entry."""


# --------------------------------------------------------------------------- the file


def corrections_path(document) -> Path:
    """Return where a document file's corrections live: beside it, ``NAME.corrections.json`` for ``NAME.txt``.

    >>> corrections_path("corpus/plan.txt").as_posix()
    'corpus/plan.corrections.json'
    """
    p = Path(document)
    return p.with_name(p.stem + SUFFIX) if p.suffix else p.with_name(p.name + SUFFIX)


def _text(obj: dict, key: str, where: str, required: bool = False) -> str | None:
    v = obj.get(key)
    if v is None or (isinstance(v, str) and not v.strip() and not required):
        if required:
            raise CorrectionsError(where, f"missing {key!r}")
        return None
    if not isinstance(v, str) or not v.strip():
        raise CorrectionsError(where, f"{key!r} must be a non-empty string, got {v!r}")
    return v.strip()


def check_entry(obj, where: str, index: int) -> Correction:
    """Return one entry of a corrections file as a Correction; a bad entry raises CorrectionsError naming it."""
    if not isinstance(obj, dict):
        raise CorrectionsError(where, "not a JSON object")
    unknown = [k for k in obj if k not in KEYS]
    if unknown:
        raise CorrectionsError(where, f"unknown key {unknown[0]!r} (expected one of {', '.join(KEYS)})")
    unit = _text(obj, "unit", where, required=True)
    action = _text(obj, "action", where, required=True)
    if action not in ACTIONS:
        raise CorrectionsError(where, f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    agency, deadline = _text(obj, "agency", where), _text(obj, "deadline", where)
    role = _text(obj, "role", where)
    if (agency is None) == (deadline is None):
        raise CorrectionsError(where, "give either 'agency' (with a role) or 'deadline'")
    if role is not None and role not in ROLES:
        raise CorrectionsError(where, f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if agency is not None and action in ("add", "set") and role is None:
        raise CorrectionsError(where, f"{action} of an agency needs a 'role'")
    if deadline is not None and role is not None:
        raise CorrectionsError(where, "a deadline correction takes no 'role'")
    when = _text(obj, "when", where)
    if when is not None:
        try:
            dt.datetime.fromisoformat(when)
        except ValueError:
            raise CorrectionsError(where, f"'when' must be an ISO 8601 date-time, got {when!r}") from None
    return Correction(index, unit, _text(obj, "title", where) or "", action, agency, _text(obj, "agency_id", where),
                      role, deadline, obj.get("note") or "", _text(obj, "by", where) or "", when or "")


def parse(text: str, name: str) -> tuple[str | None, tuple[Correction, ...]]:
    """Return the document id and the corrections of a corrections file's text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise CorrectionsError(name, f"invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("corrections"), list):
        raise CorrectionsError(name, 'a corrections file is a JSON object {"document": ID, "corrections": [...]}')
    doc = data.get("document")
    if doc is not None and not isinstance(doc, str):
        raise CorrectionsError(name, "'document' must be the document's id")
    out = [check_entry(obj, f"{name}: correction {i}", i) for i, obj in enumerate(data["corrections"], start=1)]
    return doc, tuple(out)


def load(path) -> tuple[Correction, ...]:
    """Read a corrections file; a missing file is no corrections."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        return ()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CorrectionsError(p, f"not UTF-8 text (undecodable byte at offset {e.start})") from None
    return parse(text, str(p))[1]


def load_for(document) -> tuple[Correction, ...]:
    """Read the corrections of a document file (none when it has no corrections file)."""
    return load(corrections_path(document))


def _entry(c: Correction) -> dict:
    obj = {"unit": c.unit, "title": c.title, "action": c.action, "agency": c.agency, "agency_id": c.agency_id,
           "role": c.role, "deadline": c.deadline, "note": c.note, "by": c.by, "when": c.when}
    return {k: v for k, v in obj.items() if v not in (None, "") or k in ("unit", "action", "note", "by", "when")}


def dump(document_id: str, corrections: Iterable[Correction]) -> str:
    """Return a corrections file's text: sorted keys, indented, one entry per change, diffable."""
    data = {"document": document_id, "corrections": [_entry(c) for c in corrections]}
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


@contextlib.contextmanager
def _locked(folder: Path):
    """Hold an exclusive lock on a folder while its corrections file is read and rewritten."""
    try:
        import fcntl
    except ImportError:  # not POSIX: the atomic replace below still leaves a whole file
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def append(document, document_id: str, new: Sequence[Correction]) -> tuple[Correction, ...]:
    """Add corrections to a document's file, under a lock and atomically; return the file's entries after."""
    path = corrections_path(document)
    with _locked(path.parent.resolve()):
        old = load(path)
        merged = renumber([*old, *new])
        write_output(path, dump(document_id, merged).encode("utf-8"))
    return merged


def renumber(corrections: Sequence[Correction]) -> tuple[Correction, ...]:
    """Return corrections numbered 1, 2, … in order (their place in the file)."""
    return tuple(dataclasses.replace(c, index=i) for i, c in enumerate(corrections, start=1))


def document_id(path) -> str:
    """Return the id a document file gets (its sidecar's ``id``, else its name), without extracting it."""
    from .pipeline import slug
    from .reader import read_sidecar

    return str(read_sidecar(Path(path)).get("id") or slug(Path(path).name))


def find_document(doc, corpus="corpus") -> Path:
    """Return the document file a DOC argument names: a file, or the document of that id in the corpus folder."""
    from .reader import list_documents

    p = Path(doc)
    if p.is_file():
        return p
    folder = Path(corpus)
    if not folder.is_dir():
        raise CorrectionsError(doc, f"no such document file, and no corpus folder {corpus} to look its id up in")
    found = [f for f in list_documents([folder]) if isinstance(f, Path) and document_id(f) == doc]
    if len(found) != 1:
        known = sorted(document_id(f) for f in list_documents([folder]) if isinstance(f, Path))
        why = "no document" if not found else f"{len(found)} documents"
        raise CorrectionsError(doc, f"{why} with this id in {corpus} (documents: {', '.join(known) or 'none'})")
    return found[0]


def corrected_documents(corpus="corpus") -> list[Path]:
    """Return the documents of a corpus folder that have a corrections file, sorted."""
    from .reader import list_documents

    return [f for f in list_documents([corpus]) if isinstance(f, Path) and corrections_path(f).is_file()]


# --------------------------------------------------------------------------- making one


def unit_key(x: Extraction, u: Unit) -> str:
    """Return a unit's key within its document: ``t12`` for ``plan/t12``."""
    return u.id[len(x.document.id) + 1:] if u.id.startswith(x.document.id + "/") else u.id


def find_unit(x: Extraction, key: str) -> Unit | None:
    """Return the unit a key (``t12``) or record id (``plan/t12``) names, or None."""
    for u in x.units:
        if key in (u.id, unit_key(x, u)):
            return u
    return None


def now() -> str:
    """Return the time now, to the second, in UTC (ISO 8601)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def correction(x: Extraction, unit: str, action: str, *, agency: str | None = None, role: str | None = None,
               deadline: str | None = None, note: str = "", by: str = "", when: str | None = None) -> Correction:
    """Return a checked correction of one unit of an extraction (the unit must exist; the agency is resolved)."""
    from .pipeline import document_resolver, resolve_agency

    u = find_unit(x, unit)
    if u is None:
        raise CorrectionsError(x.document.source, f"no unit {unit!r} (see policykg outline {x.document.id})")
    agency_id = None
    if agency:
        e = resolve_agency(document_resolver(x), agency.strip())
        agency_id = e.id if e is not None else None
    c = Correction(0, unit_key(x, u), u.title, action, agency.strip() if agency else None, agency_id, role,
                   deadline.strip() if deadline else None, note.strip(), by.strip(), when or now())
    check_entry(_entry(c), f"{x.document.source}: correction", 0)  # the same rules as a file's entries
    return c


# --------------------------------------------------------------------------- applying


def _fold(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


def apply(x: Extraction, corrections: Sequence[Correction]) -> Extraction:
    """Return the extraction with its corrections applied, in file order; `corrections` tells each one's fate."""
    if not corrections:
        return x
    from .clauses import parse_deadline
    from .evaluate import gold_key
    from .pipeline import document_resolver, resolve_agency

    res = document_resolver(x)
    clauses: dict[str, list[Clause]] = {u.id: list(u.clauses) for u in x.units}
    outcomes: list[Correction] = []

    def key_of(a: Assignment) -> str:
        return a.agency_id or gold_key(res, a.name)

    for c in corrections:
        u = find_unit(x, c.unit)
        if u is None:
            outcomes.append(dataclasses.replace(c, status=ORPHANED, reason=f"unit {c.unit} no longer exists"))
            continue
        if c.title and _fold(c.title) != _fold(u.title):
            outcomes.append(dataclasses.replace(
                c, status=ORPHANED, reason=f"unit {c.unit} is now titled {u.title!r}, not {c.title!r}"))
            continue
        cl = clauses[u.id]
        empty = Span(u.span.start, u.span.start, "")
        reason, orphan = "", ""
        if c.agency is not None:
            want = c.agency_id or gold_key(res, c.agency)
            hits = [(i, j) for i, k in enumerate(cl) for j, a in enumerate(k.assignments) if key_of(a) == want]
            if c.action == "add":
                if any(cl[i].assignments[j].role.value == c.role for i, j in hits):
                    reason = "already so"
                else:
                    e = (res.get(c.agency_id) if c.agency_id else None) or resolve_agency(res, c.agency)
                    a = Assignment(c.agency, e.name if e else None, e.id if e else None, Role(c.role), empty, empty,
                                   curation=c)
                    cl.append(Clause(empty, empty, (a,), None, curation=c))
            else:
                if c.action == "remove" and c.role is not None:
                    hits = [(i, j) for i, j in hits if cl[i].assignments[j].role.value == c.role]
                if not hits:
                    orphan = f"{c.agency} is not on unit {c.unit}" + (f" as {c.role}" if c.action == "remove" and c.role else "")
                elif c.action == "set" and all(cl[i].assignments[j].role.value == c.role for i, j in hits):
                    reason = "already so"
                else:
                    for i in sorted({i for i, _ in hits}):
                        keep = []
                        for j, a in enumerate(cl[i].assignments):
                            if (i, j) not in hits:
                                keep.append(a)
                            elif c.action == "set":
                                keep.append(dataclasses.replace(a, role=Role(c.role), curation=c))
                        cl[i] = dataclasses.replace(cl[i], assignments=tuple(keep))
        else:
            have = [i for i, k in enumerate(cl) if k.deadline is not None]
            same = [i for i in have if _fold(cl[i].deadline.text) == _fold(c.deadline)]
            if c.action == "remove":
                if not same:
                    orphan = f"unit {c.unit} has no deadline {c.deadline!r}"
                for i in same:
                    cl[i] = dataclasses.replace(cl[i], deadline=None)
            elif (c.action == "add" and same) or (c.action == "set" and same and len(have) == len(same)):
                reason = "already so"
            else:
                if c.action == "set":
                    for i in have:
                        cl[i] = dataclasses.replace(cl[i], deadline=None)
                d = dataclasses.replace(parse_deadline(c.deadline, empty), curation=c)
                cl.append(Clause(empty, empty, (), d, curation=c))
        if orphan:
            outcomes.append(dataclasses.replace(c, status=ORPHANED, reason=orphan))
        else:
            outcomes.append(dataclasses.replace(c, status=APPLIED, reason=reason))
    units = tuple(dataclasses.replace(u, clauses=tuple(clauses[u.id])) if tuple(clauses[u.id]) != u.clauses else u
                  for u in x.units)
    return dataclasses.replace(x, units=units, corrections=tuple(outcomes))


def check_applies(x: Extraction, new: Sequence[Correction]) -> None:
    """Refuse new corrections that would not apply to the extraction as it is, or would change nothing."""
    for c in apply(x, renumber(new)).corrections:
        if c.status == ORPHANED:
            raise CorrectionsError(x.document.source, f"{c.what}: {c.reason}")
        if c.reason == "already so":
            raise CorrectionsError(x.document.source, f"{c.what}: the unit already says so")


def orphan_lines(x: Extraction, file=None) -> list[str]:
    """Return one line per orphaned correction of an applied extraction, naming the file and the unit."""
    where = str(file) if file is not None else corrections_path(x.document.source).name
    return [f"{where}: correction {c.index} ({c.what}): {c.reason}" for c in x.corrections if c.status == ORPHANED]


# --------------------------------------------------------------------------- importing an edited table or gold


class _Want:
    """What an edited table or gold says of one unit: agencies (key → name, roles) and, if it says, deadlines."""

    def __init__(self) -> None:
        self.agencies: dict[str, tuple[str, set[str]]] = {}
        self.deadlines: list[str] | None = None

    def add(self, key: str, name: str, role: str) -> None:
        self.agencies.setdefault(key, (name, set()))[1].add(role)

    def deadline(self, text: str) -> None:
        self.deadlines = self.deadlines if self.deadlines is not None else []
        if text and _fold(text) not in {_fold(t) for t in self.deadlines}:
            self.deadlines.append(text)


def _diff(x: Extraction, wanted: dict[str, _Want], scope: set[str] | None, deadlines: str,
          note: str, by: str, when: str) -> list[Correction]:
    """Return the corrections that turn the extraction into what `wanted` says.

    `scope`: only these agency keys are compared (a bureau's table), None for every agency.
    `deadlines`: "all" (every unit's deadlines are given), "listed" (the units `wanted` names), "none".
    """
    from .evaluate import gold_key
    from .pipeline import document_resolver

    res = document_resolver(x)
    out: list[Correction] = []

    def make(u: Unit, action: str, **kw) -> None:
        out.append(Correction(0, unit_key(x, u), u.title, action, note=note, by=by, when=when, **kw))

    for u in x.units:
        w = wanted.get(u.id) or _Want()
        have: dict[str, tuple[str, set[str]]] = {}
        for a in u.assignments:
            k = a.agency_id or gold_key(res, a.name)
            if scope is None or k in scope:
                have.setdefault(k, (a.name, set()))[1].add(a.role.value)
        for k in [*have, *(k for k in w.agencies if k not in have)]:
            name_h, roles_h = have.get(k, ("", set()))
            name_w, roles_w = w.agencies.get(k, ("", set()))
            agency_id = k if res.get(k) is not None else None
            name = name_w or name_h
            if roles_h == roles_w:
                continue
            if not roles_w:
                make(u, "remove", agency=name, agency_id=agency_id)
            elif roles_h and len(roles_w) == 1:
                make(u, "set", agency=name, agency_id=agency_id, role=next(iter(roles_w)))
            else:
                for r in [r for r in ROLES if r in roles_h - roles_w]:
                    make(u, "remove", agency=name, agency_id=agency_id, role=r)
                for r in [r for r in ROLES if r in roles_w - roles_h]:
                    make(u, "add", agency=name, agency_id=agency_id, role=r)
        if deadlines == "none" or (deadlines == "listed" and w.deadlines is None):
            continue
        have_d = list(dict.fromkeys(d.text for d in u.deadlines))
        want_d = w.deadlines or []
        if [_fold(t) for t in have_d] == [_fold(t) for t in want_d]:
            continue
        if not want_d:
            for t in have_d:
                make(u, "remove", deadline=t)
        else:
            make(u, "set", deadline=want_d[0])
            for t in want_d[1:]:
                make(u, "add", deadline=t)
    return out


def diff_gold(x: Extraction, gold, note: str = "", by: str = "", when: str | None = None) -> list[Correction]:
    """Return the corrections that make the extraction say what gold objects (`extract.evaluate`) say.

    Gold is complete for its document: a unit it does not name keeps no agency.
    """
    from .evaluate import UnitNotFound, find_unit as gold_unit, gold_key
    from .pipeline import document_resolver

    res = document_resolver(x)
    mine = [g for g in gold if g.document == Path(x.document.source).name]
    if not mine:
        raise CorrectionsError(gold[0].file if gold else "gold",
                               f"no gold object names the document {Path(x.document.source).name!r}")
    wanted: dict[str, _Want] = {}
    for g in mine:
        try:
            u = gold_unit(x.units, g)
        except UnitNotFound as e:
            raise CorrectionsError(g.where, f"{g.label}: {e}") from None
        w = wanted.setdefault(u.id, _Want())
        for role, names in g.roles.items():
            for n in names:
                w.add(gold_key(res, n), n, role)
        for t in g.deadlines or ():
            w.deadline(t)
        if g.deadlines is not None:
            w.deadline("")
    annotated = any(g.deadlines is not None for g in mine)
    return _diff(x, wanted, None, "all" if annotated else "none", note, by, when or now())


# The columns of the two 分工表 policykg writes: `policykg extract --format csv` (extract.serialize.CSV_HEADER)
# and a bureau's table (graph.views.agency.BUREAU_HEADER), by the names their headers give.
_EXTRACT_COLUMNS = {"document": "document", "task": "number", "kind": "kind", "title": "title", "agency": "agency",
                    "canonical_agency": "canonical", "role": "role", "role_zh": "role_zh", "deadline": "deadline"}
_BUREAU_COLUMNS = {"文件": "document", "编号": "number", "任务": "title", "职责": "role_zh", "原文写法": "agency",
                   "任务编号": "rid"}
_ZH_ROLE = {v: k for k, v in ROLE_ZH.items()}


def diff_table(x: Extraction, rows: Sequence[Sequence[str]], name: str, note: str = "", by: str = "",
               when: str | None = None) -> list[Correction]:
    """Return the corrections that make the extraction say what an edited 分工表 says.

    `rows` is the table, header first: the CSV/XLSX of ``policykg extract --format csv`` (complete for the
    document: a unit without rows keeps no agency; a ``deadline`` cell gives the unit's deadlines) or a
    bureau's table from My bureau / ``policykg agency`` (only that bureau's roles are compared).
    """
    from .evaluate import gold_key
    from .pipeline import document_resolver

    if not rows:
        raise CorrectionsError(name, "the table is empty")
    header = [str(h).strip() for h in rows[0]]
    bureau = "任务编号" in header and "职责" in header
    names = _BUREAU_COLUMNS if bureau else _EXTRACT_COLUMNS
    col = {names[h]: i for i, h in enumerate(header) if h in names}
    need = ("rid", "role_zh", "agency") if bureau else ("document", "number", "title", "agency", "role")
    missing = [n for n in need if n not in col]
    if missing:
        raise CorrectionsError(name, "not a 分工表 policykg writes: no column "
                               f"{[h for h, v in names.items() if v == missing[0]][0]!r} in the header")
    res = document_resolver(x)
    wanted: dict[str, _Want] = {}
    scope: set[str] | None = set() if bureau else None

    def cell(row, key: str) -> str:
        i = col.get(key)
        return str(row[i]).strip() if i is not None and i < len(row) and row[i] is not None else ""

    for n, row in enumerate(rows[1:], start=2):
        if not any(str(c).strip() for c in row):
            continue
        where = f"{name}: row {n}"
        if cell(row, "document") and cell(row, "document") != x.document.id:
            continue  # another document's rows (a table of the whole corpus)
        if bureau:
            u = find_unit(x, cell(row, "rid"))
            if u is None:
                raise CorrectionsError(where, f"no unit {cell(row, 'rid')!r} in {x.document.id}")
        else:
            u = _table_unit(x, cell(row, "number"), cell(row, "kind"), cell(row, "title"), where)
        agency = cell(row, "agency") or cell(row, "canonical")
        role, role_zh = cell(row, "role"), cell(row, "role_zh")
        if role_zh and role_zh not in _ZH_ROLE:
            raise CorrectionsError(where, f"unknown 职责 {role_zh!r} (one of {'、'.join(_ZH_ROLE)})")
        if role and role not in ROLES:
            raise CorrectionsError(where, f"unknown role {role!r} (one of {', '.join(ROLES)})")
        if role and role_zh and _ZH_ROLE[role_zh] != role:
            raise CorrectionsError(where, f"role {role!r} and role_zh {role_zh!r} disagree: change both or clear one")
        role = role or _ZH_ROLE.get(role_zh, "")
        w = wanted.setdefault(u.id, _Want())
        if "deadline" in col:
            w.deadline("")
            for t in cell(row, "deadline").split("；"):
                w.deadline(t.strip())
        if not agency and not role:
            continue  # a unit listed for its deadline only
        if not agency or not role:
            raise CorrectionsError(where, "a row needs both an agency and a role")
        k = gold_key(res, agency)
        w.add(k, agency, role)
        if scope is not None:
            scope.add(k)
    return _diff(x, wanted, scope, "listed" if "deadline" in col else "none", note, by, when or now())


def _table_unit(x: Extraction, number: str, kind: str, title: str, where: str) -> Unit:
    hits = [u for u in x.units if u.number == number and (not kind or u.kind == kind)]
    if len(hits) > 1 or (hits and title and _fold(hits[0].title) != _fold(title)):
        hits = [u for u in hits if _fold(u.title) == _fold(title)] or [u for u in x.units if _fold(u.title) == _fold(title)]
    if len(hits) != 1:
        raise CorrectionsError(where, f"{'no' if not hits else len(hits)} units numbered {number!r} titled {title!r}")
    return hits[0]


def import_file(x: Extraction, path, note: str = "", by: str = "", when: str | None = None) -> list[Correction]:
    """Return the corrections an edited 分工表 (.csv, .xlsx) or gold file (.json) makes to an extraction."""
    from . import tables

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".json":
        from .evaluate import GoldError, load_gold

        try:
            with open(p, encoding="utf-8-sig") as f:
                gold = load_gold(f, str(p))
        except GoldError as e:
            raise CorrectionsError(p, str(e).removeprefix(f"{p}: ")) from None
        return diff_gold(x, gold, note, by, when)
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise CorrectionsError(p, "import an edited 分工表 (.csv, .xlsx) or a gold file (.json)")
    try:
        rows = tables.read_table(p.read_bytes(), p.name)
    except ValueError as e:
        raise CorrectionsError(p, str(e)) from None
    return diff_table(x, rows, str(p), note, by, when)
