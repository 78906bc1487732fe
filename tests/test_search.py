"""Full-text search (graph/search.py, graph/views/search.py, policykg search) on a made-up corpus and the seed.

What a hit must be is computed here from the model and the document texts: a plain substring
scan of every unit's text, the agencies assigned to it, its record id.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from graph import search as gsearch
from graph.backend import EmbeddedBackend
from graph.errors import NotFound, QueryError
from graph.query import KG, build, open_kg
from graph.store import GraphStore
from graph.views.search import hit_rows, marked, search, short

ROOT = Path(__file__).resolve().parent.parent
SEED_DOC = "guangzhou-ip-plan-2021-2025"

# Made up for these tests: two small plans, 知识产权质押 in some units, split by a comma in another.
ALPHA = """某市知识产权质押融资促进方案（测试文本）
一、主要任务
（一）金融支持
1.扩大知识产权质押融资。推动银行开展知识产权质押业务，完善风险补偿。（牵头单位：市版权局，配合单位：市地方金融监管局）
2.培育评估机构。支持评估机构发展，开展知识产权，质押物处置研究。（市市场监管局负责）
专栏 1 质押融资示范工程
建设知识产权质押登记服务平台，编号T12-A。
（二）保护协作
3.加强执法协作。联合打击侵权假冒行为。（牵头单位：市公安局，配合单位：市版权局）
4.建设保护中心。建设知识产权保护中心，服务园区企业。（市司法局牵头）
二、保障措施
（一）加强组织领导
统筹推进各项任务落实。（市知识产权工作领导小组负责）
"""
BETA = """某区版权工作要点（测试文本）
一、重点工作
（一）版权服务
1.推进版权登记。优化作品登记流程，开展知识产权质押宣传。（牵头单位：市版权局）
2.培育版权产业。扶持数字出版企业。（市文化广电旅游局负责）
"""


def write_corpus(folder: Path, beta: str = BETA) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text, title in (("alpha", ALPHA, "某市知识产权质押融资促进方案"), ("beta", beta, "某区版权工作要点")):
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
        (folder / f"{name}.toml").write_text(f'title = "{title}"\njurisdiction = "广州市"\n', encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def made_data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("search-made")
    build([write_corpus(root / "corpus")], root / "data")
    return root / "data"


@pytest.fixture(scope="module")
def seed_data(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("search-seed")
    build([ROOT / "corpus"], data)
    return data


@pytest.fixture(scope="module")
def made(made_data) -> KG:
    with open_kg(made_data, corpus=None) as kg:
        yield kg


@pytest.fixture(scope="module")
def seed(seed_data) -> KG:
    with open_kg(seed_data, corpus=None) as kg:
        yield kg


@pytest.fixture(params=["made", "seed"])
def kg(request) -> KG:
    return request.getfixturevalue(request.param)


def texts(kg: KG) -> dict[str, str]:
    """Each unit's text by record id: its extent; a part's or section's characters no other unit holds."""
    model = kg.model()
    out = {}
    for u in model.units.values():
        text = kg.text(u.doc)
        s, e = u.extent
        if u.kind in ("task", "measure", "box"):
            out[u.rid] = text[s:e]
            continue
        own = [True] * (e - s)
        for v in model.units.values():
            if v is not u and v.doc == u.doc and s <= v.extent[0] and v.extent[1] <= e and v.extent != u.extent:
                for i in range(v.extent[0], v.extent[1]):
                    own[i - s] = False
        out[u.rid] = "\n".join(re.findall(r"[^\x00]+", "".join(c if keep else "\x00"
                                                            for c, keep in zip(text[s:e], own))))
    return out


def assigned(kg: KG, canonical: str) -> set[str]:
    return {r["task"] for r in kg.agency_tasks(canonical)}


def ids(hits) -> list[str]:
    return [h.id for h in hits]


# --------------------------------------------------------------------------- what is found


@pytest.mark.parametrize("query", ["知识产权质押", "质押融资", "保护中心", "知识产权保护", "质押"])
def test_a_phrase_finds_exactly_the_units_whose_text_holds_it(kg, query):
    want = {rid for rid, t in texts(kg).items() if query in t}
    hits = search(kg, query, limit=None)
    assert want and set(ids(hits)) == want
    assert len(ids(hits)) == len(want)  # each unit once


def test_the_seed_and_the_made_corpus_hold_what_the_tests_rely_on(made, seed):
    assert "alpha/t1" in ids(search(made, "知识产权质押")) and "alpha/t2" not in ids(search(made, "知识产权质押"))
    assert "知识产权，质押" in texts(made)["alpha/t2"]  # the phrase split by a comma is no hit
    assert f"{SEED_DOC}/t27" == search(seed, "知识产权质押")[0].id  # 扩大知识产权质押融资规模
    narrative = search(seed, "知识产权质押", limit=None)
    assert f"{SEED_DOC}/s1.1" in ids(narrative)  # a section's own text (成效基础) is searched too


def test_several_phrases_are_all_required(kg):
    t = texts(kg)
    want = {rid for rid, x in t.items() if "质押" in x and "风险" in x}
    assert want and set(ids(search(kg, "质押 风险", limit=None))) == want
    assert set(ids(search(kg, "质押，风险", limit=None))) == want  # punctuation splits as a space does


def test_a_word_jieba_would_segment_otherwise_in_context_is_found(seed):
    # 专利 is inside 专利权 and 专利申请 in the text: found wherever the characters are.
    for query in ("专利", "产权质押", "世界知识产权"):
        want = {rid for rid, x in texts(seed).items() if query in x}
        assert want and set(ids(search(seed, query, limit=None))) == want, query


@pytest.mark.parametrize("canonical, written", [("广州市版权局", "市版权局")])
def test_an_agency_name_finds_the_units_it_is_assigned(kg, canonical, written):
    units = assigned(kg, canonical)
    assert units
    t = texts(kg)
    by_name = search(kg, canonical, limit=None)
    assert set(ids(by_name)) == units | {rid for rid, x in t.items() if canonical in x}
    for h in by_name:
        assert (h.id in units) == ("agency" in h.matched)
        assert (h.id in units) == any(name == canonical for _, name in h.agencies)
    as_written = search(kg, written, limit=None)
    assert units <= set(ids(as_written))
    assert all(h.id in units or written in t[h.id] for h in as_written)


def test_the_agencies_of_a_hit_are_its_assignments_by_role(made):
    t1 = next(h for h in search(made, "扩大知识产权质押融资") if h.id == "alpha/t1")
    assert t1.agencies == (("lead", "广州市版权局"), ("cooperate", "广州市地方金融监督管理局"))
    assert (t1.part_title, t1.section_title, t1.kind, t1.number, t1.doc_title) == (
        "主要任务", "金融支持", "task", "1", "某市知识产权质押融资促进方案")


def test_a_record_id_finds_that_unit_and_a_key_finds_it_in_every_document(made, seed):
    assert ids(search(seed, f"{SEED_DOC}/t12")) == [f"{SEED_DOC}/t12"]
    assert ids(search(made, "alpha/box1")) == ["alpha/box1"]
    assert set(ids(search(made, "t1"))) == {"alpha/t1", "beta/t1"}  # not t12 of 编号T12-A: whole runs only
    assert ids(search(seed, "t12")) == [f"{SEED_DOC}/t12"]
    assert ids(search(made, "T12")) == ["alpha/box1"]  # in the text, folded, T12-A being T12 and A
    assert ids(search(made, "alpha/t2 评估机构")) == ["alpha/t2"]
    assert search(made, "alpha/t2 风险") == []


def test_doc_keeps_one_document_and_an_unknown_one_is_named(made):
    assert set(ids(search(made, "知识产权质押", doc="beta"))) == {"beta/t1"}
    with pytest.raises(NotFound, match="unknown document 'gamma'"):
        search(made, "质押", doc="gamma")


@pytest.mark.parametrize("query", ["", "   ", "，。！", "——", "……（）"])
def test_a_query_without_a_word_is_one_line(made, query):
    with pytest.raises(QueryError) as e:
        search(made, query)
    assert "\n" not in str(e.value) and "nothing to search for" in str(e.value)


def test_limit_and_order(seed):
    every = search(seed, "知识产权", limit=None)
    assert len(every) > 50 and len(search(seed, "知识产权")) == 50
    assert search(seed, "知识产权", limit=5) == every[:5]
    order = {u.rid: u.order for u in seed.model().units.values()}
    assert [(h.rank, order[h.id]) for h in every] == sorted((h.rank, order[h.id]) for h in every)
    assert every == search(seed, "知识产权", limit=None)
    with pytest.raises(QueryError):
        search(seed, "知识产权", limit=0)


# --------------------------------------------------------------------------- highlights


@pytest.mark.parametrize("query, hit", [("知识产权质押", r"知识产权质押"), ("质押 融资", r"(?:质押|融资)+"),
                                        ("市版权局", r"市版权局")])
def test_highlights_cover_exactly_the_matched_characters(kg, query, hit):
    t = texts(kg)
    hits = search(kg, query, limit=None)
    assert hits
    phrases = query.split()
    for h in hits:
        shown = "".join(x for x, _ in h.snippet).strip("…")
        assert shown in t[h.id].replace("\n", " ")
        for x, is_hit in h.snippet:
            if is_hit:
                assert re.fullmatch(hit, x), (h.id, x)
            else:
                assert not any(p in x for p in phrases), (h.id, x)
        # every occurrence inside the window is marked
        marks = marked(h.snippet, "<", ">")
        assert all(p not in re.sub(r"<[^>]*>", "|", marks) for p in phrases)
        if "text" in h.matched:
            assert any(is_hit for _, is_hit in h.snippet)


def test_a_latin_run_is_highlighted_whole_only(made):
    (box,) = search(made, "T12")
    assert [x for x, is_hit in box.snippet if is_hit] == ["T12"]
    (box,) = search(made, "a")  # the A of T12-A, and no a inside a longer run
    assert box.id == "alpha/box1" and [x for x, is_hit in box.snippet if is_hit] == ["A"]
    t1 = next(h for h in search(made, "t1") if h.id == "alpha/t1")
    assert t1.matched == ("id",) and not any(is_hit for _, is_hit in t1.snippet)


def test_a_snippet_never_cuts_a_match_at_its_edges():
    text = "一" * 10 + "知识产权质押" + "二" * 10 + "知识产权质押" + "三" * 100
    hits = [(10, 16), (26, 32)]
    segs = gsearch.snippet(text, hits, width=22, before=4)  # the window would end inside the second match
    assert [x for x, is_hit in segs if is_hit] == ["知识产权质押", "知识产权质押"]
    assert segs[0] == ("…一一一一", False) and segs[-1] == ("…", False)


def test_short_keeps_the_first_hit_and_marks_its_cuts():
    snip = (("甲" * 80, False), ("知识产权质押", True), ("乙" * 80, False))
    cut = short(snip, 40)
    assert ("知识产权质押", True) in cut and cut[0][0].startswith("…") and cut[-1][0].endswith("…")
    assert short(snip[:2], 400) == snip[:2]


# --------------------------------------------------------------------------- the index follows the store


def test_the_index_is_kept_per_version_and_follows_a_rebuild(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    data = tmp_path / "data"
    build([corpus], data)
    with open_kg(data, corpus=None) as kg:
        v1 = kg.version()
        assert search(kg, "区块链存证") == []
        assert (data / "cache" / f"search-{v1}.sqlite").is_file()
        write_corpus(corpus, BETA.replace("扶持数字出版企业", "扶持区块链存证企业"))
        build([corpus], data)
        hits = search(kg, "区块链存证")
        v2 = kg.version()
        assert v2 != v1 and ids(hits) == ["beta/t2"]
        assert [x for x, is_hit in hits[0].snippet if is_hit] == ["区块链存证"]
        assert sorted(p.name for p in (data / "cache").glob("search-*")) == [f"search-{v2}.sqlite"]
    # a fresh process-like open reads the stored file; the rebuilt store answers the same
    with open_kg(data, corpus=None) as kg:
        assert ids(search(kg, "区块链存证")) == ["beta/t2"]


def test_a_stale_or_broken_index_file_is_not_used(tmp_path, made_data):
    data = tmp_path / "data"
    shutil.copytree(made_data / "store", data / "store")
    with open_kg(data, corpus=None) as kg:
        v = kg.version()
        (data / "cache").mkdir()
        (data / "cache" / f"search-{v}.sqlite").write_bytes(b"not a database")
        (data / "cache" / "search-v999999.sqlite").write_bytes(b"an older build's")
        assert ids(search(kg, "alpha/t3")) == ["alpha/t3"]
    assert sorted(p.name for p in (data / "cache").glob("search-*")) == [f"search-{v}.sqlite"]
    assert gsearch.Index.open(data / "cache" / f"search-{v}.sqlite", v) is not None
    assert gsearch.Index.open(data / "cache" / f"search-{v}.sqlite", "v000000") is None


def test_without_a_cache_folder_the_index_lives_in_memory(tmp_path, made_data):
    shutil.copytree(made_data / "store", tmp_path / "store")
    kg = KG(EmbeddedBackend(GraphStore(tmp_path / "store"), None))  # as a SPARQL endpoint: no folder
    try:
        assert set(ids(search(kg, "知识产权质押"))) == {"alpha/t1", "alpha/box1", "beta/t1"}
        assert gsearch.index(kg) is gsearch.index(kg)  # once per version
    finally:
        kg.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_a_remote_endpoint_is_searched_from_memory_as_the_embedded_store(tmp_path, made):
    from servers import start_oxigraph, stop

    corpus = write_corpus(tmp_path / "corpus")
    pid, base = start_oxigraph(tmp_path / "oxigraph")
    try:
        build([corpus], tmp_path / "remote-data", base)
        with open_kg(tmp_path / "remote-data", corpus=None, endpoint=base) as remote:
            assert remote.backend.cache_dir is None
            for query in ("知识产权质押", "市版权局", "alpha/t3"):
                assert search(remote, query, limit=None) == search(made, query, limit=None), query
    finally:
        stop(pid)
    assert not list(tmp_path.rglob("search-*"))  # the index of a remote store stays in memory


# --------------------------------------------------------------------------- the CLI twin


def run(*args):
    env = {k: v for k, v in os.environ.items() if k != "POLICYKG_DATA"}
    return subprocess.run([sys.executable, "-m", "graph.cli", "search", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=120)


def test_the_cli_prints_the_hits_of_the_view(seed, seed_data):
    view = search(seed, "知识产权质押", limit=3)
    r = run("知识产权质押", "--limit", "3", "--format", "json", "--data", seed_data)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == [h.as_dict() for h in view]
    r = run("知识产权质押", "--limit", "3", "--data", seed_data)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "3 hits for 知识产权质押 (first 3)"
    assert [line.split()[1] for line in lines[3:]] == ids(view)
    assert all("【知识产权质押】" in line for line in lines[3:])
    r = run("质押", "融资", "--doc", SEED_DOC, "--format", "csv", "--data", seed_data)
    assert r.returncode == 0, r.stderr
    rows = r.stdout.splitlines()
    assert rows[0].startswith("rank,id,kind,number,title")
    assert [row.split(",")[1] for row in rows[1:]] == ids(search(seed, "质押 融资", doc=SEED_DOC))
    assert [h["snippet"] for h in hit_rows(search(seed, "质押 融资", doc=SEED_DOC))][0] in r.stdout


def test_the_cli_writes_xlsx(seed, seed_data, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "hits.xlsx"
    r = run("市版权局", "--format", "xlsx", "-o", out, "--data", seed_data)
    assert r.returncode == 0, r.stderr
    sheet = load_workbook(out).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ids(search(seed, "市版权局"))


@pytest.mark.parametrize("args, says", [(["，。"], "nothing to search for"), ([""], "nothing to search for"),
                                        (["质押", "--doc", "nope"], "unknown document 'nope'"),
                                        (["质押", "--limit", "0"], "at least 1"),
                                        (["质押", "--format", "html"], "invalid choice")])
def test_bad_queries_give_one_line(seed_data, args, says):
    r = run(*args, "--data", seed_data)
    assert r.returncode != 0
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("policykg: ") and says in lines[0], r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
