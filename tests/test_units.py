"""Every unit layout of GENRE.md "Where responsibility is written", each from a short made-up plan."""

import pytest

from extract.pipeline import extract_text
from extract.records import Role

L, C, R, G = "lead", "cooperate", "responsible", "guide"


def read(text: str, jurisdiction: str = "广州市黄埔区"):
    return extract_text(text, "t.txt", {"id": "t", "jurisdiction": jurisdiction})


def table(x) -> list[tuple[str, str, dict]]:
    """Return (kind, marker, {role: names meant}) per unit that carries responsibility."""
    out = []
    for u in x.units:
        roles = {}
        for a in u.assignments:
            roles.setdefault(a.role.value, [])
            if a.name not in roles[a.role.value]:
                roles[a.role.value].append(a.name)
        if roles:
            out.append((u.kind, u.marker, roles))
    return out


LAYOUTS = [
    ("titled sub-paragraphs",
     "一、重点任务\n（一）健全制度。\n1.健全制度体系。推进甲事。（甲部牵头）\n2.完善乙机制。（乙部负责）\n",
     [("task", "1.", {L: ["甲部"]}), ("task", "2.", {R: ["乙部"]})]),
    ("a clause for a whole section",
     "一、任务\n（一）推进甲\n1.做好甲事。\n2.做好乙事。\n（责任部门：省甲厅、省乙委牵头，省丙厅按职责分工负责）\n"
     "（二）推进乙\n3.做好丁事。（省戊厅负责）\n",
     [("task", "1.", {L: ["省甲厅", "省乙委"], R: ["省丙厅"]}), ("task", "2.", {L: ["省甲厅", "省乙委"], R: ["省丙厅"]}),
      ("task", "3.", {R: ["省戊厅"]})]),
    ("bare label lines after each task",
     "一、任务\n1.推进甲事。\n牵头单位：区甲局，配合单位：区乙局、区丙办\n2.推进乙事。\n责任单位：区甲局，区法院、检察院，黄埔海关\n",
     [("task", "1.", {L: ["区甲局"], C: ["区乙局", "区丙办"]}),
      ("task", "2.", {R: ["区甲局", "区法院", "区检察院", "黄埔海关"]})]),
    ("a table with tabs and merged cells",
     "某区整改方案\n序号\t重点任务\t牵头单位\t配合单位\t完成时限\n1\t建设甲平台\t区甲局\t区乙局、区丙局\t2022年底前\n"
     "2\t完善乙制度\t\t区丁局\t\n\t\t\t区戊局\t\n3\t推进丙\t区己局\t—\t2023年6月\n",
     [("task", "1", {L: ["区甲局"], C: ["区乙局", "区丙局"]}), ("task", "2", {L: ["区甲局"], C: ["区丁局", "区戊局"]}),
      ("task", "3", {L: ["区己局"]})]),
    ("a table with | cells",
     "| 序号 | 存在问题 | 整改措施 | 责任单位 |\n| 1 | 问题甲 | 整改甲事 | 区甲局、区乙局 |\n| 2 | 问题乙 | 整改乙事 | 区丙局 |\n",
     [("task", "1", {R: ["区甲局", "区乙局"]}), ("task", "2", {R: ["区丙局"]})]),
    ("sections that are tasks, sentence-level clauses, a closing section",
     "一、主要任务\n（一）加强甲。推进甲事（甲部负责）。完善乙事（乙部牵头，丙部参与）。\n"
     "二、保障措施\n（一）加强组织领导。各部门要加强协作。（牵头单位：己部）\n",
     [("task", "（一）", {R: ["甲部"], L: ["乙部"], C: ["丙部"]}), ("measure", "（一）", {L: ["己部"]})]),
    ("articles",
     "第一条 为了推进甲，制定本方案。\n第二条 建立甲制度。（甲部负责）\n第三条 完善乙。（乙部牵头，丙部配合，完成时限：2022年）\n",
     [("task", "第二条", {R: ["甲部"]}), ("task", "第三条", {L: ["乙部"], C: ["丙部"]})]),
    ("rules in running text",
     "一、任务\n各项任务列第一位者为牵头单位，下同。以下均需试点城市政府落实，不再列出。\n1.甲事。（甲部、乙部负责）\n",
     [("task", "1.", {L: ["甲部"], R: ["乙部", "试点城市政府"]})]),
    ("a box's numbered items are not tasks",
     "一、任务\n（一）推进甲\n1.做好甲事。\n2.做好乙事。\n（责任单位：省甲厅，各市（州）人民政府）\n专栏 某某工程\n"
     "1.甲工程。建设一批。\n2.乙工程。建设一批。\n（二）推进乙\n3.做好丙事。（省乙厅负责）\n",
     [("task", "1.", {R: ["省甲厅", "各市（州）人民政府"]}), ("task", "2.", {R: ["省甲厅", "各市（州）人民政府"]}),
      ("task", "3.", {R: ["省乙厅"]})]),
    ("a table with heading rows and a merged 序号",
     "序号\t重点任务\t牵头单位\t配合单位\t完成时限\n一、甲方面\n1\t建设甲\t区甲局\t区乙局\t2023年\n"
     "\t完善甲的配套\t区丙局\t区丁局\t\n二、乙方面\n2\t建设乙\t区戊局\t\t2024年\n",
     [("task", "1", {L: ["区甲局", "区丙局"], C: ["区乙局", "区丁局"]}), ("task", "2", {L: ["区戊局"]})]),
    ("an indicator table with a 责任单位 column",
     "主要指标\n序号\t指标名称\t2022年\t2025年\t责任单位\n1\t甲覆盖率（%）\t85\t100\t省甲厅\n2\t乙数量（个）\t6\t10\t省甲厅、省乙社\n",
     [("task", "1", {R: ["省甲厅"]}), ("task", "2", {R: ["省甲厅", "省乙社"]})]),
    ("a rule paragraph before the tasks",
     "二、主要任务\n（以下各项任务均需各区人民政府落实，不再列出）\n（一）提升甲\n1.做好甲事。（市甲局牵头）\n",
     [("task", "1.", {L: ["市甲局"], R: ["各区人民政府"]})]),
    ("rules inside clauses",
     "一、任务\n1.甲事。（甲部、乙部负责。列第一位者为牵头单位，下同）\n2.乙事。（丙部、丁部负责）\n"
     "3.丙事。（各片区负责配合落实，以下均需各片区配合落实，不再列出）\n4.丁事。（牵头单位：戊部）\n",
     [("task", "1.", {L: ["甲部"], R: ["乙部"]}), ("task", "2.", {L: ["丙部"], R: ["丁部"]}),
      ("task", "3.", {C: ["各片区"]}), ("task", "4.", {L: ["戊部"], C: ["各片区"]})]),
]


@pytest.mark.parametrize("name,text,expected", LAYOUTS, ids=[x[0] for x in LAYOUTS])
def test_layouts(name, text, expected):
    x = read(text)
    assert table(x) == expected
    for u in x.units:  # every unit keeps its span and its clause spans
        assert x.document.text[u.span.start:u.span.end] == u.span.quote
        for c in u.clauses:
            assert x.document.text[c.span.start:c.span.end] == c.span.quote


def test_table_deadlines_are_unit_facts():
    x = read(LAYOUTS[3][1])
    assert [[(d.text, d.year) for d in u.deadlines] for u in x.units] == [
        [("2022年底前", 2022)], [("2022年底前", 2022)], [("2023年6月", 2023)]]


def test_unresolved_names_are_reported_once_with_their_count():
    x = read("一、任务\n1.甲事。（区甲局负责）\n2.乙事。（区甲局负责）\n")
    msgs = [w.message for w in x.warnings if w.code == "unresolved-agency"]
    assert msgs == ["agency '区甲局' is not in the gazetteer (2 times)"]


def test_china_inside_a_name_is_no_place_mention():
    x = read("一、任务\n1.争创中国专利奖，加强与中国香港、美国的合作。（市甲局负责）\n", "广州市")
    assert [m.name for m in x.units[0].places if m.name == "中国"] == []
    assert "美国" in [m.name for m in x.units[0].places]


def test_jurisdiction_is_inferred_and_reported():
    x = extract_text("一、任务\n1.做好甲事。（省科技厅牵头，省财政厅配合）\n", "hb.txt",
                     {"id": "hb", "title": "河北省某某行动方案"})
    assert x.document.metadata["jurisdiction"] == "河北省"
    assert [a.canonical for a in x.units[0].assignments] == ["河北省科学技术厅", "河北省财政厅"]
    assert any(w.code == "jurisdiction-inferred" and "河北省" in w.message for w in x.warnings)
