"""Benchmark the Network view (issue 11): communities, centrality and task connections on a 200-document corpus.

Not a test: prints figures measured in one run, each with the seed plan's figure as the baseline beside it
(machines here are shared and noisy, so a ratio says more than a time). Goal: communities in <= 2 s on the
200-document synthetic corpus (bench/gen_corpus.py).

    python bench/bench_network.py [N_DOCUMENTS]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from timing import build, timed  # noqa: E402


def figures(data: Path, corpus: Path) -> dict:
    """Return the seconds each step of the Network view takes on one store, and what it found."""
    from graph import network as nw
    from graph.query import open_kg
    from graph.views import network as nv

    with open_kg(data, corpus) as kg:
        t_project, G = timed(kg.network, runs=1)  # the projection, made once per store version
        t_collab, C = timed(lambda: nw.collaboration(G), runs=3)
        t_comm, groups = timed(lambda: nw.communities(C), runs=3)
        t_central, _ = timed(lambda: nw.centrality(C), runs=1)
        t_view, view = timed(lambda: nv.network_view(kg, "collaboration", limit=None), runs=1)
        t_tasks, T = timed(lambda: nw.task_connections(G, min_weight=nv.default_min_weight("tasks"), k=nv.DEFAULT_K),
                           runs=1)
        units = sum(1 for _, k in G.nodes(data="kind") if k in nw.UNIT_KINDS)
    return {"project": t_project, "collaboration": t_collab, "communities": t_comm, "centrality": t_central,
            "view": t_view, "tasks": t_tasks, "agencies": C.number_of_nodes(), "links": C.number_of_edges(),
            "groups": len(groups), "units": units, "task_links": T.number_of_edges(),
            "max_links": max((d for _, d in T.degree()), default=0), "drawn": view.drawn}


def main() -> None:
    from gen_corpus import generate

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    tmp = Path(tempfile.mkdtemp(prefix="policykg-bench-network-"))
    try:
        build(ROOT / "corpus", tmp / "seed-data")
        base = figures(tmp / "seed-data", ROOT / "corpus")
        print("seed (baseline): " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in base.items() if isinstance(v, float)),
              flush=True)
        generate(tmp / "corpus", n)
        t_build = build(tmp / "corpus", tmp / "data")
        print(f"{n} documents built in {t_build:.1f} s", flush=True)
        big = figures(tmp / "data", tmp / "corpus")
        print(f"{n} documents built in {t_build:.1f} s: {big['units']} units, {big['agencies']} agencies, "
              f"{big['links']} collaboration links (seed: {base['units']} units, {base['agencies']} agencies, "
              f"{base['links']} links)")
        for key, label in (("project", "projection of the store"), ("collaboration", "collaboration network"), ("communities", "communities (Louvain, seed 42)"),
                           ("centrality", "centrality (degree, weighted degree, betweenness)"),
                           ("view", "Network view, collaboration, all nodes"),
                           ("tasks", "task connections (k = 3, min weight 0.5)")):
            ratio = big[key] / base[key] if base[key] else float("inf")
            goal = "  (goal <= 2 s)" if key == "communities" else ""
            print(f"{label}: {big[key] * 1000:.0f} ms on {n} documents, {base[key] * 1000:.1f} ms on the seed, "
                  f"ratio {ratio:.0f}x{goal}")
        print(f"communities found: {big['groups']} ({n} documents), {base['groups']} (seed)")
        print(f"task links: {big['task_links']} among {big['units']} units, at most {big['max_links']} per unit "
              f"(seed: {base['task_links']} among {base['units']}, at most {base['max_links']})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
