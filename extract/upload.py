"""Extract an uploaded file safely: in a child process with a time and memory limit, never by its name.

An upload comes from a browser: its bytes may be hostile (a PDF that never ends, a zip bomb) and
its file name is only a label. `extract_upload` keeps the suffix of the name (to pick the reader)
and nothing else, extracts in a separate process whose address space and CPU time are limited,
and returns the extraction or a one-line `InputError`.

>>> x = extract_upload("一、任务\\n1.做好甲事。（牵头单位：市版权局）\\n".encode(), "../../etc/p.txt",
...                    {"jurisdiction": "广州市"})
>>> x.document.source, [(a.canonical, a.role.value) for a in x.units[0].assignments]
('p.txt', [('广州市版权局', 'lead')])
"""

from __future__ import annotations

import multiprocessing
import re
import threading
from pathlib import PurePosixPath, PureWindowsPath

from .reader import SUFFIXES, InputError

TIME_LIMIT = 60.0  # seconds of wall time for one upload
MEMORY_LIMIT = 2 << 30  # bytes of address space for the child
MAX_BYTES = 50 << 20  # an upload larger than this is refused before reading


def safe_name(name: str) -> str:
    """Return a display name for an uploaded file: its last path part, with no path or control characters.

    >>> safe_name("../../etc/passwd.txt"), safe_name("C:\\\\x\\\\规划.PDF"), safe_name("\\x1b[31m.txt")
    ('passwd.txt', '规划.pdf', '31m.txt')
    """
    base = PureWindowsPath(PurePosixPath(str(name)).name).name
    base = re.sub(r"[\x00-\x1f\x7f\[\]<>:\"|?*]", "", base).strip(" .") or "upload"
    stem, dot, suffix = base.rpartition(".")
    return f"{stem}.{suffix.lower()}" if dot and stem else base


def _child(conn, data: bytes, name: str, metadata: dict | None, memory: int) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):
        pass
    from .pipeline import extract_bytes

    try:
        conn.send(("ok", extract_bytes(data, name, metadata)))
    except InputError as e:
        conn.send(("error", str(e)))
    except MemoryError:
        conn.send(("error", f"{name}: needs more than {memory >> 20} MiB to read"))
    except Exception as e:  # noqa: BLE001 - one bad upload is one line, never a traceback
        conn.send(("error", f"{name}: cannot be read ({type(e).__name__}: {e})"))
    finally:
        conn.close()


def extract_upload(data: bytes, filename: str, metadata: dict | None = None, *, timeout: float = TIME_LIMIT,
                   memory: int = MEMORY_LIMIT):
    """Extract an uploaded file in a child process; return the Extraction or raise a one-line InputError."""
    name = safe_name(filename)
    if not name.lower().endswith(SUFFIXES):
        raise InputError(name, f"not a document policykg reads (one of {', '.join(SUFFIXES)})")
    if len(data) > MAX_BYTES:
        raise InputError(name, f"is larger than {MAX_BYTES >> 20} MiB")
    # No fork inside a threaded server (Streamlit): a forked child may inherit a held lock.
    fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, data, name, metadata, memory), daemon=True)
    proc.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise InputError(name, f"took longer than {timeout:g} s to read: stopped")
        try:
            status, value = parent.recv()
        except EOFError:
            raise InputError(name, "could not be read: the reader stopped (out of memory?)") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        parent.close()
    if status == "error":
        raise InputError(name, value.split(": ", 1)[1] if value.startswith(name + ": ") else value)
    return value

