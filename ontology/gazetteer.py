"""The one reader of the gazetteer CSV files shipped in ontology/ (and of user-supplied ones).

Every file is UTF-8, with or without a byte-order mark; lines starting with ``#`` before the
header are comments. A bad row raises `GazetteerError`, whose message is one line naming the
file and the line: ``agencies.csv:12: missing name``.

>>> rows = read_text("id,name\\nq,某局\\n", "x.csv", required=("id", "name"))
>>> rows[0]["name"], rows[0].line
('某局', 2)
>>> read_text("id,name\\nq,\\n", "x.csv", required=("id", "name"))
Traceback (most recent call last):
...
ontology.gazetteer.GazetteerError: x.csv:2: missing name
"""

from __future__ import annotations

import csv
import importlib.resources
import io
from collections.abc import Iterable
from typing import TextIO

from .errors import PolicyKGError

# The columns each shipped file must fill in every row.
REQUIRED = {
    "agencies.csv": ("id", "name"),
    "national.csv": ("id", "name"),
    "places.csv": ("id", "name"),
    "divisions.csv": ("code", "level", "name"),
    "functions.csv": ("id", "function", "kind"),
}
YEAR_COLUMNS = ("valid_from", "valid_to")


class GazetteerError(PolicyKGError):
    """A gazetteer row that cannot be read: the message names the file and the line."""


class Row(dict):
    """One row of a gazetteer file: column → stripped value ("" when empty), and its line number."""

    line: int = 0

    def years(self) -> tuple[int | None, int | None]:
        """Return (valid_from, valid_to), None where open."""
        return tuple(int(self[c]) if self.get(c) else None for c in YEAR_COLUMNS)  # type: ignore[return-value]


def read_stream(stream: TextIO, filename: str, *, required: Iterable[str] = ("id", "name"),
                unique: str | None = "id") -> list[Row]:
    """Read the rows of one gazetteer CSV from an open text stream; raise GazetteerError on a bad row."""
    text = stream.read()
    return read_text(text, filename, required=required, unique=unique)


def read_text(text: str, filename: str, *, required: Iterable[str] = ("id", "name"),
              unique: str | None = "id") -> list[Row]:
    """Read the rows of one gazetteer CSV held in a string."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and (lines[skipped].startswith("#") or not lines[skipped].strip()):
        skipped += 1
    reader = csv.reader(io.StringIO("".join(lines[skipped:])))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return []
    except csv.Error as exc:
        raise GazetteerError(f"{name}:{skipped + 1}: {exc}") from None
    required = tuple(required)
    missing = [c for c in required if c not in header]
    if missing:
        raise GazetteerError(f"{name}:{skipped + 1}: header lacks column {missing[0]!r}")
    out: list[Row] = []
    seen: dict[str, int] = {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise GazetteerError(f"{name}:{skipped + reader.line_num}: {exc}") from None
        line = skipped + reader.line_num
        if not cells or all(not c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            raise GazetteerError(f"{name}:{line}: {len(cells)} cells for {len(header)} columns")
        row = Row((h, (cells[i].strip() if i < len(cells) else "")) for i, h in enumerate(header))
        row.line = line
        for c in required:
            if not row.get(c):
                raise GazetteerError(f"{name}:{line}: missing {c}")
        for c in YEAR_COLUMNS:
            v = row.get(c, "")
            if v and not (v.isdigit() and len(v) == 4):
                raise GazetteerError(f"{name}:{line}: {c} {v!r} is not a year")
        if unique and row.get(unique):
            key = row[unique]
            if key in seen:
                raise GazetteerError(f"{name}:{line}: duplicate {unique} {key!r} (first on line {seen[key]})")
            seen[key] = line
        out.append(row)
    return out


def read_packaged(name: str) -> list[Row]:
    """Read one of the gazetteer files shipped in the ontology package ([] when it is absent)."""
    f = importlib.resources.files("ontology").joinpath(name)
    if not f.is_file():
        return []
    with f.open(encoding="utf-8-sig", newline="") as stream:
        return read_stream(stream, name, required=REQUIRED.get(name, ("id", "name")),
                           unique="code" if name == "divisions.csv" else "id")
