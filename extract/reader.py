"""Read a plan file (text, HTML, Word, Excel, CSV, OFD) into a string, with its metadata sidecar."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ontology.errors import PolicyKGError

SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".shtml", ".xhtml", ".docx", ".docm", ".xlsx", ".xlsm",
            ".csv", ".ofd", ".doc", ".wps", ".xls", ".et", ".pdf")
# Binary formats of Word, WPS and Excel: read after conversion only.
CONVERT = {".doc": "docx", ".wps": "docx", ".xls": "xlsx", ".et": "xlsx"}


class InputError(PolicyKGError):
    """A file that cannot be read as a plan; str() is one line naming the file."""

    def __init__(self, path, message: str, line: int | None = None):
        where = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.line = line


@dataclass(frozen=True, slots=True)
class Source:
    """A decoded file: its text (line ends normalized), name, bytes hash and metadata."""

    path: str
    name: str
    text: str
    encoding: str
    metadata: dict = field(default_factory=dict)
    pages: tuple[int, ...] = ()  # the page of each line of `text` (1-based lines), for paged files such as PDF


def decode(data: bytes, path="<bytes>") -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM) or GB18030 bytes; refuse binary data."""
    if not data.strip():
        raise InputError(path, "file is empty")
    if b"\x00" in data[:4096]:
        raise InputError(path, "binary file (NUL bytes), not a plan text")
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], "utf-8-sig"
    else:
        encoding = "utf-8"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError as e:
            raise InputError(path, f"not UTF-8 or GB18030 text (undecodable byte at offset {e.start})") from None
    controls = sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 8:
        raise InputError(path, "binary file (control characters), not a plan text")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, encoding


# Every key a sidecar may hold, with what its value must be; the order is the README's.
SIDECAR_KEYS = {
    "id": "text",            # the document id (default: the file name's slug); no space or /
    "title": "text",
    "aliases": "texts",      # other titles the document is cited by, ["…", "…"]
    "drafted_by": "text",    # the issuing agency
    "jurisdiction": "place", # a known place (广州市, 河北省, 天河区 …) or 中国
    "level": "level",
    "number": "text",        # 文号, e.g. 某府办〔2021〕12号
    "date": "date",          # the date of issue, 2021-03-05
    "language": "text",      # zh, zh-Hant
    "year": "year",          # the year the document is read in, when it has no period
    "period_start": "year",
    "period_end": "year",
}
LEVELS = ("international", "national", "province", "provincial", "city", "county", "district", "zone")
FIRST_YEAR, LAST_YEAR = 1949, 2100


def _shown(value) -> str:
    """Return a value as the sidecar would write it: "2021年", 2021, ["a", "b"], true."""
    import datetime
    import json

    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


_ZONE = re.compile(r"(?:开发区|高新区|新区|园区|试验区|示范区|合作区|自贸区|片区|保税区)$")


def _known_place(name: str) -> bool:
    """Tell whether a jurisdiction is 中国, a place of the gazetteer, or a zone named after one."""
    from .gazetteer import place_resolver  # loads the places data: only when a sidecar names one

    places = place_resolver()
    if name == "中国" or places.resolve(name) is not None:
        return True
    # Development zones are many and not all listed: 石家庄高新技术产业开发区 is 石家庄's.
    return bool(_ZONE.search(name)) and any(places.resolve(name[:i]) for i in range(len(name) - 3, 1, -1))


def check_sidecar(meta: dict, where) -> dict:
    """Return a sidecar's values checked (a TOML date as its ISO string); raise InputError naming the first bad one.

    >>> check_sidecar({"period_start": 2021, "date": __import__("datetime").date(2021, 3, 5)}, "p.toml")
    {'period_start': 2021, 'date': '2021-03-05'}
    >>> try:
    ...     check_sidecar({"period_start": "2021年"}, "p.toml")
    ... except InputError as e:
    ...     print(e)
    p.toml: period_start must be a year such as 2021, got "2021年"
    """
    import datetime

    out = {}
    for key, value in meta.items():
        kind = SIDECAR_KEYS.get(key)
        if kind is None:
            raise InputError(where, f"unknown key {_shown(key)} (expected one of {', '.join(SIDECAR_KEYS)})")
        got = _shown(value)
        if kind == "year":
            if not isinstance(value, int) or isinstance(value, bool):
                raise InputError(where, f"{key} must be a year such as 2021, got {got}")
            if not FIRST_YEAR <= value <= LAST_YEAR:
                raise InputError(where, f"{key} must be a year from {FIRST_YEAR} to {LAST_YEAR}, got {got}")
        elif kind == "date":
            if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                try:
                    value = datetime.date.fromisoformat(value)
                except ValueError:
                    raise InputError(where, f"{key} is not a day of the calendar, got {got}") from None
            if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
                raise InputError(where, f"{key} must be a date such as 2021-03-05, got {got}")
            if not FIRST_YEAR <= value.year <= LAST_YEAR:
                raise InputError(where, f"{key} must be a date from {FIRST_YEAR} to {LAST_YEAR}, got {got}")
            value = value.isoformat()
        elif kind == "texts":
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise InputError(where, f"{key} must be a list of non-empty strings such as [\"…\"], got {got}")
            value = [v.strip() for v in value]
        else:
            if not isinstance(value, str):
                raise InputError(where, f"{key} must be a string, got {got}")
            if not value.strip():
                raise InputError(where, f"{key} must not be empty")
            if key == "id" and re.search(r"[\s/]", value):
                raise InputError(where, f"id must be one word without spaces or /, such as \"my-plan\", got {got}")
            if kind == "level" and value not in LEVELS:
                raise InputError(where, f"level must be one of {', '.join(LEVELS)}, got {got}")
            if kind == "place" and not _known_place(value):
                raise InputError(where, f"jurisdiction {got} is not a known place (a province, city or county "
                                        f"such as 广州市, or 中国)")
        out[key] = value
    start, end = out.get("period_start"), out.get("period_end")
    if start is not None and end is not None and end < start:
        raise InputError(where, f"period_end {end} is before period_start {start}")
    return out


def read_sidecar(path: Path) -> dict:
    """Read and check the TOML sidecar NAME.toml beside a document, if any; a bad one is one InputError."""
    side = Path(path).with_suffix(".toml")
    if not side.exists():
        return {}
    try:
        with open(side, "rb") as f:
            meta = tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(side, f"bad metadata sidecar: {e}") from None
    except OSError as e:
        raise InputError(side, f"cannot read ({e.strerror})") from None
    return check_sidecar(meta, side)


read_metadata = read_sidecar  # the older name


def read_bytes(data: bytes, name: str, metadata: dict | None = None, path=None) -> Source:
    """Decode a document's bytes by its name's suffix."""
    path = path or name
    suffix = Path(name).suffix.lower()
    pages: tuple[int, ...] = ()
    kind = suffix[1:].upper()  # named in the message for a file without text
    if suffix in (".docx", ".docm"):
        from .office import read_docx
        text, encoding = read_docx(data, path), "docx"
    elif suffix in (".xlsx", ".xlsm"):
        from .office import read_xlsx
        text, encoding = read_xlsx(data, path), "xlsx"
    elif suffix == ".csv":
        from .office import read_csv
        text, encoding = read_csv(data, path)
    elif suffix == ".ofd":
        from .office import read_ofd
        (text, pages), encoding = read_ofd(data, path), "ofd"
    elif suffix == ".pdf":
        from .pdf import read_pdf
        (text, pages), encoding = read_pdf(data, path), "pdf"
    elif suffix in CONVERT:
        raise InputError(path, f"a binary {suffix} file is not read: convert it first "
                               f"(soffice --headless --convert-to {CONVERT[suffix]} FILE) and read the .{CONVERT[suffix]}")
    elif suffix in (".html", ".htm", ".shtml", ".xhtml"):
        from .web import read_html
        (text, encoding), kind = read_html(data, path), "HTML"
    else:
        (text, encoding), kind = decode(data, path), ""
        if re.match(r"\s*<(!doctype|html|p|div|body)\b", text, re.I):
            from .web import html_to_text
            text, kind = html_to_text(text), "HTML"
    if not text.strip():
        raise InputError(path, f"file is empty (no text in the {kind})" if kind else "file is empty")
    return Source(str(path), Path(name).name, text, encoding, dict(metadata or {}), pages)


def read_file(path) -> Source:
    """Read one document file and its sidecar metadata."""
    p = Path(path)
    if not p.exists():
        raise InputError(path, "no such file or folder")
    if p.is_dir():
        raise InputError(path, "is a folder; expected a file")
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputError(path, f"cannot read ({e.strerror})") from None
    return read_bytes(data, p.name, read_sidecar(p), path=p)


def list_documents(paths) -> list[Path | InputError]:
    """Expand files and folders into document files, sorted; a missing path becomes an error."""
    out: list[Path | InputError] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUFFIXES
                           and not f.name.startswith("."))
            if not files:
                out.append(InputError(raw, "folder holds no document (.txt, .html, .docx, .xlsx, .csv, .ofd, .pdf)"))
            out.extend(files)
        elif p.exists():
            out.append(p)
        else:
            out.append(InputError(raw, "no such file or folder"))
    return out
