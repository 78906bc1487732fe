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


def read_metadata(path: Path) -> dict:
    """Read the TOML sidecar NAME.toml beside a document, if any."""
    side = path.with_suffix(".toml")
    if not side.exists():
        return {}
    try:
        with open(side, "rb") as f:
            return tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(side, f"bad metadata sidecar: {e}") from None


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
    return read_bytes(data, p.name, read_metadata(p), path=p)


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
