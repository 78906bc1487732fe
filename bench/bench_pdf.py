"""Benchmark PDF reading: pages/s of extract.pdf against poppler's pdftotext on one generated 40-page PDF.

Not a test: prints figures measured in one run (machines here are shared and noisy). The PDF is
the genre fixtures laid out by tests/pdf_writer.py (running header, page numbers, a footnote,
bordered task-division tables crossing page breaks) until it has at least 40 pages.
Goal (issue 10): at least 0.3× pdftotext's pages/s. pdftotext's time includes its process start.
`--install` installs poppler-utils with apt-get when pdftotext is missing.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENRE = ROOT / "tests" / "fixtures" / "genre"
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def forty_pages() -> tuple[bytes, int]:
    """Return a PDF of the genre fixtures, repeated until it has at least 40 pages, and its page count."""
    import pypdfium2 as pdfium
    from pdf_writer import plan_pdf

    texts = [p.read_text(encoding="utf-8") for p in sorted(GENRE.glob("*.txt"))]
    body, data, pages = "", b"", 0
    while pages < 40:
        body += texts[len(body) % len(texts)] + "\n"
        if body.count("\n") % 4 and pages:  # lay out again only every few fixtures
            continue
        data = plan_pdf(body, "某某市人民政府办公厅", "本文所称“重点任务”，指本文件列出并需按期完成的各项工作。")
        pages = len(pdfium.PdfDocument(data))
    return data, pages


def median_time(fn, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    from extract.pdf import pdf_to_text

    if shutil.which("pdftotext") is None and "--install" in sys.argv:
        subprocess.run(["apt-get", "install", "-y", "-qq", "poppler-utils"], check=False)
    data, pages = forty_pages()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "forty.pdf"
        path.write_bytes(data)
        ours = median_time(lambda: pdf_to_text(path.read_bytes()))
        print(f"extract.pdf: {pages} pages in {ours:.3f} s = {pages / ours:.0f} pages/s")
        if shutil.which("pdftotext") is None:
            print("pdftotext is missing (apt-get install poppler-utils, or run with --install): no ratio")
            return
        theirs = median_time(lambda: subprocess.run(["pdftotext", str(path), "-"], check=True,
                                                     stdout=subprocess.DEVNULL))
        print(f"pdftotext:   {pages} pages in {theirs:.3f} s = {pages / theirs:.0f} pages/s")
        print(f"ratio: {theirs / ours:.2f}× pdftotext (goal ≥ 0.3×)")


if __name__ == "__main__":
    main()
