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

__all__ = ["free_port", "oxigraph_binary", "start_oxigraph", "start_process", "stop"]

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
