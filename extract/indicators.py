"""Find the indicator tables (主要预期性指标): name, unit, baseline and target with their years, source."""

from __future__ import annotations

import re

from ontology import iris

from .context import Context
from .gazetteer import Resolver
from .records import Indicator

def find_indicators(ctx: Context, res: Resolver) -> list[Indicator]:
    """Return the rows of the indicator tables (主要预期性指标): baseline → target, source agency."""
    t = ctx.text
    out: list[Indicator] = []
    fn_numbers = {b.number for b in ctx.norm.blocks if b.kind == "footnote"}
    for tb in (b for b in ctx.norm.blocks if b.kind == "table"):
        region = t[tb.start:tb.end]
        keep = [i for i, ch in enumerate(region) if ch != "\n"]
        flat = "".join(region[i] for i in keep)

        def at(i: int) -> int:  # flat offset → text offset
            return tb.start + (keep[i] if i < len(keep) else len(region))

        title_block = t[max(0, t.rfind("\n", 0, tb.start - 1) + 1):tb.start]
        nature = "binding" if "约束性" in title_block else "expected" if "预期性" in title_block else None
        years = [int(y) for y in re.findall(r"(\d{4})\s*年", flat[:60])]
        hm = re.search(r"数据来源|来源|责任单位", flat)
        pos = hm.end() if hm else 0
        row = re.compile(r"\s*(?P<name>[^（(]+?)(?P<fn>\d)?[（(](?P<unit>[^）)]{1,10})[）)]\s*"
                         r"(?P<base>——|—|-+|/|[\d.]+)\s+(?P<target>[\d.]+%?)\s*")
        k = 0
        while True:
            m = row.match(flat, pos)
            if not m:
                if flat[pos:].strip():
                    ctx.warn("indicator-row", f"indicator table row not understood: {flat[pos:pos + 30]!r}",
                              at(pos))
                break
            src_s = m.end()
            sm = res.pattern.match(flat, src_s) if res.pattern else None
            if sm:
                src_e = sm.end()
            else:
                nl = region.find("\n", keep[src_s]) if src_s < len(keep) else -1
                src_e = len(flat) if nl < 0 else keep.index(nl + 1) if nl + 1 in keep else len(flat)
                if src_e < len(flat) and flat[src_e] in "（(":
                    close = flat.find("）", src_e)
                    src_e = close + 1 if close > 0 else src_e
            fn = int(m.group("fn")) if m.group("fn") and int(m.group("fn")) in fn_numbers else None
            name_e = m.end("name") if fn else m.start("unit") - 1
            if not fn and m.group("fn"):
                name_e = m.end("fn")
            k += 1
            ns, ne = at(m.start("name")), at(name_e - 1) + 1
            ss, se = at(src_s), at(src_e - 1) + 1
            base = m.group("base")
            source_q = t[ss:se].replace("\n", "")
            e = res.resolve(source_q)
            out.append(Indicator(
                iris.record_id(ctx.doc_id, iris.indicator_key(k)), t[ns:ne].replace("\n", ""), m.group("unit"),
                None if not re.match(r"[\d.]+$", base) else base, years[0] if len(years) > 0 else None,
                m.group("target"), years[1] if len(years) > 1 else None, source_q,
                e.name if e else None, nature, ctx.span(ns, se), ctx.span(ns, ne), ctx.span(ss, se), fn))
            if e is None:
                ctx.warn("unresolved-agency", f"indicator source {source_q!r} is not in the gazetteer", ss,
                          ctx.span(ss, se))
            pos = src_e
    return out
