"""Benchmark how policykg scales with the corpus (issue 13): build, queries, distributed extraction.

Not a test: prints figures and ratios measured in one run (machines here are shared and noisy).
For each corpus size N (synthetic plans of `bench/gen_corpus.py`) it times `policykg build` as a
process with its peak memory, then `policykg agency 市版权局` (all its rows, and the first page of 25
as My bureau shows it), `task`, `documents` and `outline` of the first document, each as a process (the first run, then the median of 3), with
the ratio to the same command on one plan. Last, `--executor dask` builds DASK plans on a local
Dask cluster and its N-Quads export is compared with the plain build's; `--push` PUSH plans go to an
Oxigraph server (`oxigraph serve` on 127.0.0.1) through `--endpoint`, and `agency` answers from it.
Goals: 1,000 plans build in <= 60 s with peak memory <= 1 GiB; each query <= 0.5 s and <= 2x its
time on one plan; at 10,000 plans <= 1 s; the app's first view (Chromium) <= 3 s and a bureau switch
(AppTest, server time) <= 300 ms; the Dask build byte-identical to the plain one.

    python bench/bench_scale.py [N ...] [--big 10000] [--dask 200] [--push 100] [--no-app] [--keep DIR]

N defaults to 1 100 1000; `--big N` adds a large corpus, `--dask 0` skips the Dask comparison.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
AGENCY = "市版权局"
FIRST_DOC = "synthetic-000"  # document 0 is the same in every corpus (gen_corpus seeds document i with i)
RUNS = 3
# Runs a command and prints the largest resident set of any process it waited for (KiB, Linux).
MAXRSS = ("import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
          "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(rc)")


def env() -> dict[str, str]:
    # As a user's Python runs it: with bytecode cached (a machine that sets PYTHONDONTWRITEBYTECODE
    # would compile every module of policykg in every command, ~50 ms each time).
    out = {k: v for k, v in os.environ.items() if k not in ("POLICYKG_DATA", "PYTHONDONTWRITEBYTECODE")}
    out["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return out


def policykg(*args) -> list[str]:
    return [sys.executable, "-m", "graph.cli", *map(str, args)]


def _tree_rss(pid: int) -> int:
    """Return the summed resident set (bytes) of a process and all its descendants, from /proc."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(d.name)] = int(fields[1])
        rss[int(d.name)] = int(fields[21]) * page
    tree, grew = {pid}, True
    while grew:
        more = {p for p, pp in parent.items() if pp in tree} - tree
        grew = bool(more)
        tree |= more
    return sum(rss.get(p, 0) for p in tree)


def run_measured(cmd: list[str]) -> tuple[float, float, float, subprocess.CompletedProcess]:
    """Run a command; return its wall time, the largest process's peak RSS and the sampled peak of the whole tree."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", MAXRSS, *cmd], cwd=ROOT, env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    if Path("/proc/self/stat").exists():
        def sample() -> None:
            while proc.poll() is None:
                peak[0] = max(peak[0], _tree_rss(proc.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    lines = err.rstrip("\n").rsplit("\n", 1)
    largest = int(lines[-1]) * 1024 if lines[-1].isdigit() else 0
    err = lines[0] if len(lines) > 1 else ""
    return wall, largest, peak[0], subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Run a query command RUNS + 1 times: the first run's time, the median of the next RUNS, its output."""
    times, out = [], ""
    for _ in range(RUNS + 1):
        t0 = time.perf_counter()
        r = subprocess.run(cmd, cwd=ROOT, env=env(), capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(cmd[2:])} failed: {r.stderr.strip()[-500:]}")
        out = r.stdout
    return times[0], statistics.median(times[1:]), out


def outline_args(data: Path) -> list[str]:
    """`outline` names its document with --doc where it has that option, else as its argument."""
    r = subprocess.run(policykg("outline", "--help"), cwd=ROOT, env=env(), capture_output=True, text=True)
    return ["--doc", FIRST_DOC] if "--doc" in r.stdout else [FIRST_DOC]


def first_task(data: Path) -> str:
    """Return the id of the first task of the first document, as the outline gives it."""
    r = subprocess.run(policykg("outline", *outline_args(data), "--format", "json", "--data", data), cwd=ROOT,
                       env=env(), capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"outline failed: {r.stderr.strip()[-500:]}")
    return next(row["id"] for row in json.loads(r.stdout) if row["kind"] == "task")


def corpus_of(tmp: Path, n: int) -> Path:
    from gen_corpus import generate

    folder = tmp / f"corpus-{n}"
    if not folder.is_dir():
        t0 = time.perf_counter()
        generate(folder, n)
        print(f"  (generated {n} plans in {time.perf_counter() - t0:.1f} s)", flush=True)
    return folder


def build(corpus: Path, data: Path, *extra: str) -> tuple[float, float, float]:
    wall, largest, tree, r = run_measured(policykg("build", corpus, "--data", data, *extra))
    if r.returncode != 0:
        raise SystemExit(f"build of {corpus} failed ({r.returncode}): {r.stderr.strip()[-1000:]}")
    return wall, largest, tree


def export_sha(data: Path) -> str:
    out = data.parent / f"{data.name}.nq"
    r = subprocess.run(policykg("export", "--format", "nquads", "--data", data, "-o", out), cwd=ROOT, env=env(),
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"export failed: {r.stderr.strip()[-500:]}")
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    out.unlink()
    return digest


def app_figures(data: Path, corpus: Path) -> tuple[float, float]:
    """Return the app's first view on the built store (server start to the overview drawn in
    Chromium, `bench_app.ready`) and the median server time of a bureau switch (`bench_app.bureau_switch`)
    over the ten agencies with the most tasks, in a child process: AppTest runs the app in its own."""
    script = (f"import json, statistics, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); import bench_app as B\n"
              "from pathlib import Path\nfrom playwright.sync_api import sync_playwright\n"
              "data, corpus, title, names = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])\n"
              "with sync_playwright() as p:\n"
              "    browser = p.chromium.launch(executable_path=B.CHROMIUM, args=B.CHROMIUM_ARGS)\n"
              "    B.ready(browser, data, corpus, title, ('.pk-bars',))  # the server's first start: files warmed\n"
              "    _, _, done = B.ready(browser, data, corpus, title, ('.pk-bars',))\n"
              "    browser.close()\n"
              "print(json.dumps([done, statistics.median(B.bureau_switch(data, corpus, names))]))\n")
    top = json.loads(subprocess.run(policykg("agencies", "--format", "json", "--data", data), cwd=ROOT, env=env(),
                                    capture_output=True, text=True, check=True).stdout)
    docs = json.loads(subprocess.run(policykg("documents", "--format", "json", "--data", data), cwd=ROOT, env=env(),
                                     capture_output=True, text=True, check=True).stdout)
    title = next(d["title"] for d in docs if d["id"] == FIRST_DOC)
    names = [a["agency"] for a in top[:10]]
    r = subprocess.run([sys.executable, "-c", script, str(data), str(corpus), title, json.dumps(names, ensure_ascii=False)],
                       cwd=ROOT, env=env(), capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"app figures failed: {r.stderr.strip()[-800:]}")
    done, switch = json.loads(r.stdout.strip().splitlines()[-1])
    return done, switch


def mib(b: float) -> str:
    return f"{b / 2**20:.0f} MiB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[1, 100, 1000], metavar="N")
    ap.add_argument("--big", type=int, metavar="N", help="add a large corpus (10000: run once, not in CI)")
    ap.add_argument("--dask", type=int, default=200, metavar="N",
                    help="plans for the Dask comparison (default 200; 0 skips it)")
    ap.add_argument("--keep", type=Path, metavar="DIR", help="keep corpora and stores here (default: a temp folder)")
    ap.add_argument("--push", type=int, default=100, metavar="N",
                    help="plans pushed to an Oxigraph server with --endpoint (default 100; 0 skips it)")
    ap.add_argument("--no-app", dest="app", action="store_false",
                    help="skip the app's first view (in Chromium) and the bureau switch (AppTest)")
    args = ap.parse_args()
    sizes = sorted(set(args.sizes + ([args.big] if args.big else [])))
    if 1 not in sizes:
        sizes.insert(0, 1)  # every ratio is to one plan, measured in this run
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="policykg-scale-"))
    tmp.mkdir(parents=True, exist_ok=True)
    print(f"policykg scale bench: {os.cpu_count()} cores, corpora {sizes}, in {tmp}", flush=True)
    queries = ["agency", "agency page", "task", "documents", "outline"]
    rows = []
    base: dict[str, float] = {}
    try:
        task = None
        for n in sizes:
            corpus = corpus_of(tmp, n)
            data = tmp / f"data-{n}"
            shutil.rmtree(data, ignore_errors=True)
            wall, largest, tree = build(corpus, data)
            print(f"{n} plans: build {wall:.1f} s, peak memory {mib(largest)} (largest process), "
                  f"{mib(tree)} (build and workers, sampled)", flush=True)
            task = task or first_task(data)
            commands = {
                "agency": policykg("agency", AGENCY, "--data", data),
                "agency page": policykg("agency", AGENCY, "--limit", "25", "--data", data),  # My bureau's page
                "task": policykg("task", task, "--data", data),
                "documents": policykg("documents", "--data", data),
                "outline": policykg("outline", *outline_args(data), "--data", data),
            }
            row = {"plans": n, "build": wall, "largest": largest, "tree": tree}
            for name in queries:
                first, median, out = timed(commands[name])
                base.setdefault(name, median)
                row[name] = median
                print(f"{n} plans: {name:<11} first {first:.2f} s, median of {RUNS} {median:.2f} s, "
                      f"{median / base[name]:.1f}x one plan ({len(out.splitlines())} lines)", flush=True)
            if args.app:
                row["app"], row["switch"] = app_figures(data, corpus)
                base.setdefault("app", row["app"])
                base.setdefault("switch", row["switch"])
                print(f"{n} plans: app first view {row['app']:.2f} s ({row['app'] / base['app']:.1f}x one plan), "
                      f"bureau switch median {row['switch'] * 1000:.0f} ms "
                      f"({row['switch'] / base['switch']:.1f}x one plan)", flush=True)
            rows.append(row)

        print()
        print(f"{'plans':>6} {'build s':>8} {'largest':>9} {'tree':>9} " + " ".join(f"{q + ' s':>14}" for q in queries))
        for row in rows:
            cells = " ".join(f"{row[q]:>6.2f} ({row[q] / base[q]:>4.1f}x)" for q in queries)
            print(f"{row['plans']:>6} {row['build']:>8.1f} {mib(row['largest']):>9} {mib(row['tree']):>9} {cells}")
        if args.app:
            for row in rows:
                print(f"{row['plans']:>6} app first view {row['app']:5.2f} s, bureau switch {row['switch'] * 1000:4.0f} ms")
        print("goals: 1,000 plans build <= 60 s, <= 1 GiB; queries <= 0.5 s and <= 2x one plan; "
              "app first view <= 3 s, bureau switch <= 300 ms; 10,000 plans: queries <= 1 s")

        if args.dask:
            n = args.dask
            print(flush=True)
            corpus = corpus_of(tmp, n)
            plain = tmp / f"data-{n}"
            if n not in sizes:
                wall, _, _ = build(corpus, plain)
                print(f"{n} plans: plain build {wall:.1f} s", flush=True)
            else:
                wall = next(r["build"] for r in rows if r["plans"] == n)
            dask = tmp / f"data-{n}-dask"
            shutil.rmtree(dask, ignore_errors=True)
            d_wall, d_largest, d_tree = build(corpus, dask, "--executor", "dask")
            same = export_sha(plain) == export_sha(dask)
            print(f"{n} plans: --executor dask build {d_wall:.1f} s (plain {wall:.1f} s, ratio {d_wall / wall:.2f}), "
                  f"peak {mib(d_largest)} largest process, {mib(d_tree)} sampled; "
                  f"export nquads sha256 equal to the plain build: {'yes' if same else 'no'}")
        if args.push:
            n = args.push
            print(flush=True)
            corpus = corpus_of(tmp, n)
            sys.path.insert(0, str(ROOT / "tests"))
            from servers import start_oxigraph, stop

            pid, url = start_oxigraph(tmp / f"oxigraph-{n}")
            try:
                p_wall, p_largest, _ = build(corpus, tmp / f"data-{n}-push", "--endpoint", url)
                first, median, out = timed(policykg("agency", AGENCY, "--endpoint", url))
            finally:
                stop(pid)
            print(f"{n} plans pushed to an Oxigraph server (`--endpoint`): {p_wall:.1f} s, "
                  f"{p_wall / n * 1000:.0f} ms a plan (extraction included), peak {mib(p_largest)}; "
                  f"`agency --endpoint` first {first:.2f} s, median {median:.2f} s ({len(out.splitlines())} lines)")
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
