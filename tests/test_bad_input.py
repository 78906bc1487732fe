"""Bad input: one clear line naming the file, nothing lost, the rest of a folder still extracted."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from extract.pipeline import extract_file
from extract.reader import InputError

SEED = Path(__file__).resolve().parent.parent / "corpus" / "guangzhou-ip-plan-2021-2025.txt"
MINI = "一、任务\n（一）节\n1.做好甲事。（牵头单位：市市场监管局，配合单位：市版权局）\n"


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "graph.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or Path(__file__).resolve().parent.parent)


@pytest.mark.parametrize("name,data,message", [
    ("empty.txt", b"", "file is empty"),
    ("blank.txt", b"\n\n  \n", "file is empty"),
    ("binary.txt", b"\x00\x01\x02PK\x03\x04" * 50, "binary file"),
    ("latin.txt", bytes(range(0x80, 0x100)) * 4, "not UTF-8 or GB18030"),
    ("notasks.txt", "这是一段没有任务的文字。\n".encode(), "no numbered task"),
])
def test_bad_files_give_one_line(tmp_path, name, data, message):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(InputError) as e:
        extract_file(p)
    assert message in str(e.value) and str(p) in str(e.value) and "\n" not in str(e.value)
    r = run("extract", p)
    assert r.returncode != 0
    assert r.stderr.strip().splitlines()[-1].startswith("policykg: ") and name in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_path():
    r = run("extract", "no/such/file.txt")
    assert r.returncode != 0 and "no/such/file.txt: no such file or folder" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("encoding,bom,newline", [("gb18030", b"", "\n"), ("utf-8", b"\xef\xbb\xbf", "\r\n"),
                                                  ("utf-8", b"", "\r\n")])
def test_encodings_and_line_ends_decode_the_same(tmp_path, encoding, bom, newline):
    p = tmp_path / "x.txt"
    p.write_bytes(bom + MINI.replace("\n", newline).encode(encoding))
    ref = tmp_path / "ref.txt"
    ref.write_text(MINI, encoding="utf-8")
    a, b = extract_file(p), extract_file(ref)
    assert a.document.text == b.document.text
    assert [(x.agency, x.role) for x in a.units[0].assignments] == [(x.agency, x.role) for x in b.units[0].assignments]


def test_folder_with_a_bad_file_still_extracts_the_rest(tmp_path):
    (tmp_path / "a.txt").write_text(MINI, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"")
    (tmp_path / "c.txt").write_text(MINI.replace("甲事", "乙事"), encoding="utf-8")
    r = run("extract", tmp_path, "--format", "json")
    assert r.returncode == 0
    docs = json.loads(r.stdout)
    assert [d["document"]["id"] for d in docs] == ["a", "c"]
    assert "b.txt: file is empty" in r.stderr


def test_html_and_docx_inputs(tmp_path):
    html = "<html><body>" + "".join(f"<p>{line}</p>" for line in MINI.splitlines()) + "</body></html>"
    (tmp_path / "p.html").write_text(html.replace("市版权局", "市版权局&amp;"), encoding="utf-8")
    x = extract_file(tmp_path / "p.html")
    assert x.units[0].names(next(iter(x.units[0].assignments)).role) == ["市市场监管局"]
    import zipfile

    body = "".join(f'<w:p><w:r><w:t>{line}</w:t></w:r></w:p>' for line in MINI.splitlines())
    xml = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
           f'wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>')
    with zipfile.ZipFile(tmp_path / "d.docx", "w") as z:
        z.writestr("word/document.xml", xml)
    assert len(extract_file(tmp_path / "d.docx").units[0].assignments) == 2


def test_output_file_is_written_whole_or_not_at_all(tmp_path):
    out = tmp_path / "out.csv"
    r = run("extract", SEED, "--format", "csv", "-o", out)
    assert r.returncode == 0 and out.read_text(encoding="utf-8").startswith("document,part,section")
    bad = tmp_path / "nodir" / "out.csv"
    r = run("extract", SEED, "--format", "csv", "-o", bad)
    assert r.returncode != 0 and not bad.exists() and "Traceback" not in r.stderr


def test_a_document_the_mapping_cannot_name_is_rejected_in_one_line_and_the_rest_built(tmp_path):
    """The genre fixtures' README (a list of layouts in Markdown, read as a plan): rejected in one line, the plan built."""
    import shutil

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plan.txt").write_text("一、任务\n（一）保护\n1.做好甲事。（牵头单位：市市场监管局）\n", encoding="utf-8")
    shutil.copy(Path(__file__).resolve().parent / "fixtures" / "genre" / "README.md", corpus / "notes.md")
    r = run("build", corpus, "--data", tmp_path / "data")
    assert r.returncode == 3, r.stderr  # built, with a rejected document
    assert "Traceback" not in r.stderr
    assert "added 1," in r.stdout and "rejected 1" in r.stdout
    lines = [line for line in r.stderr.splitlines() if "notes.md:" in line]
    assert len(lines) == 1 and "cannot be mapped to RDF" in lines[0], r.stderr
