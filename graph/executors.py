"""Where a build's extraction runs: worker processes of this machine, or a Dask distributed cluster.

`extract_all(paths, extract, say, total, executor)` maps `extract` (the build's function of
one path, a module-level function so that it pickles by name) over the paths and yields
``(path, outcome)`` in path order, with at most `WINDOW` × workers documents submitted and not
yet handed back, so memory stays bounded however many plans there are. The executor is named
by a string (`parse`):

- ``local`` (the default): a pool of this machine's processes (fork where safe), from 8
  documents on; fewer are extracted in the build's own process. The workers die with the build
  however it dies (PDEATHSIG, a watchdog, a check between documents).
- ``dask``: a Dask distributed LocalCluster of worker processes on 127.0.0.1, started for the
  build and closed after it.
- ``dask://HOST:PORT`` or ``tcp://HOST:PORT``: an existing Dask scheduler and its workers, which
  must have the same policykg installed (checked: each task compares the mapping fingerprint).

On Dask each task carries its file's bytes (and its sidecar's and corrections'), so workers
need no shared folder; a worker process keeps its jieba dictionary from one task to the next.

>>> parse(None), parse("local"), parse("dask"), parse("dask://10.0.0.5:8786"), parse("tcp://h:1")
('local', 'local', 'dask', 'tcp://10.0.0.5:8786', 'tcp://h:1')
>>> parse("ray")
Traceback (most recent call last):
    ...
graph.errors.ExecutorError: unknown executor 'ray': use local, dask, dask://HOST:PORT or tcp://HOST:PORT
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing import context as mp_context
from multiprocessing import spawn
from pathlib import Path

from .errors import ExecutorError

__all__ = ["WINDOW", "companions", "extract_all", "in_order", "local_workers", "parse", "prepare"]

WINDOW = 4  # documents in flight per worker: enough to keep each busy, few enough to bound memory
LOCAL_MIN_DOCS = 8  # fewer documents than this are extracted in the build's own process
CONNECT_TIMEOUT = 30.0  # seconds to wait for a Dask scheduler that accepted the connection, and its workers
INSTALL = "pip install 'policykg[dask]'"

Outcome = tuple[str, object]  # ("ok", (doc_id, nquads or their file, sha256, orphaned corrections, rows)) or ("error", one line)
Extract = Callable[[str], Outcome]
_ADDRESS = re.compile(r"(?:dask|tcp)://(\[[0-9a-fA-F:]+\]|[^\s/:\[\]]+):(\d{1,5})")


def parse(spec) -> object:
    """Return the executor a value names: ``"local"``, ``"dask"``, a ``tcp://`` address or a Dask Client.

    A Dask ``distributed.Client`` given from Python is used as it is (and not closed).
    """
    if spec is None or spec == "" or spec == "local":
        return "local"
    if not isinstance(spec, str):
        if callable(getattr(spec, "submit", None)) and callable(getattr(spec, "scheduler_info", None)):
            return spec  # a distributed.Client
        raise ExecutorError(f"unknown executor {spec!r}: use local, dask, dask://HOST:PORT or tcp://HOST:PORT")
    if spec == "dask":
        return "dask"
    m = _ADDRESS.fullmatch(spec.strip())
    if m and 0 < int(m.group(2)) < 65536:
        return f"tcp://{m.group(1)}:{int(m.group(2))}"
    raise ExecutorError(f"unknown executor {spec!r}: use local, dask, dask://HOST:PORT or tcp://HOST:PORT")


def prepare(spec) -> object:
    """Return the parsed executor once it is known to be usable: Dask installed, a scheduler's port open.

    Called before a build reads anything, so that a wrong value fails at once, in one line.
    """
    kind = parse(spec)
    if kind != "local":
        _import_distributed()
    if isinstance(kind, str) and kind.startswith("tcp://"):
        _check_reachable(kind)
    return kind


def local_workers() -> int:
    """Return how many worker processes a build starts on this machine: its cores, at most 4."""
    return min(os.cpu_count() or 1, 4)


def extract_all(paths: list[str], extract: Extract, say: Callable[[int, int, str], None], total: int,
                executor=None, fingerprint: Callable[[], str] | None = None) -> Iterator[tuple[str, Outcome]]:
    """Yield ``(path, extract(path))`` for each path in order, run where `executor` says.

    `fingerprint` returns a digest of the code that maps a file to triples: a Dask worker whose
    digest differs from this process's stops the build (another version of policykg there).
    """
    kind = parse(executor)
    if not paths:
        return
    if kind == "local":
        yield from _local(paths, extract, say, total)
    else:
        yield from _dask(paths, extract, say, total, kind, fingerprint)


def in_order(paths: Iterable[str], submit: Callable[[int, str], object], window: int,
              result: Callable[[str, object], Outcome], say, total: int) -> Iterator[tuple[str, Outcome]]:
    """Submit the paths `window` at a time and yield their outcomes in path order.

    Submitted but not yet handed back never exceeds `window`: the next document is submitted
    only once the oldest one's outcome has been taken, so a slow document holds back at most a
    window of finished ones.
    """
    todo = iter(enumerate(paths))
    pending: deque[tuple[int, str, object]] = deque()

    def top_up() -> None:
        while len(pending) < window:
            nxt = next(todo, None)
            if nxt is None:
                return
            pending.append((nxt[0], nxt[1], submit(*nxt)))

    top_up()
    while pending:
        i, path, future = pending.popleft()
        outcome = result(path, future)
        del future  # a Dask future held here would keep its result on the worker
        top_up()
        say(i, total, f"extract {path}")
        yield path, outcome


# --------------------------------------------------------------------------- local processes


_PARENT: int | None = None  # in a worker process: the pid of the build that started it
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _worker_init(parent: int) -> None:
    """Make a worker die with its build, however the build dies (SIGKILL included)."""
    import signal

    global _PARENT
    _PARENT = parent
    # Ctrl-C reaches the whole process group: the build handles it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a forked worker inherits the build's handler
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl: the watchdog below and the check between documents remain
    if os.getppid() != parent:  # the build died before prctl took effect
        os._exit(1)
    # Without prctl, and while a worker is stuck in one long document or in writing its result
    # to a pipe nobody reads any more: a watchdog looks for the build twice a second.
    threading.Thread(target=_watch_parent, args=(parent,), name="policykg-watchdog", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _local_task(extract: Extract, path: str) -> Outcome:
    """Extract one document in a local worker process, unless its build is gone."""
    # PDEATHSIG follows the thread that forked the worker, not the process, and is Linux's
    # alone: between documents, check that the build itself is still there.
    if _PARENT is not None and os.getppid() != _PARENT:
        os._exit(1)
    return extract(path)


def _stop_pool(pool) -> None:
    """Cancel what is queued, end the workers now and reap them."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # before shutdown clears it
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    for proc in processes:
        proc.join(2)
        if proc.is_alive():
            proc.kill()
            proc.join(1)


_SPAWNING = threading.local()  # set while this module starts a spawned worker (`_BareProcess`)


def _prepare_without_main(name, _prepare=spawn.get_preparation_data):
    data = _prepare(name)
    if getattr(_SPAWNING, "bare", False):
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
    return data


class _BareProcess(mp_context.SpawnProcess):
    """A spawned worker that does not run the caller's main script before its work.

    A spawned worker first runs the script of the process that starts it, as ``__mp_main__``.
    That script may be anything: under Streamlit it is the app itself (Streamlit makes the page
    script ``__main__`` while it runs), which would draw a page and build the corpus again in
    every worker. The workers here run functions of importable modules only, so they need none
    of it: what multiprocessing prepares for them (`spawn.get_preparation_data`, wrapped the
    first time one starts) is left without the main script.
    """

    @staticmethod
    def _Popen(process_obj):
        if spawn.get_preparation_data is not _prepare_without_main:
            spawn.get_preparation_data = _prepare_without_main
        _SPAWNING.bare = True
        try:
            return mp_context.SpawnProcess._Popen(process_obj)
        finally:
            _SPAWNING.bare = False


class _BareSpawn(mp_context.SpawnContext):
    Process = _BareProcess


def _local(paths: list[str], extract: Extract, say, total: int) -> Iterator[tuple[str, Outcome]]:
    """Extract in this process for a few documents, else in a pool of worker processes."""
    workers = local_workers()
    if len(paths) < LOCAL_MIN_DOCS or workers < 2:
        for i, p in enumerate(paths):
            say(i, total, f"extract {p}")
            yield p, extract(p)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork: workers inherit the loaded modules (no re-import of the caller's script, which
    # may lack a __main__ guard); the store is closed by now, so no database handle is shared.
    # fork is unsafe in a threaded process (the app's server): spawn there.
    fork = "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
    ctx = multiprocessing.get_context("fork") if fork else _BareSpawn()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init,
                               initargs=(os.getpid(),))
    try:
        yield from in_order(paths, lambda i, p: pool.submit(_local_task, extract, p), WINDOW * workers,
                             lambda p, f: f.result(), say, total)
    except BaseException:
        # Interrupted (a signal, an error, the consumer gone): the queued work must not run on.
        _stop_pool(pool)
        raise
    else:
        pool.shutdown(wait=True)


# --------------------------------------------------------------------------- Dask distributed


def companions(path) -> list[Path]:
    """Return the files beside a document that its extraction reads: its sidecar and its corrections.

    The same files `graph.build.source_digest` hashes: a task carries them with the document.
    """
    from extract.corrections import corrections_path

    p = Path(path)
    return [p.with_suffix(".toml"), corrections_path(p)]


def _extract_shipped(extract: Extract, name: str, data: bytes, beside: dict[str, bytes], origin: str,
                     fingerprint: Callable[[], str] | None, expected: str | None) -> Outcome:
    """Extract one document sent as bytes, on a Dask worker, as if read from `origin`.

    The file and the files beside it (`companions`) are written under their own names in a
    temporary folder, so the document reads exactly as it would in place; messages and
    orphaned corrections name the files at `origin`, not that folder.
    """
    import tempfile

    if fingerprint is not None and (mine := fingerprint()) != expected:
        return "mismatch", mine
    with tempfile.TemporaryDirectory(prefix="policykg-task-") as tmp:
        file = Path(tmp) / name
        file.write_bytes(data)
        for other, content in beside.items():
            (Path(tmp) / other).write_bytes(content)
        status, value = extract(str(file))
    here = Path(origin)
    names = [(str(a), str(b)) for a, b in zip(companions(file), companions(here))] + [(str(file), origin),
                                                                                        (tmp, str(here.parent))]

    def mend(line: str) -> str:
        for there, ours in names:
            line = line.replace(there, ours)
        return line

    if status == "error":
        return status, mend(str(value))
    doc_id, nquads, digest, orphaned, *rest = value  # rest: what the worker works out beside (rows)
    return status, (doc_id, nquads, digest, tuple(mend(line) for line in orphaned), *rest)


def _ship(path: str) -> tuple[str, bytes, dict[str, bytes]]:
    """Return a document's name, bytes and the files beside it that exist (name: bytes), read here."""
    p = Path(path)
    return p.name, p.read_bytes(), {c.name: c.read_bytes() for c in companions(p) if c.is_file()}


def _import_distributed():
    try:
        import distributed
    except ImportError:
        raise ExecutorError(f"the dask executor needs Dask distributed, which is not installed: {INSTALL}") from None
    return distributed


def _check_reachable(address: str) -> None:
    """Fail at once, in one line, when nothing accepts connections at a scheduler's address."""
    import socket

    host, _, port = address.removeprefix("tcp://").rpartition(":")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as exc:
        why = exc.strerror or str(exc) or type(exc).__name__
        raise ExecutorError(f"cannot reach the Dask scheduler at {address}: {why}") from None


def _connect(kind, distributed):
    """Return ``(client, cluster or None, owned)`` for a parsed executor."""
    import logging

    if kind == "dask":
        try:
            cluster = distributed.LocalCluster(n_workers=local_workers(), threads_per_worker=1, processes=True,
                                               host="127.0.0.1", scheduler_port=0, dashboard_address=None,
                                               silence_logs=logging.ERROR)
        except OSError as exc:
            raise ExecutorError(f"cannot start a Dask cluster on 127.0.0.1: {exc}") from None
        try:
            return distributed.Client(cluster, set_as_default=False), cluster, True
        except BaseException:
            cluster.close()
            raise
    if not isinstance(kind, str):
        return kind, None, False  # the caller's Client
    _check_reachable(kind)
    try:
        client = distributed.Client(kind, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ExecutorError(f"cannot connect to the Dask scheduler at {kind}: {' '.join(str(exc).split())}") from None
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError):
        client.close()
        raise ExecutorError(f"the Dask scheduler at {kind} has no worker "
                            f"(start one: dask worker {kind} --nthreads 1)") from None
    return client, None, True


def _dask(paths: list[str], extract: Extract, say, total: int, kind, fingerprint) -> Iterator[tuple[str, Outcome]]:
    distributed = _import_distributed()
    expected = fingerprint() if fingerprint is not None else None
    client, cluster, owned = _connect(kind, distributed)
    where = getattr(client, "scheduler", None) and client.scheduler.address
    futures: set = set()

    def submit(i: int, path: str):
        try:
            name, data, beside = _ship(path)
        except OSError as exc:  # gone or unreadable since it was listed: rejected, as the plain build does
            why = "no such file or folder" if isinstance(exc, FileNotFoundError) else f"cannot read ({exc.strerror})"
            return "error", f"{path}: {why}"
        f = client.submit(_extract_shipped, extract, name, data, beside, path, fingerprint, expected, pure=False,
                          key=f"policykg-extract-{i}-{os.getpid()}-{time.time_ns()}")
        futures.add(f)
        return f

    def result(path: str, future) -> Outcome:
        if isinstance(future, tuple):
            return future  # not sent: the file could not be read here
        futures.discard(future)
        try:
            status, value = future.result()
        except distributed.KilledWorker:
            return "error", f"{path}: the Dask workers extracting it died (out of memory?)"
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(f"lost the Dask scheduler at {where}: {' '.join(str(exc).split())}") from None
        finally:
            future.release()
        if status == "mismatch":
            raise ExecutorError(f"a Dask worker of {where} runs another policykg (mapping {value}, this build "
                                f"{expected}): install the same version on every worker")
        return status, value

    try:
        threads = client.nthreads()
        workers = sum(threads.values()) or 1
        say(0, total, f"extract on the Dask cluster at {where}: {len(threads)} workers, {workers} threads")
        yield from in_order(paths, submit, WINDOW * workers, result, say, total)
    finally:
        # Done, failed or interrupted: nothing of this build stays queued on the cluster.
        if futures:
            client.cancel(list(futures), force=True)
        futures.clear()
        if owned:
            client.close()
        if cluster is not None:
            cluster.close()
