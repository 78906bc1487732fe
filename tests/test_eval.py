"""`policykg eval`: reading gold, finding units, scoring triples and deadlines, the gold round trip, the command."""

from __future__ import annotations

import doctest
import io
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import TINY_TEXT, build_tiny_extraction
from extract import evaluate as ev
from extract.pipeline import extract_text
from extract.records import Deadline, Span

ROOT = Path(__file__).resolve().parent.parent

DEADLINE_TEXT = TINY_TEXT.replace("各区人民政府）\n", "各区人民政府）完成时限：2023年底前。\n", 1).replace(
    "按职责分工负责）\n", "按职责分工负责）2022年6月底前完成。\n", 1)

PLAN = """一、主要任务
（一）强化保护
1.完善法规。加强制度建设。（牵头单位：市市场监管局、市版权局，配合单位：市司法局）
2.加强执法协作。严厉打击侵权行为。（市公安局、市检察院按职责分工负责）
（二）保障措施
加强组织领导。（市委宣传部指导）
"""


def with_deadlines(doc_id: str = "demo", first: str = "2023年底前"):
    """Return the tiny extraction with markers (1. 2.) and a deadline on each task's clause (the first as given)."""
    x = build_tiny_extraction(doc_id, DEADLINE_TEXT.replace("2023年底前", first))
    text = x.document.text

    def deadline(quote, year, date):
        i = text.index(quote)
        return Deadline(quote, Span.of(text, i, i + len(quote)), year, date)

    d1, d2 = deadline(first, 2023, "2023-12-31"), deadline("2022年6月底前", 2022, "2022-06")
    u1, u2, m = x.units
    u1 = replace(u1, marker="1.", clauses=(replace(u1.clauses[0], deadline=d1),))
    u2 = replace(u2, marker="2.", clauses=(replace(u2.clauses[0], deadline=d2),))
    return replace(x, units=(u1, u2, m))


def gold(objects, name="g.gold.json"):
    return ev.load_gold(io.StringIO(json.dumps(objects, ensure_ascii=False)), name)


def test_docstring_examples():
    assert doctest.testmod(ev).failed == 0


# Reading gold

BAD_GOLD = [
    ("[{", "g.json: invalid JSON at line 1"),
    ('{"document": "a.txt"}', "g.json: a gold file is a JSON list"),
    ('["a.txt"]', "g.json: object 0: not a JSON object"),
    ('[{"document": "a.txt", "unit": "1.", "lead": ["甲局"]}, {"document": "a.txt", "unit": "2.", "leader": ["乙局"]}]',
     "g.json: object 1: unknown key 'leader'"),
    ('[{"document": "a.txt", "lead": ["甲局"]}]', "g.json: object 0: missing 'unit' or 'contains'"),
    ('[{"unit": "1.", "lead": ["甲局"]}]', "g.json: object 0: missing 'document'"),
    ('[{"document": "a.txt", "unit": "1.", "lead": [1]}]', "g.json: object 0: 'lead' must be a list of names"),
    ('[{"document": "a.txt", "unit": " ", "lead": ["甲局"]}]', "g.json: object 0: 'unit' must be a non-empty string"),
]


@pytest.mark.parametrize(("text", "message"), BAD_GOLD, ids=[m.split(": ", 1)[1] for _, m in BAD_GOLD])
def test_a_bad_gold_file_is_one_line_naming_file_and_object(text, message):
    with pytest.raises(ev.GoldError) as e:
        ev.load_gold(io.StringIO(text), "g.json")
    assert str(e.value).startswith(message) and "\n" not in str(e.value)


def test_gold_objects_are_read_with_roles_and_deadlines():
    g = gold([{"document": "dir/a.txt", "unit": "3.", "lead": ["省科技厅"], "cooperate": ["省财政厅", "各市人民政府"],
               "deadline": "2023年底前", "note": "checked"},
              {"document": "a.txt", "contains": "加强执法协作", "responsible": "省公安厅"}])
    assert (g[0].document, g[0].unit, g[0].roles, g[0].deadlines) == (
        "a.txt", "3.", {"lead": ("省科技厅",), "cooperate": ("省财政厅", "各市人民政府")}, ("2023年底前",))
    assert (g[1].contains, g[1].roles, g[1].deadlines, g[1].where) == (
        "加强执法协作", {"responsible": ("省公安厅",)}, None, "g.gold.json: object 1")


def test_a_gold_folder_reads_every_gold_file(tmp_path):
    (tmp_path / "a.gold.json").write_text('[{"document": "a.txt", "unit": "1.", "lead": ["甲局"]}]', encoding="utf-8")
    (tmp_path / "b.gold.json").write_text('[{"document": "b.txt", "unit": "1.", "lead": ["乙局"]}]', encoding="utf-8")
    (tmp_path / "notes.json").write_text("not gold", encoding="utf-8")
    assert [g.document for g in ev.load_gold_path(tmp_path)] == ["a.txt", "b.txt"]
    assert [g.document for g in ev.load_gold_path(tmp_path / "a.gold.json")] == ["a.txt"]
    with pytest.raises(ev.GoldError, match="holds no .gold.json"):
        ev.load_gold_path(ROOT / "graph" / "queries")
    with pytest.raises(ev.GoldError, match="no such file"):
        ev.load_gold_path(tmp_path / "missing.json")


# Finding units

FIND = [
    ({"unit": "1."}, "demo/t1"),
    ({"unit": "１． "}, "demo/t1"),  # NFKC, spaces
    ({"unit": "（二）"}, "demo/t2"),  # no marker written so: the arabic number
    ({"contains": "加强执法"}, "demo/t2"),  # a title
    ({"contains": "南沙区建设"}, "demo/t1"),  # the text
    ({"contains": "加强组织"}, "demo/m1.2"),
]
NOT_FOUND = [
    ({"unit": "9."}, "no unit numbered '9.'"),
    ({"contains": "不存在"}, "no unit holds '不存在'"),
    ({"contains": "加强"}, "2 units hold '加强'"),
]


@pytest.mark.parametrize(("how", "unit_id"), FIND)
def test_a_gold_object_finds_its_unit(how, unit_id):
    assert ev.find_unit(with_deadlines().units, gold([{"document": "demo.txt", **how}])[0]).id == unit_id


@pytest.mark.parametrize(("how", "message"), NOT_FOUND)
def test_a_unit_not_found_says_why(how, message):
    with pytest.raises(ev.UnitNotFound, match=message):
        ev.find_unit(with_deadlines().units, gold([{"document": "demo.txt", **how}])[0])


def test_a_repeated_marker_is_ambiguous():
    x = with_deadlines()
    units = tuple(replace(u, marker="1.") for u in x.units)
    with pytest.raises(ev.UnitNotFound, match="3 units numbered '1.'"):
        ev.find_unit(units, gold([{"document": "demo.txt", "unit": "1."}])[0])


# Scoring


def test_scores_misses_and_extras_per_role_and_deadline():
    x = with_deadlines()
    g = gold([
        # 广州市版权局 is 市版权局 resolved; 市科技局 is not extracted; 市司法局 (cooperate) is left out
        {"document": "demo.txt", "unit": "1.", "lead": ["市市场监管局", "广州市版权局", "市科技局"],
         "cooperate": ["各区人民政府"], "deadline": "2023 年底前"},
        {"document": "demo.txt", "contains": "加强执法", "responsible": ["市公安局", "市检察院"], "deadline": "2022年底前"},
        {"document": "demo.txt", "contains": "加强组织领导", "guide": ["市委宣传部"]},
        {"document": "demo.txt", "contains": "不存在的任务", "lead": ["市商务局"]},
        {"document": "elsewhere.txt", "unit": "1.", "lead": ["市商务局"]},
    ])
    r = ev.evaluate(g, [x])
    assert r.documents == ("demo.txt",)
    lead = r.score("overall", "lead")
    assert (lead.gold, lead.found, lead.correct) == (4, 2, 2)
    assert (lead.precision, lead.recall) == (1.0, 0.5)
    coop = r.score("demo.txt", "cooperate")
    assert (coop.gold, coop.found, coop.correct, round(coop.f1, 3)) == (1, 2, 1, 0.667)
    allr = r.score("overall", "all")
    assert (allr.gold, allr.found, allr.correct) == (8, 7, 6)
    dl = r.score("overall", "deadline")
    assert (dl.gold, dl.found, dl.correct) == (2, 2, 1)
    assert {(m.unit, m.role, m.name) for m in r.misses} == {
        ("demo/t1", "lead", "市科技局"), ("?", "lead", "市商务局"), ("demo/t2", "deadline", "2022年底前")}
    assert {(e.unit, e.role, e.name) for e in r.extras} == {
        ("demo/t1", "cooperate", "市司法局"), ("demo/t2", "deadline", "2022年6月底前")}
    extra = next(e for e in r.extras if e.role == "cooperate")
    assert extra.quote.startswith("（牵头单位") and extra.line == 3
    miss = next(m for m in r.misses if m.name == "市科技局")
    assert (miss.quote, miss.line) == ("完善法规", 3)
    unfound = next(m for m in r.misses if m.unit == "?")
    assert "object 3" in unfound.reason and "不存在的任务" in unfound.reason
    assert any("elsewhere.txt" in m and "not among the documents" in m for m in r.messages)


def test_deadlines_are_not_scored_when_the_gold_gives_none():
    x = with_deadlines()
    r = ev.evaluate(gold([{"document": "demo.txt", "unit": "1.", "lead": ["市市场监管局", "市版权局"],
                           "cooperate": ["市司法局", "各区人民政府"]}]), [x])
    with pytest.raises(KeyError):
        r.score("overall", "deadline")
    assert not any(e.role == "deadline" for e in r.extras)


def test_duplicates_collapse():
    x = with_deadlines()
    r = ev.evaluate(gold([{"document": "demo.txt", "unit": "2.", "responsible": ["市公安局", "市公安局"]},
                          {"document": "demo.txt", "contains": "加强执法", "responsible": ["市检察院", "市公安局"]}]),
                    [x])
    s = r.score("demo.txt", "responsible")
    assert (s.gold, s.correct) == (2, 2)


def test_nothing_to_evaluate_gives_no_scores():
    r = ev.evaluate(gold([{"document": "other.txt", "unit": "1.", "lead": ["甲局"]}]), [with_deadlines()])
    assert r.documents == () and r.scores == ()


# Round trip: an extraction scores 1.0 against its own gold


def test_round_trip_of_hand_made_records_with_markers_and_deadlines():
    x = with_deadlines()
    objects = json.loads(ev.to_gold([x]))
    assert objects[0] == {"document": "demo.txt", "unit": "1.", "lead": ["市市场监管局", "市版权局"],
                          "cooperate": ["市司法局", "各区人民政府"], "deadline": "2023年底前"}
    assert objects[2]["contains"] == "加强组织领导" and "unit" not in objects[2]
    r = ev.evaluate(ev.load_gold(io.StringIO(ev.to_gold([x]))), [x])
    assert r.score("overall", "all").f1 == 1.0 and r.score("overall", "deadline").f1 == 1.0
    assert (r.misses, r.extras, r.messages) == ((), (), ())


def test_round_trip_of_an_extracted_document():
    x = extract_text(PLAN, "p.txt", {"jurisdiction": "广州市"})
    r = ev.evaluate(ev.load_gold(io.StringIO(ev.to_gold([x]))), [x])
    assert r.score("overall", "all").f1 == 1.0
    assert (r.misses, r.extras) == ((), ())


def test_round_trip_with_repeated_titles_uses_a_phrase_of_the_text():
    x = with_deadlines()
    u1, u2, m = x.units
    x = replace(x, units=(replace(u1, title="加强", marker=""), replace(u2, title="加强", marker=""), m))
    objects = json.loads(ev.to_gold([x]))
    assert all("contains" in o and "note" not in o for o in objects)
    r = ev.evaluate(ev.load_gold(io.StringIO(ev.to_gold([x]))), [x])
    assert r.score("overall", "all").f1 == 1.0


# The command


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "graph.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd)


@pytest.fixture
def plan_dir(tmp_path):
    (tmp_path / "p.txt").write_text(PLAN, encoding="utf-8")
    (tmp_path / "p.toml").write_text('jurisdiction = "广州市"\n', encoding="utf-8")
    return tmp_path


def test_extract_gold_then_eval_gives_f1_one(plan_dir):
    r = run("extract", plan_dir / "p.txt", "--format", "gold", "-o", plan_dir / "p.gold.json")
    assert r.returncode == 0, r.stderr
    r = run("eval", plan_dir / "p.gold.json", "--format", "json")  # documents: the gold's folder
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    overall = next(s for s in d["scores"] if s["scope"] == "overall" and s["row"] == "all")
    assert overall["f1"] == 1.0 and d["misses"] == [] and d["extras"] == []


def test_eval_table_lists_figures_misses_and_extras(plan_dir):
    (plan_dir / "g").mkdir()
    (plan_dir / "g" / "p.gold.json").write_text(json.dumps([
        {"document": "p.txt", "unit": "1.", "lead": ["广州市市场监督管理局", "市科技局"], "cooperate": ["市司法局"]},
        {"document": "p.txt", "contains": "加强执法协作", "responsible": ["市公安局", "市检察院"]},
        {"document": "p.txt", "contains": "加强组织领导", "guide": ["市委宣传部"]},
    ], ensure_ascii=False), encoding="utf-8")
    r = run("eval", plan_dir / "g", plan_dir)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert any(line.split()[:2] == ["overall", "lead"] and line.split()[-1] == "0.500" for line in out.splitlines())
    assert "misses (in the gold, not extracted): 1" in out and "p.txt:3  p/t1  lead  市科技局  「完善法规」" in out
    assert "extras (extracted, not in the gold): 1" in out and "lead  市版权局  「（牵头单位：" in out


def test_eval_exit_codes_and_one_line_errors(plan_dir):
    (plan_dir / "bad.json").write_text('[{"document": "p.txt", "unit": "1."}, {"document": "p.txt", "boss": []}]',
                                       encoding="utf-8")
    r = run("eval", plan_dir / "bad.json")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [f"policykg: {plan_dir / 'bad.json'}: object 1: unknown key 'boss' "
                                             "(expected one of document, unit, contains, deadline, note, lead, "
                                             "cooperate, responsible, guide)"]
    (plan_dir / "other.json").write_text('[{"document": "q.txt", "unit": "1.", "lead": ["甲局"]}]', encoding="utf-8")
    r = run("eval", plan_dir / "other.json")
    assert r.returncode == 1 and "nothing to evaluate" in r.stderr and r.stdout == ""


def test_eval_help_ends_with_an_example():
    r = run("eval", "--help")
    assert r.returncode == 0 and "example:\n  policykg eval" in r.stdout


def test_every_gold_object_of_the_genre_fixtures_finds_its_unit():
    genre = ROOT / "tests" / "fixtures" / "genre"
    r = run("eval", genre, "--format", "json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert len(d["documents"]) == len(list(genre.glob("*.gold.json")))
    assert d["messages"] == [] and not [m for m in d["misses"] if m["unit"] == "?"]


def test_the_genre_fixtures_are_read_exactly():
    """Acceptance: every role of every fixture document at F1 = 1.0, deadlines included."""
    from extract.evaluate import evaluate, load_gold_path
    from extract.pipeline import extract_paths

    folders = [ROOT / "tests" / "fixtures" / name for name in ("genre", "genre-wrapped", "genre-varied", "genre-whole")]
    gold = [g for f in folders for g in load_gold_path(f)]
    read = extract_paths([p for f in folders for p in sorted(f.glob("*.txt"))])
    assert all(hasattr(x, "document") for x in read), [str(x) for x in read if not hasattr(x, "document")]
    report = evaluate(gold, read)
    assert len(report.documents) >= 57 and report.messages == ()
    assert [(m.document, m.unit, m.role, m.name) for m in report.misses] == []
    assert [(e.document, e.unit, e.role, e.name) for e in report.extras] == []
    for role in ("lead", "cooperate", "responsible", "guide", "deadline"):
        score = report.score("overall", role)
        assert score.gold > 0 and score.f1 == 1.0, score
