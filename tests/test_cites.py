"""Citations that resolve (`graph.views.cites`, `policykg cites` / `cited-by`): a made-up corpus of three plans."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from extract.reader import InputError, check_sidecar
from graph.errors import NotFound
from graph.query import build, open_kg
from graph.views.cites import cited_by, cites, normalize_title, resolve_citation
from ontology import iris

ROOT = Path(__file__).resolve().parent.parent

B_TITLE = "某市数字经济促进“十四五”规划"
PLANS = {
    "plan-a": ('title = "某市营商环境优化行动方案"\n',
               "一、任务\n（一）数字经济\n"
               "1.落实《某市数字经济促进“十四五”规划》，建设数据平台。（牵头单位：市版权局）\n"
               "2.对照《某市数字经济促进‘十四五’规划（2021—2025年）》开展评估。（牵头单位：市市场监管局）\n"
               "3.按照《某市数字经济规划》培育企业。（牵头单位：市版权局，配合单位：市市场监管局）\n"
               "（二）法治\n"
               "4.贯彻《某某条例》，规范执法。（牵头单位：市市场监管局）\n"
               "5.宣传《中华人民共和国专利法》和《某市数字经济促进条例》。（牵头单位：市版权局）\n"),
    "plan-b": (f'title = "{B_TITLE}"\naliases = ["某市数字经济规划", "数字经济规划（2021-2025年）"]\n',
               "一、任务\n（一）产业\n1.做大数字产业。（牵头单位：市版权局）\n"),
    "plan-c": ('title = "某市专利法实施细则配套措施"\n',
               "一、任务\n（一）保护\n1.依据《某某条例》开展专项行动。（牵头单位：市市场监管局）\n"),
}


def run(*args):
    env = {k: v for k, v in os.environ.items() if k != "POLICYKG_DATA"}
    return subprocess.run([sys.executable, "-m", "graph.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cites")
    corpus = root / "corpus"
    corpus.mkdir()
    for stem, (sidecar, text) in PLANS.items():
        (corpus / f"{stem}.toml").write_text('jurisdiction = "广州市"\n' + sidecar, encoding="utf-8")
        (corpus / f"{stem}.txt").write_text(text, encoding="utf-8")
    report = build([corpus], root / "data")
    assert not report.rejected, report
    return root / "data"


@pytest.fixture(scope="module")
def kg(store):
    with open_kg(store, corpus=None) as kg:
        yield kg


def test_normalize_title_matches_variants_only():
    assert normalize_title("《广州市知识产权保护和运用“十四五”规划》") == normalize_title("《广州市知识产权保护和运用十四五规划》")
    assert normalize_title("某方案（2021-2023年）") == normalize_title("某方案(2021—2023年)") == normalize_title("某方案")
    assert normalize_title("中华人民共和国专利法") != normalize_title("专利法实施细则")
    assert normalize_title("关于加强 知识产权的意见") == "关于加强知识产权意见"


def test_cites_of_a_resolve_by_exact_title_variant_and_alias(kg):
    rows = cites(kg, "plan-a")
    got = [(r["title"], r["resolved"], r["resolved_title"], r["units"]) for r in rows]
    assert got == [
        ("某市数字经济促进“十四五”规划", "plan-b", B_TITLE, ["plan-a/t1"]),
        ("某市数字经济促进‘十四五’规划（2021—2025年）", "plan-b", B_TITLE, ["plan-a/t2"]),
        ("某市数字经济规划", "plan-b", B_TITLE, ["plan-a/t3"]),
        ("某某条例", None, None, ["plan-a/t4"]),
        ("中华人民共和国专利法", None, None, ["plan-a/t5"]),
        ("某市数字经济促进条例", None, None, ["plan-a/t5"]),
    ]
    assert [r["work"] for r in rows] == [str(iris.work_iri(r["title"])) for r in rows]
    assert len({r["work"] for r in rows}) == len(rows)  # three spellings of B are three works, one document


def test_cited_by_b_lists_every_spelling_and_its_units(kg):
    assert [(r["doc"], r["doc_title"], r["title"], r["units"]) for r in cited_by(kg, "plan-b")] == [
        ("plan-a", "某市营商环境优化行动方案", "某市数字经济促进“十四五”规划", ["plan-a/t1"]),
        ("plan-a", "某市营商环境优化行动方案", "某市数字经济促进‘十四五’规划（2021—2025年）", ["plan-a/t2"]),
        ("plan-a", "某市营商环境优化行动方案", "某市数字经济规划", ["plan-a/t3"]),
    ]
    assert cited_by(kg, "plan-c") == [] and cited_by(kg, "plan-a") == []


def test_an_outside_work_is_one_iri_for_every_citer(kg):
    a = next(r for r in cites(kg, "plan-a") if r["title"] == "某某条例")
    c = cites(kg, "plan-c")
    assert [(r["title"], r["resolved"], r["units"]) for r in c] == [("某某条例", None, ["plan-c/t1"])]
    assert a["work"] == c[0]["work"]


def test_resolve_citation_and_negatives(kg):
    assert resolve_citation(kg, "《某市数字经济促进十四五规划》") == "plan-b"
    assert resolve_citation(kg, "数字经济规划") == "plan-b"  # the second alias, its years dropped
    assert resolve_citation(kg, "中华人民共和国专利法") is None
    assert resolve_citation(kg, "专利法实施细则") is None
    assert resolve_citation(kg, "某市数字经济促进条例") is None
    assert resolve_citation(kg, "") is None
    with pytest.raises(NotFound):
        cites(kg, "plan-z")


def test_aliases_must_be_a_list_of_strings():
    assert check_sidecar({"aliases": [" 甲 ", "乙"]}, "p.toml") == {"aliases": ["甲", "乙"]}
    for bad in ("甲", [1], [""]):
        with pytest.raises(InputError, match=r"^p\.toml: aliases must be a list of non-empty strings"):
            check_sidecar({"aliases": bad}, "p.toml")


@pytest.mark.parametrize("command,doc,view", [("cites", "plan-a", cites), ("cited-by", "plan-b", cited_by)])
def test_cli_prints_the_rows_of_the_view(store, kg, command, doc, view):
    r = run(command, doc, "--data", store, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == view(kg, doc)
    rows = list(csv.reader(io.StringIO(run(command, doc, "--data", store, "--format", "csv").stdout)))
    assert len(rows) == len(view(kg, doc)) + 1 and "units" in rows[0]
    table = run(command, doc, "--data", store)
    assert table.returncode == 0 and "plan-a/t1" in table.stdout


def test_cli_unknown_doc_is_one_line(store):
    r = run("cites", "plan-z", "--data", store)
    lines = r.stderr.strip().splitlines()
    assert r.returncode != 0 and len(lines) == 1, r.stderr
    assert lines[0].startswith("policykg: unknown document 'plan-z'") and "Traceback" not in r.stderr


def test_aliases_are_alt_labels_of_the_document_and_the_graph_conforms():
    from rdflib import Literal
    from rdflib.namespace import SKOS

    from extract.pipeline import extract_text
    from graph.rdf import extraction_to_graph, validate

    x = extract_text(PLANS["plan-b"][1], "plan-b.txt", check_sidecar(
        {"jurisdiction": "广州市", "title": B_TITLE, "aliases": ["某市数字经济规划", "数字经济规划（2021-2025年）"]}, "b.toml"))
    g = extraction_to_graph(x)
    doc = iris.doc_iri("plan-b")
    assert set(g.objects(doc, SKOS.altLabel)) == {Literal("某市数字经济规划", lang="zh"),
                                                 Literal("数字经济规划（2021-2025年）", lang="zh")}
    conforms, report = validate(g)
    assert conforms, report


class _TitlesOnly:
    """Just enough of a KG for `resolve_citation`: documents with titles, no aliases."""

    def __init__(self, titles):
        from types import SimpleNamespace

        self._model = SimpleNamespace(docs={d: {"id": d, "title": t} for d, t in titles.items()})

    def memo(self, key, make):
        return make()

    def cached(self, name, make):
        return make()

    def model(self):
        return self._model

    def select(self, text):
        return []


def test_years_pick_the_plan_of_that_year_and_an_ambiguous_title_resolves_to_none():
    kg = _TitlesOnly({"wp-2023": "某市2023年知识产权工作要点", "wp-2024": "某市2024年知识产权工作要点"})
    assert resolve_citation(kg, "某市2024年知识产权工作要点") == "wp-2024"
    assert resolve_citation(kg, "《某市2023年知识产权工作要点》") == "wp-2023"
    assert resolve_citation(kg, "某市知识产权工作要点") is None  # both match once the years go
    assert resolve_citation(_TitlesOnly({"wp-2024": "某市2024年知识产权工作要点"}), "某市知识产权工作要点") == "wp-2024"
