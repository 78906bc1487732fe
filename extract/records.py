"""Value types of an extraction: every record carries offsets into the document's one text."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass

from ontology.terms import ROLE_ORDER, Role, UnitKind

__all__ = ["ROLE_ORDER", "Role", "UnitKind"]  # re-exported: records are read with their closed sets


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open character range `[start, end)` into the document text, with its quote."""

    start: int
    end: int
    quote: str

    @classmethod
    def of(cls, text: str, start: int, end: int) -> "Span":
        return cls(start, end, text[start:end])


@dataclass(frozen=True, slots=True)
class Document:
    """A normalized plan: the one text every offset refers to, and its metadata."""

    id: str
    title: str
    text: str
    sha256: str
    source: str  # file name the text was read from
    metadata: dict = field(default_factory=dict, hash=False, compare=True)
    # The map back to the source file: where each kept source line starts in `text`, and its number.
    line_offsets: tuple[int, ...] = field(default=(), compare=False, repr=False)
    line_numbers: tuple[int, ...] = field(default=(), compare=False, repr=False)

    pages: tuple[int, ...] = field(default=(), compare=False, repr=False)  # the page of each source line

    def page_of(self, offset: int) -> int | None:
        """Return the page an offset of the text came from, for paged sources (PDF); else None."""
        line = self.line_of(offset)
        return self.pages[line - 1] if 0 < line <= len(self.pages) else None

    def line_of(self, offset: int) -> int:
        """Return the 1-based source line an offset of the text came from."""
        import bisect

        i = bisect.bisect_right(self.line_offsets, offset) - 1
        return self.line_numbers[max(i, 0)] if self.line_numbers else self.text.count("\n", 0, max(offset, 0)) + 1


@dataclass(frozen=True, slots=True)
class Section:
    """A part (一、) or a section (（一）) of the plan."""

    id: str
    level: str  # "part" | "section"
    number: str  # as written: "一", "三"
    title: str
    span: Span  # heading through the end of the section's content
    heading: Span  # the heading line alone
    parent: str | None


@dataclass(frozen=True, slots=True)
class Correction:
    """One entry of a document's corrections file (`extract.corrections`): a fact set by hand, and its fate.

    A correction adds, removes or sets an agency's role on a unit, or a unit's deadline; it names
    the unit by its key (``t12``, ``m9.1``) and the title it had, so that a unit whose text changed
    is never corrected by mistake: the correction is then `orphaned`, with the reason.
    """

    index: int  # 1-based position in the file
    unit: str  # the unit's key within its document: t12, m9.1
    title: str  # the unit's title when the correction was made ("" when not known)
    action: str  # "add" | "remove" | "set"
    agency: str | None = None  # the name as typed
    agency_id: str | None = None  # its gazetteer id when it resolved
    role: str | None = None  # a Role value
    deadline: str | None = None  # the deadline as typed
    note: str = ""
    by: str = ""
    when: str = ""  # ISO 8601 date-time
    status: str = "pending"  # "applied" | "orphaned" once applied to an extraction
    reason: str = ""  # why orphaned, or what applying it did

    @property
    def what(self) -> str:
        """Return the correction in a few words: ``t12 add 市版权局 lead``."""
        target = " ".join(x for x in (self.agency, self.role, self.deadline and f"deadline {self.deadline}") if x)
        return f"{self.unit} {self.action} {target}".strip()


@dataclass(frozen=True, slots=True)
class Assignment:
    """One agency named with one role in one clause."""

    agency: str  # as written (joined across line breaks)
    canonical: str | None  # canonical agency name, or None when the gazetteer lacks it
    agency_id: str | None  # gazetteer id, or None
    role: Role
    span: Span  # the name as written
    clause: Span  # the whole clause, brackets included
    inferred: str | None = None  # why the role or name was inferred (shared prefix, rule)
    full: str | None = None  # the name with a shared prefix restored (区甲局乙处、丙处 → 区甲局丙处)
    curation: Correction | None = None  # set by hand: the correction that added it or changed its role

    @property
    def name(self) -> str:
        """Return the name meant: as written, with a shared prefix restored."""
        return self.full or self.agency


@dataclass(frozen=True, slots=True)
class Deadline:
    """A deadline stated in a clause (完成时限：2022年底前): the text as written, normalized when it parses."""

    text: str
    span: Span
    year: int | None = None
    date: str | None = None  # ISO date (2022-12-31) or month (2022-06) when the text gives one
    curation: Correction | None = None  # set by hand: the correction that added it


@dataclass(frozen=True, slots=True)
class Clause:
    """A responsibility clause and the sentence it governs."""

    span: Span
    sentence: Span
    assignments: tuple[Assignment, ...]
    deadline: Deadline | None = None
    curation: Correction | None = None  # not in the text: the correction stating what it holds (empty spans)


@dataclass(frozen=True, slots=True)
class Mention:
    """A gazetteer entry (agency or place) found in the text."""

    name: str  # as written
    canonical: str | None
    entry_id: str | None
    kind: str
    span: Span
    in_clause: bool = False


@dataclass(frozen=True, slots=True)
class Reference:
    """A 《…》 citation."""

    title: str  # joined, letter-spacing removed
    span: Span  # brackets included


@dataclass(frozen=True, slots=True)
class Box:
    """A special-project box (专栏)."""

    id: str
    number: str
    title: str
    span: Span
    title_span: Span
    body: Span
    section: str | None
    after_task: str | None


@dataclass(frozen=True, slots=True)
class Footnote:
    """A numbered footnote: its marker glued to a term and its body."""

    number: int
    term: str
    marker: Span  # the digits glued after the term
    term_span: Span
    body: Span  # the footnote text (number excluded)


@dataclass(frozen=True, slots=True)
class Indicator:
    """A row of the indicator table."""

    id: str
    name: str
    unit: str
    baseline: str | None
    baseline_year: int | None
    target: str
    target_year: int | None
    source: str
    source_canonical: str | None
    nature: str | None  # "expected" (预期性) | "binding" (约束性)
    span: Span
    name_span: Span
    source_span: Span
    footnote: int | None


@dataclass(frozen=True, slots=True)
class Unit:
    """A responsibility-bearing unit: a numbered task or an unnumbered measure."""

    id: str
    kind: str  # a UnitKind value: "task" | "measure"
    number: str  # "1" for tasks; the section's number for measures
    title: str
    title_span: Span
    span: Span
    section: str | None
    part: str | None
    clauses: tuple[Clause, ...]
    references: tuple[Reference, ...]
    places: tuple[Mention, ...]
    agencies: tuple[Mention, ...]
    boxes: tuple[str, ...]
    footnotes: tuple[int, ...]
    keywords: tuple[str, ...]
    marker: str = ""  # the number as written ("3.", "（三）", "第五条", a measure's section number); "" if none

    @property
    def deadlines(self) -> tuple[Deadline, ...]:
        return tuple(c.deadline for c in self.clauses if c.deadline is not None)

    @property
    def assignments(self) -> tuple[Assignment, ...]:
        return tuple(a for c in self.clauses for a in c.assignments)

    def names(self, role: Role) -> list[str]:
        """Return the names as written with this role, first occurrence order, no repeats."""
        out: list[str] = []
        for a in self.assignments:
            if a.role is role and a.agency not in out:
                out.append(a.agency)
        return out


@dataclass(frozen=True, slots=True)
class Issue:
    """Something the extractor could not place: never dropped, always reported."""

    code: str
    message: str
    line: int | None = None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything extracted from one document."""

    document: Document
    sections: tuple[Section, ...]
    units: tuple[Unit, ...]
    boxes: tuple[Box, ...]
    indicators: tuple[Indicator, ...]
    footnotes: tuple[Footnote, ...]
    references: tuple[Reference, ...]
    places: tuple[Mention, ...]
    agencies: tuple[Mention, ...]
    warnings: tuple[Issue, ...]
    corrections: tuple[Correction, ...] = ()  # the document's corrections file, applied or orphaned

    @property
    def tasks(self) -> tuple[Unit, ...]:
        return self.units

    def unit(self, unit_id: str) -> Unit:
        for u in self.units:
            if u.id == unit_id:
                return u
        raise KeyError(unit_id)


def iter_spans(obj):
    """Yield every Span inside a record tree (for the span invariant)."""
    if isinstance(obj, Span):
        yield obj
    elif is_dataclass(obj):
        for f in fields(obj):
            yield from iter_spans(getattr(obj, f.name))
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            yield from iter_spans(x)
