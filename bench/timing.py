"""What every bench times with: the median of a few calls, and a `policykg build` as a process."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(fn, runs: int = 15) -> tuple[float, object]:
    """Return the median time of `runs` calls and the last result."""
    out, times = None, []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def build(corpus: Path, data: Path) -> float:
    """Run `policykg build CORPUS --data DATA` as a process; return its wall time (exit on failure)."""
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "graph.cli", "build", str(corpus), "--data", str(data)],
                       capture_output=True, text=True, cwd=ROOT)
    if r.returncode not in (0, 3):  # 3: built, with rejected documents
        print(r.stderr[-2000:])
        raise SystemExit("build failed")
    return time.perf_counter() - t0
