"""Load the agency and place gazetteers and resolve names against them for one jurisdiction."""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from pathlib import Path

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"

# Prefixes that make a name relative to the document's own jurisdiction:
# in a Guangzhou plan 市市场监管局 is 广州市's bureau, 省科技厅 is 广东省's department.
LEVEL_PREFIXES = ("市", "省", "区", "县")


@dataclass(frozen=True, slots=True)
class Entry:
    """One gazetteer row: an agency or a place."""

    id: str
    name: str
    aliases: tuple[str, ...]
    level: str  # agencies: national|provincial|city|district|international; places: the kind
    kind: str
    jurisdiction: str
    parent: str
    members: tuple[str, ...] = ()


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (cell or "").split("|") if x.strip())


def read_entries(stream, *, places: bool = False) -> tuple[Entry, ...]:
    """Read gazetteer rows from an open text stream."""
    out = []
    for row in csv.DictReader(stream):
        if places:
            out.append(Entry(row["id"], row["name"], _split(row.get("aliases")), row["kind"], row["kind"],
                             "", row.get("parent") or ""))
        else:
            out.append(Entry(row["id"], row["name"], _split(row.get("aliases")), row["level"], row["kind"],
                             row.get("jurisdiction") or "", row.get("parent") or "", _split(row.get("members"))))
    return tuple(out)


@functools.cache
def agencies() -> tuple[Entry, ...]:
    """Return the agency gazetteer shipped in ontology/agencies.csv."""
    with open(ONTOLOGY_DIR / "agencies.csv", encoding="utf-8") as f:
        return read_entries(f)


@functools.cache
def places() -> tuple[Entry, ...]:
    """Return the place gazetteer shipped in ontology/places.csv."""
    with open(ONTOLOGY_DIR / "places.csv", encoding="utf-8") as f:
        return read_entries(f, places=True)


def jurisdiction_chain(jurisdiction: str) -> tuple[str, ...]:
    """Return the jurisdiction and the places above it, nearest first (广州市 → 广东省 → 中国)."""
    by_name: dict[str, Entry] = {}
    for p in places():
        for n in (p.name, *p.aliases):
            by_name.setdefault(n, p)
    by_id = {p.id: p for p in places()}
    chain: list[str] = []
    p = by_name.get(jurisdiction)
    if p is None:
        return (jurisdiction,) if jurisdiction else ()
    while p is not None and p.name not in chain:
        chain.append(p.name)
        p = by_id.get(p.parent)
    return tuple(chain)


def _short(name: str) -> str:
    """Return a jurisdiction's name without its level suffix (广州市 → 广州)."""
    return name[:-1] if len(name) > 2 and name[-1] in "省市区县" else name


class Resolver:
    """Resolve agency or place names as written to gazetteer entries, for one jurisdiction."""

    def __init__(self, entries: tuple[Entry, ...], jurisdiction: str = ""):
        self.entries = entries
        self.by_id = {e.id: e for e in entries}
        self.chain = jurisdiction_chain(jurisdiction)
        self.alias: dict[str, Entry] = {}
        for e in entries:
            for name in (e.name, *e.aliases):
                if self._active(e, name):
                    self.alias.setdefault(self.key(name), e)
        # Longest names first so 广州市市场监督管理局（知识产权局） wins over 广州市市场监督管理局.
        names = sorted({n for e in entries for n in (e.name, *e.aliases) if self._active(e, n)},
                       key=lambda n: (-len(n), n))
        self.pattern = re.compile("|".join(re.escape(n) for n in names)) if names else None
        self.names = tuple(sorted(names))

    def _active(self, e: Entry, name: str) -> bool:
        """Tell whether an alias means this entry in a document of this jurisdiction.

        A name that carries its own jurisdiction (广州市…, 广东省…, national bodies) means the
        same everywhere; a relative one (市…, 各区…) only within the entry's jurisdiction.
        """
        if not e.jurisdiction or e.level in ("national", "international"):
            return True
        j = e.jurisdiction
        if name.startswith(j) or name.startswith(_short(j)) or name.startswith("中国") or name.startswith("中共" + _short(j)):
            return True
        return j in self.chain

    @staticmethod
    def key(name: str) -> str:
        """Return the lookup key of a name: brackets and spaces folded."""
        return (name.replace("(", "（").replace(")", "）").replace(" ", "").replace("\u3000", ""))

    def resolve(self, name: str) -> Entry | None:
        """Return the entry a name means here, or None."""
        return self.alias.get(self.key(name))

    def expand_prefix(self, name: str, previous: str) -> tuple[str, Entry] | None:
        """Resolve a name that shares the previous name's level prefix (市发展改革委、科技局 → 市科技局)."""
        if not previous or name.startswith(LEVEL_PREFIXES) or name.startswith(tuple(self.chain)):
            return None
        for p in LEVEL_PREFIXES:
            if previous.startswith(p):
                e = self.resolve(p + name)
                if e is not None:
                    return p + name, e
        for j in self.chain:
            if previous.startswith(j):
                e = self.resolve(j + name)
                if e is not None:
                    return j + name, e
        return None

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Return the known names closest to a name (for "did you mean")."""
        import difflib

        return difflib.get_close_matches(self.key(name), self.names, n=n, cutoff=0.4)


@functools.cache
def agency_resolver(jurisdiction: str = "") -> Resolver:
    """Return the (cached) agency resolver for a jurisdiction."""
    return Resolver(agencies(), jurisdiction)


@functools.cache
def place_resolver() -> Resolver:
    """Return the (cached) place resolver."""
    return Resolver(places(), "")


def load_csv_text(text: str, *, places: bool = False) -> tuple[Entry, ...]:
    """Read gazetteer rows from a string (used by tests and user-supplied gazetteers)."""
    return read_entries(io.StringIO(text), places=places)
