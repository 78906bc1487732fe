"""Resolve agency and place names against a model of the Chinese administration.

The model has four parts, all read through `ontology.gazetteer` from ontology/:

- places: every province-, prefecture- and county-level division (divisions.csv, generated from a
  package's GB/T 2260 data) plus the zones, groupings and countries of places.csv;
- functions (functions.csv): the bodies every division has — 科技厅 / 科技局, 市场监管局, 区法院,
  团市委, 人民银行X分行, X海关 … — with the names they take at each level and the years they
  existed; an agency that nobody listed is minted from (division code, function): 130100-sti is
  石家庄市科学技术局;
- national bodies (national.csv) with their short forms and the reforms of 2018 and 2023;
- explicit rows (agencies.csv) that override the minted entry of their (place, function) pair and
  keep the seed's ids (gz-amr is 广州市市场监督管理局 whichever name a plan uses).

A resolver is made for one document: its jurisdiction (relative names: 市 = this city, 省 = this
province, 区 = this district) and its year (a document is read with the bodies of its own time).
How ``year`` is used: a body founded after the year never resolves (数据局 in a 2016 plan); where
two bodies claim a name, the one that existed in the year wins; a body dissolved before the year
still resolves when nothing of the time claims the name (a 2025 plan's 银保监会 is
中国银行保险监督管理委员会, whose ``valid_to`` 2023 and ``successor`` say it is gone; see
`Resolver.dissolved`). Without a year every body of every time is known.

>>> r = agency_resolver("广州市")
>>> r.resolve("市市场监管局").id, r.resolve("省科技厅").name
('gz-amr', '广东省科学技术厅')
>>> agency_resolver("石家庄市").resolve("市科技局").id
'130100-sti'
>>> agency_resolver("中国", 2016).resolve("工商总局").name
'国家工商行政管理总局'
>>> agency_resolver("广州市").resolve("发展改革委") is None  # a national short form, ambiguous here
True
>>> place_resolver().resolve("新疆").name
'新疆维吾尔自治区'
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ontology.gazetteer import GazetteerError, Row, read_packaged, read_stream

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"

# Prefixes that make a name relative to the document's own jurisdiction:
# in a Guangzhou plan 市市场监管局 is 广州市's bureau, 省科技厅 is 广东省's department.
LEVEL_PREFIXES = ("自治区", "自治州", "自治县", "自治旗", "地区", "新区", "特区", "林区", "市", "省", "区", "县", "州",
                  "旗", "盟")
# The level prefixes each kind of division takes (区 for an autonomous region only in its own documents).
DIVISION_PREFIXES = {
    "province": ("省",), "autonomous-region": ("自治区",), "municipality": ("市",),
    "prefecture-city": ("市",), "autonomous-prefecture": ("州", "自治州"), "prefecture": ("地区",),
    "league": ("盟",), "new-area": ("新区",), "district": ("区",), "county": ("县",), "county-city": ("市",),
    "autonomous-county": ("县", "自治县"), "banner": ("旗",), "autonomous-banner": ("旗", "自治旗"),
    "special-district": ("特区",), "forestry-district": ("林区",),
}
STATIONED_KINDS = frozenset({"tax", "central-bank", "financial-regulator", "securities-regulator", "customs", "maritime",
                             "stationed"})
AGENCY_LEVEL = {"country": "national", "province": "provincial", "prefecture": "city", "county": "district",
                "zone": "district"}
# Beginnings that make a national body's name mean the same body everywhere.
NATIONAL_MARKS = ("国家", "国务院", "中华人民共和国", "中国", "中央", "中共中央", "全国", "最高", "中华全国", "共青团中央",
                  "海关总署", "新华")
COUNTRY = "中国"


@dataclass(frozen=True, slots=True)
class Entry:
    """One gazetteer entry: an agency (listed or minted from the model) or a place."""

    id: str
    name: str
    aliases: tuple[str, ...]
    level: str  # agencies: national|provincial|city|district|international; places: the kind
    kind: str
    jurisdiction: str
    parent: str
    members: tuple[str, ...] = ()
    open: bool = False  # a collective whose members nobody can list (有关部门, 试点城市政府)
    valid_from: int | None = None
    valid_to: int | None = None
    successor: str | None = None  # the id of the body that took this one over
    place_code: str = ""  # GB/T 2260 code of the place (places) or of the jurisdiction (agencies)
    function: str = ""  # the function of functions.csv (agencies)


def _split(cell: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in (cell or "").split("|") if x.strip())


def _year(row: Row, column: str) -> int | None:
    v = row.get(column) or ""
    return int(v) if v else None


def _entry(row: Row, places: bool) -> Entry:
    if places:
        return Entry(row["id"], row["name"], _split(row.get("aliases")), row.get("kind") or "", row.get("kind") or "",
                     "", row.get("parent") or "", place_code=row.get("code") or "")
    members = _split(row.get("members"))
    kind = row.get("kind") or ""
    return Entry(row["id"], row["name"], _split(row.get("aliases")), row.get("level") or "", kind,
                 row.get("jurisdiction") or "", row.get("parent") or "", members,
                 open=(kind == "collective" and not members) or row.get("open", "") in ("1", "true", "yes"),
                 valid_from=_year(row, "valid_from"), valid_to=_year(row, "valid_to"),
                 successor=row.get("successor") or None, function=(_split(row.get("function")) or ("",))[0])


def read_entries(stream, *, places: bool = False) -> tuple[Entry, ...]:
    """Read gazetteer rows from an open text stream (a bad row raises GazetteerError with file:line)."""
    name = str(getattr(stream, "name", "places.csv" if places else "agencies.csv"))
    return tuple(_entry(r, places) for r in read_stream(stream, name))


def load_csv_text(text: str, *, places: bool = False) -> tuple[Entry, ...]:
    """Read gazetteer rows from a string (used by tests and user-supplied gazetteers)."""
    return read_entries(io.StringIO(text), places=places)


# -- places ----------------------------------------------------------------------------------


@dataclass
class _Places:
    entries: tuple[Entry, ...]
    by_id: dict[str, Entry]
    by_code: dict[str, Entry]
    tier: dict[str, str]  # id -> country|province|prefecture|county (divisions only)
    dkind: dict[str, str]  # id -> division kind (municipality, district, county-city …)
    short: dict[str, str]  # id -> short name
    children: dict[str, list[Entry]]
    full: dict[str, list[Entry]]  # full name (also 广州市黄埔区) -> places
    shortnames: dict[str, list[Entry]]
    names: dict[str, list[Entry]] = field(default_factory=dict)  # every name and alias

    def display(self, p: Entry) -> str:
        """Return the name a body of this place is prefixed with: 广州市, 广州市黄埔区."""
        if self.tier.get(p.id) == "county":
            up = self.by_id.get(p.parent)
            if up is not None and self.tier.get(up.id) == "prefecture":
                return up.name + p.name
            if up is not None and self.dkind.get(up.id) == "municipality":
                return up.name + p.name
        return p.name

    def ancestors(self, p: Entry) -> list[Entry]:
        out, seen = [], set()
        while p is not None and p.id not in seen:
            out.append(p)
            seen.add(p.id)
            p = self.by_id.get(p.parent)
        return out

    def lookup(self, name: str, table: dict[str, list[Entry]] | None = None,
               near: tuple[Entry, ...] = ()) -> Entry | None:
        """Return the one place a name means, preferring places under `near` when several share it."""
        cands = (self.names if table is None else table).get(name, [])
        if len(cands) <= 1:
            return cands[0] if cands else None
        rank = {"country": 0, "province": 1, "prefecture": 2, "county": 3}
        best = min(rank.get(self.tier.get(c.id, ""), 0) for c in cands)
        top = [c for c in cands if rank.get(self.tier.get(c.id, ""), 0) == best]
        if len(top) == 1:
            return top[0]
        near_ids = {n.id for n in near}
        under = [c for c in top if near_ids & {a.id for a in self.ancestors(c)[1:]}]
        return under[0] if len(under) == 1 else None


@functools.cache
def _places() -> _Places:
    listed = [_entry(r, True) for r in read_packaged("places.csv")]
    divisions = read_packaged("divisions.csv")
    by_code_listed = {e.place_code: e for e in listed if e.place_code}
    code_id = {d["code"]: by_code_listed[d["code"]].id if d["code"] in by_code_listed else f"cn-{d['code']}"
               for d in divisions}
    country = next((e for e in listed if e.name == COUNTRY), None) or Entry("cn", COUNTRY, ("中华人民共和国",),
                                                                           "country", "country", "", "")
    entries: dict[str, Entry] = {}
    tier: dict[str, str] = {country.id: "country"}
    dkind: dict[str, str] = {}
    short: dict[str, str] = {}
    by_code: dict[str, Entry] = {}
    alias_ids: dict[str, Entry] = {}
    coarse = {"province": "province", "autonomous-region": "province", "municipality": "city", "sar": "city"}
    for d in divisions:
        pid = code_id[d["code"]]
        parent = code_id.get(d["parent"], country.id) if d["parent"] else country.id
        base = by_code_listed.get(d["code"])
        kind = coarse.get(d["kind"]) or ("province" if d["level"] == "province" else
                                         "city" if d["level"] == "prefecture" else
                                         "district" if d["kind"] == "district" else "county")
        extra = (d["short"],) if d.get("short") else ()
        if base is not None:
            e = replace(base, aliases=tuple(dict.fromkeys((*base.aliases, *extra))), place_code=d["code"],
                        parent=base.parent or parent)
            alias_ids[f"cn-{d['code']}"] = e
        else:
            e = Entry(pid, d["name"], extra, kind, kind, "", parent, place_code=d["code"])
        entries[e.id] = e
        by_code[d["code"]] = e
        tier[e.id] = d["level"]
        dkind[e.id] = d["kind"]
        short[e.id] = d.get("short") or ""
    name_ids: dict[str, str] = {}
    for e in entries.values():
        name_ids.setdefault(e.name, e.id)
    for e in listed:
        if e.id not in entries:
            parent = e.parent
            if parent and parent not in entries and parent not in {x.id for x in listed} and parent in name_ids:
                parent = name_ids[parent]  # places.csv may name a division's parent by its name
            entries[e.id] = replace(e, parent=parent)
    entries.setdefault(country.id, country)
    by_id = dict(entries)
    for k, e in alias_ids.items():
        by_id.setdefault(k, entries[e.id])
    children: dict[str, list[Entry]] = {}
    for e in entries.values():
        if e.parent:
            children.setdefault(e.parent, []).append(e)
    model = _Places(tuple(entries.values()), by_id, by_code, tier, dkind, short, children, {}, {})
    for e in entries.values():
        ns = dict.fromkeys((e.name, *e.aliases))
        if e.id in dkind:
            model.full.setdefault(e.name, []).append(e)
            disp = model.display(e)
            if disp != e.name:
                model.full.setdefault(disp, []).append(e)
                ns[disp] = None
            if short[e.id]:
                model.shortnames.setdefault(short[e.id], []).append(e)
        for n in ns:
            model.names.setdefault(n, []).append(e)
    return model


@functools.cache
def places() -> tuple[Entry, ...]:
    """Return every place: the divisions of China, and the zones, groupings and countries of places.csv."""
    return _places().entries


def _place_of(jurisdiction: str) -> Entry | None:
    m = _places()
    j = Resolver.key(jurisdiction)
    p = m.lookup(j)
    if p is None:
        p = _parse_place(j)
    return p


def _parse_place(name: str, near: tuple[Entry, ...] = ()) -> Entry | None:
    """Resolve a name that strings places together: 广东省广州市黄埔区, 河北石家庄."""
    m = _places()
    best = None
    for i in range(len(name) - 1, 1, -1):
        head = m.lookup(name[:i], near=near)
        if head is None:
            continue
        rest = name[i:]
        kids = [c for c in m.children.get(head.id, []) if rest in (c.name, m.short.get(c.id))]
        if len(kids) == 1:
            return kids[0]
        deeper = [g for c in m.children.get(head.id, []) for g in m.children.get(c.id, [])
                  if rest in (g.name, m.short.get(g.id))]
        if len(deeper) == 1:
            return deeper[0]
        sub = _parse_place(rest, (head,))
        if sub is not None and head.id in {a.id for a in m.ancestors(sub)}:
            best = sub
            break
    return best


def _chain_places(jurisdiction: str) -> tuple[Entry, ...]:
    if not jurisdiction:
        return ()
    p = _place_of(jurisdiction)
    if p is None:
        return ()
    return tuple(_places().ancestors(p))


def jurisdiction_chain(jurisdiction: str) -> tuple[str, ...]:
    """Return the jurisdiction and the places above it, nearest first (广州市 → 广东省 → 中国)."""
    chain = _chain_places(jurisdiction)
    if not chain:
        return (jurisdiction,) if jurisdiction else ()
    return tuple(p.name for p in chain)


# -- names in running text -----------------------------------------------------------------


class NameMatch:
    """What `NamePattern` finds: the interface of re.Match that the extractor uses."""

    __slots__ = ("string", "_s", "_e")

    def __init__(self, string: str, s: int, e: int):
        self.string, self._s, self._e = string, s, e

    def start(self, group: int = 0) -> int:
        return self._s

    def end(self, group: int = 0) -> int:
        return self._e

    def span(self, group: int = 0) -> tuple[int, int]:
        return self._s, self._e

    def group(self, group: int = 0) -> str:
        return self.string[self._s:self._e]

    def __repr__(self) -> str:
        return f"<NameMatch span={self.span()} match={self.group()!r}>"


class NamePattern:
    """A set of names matched longest first, like a regex alternation but by dictionary look-up.

    Tens of thousands of names cost no more than a hundred: every position looks up only the
    lengths of the names that start with its character.

    >>> p = NamePattern(["广州", "广州市", "天河区"])
    >>> [m.group(0) for m in p.finditer("广州市天河区和广州")]
    ['广州市', '天河区', '广州']
    >>> p.match("天河区政府", 0).end()
    3
    """

    def __init__(self, names: Iterable[str]):
        self.names = frozenset(n for n in names if len(n) >= 2)
        by2: dict[str, set[int]] = {}
        for n in self.names:
            by2.setdefault(n[:2], set()).add(len(n))
        self._by2 = {k: tuple(sorted(v, reverse=True)) for k, v in by2.items()}
        firsts = "".join(re.escape(c) for c in sorted({n[0] for n in self.names}))
        seconds = "".join(re.escape(c) for c in sorted({n[1] for n in self.names}))
        # Candidate starts found in C: a first character followed by a second one of some name.
        self._cand = re.compile(f"[{firsts}](?=[{seconds}])") if self.names else None
        self.pattern = f"<{len(self.names)} names>"

    def __len__(self) -> int:
        return len(self.names)

    def _at(self, s: str, i: int, end: int) -> int:
        lens = self._by2.get(s[i:i + 2])
        if lens:
            names = self.names
            for n in lens:
                if i + n <= end and s[i:i + n] in names:
                    return i + n
        return -1

    def match(self, s: str, pos: int = 0, endpos: int | None = None) -> NameMatch | None:
        end = self._at(s, pos, len(s) if endpos is None else endpos)
        return NameMatch(s, pos, end) if end >= 0 else None

    def finditer(self, s: str, pos: int = 0, endpos: int | None = None) -> Iterator[NameMatch]:
        if self._cand is None:
            return
        end = len(s) if endpos is None else endpos
        search, at = self._cand.search, self._at
        while True:
            c = search(s, pos, end)
            if c is None:
                return
            i = c.start()
            j = at(s, i, end)
            if j < 0:
                pos = i + 1
            else:
                yield NameMatch(s, i, j)
                pos = j

    def search(self, s: str, pos: int = 0, endpos: int | None = None) -> NameMatch | None:
        return next(self.finditer(s, pos, endpos), None)


# -- the model of agencies -------------------------------------------------------------------


@dataclass(frozen=True)
class _Form:
    text: str  # as in functions.csv, without a leading "="
    slot: str  # "full" ({}), "short" ({s}) or "bare" (=…: a relative name as it stands)

    def fill(self, value: str) -> str:
        return self.text.replace("{s}" if self.slot == "short" else "{}", value)

    @property
    def around(self) -> tuple[str, str]:
        mark = "{s}" if self.slot == "short" else "{}"
        a, _, b = self.text.partition(mark)
        return a, b


@dataclass(frozen=True)
class _Function:
    id: str
    function: str
    kind: str
    forms: dict[str, tuple[_Form, ...]]  # tier -> forms, first canonical
    members: str
    valid_from: int | None
    valid_to: int | None
    successor: str
    parent: str = ""  # the national body a stationed body belongs to (cn-miit for 通信管理局)
    label: str = ""  # the name column: what the function is called (农业农村, 交通运输)


def _forms(cell: str) -> tuple[_Form, ...]:
    out = []
    for f in _split(cell):
        if f.startswith("="):
            out.append(_Form(f[1:], "bare"))
        elif "{s}" in f:
            out.append(_Form(f, "short"))
        elif "{}" in f:
            out.append(_Form(f, "full"))
        else:
            out.append(_Form("{}" + f, "full"))
    return tuple(out)


@dataclass
class _Model:
    functions: dict[str, _Function]
    explicit: tuple[Entry, ...]
    by_id: dict[str, Entry]
    pairs: dict[tuple[str, str], Entry]  # (place id, function row id) -> listed entry
    local_forms: frozenset[str]  # every unprefixed form a local body takes (发展改革委, 统计局 …)
    by_around: dict[tuple[str, str, str], list[tuple[_Function, str]]]  # (before, after, slot) -> (fn, tier)
    befores: tuple[str, ...]
    minted: dict[tuple[str, str], Entry] = field(default_factory=dict)
    labels: dict[str, _Function] = field(default_factory=dict)  # 农业农村 -> agri (the current function of a name)


@functools.cache
def _model() -> _Model:
    rows = [*read_packaged("agencies.csv"), *read_packaged("national.csv")]
    seen: dict[str, int] = {}
    for r in rows:
        if r["id"] in seen:
            raise GazetteerError(f"national.csv:{r.line}: id {r['id']!r} is already in agencies.csv")
        seen[r["id"]] = r.line
    functions = {}
    for r in read_packaged("functions.csv"):
        functions[r["id"]] = _Function(r["id"], r["function"], r["kind"],
                                       {t: _forms(r.get(t, "")) for t in ("country", "province", "prefecture", "county")},
                                       r.get("members", ""), _year(r, "valid_from"), _year(r, "valid_to"),
                                       r.get("successor", ""), r.get("parent", ""),
                                       r.get("name", ""))
    for fn in functions.values():
        if fn.successor and fn.successor not in functions:
            raise GazetteerError(f"functions.csv: {fn.id}: unknown successor {fn.successor!r}")
    places_m = _places()
    explicit, pairs = [], {}
    for r in rows:
        e = _entry(r, False)
        fns = [f for f in _split(r.get("function")) if f in functions]
        place = None
        if fns:
            ref = r.get("place") or r.get("jurisdiction") or ""
            place = places_m.by_id.get(ref) or (_place_of(ref) if ref else None)
        if place is not None:
            e = replace(e, place_code=place.place_code)
            if e.level != "national":
                for f in fns:
                    pairs.setdefault((place.id, f), e)
        explicit.append(e)
    local = set()
    by_around: dict[tuple[str, str, str], list[tuple[_Function, str]]] = {}
    for fn in functions.values():
        for tier, forms in fn.forms.items():
            for f in forms:
                if f.slot == "bare":
                    continue
                a, b = f.around
                by_around.setdefault((a, b, f.slot), []).append((fn, tier))
                if tier != "country" and f.slot == "full":
                    local.add(a + b)
                    if b.startswith("委") and len(b) > 2:
                        local.add(a + b[1:])
    befores = tuple(sorted({a for a, _, _ in by_around}, key=len, reverse=True))
    labels: dict[str, _Function] = {}
    for fn in functions.values():
        if fn.label and fn.kind != "collective" and not fn.valid_to:
            labels.setdefault(fn.label, fn)
    return _Model(functions, tuple(explicit), {e.id: e for e in explicit}, pairs, frozenset(local), by_around, befores,
                  labels=labels)


@functools.cache
def agencies() -> tuple[Entry, ...]:
    """Return the listed agencies: ontology/agencies.csv, then the national bodies of national.csv."""
    return _model().explicit


# A zone (苏州工业园区, 天津经济技术开发区, 四川天府新区) is run by a 管委会 whose bodies take the county forms;
# its party body is a 党工委. Courts, legislatures, mass organisations and collectives with members are the
# divisions', not the zone's.
ZONE_KINDS = frozenset({"government", "party", "tax", "collective"})
ZONE_OVERRIDES = {"gov": "管理委员会|管委会", "party": "中共{}工作委员会|{}党工委|{}工委",
                  "gov-office": "党政办公室|党政办|管委会办公室|管理委员会办公室"}


def _zone_text(text: str) -> str:
    return text.replace("{}委员会", "{}工作委员会").replace("{}纪委", "{}纪工委").replace("{}委", "{}党工委")


def _zone_forms(fn: _Function) -> tuple[_Form, ...]:
    if fn.id in ZONE_OVERRIDES:
        return _forms(ZONE_OVERRIDES[fn.id])
    if fn.kind not in ZONE_KINDS or fn.members or fn.id in ("npc", "cppcc", "supervision"):
        return ()
    forms = fn.forms.get("county", ())
    if fn.kind == "party":
        forms = tuple(_Form(_zone_text(f.text), f.slot) for f in forms)
    return forms


def _is_zone(p: Entry) -> bool:
    return p.kind == "zone" and p.id not in _places().tier


def zone_prefixes(p: Entry) -> tuple[str, ...]:
    """Return the level prefixes a zone's own documents give its bodies: 园区财政局, 新区金融局, 区经济发展局."""
    names = (p.name, *p.aliases)
    if any(n.endswith("园区") for n in names):
        return ("园区", "区")
    if any(n.endswith("新区") for n in names):
        return ("新区", "区")
    if any(n.endswith(("开发区", "高新区", "实验区", "合作区", "示范区", "工业区", "创新区", "试验区")) for n in names):
        return ("区",)
    return ()


def _tier_forms(fn: _Function, p: Entry) -> tuple[tuple[_Form, ...], str]:
    """Return the forms a function's body takes at a place, and the place's tier."""
    m = _places()
    tier = m.tier.get(p.id, "")
    if not tier and p.kind == "zone":
        return _zone_forms(fn), "zone"
    if tier == "province":
        kind = m.dkind.get(p.id)
        if kind in ("sar",) or p.place_code.startswith("71"):
            return (), tier
        if kind == "municipality":
            prov = fn.forms["province"]
            if not prov or "厅" in prov[0].text:
                return fn.forms["prefecture"] or prov, tier
            return prov, tier
    return fn.forms.get(tier, ()), tier


def _mint(p: Entry, fn: _Function) -> Entry | None:
    """Return the body of a function at a place: the listed entry of the pair, or one minted from it."""
    md = _model()
    key = (p.id, fn.id)
    if key in md.minted:
        return md.minted[key]
    forms, tier = _tier_forms(fn, p)
    if not forms:
        md.minted[key] = None  # type: ignore[assignment]
        return None
    m = _places()
    disp = m.display(p)
    names = []
    for f in forms:
        if f.slot == "full":
            names.append(f.fill(disp))
            if disp != p.name:
                names.append(f.fill(p.name))
        elif f.slot == "short" and m.short.get(p.id):
            names.append(f.fill(m.short[p.id]))
        elif f.slot == "short":
            names.append(f.fill(p.name))
        elif f.slot == "bare" and tier == "country":
            names.append(f.text)
    if not names:  # only relative forms (各乡镇人民政府): the canonical name prefixes the place
        names.append(disp + forms[0].text)
    names = list(dict.fromkeys(names))
    code = p.place_code or p.id
    successor = None
    if fn.successor and fn.successor in md.functions:
        s = _mint(p, md.functions[fn.successor])
        successor = s.id if s is not None else None
    members: tuple[str, ...] = ()
    if fn.members:
        members = tuple(x.id for x in (_mint(c, md.functions["gov"]) for c in _member_places(p, fn.members))
                        if x is not None)
    listed = md.pairs.get(key)
    if listed is not None:
        e = replace(listed, aliases=tuple(dict.fromkeys(n for n in (*listed.aliases, *names) if n != listed.name)),
                    function=listed.function or fn.function, place_code=p.place_code,
                    members=listed.members or members, successor=listed.successor or successor)
    else:
        parent_fn = "party" if fn.kind == "party" and fn.id != "party" else "gov" if fn.kind == "government" and fn.id != "gov" else ""
        parent = fn.parent
        if parent_fn:
            pe = _mint(p, md.functions[parent_fn])
            parent = pe.id if pe is not None else ""
        e = Entry(f"{code}-{fn.id}", names[0], tuple(names[1:]), AGENCY_LEVEL.get(tier, ""), fn.kind, disp, parent,
                  members, open=fn.kind == "collective" and not members, valid_from=fn.valid_from,
                  valid_to=fn.valid_to, successor=successor, place_code=p.place_code, function=fn.function)
    md.minted[key] = e
    return e


def _member_places(p: Entry, rule: str) -> list[Entry]:
    m = _places()
    if rule == "province":
        return [c for c in m.children.get(p.id, []) if m.tier.get(c.id) == "province"
                and m.dkind.get(c.id) != "sar" and not c.place_code.startswith("71")]
    kids = [c for c in m.children.get(p.id, []) if c.id in m.tier]
    if rule == "district":
        return [c for c in kids if m.dkind.get(c.id) == "district"]
    if rule == "county":
        return [c for c in kids if m.tier.get(c.id) == "county"]
    if rule == "prefecture":
        return [c for c in kids if m.tier.get(c.id) == "prefecture"]
    return kids  # children


def _entry_by_id(ident: str) -> Entry | None:
    md = _model()
    if ident in md.by_id:
        return md.by_id[ident]
    m = _places()
    for i in (i for i, c in enumerate(ident) if c == "-"):  # 130100-sti, suzhou-ip-finance (a zone's id has "-")
        code, fid = ident[:i], ident[i + 1:]
        p = m.by_code.get(code) or m.by_id.get(code)
        fn = md.functions.get(fid)
        if p is not None and fn is not None:
            return _mint(p, fn)
    return None


# The shape of a unit inside a body: a branch (南山监管局, 湄潭分局) or an office (登记注册科, 营业管理部).
SUB_UNIT = re.compile(r"[\u4e00-\u9fff]{0,10}(分局|监管局|监管所|科|处|室|营业管理部|大队|支队|司)")
_MINTED: dict[str, Entry] = {}


def _minted_entry(ident: str, name: str, level: str, kind: str, jurisdiction: str, parent: str, *,
                  open: bool = False, function: str = "", place_code: str = "") -> Entry:
    e = _MINTED.get(ident)
    if e is None:
        e = _MINTED[ident] = Entry(ident, name, (), level, kind, jurisdiction, parent, open=open, function=function,
                                   place_code=place_code)
    return e


def _provincial_collective(fn: _Function) -> Entry:
    """Return the open collective of a function's provincial bodies (各省级农业农村主管部门)."""
    return _minted_entry(f"cn-provincial-{fn.id}", f"各省级{fn.label}主管部门", "provincial", "collective", COUNTRY, "",
                         open=True, function=fn.function)


def _sub_unit(parent: Entry, unit: str, *, collective: bool = False) -> Entry:
    """Return a unit of a body: id = the body's id and the unit's name, name = the body's name and the unit's."""
    kind = "collective" if collective else "branch" if unit.endswith(("分局", "监管局", "监管所", "大队", "支队")) else "internal"
    return _minted_entry(f"{parent.id}-{unit}", parent.name + unit, parent.level, kind, parent.jurisdiction, parent.id,
                         open=collective, place_code=parent.place_code)


# -- resolvers ----------------------------------------------------------------------------


def _short(name: str) -> str:
    """Return a jurisdiction's name without its level suffix (广州市 → 广州)."""
    return name[:-1] if len(name) > 2 and name[-1] in "省市区县" else name


class Resolver:
    """Resolve agency or place names as written to gazetteer entries, for one jurisdiction and year.

    Built from a list of entries alone (`Resolver(entries, jurisdiction)`) it knows those entries;
    `agency_resolver` and `place_resolver` add the model of the administration.
    """

    def __init__(self, entries: tuple[Entry, ...], jurisdiction: str = "", year: int | None = None):
        self.entries = entries
        self.year = year
        self.jurisdiction = jurisdiction
        self.by_id = {e.id: e for e in entries}
        self.chain_places = _chain_places(jurisdiction)
        self.chain = jurisdiction_chain(jurisdiction)
        self.national = not jurisdiction or (bool(self.chain_places) and self.chain_places[0].name == COUNTRY) \
            or jurisdiction in (COUNTRY, "中华人民共和国", "全国")
        self.alias: dict[str, Entry] = {}
        self._names: list[str] = []
        self._cache: dict[str, Entry | None] = {}
        later: list[tuple[Entry, str]] = []
        for e in entries:
            for name in (e.name, *e.aliases):
                if self._active(e, name):
                    if self.dissolved(e):
                        later.append((e, name))
                    else:
                        self._add(name, e)
        self._later = later
        self._finish()

    # building
    def _add(self, name: str, e: Entry) -> None:
        if not name or self.founded_later(e):
            return
        k = self.key(name)
        if k not in self.alias:
            self.alias[k] = e
            self._names.append(name)

    def _finish(self) -> None:
        for e, name in self._later:
            self._add(name, e)
        self._later = []
        # Longest names first so 广州市市场监督管理局（知识产权局） wins over 广州市市场监督管理局.
        names = sorted(set(self._names), key=lambda n: (-len(n), n))
        self.pattern = NamePattern(names) if names else None
        self.names = tuple(sorted(names))

    def founded_later(self, e: Entry) -> bool:
        """Tell whether a body did not exist yet in the document's year."""
        return self.year is not None and e.valid_from is not None and e.valid_from > self.year

    def dissolved(self, e: Entry) -> bool:
        """Tell whether a body no longer existed in the document's year (it resolves, marked by valid_to)."""
        return self.year is not None and e.valid_to is not None and e.valid_to < self.year

    def _active(self, e: Entry, name: str) -> bool:
        """Tell whether an alias means this entry in a document of this jurisdiction.

        A name that carries its own jurisdiction (广州市…, 广东省…, national bodies) means the
        same everywhere; a relative one (市…, 各区…) only within the entry's jurisdiction; a
        national short form that a local body could also take (发展改革委, 统计局) only in a
        national document.
        """
        if e.level in ("national", "international") or (not e.jurisdiction and e.kind != "collective"):
            if e.level != "national" or self.national or name.startswith(NATIONAL_MARKS):
                return True
            return self.key(name) not in _model().local_forms
        if not e.jurisdiction:
            return True
        j = e.jurisdiction
        s = _short(j)
        if name.startswith(j) or name.startswith(s) or name.startswith("中国") or name.startswith("中共" + s) \
                or (len(s) >= 2 and s in name):
            return True
        return j in self.chain

    @staticmethod
    def key(name: str) -> str:
        """Return the lookup key of a name: brackets and spaces folded."""
        return (name.replace("(", "（").replace(")", "）").replace(" ", "").replace("\u3000", ""))

    def resolve(self, name: str) -> Entry | None:
        """Return the entry a name means here, or None."""
        return self.alias.get(self.key(name))

    def get(self, ident: str) -> Entry | None:
        """Return the entry of an id (a listed one, or one minted from the model: 130100-sti)."""
        e = self.by_id.get(ident) or _entry_by_id(ident) or _MINTED.get(ident) or _places().by_id.get(ident)
        if e is None and "-" in ident:  # a unit minted by shape in another process: cn-moa-法规司, cn-provincial-agri
            head, _, unit = ident.rpartition("-")
            fn = _model().functions.get(unit)
            if head == "cn-provincial" and fn is not None:
                return _provincial_collective(fn)
            parent = self.get(head) if not unit.isascii() else None
            if parent is not None:
                return _sub_unit(parent, unit, collective=unit.startswith("各"))
        return e

    def members(self, entry: Entry) -> tuple[Entry, ...]:
        """Return the members of a collective that the data knows (各区人民政府 → the district governments)."""
        return tuple(m for m in (self.get(i) for i in entry.members) if m is not None)

    def expand_prefix(self, name: str, previous: str) -> tuple[str, Entry] | None:
        """Resolve a name that shares the previous name's level prefix (市发展改革委、科技局 → 市科技局)."""
        if not previous or name.startswith(LEVEL_PREFIXES) or name.startswith(tuple(self.chain) or ("\0",)):
            return None
        heads = [*sorted({c for c in self.chain if c}, key=len, reverse=True), *LEVEL_PREFIXES]
        for h in heads:
            if not previous.startswith(h):
                continue
            for p in (h + "委", h) if previous.startswith(h + "委") else (h,):
                e = self.resolve(p + name)
                if e is not None:
                    return p + name, e
        return None

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Return the known names closest to a name (for "did you mean")."""
        import difflib

        return difflib.get_close_matches(self.key(name), self.names, n=n, cutoff=0.4)


class AgencyResolver(Resolver):
    """The listed agencies, the bodies of the document's jurisdiction chain, and any body named with its place."""

    def __init__(self, jurisdiction: str = "", year: int | None = None, issuer: str = ""):
        md = _model()
        self.issuer = issuer
        local = tuple(e for e in md.explicit if e.jurisdiction or e.level in ("national", "international"))
        generic = tuple(e for e in md.explicit if e not in local)
        super().__init__(local, jurisdiction, year)
        self.by_id.update({e.id: e for e in generic})
        # The bodies of the chain, nearest place first: 市 in a district plan is the parent city's.
        first = self.chain_places[0] if self.chain_places else None
        for p in self.chain_places:
            prefixes = list(DIVISION_PREFIXES.get(_places().dkind.get(p.id, ""), ()))
            if p is first and _places().dkind.get(p.id) == "autonomous-region":
                prefixes.append("区")
            if _is_zone(p):
                prefixes = list(zone_prefixes(p))
            for fn in md.functions.values():
                e = _mint(p, fn)
                if e is None or self.founded_later(e):
                    continue
                forms, _ = _tier_forms(fn, p)
                names = [e.name, *e.aliases]
                for f in forms:
                    if f.slot == "full":
                        names += [f.fill(x) for x in prefixes]
                    elif f.slot == "bare":
                        names.append(f.text)
                for name in names:
                    if self.dissolved(e):
                        self._later.append((e, name))
                    else:
                        self._add(name, e)
        for e in generic:
            for name in (e.name, *e.aliases):
                (self._later.append((e, name)) if self.dissolved(e) else self._add(name, e))
        self._finish()

    def resolve(self, name: str) -> Entry | None:
        k = self.key(name)
        e = self.alias.get(k)
        if e is not None:
            return e
        if k in self._cache:
            return self._cache[k]
        self._cache[k] = None  # a name under resolution does not resolve through itself
        e = self._parse(k) or self._by_shape(k)
        self._cache[k] = e
        return e

    # -- names resolved by their shape, when no form of the model names them ------------------

    def _by_shape(self, k: str) -> Entry | None:
        return (self._bracketed(k) or self._provincial_function(k) or self._issuer_unit(k) or self._zone_body(k)
                or self._sub_unit(k))

    def _bracketed(self, k: str) -> Entry | None:
        """区市场监管局（知识产权局）, 各区政府（新区管委会）, 区（开发区）科技局: the name without its bracket."""
        if "（" not in k:
            return None
        for m in reversed(list(re.finditer(r"（[^（）]*）", k))):
            rest = k[:m.start()] + k[m.end():]
            if len(rest) >= 2:
                e = self.resolve(rest)
                if e is not None:
                    return e
        return None

    def _provincial_function(self, k: str) -> Entry | None:
        """各省级农业农村部门, 各省级交通运输主管部门: the open collective of a function's provincial bodies."""
        m = re.fullmatch(r"各?省级(.{2,12}?)(?:主管|管理|行政|行政管理|工作)?部门", k)
        if m is None:
            return None
        fn = _model().labels.get(m.group(1))
        return _provincial_collective(fn) if fn is not None else None

    @functools.cached_property
    def issuer_body(self) -> Entry | None:
        """The national department that issued the document (农业农村部 of 农业农村部法规司), if any."""
        if not self.issuer or not self.national:
            return None
        national = agency_resolver(COUNTRY, self.year)
        who = self.key(re.split(r"[、，,；;\s]+", self.issuer.strip())[0])
        for i in range(len(who), 2, -1):
            e = national.alias.get(who[:i])
            if e is not None and e.level == "national":
                if e.id in ("cn-state-council", "cn-gosc", "cn-cpc-central") or e.kind == "collective":
                    return None
                return e
        return None

    def _issuer_unit(self, k: str) -> Entry | None:
        """法规司, 办公厅, 畜牧兽医局 in a ministry's document: a unit of the issuing ministry."""
        ministry = self.issuer_body
        if ministry is None:
            return None
        m = re.fullmatch(r"(?:部机关|部)?(?:各有关|有关|各)(司局|派出机构|直属单位|单位)", k)
        if m is not None:
            return _sub_unit(ministry, "各" + m.group(1), collective=True)
        for name in sorted((ministry.name, *ministry.aliases), key=len, reverse=True):
            if k.startswith(name) and len(k) > len(name) + 1:  # 农业农村部法规司 written in full
                k = k[len(name):]
                break
        own = k.startswith("部") and ministry.name.endswith("部") and len(k) > 3  # 部管理干部学院
        if own:
            k = k[1:]
        if not re.fullmatch(r"[\u4e00-\u9fff]{1,12}(司|厅|室|局)" if not own else r"[\u4e00-\u9fff]{1,12}(司|厅|室|局|学院|中心)", k):
            return None
        for name in (ministry.name, *ministry.aliases):
            e = self.alias.get(self.key(name + k))
            if e is not None:
                return e
        return _sub_unit(ministry, k)

    def _zone_body(self, k: str) -> Entry | None:
        """平潭综合实验区管委会, 宜昌高新区管委会, 西咸新区: the 管委会 of a zone."""
        m = _places()
        head = k
        for tail in ("管理委员会", "管委会"):
            if k.endswith(tail):
                head = k[:-len(tail)]
                break
        z = next((c for c in m.names.get(head, ()) if _is_zone(c)), None)
        return _mint(z, _model().functions["gov"]) if z is not None else None

    def _sub_unit(self, k: str) -> Entry | None:
        """市市场监管局南山监管局, 市生态环境局湄潭分局, 区司法局公共法律服务科, 人民银行广州分行营业管理部."""
        for i in range(len(k) - 2, 1, -1):
            tail = k[i:]
            if not SUB_UNIT.fullmatch(tail) or tail.endswith("办事处") or "街道" in tail:
                continue  # 黄家坝街道办事处 is a township's office, not a unit of the name before it
            e = self.resolve(k[:i])
            if e is None or e.kind == "collective":
                continue
            if e.level == "national" and not tail.endswith(("司", "室", "局", "厅")):
                continue
            return _sub_unit(e, tail)
        return None

    def _parse(self, k: str) -> Entry | None:
        """Resolve a name that carries its place: 河北省科学技术厅, 石家庄市发展改革委, 人民银行清远市中心支行."""
        md, m = _model(), _places()
        now: list[Entry] = []
        gone: list[Entry] = []
        for before in md.befores:
            if not k.startswith(before):
                continue
            rest = k[len(before):]
            for i in range(min(len(rest) - 1, 16), 1, -1):
                head, tail = rest[:i], rest[i:]
                for slot, table in (("full", m.full), ("short", m.shortnames)):
                    fns = md.by_around.get((before, tail, slot))
                    if not fns:
                        continue
                    p = m.lookup(head, table, self.chain_places) or (
                        _parse_place(head, self.chain_places) if slot == "full" else None)
                    if p is None:
                        continue
                    for fn, tier in fns:
                        if m.tier.get(p.id) != tier and not (
                                m.dkind.get(p.id) == "municipality" and fn.forms[tier] is _tier_forms(fn, p)[0]):
                            continue
                        e = _mint(p, fn)
                        if e is None or self.founded_later(e):
                            continue
                        (gone if self.dissolved(e) else now).append(e)
                if now:
                    return now[0]
        return gone[0] if gone else None


class PlaceResolver(Resolver):
    """Every place: names, short names (广州, 新疆) and names strung together (广州市黄埔区)."""

    def __init__(self):
        m = _places()
        self.entries = m.entries
        self.year = None
        self.jurisdiction = ""
        self.by_id = dict(m.by_id)
        self.chain_places, self.chain, self.national = (), (), True
        self._cache = {}
        self.alias = {}
        names = []
        for n, cands in m.names.items():
            e = m.lookup(n)
            if e is None:
                continue
            self.alias[self.key(n)] = e
            # In running text: every place name but county short names (和平, 城关) and
            # county names that several divisions share (朝阳区).
            if m.tier.get(e.id) == "county" and n != e.name and not m.display(e) == n:
                continue
            if len(n) < 2 or (m.tier.get(e.id) == "county" and len(n) < 3):
                continue
            names.append(n)
        names.sort(key=lambda n: (-len(n), n))
        self.pattern = NamePattern(names)
        self.names = tuple(sorted(names))

    def resolve(self, name: str) -> Entry | None:
        k = self.key(name)
        e = self.alias.get(k)
        if e is None and len(k) >= 3:
            if k not in self._cache:
                self._cache[k] = _parse_place(k)
            e = self._cache[k]
        return e


@functools.cache
def agency_resolver(jurisdiction: str = "", year: int | None = None, issuer: str = "") -> Resolver:
    """Return the (cached) agency resolver for a jurisdiction, a document year and the document's issuer.

    The issuer (the document's ``drafted_by``) names the department whose own units a national document
    names bare: in a plan of 农业农村部法规司, 种植业管理司 is 农业农村部种植业管理司.
    """
    return AgencyResolver(jurisdiction, year, issuer)


@functools.cache
def place_resolver() -> Resolver:
    """Return the (cached) place resolver."""
    return PlaceResolver()


# -- a document's jurisdiction ------------------------------------------------------------

_TITLE_JUNK = "《》“”\"'「」 \u3000"


def _leading_place(text: str) -> Entry | None:
    """Return the division a text starts with (the longest name), or None."""
    m = _places()
    for i in range(min(len(text), 16), 1, -1):
        head = text[:i]
        p = m.lookup(head) if head in m.names else None
        if p is None and i >= 4:
            p = _parse_place(head)
        if p is not None and (p.id in m.tier or p.name == COUNTRY):
            # 广州市黄埔区 rather than 广州市: take a county written right after its city.
            return p
    return None


def infer_jurisdiction(title: str, issuer: str, names: Iterable[str]) -> tuple[str, str] | None:
    """Infer a document's jurisdiction from its title, its issuer and the agency names found in it.

    Return (place name, reason) — "广州市黄埔区" for a district, "中国" for a national document —
    or None when nothing tells.

    >>> infer_jurisdiction("河北省科技创新“十四五”规划", "", [])
    ('河北省', 'title: 河北省科技创新“十四五”规划')
    >>> infer_jurisdiction("", "", ["人力资源社会保障部", "财政部"])[0]
    '中国'
    >>> infer_jurisdiction("某某规划", "", ["市甲局"]) is None
    True
    """
    m = _places()
    t = (title or "").strip(_TITLE_JUNK)
    for lead in ("关于印发", "关于"):
        if t.startswith(lead):
            t = t[len(lead):]
    if t:
        p = _leading_place(t)
        if p is not None:
            return m.display(p), f"title: {title.strip()}"
        if t.startswith(("国务院", "中共中央", "国家", "全国", "中华人民共和国", "中央")):
            return COUNTRY, f"title: {title.strip()}"
    national = agency_resolver(COUNTRY)
    anywhere = agency_resolver("")
    for who in re.split(r"[、，,；;\s]+", issuer or ""):
        if not who:
            continue
        p = _leading_place(who)
        if p is not None:
            return m.display(p), f"issuer: {issuer.strip()}"
        e = national.resolve(who)
        if (e is not None and e.level == "national") or who.startswith(NATIONAL_MARKS[:6]):
            return COUNTRY, f"issuer: {issuer.strip()}"
        e = anywhere.resolve(who)
        if e is not None and e.jurisdiction:
            return e.jurisdiction, f"issuer: {issuer.strip()}"
    names = [n for n in dict.fromkeys(names or ()) if n]
    votes: dict[str, list[str]] = {}
    nat: list[str] = []
    relative = False
    for n in names:
        e = national.resolve(n)
        if e is not None and e.level == "national":
            if not n.startswith(NATIONAL_MARKS):
                nat.append(n)
            continue
        if n.startswith(LEVEL_PREFIXES) or n.startswith("各"):
            relative = relative or n.startswith(LEVEL_PREFIXES)
            continue
        e = anywhere.resolve(n)
        if e is not None and e.jurisdiction and e.level != "national":
            votes.setdefault(e.jurisdiction, []).append(n)
    if votes:
        j, ns = max(votes.items(), key=lambda kv: len(kv[1]))
        return j, f"names: {', '.join(ns[:5])} (named with their place)"
    if nat and not relative:
        return COUNTRY, f"names: {', '.join(nat[:5])} (national bodies without a level prefix)"
    return None
