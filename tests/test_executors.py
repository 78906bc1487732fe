"""`policykg build --executor`: a Dask cluster builds the very store the plain build does.

A LocalCluster of worker processes (`--executor dask`) and a scheduler and workers started as
processes of their own (`dask scheduler`, `dask worker`, used through `--executor dask://…`) each
build a synthetic corpus with one rejected document and one corrected one; the N-Quads export,
the manifest, the rejection and the orphaned correction are those of the plain build. A wrong executor is one line and exit 2.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from extract import corrections
from extract.pipeline import extract_file
from graph import executors
from graph.build import WARM_NETWORK_DOCS
from graph.errors import ExecutorError
from graph.store import GraphStore

ROOT = Path(__file__).resolve().parent.parent
# Just past the size up to which a build also projects the network view (seconds, and not what is compared).
DOCUMENTS = WARM_NETWORK_DOCS + 1
BAD_SIDECAR = 'period_start = "2021年"\n'


def env() -> dict[str, str]:
    """The environment of a policykg process: this tree first on the path, no data folder set."""
    out = {k: v for k, v in os.environ.items() if k != "POLICYKG_DATA"}
    out["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return out


def policykg(*args, extra_env=None, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "graph.cli", *map(str, args)], cwd=ROOT,
                          env={**env(), **(extra_env or {})}, capture_output=True, text=True, timeout=timeout)


def messages(stderr: str) -> list[str]:
    """The lines of stderr that are not progress."""
    return [line for line in stderr.splitlines() if not line.startswith("policykg: [")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def exported(data: Path) -> tuple[bytes, dict]:
    """The store's N-Quads export (as `policykg export` writes it) and its manifest's digests."""
    out = data.parent / f"{data.name}.nq"
    r = policykg("export", "--format", "nquads", "--data", data, "-o", out)
    assert r.returncode == 0, r.stderr
    reader = GraphStore(data / "store").open_readonly()
    try:
        manifest = {e.doc_id: (e.kind, e.sha256, e.digest) for e in reader.manifest().values()}
    finally:
        getattr(reader, "close", lambda: None)()
    return out.read_bytes(), manifest


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Synthetic plans and one document whose sidecar is wrong (rejected with one line)."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from gen_corpus import generate
    finally:
        sys.path.remove(str(ROOT / "bench"))
    folder = tmp_path_factory.mktemp("executors") / "corpus"
    paths = generate(folder, DOCUMENTS)
    (folder / "zz-bad.txt").write_text("一、任务\n1.做好甲事。（牵头单位：市版权局）\n", encoding="utf-8")
    (folder / "zz-bad.toml").write_text(BAD_SIDECAR, encoding="utf-8")
    # Corrections beside one plan: one applies (a guiding agency added), one is orphaned (no such unit).
    x = extract_file(paths[1])
    task = next(u for u in x.units if u.kind == "task")
    fix = {"action": "add", "agency": "市财政局", "role": "guide", "unit": corrections.unit_key(x, task),
           "title": task.title, "by": "测试员", "note": "合成的更正", "when": "2024-05-01T09:30:00+00:00"}
    gone = dict(fix, unit="t999", title="不存在的任务")
    corrections.corrections_path(paths[1]).write_text(
        json.dumps({"document": x.document.id, "corrections": [fix, gone]}, ensure_ascii=False), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def plain(corpus, tmp_path_factory):
    """The plain build's export, manifest and rejection lines."""
    data = tmp_path_factory.mktemp("plain") / "data"
    r = policykg("build", corpus, "--data", data)
    assert r.returncode == 3, r.stderr  # built, one document rejected
    rejected = [m for m in messages(r.stderr) if "zz-bad.toml" in m]
    assert len(rejected) == 1 and "period_start" in rejected[0], r.stderr
    orphaned = f"policykg: warning: {corpus / 'synthetic-001.corrections.json'}: correction 2 (t999 "
    assert [m for m in messages(r.stderr) if m.startswith(orphaned)], r.stderr
    return (*exported(data), messages(r.stderr))


def test_local_dask_cluster_builds_the_same_store(corpus, plain, tmp_path):
    data = tmp_path / "data"
    r = policykg("build", corpus, "--data", data, "--executor", "dask")
    assert r.returncode == 3, r.stderr
    workers = executors.local_workers()
    assert f"extract on the Dask cluster at tcp://127.0.0.1:" in r.stderr
    assert f": {workers} workers, {workers} threads" in r.stderr, r.stderr
    nquads, manifest = exported(data)
    assert manifest == plain[1]
    assert len(manifest) == DOCUMENTS + 2  # the documents, the gazetteer and the ontology
    assert nquads == plain[0]
    assert messages(r.stderr) == plain[2]  # the rejection names the file in the corpus, not a worker's copy


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        try:
            if d.name.isdigit() and int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d.name))
        except (OSError, IndexError, ValueError):
            pass
    return out


def _alive(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) != "Z"
    except OSError:
        return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the worker processes through /proc")
def test_scheduler_and_workers_as_processes(corpus, plain, tmp_path):
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = {name: open(tmp_path / f"{name}.log", "w+b") for name in ("scheduler", "worker")}
    dask = [sys.executable, "-m", "dask"]
    scheduler = subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                 cwd=tmp_path, env=env(), stdout=logs["scheduler"], stderr=subprocess.STDOUT)
    worker = None
    spawned: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while not listening(port) and time.monotonic() < deadline and scheduler.poll() is None:
            time.sleep(0.1)
        assert listening(port), "the scheduler does not listen"
        worker = subprocess.Popen([*dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--host",
                                   "127.0.0.1", "--no-dashboard", "--local-directory", str(tmp_path / "scratch")],
                                  cwd=tmp_path, env=env(), stdout=logs["worker"], stderr=subprocess.STDOUT)
        data = tmp_path / "data"
        r = policykg("build", corpus, "--data", data, "--executor", f"dask://127.0.0.1:{port}")
        assert r.returncode == 3, r.stderr
        assert f"extract on the Dask cluster at {address}: " in r.stderr
        spawned = _children(worker.pid)
        assert len(spawned) >= 2, "dask worker started no worker processes"
        nquads, manifest = exported(data)
        assert manifest == plain[1]
        assert nquads == plain[0]
        assert messages(r.stderr) == plain[2]
    finally:
        for proc in (worker, scheduler):
            if proc is not None:
                _stop(proc)
        for log in logs.values():
            log.close()
    assert not listening(port), f"port {port} still open after the scheduler stopped"
    deadline = time.monotonic() + 10
    while (left := [p for p in spawned if _alive(p)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == [], "worker processes outlived dask worker"


def test_wrong_executor_is_one_line(corpus, tmp_path):
    data = tmp_path / "data"
    r = policykg("build", corpus, "--data", data, "--executor", "ray")
    assert (r.returncode, r.stderr) == (2, "policykg: unknown executor 'ray': use local, dask, dask://HOST:PORT "
                                           "or tcp://HOST:PORT\n")
    port = free_port()  # nothing listens there
    r = policykg("build", corpus, "--data", data, "--executor", f"tcp://127.0.0.1:{port}")
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
    assert r.stderr.startswith(f"policykg: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: "), r.stderr
    r = policykg("build", corpus, "--data", data, "--executor", "dask://127.0.0.1:99999")
    assert r.returncode == 2 and r.stderr.startswith("policykg: unknown executor 'dask://127.0.0.1:99999'"), r.stderr
    assert not (data / "store").exists()  # nothing was built


def test_dask_missing_says_what_to_install(corpus, tmp_path):
    # A `distributed` package that cannot be imported stands in for one that is not installed.
    fake = tmp_path / "site"
    (fake / "distributed").mkdir(parents=True)
    (fake / "distributed" / "__init__.py").write_text("raise ImportError('No module named distributed')\n")
    r = policykg("build", corpus, "--data", tmp_path / "data", "--executor", "dask",
                 extra_env={"PYTHONPATH": os.pathsep.join([str(ROOT), str(fake)])})
    assert (r.returncode, r.stderr) == (2, "policykg: the dask executor needs Dask distributed, which is not "
                                           "installed: pip install 'policykg[dask]'\n")


def test_work_in_flight_is_bounded_and_outcomes_come_in_order():
    submitted, taken, peak = [], [], [0]

    def submit(i, path):
        submitted.append(path)
        peak[0] = max(peak[0], len(submitted) - len(taken))
        return f"future-{path}"

    def result(path, future):
        taken.append(path)
        assert future == f"future-{path}"
        return "ok", path.upper()

    paths = [f"p{i:03d}" for i in range(100)]
    said = []
    out = list(executors.in_order(paths, submit, 8, result, lambda i, n, m: said.append((i, m)), 101))
    assert out == [(p, ("ok", p.upper())) for p in paths]
    assert peak[0] == 8 and submitted == paths
    assert said == [(i, f"extract {p}") for i, p in enumerate(paths)]


def test_parse_names_the_value():
    assert executors.parse("tcp://[::1]:8786") == "tcp://[::1]:8786"
    for bad in ("dask://host", "tcp://host:0", "http://host:8786", "local ", "DASK"):
        with pytest.raises(ExecutorError, match="unknown executor"):
            executors.parse(bad)
