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
    assert sz.canonical == "深圳市市场监督管理局" and sz.agency_id != gz.agency_id  # Shenzhen's bureau, not Guangzhou's


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


# -- parse_clause on a string, without the pipeline ------------------------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402

from extract.clauses import parse_clause  # noqa: E402

PARSE_CASES = [
    # (clause, [(name meant, role)], open names, deadline text)
    ("（甲部、乙部负责。列第一位者为牵头单位，下同）", [("甲部", L), ("乙部", R)], [], None),
    ("（甲部、乙部、丙部，各省级人民政府按职责分工负责）", [("甲部", R), ("乙部", R), ("丙部", R), ("各省级人民政府", R)], [], None),
    ("（甲部、乙部等和各有关省级人民政府负责）", [("甲部", R), ("乙部", R), ("各有关省级人民政府", R)], [], None),
    ("（甲部及乙部负责）", [("甲部", R), ("乙部", R)], [], None),
    ("（市科技局和市财政局牵头）", [("市科技局", L), ("市财政局", L)], [], None),
    ("（牵头单位：省工业和信息化厅、科技厅）", [("省工业和信息化厅", L), ("省科技厅", L)], [], None),
    ("（市人力资源和社会保障局负责）", [("市人力资源和社会保障局", R)], [], None),
    ("（区法院、检察院负责）", [("区法院", R), ("区检察院", R)], [], None),
    ("（牵头单位：区甲局乙处、丙处）", [("区甲局乙处", L), ("区甲局丙处", L)], [], None),
    ("（市发展改革委、科技局、财政局按职责分工负责）", [("市发展改革委", R), ("市科技局", R), ("市财政局", R)], [], None),
    ("（省科技厅等部门负责）", [("省科技厅", R)], ["省科技厅"], None),
    ("（牵头单位：省甲厅；配合单位：省乙厅等单位）", [("省甲厅", L), ("省乙厅", C)], ["省乙厅"], None),
    ("（市甲局、市乙局等有关部门和单位按职责分工负责）", [("市甲局", R), ("市乙局", R)], ["市乙局"], None),
    ("（牵头部门：甲部、乙局，完成时限：2022年）", [("甲部", L), ("乙局", L)], [], "2022年"),
    ("（责任单位：省甲厅；完成时间：2023年底前）", [("省甲厅", R)], [], "2023年底前"),
    ("（牵头单位：区甲局，时间进度：2024年6月）", [("区甲局", L)], [], "2024年6月"),
    ("（牵头单位:省甲厅；责任单位:省乙厅，各市县政府）", [("省甲厅", L), ("省乙厅", R), ("各市县政府", R)], [], None),
    ("（牵头单位：市甲局 责任单位：市乙局）", [("市甲局", L), ("市乙局", R)], [], None),
    ("（责任部门：省甲厅、省乙委牵头，省丙厅、省丁局按职责分工负责）",
     [("省甲厅", L), ("省乙委", L), ("省丙厅", R), ("省丁局", R)], [], None),
    ("（甲部指导，试点城市政府负责落实）", [("甲部", G), ("试点城市政府", R)], [], None),
    ("（甲部会同有关部门负责）", [("甲部", L), ("有关部门", C)], [], None),
    ("（主责单位：市甲局，协办单位：市乙局）", [("市甲局", L), ("市乙局", C)], [], None),
    ("〔责任单位：省甲厅、省乙局〕", [("省甲厅", R), ("省乙局", R)], [], None),
    ("（牵头单位：市甲局，配合单位：市乙局)", [("市甲局", L), ("市乙局", C)], [], None),
    ("(省甲厅、省乙局、丙行省分行牵头，省丁厅配合)", [("省甲厅", L), ("省乙局", L), ("丙行省分行", L), ("省丁厅", C)], [], None),
    ("牵头单位：区甲局，配合单位：区乙局、区丙办", [("区甲局", L), ("区乙局", C), ("区丙办", C)], [], None),
    ("（甲部、乙部负责，排名第1为牵头单位，下同）", [("甲部", L), ("乙部", R)], [], None),
    ("（甲部、乙部负责，排在第一位的部门为牵头部门）", [("甲部", L), ("乙部", R)], [], None),
    ("（甲部、乙部负责，列在第一位的为牵头部门）", [("甲部", L), ("乙部", R)], [], None),
    ("（牵头单位：市甲局，配合单位：“双随机、一公开”各监管部门）", [("市甲局", L), ("“双随机、一公开”各监管部门", C)], [], None),
    ("（牵头单位：市市场监督管理局（知识产权局））", [("市市场监督管理局（知识产权局）", L)], [], None),
    ("（责任单位：省甲委、省乙厅，各市、县（市、区）人民政府；完成时限：2023年底）",
     [("省甲委", R), ("省乙厅", R), ("各市、县（市、区）人民政府", R)], [], "2023年底"),
    ("（责任单位：市甲委（牵头）、市乙局）", [("市甲委", L), ("市乙局", R)], [], None),
    ("（市甲局主责，市乙局参加）", [("市甲局", L), ("市乙局", C)], [], None),
    ("（甲部、乙局按照职责分工负责）", [("甲部", R), ("乙局", R)], [], None),
    ("（园区科创委、经发委按职责分工负责）", [("园区科创委", R), ("园区经发委", R)], [], None),
    ("（牵头部门：园区财政局；配合部门：园区国资办、元禾控股）", [("园区财政局", L), ("园区国资办", C), ("元禾控股", C)], [], None),
    ("（牵头单位：区甲局，配合单位：领导小组各成员单位）", [("区甲局", L), ("领导小组各成员单位", C)], [], None),
    ("（甲部、乙部按职责分工指导）", [("甲部", G), ("乙部", G)], [], None),
    ("责任单位：区甲局、区乙局等单位完成时限：2025年底前", [("区甲局", R), ("区乙局", R)], ["区乙局"], "2025年底前"),
    ("（省工业和信息化厅、发展改革委、市场监管局，各设区市人民政府）",
     [("省工业和信息化厅", R), ("省发展改革委", R), ("省市场监管局", R), ("各设区市人民政府", R)], [], None),
    ("（牵头单位：省甲委；协同单位：省乙厅、国网福建省电力公司）", [("省甲委", L), ("省乙厅", C), ("国网福建省电力公司", C)], [], None),
    ("（省甲厅、赣江新区管委会及各设区市人民政府）", [("省甲厅", R), ("赣江新区管委会", R), ("各设区市人民政府", R)], [], None),
    ("（乙司会同甲司负责，2025年10月底前完成）", [("乙司", L), ("甲司", C)], [], "2025年10月底前"),
    ("责任单位：市甲局牵头，市乙局、市丙局配合建立工作调度机制", [("市甲局", L), ("市乙局", C), ("市丙局", C)], [], None),
    ("责任单位：区法院、检察院，南山公安分局", [("区法院", R), ("区检察院", R), ("南山公安分局", R)], [], None),
]


@pytest.mark.parametrize("clause,expected,open_names,deadline", PARSE_CASES, ids=[c[0] for c in PARSE_CASES])
def test_parse_clause(clause, expected, open_names, deadline):
    p = parse_clause(clause)
    assert [(n.name, n.role.value) for n in p.names] == expected
    assert [n.name for n in p.names if n.open] == open_names
    assert (p.deadline.text if p.deadline else None) == deadline
    assert not p.problems


# Fields, rules and list closers never become names.
NOT_NAMES = [
    ("（牵头部门：甲部，完成时限：2022年）", "2022年"),
    ("（甲部、乙部负责，排名第1为牵头单位，下同）", "排名"),
    ("（甲部负责，下同）", "下同"),
    ("（省科技厅等部门负责）", "等部门"),
    ("（市甲局等单位配合）", "等单位"),
]


@pytest.mark.parametrize("clause,fragment", NOT_NAMES)
def test_fields_and_rules_are_never_names(clause, fragment):
    assert all(fragment not in n.written for n in parse_clause(clause).names)


def test_parse_clause_reports_rules():
    p = parse_clause("（各片区负责配合落实，以下均需各片区配合落实，不再列出）")
    assert [(n.name, n.role.value) for n in p.names] == [("各片区", C)]
    (rule,) = p.rules
    assert rule.kind == "added" and [(n.name, n.role.value) for n in rule.who] == [("各片区", C)]
    p = parse_clause("（具体任务均涉及相关市（州）人民政府，不再做分工，下同）")
    assert [(n.name, n.role.value) for r in p.rules for n in r.who] == [("相关市（州）人民政府", R)]


def test_deadline_is_normalized():
    d = parse_clause("（牵头单位：甲部，完成时间：2023年底前）").deadline
    assert (d.text, d.year, d.date) == ("2023年底前", 2023, "2023-12-31")


def test_parse_clause_negative_not_a_clause():
    assert parse_clause("（2021-2035 年）").names == ()
    assert parse_clause("（试行）").names == ()
    assert parse_clause("（中心）").names == ()


def test_a_rule_stated_after_the_tasks_governs_them_and_makes_the_others_cooperate():
    x = extract_text("一、任务\n1.甲事。（市甲局、市乙局、市丙委）\n2.乙事。（丁部、戊部按职责分工负责）\n"
                     "上述任务中，列第一位的为牵头单位，其余为配合单位。\n", "t.txt", META)
    assert [(u.names(Role.LEAD), u.names(Role.COOPERATE)) for u in x.units] == [
        (["市甲局"], ["市乙局", "市丙委"]), (["丁部"], ["戊部"])]


CLAUSE_ALPHABET = "（）()〔〕：:，,；;、。 甲乙丙部局厅委市省区各有关等和及会同牵头配合负责按职责分工指导单位部门完成时限2022年列第一位者为下同“”"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=CLAUSE_ALPHABET, max_size=40) | st.text(max_size=30))
def test_parse_clause_never_raises_and_spans_hold(s):
    p = parse_clause(s)
    for n in p.names:
        assert 0 <= n.start < n.end <= len(s) and s[n.start:n.end] == n.written
    for r in p.rules:
        assert s[r.span.start:r.span.end] == r.span.quote
        for n in r.who:
            assert s[n.start:n.end] == n.written
    if p.deadline:
        assert s[p.deadline.span.start:p.deadline.span.end] == p.deadline.text
