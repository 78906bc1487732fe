"""Read a plan file (text, HTML or .docx) into a string, with its metadata sidecar."""

from __future__ import annotations

import html
import re
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from ontology.errors import PolicyKGError

SUFFIXES = (".txt", ".text", ".html", ".htm", ".docx", ".md", ".pdf")


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


_BLOCK_TAGS = re.compile(r"(?is)<\s*(?:br\s*/?|/p|/div|/tr|/li|/h[1-6]|/table)\s*>")
_TAG = re.compile(r"(?s)<[^>]*>")
_DROP = re.compile(r"(?is)<(script|style)\b.*?</\1\s*>")


def html_to_text(markup: str) -> str:
    """Return the text of an HTML page, one line per paragraph, entities decoded."""
    markup = _DROP.sub("", markup)
    markup = _BLOCK_TAGS.sub("\n", markup)
    markup = re.sub(r"(?i)</t[dh]\s*>", " ", markup)
    return html.unescape(_TAG.sub("", markup))


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def docx_to_text(data: bytes, path) -> str:
    """Return the paragraphs of a .docx file (body and tables), one per line."""
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            root = ElementTree.fromstring(z.read("word/document.xml"))
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as e:
        raise InputError(path, f"not a readable .docx file ({e})") from None
    lines = []
    for p in root.iter(_W + "p"):
        lines.append("".join(t.text or "" for t in p.iter(_W + "t")))
    return "\n".join(lines)


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
    if suffix == ".pdf":
        from .pdf import read_pdf
        (text, pages), encoding = read_pdf(data, path), "pdf"
    elif suffix == ".docx":
        text, encoding = docx_to_text(data, path), "docx"
        if not text.strip():
            raise InputError(path, "file is empty")
    else:
        text, encoding = decode(data, path)
        if suffix in (".html", ".htm") or re.match(r"\s*<(!doctype|html|p|div|body)\b", text, re.I):
            text = html_to_text(text)
            if not text.strip():
                raise InputError(path, "file is empty (no text in the HTML)")
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
                out.append(InputError(raw, "folder holds no document (.txt, .html, .docx)"))
            out.extend(files)
        elif p.exists():
            out.append(p)
        else:
            out.append(InputError(raw, "no such file or folder"))
    return out
