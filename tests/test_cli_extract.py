"""`policykg extract` as a user runs it: JSON, CSV for a bureau's spreadsheet, the table; byte-identical runs."""

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "guangzhou-ip-plan-2021-2025.txt"


def run(*args):
    r = subprocess.run([sys.executable, "-m", "graph.cli", "extract", *map(str, args)], capture_output=True, text=True,
                       cwd=ROOT)
    return r


@pytest.fixture(scope="module")
def seed_json():
    r = run(SEED, "--format", "json")
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_json_has_every_record_kind(seed_json):
    d = json.loads(seed_json)
    assert set(d) >= {"document", "sections", "tasks", "boxes", "indicators", "footnotes", "references", "places",
                      "agencies", "warnings"}
    doc = d["document"]
    assert doc["metadata"]["drafted_by"] == "广州市市场监督管理局" and doc["metadata"]["jurisdiction"] == "广州市"
    assert len(doc["sha256"]) == 64
    t = d["tasks"][0]
    assert set(t) >= {"id", "kind", "number", "title", "section", "span", "lead", "cooperate", "responsible", "guide",
                      "assignments", "references", "places", "boxes", "keywords"}
    for a in t["assignments"]:
        s, e = a["span"]
        assert doc["text"][s:e] == a["quote"] == a["agency"]
    refs = {r["title"]: r["count"] for r in d["references"]}
    assert len(refs) == 26 and refs["关于强化知识产权保护的意见"] == 2
    sma = next(a for a in d["agencies"] if a["canonical"] == "广州市市场监督管理局")
    assert sma["level"] == "city" and {"市市场监管局", "广州市市场监督管理局（知识产权局）"} <= set(sma["names"])
    assert any(w["code"] == "unresolved-agency" and "第三方机构" in w["message"] for w in d["warnings"])


def test_output_is_byte_identical(seed_json):
    assert run(SEED, "--format", "json").stdout == seed_json


def test_csv_one_row_per_task_agency_role(seed_json):
    r = run(SEED, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    d = json.loads(seed_json)
    assert len(rows) == sum(len(t["assignments"]) for t in d["tasks"])
    first = rows[0]
    assert (first["part"], first["section"], first["task"], first["agency"], first["canonical_agency"], first["role"]) == (
        "强化高标准知识产权保护", "完善知识产权法规政策体系", "1", "市市场监管局", "广州市市场监督管理局", "lead")
    assert first["quote"].startswith("（牵头单位：市市场监管局、市版权局")


def test_table_is_readable():
    r = run(SEED)
    assert r.returncode == 0
    assert "广州市知识产权保护和运用“十四五”规划" in r.stdout
    assert "牵头: 黄埔区人民政府; 配合: 市市场监管局、市委外办" in r.stdout


def test_several_documents_give_a_list(tmp_path):
    for name in ("a", "b"):
        (tmp_path / f"{name}.txt").write_text(f"一、任务\n1.{name}事。（市版权局负责）\n", encoding="utf-8")
    r = run(tmp_path / "a.txt", tmp_path / "b.txt", "--format", "json")
    assert [d["document"]["id"] for d in json.loads(r.stdout)] == ["a", "b"]


def test_hostile_names_are_neutralized_in_csv(tmp_path):
    (tmp_path / "h.txt").write_text("一、任务\n1.甲事。（牵头单位：=HYPERLINK(\"x\")局、@SUM局）\n", encoding="utf-8")
    rows = list(csv.reader(io.StringIO(run(tmp_path / "h.txt", "--format", "csv").stdout)))
    agencies = [r[6] for r in rows[1:]]
    assert agencies == ["'=HYPERLINK(\"x\")局", "'@SUM局"]


def test_deadlines_in_json_csv_and_table():
    from test_eval import with_deadlines

    from extract.serialize import to_csv, to_dict, to_table

    x = with_deadlines()
    t1, t2, m = to_dict(x)["tasks"]
    d = t1["clauses"][0]["deadline"]
    assert d == {"text": "2023年底前", "start": d["start"], "end": d["start"] + 7, "year": 2023, "date": "2023-12-31"}
    assert x.document.text[d["start"]:d["end"]] == "2023年底前"
    assert t1["deadlines"] == ["2023年底前"] and t2["clauses"][0]["deadline"]["date"] == "2022-06"
    assert m["clauses"][0]["deadline"] is None and m["deadlines"] == []
    rows = list(csv.DictReader(io.StringIO(to_csv([x]))))
    assert {r["task"]: r["deadline"] for r in rows} == {"1": "2023年底前", "2": "2022年6月底前", "二": ""}
    assert "; 时限: 2023年底前" in to_table([x])


def test_csv_joins_several_deadlines_of_a_unit():
    from dataclasses import replace

    from test_eval import with_deadlines

    from extract.serialize import to_csv

    x = with_deadlines()
    u1, u2, m = x.units
    u1 = replace(u1, clauses=(*u1.clauses, replace(u2.clauses[0], assignments=())))
    rows = list(csv.DictReader(io.StringIO(to_csv([replace(x, units=(u1, u2, m))]))))
    assert rows[0]["deadline"] == "2023年底前；2022年6月底前"


def test_format_gold_writes_one_object_per_unit(tmp_path):
    (tmp_path / "p.txt").write_text("一、任务\n1.甲事。（牵头单位：市版权局，配合单位：市商务局）\n2.乙事。（市公安局负责）\n",
                                    encoding="utf-8")
    r = run(tmp_path / "p.txt", "--format", "gold")
    assert r.returncode == 0, r.stderr
    objects = json.loads(r.stdout)
    assert [(o["document"], o.get("lead"), o.get("cooperate"), o.get("responsible")) for o in objects] == [
        ("p.txt", ["市版权局"], ["市商务局"], None), ("p.txt", None, None, ["市公安局"])]
    assert all(("unit" in o) != ("contains" in o) for o in objects)


def test_pages_of_a_paged_source_reach_json_and_csv():
    import json

    from extract.pipeline import extract_source
    from extract.reader import Source
    from extract.serialize import to_csv, to_json

    x = extract_source(Source("p.txt", "p.txt", "一、任务\n1.做好甲事。\n\f\n2.做好乙事。（牵头单位：市甲局）\n", "utf-8",
                              {"jurisdiction": "广州市"}, (1, 1, 2, 2)))
    rows = to_csv([x]).splitlines()
    assert rows[0].endswith(",page") and rows[1].endswith(",2")
    task = json.loads(to_json([x]))["tasks"][1]
    assert task["page"] == 2 and task["assignments"][0]["page"] == 2
