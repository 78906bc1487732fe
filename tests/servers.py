"""Start and stop real servers for tests: a SPARQL endpoint, later `streamlit run`.

>>> port = free_port()
>>> 1024 < port < 65536
True
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = [
    "free_port",
    "oxigraph_binary",
    "start_oxigraph",
    "start_process",
    "start_virtuoso",
    "stop",
    "virtuoso_binary",
    "virtuoso_sql",
]

# What start_process() made, by pid: stop() reaps the process and removes its log.
_STARTED: dict[int, tuple[subprocess.Popen, Path]] = {}


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on `host` that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _log_tail(path: Path, limit: int = 600) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return " ".join(text[-limit:].split())


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:
            return response.status < 400
    except (urllib.error.URLError, OSError):
        return False


def start_process(
    cmd: Sequence[str],
    port: int,
    health_url: str,
    timeout: float = 15.0,
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> int:
    """Start `cmd` in its own process group and wait until `health_url` answers; return its pid.

    Output goes to a log file whose tail is shown if the process dies or never answers.
    Stop it with `stop(pid)`.
    """
    log = Path(tempfile.mkstemp(prefix="server-", suffix=".log")[1])
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=None if env is None else dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stop() also ends its children
        )
    _STARTED[proc.pid] = (proc, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _STARTED.pop(proc.pid, None)
            tail = _log_tail(log)
            log.unlink(missing_ok=True)
            raise RuntimeError(f"{cmd[0]} exited with {proc.returncode} before answering on port {port}: {tail}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                pass
        except OSError:
            time.sleep(0.02)
            continue
        if _answers(health_url):
            return proc.pid
        time.sleep(0.02)
    tail = _log_tail(log)
    stop(proc.pid)
    raise RuntimeError(f"{cmd[0]} did not answer {health_url} within {timeout} s: {tail}")


def stop(pid: int, timeout: float = 5.0) -> None:
    """End the process group that `start_process` started as `pid`: TERM, wait, then KILL."""
    proc, log = _STARTED.pop(pid, (None, None))
    if log is not None:
        log.unlink(missing_ok=True)
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    if proc is not None:
        try:
            proc.wait(timeout)
            return
        except subprocess.TimeoutExpired:
            pass
    else:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    if proc is not None:
        proc.wait(timeout)


def oxigraph_binary() -> str:
    """Return the path of the `oxigraph` server binary, or fail with how to get it."""
    found = shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the oxigraph server binary is not on PATH: pip install oxigraph (in the test extras)")
    return found


def start_oxigraph(location: str | os.PathLike[str], timeout: float = 15.0) -> tuple[int, str]:
    """Start `oxigraph serve` on a free loopback port; return (pid, base URL)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [oxigraph_binary(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    return start_process(cmd, port, base + "/", timeout), base


# Debian's virtuoso-opensource (tests/run.sh installs it): the server and its isql client.
_VIRTUOSO_INSTALL = "apt-get install virtuoso-opensource (tests/run.sh does)"


def virtuoso_binary(name: str = "virtuoso-t") -> str:
    """Return the path of a Virtuoso program (`virtuoso-t`, `isql-vt`), or fail with how to get it."""
    found = shutil.which(name) or (f"/usr/bin/{name}" if os.access(f"/usr/bin/{name}", os.X_OK) else None)
    if not found:
        raise RuntimeError(f"{name} is not installed: {_VIRTUOSO_INSTALL}")
    return found


_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
CheckpointInterval = 0
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = {db}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {db}/www
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 60
"""


def start_virtuoso(
    folder: str | os.PathLike[str], timeout: float = 40.0, *, max_rows: int = 1_000_000
) -> tuple[int, str, int]:
    """Start Virtuoso 7 (`virtuoso-t`) with a fresh database in `folder`, on free loopback ports.

    Writes `folder`/virtuoso.ini (SQL and HTTP ports, ResultSetMaxRows = `max_rows`) and waits
    until /sparql answers. Return (pid, base URL of its HTTP port, its SQL port for isql);
    the database user is dba with password dba. Stop it with `stop(pid)`.
    """
    db = Path(folder).resolve()
    (db / "www").mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    while http_port == sql_port:
        http_port = free_port()
    ini = db / "virtuoso.ini"
    ini.write_text(_VIRTUOSO_INI.format(db=db, sql_port=sql_port, http_port=http_port, max_rows=max_rows))
    base = f"http://127.0.0.1:{http_port}"
    cmd = [virtuoso_binary(), "+foreground", "+configfile", str(ini)]
    pid = start_process(cmd, http_port, base + "/sparql?query=ASK%20%7B%7D", timeout, cwd=db)
    return pid, base, sql_port


def virtuoso_sql(sql_port: int, statement: str, *, user: str = "dba", password: str = "dba") -> str:
    """Run one SQL statement through `isql-vt` on Virtuoso's SQL port; return its output or fail with it."""
    done = subprocess.run(
        [virtuoso_binary("isql-vt"), f"127.0.0.1:{sql_port}", user, password, f"exec={statement}"],
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
    )
    out = done.stdout + done.stderr
    if done.returncode != 0 or "*** Error" in out:
        raise RuntimeError(f"isql-vt {statement!r} failed ({done.returncode}): {' '.join(out.split())[-400:]}")
    return out
