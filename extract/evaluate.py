"""Measure an extraction against hand-checked gold: precision, recall and F1 per role and for deadlines.

The gold format is a JSON list, one object per unit that carries responsibility::

    [{"document": "hb-sci-plan.txt", "unit": "3.", "lead": ["省科技厅"], "cooperate": ["省财政厅"],
      "deadline": "2023年底前"},
     {"document": "hb-sci-plan.txt", "contains": "加强执法协作", "responsible": ["省公安厅", "省司法厅"]}]

A unit is found by ``unit`` (its number as written, compared after NFKC with spaces removed,
else as an arabic number) or by ``contains`` (a phrase of its title, else of its text: the
innermost unit holding it). Gold is complete for every document it names: the sets of
(unit, role, agency) triples are compared, agencies keyed by gazetteer id where the name
resolves. Everything here is pure except `load_gold_path`, which reads files.

>>> import io
>>> from extract.pipeline import extract_text
>>> x = extract_text("一、任务\\n1.做好甲事。（牵头单位：市版权局，配合单位：市商务局）\\n", "p.txt",
...                  {"jurisdiction": "广州市"})
>>> gold = load_gold(io.StringIO(to_gold([x])), "p.gold.json")
>>> [(g.document, g.roles) for g in gold]
[('p.txt', {'lead': ('市版权局',), 'cooperate': ('市商务局',)})]
>>> r = evaluate(gold, [x])
>>> r.score("overall", "all").f1, r.misses, r.extras
(1.0, (), ())
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ontology import terms
from ontology.errors import PolicyKGError
from ontology.iris import arabic

from .gazetteer import Resolver
from .records import ROLE_ORDER, Extraction, Unit

ROLES = terms.ROLES
DEADLINE = "deadline"
ALL = "all"
OVERALL = "overall"
KEYS = ("document", "unit", "contains", "deadline", "note", *ROLES)
GOLD_SUFFIX = ".gold.json"


class GoldError(PolicyKGError):
    """A gold file that cannot be read: one line naming the file and the object."""


@dataclass(frozen=True, slots=True)
class GoldUnit:
    """One object of a gold file: a unit found by marker or phrase, its agencies by role, its deadlines."""

    file: str
    index: int  # 0-based position in its file
    document: str
    unit: str | None
    contains: str | None
    roles: dict = field(hash=False)  # role value → tuple of names as written
    deadlines: tuple[str, ...] | None = None  # None: the object says nothing about deadlines

    @property
    def where(self) -> str:
        return f"{self.file}: object {self.index}"

    @property
    def label(self) -> str:
        return f"unit {self.unit!r}" if self.unit is not None else f"contains {self.contains!r}"


# Reading gold


def _names(value, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise GoldError(f"{where}: {key!r} must be a list of names")
    return tuple(v.strip() for v in value)


def load_gold(stream, name: str = "<gold>") -> tuple[GoldUnit, ...]:
    """Read gold objects from an open text stream; a bad file raises GoldError naming the file and object."""
    try:
        data = json.load(stream)
    except json.JSONDecodeError as e:
        raise GoldError(f"{name}: invalid JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    except UnicodeDecodeError as e:
        raise GoldError(f"{name}: not UTF-8 text (undecodable byte at offset {e.start})") from None
    if not isinstance(data, list):
        raise GoldError(f"{name}: a gold file is a JSON list of objects, one per unit")
    out = []
    for i, obj in enumerate(data):
        where = f"{name}: object {i}"
        if not isinstance(obj, dict):
            raise GoldError(f"{where}: not a JSON object")
        unknown = [k for k in obj if k not in KEYS]
        if unknown:
            raise GoldError(f"{where}: unknown key {unknown[0]!r} (expected one of {', '.join(KEYS)})")
        doc = obj.get("document")
        if not isinstance(doc, str) or not doc.strip():
            raise GoldError(f"{where}: missing 'document' (the document's file name)")
        unit, contains = obj.get("unit"), obj.get("contains")
        if unit is None and contains is None:
            raise GoldError(f"{where}: missing 'unit' or 'contains' (how to find the unit)")
        for key, v in (("unit", unit), ("contains", contains)):
            if v is not None and (not isinstance(v, str) or not _fold(v)):
                raise GoldError(f"{where}: {key!r} must be a non-empty string")
        roles = {r: _names(obj[r], where, r) for r in ROLES if r in obj}
        deadlines = _names(obj["deadline"], where, "deadline") if "deadline" in obj else None
        out.append(GoldUnit(name, i, Path(doc.strip()).name, unit, contains, roles, deadlines))
    return tuple(out)


def gold_files(path) -> list[Path]:
    """Return the gold files of a path: the file itself, or a folder's ``*.gold.json`` sorted."""
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.is_file() and f.name.endswith(GOLD_SUFFIX))
        if not files:
            raise GoldError(f"{path}: folder holds no {GOLD_SUFFIX} file")
        return files
    if not p.exists():
        raise GoldError(f"{path}: no such file or folder")
    return [p]


def load_gold_path(path) -> tuple[GoldUnit, ...]:
    """Read a gold file or every ``*.gold.json`` of a folder."""
    out: list[GoldUnit] = []
    for f in gold_files(path):
        with open(f, encoding="utf-8-sig") as stream:
            out.extend(load_gold(stream, str(f)))
    return tuple(out)


# Finding units


def _fold(s: str) -> str:
    """Return text compared loosely: NFKC, no spaces.

    >>> _fold("（三） "), _fold("３．"), _fold("2023 年底前")
    ('(三)', '3.', '2023年底前')
    """
    return "".join(unicodedata.normalize("NFKC", s).split())


def _number_of(marker: str) -> str:
    """Return the arabic number a marker writes (3. → 3, （三） → 3, 第五条 → 5).

    >>> [_number_of(m) for m in ("3.", "３、", "（三）", "(12)", "第五条", "甲")]
    ['3', '3', '3', '12', '5', '甲']
    """
    s = _fold(marker).strip(".、,:()")
    if s.startswith("第") and len(s) > 1 and s[-1] in "条章节部分项款":
        s = s[1:-1].removesuffix("部")
    return arabic(s)


class UnitNotFound(Exception):
    """A gold object names no unit, or several."""


def find_unit(units: Sequence[Unit], gold: GoldUnit) -> Unit:
    """Return the one unit a gold object means; raise UnitNotFound with the reason."""
    if gold.unit is not None:
        want = _fold(gold.unit)
        hits = [u for u in units if u.marker and _fold(u.marker) == want]
        if not hits:  # markers not recorded (or written otherwise): the task's number
            n = _number_of(gold.unit)
            hits = [u for u in units if u.kind == "task" and arabic(u.number) == n]
        if len(hits) == 1:
            return hits[0]
        if not hits:
            raise UnitNotFound(f"no unit numbered {gold.unit!r}")
        raise UnitNotFound(f"{len(hits)} units numbered {gold.unit!r}: use 'contains' with a phrase of the title")
    return find_phrase(units, gold.contains or "")


def find_phrase(units: Sequence[Unit], phrase: str) -> Unit:
    """Return the unit whose title holds the phrase, else the innermost unit whose text holds it."""
    want = _fold(phrase)
    hits = [u for u in units if want in _fold(u.title)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        hits = [u for u in units if want in _fold(u.span.quote)]
        if hits:  # a unit's text holds its sub-units' text: the innermost one is meant
            shortest = min(u.span.end - u.span.start for u in hits)
            hits = [u for u in hits if u.span.end - u.span.start == shortest]
            if len(hits) == 1:
                return hits[0]
        else:
            raise UnitNotFound(f"no unit holds {phrase!r}")
    raise UnitNotFound(f"{len(hits)} units hold {phrase!r}: use a longer phrase")


# Scoring


def resolver_for(x: Extraction) -> Resolver:
    """Return the agency resolver the extraction's names were resolved with (jurisdiction, year, issuer)."""
    from .pipeline import document_resolver

    return document_resolver(x)


def gold_key(resolver: Resolver, name: str) -> str:
    """Return the key a name is compared by: the gazetteer id (Traditional read as Simplified too), else the folded name."""
    from .pipeline import resolve_agency

    e = resolve_agency(resolver, name)
    return e.id if e is not None else Resolver.key(name)


@dataclass(frozen=True, slots=True)
class Item:
    """One triple (or deadline) that is in the gold and not extracted, or extracted and not in the gold."""

    document: str
    unit: str  # unit id, or "?" when the gold object found no unit
    role: str  # a role value or "deadline"
    name: str  # agency as written (gold or extracted), or the deadline text
    line: int | None
    quote: str  # extras: the clause; misses: the unit's title
    reason: str = ""  # why a miss could not be matched (unit not found)

    def as_dict(self) -> dict:
        return {"document": self.document, "unit": self.unit, "role": self.role, "name": self.name,
                "line": self.line, "quote": self.quote, **({"reason": self.reason} if self.reason else {})}


@dataclass(frozen=True, slots=True)
class Score:
    """Counts and figures of one scope (a document or overall) and one row (a role, all roles, deadline)."""

    scope: str
    row: str
    gold: int
    found: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.found if self.found else (1.0 if not self.gold else 0.0)

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else (1.0 if not self.found else 0.0)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"scope": self.scope, "row": self.row, "gold": self.gold, "found": self.found, "correct": self.correct,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass(frozen=True, slots=True)
class Report:
    """What an evaluation found: scores, misses, extras and messages (unmatched documents, units)."""

    scores: tuple[Score, ...]
    misses: tuple[Item, ...]
    extras: tuple[Item, ...]
    messages: tuple[str, ...]
    documents: tuple[str, ...]  # the documents evaluated

    def score(self, scope: str, row: str) -> Score:
        for s in self.scores:
            if s.scope == scope and s.row == row:
                return s
        raise KeyError((scope, row))

    def as_dict(self) -> dict:
        return {"documents": list(self.documents),
                "scores": [s.as_dict() for s in self.scores], "misses": [m.as_dict() for m in self.misses],
                "extras": [e.as_dict() for e in self.extras], "messages": list(self.messages)}


def evaluate(gold: Iterable[GoldUnit], extractions: Sequence[Extraction]) -> Report:
    """Compare gold with extractions matched by file name; return scores, misses and extras (with source lines)."""
    by_name: dict[str, Extraction] = {}
    for x in extractions:
        by_name.setdefault(Path(x.document.source).name, x)
    per_doc: dict[str, list[GoldUnit]] = {}
    for g in gold:
        per_doc.setdefault(g.document, []).append(g)

    messages: list[str] = []
    misses: list[Item] = []
    extras: list[Item] = []
    counts: dict[tuple[str, str], list[int]] = {}  # (scope, row) → [gold, found, correct]
    evaluated: list[str] = []

    def count(scope: str, row: str, g: int, f: int, c: int) -> None:
        n = counts.setdefault((scope, row), [0, 0, 0])
        n[0] += g
        n[1] += f
        n[2] += c

    for doc, objects in per_doc.items():
        x = by_name.get(doc)
        if x is None:
            messages.append(f"{doc}: named by {objects[0].file} but not among the documents evaluated")
            continue
        evaluated.append(doc)
        res = resolver_for(x)
        units = {u.id: u for u in x.units}
        gold_triples: dict[tuple[str, str, str], str] = {}  # triple → name as written
        gold_deadlines: dict[tuple[str, str], str] = {}
        unfound: list[tuple[GoldUnit, str]] = []
        deadlines_annotated = any(g.deadlines is not None for g in objects)
        for g in objects:
            try:
                u = find_unit(x.units, g)
            except UnitNotFound as e:
                messages.append(f"{g.where}: {doc}: {g.label}: {e}")
                unfound.append((g, str(e)))
                continue
            for role, names in g.roles.items():
                for name in names:
                    gold_triples.setdefault((u.id, role, gold_key(res, name)), name)
            for text in g.deadlines or ():
                gold_deadlines.setdefault((u.id, _fold(text)), text)

        found: dict[tuple[str, str, str], object] = {}
        for u in x.units:
            for a in u.assignments:
                # Keyed as gold names are, so that a name the extractor left unresolved still meets its gold
                found.setdefault((u.id, a.role.value, a.agency_id or gold_key(res, a.name)), a)
        found_deadlines: dict[tuple[str, str], object] = {}
        if deadlines_annotated:
            for u in x.units:
                for d in u.deadlines:
                    found_deadlines.setdefault((u.id, _fold(d.text)), d)

        for role in ROLES:
            g = {t for t in gold_triples if t[1] == role}
            f = {t for t in found if t[1] == role}
            missing = sum(len(o.roles.get(role, ())) for o, _ in unfound)
            for scope in (doc, OVERALL):
                for row in (role, ALL):
                    count(scope, row, len(g) + missing, len(f), len(g & f))
        if deadlines_annotated:
            g, f = set(gold_deadlines), set(found_deadlines)
            missing = sum(len(o.deadlines or ()) for o, _ in unfound)
            for scope in (doc, OVERALL):
                count(scope, DEADLINE, len(g) + missing, len(f), len(g & f))

        for o, reason in unfound:
            for role, names in o.roles.items():
                misses += [Item(doc, "?", role, n, None, "", f"{o.where}: {reason}") for n in names]
            misses += [Item(doc, "?", DEADLINE, t, None, "", f"{o.where}: {reason}") for t in o.deadlines or ()]
        for t, name in gold_triples.items():
            if t not in found:
                u = units[t[0]]
                misses.append(Item(doc, u.id, t[1], name, x.document.line_of(u.span.start), u.title))
        for t, text in gold_deadlines.items():
            if t not in found_deadlines:
                u = units[t[0]]
                misses.append(Item(doc, u.id, DEADLINE, text, x.document.line_of(u.span.start), u.title))
        for t, a in found.items():
            if t not in gold_triples:
                extras.append(Item(doc, t[0], t[1], a.name, x.document.line_of(a.span.start), a.clause.quote))
        for t, d in found_deadlines.items():
            if t not in gold_deadlines:
                extras.append(Item(doc, t[0], DEADLINE, d.text, x.document.line_of(d.span.start), d.span.quote))

    rows = (*ROLES, ALL, DEADLINE)
    scopes = (*evaluated, OVERALL) if evaluated else ()
    scores = tuple(Score(s, r, *counts[(s, r)]) for s in scopes for r in rows if (s, r) in counts)
    return Report(scores, tuple(misses), tuple(extras), tuple(messages), tuple(evaluated))


# Writing gold


def _unique_phrase(units: Sequence[Unit], u: Unit) -> str | None:
    """Return a phrase of the unit's title (else its text) that finds this unit and no other."""
    def finds(phrase: str) -> bool:
        try:
            return bool(_fold(phrase)) and find_phrase(units, phrase).id == u.id
        except UnitNotFound:
            return False

    if u.title and finds(u.title):
        return u.title
    text = u.span.quote
    for size in (12, 20, 32, 64):
        for start in range(0, max(len(text) - size, 0) + 1, max(size // 2, 1)):
            phrase = text[start:start + size].strip()
            if "\n" not in phrase and finds(phrase):
                return phrase
    return None


def gold_objects(x: Extraction) -> list[dict]:
    """Return the extraction in the gold format: one object per unit with agencies or a deadline."""
    markers: dict[str, int] = {}
    for u in x.units:
        if u.marker:
            markers[_fold(u.marker)] = markers.get(_fold(u.marker), 0) + 1
    out = []
    for u in x.units:
        if not u.assignments and not u.deadlines:
            continue
        obj: dict = {"document": Path(x.document.source).name}
        if u.marker and markers[_fold(u.marker)] == 1:
            obj["unit"] = u.marker
        elif (phrase := _unique_phrase(x.units, u)) is not None:
            obj["contains"] = phrase
        else:
            obj["contains"] = u.title or u.span.quote[:20]
            obj["note"] = "no phrase finds this unit alone: check 'contains' by hand"
        for r in ROLE_ORDER:
            names: list[str] = []
            for a in u.assignments:
                if a.role is r and a.name not in names:
                    names.append(a.name)
            if names:
                obj[r.value] = names
        texts: list[str] = []
        for d in u.deadlines:
            if d.text not in texts:
                texts.append(d.text)
        if texts:
            obj["deadline"] = texts[0] if len(texts) == 1 else texts
        out.append(obj)
    return out


def to_gold(extractions: list[Extraction]) -> str:
    """Return every document's units in the gold format, to correct by hand and keep as gold."""
    objects = [o for x in extractions for o in gold_objects(x)]
    lines = ",\n".join("  " + json.dumps(o, ensure_ascii=False) for o in objects)
    return "[\n" + lines + "\n]\n" if objects else "[]\n"


# Printing


def _pct(v: float) -> str:
    return f"{v:.3f}"


def render_table(r: Report) -> str:
    """Return the report as text: the figures, then every miss and every extra."""
    out = [f"{len(r.documents)} documents evaluated", ""]
    width = max([len(s.scope) for s in r.scores] + [8])
    out.append(f"{'scope':<{width}}  {'row':<11} {'gold':>5} {'found':>6} {'correct':>7} "
               f"{'precision':>9} {'recall':>7} {'F1':>6}")
    for s in r.scores:
        out.append(f"{s.scope:<{width}}  {s.row:<11} {s.gold:>5} {s.found:>6} {s.correct:>7} "
                   f"{_pct(s.precision):>9} {_pct(s.recall):>7} {_pct(s.f1):>6}")
    for title, items in (("misses (in the gold, not extracted)", r.misses),
                         ("extras (extracted, not in the gold)", r.extras)):
        out += ["", f"{title}: {len(items)}"]
        for i in items:
            where = f"{i.document}:{i.line}" if i.line else i.document
            tail = i.reason or i.quote
            out.append(f"  {where}  {i.unit}  {i.role}  {i.name}  「{tail}」")
    if r.messages:
        out += ["", "messages:"] + [f"  {m}" for m in r.messages]
    return "\n".join(out) + "\n"


def render_json(r: Report) -> str:
    """Return the report as JSON."""
    return json.dumps(r.as_dict(), ensure_ascii=False, indent=2) + "\n"


__all__ = ["GoldError", "GoldUnit", "Report", "Score", "Item", "load_gold", "load_gold_path", "find_unit",
           "evaluate", "gold_objects", "to_gold", "render_table", "render_json"]
