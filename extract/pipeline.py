"""Extract a plan's structure, tasks, agencies by role and the rest, every fact with its span."""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from pathlib import Path

from ontology import iris
from ontology.errors import PolicyKGError

from . import clauses as cl
from . import segment
from .context import Context
from .gazetteer import Resolver, agency_resolver, place_resolver
from .indicators import find_indicators
from .mentions import find_footnotes, find_mentions, find_references
from .normalize import Normalized, normalize
from .reader import InputError, Source, read_bytes, read_file
from .records import Assignment, Clause, Document, Extraction, Span, Unit
from .structure import find_structure
from .units import find_units

def slug(name: str) -> str:
    """Return a stable document id from a file name."""
    s = unicodedata.normalize("NFKC", Path(name).stem).strip().lower()
    s = re.sub(r"[^\w\u4e00-\u9fff-]+", "-", s).strip("-")
    return s or "document"


def extract_source(src: Source) -> Extraction:
    """Extract everything from a decoded source."""
    norm = normalize(src.text)
    text = norm.text
    meta = dict(src.metadata)
    doc_id = str(meta.get("id") or slug(src.name))
    title = str(meta.get("title") or "")
    if not title:
        first = text[: text.find("\n")] if "\n" in text else text
        title = first if len(first) <= 60 and "《" not in first else Path(src.name).stem
    doc = Document(doc_id, title, text, hashlib.sha256(text.encode("utf-8")).hexdigest(), src.name, meta,
                   norm.line_offsets, norm.line_numbers, src.pages)
    return _assemble(doc, norm)


def extract_file(path) -> Extraction:
    """Read and extract one document file."""
    src = read_file(path)
    try:
        return extract_source(src)
    except InputError:
        raise
    except NoTasks as e:
        raise InputError(path, str(e)) from None


def extract_bytes(data: bytes, name: str, metadata: dict | None = None) -> Extraction:
    """Extract a document given as bytes (tests, uploads)."""
    try:
        return extract_source(read_bytes(data, name, metadata))
    except NoTasks as e:
        raise InputError(name, str(e)) from None


def extract_text(text: str, name: str = "document.txt", metadata: dict | None = None) -> Extraction:
    r"""Extract a document given as a string.

    >>> x = extract_text("一、任务\n1.做好甲事。（牵头单位：市版权局，配合单位：市商务局）\n", "p.txt",
    ...                  {"jurisdiction": "广州市"})
    >>> [(a.agency, a.canonical, a.role.value) for a in x.units[0].assignments]
    [('市版权局', '广州市版权局', 'lead'), ('市商务局', '广州市商务局', 'cooperate')]
    """
    return extract_bytes(text.encode("utf-8"), name, metadata)


class NoTasks(PolicyKGError):
    """The document has no task and no responsibility clause."""


def _year(meta: dict, title: str) -> int | None:
    """Return the year a document is read in: its period's start, else a year its title names."""
    for key in ("period_start", "year", "date"):
        v = meta.get(key)
        m = re.match(r"\d{4}", str(v)) if v is not None else None
        if m:
            return int(m.group(0))
    m = re.search(r"十([一二三四五六])五", title)  # “十四五” is 2021–2025
    if m:
        return 2021 + 5 * ("一二三四五六".index(m.group(1)) - 3)
    years = re.findall(r"(?<!\d)(19\d\d|20\d\d)(?!\d)", title)
    return int(years[0]) if years else None


def resolve_agency(res: Resolver, name: str):
    """Return the gazetteer entry a name means, reading Traditional characters as Simplified too."""
    return res.resolve(name) or res.resolve(name.translate(cl.T2S))


def document_resolver(x: Extraction) -> Resolver:
    """Return the resolver an extraction's names were resolved with (its jurisdiction and year)."""
    meta = x.document.metadata
    return _resolver(str(meta.get("jurisdiction") or ""), _year(meta, x.document.title), str(meta.get("drafted_by") or ""))


def _resolver(jurisdiction: str, year: int | None, issuer: str = "") -> Resolver:
    """Return the agency resolver of a document: its jurisdiction, its year, its issuer (for 法规司 and the like)."""
    import inspect

    params = inspect.signature(agency_resolver).parameters
    kw = {"year": year} if "year" in params else {}
    if issuer and "issuer" in params:
        kw["issuer"] = issuer
    return agency_resolver(jurisdiction, **kw)


def _jurisdiction(meta: dict, title: str, drafts) -> tuple[str, str | None]:
    """Return the document's jurisdiction and, when it was inferred, from what."""
    if meta.get("jurisdiction"):
        return str(meta["jurisdiction"]), None
    from . import gazetteer

    infer = getattr(gazetteer, "infer_jurisdiction", None)
    if infer is None:
        return "", None
    names = [n.name for d in drafts for p, _ in d.clauses for n in p.names]
    got = infer(title, str(meta.get("drafted_by") or ""), names)
    return (got[0], got[1]) if got else ("", None)


def _assemble(doc: Document, norm: Normalized) -> Extraction:
    """Run the finders over the one normalized text and write the records."""
    ctx = Context(doc.id, norm)
    t = norm.text
    st = find_structure(doc.id, norm)
    if not st.tasks and not st.grids and not any(b.kind == "para" for b in norm.blocks):
        raise NoTasks("no text to extract")
    prev = 0
    numbering_qualified = len({h.number for h in st.tasks}) != len(st.tasks)
    for h in st.tasks:
        k = int(h.number) if h.number.isdigit() else 0
        if not numbering_qualified and prev and k != prev + 1:
            ctx.warn("task-numbering", f"task numbers jump from {prev} to {k}", h.span.start)
        prev = k

    places = place_resolver()
    known = agency_resolver(str(doc.metadata.get("jurisdiction") or "")).pattern
    drafts = find_units(ctx, st, known=known, places=places.resolve)
    if not drafts:
        raise NoTasks("no numbered task and no responsibility clause found")
    jurisdiction, inferred = _jurisdiction(doc.metadata, doc.title, drafts)
    if inferred:
        doc.metadata["jurisdiction"] = jurisdiction
        doc.metadata["jurisdiction_inferred"] = inferred
        ctx.warn("jurisdiction-inferred", f"jurisdiction {jurisdiction} inferred from {inferred}")
    res = _resolver(jurisdiction, _year(doc.metadata, doc.title), str(doc.metadata.get("drafted_by") or ""))
    issuer = resolve_agency(res, str(doc.metadata["drafted_by"])) if doc.metadata.get("drafted_by") else None
    if issuer is not None:  # the issuer is one agency across documents, as every name in the text
        doc.metadata["drafted_by_id"] = issuer.id

    unresolved: dict[str, list] = {}

    def assignment(n: cl.Name, clause: Span) -> Assignment:
        entry = resolve_agency(res, n.name)
        full = n.full
        if entry is None and full:
            entry = resolve_agency(res, n.written)
            full = None if entry is not None else full
        if entry is None:
            unresolved.setdefault(n.name, []).append(n)
        return Assignment(n.written, entry.name if entry else None, entry.id if entry else None, n.role,
                          ctx.span(n.start, n.end), clause, n.how, full)

    references = find_references(ctx)
    footnotes = find_footnotes(ctx)
    clause_spans = sorted({(p.span.start, p.span.end) for d in drafts for p, _ in d.clauses})
    tokens = segment.tokenize(t)
    bounds = segment.boundaries(tokens)
    ref_spans = sorted((r.span.start, r.span.end) for r in references)
    agency_mentions = find_mentions(ctx, res, bounds, ref_spans, clause_spans, "agency")
    occupied = sorted([*ref_spans, *((m.span.start, m.span.end) for m in agency_mentions)])
    place_mentions = find_mentions(ctx, places, bounds, occupied, [], "place")

    starts = [s for _, s, _ in tokens]
    in_clause = bytearray(len(tokens))  # tokens inside a clause are no keywords
    for o, c in clause_spans:
        in_clause[bisect.bisect_left(starts, o):bisect.bisect_left(starts, c)] = \
            b"\x01" * (bisect.bisect_left(starts, c) - bisect.bisect_left(starts, o))
    unit_tokens = []
    for d in drafts:
        lo = bisect.bisect_left(starts, d.span.start)
        hi = bisect.bisect_left(starts, d.span.end)
        unit_tokens.append([tokens[i][0] for i in range(lo, hi) if not in_clause[i]])
    kws = segment.keywords(unit_tokens)

    units = []
    for d, kw in zip(drafts, kws):
        clauses = []
        for k, (parsed, sentence) in enumerate(d.clauses):
            for p in parsed.problems:
                ctx.warn(p.code, p.message, p.start, ctx.span(p.start, p.end))
            deadline = parsed.deadline or (d.deadline if k == 0 else None)
            clauses.append(Clause(parsed.span, sentence, tuple(assignment(n, parsed.span) for n in parsed.names),
                                  deadline))
        us, ue = d.span.start, d.span.end
        units.append(Unit(
            d.id, d.kind, d.number, d.title, d.title_span, d.span, d.section, d.part, tuple(clauses),
            tuple(r for r in references if us <= r.span.start < ue),
            tuple(m for m in place_mentions if us <= m.span.start < ue),
            tuple(m for m in agency_mentions if us <= m.span.start < ue and not m.in_clause),
            tuple(b.id for b in st.boxes if b.after_task == d.id),
            tuple(f.number for f in footnotes if us <= f.marker.start < ue),
            kw, d.marker,
        ))
    for name, seen in sorted(unresolved.items(), key=lambda kv: kv[1][0].start):
        first = seen[0]
        times = f" ({len(seen)} times)" if len(seen) > 1 else ""
        ctx.warn("unresolved-agency", f"agency {name!r} is not in the gazetteer{times}", first.start,
                 ctx.span(first.start, first.end))
    indicators = find_indicators(ctx, res)
    return Extraction(doc, st.sections, tuple(units), st.boxes, tuple(indicators), tuple(footnotes),
                      tuple(references), tuple(place_mentions), tuple(agency_mentions), tuple(ctx.issues))

def extract_paths(paths) -> list[Extraction | InputError]:
    """Extract every document under the given files and folders; bad ones become errors, in order."""
    from .reader import list_documents

    out: list[Extraction | InputError] = []
    for item in list_documents(paths):
        if isinstance(item, InputError):
            out.append(item)
            continue
        try:
            out.append(extract_file(item))
        except InputError as e:
            out.append(e)
    return out
