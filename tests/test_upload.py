"""Uploads are extracted in a child process with limits, and their names are never paths."""

import pytest

from extract.reader import InputError
from extract.upload import extract_upload, safe_name

PLAN = "一、任务\n1.做好甲事。（牵头单位：市版权局，配合单位：市商务局）\n".encode()


@pytest.mark.parametrize("name,expected", [
    ("../../etc/passwd.txt", "passwd.txt"), ("/abs/p.TXT", "p.txt"), ("C:\\x\\规划.PDF", "规划.pdf"),
    ("<img src=x>.txt", "img src=x.txt"), ("...", "upload"),
])
def test_safe_name(name, expected):
    assert safe_name(name) == expected


def test_upload_is_extracted_by_its_bytes_not_its_path():
    x = extract_upload(PLAN, "../../../tmp/plan.txt", {"jurisdiction": "广州市"})
    assert x.document.source == "plan.txt"
    assert [(a.canonical, a.role.value) for a in x.units[0].assignments] == [
        ("广州市版权局", "lead"), ("广州市商务局", "cooperate")]


@pytest.mark.parametrize("data,name,fragment", [
    (PLAN, "plan.exe", "not a document"),
    (b"", "empty.txt", "empty"),
    (b"%PDF-1.4\n1 0 obj", "cut.pdf", "cut.pdf"),
])
def test_bad_uploads_give_one_line(data, name, fragment):
    with pytest.raises(InputError) as e:
        extract_upload(data, name)
    assert fragment in str(e.value) and "\n" not in str(e.value)


def test_an_upload_that_takes_too_long_is_stopped():
    big = ("一、任务\n" + "".join(f"{i}.做好甲事。（牵头单位：市版权局）\n" for i in range(1, 3000))).encode()
    with pytest.raises(InputError, match="took longer than"):
        extract_upload(big, "big.txt", timeout=0.05)


def test_policykg_upload_prints_the_upload_view(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    doc = root / "tests" / "fixtures" / "genre" / "cd-park-table.txt"
    r = subprocess.run([sys.executable, "-m", "graph.cli", "upload", str(doc), "--bureau", "市经信局"],
                       capture_output=True, text=True, cwd=root, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "编制重点产业链全景图和招商图谱" in r.stdout and "市经信局、市新经济委" in r.stdout
    assert r.stdout.count("牵头") >= 3  # the bureau table: 市经信局 leads units 1, 3 and 6
    bad = subprocess.run([sys.executable, "-m", "graph.cli", "upload", str(tmp_path / "none.pdf")],
                         capture_output=True, text=True, cwd=root, timeout=60)
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
