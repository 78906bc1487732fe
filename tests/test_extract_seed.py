"""The seed plan's figures, from a reading of 《广州市知识产权保护和运用“十四五”规划》."""

import json
from pathlib import Path

import pytest

from extract.pipeline import extract_file
from extract.records import Role, iter_spans
from extract.serialize import to_json

SEED = Path(__file__).resolve().parent.parent / "corpus" / "guangzhou-ip-plan-2021-2025.txt"

SMA = "市市场监管局"
COPY = "市版权局"
GROUP = "市知识产权工作领导小组成员单位"
# task number → (lead, cooperate, responsible), names as written in the plan.
STD = ([SMA], [GROUP], [])
EXPECTED = {
    "1": ([SMA, COPY], ["市人大法制委", GROUP], []),
    "2": ([SMA, COPY], [GROUP], []),
    "3": ([], [], [SMA, COPY, "市司法局", "市法院", "市检察院", "广州知识产权法院"]),
    "4": ([], [], ["市法院", "市检察院", "市公安局", "广州知识产权法院"]),
    "5": ([SMA], [COPY, "市文化广电旅游局", "市农业农村局", "市司法局", "市检察院", "市公安局", "广州海关", "黄埔海关"], []),
    "6": STD, "7": STD,
    "8": ([SMA], ["市发展改革委", COPY, "市文化广电旅游局", "“双随机、一公开”各监管部门", "实施联合惩戒各成员单位"], []),
    "9": ([SMA], [COPY, "市文化广电旅游局", "市商务局", "市公安局", "广州海关", "黄埔海关"], []),
    "10": ([SMA], [COPY, "市文化广电旅游局", "市商务局", "市贸促会"], []),
    "11": ([SMA], [COPY, "市文化广电旅游局", "市法院", "市检察院", "广州知识产权法院", "广州仲裁委", "广州海关", "黄埔海关"], []),
    "12": ([SMA], [COPY, "市文化广电旅游局", "市商务局", "市地方金融监管局", "市工商联", "市贸促会", "各区人民政府"], []),
    "13": ([], [], [SMA, COPY, "市文化广电旅游局"]),
    "14": ([], [], [SMA, COPY, "市文化广电旅游局", "市科技局", "市农业农村局", "各区人民政府"]),
    "15": ([SMA], [COPY, "市科技局", "市国资委", "各区人民政府"], []),
    "16": ([], [], [SMA, "市教育局", "市科技局"]),
    "17": ([SMA], ["市发展改革委", "市科技局", "市工业和信息化局", "各区人民政府"], []),
    "18": ([], [], [SMA, COPY, "市商务局", "各区人民政府"]),
    "19": ([COPY], [GROUP], []),
    **{str(n): STD for n in (20, 21, 22, 23, 24)},
    "25": ([], [], [SMA, "市发展改革委", "市科技局", "市教育局", "市国资委"]),
    "26": ([], [], [SMA, "市发展改革委", "市科技局", "市教育局", "市国资委"]),
    "27": ([SMA, COPY], ["市地方金融监管局", "市发展改革委", "各区人民政府"], []),
    "28": ([], [], [SMA, "市地方金融监管局", "各区人民政府"]),
    "29": ([], [], [SMA, "市地方金融监管局", "各区人民政府"]),
    "30": ([SMA, COPY], [GROUP], []),
    **{str(n): STD for n in range(31, 42)},
    "42": (["黄埔区人民政府"], [SMA, "市委外办"], []),
    "43": ([SMA], ["市委外办", GROUP], []),
    "44": ([SMA], ["市委外办", GROUP], []),
    **{str(n): STD for n in range(45, 51)},
}


@pytest.fixture(scope="module")
def seed():
    return extract_file(SEED)


def test_counts(seed):
    parts = [s for s in seed.sections if s.level == "part"]
    assert [p.number for p in parts] == list("一二三四五六七八九")
    assert sum(s.level == "section" for s in seed.sections) == 29
    tasks = [u for u in seed.units if u.kind == "task"]
    assert [u.number for u in tasks] == [str(n) for n in range(1, 51)]
    measures = [u for u in seed.units if u.kind == "measure"]
    assert [m.title for m in measures] == ["加强组织领导", "落实资源保障", "持续监测监督"]
    assert len(seed.units) == 53
    assert len(seed.boxes) == 8 and len(seed.indicators) == 11 and len(seed.footnotes) == 6
    assert len({r.title for r in seed.references}) == 26


@pytest.mark.parametrize("number", sorted(EXPECTED, key=int))
def test_task_roles(seed, number):
    unit = next(u for u in seed.units if u.kind == "task" and u.number == number)
    lead, cooperate, responsible = EXPECTED[number]
    assert unit.names(Role.LEAD) == lead
    assert unit.names(Role.COOPERATE) == cooperate
    assert unit.names(Role.RESPONSIBLE) == responsible
    assert unit.names(Role.GUIDE) == []


def test_measures_of_safeguards(seed):
    for m in (u for u in seed.units if u.kind == "measure"):
        assert m.names(Role.LEAD) == [SMA] and m.names(Role.COOPERATE) == [GROUP]
        part = next(s for s in seed.sections if s.id == m.part)
        assert part.title == "保障措施"


def test_task_titles(seed):
    titles = {u.number: u.title for u in seed.units if u.kind == "task"}
    assert titles["1"] == "完善知识产权法规规章"
    assert titles["26"] == "促进知识产权成果转移转化"
    assert titles["37"] == "深化广深“双城联动”引领作用"


def test_names_joined_across_line_breaks(seed):
    # 市人大\n法制委 and 市市\n场监管局 are wrapped in the PDF text.
    t1 = next(u for u in seed.units if u.number == "1")
    assert "市人大法制委" in t1.names(Role.COOPERATE)
    t6 = next(u for u in seed.units if u.number == "6")
    assert t6.assignments[0].span.quote == "市市场监管局"


def test_agency_resolution(seed):
    canon = {a.agency: a.canonical for u in seed.units for a in u.assignments}
    assert canon["市市场监管局"] == "广州市市场监督管理局"
    assert canon["广州仲裁委"] == "广州仲裁委员会"
    assert canon["各区人民政府"] == "广州市各区人民政府"
    full = [m for m in seed.agencies if m.name == "广州市市场监督管理局（知识产权局）"]
    assert full and full[0].canonical == "广州市市场监督管理局"
    ind = next(i for i in seed.indicators if i.name == "知识产权仲裁案件数")
    assert ind.source == "广州仲裁委员会" and ind.source_canonical == "广州仲裁委员会"
    assert next(i for i in seed.indicators if i.name == "海外发明专利授权量").source_canonical == "广州市市场监督管理局"


def test_boxes(seed):
    b = {x.number: x for x in seed.boxes}
    assert b["1"].title == "中国（广州）知识产权保护中心建设工程"
    assert b["1"].after_task.endswith("/t6")
    assert b["6"].after_task.endswith("/t38")
    assert b["8"].title == "知识产权人才培育工程" and b["8"].after_task.endswith("/t47")
    # footnote 6 interrupted box 3 in the PDF; its body is whole again without it
    assert "支持高价值专利申报中国专利奖" in b["3"].body.quote
    assert "一区" not in b["3"].body.quote


INDICATORS = [
    ("每万人口高价值发明专利拥有量", "件", "20", "30", "市市场监管局（知识产权局）"),
    ("海外发明专利授权量", "件", "3100", "5000", "市市场监管局（知识产权局）"),
    ("知识产权质押融资登记项目数年均增长率", "%", None, "6", "市市场监管局（知识产权局）"),
    ("知识产权质押融资登记金额年均增长率", "%", None, "6", "市市场监管局（知识产权局）"),
    ("专利密集型产业增加值占 GDP 比重", "%", None, "13", "市统计局"),
    ("版权产业增加值占 GDP 比重", "%", "9.85", "10", "市版权局"),
    ("知识产权信息公共服务网点", "个", None, "15", "市市场监管局（知识产权局）"),
    ("知识产权服务机构", "家", "3000", "3500", "市市场监管局（知识产权局）"),
    ("知识产权维权援助和调解办案量", "件/年", None, "1500", "市市场监管局（知识产权局）"),
    ("知识产权仲裁案件数", "件/年", None, "200", "广州仲裁委员会"),
    ("知识产权保护社会满意度", "分", "80", "83", "第三方机构"),
]


def test_indicators(seed):
    got = [(i.name, i.unit, i.baseline, i.target, i.source) for i in seed.indicators]
    assert got == INDICATORS
    assert {i.baseline_year for i in seed.indicators} == {2020}
    assert {i.target_year for i in seed.indicators} == {2025}
    assert {i.nature for i in seed.indicators} == {"expected"}


FOOTNOTES = [(1, "“3+5+X”", "《广州市国民经济"), (2, "“双区”", "粤港澳大湾区和深圳"), (3, "“一核一带一区”", "根据广东省委"),
             (4, "每万人口高价值发明专利拥有量", "每万人口高价值"), (5, "海外发明专利授权量", "指年度中国居民"),
             (6, "“一区三城”", "“一区”指人工智能")]


def test_footnotes(seed):
    got = [(f.number, f.term, f.body.quote[:len(start)]) for f, (_, _, start) in zip(seed.footnotes, FOOTNOTES)]
    assert got == FOOTNOTES
    text = seed.document.text
    # the bodies no longer interrupt the paragraphs they fell into
    assert "知识产权运营效益有待提升。知识产权运营与产业结合" in text
    assert "修改完善专利、商标、著作权" in text


def test_footnotes_belong_to_the_task_that_carries_their_marker(seed):
    t17 = next(u for u in seed.units if u.number == "17")
    assert t17.footnotes == (6,)
    assert sum(len(u.footnotes) for u in seed.units) == 1  # 1–5 stand in the background and the table


def test_references(seed):
    from collections import Counter

    c = Counter(r.title for r in seed.references)
    assert c["关于强化知识产权保护的意见"] == 2
    assert c["广州市国民经济和社会发展第十四个五年规划和2035年远景目标纲要"] == 2
    # wrapped and letter-spaced in the PDF
    assert c["广东省落实专利转化专项计划助力中小企业创新发展的实施方案（2021-2023年）"] == 1
    t26 = next(u for u in seed.units if u.number == "26")
    assert [r.title for r in t26.references] == ["广东省落实专利转化专项计划助力中小企业创新发展的实施方案（2021-2023年）"]


def test_places(seed):
    names = {p.canonical for p in seed.places}
    for zone in ("中新广州知识城", "南沙自贸试验区", "横琴粤澳深度合作区", "粤港澳大湾区", "长三角", "新加坡", "广佛肇清云韶经济圈"):
        assert zone in names
    t41 = next(u for u in seed.units if u.number == "41")
    assert {"中新广州知识城", "南沙自贸试验区", "长三角", "京津冀"} <= {p.canonical for p in t41.places}
    # 广州 inside 广州知识产权法院 is part of an agency's name, not a place mention
    court = [m for m in seed.agencies if m.name == "广州知识产权法院"][0]
    assert not any(p.span.start == court.span.start for p in seed.places)


def test_keywords(seed):
    t11 = next(u for u in seed.units if u.number == "11")
    assert "电子商务" in t11.keywords
    assert all(u.keywords for u in seed.units)
    assert not any("知识产权" == k for u in seed.units for k in u.keywords)


def test_every_span_quotes_the_text(seed):
    text = seed.document.text
    spans = list(iter_spans(seed))
    assert len(spans) > 500
    assert all(text[s.start:s.end] == s.quote for s in spans)


def test_deterministic_json():
    a = to_json([extract_file(SEED)])
    b = to_json([extract_file(SEED)])
    assert a == b
    d = json.loads(a)
    assert d["document"]["sha256"] and d["counts"]["units"] == 53
