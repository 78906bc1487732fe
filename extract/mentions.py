"""Find what a plan mentions: 《…》 citations, footnotes, and gazetteer names (agencies, places)."""

from __future__ import annotations

import bisect
import re

from .context import Context
from .gazetteer import Resolver
from .normalize import CJK, footnote_marker
from .records import Footnote, Mention, Reference

HOME_COUNTRY = "cn"  # the places gazetteer's id of China, whose plans these are

def find_mentions(ctx: Context, res: Resolver, bounds, excluded, clause_spans, kind: str) -> list[Mention]:
    """Return the names of a gazetteer found in the text at token boundaries, outside excluded spans."""
    t = ctx.text
    out = []
    if res.pattern is None:
        return out
    ex_starts = [s for s, _ in excluded]
    cl_starts = [s for s, _ in clause_spans]
    for m in res.pattern.finditer(t):
        s, e = m.start(), m.end()
        if s not in bounds and t[s - 1:s] not in "，。、；：“”（）《》()\n ":
            continue
        if e not in bounds and t[e - 1] not in "）)" and t[e:e + 1] not in "，。、；：“”（）《》()\n ":
            continue
        i = bisect.bisect_right(ex_starts, s) - 1
        if i >= 0 and excluded[i][0] <= s < excluded[i][1]:
            continue
        j = bisect.bisect_right(cl_starts, s) - 1
        in_clause = j >= 0 and clause_spans[j][0] <= s < clause_spans[j][1]
        entry = res.resolve(m.group(0))
        if entry is not None and entry.kind == "country" and entry.id == HOME_COUNTRY and re.match(rf"[{CJK}]", t[e:e + 1]):
            continue  # 中国 in 中国专利奖, 中国特色: part of a name, not a mention of the country
        out.append(Mention(m.group(0), entry.name if entry else None, entry.id if entry else None,
                           entry.kind if entry else kind, ctx.span(s, e), in_clause))
    return out

def find_references(ctx: Context) -> list[Reference]:
    """Return every 《…》 citation, nested brackets included."""
    t = ctx.text
    out = []
    i = 0
    while True:
        o = t.find("《", i)
        if o < 0:
            break
        depth, j = 0, o
        while j < len(t):
            if t[j] == "《":
                depth += 1
            elif t[j] == "》":
                depth -= 1
                if depth == 0:
                    break
            elif t[j] == "\n":
                break
            j += 1
        if j >= len(t) or t[j] != "》":
            ctx.warn("reference-unbalanced", f"《 without 》: {t[o:o + 30]!r}", o, ctx.span(o, min(len(t), o + 30)))
            i = o + 1
            continue
        title = re.sub(r"\s+", "", t[o + 1:j])
        out.append(Reference(title, ctx.span(o, j + 1)))
        i = j + 1
    return out

# -- footnotes and the indicator table ---------------------------------------------------
def find_footnotes(ctx: Context) -> list[Footnote]:
    """Return the footnotes: each body lifted out by normalize, with the marker glued to its term."""
    t, n = ctx.text, ctx.norm

    out = []
    pos = 0
    for b in n.blocks:
        if b.kind != "footnote":
            continue
        num = b.number
        m = footnote_marker(num).search(t, pos, n.body_end)
        body_start = b.start + len(str(num))
        while body_start < b.end and t[body_start] in " \u3000":
            body_start += 1
        if m is None:
            ctx.warn("footnote-marker", f"footnote {num} has no marker in the text", b.start)
            continue
        ms = m.start()
        if t[ms - 1] == "”":
            ts = t.rfind("“", 0, ms - 1)
        else:
            ts = ms
            while ts > 0 and re.match(rf"[{CJK}A-Za-z0-9]", t[ts - 1]):
                ts -= 1
        out.append(Footnote(num, t[ts:ms], ctx.span(ms, m.end()), ctx.span(ts, ms), ctx.span(body_start, b.end)))
        pos = m.end()
    return out
