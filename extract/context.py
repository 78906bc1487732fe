"""What every finder shares: the one normalized text, its line map, and the list of issues."""

from __future__ import annotations

from dataclasses import dataclass, field

from .normalize import Normalized
from .records import Issue, Span


@dataclass
class Context:
    """The document being read: its id, normalized text and the issues found so far."""

    doc_id: str
    norm: Normalized
    issues: list[Issue] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.norm.text

    def span(self, s: int, e: int) -> Span:
        return Span.of(self.norm.text, s, e)

    def warn(self, code: str, message: str, offset: int | None = None, span: Span | None = None) -> None:
        """Record an issue with the source line of its offset."""
        self.issues.append(Issue(code, message, self.norm.line_of(offset) if offset is not None else None, span))
