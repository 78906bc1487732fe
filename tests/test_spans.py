"""Invariants over generated plans: every span quotes the text; the same input gives the same output."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.pipeline import extract_text
from extract.records import iter_spans
from extract.serialize import to_json

AGENCIES = ["市市场监管局", "市版权局", "市发展改革委", "科技局", "各区人民政府", "市甲局", "广州仲裁委",
            "市市场监督管理局（知识产权局）", "“双随机、一公开”各监管部门"]
WORDS = ["推进", "建设", "知识产权", "保护", "，", "、", "。", "广州", "粤港澳大湾区", "中新广州知识城", "《条例》",
         "《规划（2021-2035 年）》", "（试行）", "（WIPO）", "2021 年", " ", "\n", "“双区”", "市市场监管局"]
FILLER = st.lists(st.sampled_from(WORDS), max_size=12).map("".join)


@st.composite
def clause(draw):
    names = draw(st.lists(st.sampled_from(AGENCIES), min_size=1, max_size=4, unique=True))
    shape = draw(st.sampled_from(["label", "cue", "shared", "guide"]))
    if shape == "label":
        more = draw(st.lists(st.sampled_from(AGENCIES), min_size=0, max_size=3, unique=True))
        return f"（牵头单位：{'、'.join(names)}" + (f"，配合单位：{'、'.join(more)}）" if more else "）")
    if shape == "cue":
        return f"（{names[0]}牵头，{'、'.join(names[1:] or ['市版权局'])}配合）"
    if shape == "shared":
        return f"（{'、'.join(names)}等按职责分工负责）"
    return f"（{'、'.join(names)}指导）"


@st.composite
def plan(draw):
    lines = ["一、主要任务"]
    n = 0
    for s in range(draw(st.integers(1, 3))):
        lines.append(f"（{'一二三'[s]}）第{s + 1}节")
        for _ in range(draw(st.integers(1, 3))):
            n += 1
            body = draw(FILLER)
            # wrap like a PDF: a line break every few characters, blank lines between
            text = f"{n}.做好第{n}项工作。{body}{draw(clause())}"
            width = draw(st.integers(5, 30))
            lines.extend(text[i:i + width] for i in range(0, len(text), width))
            lines.append("")
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan())
def test_every_span_quotes_the_text(text):
    x = extract_text(text, "gen.txt", {"jurisdiction": "广州市"})
    t = x.document.text
    for s in iter_spans(x):
        assert 0 <= s.start <= s.end <= len(t)
        assert t[s.start:s.end] == s.quote
    assert x.units and all(u.assignments for u in x.units)


@settings(max_examples=20, deadline=None)
@given(plan())
def test_same_input_same_output(text):
    assert to_json([extract_text(text, "gen.txt")]) == to_json([extract_text(text, "gen.txt")])
