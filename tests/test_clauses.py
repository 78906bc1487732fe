"""Every responsibility-clause shape of GENRE.md, with positive and negative cases."""

import pytest

from extract.pipeline import extract_text
from extract.records import Role

META = {"id": "t", "title": "测试规划", "jurisdiction": "广州市"}


def extract(task_text: str, meta=META):
    return extract_text(f"一、主要任务\n（一）第一节\n1.做好某项工作。{task_text}\n", "t.txt", meta)


def roles(task_text: str, meta=META) -> dict:
    u = extract(task_text, meta).units[0]
    return {r.value: u.names(r) for r in Role if u.names(r)}


L, C, R, G = "lead", "cooperate", "responsible", "guide"
CASES = [
    ("（牵头单位：市甲局、市乙局，配合单位：市丙委、各区人民政府）", {L: ["市甲局", "市乙局"], C: ["市丙委", "各区人民政府"]}),
    ("（牵头单位：市甲局；配合单位：市乙局）", {L: ["市甲局"], C: ["市乙局"]}),
    ("（牵头单位：市甲局 责任单位：市乙局）", {L: ["市甲局"], R: ["市乙局"]}),
    ("（牵头单位：市甲局配合单位：市乙局）", {L: ["市甲局"], C: ["市乙局"]}),
    ("（牵头单位：市甲局）", {L: ["市甲局"]}),
    ("(牵头单位:市甲局,配合单位:市乙局)", {L: ["市甲局"], C: ["市乙局"]}),
    ("（市甲局、市乙局、市丙委等按职责分工负责）", {R: ["市甲局", "市乙局", "市丙委"]}),
    ("（市甲局牵头，市乙局、市丙委配合）", {L: ["市甲局"], C: ["市乙局", "市丙委"]}),
    ("（市甲局牵头，市乙局参与）", {L: ["市甲局"], C: ["市乙局"]}),
    ("（市甲局牵头，市乙局协同）", {L: ["市甲局"], C: ["市乙局"]}),
    ("（市甲局、市乙局牵头负责）", {L: ["市甲局", "市乙局"]}),
    ("（省甲厅牵头，省乙厅、丙厅按职责分工负责）", {L: ["省甲厅"], R: ["省乙厅", "丙厅"]}),
    ("（甲部会同有关部门负责）", {L: ["甲部"], C: ["有关部门"]}),
    ("（甲部、乙部指导）", {G: ["甲部", "乙部"]}),
    ("〔责任单位：省甲厅、省乙局〕", {R: ["省甲厅", "省乙局"]}),
    ("（牵头部门：市甲局，协办单位：市乙局，参与单位：市丙委）", {L: ["市甲局"], C: ["市乙局", "市丙委"]}),
    ("（责任部门：市甲局）", {R: ["市甲局"]}),
    ("（市甲局负责）", {R: ["市甲局"]}),
    ("（牵头单位：市市场监督管理局（知识产权局），配合单位：中国（广州）知识产权保护中心）",
     {L: ["市市场监督管理局（知识产权局）"], C: ["中国（广州）知识产权保护中心"]}),
    ("（牵头单位：市甲局，配合单位：“双随机、一公开”各监管部门、市乙局）",
     {L: ["市甲局"], C: ["“双随机、一公开”各监管部门", "市乙局"]}),
    ("（牵头单位：市甲局，配合单位：市知识产权工作领导小组成员单位）", {L: ["市甲局"], C: ["市知识产权工作领导小组成员单位"]}),
    ("（牵头单位：市甲局；配合单位：各区、县级市、有关部门）", {L: ["市甲局"], C: ["各区、县级市", "有关部门"]}),
    ("（由市甲局牵头，各有关单位配合）", {L: ["市甲局"], C: ["各有关单位"]}),
]


@pytest.mark.parametrize("clause,expected", CASES, ids=[c for c, _ in CASES])
def test_clause_shapes(clause, expected):
    assert roles(clause) == expected


NOT_CLAUSES = ["（2021-2035 年）", "（WIPO）", "（试行）", "（知识产权局）", "（件）", "（专利池）", "（中心）", "（含计算机软件著作权）"]


@pytest.mark.parametrize("text", NOT_CLAUSES)
def test_brackets_that_are_not_clauses(text):
    x = extract_text(f"一、任务\n（一）节\n1.推进《某规划{text}》和某中心{text}建设。（牵头单位：市甲局）\n", "t.txt", META)
    assert x.units[0].names(Role.LEAD) == ["市甲局"]
    assert len(x.units[0].clauses) == 1


def test_shared_prefix_resolves_to_full_name():
    u = extract("（市发展改革委、科技局、财政局按职责分工负责）").units[0]
    got = [(a.agency, a.canonical) for a in u.assignments]
    assert got == [("市发展改革委", "广州市发展和改革委员会"), ("科技局", "广州市科学技术局"), ("财政局", "广州市财政局")]
    assert "shared-prefix:市科技局" in u.assignments[1].inferred


def test_shared_prefix_negative_without_prefix():
    # 广州海关 has no level prefix to share: 黄埔海关 stays itself
    u = extract("（牵头单位：广州海关、黄埔海关）").units[0]
    assert [a.canonical for a in u.assignments] == ["广州海关", "黄埔海关"]
    assert all(a.inferred is None for a in u.assignments)


def test_relative_names_follow_the_jurisdiction():
    gz = extract("（牵头单位：市市场监管局）").units[0].assignments[0]
    assert gz.canonical == "广州市市场监督管理局"
    sz = extract("（牵头单位：市市场监管局）", {**META, "jurisdiction": "深圳市"}).units[0].assignments[0]
    assert sz.canonical is None  # Shenzhen's bureau is not Guangzhou's, and the gazetteer lacks it


def test_first_listed_rule_governs_later_clauses():
    text = ("一、任务\n各项任务列第一位者为牵头单位，下同。\n（一）节\n1.甲事。（甲部、乙部负责）\n"
            "2.乙事。（丙部、丁部、戊部负责）\n")
    x = extract_text(text, "t.txt", META)
    assert [(u.names(Role.LEAD), u.names(Role.RESPONSIBLE)) for u in x.units] == [
        (["甲部"], ["乙部"]), (["丙部"], ["丁部", "戊部"])]


def test_first_listed_rule_negative_before_the_rule():
    text = "一、任务\n（一）节\n1.甲事。（甲部、乙部负责）\n2.乙事。（丙部、丁部负责，列第一位者为牵头单位）\n"
    x = extract_text(text, "t.txt", META)
    assert x.units[0].names(Role.LEAD) == []
    assert x.units[1].names(Role.LEAD) == ["丙部"]


def test_rule_adds_a_unit_to_every_later_task():
    text = ("一、任务\n1.甲事。（市甲局负责）\n以下任务均需各区落实，不再列出。\n（一）节\n2.乙事。（市乙局负责）\n"
            "3.丙事。（牵头单位：市丙局）\n")
    x = extract_text(text, "t.txt", META)
    assert "各区" not in x.units[0].names(Role.RESPONSIBLE)
    assert x.units[1].names(Role.RESPONSIBLE) == ["市乙局", "各区"]
    assert x.units[2].names(Role.RESPONSIBLE) == ["各区"]
    assert x.units[2].assignments[-1].canonical == "广州市各区人民政府"


def test_several_clauses_in_one_paragraph():
    u = extract("（市甲局负责）推进乙工作。（市乙局牵头，市丙局配合）").units[0]
    assert len(u.clauses) == 2
    first, second = u.clauses
    assert first.sentence.quote.endswith("做好某项工作。（市甲局负责）")
    assert second.sentence.quote == "推进乙工作。（市乙局牵头，市丙局配合）"
    assert [a.agency for a in first.assignments] == ["市甲局"]
    assert [(a.agency, a.role.value) for a in second.assignments] == [("市乙局", "lead"), ("市丙局", "cooperate")]


def test_unresolved_agency_is_kept_and_reported():
    x = extract("（牵头单位：市不存在局）")
    a = x.units[0].assignments[0]
    assert a.agency == "市不存在局" and a.canonical is None
    assert any(w.code == "unresolved-agency" and "市不存在局" in w.message and w.line == 3 for w in x.warnings)


def test_unbalanced_clause_is_reported_with_its_line():
    x = extract_text("一、任务\n1.甲事。（牵头单位：市甲局\n2.乙事。（市乙局负责）\n", "t.txt", META)
    assert any(w.code == "clause-unbalanced" and w.line == 2 for w in x.warnings)
    assert x.units[1].names(Role.RESPONSIBLE) == ["市乙局"]


def test_clause_segment_without_role_word_is_reported():
    x = extract("（市甲局牵头，市乙局、市丙局）")
    assert x.units[0].names(Role.LEAD) == ["市甲局"]
    assert any(w.code == "clause-no-role" and "市乙局" in w.message for w in x.warnings)


def test_section_without_tasks_is_a_measure():
    x = extract_text("一、保障措施\n（一）加强领导\n各部门要加强协作。（牵头单位：市甲局）\n", "t.txt", META)
    u = x.units[0]
    assert (u.kind, u.number, u.title) == ("measure", "一", "加强领导")
    assert u.names(Role.LEAD) == ["市甲局"]


def test_task_numbering_restarting_per_section_gets_unique_ids():
    text = "一、甲\n（一）节\n1.甲事。（市甲局负责）\n（二）节\n1.乙事。（市乙局负责）\n"
    x = extract_text(text, "t.txt", META)
    assert len({u.id for u in x.units}) == 2


TRADITIONAL = [
    ("（牽頭單位：市甲局，配合單位：市乙局）", {L: ["市甲局"], C: ["市乙局"]}),
    ("（市甲局、市乙局等按職責分工負責）", {R: ["市甲局", "市乙局"]}),
    ("（甲部會同有關部門負責）", {L: ["甲部"], C: ["有關部門"]}),
    ("（市甲局牽頭，市乙局參與）", {L: ["市甲局"], C: ["市乙局"]}),
]


@pytest.mark.parametrize("clause,expected", TRADITIONAL, ids=[c for c, _ in TRADITIONAL])
def test_traditional_characters(clause, expected):
    assert roles(clause) == expected
