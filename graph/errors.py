"""Every error of the graph side a user can cause, each derived from `ontology.errors.PolicyKGError`.

The CLI catches that one base and prints its message, which is one line. The classes are
re-exported from the modules that raise them (`graph.query`, `graph.store`, `graph.remote`,
`graph.guard`, `graph.export`), so ``from graph.query import QueryError`` keeps working.

>>> str(NotFound("task", "t99", ["t9", "t19"]))
"unknown task 't99'; closest: t9, t19"
>>> isinstance(StoreLocked("data/store", 42), PolicyKGError), str(StoreLocked("data/store", None))
(True, 'store at data/store is in use by another process (pid unknown)')
>>> issubclass(RemoteSparqlError, SparqlError) and issubclass(Refused, SparqlError)
True
>>> str(QueryError("two\\n  lines"))
'two lines'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ontology.errors import PolicyKGError

__all__ = [
    "BadSetting",
    "BuildError",
    "BuildInterrupted",
    "Busy",
    "EndpointError",
    "ExecutorError",
    "ExportError",
    "NotFound",
    "PolicyKGError",
    "QueryError",
    "QueryTimeout",
    "Refused",
    "RemoteSparqlError",
    "SparqlError",
    "StoreError",
    "StoreLocked",
    "UnknownAgency",
]


class _OneLine(PolicyKGError):
    """Keep the message on one line in ``args`` too, not only in str()."""

    def __init__(self, message: str = "") -> None:
        super().__init__(" ".join(str(message).split()))


# --------------------------------------------------------------------------- query layer


class QueryError(_OneLine):
    """A question the graph cannot answer as asked, told in one line."""


class NotFound(QueryError, LookupError):
    """No task, section, document or agency goes by that name; `suggestions` are the closest."""

    def __init__(self, kind: str, name: str, suggestions: Sequence[str] = ()) -> None:
        self.kind, self.name, self.suggestions = kind, name, list(suggestions)
        closest = f"; closest: {', '.join(self.suggestions)}" if self.suggestions else ""
        super().__init__(f"unknown {kind} '{name}'{closest}")


class UnknownAgency(NotFound):
    """No agency goes by that name (canonical, alias or as written)."""

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__("agency", name, suggestions)


class QueryTimeout(QueryError):
    """A query ran past its time limit."""


class BuildError(QueryError):
    """Nothing could be built: no readable document."""


class ExecutorError(BuildError):
    """The executor a build was told to use cannot be used: an unknown name, Dask missing, a scheduler out of reach."""


class BuildInterrupted(BuildError):
    """SIGTERM or SIGINT stopped a build: its workers are gone and the last complete version answers."""

    def __init__(self, signum: int) -> None:
        import signal

        self.signum = signum
        super().__init__(f"build stopped by {signal.Signals(signum).name}; the last complete build still answers")


# --------------------------------------------------------------------------- stores


class StoreError(_OneLine):
    """A storage failure, told in one line that names the path, URL or value at fault."""


class StoreLocked(StoreError):
    """Another process writes the store (or builds it) right now."""

    def __init__(self, path: Path | str, pid: int | None) -> None:
        self.path, self.pid = Path(path), pid
        who = f"pid {pid}" if pid else "pid unknown"
        super().__init__(f"store at {path} is in use by another process ({who})")


class SparqlError(StoreError):
    """A SPARQL text was malformed, or was an update sent down the read-only path."""


class EndpointError(StoreError):
    """The endpoint could not be reached, timed out, or answered with an HTTP error."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, when there was an answer


class RemoteSparqlError(EndpointError, SparqlError):
    """The endpoint rejected a SPARQL text as malformed (HTTP 400)."""


# --------------------------------------------------------------------------- the server's guard


class Refused(SparqlError):
    """A SPARQL text would make the server reach another server (SERVICE, LOAD)."""


class Busy(_OneLine):
    """Too many heavy queries run right now; told in one line."""


class BadSetting(_OneLine, ValueError):
    """An environment variable of the gate holds something unusable."""


# --------------------------------------------------------------------------- export


class ExportError(_OneLine):
    """An export asked for something that does not exist (a format), in one line."""
