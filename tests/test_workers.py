"""A build's worker processes end with it: SIGKILL leaves no orphan, SIGTERM and SIGINT stop the pool first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MINI = "一、任务\n（一）节\n1.做好甲事。（牵头单位：市市场监管局，配合单位：市版权局）\n"
DOCUMENTS = 100

pytestmark = [
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the workers through /proc"),
    # graph.query._extract_all uses workers only with two cores or more (and 8 documents or more).
    pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="a build uses worker processes only with 2+ cores"),
]


def _stat(pid: int) -> list[str] | None:
    """Return the fields of /proc/PID/stat after the command name (state first), or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def children(pid: int) -> dict[int, str]:
    """Return the child processes of `pid`, each with its start time (to tell a reused pid)."""
    out = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and (st := _stat(int(d.name))) and int(st[1]) == pid:
            out[int(d.name)] = st[19]
    return out


def alive(pid: int, started: str) -> bool:
    """Tell whether the process is still running (a zombie waiting for its reaper is dead)."""
    st = _stat(pid)
    return st is not None and st[19] == started and st[0] != "Z"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Write a synthetic corpus large enough for the build to extract it in worker processes."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from gen_corpus import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    folder = tmp_path_factory.mktemp("workers") / "corpus"
    generate(folder, DOCUMENTS)
    return folder


def start_build(corpus: Path, data: Path) -> tuple[subprocess.Popen, dict[int, str]]:
    """Start `policykg build` and return it once its worker processes run."""
    env = {k: v for k, v in os.environ.items() if k != "POLICYKG_DATA"}
    # Files, not pipes: an orphaned worker would hold a pipe open and hang the test.
    log = open(data.parent / f"{data.name}.stderr", "w+b")
    proc = subprocess.Popen([sys.executable, "-m", "graph.cli", "build", str(corpus), "--data", str(data)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    proc.log = log
    deadline = time.monotonic() + 60
    workers: dict[int, str] = {}
    while time.monotonic() < deadline and proc.poll() is None:
        workers = children(proc.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.02)
    assert len(workers) >= 2, f"the build started no worker processes (exit {proc.poll()})"
    time.sleep(0.5)  # let them take their first documents
    workers.update(children(proc.pid))
    return proc, workers


def wait_dead(workers: dict[int, str], seconds: float) -> list[int]:
    """Wait up to `seconds` for the workers to end; return those still alive."""
    deadline = time.monotonic() + seconds
    while (left := [p for p, s in workers.items() if alive(p, s)]) and time.monotonic() < deadline:
        time.sleep(0.01)
    return left


def reap(proc: subprocess.Popen, workers: dict[int, str]) -> None:
    """Kill whatever a failed test left running."""
    for pid, started in workers.items():
        if alive(pid, started):
            os.kill(pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    proc.log.close()


def test_sigkilled_build_leaves_no_worker(corpus, tmp_path):
    proc, workers = start_build(corpus, tmp_path / "data")
    try:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        time.sleep(2)
        assert [p for p, s in workers.items() if alive(p, s)] == [], "workers outlived the killed build"
    finally:
        reap(proc, workers)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stopped_build_stops_its_pool_and_the_previous_version_answers(corpus, tmp_path, signum):
    small, data = tmp_path / "small", tmp_path / "data"
    small.mkdir()
    (small / "mini.txt").write_text(MINI, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "POLICYKG_DATA"}
    first = subprocess.run([sys.executable, "-m", "graph.cli", "build", small, "--data", data], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr

    proc, workers = start_build(corpus, data)
    try:
        os.kill(proc.pid, signum)
        assert proc.wait(20) == 128 + signum
        assert wait_dead(workers, 2) == [], "workers outlived the stopped build"
        proc.log.seek(0)
        stderr = proc.log.read().decode("utf-8")
        lines = [line for line in stderr.splitlines() if not line.startswith("policykg: [")]
        name = signal.Signals(signum).name
        assert lines == [f"policykg: build stopped by {name}; the last complete build still answers"], stderr
    finally:
        reap(proc, workers)

    documents = subprocess.run([sys.executable, "-m", "graph.cli", "documents", "--format", "csv", "--data", data],
                               cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert documents.returncode == 0 and documents.stdout.splitlines()[1].startswith("mini,"), documents.stdout


def test_workers_do_not_run_the_page_script_that_started_the_build(corpus, tmp_path, monkeypatch):
    """Streamlit makes the page script ``__main__`` while it runs: a build started from the app
    (an upload of many documents) must not have each worker run the page again."""
    import types

    from graph.build import build

    marker = tmp_path / "page-ran"
    page = tmp_path / "page.py"
    page.write_text(f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit(3)\n", encoding="utf-8")
    main = types.ModuleType("__main__")
    main.__file__ = str(page)
    monkeypatch.setitem(sys.modules, "__main__", main)
    small = tmp_path / "corpus"
    small.mkdir()
    for p in sorted(corpus.glob("synthetic-00[0-9].*")):
        (small / p.name).write_bytes(p.read_bytes())
    report = build([small], tmp_path / "data")
    assert len(report.added) == 10 and not report.rejected
    assert not marker.exists()
