"""Keep user SPARQL from reaching other servers, and keep heavy queries few at a time.

Two guards for every SPARQL text a user sends (the app's Query view, `policykg sparql`, the
canned queries; the embedded store and a remote endpoint alike):

- `check` refuses ``SERVICE`` (federation: the server would call any URL the query names)
  and ``LOAD`` (the server would fetch any URL), unless the caller passes
  ``allow_service=True`` (``policykg sparql --allow-service``; the app never does). The
  text is parsed with rdflib's SPARQL grammar, so comments, prefixes and case cannot hide
  the clause. A text rdflib cannot parse (Oxigraph extensions such as RDF-star, or plain
  mistakes) is scanned token by token instead, strings, IRIs and names left out: a bare
  word SERVICE or LOAD there can only be the keyword.
- `slot` lets at most N heavy queries run at once in this process (``POLICYKG_MAX_QUERIES``,
  default the number of cores); the others wait up to ``POLICYKG_QUERY_WAIT`` seconds
  (default 5), then fail with a one-line "busy" message.

>>> check("SELECT * WHERE { ?s ?p ?o }")
>>> check("select * { # a comment\\n  sErViCe <http://10.0.0.1/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
graph.errors.Refused: refusing SPARQL SERVICE <http://10.0.0.1/sparql>: a query may not make the server call other servers
>>> check('SELECT * WHERE { ?s ?p "SERVICE <http://x/>" }')   # a string is not a clause
"""

from __future__ import annotations

import functools
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import BadSetting, Busy, Refused
from .store import is_update

__all__ = ["BadSetting", "Busy", "Gate", "Refused", "check", "gate", "reaching", "slot"]


# --------------------------------------------------------------------------- reach


def reaching(text: str) -> list[tuple[str, str]]:
    """Return the clauses of a SPARQL query or update that reach out: ``[(keyword, target), …]``.

    The keyword is ``SERVICE`` or ``LOAD``; the target is the IRI (``<…>``) or variable
    (``?x``) it names, as far as the text tells.

    >>> reaching("PREFIX s: <urn:s:> LOAD SILENT <http://h/x> INTO GRAPH s:g")
    [('LOAD', '<http://h/x>')]
    >>> reaching("SELECT ?service WHERE { ?service s:load 'LOAD' }")
    []
    """
    found = _parsed(text)
    return found if found is not None else _scanned(text)


def check(text: str, *, allow_service: bool = False) -> None:
    """Raise `Refused` (one line) when the text uses SERVICE or LOAD and that is not allowed."""
    if allow_service:
        return
    found = reaching(text)
    if not found:
        return
    keyword, target = found[0]
    if keyword == "SERVICE":
        raise Refused(f"refusing SPARQL SERVICE {target}: a query may not make the server call other servers")
    raise Refused(f"refusing SPARQL LOAD {target}: the store never fetches from the network; "
                  "build it from files with policykg build")


def _parsed(text: str) -> list[tuple[str, str]] | None:
    """Walk rdflib's parse tree; None when rdflib cannot parse the text."""
    try:
        from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    except ImportError:  # pragma: no cover - rdflib is a dependency; the scanner still guards
        return None
    try:
        tree = parseUpdate(text) if is_update(text) else parseQuery(text)
    except Exception:  # noqa: BLE001 - pyparsing's ParseException and the like: scan instead
        return None
    out: list[tuple[str, str]] = []
    _walk(tree, out)
    return out


def _walk(node, out: list[tuple[str, str]]) -> None:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "ServiceGraphPattern":
            out.append(("SERVICE", _shown(node.get("term"))))
        elif node.name == "Load":
            out.append(("LOAD", _shown(node.get("iri"))))
        for value in node.values():
            _walk(value, out)
    elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
        for value in node:
            _walk(value, out)


def _shown(term) -> str:
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import URIRef, Variable

    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Variable):
        return f"?{term}"
    if isinstance(term, CompValue) and term.name == "pname":
        return f"{term.get('prefix') or ''}:{term.get('localname') or ''}"
    return "…"


# Tokens a bare word can hide in: comments, strings (long ones first), IRIs, variables,
# prefixed names and blank nodes (anything with a colon), then the bare words themselves.
_TOKEN = re.compile(
    r"""(?P<skip>\#[^\n]*
        |'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
        |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"
        |<[^<>"{}|^`\\\s]*>
        |[?$]\w+
        |[\w.-]*:[\w.:%-]*)
      |(?P<word>[A-Za-z_]\w*)""",
    re.X | re.S,
)


def _scanned(text: str) -> list[tuple[str, str]]:
    """Find bare SERVICE and LOAD keywords outside comments, strings, IRIs and names."""
    out = []
    tokens = list(_TOKEN.finditer(text))
    for i, m in enumerate(tokens):
        word = (m.group("word") or "").upper()
        if word in ("SERVICE", "LOAD"):
            target = next((t.group() for t in tokens[i + 1:i + 3]
                           if t.group().startswith(("<", "?", "$")) or ":" in t.group()), "…")
            out.append((word, target))
    return out


# --------------------------------------------------------------------------- how many at once


class Gate:
    """Let at most `limit` callers in at once; the others wait `wait` seconds, then get `Busy`."""

    def __init__(self, limit: int, wait: float = 5.0) -> None:
        if limit < 1:
            raise ValueError(f"a gate lets at least one query in, not {limit}")
        self.limit, self.wait = limit, wait
        self._sem = threading.BoundedSemaphore(limit)

    def __repr__(self) -> str:
        return f"Gate(limit={self.limit}, wait={self.wait})"

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the gate's places for the duration of the block."""
        if not self._sem.acquire(timeout=self.wait):
            raise Busy(f"busy: {self.limit} heavy queries are running already; try again in a moment")
        try:
            yield
        finally:
            self._sem.release()


@functools.lru_cache(maxsize=1)
def gate() -> Gate:
    """Return the process's gate, sized by POLICYKG_MAX_QUERIES and POLICYKG_QUERY_WAIT on first use."""
    return Gate(_env_int("POLICYKG_MAX_QUERIES", os.cpu_count() or 1), _env_float("POLICYKG_QUERY_WAIT", 5.0))


def slot():
    """Hold a place of the process's gate (a context manager)."""
    return gate().slot()


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise BadSetting(f"{name}={value!r}: give a whole number of at least 1")
    return int(value)


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        raise BadSetting(f"{name}={value!r}: give a number of seconds") from None
