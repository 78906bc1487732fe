"""The Query view and its CLI twin (`policykg sparql`): a user's SPARQL, guarded, with limits."""

from __future__ import annotations

from ..sparql import SparqlResult, with_prefixes
from ..store import is_update, refuse_update


def sparql(kg, query: str, *, update: bool = False, limit: int | None = None,
           timeout: float | None = None, allow_service: bool = False) -> SparqlResult:
    """Run SPARQL: SELECT, ASK, CONSTRUCT or DESCRIBE; an update only with ``update=True``.

    The default graph is the union of every stored graph (manifest left out); the
    project's prefixes (pkg, eli, oa, org, prov, skos, dct, …) need not be declared.
    ``limit`` keeps the first rows; ``timeout`` (seconds) stops a query that runs longer.
    SERVICE and LOAD are refused unless ``allow_service=True`` (`graph.guard.check`), and
    at most N queries run at once in this process (`graph.guard.slot`).
    """
    from .. import guard

    guard.check(query, allow_service=allow_service)
    with guard.slot():
        if is_update(query):
            if not update:
                raise refuse_update(query)
            kg.close()  # let go of the version in hand; the update writes a new one
            return SparqlResult("update", message=kg.backend.update(with_prefixes(query)))
        return kg.run_sparql(query, limit, timeout)


def try_sparql(kg, query: str, **options) -> tuple[str, SparqlResult | str]:
    """Run `sparql` and return ("ok", result) or ("error", its one-line message): the app's Query view."""
    from ..store import one_line

    try:
        return "ok", sparql(kg, query, **options)
    except Exception as exc:  # noqa: BLE001 - any failure of a user's query is a message, never a traceback
        return "error", one_line(exc)
