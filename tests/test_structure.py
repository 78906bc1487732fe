"""Structure across issuers: 第一章/第一节, （1） tasks, boxes, page numbers, letter-spacing, tables."""

from extract.normalize import normalize
from extract.pipeline import extract_text
from extract.records import Role

PROVINCE_PLAN = """某省某某实施方案
第一章 总体要求
第一节 主要目标
（1）建立健全工作机制。（省甲厅牵头，省乙厅、丙厅按职责分工负责）
- 3 -
（2）加强某某保护。〔责任单位：省甲厅、省乙局〕
第二章 重点任务
第一节 强化保护
（1）推进某某工作，加大力度。（省甲厅、省乙局牵头负责）
专栏 1 某 某 建 设 工 程
内容说明。
（2）完善某某机制。（牵头单位：广东省市场监督管理局（知识产权局）、省版权局）
"""


def test_chapter_and_bracketed_task_numbers():
    x = extract_text(PROVINCE_PLAN, "p.txt", {"jurisdiction": "广东省"})
    assert [(s.level, s.title) for s in x.sections] == [
        ("part", "总体要求"), ("section", "主要目标"), ("part", "重点任务"), ("section", "强化保护")]
    assert [u.title for u in x.units] == ["建立健全工作机制", "加强某某保护", "推进某某工作，加大力度", "完善某某机制"]
    assert len({u.id for u in x.units}) == 4  # numbering restarts per section
    assert x.units[0].names(Role.LEAD) == ["省甲厅"] and x.units[0].names(Role.RESPONSIBLE) == ["省乙厅", "丙厅"]
    assert x.units[1].names(Role.RESPONSIBLE) == ["省甲厅", "省乙局"]
    assert [a.canonical for a in x.units[3].assignments] == ["广东省市场监督管理局", "广东省版权局"]


def test_page_numbers_and_letter_spacing_are_removed():
    x = extract_text(PROVINCE_PLAN, "p.txt")
    assert "- 3 -" not in x.document.text
    assert x.boxes[0].title == "某某建设工程"
    assert x.boxes[0].after_task == x.units[2].id


def test_title_comes_from_metadata_or_first_line():
    assert extract_text(PROVINCE_PLAN, "p.txt").document.title == "某省某某实施方案"
    assert extract_text(PROVINCE_PLAN, "p.txt", {"title": "甲"}).document.title == "甲"


def test_wrapped_lines_rejoin_and_names_split_over_lines_are_whole():
    raw = "1.加强某项工作，推进某某\n\n建设。（牵头单位：市市\n\n场监管局，配合单位：市版权局）\n\n2.另一项。（市版权局负责）\n"
    n = normalize(raw)
    assert n.text == "1.加强某项工作，推进某某建设。（牵头单位：市市场监管局，配合单位：市版权局）\n2.另一项。（市版权局负责）"


def test_footnote_body_is_moved_out_of_the_paragraph():
    raw = ("1.支持“双区”1建设，推进知识产权保护工作走在全国\n\n1 粤港澳大湾区和深圳先行示范区\n\n\n\n"
           "前列。（牵头单位：市市场监管局）\n")
    x = extract_text(raw, "f.txt", {"jurisdiction": "广州市"})
    assert "走在全国前列。（牵头单位" in x.document.text
    f = x.footnotes[0]
    assert (f.number, f.term, f.body.quote) == (1, "“双区”", "粤港澳大湾区和深圳先行示范区")
    assert x.units[0].names(Role.LEAD) == ["市市场监管局"]


def test_control_characters_never_reach_the_text():
    x = extract_text("一、任务\n1.甲事。（牵头单位：市\x1b甲局\u200b，配合单位：市乙局\x07）\n", "c.txt")
    assert x.units[0].names(Role.LEAD) == ["市甲局"] and x.units[0].names(Role.COOPERATE) == ["市乙局"]
    assert "\x1b" not in x.document.text and "\u200b" not in x.document.text
