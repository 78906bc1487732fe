"""`policykg app` lives and dies as one process: a signal to its pid frees the port within 5 s."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from servers import free_port

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def healthy(port: int) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_policykg_app_frees_the_port_within_5_s(tmp_path, signum):
    port = free_port()
    exe = shutil.which("policykg")
    cmd = [exe] if exe else [sys.executable, "-m", "graph.cli"]
    cmd += ["app", "--port", str(port), "--data", str(tmp_path / "data"), "--corpus", str(HOSTILE)]
    env = dict(os.environ, STREAMLIT_SERVER_HEADLESS="true", STREAMLIT_SERVER_FILE_WATCHER_TYPE="none")
    log = open(tmp_path / "app.log", "wb")
    # Its own session, so that the clean-up below can end whatever is left; the test itself
    # signals only the pid it started, as a supervisor would.
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not healthy(port):
            assert proc.poll() is None, (tmp_path / "app.log").read_text(errors="replace")[-800:]
            assert time.monotonic() < deadline, "policykg app never answered"
            time.sleep(0.1)
        os.kill(proc.pid, signum)
        t = time.monotonic()
        while listening(port) and time.monotonic() - t < 5:
            time.sleep(0.05)
        assert not listening(port), "something still listens on the port 5 s after the signal"
        proc.wait(timeout=max(0.1, 5 - (time.monotonic() - t)))
        # nothing of the group is left behind either
        time.sleep(0.2)
        with pytest.raises(ProcessLookupError):
            os.killpg(proc.pid, 0)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=5)
        log.close()
