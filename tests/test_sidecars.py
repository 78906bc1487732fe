"""Sidecars: every key checked; a bad value is one line naming the file, the key and what was expected."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from extract.pipeline import extract_file
from extract.reader import SIDECAR_KEYS, InputError, read_sidecar

ROOT = Path(__file__).resolve().parent.parent
MINI = "一、任务\n（一）节\n1.做好甲事。（牵头单位：市市场监管局，配合单位：市版权局）\n"
KEYS = ", ".join(SIDECAR_KEYS)
PLACE = "is not a known place (a province, city or county such as 广州市, or 中国)"

# (sidecar text, the message after "my-plan.toml: ")
BAD = [
    ('period_start = "2021年"\n', 'period_start must be a year such as 2021, got "2021年"'),
    ('titel = "某市规划"\n', f'unknown key "titel" (expected one of {KEYS})'),
    ('title = "x"\n[extra]\na = 1\n', f'unknown key "extra" (expected one of {KEYS})'),
    ('title = ["甲", "乙"]\n', 'title must be a string, got ["甲", "乙"]'),
    ("drafted_by = 3\n", "drafted_by must be a string, got 3"),
    ("number = { a = 1 }\n", 'number must be a string, got {"a": 1}'),
    ('title = ""\n', "title must not be empty"),
    ('id = "my plan"\n', 'id must be one word without spaces or /, such as "my-plan", got "my plan"'),
    ('id = "a/b"\n', 'id must be one word without spaces or /, such as "my-plan", got "a/b"'),
    ("period_end = 2025.0\n", "period_end must be a year such as 2021, got 2025.0"),
    ("period_start = true\n", "period_start must be a year such as 2021, got true"),
    ('year = "2021"\n', 'year must be a year such as 2021, got "2021"'),
    ("period_start = 1800\n", "period_start must be a year from 1949 to 2100, got 1800"),
    ("period_end = 2525\n", "period_end must be a year from 1949 to 2100, got 2525"),
    ("period_start = 2025\nperiod_end = 2021\n", "period_end 2021 is before period_start 2025"),
    ('jurisdiction = "火星市"\n', f'jurisdiction "火星市" {PLACE}'),
    ('jurisdiction = "广州市火星区"\n', f'jurisdiction "广州市火星区" {PLACE}'),
    ("jurisdiction = 440100\n", "jurisdiction must be a string, got 440100"),
    ('level = "town"\n', "level must be one of international, national, province, provincial, city, county, "
                         'district, zone, got "town"'),
    ('date = "2021-13-01"\n', 'date is not a day of the calendar, got "2021-13-01"'),
    ('date = "2021年3月"\n', 'date must be a date such as 2021-03-05, got "2021年3月"'),
    ("date = 2021-03-05T10:00:00\n", "date must be a date such as 2021-03-05, got 2021-03-05T10:00:00"),
    ("date = 1900-01-01\n", "date must be a date from 1949 to 2100, got 1900-01-01"),
    ('title = "unterminated\n', r"bad metadata sidecar: Illegal character '\n' (at line 1, column 22)"),
]
GOOD = [
    ('id = "my-plan"\ntitle = "某市某某“十四五”规划"\ndrafted_by = "某市某某局"\njurisdiction = "广州市"\n'
     'period_start = 2021\nperiod_end = 2025\n', {"period_start": 2021, "period_end": 2025}),
    ('jurisdiction = "中国"\nlevel = "national"\nlanguage = "zh"\nyear = 2023\n', {"jurisdiction": "中国"}),
    ('jurisdiction = "石家庄高新技术产业开发区"\nlevel = "zone"\n', {"level": "zone"}),  # a zone of a known city
    ('jurisdiction = "广州市天河区"\nnumber = "穗府办〔2021〕12号"\ndate = 2021-03-05\n', {"date": "2021-03-05"}),
    ('date = "2021-03-05"\nperiod_start = 2021\nperiod_end = 2021\n', {"date": "2021-03-05"}),
]


def run(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "POLICYKG_DATA"}
    return subprocess.run([sys.executable, "-m", "graph.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=120)


def errors(stderr: str) -> list[str]:
    """Return stderr without progress lines and warnings."""
    return [line for line in stderr.splitlines()
            if not line.startswith(("policykg: [", "policykg: warning: "))]


def plan(folder: Path, sidecar: str | None, stem: str = "my-plan") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{stem}.txt").write_text(MINI, encoding="utf-8")
    if sidecar is not None:
        (folder / f"{stem}.toml").write_text(sidecar, encoding="utf-8")
    return folder / f"{stem}.txt"


@pytest.mark.parametrize("sidecar,message", BAD)
def test_bad_sidecar_is_one_input_error(tmp_path, sidecar, message):
    path = plan(tmp_path, sidecar)
    with pytest.raises(InputError) as e:
        read_sidecar(path)
    assert str(e.value) == f"{path.with_suffix('.toml')}: {message}"
    with pytest.raises(InputError):
        extract_file(path)


@pytest.mark.parametrize("sidecar,expected", GOOD)
def test_good_sidecar_is_read(tmp_path, sidecar, expected):
    meta = read_sidecar(plan(tmp_path, sidecar))
    assert expected.items() <= meta.items()


@pytest.mark.parametrize("sidecar,message", BAD)
def test_extract_gives_the_line(tmp_path, sidecar, message):
    plan(tmp_path, sidecar)
    r = run("extract", "my-plan.txt", cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == ""
    assert errors(r.stderr) == [f"policykg: my-plan.toml: {message}"] and "Traceback" not in r.stderr


def test_build_gives_each_line_and_builds_the_good_document(tmp_path):
    corpus = tmp_path / "corpus"
    plan(corpus, 'jurisdiction = "广州市"\nperiod_start = 2021\n', stem="good")
    for i, (sidecar, _) in enumerate(BAD):
        plan(corpus, sidecar, stem=f"bad-{i:02d}")
    r = run("build", "corpus", "--data", "data", cwd=tmp_path)
    assert "Traceback" not in r.stderr
    lines = [f"policykg: corpus/bad-{i:02d}.toml: {message}" for i, (_, message) in enumerate(BAD)]
    summary = f"policykg: rejected {len(BAD)} of {len(BAD) + 1} documents; built the other 1"
    assert errors(r.stderr) == [*lines, summary]
    assert r.returncode == 3 and r.stdout.startswith(f"added 1, replaced 0, skipped 0, removed 0, rejected {len(BAD)}")


def test_build_with_one_bad_sidecar_builds_the_rest_and_exits_non_zero(tmp_path):
    corpus = tmp_path / "corpus"
    for stem in ("a", "b", "c"):
        plan(corpus, f'id = "{stem}"\njurisdiction = "广州市"\nperiod_start = 2021\nperiod_end = 2025\n', stem=stem)
    plan(corpus, 'period_start = "2021年"\n')
    r = run("build", "corpus", "--data", "data", cwd=tmp_path)
    assert r.returncode == 3 and "Traceback" not in r.stderr
    assert r.stdout == r.stdout.splitlines()[0] + "\n"  # the summary line, alone on stdout
    assert r.stdout.startswith("added 3, replaced 0, skipped 0, removed 0, rejected 1 -> ")
    assert errors(r.stderr) == ['policykg: corpus/my-plan.toml: period_start must be a year such as 2021, got "2021年"',
                                "policykg: rejected 1 of 4 documents; built the other 3"]
    docs = run("documents", "--format", "csv", "--data", "data", cwd=tmp_path)
    assert [line.split(",")[0] for line in docs.stdout.splitlines()[1:]] == ["a", "b", "c"]
    # The sidecar fixed, the next build takes the document in and exits 0. (Not "skipped 3": an
    # extractor file edited meanwhile would replace them, and that is right.)
    (corpus / "my-plan.toml").write_text("period_start = 2021\n", encoding="utf-8")
    again = run("build", "corpus", "--data", "data", cwd=tmp_path)
    assert again.returncode == 0 and again.stdout.startswith("added 1, ") and ", rejected 0" in again.stdout
