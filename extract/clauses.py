"""The responsibility-clause grammar of GENRE.md: one table of words, one small parser.

A clause hands a unit of the plan to agencies by role. Its shapes (GENRE.md, "Responsibility
clauses") reduce to a few parts, each defined once below:

- a *label* names the role before the names (``牵头单位：``, ``责任部门:``);
- a *cue* closes a list of names with its role (``…牵头``, ``…按职责分工负责``);
- ``会同`` joins a lead to its partners; ``等``/``等部门`` close a list and mark it open;
- a *field* is a fact of the unit, never a name (``完成时限：2022年``);
- a *rule* governs later clauses (``列第一位者为牵头单位，下同``; ``以下均需各区落实，不再列出``).

`parse_clause` reads one clause from a string, with no pipeline and no gazetteer:

>>> p = parse_clause("（甲部、乙部负责。列第一位者为牵头单位，下同）")
>>> [(n.written, n.role.value) for n in p.names], [r.kind for r in p.rules]
([('甲部', 'lead'), ('乙部', 'responsible')], ['first-is-lead'])
>>> p = parse_clause("（牵头单位：区甲局乙处、丙处等部门，完成时限：2022年底前）")
>>> [(n.written, n.name, n.open) for n in p.names], p.deadline.text, p.deadline.date
([('区甲局乙处', '区甲局乙处', False), ('丙处', '区甲局丙处', True)], '2022年底前', '2022-12-31')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .records import Deadline, Role, Span

OPEN = "（(〔[【"
CLOSE = "）)〕]】"
QUOTES = {"“": "”", "「": "」", "‘": "’", "《": "》"}

# -- the one table of role words ------------------------------------------------------------
# Labels: the role word before 单位/部门/… and a colon names the role of the names after it.
LABEL_WORDS = {
    "牵头": Role.LEAD, "主责": Role.LEAD, "主办": Role.LEAD,
    "配合": Role.COOPERATE, "协办": Role.COOPERATE, "参与": Role.COOPERATE, "协同": Role.COOPERATE,
    "协助": Role.COOPERATE,
    "责任": Role.RESPONSIBLE, "实施": Role.RESPONSIBLE, "承办": Role.RESPONSIBLE,
    "指导": Role.GUIDE,
}
LABEL_NOUNS = ("单位", "部门", "机构", "处室", "主体")
# Cues: the role words that close a list of names.
CUE_WORDS = {
    "按职责分工负责": Role.RESPONSIBLE, "按职责分工落实": Role.RESPONSIBLE, "按职能分工负责": Role.RESPONSIBLE,
    "按职责负责": Role.RESPONSIBLE, "分工负责": Role.RESPONSIBLE, "共同负责": Role.RESPONSIBLE,
    "按照职责分工负责": Role.RESPONSIBLE, "按照职责分工落实": Role.RESPONSIBLE, "按各自职责负责": Role.RESPONSIBLE,
    "按职责分工抓好落实": Role.RESPONSIBLE, "分别负责": Role.RESPONSIBLE, "负责组织实施": Role.RESPONSIBLE,
    "负责落实": Role.RESPONSIBLE, "负责实施": Role.RESPONSIBLE, "负责推进": Role.RESPONSIBLE, "负责": Role.RESPONSIBLE,
    "牵头负责": Role.LEAD, "牵头落实": Role.LEAD, "牵头推进": Role.LEAD, "牵头": Role.LEAD, "主责": Role.LEAD,
    "负责配合落实": Role.COOPERATE, "配合落实": Role.COOPERATE, "配合": Role.COOPERATE, "参与": Role.COOPERATE,
    "协办": Role.COOPERATE, "协同": Role.COOPERATE, "协助": Role.COOPERATE, "参加": Role.COOPERATE,
    "支持配合": Role.COOPERATE,
    "按职责分工指导": Role.GUIDE, "负责指导": Role.GUIDE, "指导": Role.GUIDE,
}
# A role in brackets after one name of a list: 市发展改革委（牵头）、市财政局.
NAME_ROLE = re.compile(rf"[（(](?P<cue>{'|'.join(('牵头单位', '牵头部门', '牵头', '主责', '配合', '指导'))})[）)]$")
JOIN_LEAD = "会同"  # 甲部会同乙部负责: 甲部 leads, 乙部 cooperates
# Words that close a list: never part of the last name; they say the list is open.
CLOSERS = ("等有关部门和单位", "等相关部门和单位", "等有关部门", "等相关部门", "等有关单位", "等相关单位",
           "等部门", "等单位", "等")
# Words that join two groups of names (等和 closes the first group too).
JOINERS = ("等和", "以及", "及", "和", "与")
# Fields: facts of the unit written inside a clause.
DEADLINE_LABELS = ("完成时限", "完成时间", "完成期限", "时间进度", "时间节点", "时间要求")
# Names start and end in recognisable ways: an institution suffix, or the shape of a collective.
SUFFIXES = tuple("局委厅部办院署会行关处组室团联府所站队社司科馆校协") + ("中心", "机构", "单位", "部门", "政府",
                                                                            "企业", "片区", "园区", "城市", "平台")
COLLECTIVE_START = ("各", "有关", "相关", "试点", "区内", "全市", "全省", "全区", "全县")
NOT_A_PREFIX_START = ("各", "有关", "相关", "国家", "中国", "中共", "中央", "全国", "共青团", "团", "人民银行", "人行",
                      "国务院", "试点", "区内", "海关")
SUBDIVISION = "处科室股队所站"
# Zones name their bodies with a prefix of their own: 园区科创委、经发委 → 园区经发委.
ZONE_PREFIXES = ("高新区", "经开区", "开发区", "自贸区", "园区", "新区", "片区", "管委会")
# A name that carries its own level inside it (丙行省分行, 人行某中心支行) shares no prefix.
OWN_LEVEL = re.compile(r".[省市区县](?:分行|分署|委)|分行|支行|分署|新区|开发区|高新区|园区|片区|自贸区|试验区|..分局$")
BODY = "局委厅部院办会府署行"
LEVELS = "省市区县州旗镇乡"
JUNK = " \u3000\t\n：:，,；;、。"

# Traditional characters of the grammar's words, mapped one to one so that offsets stay valid:
# patterns match the translated text, names are cut from the text as written.
T2S = str.maketrans("牽頭單門負責參與協辦導職機構實會關為級區縣廳務屬聯員領組處時間進達廣東蘇濱雲貴龍陝遼寧臺灣國華鄉鎮衛發經濟資產財稅農業環護權識場監團黨議計劃設備電網絡數據醫療藥價險優營點項戶體製標準質檢驗測應災廠礦鐵運輸橋閩晉魯贛瓊滬隴銀廈漢長齊鄭蘭烏",
                    "牵头单门负责参与协办导职机构实会关为级区县厅务属联员领组处时间进达广东苏滨云贵龙陕辽宁台湾国华乡镇卫发经济资产财税农业环护权识场监团党议计划设备电网络数据医疗药价险优营点项户体制标准质检验测应灾厂矿铁运输桥闽晋鲁赣琼沪陇银厦汉长齐郑兰乌")


def _alternation(words) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=lambda w: (-len(w), w)))


LABEL = re.compile(rf"(?P<word>{_alternation(LABEL_WORDS)})(?:{_alternation(LABEL_NOUNS)})\s*[：:]")
CUE = re.compile(rf"(?P<etc>{_alternation(CLOSERS)})?(?P<cue>{_alternation(CUE_WORDS)})$")
CUE_INSIDE = re.compile(rf"(?P<etc>{_alternation(CLOSERS)})?(?P<cue>牵头|配合|参与|协同|负责)(?!单位|部门|机构)(?=[\u4e00-\u9fff]{{2,}})")
# A deadline written without its label, as a piece of the clause: 2025年10月底前完成, 长期坚持.
BARE_DEADLINE = re.compile(r"^(?P<value>\d{4}\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*日)?(?:底|末)?(?:前|以前)?|长期坚持|持续推进)"
                           r"(?:完成|实现|建成|出台|见效)?$")
DEADLINE = re.compile(rf"(?:{_alternation(DEADLINE_LABELS)})\s*[：:]\s*(?P<value>[^，,；;。）)〕\]】\n]+)")
# Rules, in the wordings seen across issuers.
FIRST_IS_LEAD = re.compile(
    r"(?:(?P<back>上述|以上|前述)(?:各项)?(?:任务|工作|事项)?(?:中)?[，,]?\s*)?"
    r"(?:各项任务|各项工作|以下|下列)?(?:中)?"
    r"(?:列|排|位)[在于名]?(?:第[一1１]位|第[一1１]|首位|首|最前面|最前|前面)(?:的|者)?(?:部门|单位)?(?:的)?"
    r"(?:为|是)(?:牵头|主责)(?:单位|部门)?(?:[，,]\s*(?P<others>(?:其他|其余)[^，,。；;）)]{0,20}))?(?:[，,]?\s*下同)?"
)
ADDED_RULE = re.compile(
    r"(?:以下|下列|具体)(?:各项)?(?:任务|工作|事项)?[^。\n，,]{0,6}?均(?:需|由|要|应|须|涉及)(?P<who>[^，。,；;\n]{1,30}?)"
    r"(?:结合实际|认真|切实|抓好|负责组织)?(?P<coop>配合)?(?:负责)?(?:抓好)?(?:落实|实施|推进|贯彻落实)?[，,]\s*(?:均)?不再(?:一一)?(?:列出|做分工|分工|列举|标注)(?:[，,]?\s*下同)?"
)
TRAILING = re.compile(r"^(?:下同|等|其他|其余)$")


@dataclass(frozen=True, slots=True)
class Name:
    """One agency named in a clause, with the role the grammar gives it."""

    written: str  # as written
    start: int
    end: int
    role: Role
    full: str | None = None  # with a shared prefix restored
    how: str | None = None  # why the role or the name was inferred
    open: bool = False  # the list it closes is open (等, 等部门)

    @property
    def name(self) -> str:
        return self.full or self.written


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule stated once that governs later clauses."""

    kind: str  # "first-is-lead" | "added"
    span: Span  # the rule as written
    who: tuple[Name, ...] = ()  # the units added to every later clause ("added")
    others: Role | None = None  # first-is-lead: the role of the units after the first (其余为配合单位)
    backward: bool = False  # it governs the clauses before it (上述任务中，列第一位的为牵头单位)


def _first_rule(m: re.Match, text: str, start: int) -> Rule:
    others = Role.COOPERATE if m.group("others") and "配合" in m.group("others") else None
    return Rule("first-is-lead", Span.of(text, start + m.start(), start + m.end()), (), others, bool(m.group("back")))


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in a clause the grammar could not place: reported, never dropped silently."""

    code: str
    message: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Parsed:
    """What one clause says."""

    span: Span
    names: tuple[Name, ...]
    deadline: Deadline | None
    rules: tuple[Rule, ...]
    problems: tuple[Problem, ...]


# -- brackets and splitting -----------------------------------------------------------------
_BRACKET_MARKS = re.compile(f"[{re.escape(OPEN + CLOSE + '“「' + QUOTES['“'] + QUOTES['「'] + chr(10))}]")


def bracket_groups(text: str, start: int, end: int) -> tuple[list[tuple[int, int]], list[int]]:
    """Return top-level bracket groups [(open, close+1)] in text[start:end] and unclosed openers."""
    groups: list[tuple[int, int]] = []
    stack: list[int] = []
    quote: str | None = None
    for m in _BRACKET_MARKS.finditer(text, start, end):  # the characters below only, found in C
        i = m.start()
        ch = text[i]
        if quote:
            if ch == QUOTES[quote]:
                quote = None
            continue
        if ch in ("“", "「") and stack:
            quote = ch
        elif ch in OPEN:
            stack.append(i)
        elif ch in CLOSE:
            # Accept any closer for any opener: PDFs mix full-width and ASCII brackets.
            if stack:
                o = stack.pop()
                if not stack:
                    groups.append((o, i + 1))
        elif ch == "\n" and stack:
            # A clause never spans paragraphs: an opener left open here is unbalanced.
            stack.clear()
    return groups, stack


def split_top(s: str, seps: str) -> list[tuple[int, str]]:
    """Split on separators outside brackets and quotes; return (offset, piece) pairs."""
    out: list[tuple[int, str]] = []
    depth = 0
    quote = None
    last = 0
    for i, ch in enumerate(s):
        if quote:
            if ch == QUOTES[quote]:
                quote = None
            continue
        if ch in QUOTES:
            quote = ch
        elif ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(depth - 1, 0)
        elif ch in seps and depth == 0:
            out.append((last, s[last:i]))
            last = i + 1
    out.append((last, s[last:]))
    return out


def _blank(s: str, start: int, end: int) -> str:
    return s[:start] + " " * (end - start) + s[end:]


def looks_like_name(s: str) -> bool:
    """Tell whether a piece has the shape of an agency name or a collective.

    >>> [looks_like_name(s) for s in ("市甲局", "各区", "有关部门", "中国（广州）知识产权保护中心", "下同", "2022年")]
    [True, True, True, True, False, False]
    """
    core = re.sub(r"[（(][^（()）]*[）)]$", "", s) or s
    if len(core) < 2 or re.search(r"\d{4}|[年月日]$", core):
        return False
    if core.startswith(COLLECTIVE_START) or core.startswith("“"):
        return True
    return core.endswith(SUFFIXES) or core[-1] in LEVELS


def _could_be_name(s: str) -> bool:
    """Tell whether a piece a label or role word hands a role could still be a name (no date, field or sentence)."""
    return 2 <= len(s) <= 40 and not re.search(r"\d{4}|\d月|[：:。？！]|^(?:下同|其他|其余|等)$", s)


def looks_like_clause(content: str) -> bool:
    """Tell whether a bracket's content hands out responsibility."""
    probe = content.translate(T2S)
    if LABEL.search(probe) or FIRST_IS_LEAD.search(probe):
        return True
    for _, seg in split_top(probe, "，,；;。"):
        s = seg.strip(JUNK)
        m = CUE.search(s)
        if m and m.start() >= 2 and looks_like_name(_lead_names(s[:m.start()])):
            return True
    return False


STRICT_SUFFIXES = tuple("局委厅部办院署会关处室府司") + ("银行", "分行", "支行", "中心", "单位", "部门", "政府", "管委会")


def names_only(content: str) -> bool:
    """Tell whether a bracket holds nothing but agency names (a clause with no role word).

    >>> names_only("省工业和信息化厅、发展改革委，各设区市人民政府"), names_only("含国家级开发区"), names_only("WIPO")
    (True, False, False)
    """
    probe = content.translate(T2S).strip(JUNK)
    if not probe or re.search(r"[：:。“”《》]|\d", probe):
        return False
    pieces = [p.strip(JUNK) for _, p in split_top(probe, "、，,；;")]
    out = []
    for p in pieces:
        if not p:
            continue
        p = _clean(p)[0]
        out.extend(x for x in re.split(r"等和|及|和", p) if x) if not p.endswith(STRICT_SUFFIXES) else out.append(p)
    return bool(out) and all(
        len(p) >= 3 and p not in STRICT_SUFFIXES and not p.startswith(("含", "包括", "如", "即", "指", "简称", "以下", "不含", "其中"))
        and (re.sub(r"[（(][^（()）]*[）)]$", "", p).endswith(STRICT_SUFFIXES) or p.startswith("各")) for p in out)


def _lead_names(s: str) -> str:
    """Return the last name of a list (for the shape test)."""
    s = s.strip(JUNK)
    k = s.find(JOIN_LEAD)
    if k > 0:
        s = s[:k]
    s = s[2:] if s.startswith("由") and len(s) > 3 else s
    return split_top(s, "、")[-1][1].strip(JUNK) or s


# -- the parser -----------------------------------------------------------------------------
def parse_clause(text: str, start: int = 0, end: int | None = None, *, first_is_lead: bool = False,
                 others: Role | None = None, known: re.Pattern | None = None, places=None,
                 role: Role | None = None) -> Parsed:
    """Read the agencies by role, the deadline and the rules out of the clause text[start:end].

    The clause may be bracketed (``（…）``, ``〔…〕``, mixed) or a bare line (``牵头单位：…``).
    `first_is_lead` says a rule stated earlier makes the first-listed unit the lead (and `others`
    the role it gives the rest, 其余为配合单位); `known` is
    an optional pattern of known names never to split (各区、县级市); `places` a callable
    returning the place a string names, if any (by default the shipped places);
    `role` the role of names with no label or role word (a table's 牵头单位 column).
    Offsets in the result are offsets into `text`.
    """
    end = len(text) if end is None else end
    if places is None:  # the shipped places, so that 广州海关 and 国网福建省电力公司 keep their own place
        from .gazetteer import place_resolver

        places = place_resolver().resolve
    span = Span.of(text, start, end)
    o, c = start, end
    if c - o >= 2 and text[o] in OPEN and text[c - 1] in CLOSE:
        o, c = o + 1, c - 1
    raw = text[o:c]
    probe = raw.translate(T2S)
    problems: list[Problem] = []
    rules: list[Rule] = []

    # Rules and fields first: their words must never become names.
    for m in FIRST_IS_LEAD.finditer(probe):
        rules.append(_first_rule(m, text, o))
        probe = _blank(probe, m.start(), m.end())
    for m in ADDED_RULE.finditer(probe):
        who_s, who_e = m.span("who")
        role = Role.COOPERATE if m.group("coop") else Role.RESPONSIBLE
        who = tuple(_names(text, raw, probe[who_s:who_e], o + who_s, role, "rule:added", known, places, problems))
        rules.append(Rule("added", Span.of(text, o + m.start(), o + m.end()), who))
        probe = _blank(probe, m.start(), m.end())
    deadline = None
    for m in DEADLINE.finditer(probe):
        vs, ve = m.span("value")
        value = raw[vs:ve].rstrip(JUNK)
        if deadline is None and value:
            deadline = parse_deadline(value, Span.of(text, o + vs, o + vs + len(value)))
        probe = _blank(probe, m.start(), m.end())

    if deadline is None:
        for poff, seg in split_top(probe, "，,；;。"):
            body = seg.strip(JUNK)
            m = BARE_DEADLINE.match(body)
            if m:
                vs = poff + seg.index(body)
                deadline = parse_deadline(raw[vs:vs + len(m.group("value"))],
                                          Span.of(text, o + vs, o + vs + len(m.group("value"))))
                probe = _blank(probe, vs, vs + len(body))
                break
    # Regions: the text before the first label, then each label's text.
    regions: list[tuple[int, int, Role | None]] = []
    labels = list(LABEL.finditer(probe))
    regions.append((0, labels[0].start() if labels else len(probe), role))
    for k, lab in enumerate(labels):
        stop = labels[k + 1].start() if k + 1 < len(labels) else len(probe)
        regions.append((lab.end(), stop, LABEL_WORDS[lab.group("word")]))

    if role is None and not labels and names_only(probe) \
            and not any(CUE.search(seg.rstrip(JUNK)) for _, seg in split_top(probe, "，,；;。")):
        regions[0] = (regions[0][0], regions[0][1], Role.RESPONSIBLE)  # names with no role word share responsibility
    names: list[Name] = []
    for rs, re_, default in regions:
        names.extend(_region(text, raw, probe, o, rs, re_, default, known, places, problems))
    _share_prefixes(names, places)

    for r in rules:
        if r.kind == "first-is-lead":
            first_is_lead, others = True, r.others or others
    if first_is_lead and names and not any(n.role is Role.LEAD for n in names) and names[0].role is Role.RESPONSIBLE:
        n0 = names[0]
        names[0] = Name(n0.written, n0.start, n0.end, Role.LEAD, n0.full, _why(n0.how, "rule:first-is-lead"), n0.open)
        if others is not None:
            for k, n in enumerate(names[1:], 1):
                if n.role is Role.RESPONSIBLE:
                    names[k] = Name(n.written, n.start, n.end, others, n.full, _why(n.how, "rule:first-is-lead"), n.open)
    if not names and not rules and deadline is None and not problems:
        problems.append(Problem("clause-empty", f"clause names no agency: {span.quote!r}", start, end))
    return Parsed(span, tuple(names), deadline, tuple(rules), tuple(problems))


def _why(old: str | None, new: str) -> str:
    return f"{old}; {new}" if old else new


def _region(text, raw, probe, base, rs, re_, default, known, places, problems) -> list[Name]:
    """Read one region of a clause: pieces split by ，；。 each closed by a cue or taking the label's role."""
    pieces = []
    for poff, seg in split_top(probe[rs:re_], "，,；;。"):
        s = rs + poff
        body = seg.rstrip(JUNK)
        lead_ws = len(body) - len(body.lstrip(JUNK))
        s, body = s + lead_ws, body.lstrip(JUNK)
        if not body:
            continue
        m = CUE.search(body)
        if m is None:  # a role word followed by what is done: 市财政局配合建立工作调度机制
            m = CUE_INSIDE.search(body)
            if m and not looks_like_name(_lead_names(body[:m.start()])):
                m = None
        role = CUE_WORDS[m.group("cue")] if m else None
        names_end = s + (m.start() if m else len(body))
        closed_open = bool(m and m.group("etc"))
        pieces.append([s, names_end, role, closed_open])
    # A piece with no role word takes the role of the next piece that has one (甲部、乙部，丙部负责),
    # or the label's role; what is left has no role and is reported.
    pending = None
    for p in reversed(pieces):
        if p[2] is not None:
            pending = p[2]
        elif default is not None:
            p[2] = default
        elif pending is not None:
            p[2] = pending
    out: list[Name] = []
    for s, e, role, closed_open in pieces:
        seg = probe[s:e]
        k = seg.find(JOIN_LEAD)
        if k > 0 and role is not None:
            out.extend(_names(text, raw, seg[:k], base + s, Role.LEAD, JOIN_LEAD, known, places, problems))
            got = _names(text, raw, seg[k + 2:], base + s + k + 2, Role.COOPERATE, JOIN_LEAD, known, places, problems)
            out.extend(_mark_open(got, closed_open))
            continue
        if role is None:
            for n in _names(text, raw, seg, base + s, Role.RESPONSIBLE, None, known, places, []):
                problems.append(Problem("clause-no-role", f"no role word for {n.written!r} in clause "
                                        f"{text[base - 1:base + len(raw) + 1]!r}", n.start, n.end))
            continue
        out.extend(_mark_open(_names(text, raw, seg, base + s, role, None, known, places, problems), closed_open))
    return out


def _mark_open(names: list[Name], is_open: bool) -> list[Name]:
    if not is_open or not names:
        return names
    last = names[-1]
    return [*names[:-1], Name(last.written, last.start, last.end, last.role, last.full, last.how, True)]


def _names(text, raw, seg, off, role, how, known, places, problems) -> list[Name]:
    """Split a list of names (、 and joiners) at absolute offset `off`; known names are never split."""
    out: list[Name] = []
    i, n = 0, len(seg)
    while i < n:
        while i < n and seg[i] in JUNK:
            i += 1
        if i >= n:
            break
        m = known.match(text, off + i, off + n) if known is not None else None
        if m and (m.end() == off + n or text[m.end()] in JUNK or text.startswith("等", m.end())
                  or text.startswith(JOINERS, m.end())):
            j = m.end() - off
            closer = next((w for w in CLOSERS if seg.startswith(w, j)), None)
            if closer and (j + len(closer) == n or seg[j + len(closer)] in JUNK):
                j += len(closer)  # 区统计局等单位: the closer belongs to the name before it
        else:
            j = i + len(split_top(seg[i:], "、")[0][1])
            j = _joiner_cut(seg, i, j)
        piece = seg[i:j]
        name, s0, is_open = _clean(piece)
        if name:
            ns = off + i + s0
            written = text[ns:ns + len(name)]
            probe = written.translate(T2S)
            r, h = role, how
            nr = NAME_ROLE.search(probe)
            if nr and len(probe) > len(nr.group(0)) + 1:
                r, h = CUE_WORDS.get(nr.group("cue"), Role.LEAD), _why(how, f"bracketed-role:{nr.group('cue')}")
                written = written[:nr.start()]
                probe = probe[:nr.start()]
            if out and re.fullmatch(rf"各[{LEVELS}]", out[-1].written) and probe[:1] in LEVELS \
                    and text[out[-1].end:ns] in ("、", "，"):
                # 各市、县（市、区）人民政府 and 各区、县级市 are one collective, not two names
                last = out.pop()
                written = text[last.start:ns + len(written)]
                ns, probe = last.start, written.translate(T2S)
            if looks_like_name(probe) or _could_be_name(probe):
                out.append(Name(written, ns, ns + len(written), r, None, h, is_open))
            elif not TRAILING.match(name):
                problems.append(Problem("clause-not-a-name", f"not an agency name: {written!r}", ns, ns + len(name)))
        i = j
        if i < n and seg.startswith(JOINERS, i):
            i += next(len(w) for w in JOINERS if seg.startswith(w, i))
    return out


def _joiner_cut(seg: str, i: int, j: int) -> int:
    """Cut a piece at a joiner (和, 及, 等和) that stands between two names, not inside one (工业和信息化厅)."""
    depth = 0
    for k in range(i + 2, j - 1):
        ch = seg[k]
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(depth - 1, 0)
        if depth:
            continue
        for w in JOINERS:
            if seg.startswith(w, k):
                left = seg[i:k]
                left = left[:-1] if w != "等和" and left.endswith("等") else left
                rest = seg[k + len(w):j]
                if (w == "等和" or (left.endswith(SUFFIXES) and len(left) >= 2)) and len(rest) >= 2 \
                        and looks_like_name(split_top(rest, "、")[0][1]):
                    return k
    return j


def _clean(piece: str) -> tuple[str, int, bool]:
    """Trim junk, a leading 由 and a closing 等/等部门; return (name, offset in piece, open)."""
    lead = len(piece) - len(piece.lstrip(JUNK))
    s = piece.strip(JUNK)
    if s.startswith("由") and len(s) > 2:
        s, lead = s[1:], lead + 1
    is_open = False
    for w in CLOSERS:
        if s.endswith(w) and len(s) > len(w) + 1:
            s, is_open = s[:-len(w)], True
            break
    return s.rstrip(JUNK), lead, is_open


def _prefix(name: str, places) -> str:
    """Return the jurisdiction prefix a name carries: a level (市, 省, 区) or a place name."""
    if places is not None:
        for k in range(min(len(name) - 1, 12), 1, -1):
            e = places(name[:k]) if name[k - 1] in LEVELS + "盟" else None
            if e and getattr(e, "name", name[:k]) == name[:k]:  # a full place name, not a short form
                return name[:k]
    zone = next((z for z in ZONE_PREFIXES if name.startswith(z)), "")
    if zone:
        return zone
    if name[0] in LEVELS and not name.startswith(("市场", "区域", "省份")):
        return name[0]
    return ""


def _share_prefixes(names: list[Name], places) -> None:
    """Restore a prefix shared across a list: 市发展改革委、科技局 → 市科技局; 区甲局乙处、丙处 → 区甲局丙处."""
    prev: str | None = None
    for k, n in enumerate(names):
        w = n.written.translate(T2S)
        if prev is not None and not _prefix(w, places) and not w.startswith(NOT_A_PREFIX_START) \
                and not OWN_LEVEL.search(w) and "各" not in w and not w.endswith("成员单位") \
                and re.sub(r"[（(][^（()）]*[）)]$", "", w).endswith(SUFFIXES) \
                and len(w) <= 10 and (places is None or not _starts_with_place(w, places)):
            full = None
            body = re.match(rf"^(.*[{BODY}])[^{BODY}]+[{SUBDIVISION}]$", prev)
            if w[-1] in SUBDIVISION and body and not re.search(rf"[{BODY}]", w[:-1]):
                full = body.group(1) + n.written
            else:
                p = _prefix(prev, places)
                if p and p != prev:  # a place named alone (湄潭经济开发区) lends no prefix
                    full = p + n.written
            if full:
                names[k] = Name(n.written, n.start, n.end, n.role, full, _why(n.how, f"shared-prefix:{full}"), n.open)
        cur = names[k].name
        if not cur.startswith(COLLECTIVE_START):
            prev = cur


def _starts_with_place(name: str, places) -> bool:
    """Tell whether a name carries a place of its own: at its start (广州海关) or inside (国网福建省电力公司)."""
    if any(places(name[:k]) for k in range(min(len(name) - 2, 8), 1, -1)):
        return True
    return any(name[i] in "省市" and (places(name[i - 2:i + 1]) or places(name[i - 3:i + 1]))
               for i in range(3, len(name) - 1))


# -- deadlines ------------------------------------------------------------------------------
_DAYS = {1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


def parse_deadline(value: str, span: Span) -> Deadline:
    """Read a deadline as written into a year and, where it says one, a date or month.

    >>> [(d.year, d.date) for d in (parse_deadline(v, Span(0, 0, v)) for v in
    ...  ("2022年", "2023年底前", "2024年6月", "2025年6月底", "2022年3月15日", "长期坚持", "2021—2025年"))]
    [(2022, None), (2023, '2023-12-31'), (2024, '2024-06'), (2025, '2025-06-30'), (2022, '2022-03-15'), (None, None), (2025, None)]
    """
    v = value.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    years = re.findall(r"(\d{4})\s*年", v)
    if not years:
        return Deadline(value, span)
    year = int(years[-1])
    m = re.search(rf"{year}\s*年\s*(\d{{1,2}})\s*月(?:\s*(\d{{1,2}})\s*日)?", v)
    date = None
    if m and 1 <= int(m.group(1)) <= 12:
        month = int(m.group(1))
        if m.group(2):
            date = f"{year:04d}-{month:02d}-{int(m.group(2)):02d}"
        elif re.search(rf"{month}\s*月\s*(?:底|末)", v):
            date = f"{year:04d}-{month:02d}-{_DAYS[month]:02d}"
        else:
            date = f"{year:04d}-{month:02d}"
    elif re.search(rf"{year}\s*年\s*(?:底|末|年底|12月)", v):
        date = f"{year:04d}-12-31"
    return Deadline(value, span, year, date)


def find_rules(text: str, start: int, end: int) -> list[Rule]:
    """Return the rules stated in running text between start and end, in order."""
    probe = text[start:end].translate(T2S)
    out: list[Rule] = []
    for m in FIRST_IS_LEAD.finditer(probe):
        out.append(_first_rule(m, text, start))
    for m in ADDED_RULE.finditer(probe):
        ws, we = m.span("who")
        role = Role.COOPERATE if m.group("coop") else Role.RESPONSIBLE
        who = tuple(_names(text, text[start:end], probe[ws:we], start + ws, role, "rule:added", None, None, []))
        out.append(Rule("added", _sentence(text, start + m.start(), start + m.end(), start, end), who))
    out.sort(key=lambda r: r.span.start)
    return out


def _sentence(text: str, s: int, e: int, lo: int, hi: int) -> Span:
    """Return the sentence around text[s:e], within [lo, hi)."""
    a = max(text.rfind("。", lo, s) + 1, text.rfind("\n", lo, s) + 1, lo)
    stops = [k for k in (text.find("。", e, hi), text.find("\n", e, hi)) if k >= 0]
    b = min(stops) if stops else -1
    return Span.of(text, a, (b + 1 if text[b] == "。" else b) if b >= 0 else e)
