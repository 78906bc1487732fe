"""Shared fixtures: small extractions built by hand, offsets computed from the text."""

from __future__ import annotations

import hashlib

import pytest

from extract.records import (
    Assignment,
    Box,
    Clause,
    Document,
    Extraction,
    Footnote,
    Indicator,
    Mention,
    Reference,
    Role,
    Section,
    Span,
    Unit,
)
from ontology.iris import box_key, indicator_key, part_key, record_id, section_key, unit_key

TINY_TEXT = """一、主要任务
（一）强化保护
1.完善法规。落实《知识产权强国建设纲要（2021-2035 年）》，支持南沙区建设“双区”2。（牵头单位：市市场监管局、市版权局，配合单位：市司法局、各区人民政府）
专栏 1 保护中心建设工程
建设中国（广州）知识产权保护中心。
2.加强执法。严厉打击侵权行为。（市公安局、市检察院按职责分工负责）
（二）保障措施
加强组织领导。（市委宣传部指导）
主要指标
专利授权量 件 2020年 1000 2025年 2000 市市场监管局 预期性
2 “双区”指粤港澳大湾区和深圳先行示范区。
"""


class _Cursor:
    """Find successive quotes in a text so that every span is computed, never typed."""

    def __init__(self, text: str) -> None:
        self.text = text

    def span(self, quote: str, after: int = 0) -> Span:
        start = self.text.index(quote, after)
        return Span.of(self.text, start, start + len(quote))

    def line(self, prefix: str) -> Span:
        start = self.text.index(prefix)
        return Span.of(self.text, start, self.text.index("\n", start))


def build_tiny_extraction(doc_id: str = "demo", text: str = TINY_TEXT) -> Extraction:
    """Return a hand-made extraction of TINY_TEXT covering every record type."""
    c = _Cursor(text)
    rid = lambda key: record_id(doc_id, key)  # noqa: E731
    part = rid(part_key("一"))
    s1, s2 = rid(section_key("一", "一")), rid(section_key("一", "二"))
    t1, t2 = rid(unit_key("task", "1")), rid(unit_key("task", "2"))
    m1 = rid(unit_key("measure", "二", ("一",)))
    box = rid(box_key("1"))

    clause1 = c.span("（牵头单位：市市场监管局、市版权局，配合单位：市司法局、各区人民政府）")
    after = clause1.start

    def assign(name, role, canonical=None, agency_id=None, clause=clause1, inferred=None):
        return Assignment(name, canonical, agency_id, role, c.span(name, clause.start), clause, inferred)

    reference = Reference("知识产权强国建设纲要（2021-2035 年）", c.span("《知识产权强国建设纲要（2021-2035 年）》"))
    nansha = Mention("南沙区", "南沙区", "nansha", "place", c.span("南沙区"))
    amr_in_clause = Mention(
        "市市场监管局", "广州市市场监督管理局（知识产权局）", "gz-amr", "agency", c.span("市市场监管局", after), True
    )
    unit1 = Unit(
        id=t1,
        kind="task",
        number="1",
        title="完善法规",
        title_span=c.span("完善法规"),
        span=c.line("1.完善法规"),
        section=s1,
        part=part,
        clauses=(
            Clause(
                clause1,
                c.span("落实《知识产权强国建设纲要（2021-2035 年）》，支持南沙区建设“双区”2。"),
                (
                    assign("市市场监管局", Role.LEAD, "广州市市场监督管理局（知识产权局）", "gz-amr"),
                    assign("市版权局", Role.LEAD, "广州市版权局", "gz-copyright"),
                    assign("市司法局", Role.COOPERATE),
                    assign("各区人民政府", Role.COOPERATE, "各区人民政府", "gz-districts"),
                ),
            ),
        ),
        references=(reference,),
        places=(nansha,),
        agencies=(amr_in_clause,),
        boxes=(box,),
        footnotes=(2,),
        keywords=("知识产权", "法规"),
    )
    clause2 = c.span("（市公安局、市检察院按职责分工负责）")
    unit2 = Unit(
        id=t2,
        kind="task",
        number="2",
        title="加强执法",
        title_span=c.span("加强执法"),
        span=c.line("2.加强执法"),
        section=s1,
        part=part,
        clauses=(
            Clause(
                clause2,
                c.span("严厉打击侵权行为。"),
                (
                    assign("市公安局", Role.RESPONSIBLE, clause=clause2),
                    assign("市检察院", Role.RESPONSIBLE, clause=clause2),
                ),
            ),
        ),
        references=(),
        places=(),
        agencies=(),
        boxes=(),
        footnotes=(),
        keywords=(),
    )
    clause3 = c.span("（市委宣传部指导）")
    unit3 = Unit(
        id=m1,
        kind="measure",
        number="二",
        title="加强组织领导",
        title_span=c.span("加强组织领导"),
        span=c.line("加强组织领导"),
        section=s2,
        part=part,
        clauses=(Clause(clause3, c.span("加强组织领导。"), (assign("市委宣传部", Role.GUIDE, clause=clause3),)),),
        references=(),
        places=(),
        agencies=(),
        boxes=(),
        footnotes=(),
        keywords=(),
    )
    row = c.line("专利授权量")
    indicator = Indicator(
        id=rid(indicator_key(1)),
        name="专利授权量",
        unit="件",
        baseline="1000",
        baseline_year=2020,
        target="2000",
        target_year=2025,
        source="市市场监管局",
        source_canonical="广州市市场监督管理局（知识产权局）",
        nature="expected",
        span=row,
        name_span=c.span("专利授权量"),
        source_span=c.span("市市场监管局", row.start),
        footnote=None,
    )
    marker = c.span("2", c.text.index("“双区”"))
    footnote = Footnote(
        number=2,
        term="双区",
        marker=marker,
        term_span=c.span("双区"),
        body=c.span("“双区”指粤港澳大湾区和深圳先行示范区。"),
    )
    sections = (
        Section(part, "part", "一", "主要任务", c.line("一、主要任务"), c.line("一、主要任务"), None),
        Section(s1, "section", "一", "强化保护", c.line("（一）强化保护"), c.line("（一）强化保护"), part),
        Section(s2, "section", "二", "保障措施", c.line("（二）保障措施"), c.line("（二）保障措施"), part),
    )
    document = Document(
        id=doc_id,
        title="广州市示例规划",
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source=f"{doc_id}.txt",
        metadata={
            "id": doc_id,
            "title": "广州市示例规划",
            "drafted_by": "广州市市场监督管理局（知识产权局）",
            "jurisdiction": "广州市",
            "level": "city",
            "period_start": 2021,
            "period_end": 2025,
            "language": "zh",
        },
    )
    return Extraction(
        document=document,
        sections=sections,
        units=(unit1, unit2, unit3),
        boxes=(
            Box(
                id=box,
                number="1",
                title="保护中心建设工程",
                span=c.span("专栏 1 保护中心建设工程\n建设中国（广州）知识产权保护中心。"),
                title_span=c.span("保护中心建设工程"),
                body=c.span("建设中国（广州）知识产权保护中心。"),
                section=s1,
                after_task=t1,
            ),
        ),
        indicators=(indicator,),
        footnotes=(footnote,),
        references=(reference,),
        places=(nansha,),
        agencies=(amr_in_clause,),
        warnings=(),
    )


@pytest.fixture
def tiny_extraction() -> Extraction:
    """A hand-made extraction of a few lines that covers every record type."""
    return build_tiny_extraction()


@pytest.fixture
def make_tiny_extraction():
    """Return `build_tiny_extraction`, for tests that need fresh copies or other doc ids."""
    return build_tiny_extraction
