"""Mint every IRI policykg writes: stable, readable, under one configurable base.

Records carry ids of the form ``{doc_id}/{key}``; the keys come from the helpers below
(`part_key`, `section_key`, `unit_key`, `box_key`, `indicator_key`) and `record_iri`
turns such an id into an IRI:

>>> part_key("三"), section_key("三", "一"), unit_key("task", "12"), box_key("2"), indicator_key(4)
('p3', 's3.1', 't12', 'box2', 'ind4')
>>> unit_key("measure", "二", ("八",)), unit_key("task", "2", ("三", "一"))
('m8.2', 't3.1.2')
>>> str(record_iri("plan/t12", base="https://example.org/"))
'https://example.org/doc/plan/task/12'
>>> str(record_iri("plan/s3.1", base="https://example.org/"))
'https://example.org/doc/plan/section/3.1'
>>> str(agency_iri(None, "各区人民政府", base="https://example.org/"))
'https://example.org/agency/x-各区人民政府'

Non-ASCII characters stay readable (IRIs allow them); only characters that are not
allowed in an IRI path segment are percent-encoded.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rdflib import URIRef

DEFAULT_BASE = "https://w3id.org/policykg/"
BASE_ENV = "POLICYKG_BASE"

# Record-id key prefix → IRI path segment ("b" and "i" are accepted short forms).
KEY_SEGMENTS = {
    "box": "box",
    "ind": "indicator",
    "p": "part",
    "s": "section",
    "t": "task",
    "m": "measure",
    "b": "box",
    "i": "indicator",
}
# The local part is a number (or a number as written, 甲): never an ASCII letter, so that
# "box3" can only be a box and "doc/box" is no record id at all.
_KEY = re.compile(r"^(box|ind|p|s|t|m|b|i)([0-9\u0080-\U0010ffff]\S*)$")
UNIT_PREFIX = {"task": "t", "measure": "m"}

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
           "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
# RFC 3987 iunreserved adds these ranges ("ucschar") to the ASCII unreserved set.
_UCSCHAR = (
    (0xA0, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFEF), (0x10000, 0x1FFFD),
    (0x20000, 0x2FFFD), (0x30000, 0x3FFFD), (0x40000, 0x4FFFD), (0x50000, 0x5FFFD),
    (0x60000, 0x6FFFD), (0x70000, 0x7FFFD), (0x80000, 0x8FFFD), (0x90000, 0x9FFFD),
    (0xA0000, 0xAFFFD), (0xB0000, 0xBFFFD), (0xC0000, 0xCFFFD), (0xD0000, 0xDFFFD),
    (0xE1000, 0xEFFFD),
)
# Sub-delims and ':' '@' are legal in a path segment; they read better unescaped.
_ASCII_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@")


def base_iri(base: str | None = None) -> str:
    """Return the base in force: the argument, else $POLICYKG_BASE, else the default.

    >>> base_iri("https://example.org/kg")
    'https://example.org/kg/'
    """
    chosen = base or os.environ.get(BASE_ENV) or DEFAULT_BASE
    return chosen if chosen.endswith(("/", "#")) else chosen + "/"


@functools.lru_cache(maxsize=1 << 16)  # a few hundred distinct values (ids, roles) asked for thousands of times
def segment(value: str) -> str:
    """Return `value` as one readable IRI path segment, escaping only what IRIs forbid.

    >>> segment("市市场监督管理局（知识产权局）")
    '市市场监督管理局（知识产权局）'
    >>> segment("a b/c%")
    'a%20b%2Fc%25'
    """
    if not value:
        raise ValueError("empty IRI segment")
    out = []
    for ch in value:
        code = ord(ch)
        if ch in _ASCII_SAFE or (not ch.isspace() and any(lo <= code <= hi for lo, hi in _UCSCHAR)):
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def arabic(number: str) -> str:
    """Return a number as written (一, 十五, ３, 12) in ASCII digits; other text unchanged.

    >>> [arabic(n) for n in ("一", "十", "十五", "二十三", "一百零三", "３", "12", "甲")]
    ['1', '10', '15', '23', '103', '3', '12', '甲']
    """
    text = unicodedata.normalize("NFKC", number).strip()
    if text.isascii() and text.isdigit():
        return str(int(text))
    if not text or any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        return text
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            # A bare 十 at the start means 10 (十五 = 15), not 0 × 10.
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
    return str(total + (digit or 0))


# Record keys: the extractor builds record ids as f"{doc_id}/{key}" from these.


def part_key(number: str) -> str:
    """Return the key of a part (一、 / 第一章): ``p{n}``."""
    return f"p{arabic(number)}"


def section_key(part_number: str | None, number: str) -> str:
    """Return the key of a section (（一）): ``s{part}.{n}``, or ``s{n}`` outside any part.

    Section numbers restart in every part, so the part number is part of the key.
    """
    if part_number is None:
        return f"s{arabic(number)}"
    return f"s{arabic(part_number)}.{arabic(number)}"


def unit_key(kind: str, number: str, section_path: Sequence[str] = ()) -> str:
    """Return the key of a task (``t…``) or measure (``m…``): the numbers joined by dots.

    `section_path` holds the numbers of the enclosing part (and section) whenever
    `number` alone is not unique in the document: tasks whose numbering restarts in
    every section, and measures, whose `number` is their section's number.

    >>> unit_key("task", "12"), unit_key("task", "2", ("三", "一")), unit_key("measure", "一", ("三",))
    ('t12', 't3.1.2', 'm3.1')
    """
    try:
        prefix = UNIT_PREFIX[kind]
    except KeyError:
        raise ValueError(f"unknown unit kind: {kind!r}") from None
    return prefix + ".".join(arabic(p) for p in (*section_path, number))


def box_key(number: str) -> str:
    """Return the key of a box (专栏 3): ``box{n}``."""
    return f"box{arabic(number)}"


def indicator_key(number: int | str) -> str:
    """Return the key of an indicator-table row, numbered from 1: ``ind{n}``."""
    return f"ind{arabic(str(number))}"


def record_id(doc_id: str, key: str) -> str:
    """Return the id a record carries: ``{doc_id}/{key}``."""
    return f"{doc_id}/{key}"


def split_record_id(rid: str) -> tuple[str, str, str]:
    """Return (doc_id, path segment, local key) of a record id, or raise ValueError.

    >>> split_record_id("plan/m8.2"), split_record_id("plan/box3")
    (('plan', 'measure', '8.2'), ('plan', 'box', '3'))
    """
    doc_id, sep, key = rid.rpartition("/")
    match = _KEY.match(key)
    if not sep or not doc_id or not match:
        raise ValueError(f"not a record id of the form '{{doc_id}}/{{p|s|t|m|box|ind}}{{n}}': {rid!r}")
    return doc_id, KEY_SEGMENTS[match.group(1)], match.group(2)


# IRIs


def doc_iri(doc_id: str, base: str | None = None) -> URIRef:
    """Return the IRI of a plan: ``{base}doc/{doc_id}``."""
    return _doc_iri(doc_id, base_iri(base))


@functools.lru_cache(maxsize=4096)
def _doc_iri(doc_id: str, base: str) -> URIRef:  # asked for every span of a document: made once
    return _iri(f"{base}doc/{segment(doc_id)}")


def graph_iri(doc_id: str, base: str | None = None) -> URIRef:
    """Return the IRI of a plan's named graph: ``{doc}/graph``."""
    return _iri(f"{doc_iri(doc_id, base)}/graph")


def text_iri(doc_id: str, base: str | None = None) -> URIRef:
    """Return the IRI of a plan's normalized text, the source of every selector: ``{doc}/text``."""
    return _iri(f"{doc_iri(doc_id, base)}/text")


def source_iri(doc_id: str, base: str | None = None) -> URIRef:
    """Return the IRI of the input file a plan's text was read from: ``{doc}/source``."""
    return _iri(f"{doc_iri(doc_id, base)}/source")


def run_iri(doc_id: str, base: str | None = None) -> URIRef:
    """Return the IRI of the extraction activity that produced a plan's graph: ``{doc}/extraction``."""
    return _iri(f"{doc_iri(doc_id, base)}/extraction")


def indicator_dataset_iri(doc_id: str, base: str | None = None) -> URIRef:
    """Return the IRI of a plan's indicator data set (qb:DataSet): ``{doc}/indicators``."""
    return _iri(f"{doc_iri(doc_id, base)}/indicators")


def period_iri(doc_id: str, base: str | None = None) -> URIRef:
    """Return the IRI of the period a plan covers: ``{doc}/period``."""
    return _iri(f"{doc_iri(doc_id, base)}/period")


def record_iri(rid: str, base: str | None = None) -> URIRef:
    """Return the IRI of a section, unit, box or indicator from its record id.

    ``{doc}/part/{n}``, ``{doc}/section/{part}.{n}``, ``{doc}/task/{n}`` (or
    ``{part}.{section}.{n}`` where numbering restarts), ``{doc}/measure/{part}.{section}``,
    ``{doc}/box/{n}``, ``{doc}/indicator/{n}``.
    """
    doc_id, kind, local = split_record_id(rid)
    return _iri(f"{doc_iri(doc_id, base)}/{kind}/{segment(local)}")


def footnote_iri(doc_id: str, number: int, base: str | None = None) -> URIRef:
    """Return the IRI of a footnote: ``{doc}/footnote/{n}``."""
    return _iri(f"{doc_iri(doc_id, base)}/footnote/{int(number)}")


def annotation_iri(doc_id: str, start: int, end: int, base: str | None = None) -> URIRef:
    """Return the IRI of the annotation on one span: ``{doc}/annotation/{start}-{end}``.

    One span is one annotation: facts evidenced by the same characters share it as bodies.
    """
    return _iri(f"{doc_iri(doc_id, base)}/annotation/{int(start)}-{int(end)}")


def segment_iri(doc_id: str, start: int, end: int, base: str | None = None) -> URIRef:
    """Return the IRI of characters ``start``-``end`` of a plan's text: ``{doc}/text#char={start},{end}``.

    An RFC 5147 fragment of the text (text/plain): the target of every annotation and the
    value of every extent (a unit's, section's or box's whole, the sentence a clause governs),
    so a span costs no node of its own. `segment_span` reads it back.

    >>> str(segment_iri("plan", 3, 9, "https://example.org/kg/"))
    'https://example.org/kg/doc/plan/text#char=3,9'
    """
    return _iri(f"{doc_iri(doc_id, base)}/text#char={int(start)},{int(end)}")


_SEGMENT = re.compile(r"#char=(\d+),(\d+)$")


def segment_span(iri: str) -> tuple[int, int] | None:
    """Return the (start, end) a `segment_iri` selects; None for any other IRI.

    >>> segment_span("https://example.org/kg/doc/plan/text#char=3,9"), segment_span("https://example.org/x")
    ((3, 9), None)
    """
    m = _SEGMENT.search(iri)
    return (int(m.group(1)), int(m.group(2))) if m else None


def segment_text(iri: str) -> str:
    """Return the IRI of the text a `segment_iri` is a fragment of (the IRI before ``#``)."""
    return iri.split("#", 1)[0]


def attribution_iri(unit: URIRef, role: str, index: int) -> URIRef:
    """Return the IRI of the `index`-th (from 1) attribution with `role` on a unit."""
    return _iri(f"{unit}/attribution/{segment(role)}/{int(index)}")


def clause_iri(unit: URIRef, index: int) -> URIRef:
    """Return the IRI of the `index`-th (from 1) responsibility clause of a unit."""
    return _iri(f"{unit}/clause/{int(index)}")


def correction_iri(doc_id: str, index: int, base: str | None = None) -> URIRef:
    """Return the IRI of the `index`-th (from 1) entry of a plan's corrections file: ``{doc}/correction/{n}``."""
    return _iri(f"{doc_iri(doc_id, base)}/correction/{int(index)}")


def curator_iri(name: str, base: str | None = None) -> URIRef:
    """Return the IRI of a person who made corrections, by the name they gave: ``{base}curator/{name}``."""
    return _iri(f"{base_iri(base)}curator/{segment(name)}")


def observation_iri(indicator: URIRef, stage: str) -> URIRef:
    """Return the IRI of an indicator's baseline or target observation."""
    return _iri(f"{indicator}/{segment(stage)}")


def name_key(name: str) -> str:
    """Return the id of a name the gazetteer lacks: ``x-`` and the name, whitespace removed.

    >>> name_key(" 有关 部门 ")
    'x-有关部门'
    """
    squeezed = "".join(unicodedata.normalize("NFC", name).split())
    if not squeezed:
        raise ValueError(f"cannot mint an id from a blank name: {name!r}")
    return f"x-{squeezed}"


def agency_iri(agency_id: str | None, name: str | None = None, base: str | None = None) -> URIRef:
    """Return ``{base}agency/{id}``; without a gazetteer id, the id is `name_key(name)`."""
    return _entity_iri("agency", agency_id, name, base_iri(base))


def change_event_iri(successor_id: str, year: int | None, original_id: str, base: str | None = None) -> URIRef:
    """Return the IRI of the reform after which a body took over another: an ``org:ChangeEvent``.

    One event per successor and year, ``{base}agency/{successor}/change/{year}``, so the bodies
    merged in one reform (工商局, 质监局, 食药监局 → 市场监管局 in 2019) share it, whichever
    document names them; without a year, one per pair (``…/change/from-{original}``).

    >>> str(change_event_iri("cn-samr", 2018, "cn-saic", "https://x.org/"))
    'https://x.org/agency/cn-samr/change/2018'
    >>> str(change_event_iri("gz-amr", None, "gz-aic", "https://x.org/"))
    'https://x.org/agency/gz-amr/change/from-gz-aic'
    """
    when = str(year) if year else f"from-{original_id}"
    return _iri(f"{base_iri(base)}agency/{segment(successor_id)}/change/{segment(when)}")


def place_iri(place_id: str | None, name: str | None = None, base: str | None = None) -> URIRef:
    """Return ``{base}place/{id}``; without a gazetteer id, the id is `name_key(name)`."""
    return _entity_iri("place", place_id, name, base_iri(base))


@functools.lru_cache(maxsize=1 << 16)  # every mention of an agency or place mints its IRI: made once
def _entity_iri(kind: str, entry_id: str | None, name: str | None, base: str) -> URIRef:
    return _iri(f"{base}{kind}/{segment(_entry_id(entry_id, name))}")


def work_iri(title: str, base: str | None = None) -> URIRef:
    """Return the IRI of a cited 《》 document: ``{base}work/{sha1(title)[:12]}``.

    One node per distinct title as extracted; a hash because titles are long and
    contain their own brackets.
    """
    if not title:
        raise ValueError("cannot mint a work IRI from an empty title")
    digest = hashlib.sha1(title.encode("utf-8")).hexdigest()[:12]
    return _iri(f"{base_iri(base)}work/{digest}")


def software_iri(version: str, base: str | None = None) -> URIRef:
    """Return the IRI of the policykg release that ran an extraction: ``{base}software/{version}``."""
    return _iri(f"{base_iri(base)}software/{segment(version)}")


def gazetteer_graph_iri(base: str | None = None) -> URIRef:
    """Return the IRI of the named graph holding the agency and place gazetteers."""
    return _iri(f"{base_iri(base)}gazetteer/graph")


def _entry_id(entry_id: str | None, name: str | None) -> str:
    if entry_id:
        return entry_id
    if name is None:
        raise ValueError("need a gazetteer id or a name")
    return name_key(name)


_URIREF = None


def _iri(value: str) -> URIRef:
    # rdflib is imported on first use: the extractor imports this module for its keys alone,
    # and importing it must stay cheap. Every IRI here is built from escaped segments
    # (`segment`), so rdflib's check of each new URIRef (a scan for forbidden characters,
    # a tenth of the mapping's time) is skipped: the string becomes a URIRef as it is.
    global _URIREF
    if _URIREF is None:
        from rdflib import URIRef

        _URIREF = URIRef
    return str.__new__(_URIREF, value)
