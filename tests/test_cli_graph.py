"""The CLI twins as a user runs them: `python -m graph.cli …` in a subprocess, exit codes, one-line errors."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from servers import free_port

from graph.query import build

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = ["build", "agency", "agencies", "coassigned", "task", "documents", "outline", "indicators", "metrics",
            "sparql", "queries", "export", "app"]
MINI = "一、任务\n（一）节\n1.做好甲事。（牵头单位：市市场监管局，配合单位：市版权局）\n2.做好乙事。（市版权局负责）\n"
OTHER = "一、任务\n（一）节\n1.做好丙事。（牵头单位：市版权局）\n"


def run(*args, cwd=ROOT, env=None):
    full = {k: v for k, v in os.environ.items() if k != "POLICYKG_DATA"}
    full.update(env or {})
    return subprocess.run([sys.executable, "-m", "graph.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=full, timeout=120)


def one_line_error(r) -> str:
    """Return the error line; progress lines ("policykg: [i/n] …") may come before it."""
    assert r.returncode != 0, r.stdout
    lines = [line for line in r.stderr.strip().splitlines() if not line.startswith("policykg: [")]
    assert len(lines) == 1 and lines[0].startswith("policykg: "), r.stderr
    assert "Traceback" not in r.stderr
    return lines[0]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """A store built from the seed corpus."""
    folder = tmp_path_factory.mktemp("cli-data")
    build([ROOT / "corpus"], folder)
    return folder


def test_every_command_help_ends_with_an_example():
    from graph.cli import parser

    p = parser()
    assert p.format_help().rstrip().splitlines()[-1].strip().startswith("policykg ")
    commands = next(a for a in p._actions if a.dest == "command").choices
    assert set(COMMANDS) <= set(commands)
    for name, sub in commands.items():
        assert sub.format_help().rstrip().splitlines()[-1].strip().startswith("policykg "), name
    r = run("agency", "--help")  # and as a user sees it
    assert r.returncode == 0 and r.stdout.rstrip().splitlines()[-1].strip().startswith("policykg agency")


def test_agency_table_csv_json(data):
    table = run("agency", "市市场监管局", "--role", "cooperate", "--data", data)
    assert table.returncode == 0 and "t42" in table.stdout and table.stderr == ""
    rows = list(csv.reader(io.StringIO(run("agency", "广州市市场监督管理局（知识产权局）", "--role", "lead",
                                           "--format", "csv", "--data", data).stdout)))
    assert rows[0][:6] == ["文件", "文件标题", "年份", "发文单位", "部分", "章节"] and len(rows) == 42
    listed = json.loads(run("agency", "市市场监管局", "--format", "json", "--data", data).stdout)
    assert sum(r["role"] == "lead" for r in listed) == 41


def test_agency_gives_a_page_of_its_rows_with_limit_and_offset(data):
    every = json.loads(run("agency", "市市场监管局", "--format", "json", "--data", data).stdout)
    page = json.loads(run("agency", "市市场监管局", "--format", "json", "--limit", "4", "--offset", "3",
                          "--data", data).stdout)
    assert len(every) > 10 and page == every[3:7]
    table = run("agency", "市市场监管局", "--limit", "4", "--offset", "3", "--data", data).stdout
    assert table.splitlines()[0] == f"广州市市场监督管理局: rows 4–7 of {len(every)}"
    assert len(table.splitlines()) == 2 + 1 + 4
    past = run("agency", "市市场监管局", "--offset", str(len(every)), "--data", data).stdout
    assert past.splitlines()[0] == f"广州市市场监督管理局: no rows after the first {len(every)} ({len(every)} in all)"
    r = run("agency", "市市场监管局", "--limit", "-1", "--data", data)
    assert r.returncode == 2 and "not a number of rows: '-1'" in one_line_error(r)


def test_agency_xlsx_to_a_file(data, tmp_path):
    out = tmp_path / "分工表.xlsx"
    r = run("agency", "市版权局", "--format", "xlsx", "-o", out, "--data", data)
    assert r.returncode == 0 and out.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("args,message", [
    (["agency", "市市场监督局"], "unknown agency '市市场监督局'; closest: "),
    (["agency", "市版权局", "--role", "boss"], "unknown role 'boss'"),
    (["agency", "市版权局", "--format", "pdf"], "unknown format 'pdf'"),
    (["task", "t999"], "unknown task 't999'"),
    (["sparql", "SELEC * WHERE { ?s ?p ?o }"], "malformed SPARQL query"),
    (["sparql", "DELETE WHERE { ?s ?p ?o }"], "refusing SPARQL update (DELETE …) on the read-only query path"),
    (["sparql", "agencies-by-rol"], "unknown query 'agencies-by-rol'; closest: agencies-by-role"),
    (["sparql", "ASK { ?s ?p ?o }", "--format", "turtle"], "needs a CONSTRUCT or DESCRIBE"),
    (["sparql", "@/nonexistent/q.rq"], "No such file"),
    (["export", "--format", "n3"], "unknown format 'n3'; choose one of turtle, trig, nt, nquads, json-ld, xml"),
    (["export", "--format", "turtle", "--section", "s99.9"], "unknown section 's99.9'"),
])
def test_bad_input_is_one_line(data, args, message):
    assert message in one_line_error(run(*args, "--data", data))


def test_argument_errors_are_one_line_too():
    r = run("export")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "--format" in r.stderr


def test_task_and_the_other_views(data):
    t = json.loads(run("task", "guangzhou-ip-plan-2021-2025/t12", "--format", "json", "--data", data).stdout)
    assert t["id"].endswith("/t12") and t["clauses"][0]["quote"] in t["text"]
    assert "强化知识产权海外维权援助" in run("task", "t12", "--data", data).stdout
    counts = list(csv.DictReader(io.StringIO(run("agencies", "--format", "csv", "--data", data).stdout)))
    assert counts[0]["agency"] == "广州市市场监督管理局" and counts[0]["lead"] == "41"
    for command in ("documents", "outline", "indicators", "metrics"):
        r = run(command, "--format", "json", "--data", data)
        assert r.returncode == 0 and json.loads(r.stdout), command
    assert "shared_tasks" in run("coassigned", "市版权局", "--data", data).stdout


def test_sparql_kinds_and_formats(data):
    r = run("sparql", "SELECT ?t WHERE { ?t pkg:cooperatingAgency ?a } LIMIT 3", "--format", "csv", "--data", data)
    assert r.returncode == 0 and r.stdout.splitlines()[0] == "t" and len(r.stdout.splitlines()) == 4
    assert run("sparql", "ASK { ?t pkg:leadAgency ?a }", "--data", data).stdout.strip() == "true"
    ttl = run("sparql", "CONSTRUCT { ?t pkg:leadAgency ?a } WHERE { ?t pkg:leadAgency ?a }", "--format", "turtle",
              "--data", data)
    assert ttl.returncode == 0 and len(Graph().parse(data=ttl.stdout, format="turtle")) > 40
    described = run("sparql", "DESCRIBE <https://w3id.org/policykg/agency/gz-amr>", "--format", "json", "--data", data)
    assert described.returncode == 0 and "市市场监管局" in described.stdout
    canned = run("sparql", "agency-cooperates", "--param", "name=市版权局", "--format", "json", "--data", data)
    assert len(json.loads(canned.stdout)["results"]["bindings"]) > 5
    queries = run("queries")
    assert queries.returncode == 0 and "places-by-mentions" in queries.stdout


def test_sparql_from_a_file(data, tmp_path):
    q = tmp_path / "q.rq"
    q.write_text("SELECT (COUNT(?t) AS ?n) WHERE { ?t pkg:leadAgency ?a }", encoding="utf-8")
    r = run("sparql", f"@{q}", "--format", "json", "--data", data)
    assert int(json.loads(r.stdout)["results"]["bindings"][0]["n"]["value"]) > 40


def test_export_to_a_file_and_nothing_on_failure(data, tmp_path):
    out = tmp_path / "t12.ttl"
    r = run("export", "--format", "turtle", "--task", "t12", "-o", out, "--data", data)
    assert r.returncode == 0 and len(Graph().parse(out, format="turtle")) > 50
    bad = tmp_path / "bad.ttl"
    one_line_error(run("export", "--format", "n3", "-o", bad, "--data", data))
    alias = tmp_path / "alias.ttl"
    assert run("export", "--format", "ttl", "--task", "t12", "-o", alias, "--data", data).returncode == 0
    assert alias.read_bytes() == out.read_bytes()  # an alias means its format
    alias.unlink()
    one_line_error(run("export", "--format", "turtle", "--agency", "不存在的单位", "-o", bad, "--data", data))
    assert not bad.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["t12.ttl"]
    graphml = run("export", "--format", "graphml", "--agency", "市版权局", "--data", data)
    assert graphml.returncode == 0 and "<graphml" in graphml.stdout


def test_build_skips_unchanged_and_replaces_changed(tmp_path):
    corpus, store = tmp_path / "corpus", tmp_path / "data"
    corpus.mkdir()
    (corpus / "mini.txt").write_text(MINI, encoding="utf-8")
    (corpus / "other.txt").write_text(OTHER, encoding="utf-8")
    first = run("build", corpus, "--data", store)
    assert first.returncode == 0 and first.stdout.startswith("added 2, replaced 0, skipped 0")
    assert "policykg: [" in first.stderr  # progress on stderr
    second = run("build", corpus, "--data", store)
    assert second.stdout.startswith("added 0, replaced 0, skipped 2, removed 0")
    (corpus / "mini.txt").write_text(MINI.replace("做好甲事", "做好丁事"), encoding="utf-8")
    third = run("build", corpus, "--data", store)
    assert third.stdout.startswith("added 0, replaced 1, skipped 1, removed 0")
    titles = run("sparql", "SELECT ?t WHERE { ?u eli:title ?t } ORDER BY ?t", "--format", "csv", "--data", store)
    assert "做好丁事" in titles.stdout and "做好甲事" not in titles.stdout and "做好丙事" in titles.stdout
    (corpus / "other.txt").unlink()
    (corpus / "empty.txt").write_bytes(b"")
    fourth = run("build", corpus, "--data", store)
    assert fourth.returncode == 3 and fourth.stdout.startswith("added 0, replaced 0, skipped 1, removed 1, rejected 1")
    assert "empty.txt: file is empty" in fourth.stderr
    assert json.loads(run("documents", "--format", "json", "--data", store).stdout)[0]["id"] == "mini"


def test_commands_build_the_store_on_first_use(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mini.txt").write_text(MINI, encoding="utf-8")
    r = run("agency", "市版权局", "--format", "json", "--data", tmp_path / "data", "--corpus", corpus)
    assert r.returncode == 0 and [x["task"] for x in json.loads(r.stdout)] == ["mini/t1", "mini/t2"]
    assert "policykg: [" in r.stderr
    env = {"POLICYKG_DATA": str(tmp_path / "data")}
    assert run("agency", "市版权局", "--role", "responsible", "--format", "json", env=env).stdout.count("mini/t2") == 1
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no store at" in one_line_error(run("agencies", "--data", tmp_path / "none", cwd=empty))


def test_locked_store_is_one_line(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mini.txt").write_text(MINI, encoding="utf-8")
    store = tmp_path / "data"
    (store / "store").mkdir(parents=True)
    with open(store / "store" / "build.lock", "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        message = one_line_error(run("build", corpus, "--data", store))
        assert "is in use by another process" in message and str(os.getpid()) in message
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def test_unreachable_endpoint_is_one_line(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    assert "unreachable" in one_line_error(run("agencies", "--endpoint", url, "--data", tmp_path))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mini.txt").write_text(MINI, encoding="utf-8")
    assert "unreachable" in one_line_error(run("build", corpus, "--endpoint", url, "--data", tmp_path))


def test_sparql_update_needs_the_flag(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "mini.txt").write_text(MINI, encoding="utf-8")
    store = tmp_path / "data"
    build([corpus], store)
    insert = "INSERT DATA { GRAPH <urn:x:notes> { <urn:x:a> rdfs:comment 'note' } }"
    assert "refusing SPARQL update" in one_line_error(run("sparql", insert, "--data", store))
    r = run("sparql", insert, "--update", "--data", store)
    assert r.returncode == 0 and "updated" in r.stderr
    assert run("sparql", "ASK { <urn:x:a> rdfs:comment 'note' }", "--data", store).stdout.strip() == "true"


def test_in_a_corpus_every_bureau_row_names_its_document_and_filters_by_it(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for stem, year, issuer, task in (("plan-a", 2021, "广州市科学技术局", "做好甲事"), ("plan-b", 2023, "广州市商务局", "做好乙事")):
        (corpus / f"{stem}.txt").write_text(
            f"{stem}规划\n一、任务\n（一）保护\n1.{task}。（牵头单位：市版权局，配合单位：市公安局）\n", encoding="utf-8")
        (corpus / f"{stem}.toml").write_text(f'jurisdiction = "广州市"\nperiod_start = {year}\ndrafted_by = "{issuer}"\n',
                                              encoding="utf-8")
    store = tmp_path / "data"
    assert run("build", str(corpus), "--data", str(store)).returncode == 0
    rows = list(csv.reader(io.StringIO(run("agency", "市版权局", "--data", str(store), "--format", "csv").stdout)))
    header = rows[0]
    got = sorted((r[header.index("文件")], r[header.index("文件标题")], r[header.index("年份")], r[header.index("发文单位")],
                  r[header.index("任务")]) for r in rows[1:])
    assert got == [("plan-a", "plan-a规划", "2021", "广州市科学技术局", "做好甲事"),
                   ("plan-b", "plan-b规划", "2023", "广州市商务局", "做好乙事")]
    for flags, want in ((["--year", "2023"], ["做好乙事"]), (["--doc", "plan-a"], ["做好甲事"]),
                        (["--issuer", "市科技局"], ["做好甲事"]), (["--year", "2019"], [])):
        out = run("agency", "市版权局", "--data", str(store), "--format", "json", *flags)
        assert [r["title"] for r in json.loads(out.stdout)] == want, flags
    docs = json.loads(run("documents", "--data", str(store), "--format", "json").stdout)
    assert [(d["id"], d["year"], d["issuer"]) for d in docs] == [("plan-a", 2021, "广州市科学技术局"),
                                                                 ("plan-b", 2023, "广州市商务局")]


def test_network_links_lists_each_collaboration_link_with_its_shared_tasks(data):
    from graph.query import open_kg
    from graph.views.network import network_view

    r = run("network", "--mode", "collaboration", "--links", "--format", "json", "--data", data)
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    with open_kg(data, corpus=None) as kg:
        view = network_view(kg, "collaboration")
    assert len(rows) == view.graph.number_of_edges() > 10
    pair = {frozenset((row["单位 A"], row["单位 B"])): row for row in rows}
    for a, b, d in view.graph.edges(data=True):  # every link, its weight the number of tasks it lists
        row = pair[frozenset((view.graph.nodes[a]["label"], view.graph.nodes[b]["label"]))]
        assert row["共同任务数 shared tasks"] == d["weight"] == len(row["共同任务 tasks"].split("；"))
    assert "--mode collaboration" in one_line_error(run("network", "--links", "--data", data))
