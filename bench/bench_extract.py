"""Benchmark extraction: cold process time, and throughput against bare jieba.lcut on the seed and the genre fixtures.

Not a test: prints figures measured in one run (machines here are shared and noisy).
Goals: throughput ratio >= 0.5 on the seed (issues 2 and 7), cold process <= 1.5 s.
"""

from __future__ import annotations

import logging
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "guangzhou-ip-plan-2021-2025.txt"
GENRE = sorted((ROOT / "tests" / "fixtures").glob("genre*"))  # genre, genre-wrapped, genre-varied


def cold_process(runs: int = 5) -> float:
    """Return the median wall time of `policykg extract SEED --format json` as a fresh process."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "graph.cli", "extract", str(SEED), "--format", "json"], cwd=ROOT,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def best(fn, runs: int = 15) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    import jieba

    from extract.pipeline import extract_source
    from extract.reader import read_file
    from extract.segment import tokenizer

    jieba.setLogLevel(logging.WARNING)
    src = read_file(SEED)
    text = src.text
    jieba.initialize()
    tokenizer()  # dictionaries loaded before timing: the ratio compares work per text, not start-up
    t_jieba = best(lambda: jieba.lcut(text, HMM=False))
    t_extract = best(lambda: extract_source(src))
    genre = [read_file(p) for folder in GENRE for p in sorted(folder.glob("*.txt"))]
    genre_chars = sum(len(g.text) for g in genre)
    t_jieba_genre = best(lambda: [jieba.lcut(g.text, HMM=False) for g in genre], runs=5)
    t_extract_genre = best(lambda: [extract_source(g) for g in genre], runs=5)
    cold = cold_process()
    chars = len(text)
    print(f"seed: {chars} characters")
    print(f"bare jieba.lcut (HMM off): {t_jieba * 1000:.1f} ms  ({chars / t_jieba / 1000:.0f} kchar/s)")
    print(f"policykg extraction:       {t_extract * 1000:.1f} ms  ({chars / t_extract / 1000:.0f} kchar/s)")
    print(f"throughput ratio extraction/jieba: {t_jieba / t_extract:.2f}  (goal >= 0.5)")
    print(f"genre fixtures: {len(genre)} documents, {genre_chars} characters")
    print(f"  bare jieba.lcut: {t_jieba_genre * 1000:.1f} ms; policykg extraction: {t_extract_genre * 1000:.1f} ms "
          f"({genre_chars / t_extract_genre / 1000:.0f} kchar/s); ratio {t_jieba_genre / t_extract_genre:.2f}")
    print(f"cold `policykg extract --format json` process: {cold:.2f} s  (goal <= 1.5 s)")


if __name__ == "__main__":
    main()
