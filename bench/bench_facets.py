"""Benchmark the faceted task table (issue 11): a filter change on a 200-document corpus.

    python bench/bench_facets.py [N_DOCUMENTS]
    python bench/bench_facets.py --data DIR --corpus DIR   # a store of the synthetic corpus built before

Not a test: prints figures measured in one run (machines here are shared and noisy) and never
fails on a timing. Goal: a filter change of the Tasks view (`graph.views.tasks.task_table`: the
rows kept, sorted, and every facet's counts, computed afresh: a selection asked again is remembered) <= 300 ms on the 200-document synthetic corpus
(bench/gen_corpus.py). The baseline is the same filter changes on the one-document seed, timed in
the same run; the ratio says how the time grows with the corpus (54 units against about 11,000).
Also timed: the first table of a store version (its two SELECTs and the rows, then memoized), the
cells the app draws and downloads, and the whole rerun of the app's Tasks view after a facet
change (Streamlit's AppTest: the script and the dataframe, no browser).

Everything is built into temporary folders: never the repository's ./data.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FACET_SIZE = 500  # values listed per facet in the app (app.view_tasks)
sys.path.insert(0, str(ROOT / "bench"))

from timing import timed  # noqa: E402


def changes(kg) -> dict[str, dict]:
    """Return the filter changes timed: name → task_table arguments, chosen from what the store holds."""
    from graph.views.tasks import task_table

    facets = task_table(kg).facets
    doc = facets["doc"][len(facets["doc"]) // 2]["value"]
    agency = facets["agency"][min(2, len(facets["agency"]) - 1)]["value"]
    parts = [v["value"] for v in task_table(kg, doc=[doc]).facets["part"][:2]]
    return {
        "no filter": {},
        "one document": {"doc": [doc]},
        "agency in a role": {"agency": [agency], "role": ["cooperate"]},
        "two parts, by title descending": {"part": parts, "sort": "-title"},
        "no deadline, by agencies": {"deadline": ["none"], "sort": "agencies"},
        "document, role and agency": {"doc": [doc], "role": ["lead", "cooperate"], "agency": [agency]},
    }


def view_figures(kg, label: str) -> dict[str, float]:
    """Print and return the median time of each filter change on one store."""
    from graph.views.tasks import task_table

    out = {}
    for name, args in changes(kg).items():
        t, view = timed(lambda args=args: task_table(kg, remember=False, facet_size=FACET_SIZE, **args))
        t_all, _ = timed(lambda args=args: task_table(kg, remember=False, **args), runs=5)
        t_cells, _ = timed(lambda view=view: view.columns())
        out[name] = t + t_cells
        print(f"{label}: {name}: {len(view.rows)} of {view.total} rows: rows, counts and {FACET_SIZE} values per "
              f"facet {t * 1000:.1f} ms + the dataframe's columns {t_cells * 1000:.1f} ms (every value listed, "
              f"as policykg tasks --facets: {t_all * 1000:.1f} ms)")
    return out


def first_table(kg) -> tuple[float, float]:
    """Return (the model, the first table) of a freshly opened store, in seconds.

    The rows are made once per store version and kept beside the store (`KG.cached`): a later
    process reads them back instead of querying.
    """
    from graph.views.tasks import task_table

    t0 = time.perf_counter()
    kg.model()
    t1 = time.perf_counter()
    task_table(kg, remember=False)
    return t1 - t0, time.perf_counter() - t1


def app_figure(data: Path, corpus: Path, agency: str) -> float:
    """Return the median time of the app's rerun after a facet change in the Tasks view (AppTest)."""
    from streamlit.testing.v1 import AppTest

    os.environ["POLICYKG_DATA"], os.environ["POLICYKG_CORPUS"] = str(data), str(corpus)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)  # the first run opens the model
    at.query_params["view"] = "tasks"
    at.run()
    times = []
    for i in range(6):
        widget = at.multiselect(key="tasks_agency")
        t0 = time.perf_counter()
        widget.set_value([agency] if i % 2 == 0 else []).run()
        times.append(time.perf_counter() - t0)
        if at.exception:
            raise SystemExit(f"app failed: {at.exception[0].message}")
    return statistics.median(times)


def main() -> None:
    from gen_corpus import generate

    from graph.query import open_kg

    args = sys.argv[1:]
    given = {args[i]: Path(args[i + 1]) for i in range(len(args) - 1) if args[i] in ("--data", "--corpus")}
    n = int(args[0]) if args and args[0].isdigit() else 200
    tmp = Path(tempfile.mkdtemp(prefix="policykg-bench-facets-"))
    data, corpus = given.get("--data", tmp / "data"), given.get("--corpus", tmp / "corpus")
    try:
        with open_kg(tmp / "seed", ROOT / "corpus") as kg:
            base = view_figures(kg, "seed (1 document)")
        if "--data" not in given:
            generate(corpus, n)
            t0 = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "graph.cli", "build", str(corpus), "--data", str(data)],
                               capture_output=True, text=True, cwd=ROOT)
            if r.returncode != 0:
                raise SystemExit(f"build failed: {r.stderr[-2000:]}")
            print(f"{n} documents: built in {time.perf_counter() - t0:.1f} s")
        with open_kg(data, corpus=None) as kg:
            t_model, t_first = first_table(kg)
            n = len(kg.documents())
        with open_kg(data, corpus=None) as again:  # another process: the rows are on disk
            _, t_again = first_table(again)
        print(f"{n} documents: opening the model {t_model:.2f} s, then the first table of the version "
              f"{t_first:.2f} s (its rows queried, unless a process made them before), in the next process "
              f"{t_again:.2f} s (read back from beside the store)")
        with open_kg(data, corpus=None) as kg:
            big = view_figures(kg, f"{n} documents")
            agency = changes(kg)["agency in a role"]["agency"][0]
        worst = max(big, key=big.get)
        print(f"{n} documents: a filter change takes {statistics.median(big.values()) * 1000:.1f} ms (median), "
              f"{big[worst] * 1000:.1f} ms at worst ({worst})  (goal <= 300 ms); against the seed "
              f"{statistics.median(big[k] / base[k] for k in big):.0f}x (median ratio)")
        t_app = app_figure(data, corpus, agency)
        print(f"{n} documents: the app's Tasks view reruns after a facet change in {t_app * 1000:.0f} ms "
              f"(AppTest: script, facets, dataframe of the rows kept)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
