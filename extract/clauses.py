"""Find responsibility clauses in a span of text and read out agencies by role.

The grammar follows GENRE.md: labelled clauses (牵头单位：…，配合单位：…), role words after the
names (市甲局牵头，市乙局配合), shared responsibility (…等按职责分工负责), 会同, 指导, rules that
govern later clauses (列第一位者为牵头单位), shared prefixes and names with brackets or quotes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .gazetteer import Resolver
from .records import Assignment, Issue, Role, Span

OPEN = "（(〔[【"
CLOSE = "）)〕]】"
PAIR = dict(zip(OPEN, CLOSE))
QUOTES = {"“": "”", "「": "」", "‘": "’", "《": "》"}

LABEL_ROLES = (
    ("牵头", Role.LEAD), ("主责", Role.LEAD), ("主办", Role.LEAD),
    ("配合", Role.COOPERATE), ("协办", Role.COOPERATE), ("参与", Role.COOPERATE), ("协同", Role.COOPERATE),
    ("责任", Role.RESPONSIBLE), ("实施", Role.RESPONSIBLE),
    ("指导", Role.GUIDE),
)
LABEL = re.compile(r"(牵头|主责|主办|配合|协办|参与|协同|责任|实施|指导)(?:单位|部门|机构)\s*[：:]")
# Role words after the names, longest first.
CUE = re.compile(
    r"(?P<etc>等)?(?P<cue>按职责分工负责|按职责分工落实|按职责负责|分工负责|共同负责|牵头负责|牵头落实|负责落实|"
    r"负责|牵头|配合|参与|协办|协同|指导)$"
)
CUE_ROLES = {"牵头负责": Role.LEAD, "牵头落实": Role.LEAD, "牵头": Role.LEAD, "配合": Role.COOPERATE,
             "参与": Role.COOPERATE, "协办": Role.COOPERATE, "协同": Role.COOPERATE, "指导": Role.GUIDE}
FIRST_IS_LEAD = re.compile(r"列第一位(?:者|的)?为牵头(?:单位|部门)(?:[，,]?\s*下同)?")
LATER_RULE = re.compile(
    r"以下[^。\n]{0,20}?均(?:需|由|要|应)(?P<who>[^，。,；;\n]{1,30}?)(?:负责)?(?:落实|实施|推进)[^。\n]{0,10}?不再(?:一一)?列出"
)
SEPARATORS = "、，,；;"
# Traditional characters of the cue words, mapped one to one so that offsets stay valid:
# patterns match the translated text, names are cut from the text as written.
T2S = str.maketrans("牽頭單門負責參與協辦導職機構實會關為級區縣廳務屬聯員領組處", "牵头单门负责参与协办导职机构实会关为级区县厅务属联员领组处")
NAME_JUNK = " \u3000\t\n：:"


@dataclass
class RuleState:
    """Rules stated once that govern every later clause."""

    first_is_lead: int | None = None  # offset from which the first-listed unit leads
    later: list[tuple[Span, Span]] = field(default_factory=list)  # (who, rule sentence) added to later units


def bracket_groups(text: str, start: int, end: int) -> tuple[list[tuple[int, int]], list[int]]:
    """Return top-level bracket groups [(open, close+1)] in text[start:end] and unclosed openers."""
    groups: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    quote: str | None = None
    for i in range(start, end):
        ch = text[i]
        if quote:
            if ch == QUOTES[quote]:
                quote = None
            continue
        if ch in ("“", "「") and stack:
            quote = ch
        elif ch in OPEN:
            stack.append((ch, i))
        elif ch in CLOSE:
            # Accept any closer for any opener: PDFs mix full-width and ASCII brackets.
            if stack:
                _, o = stack.pop()
                if not stack:
                    groups.append((o, i + 1))
        elif ch == "\n" and stack:
            # A clause never spans paragraphs: an opener left open here is unbalanced.
            stack.clear()
    return groups, [o for _, o in stack]


def looks_like_clause(content: str) -> bool:
    """Tell whether a bracket's content hands out responsibility."""
    content = content.translate(T2S)
    if LABEL.search(content):
        return True
    for seg in split_top(content, "，,；;"):
        s = seg[1].strip()
        if CUE.search(s) and len(s) > len(CUE.search(s).group(0)) + 1 and re.search(r"[局委厅部院办府室会位门署心关处组司行团联]", s):
            return True
    return bool(FIRST_IS_LEAD.search(content))


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


def _strip(s: str, off: int) -> tuple[str, int]:
    """Trim junk around a name; return the name and its new offset."""
    lead = len(s) - len(s.lstrip(NAME_JUNK))
    s2 = s.strip(NAME_JUNK)
    for p in ("由",):
        if s2.startswith(p) and len(s2) > 2:
            s2, lead = s2[len(p):], lead + len(p)
    return s2, off + lead


def split_names(s: str, off: int, resolver: Resolver) -> list[tuple[str, int]]:
    """Split a list of names (、 ，) into (name, offset) pairs; known names are never split."""
    out: list[tuple[str, int]] = []
    i = 0
    n = len(s)
    while i < n:
        while i < n and (s[i] in SEPARATORS or s[i] in NAME_JUNK or s[i] in "和及与"):
            i += 1
        if i >= n:
            break
        m = resolver.pattern.match(s, i) if resolver.pattern else None
        if m and (m.end() == n or s[m.end()] in SEPARATORS + NAME_JUNK or s.startswith("等", m.end())):
            j = m.end()
        else:
            pieces = split_top(s[i:], SEPARATORS)
            j = i + len(pieces[0][1])
        name, noff = _strip(s[i:j], off + i)
        if name.endswith("等") and len(name) > 2:
            name = name[:-1]
        if name:
            out.append((name, noff))
        i = j
    return out


def parse_clause(text: str, o: int, c: int, resolver: Resolver, state: RuleState,
                 line_of=lambda off: None) -> tuple[list[Assignment], list[Issue]]:
    """Read the agencies by role out of the clause text[o:c] (brackets included)."""
    clause = Span.of(text, o, c)
    inner_start = o + 1
    content = text[inner_start:c - 1]
    issues: list[Issue] = []
    m = FIRST_IS_LEAD.search(content.translate(T2S))
    if m:
        state.first_is_lead = o if state.first_is_lead is None else min(state.first_is_lead, o)
        content = content[:m.start()] + " " * (m.end() - m.start()) + content[m.end():]

    # Each piece: (role or None, names text, offset in text, how the role was found)
    pieces: list[tuple[Role | None, str, int, str | None]] = []
    labels = list(LABEL.finditer(content.translate(T2S)))
    if labels:
        head = content[:labels[0].start()].strip(" ，,；;")
        if head:
            pieces.extend(_cue_pieces(head, inner_start + content.index(head), issues, text, line_of))
        for k, lab in enumerate(labels):
            stop = labels[k + 1].start() if k + 1 < len(labels) else len(content)
            role = next(r for w, r in LABEL_ROLES if lab.group(1) == w)
            pieces.append((role, content[lab.end():stop], inner_start + lab.end(), None))
    else:
        pieces.extend(_cue_pieces(content, inner_start, issues, text, line_of))

    out: list[Assignment] = []
    has_lead = any(r is Role.LEAD for r, *_ in pieces)
    first_rule = state.first_is_lead is not None and state.first_is_lead <= o and not has_lead
    prev_name = ""
    for role, names_text, off, how in pieces:
        names = split_names(names_text, off, resolver)
        if role is None:
            for name, noff in names:
                issues.append(Issue("clause-no-role", f"no role word for {name!r} in clause {clause.quote!r}",
                                    line_of(noff), Span.of(text, noff, noff + len(name))))
            continue
        for k, (name, noff) in enumerate(names):
            r, why = role, how
            if first_rule and role is Role.RESPONSIBLE and not out:
                r, why = Role.LEAD, "rule:列第一位者为牵头单位"
            entry = resolver.resolve(name)
            full = name
            if entry is None and prev_name:
                expanded = resolver.expand_prefix(name, prev_name)
                if expanded:
                    full, entry = expanded
                    why = (why + "; " if why else "") + f"shared-prefix:{expanded[0]}"
            out.append(Assignment(name, entry.name if entry else None, entry.id if entry else None, r,
                                  Span.of(text, noff, noff + len(name)), clause, why))
            if entry is None:
                issues.append(Issue("unresolved-agency", f"agency {name!r} is not in the gazetteer",
                                    line_of(noff), Span.of(text, noff, noff + len(name))))
            prev_name = full if not full.startswith("各") else prev_name
    if not out and not issues:
        issues.append(Issue("clause-empty", f"clause names no agency: {clause.quote!r}", line_of(o), clause))
    return out, issues


def _cue_pieces(s: str, off: int, issues, text, line_of):
    """Split an unlabelled clause into (role, names, offset, how) by the role word closing each part."""
    out = []
    for poff, seg in split_top(s, "，,；;"):
        raw = seg
        seg = seg.rstrip(NAME_JUNK)
        if not seg.strip():
            continue
        m = CUE.search(seg.translate(T2S))
        if not m:
            out.append((None, seg, off + poff, None))
            continue
        names = seg[:m.start()]
        cue = m.group("cue")
        k = names.translate(T2S).find("会同")
        if k >= 0:
            lead, partners = names[:k], names[k + 2:]
            out.append((Role.LEAD, lead, off + poff, "会同"))
            out.append((Role.COOPERATE, partners, off + poff + k + 2, "会同"))
            continue
        role = CUE_ROLES.get(cue, Role.RESPONSIBLE)
        out.append((role, names, off + poff, None))
        del raw
    return out


def find_rules(text: str, start: int, end: int, state: RuleState) -> None:
    """Record rules stated in running text (not in a clause) that govern later clauses."""
    probe = text.translate(T2S)
    for m in FIRST_IS_LEAD.finditer(probe, start, end):
        if state.first_is_lead is None:
            state.first_is_lead = m.start()
    for m in LATER_RULE.finditer(probe, start, end):
        s = text.rfind("。", start, m.start()) + 1 or start
        e = text.find("。", m.end(), end)
        sentence = Span.of(text, max(s, start), e + 1 if e >= 0 else m.end())
        raw = text[m.start("who"):m.end("who")]
        who = raw.strip()
        ws = m.start("who") + raw.index(who)
        state.later.append((Span.of(text, ws, ws + len(who)), sentence))
