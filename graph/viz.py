"""Turn graphs and spans into HTML that shows document text literally and loads nothing remote.

Everything a document names (agency, task, box, section) may be hostile markup. Three rules:

- text that goes into HTML is built from ``html.escape``d pieces (tooltips, highlighted text);
- text that goes into a ``<script>`` is JSON with ``<``, ``>`` and ``&`` escaped, so it cannot
  close the script element; vis-network draws node labels on a canvas, as text;
- text that goes into Streamlit markdown goes through ``md_escape``.

pyvis builds the nodes, edges and options, and ships the vis-network bundle that we inline.
The page around them is ours (``_PAGE``): pyvis's own template links Bootstrap from a CDN even
with ``cdn_resources="in_line"`` and switches to an ``innerHTML`` popup whenever a title contains
"href". ``external_resources`` checks a page for anything fetched from elsewhere.

>>> import networkx as nx
>>> G = nx.Graph()
>>> G.add_node("a", kind="agency", label="<img src=x onerror=alert(1)>")
>>> G.add_node("t", kind="task", label="任务")
>>> G.add_edge("a", "t", role="lead")
>>> page = render(G, {"a": (0.0, 0.0), "t": (1.0, 0.0)})
>>> "<img" in page, external_resources(page)
(False, [])
>>> highlight("甲<b>乙", [(1, 4, "note", "x")])
'甲<mark class="pk-note" title="x">&lt;b&gt;</mark>乙'
"""

from __future__ import annotations

import functools
import html
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import networkx as nx

from ontology.terms import ROLE_COLORS  # noqa: F401 - re-exported; an edge's own "color" wins
from ontology.terms import ROLE_ZH as ROLE_LABELS

__all__ = [
    "KIND_COLORS",
    "agency_bars",
    "MARK_STYLES",
    "ROLE_COLORS",
    "ROLE_LABELS",
    "centrality",
    "external_resources",
    "file_stem",
    "highlight",
    "legend_html",
    "md_escape",
    "network_view",
    "render",
    "spread",
    "table_html",
    "tooltip",
    "trim",
]

KIND_COLORS = {
    "agency": "#8c564b",
    "task": "#17becf",
    "measure": "#9edae5",
    "box": "#bcbd22",
    "section": "#c7c7c7",
    "part": "#7f7f7f",
}
_OTHER = "#999999"
# Inline styles (st.html keeps style attributes; a stylesheet would need a second element).
MARK_STYLES = {
    "title": "background:none;font-weight:bold",
    "clause": "background:#fff3bf;padding:0",
    "reference": "background:#ffe0c2;padding:0",
    "place": "background:#c5f6fa;padding:0",
    "agency": "background:#eee;border-bottom:2px dashed #8c564b;padding:0",
    **{f"role-{r}": f"background:{c}22;border-bottom:3px solid {c};padding:0" for r, c in {
        "lead": "#d62728", "cooperate": "#1f77b4", "responsible": "#2ca02c", "guide": "#9467bd"}.items()},
}
MARK_LEGEND = {
    "title": "标题 title", "clause": "责任条款 clause", "role-lead": "牵头 lead", "role-cooperate": "配合 cooperate",
    "role-responsible": "负责 responsible", "role-guide": "指导 guide", "reference": "引用 reference",
    "place": "地点 place", "agency": "提及单位 agency mentioned",
}
_LABEL_CHARS = 14  # longer labels are cut on the canvas; the tooltip has the whole text


# --------------------------------------------------------------------------- text


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$=:])")
# GFM's autolinker runs on the text after markdown has undone its escapes, so `http\://a`
# still becomes a link. A word joiner (U+2060, invisible, no break) where it looks defeats it:
# before "://", between "www" and ".", after "@".
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(?=://)|(?<=www)(?=\.)|(?<=@)")
WORD_JOINER = "\u2060"


def md_escape(text: object) -> str:
    """Return `text` escaped for Streamlit markdown: every character shows as itself, nothing links.

    >>> md_escape("<img src=x> *粗* [a](javascript:b)")
    '\\\\<img src\\\\=x\\\\> \\\\*粗\\\\* \\\\[a\\\\]\\\\(javascript\\\\:b\\\\)'
    >>> md_escape("http://evil.invalid www.x.cn a@b.cn").replace(WORD_JOINER, "|")
    'http|\\\\://evil\\\\.invalid www|\\\\.x\\\\.cn a@|b\\\\.cn'
    """
    text = _AUTOLINK.sub(WORD_JOINER, str(text))
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


_NOT_IN_NAME = re.compile(r"[^\w\u3000-\u303f\uff08\uff09-]+")


def file_stem(text: object, limit: int = 60) -> str:
    """Return `text` as a file name stem: letters, digits, CJK, ``-``, ``（）``; every other run as ``_``.

    Document text names downloads; cut down so, it cannot carry a path, markup or a URL.

    >>> file_stem("<img src=x>[a](http://evil.invalid/b)")
    'img_src_x_a_http_evil_invalid_b'
    >>> file_stem("广州市市场监督管理局（知识产权局）")
    '广州市市场监督管理局（知识产权局）'
    """
    stem = _NOT_IN_NAME.sub("_", str(text)).strip("_")[:limit].strip("_")
    return stem or "policykg"


def tooltip(*lines: object) -> str:
    """Join lines into tooltip HTML, each line escaped; `None` and empty lines are left out.

    >>> tooltip("<b>", None, "二")
    '&lt;b&gt;<br>二'
    """
    return "<br>".join(html.escape(str(line)) for line in lines if line not in (None, ""))


Mark = tuple[int, int, str, str]  # start, end (into the text), kind, tooltip text


def highlight(text: str, marks: Iterable[Mark]) -> str:
    """Return `text` as HTML with each mark wrapped in ``<mark class="pk-KIND">``, all escaped.

    Marks may overlap or nest: the text is cut at every boundary and each piece takes the
    innermost (shortest) mark covering it. Marks outside the text are ignored.

    >>> highlight("ab", [(0, 2, "x", ""), (1, 2, "y", "")])
    '<mark class="pk-x">a</mark><mark class="pk-y">b</mark>'
    """
    n = len(text)
    good = [(s, e, k, t) for s, e, k, t in marks if 0 <= s < e <= n]
    cuts = sorted({0, n, *(s for s, *_ in good), *(e for _, e, *_ in good)})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        piece = html.escape(text[a:b])
        covering = [m for m in good if m[0] <= a and b <= m[1]]
        if not covering:
            out.append(piece)
            continue
        s, e, kind, title = min(covering, key=lambda m: (m[1] - m[0], m[0]))
        kind_class = re.sub(r"[^a-z0-9-]", "", kind.lower()) or "mark"
        attr = f' title="{html.escape(title)}"' if title else ""
        style = MARK_STYLES.get(kind_class)
        attr += f' style="{style}"' if style else ""
        out.append(f'<mark class="pk-{kind_class}"{attr}>{piece}</mark>')
    return "".join(out)


def legend_html() -> str:
    """Return the key to `highlight`'s marks as HTML."""
    return " ".join(f'<mark style="{MARK_STYLES[k]}">{html.escape(text)}</mark>' for k, text in MARK_LEGEND.items())


# --------------------------------------------------------------------------- graph pages


_EXTERNAL = re.compile(
    r"""<(script|link|img|iframe|source|embed|object)\b[^>]*?\b(?:src|href|data)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)""",
    re.I,
)
_CSS_URL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])\s*((?:https?:)?//[^"')\s]+)""", re.I)


def external_resources(page: str) -> list[str]:
    """Return every URL a page would fetch from elsewhere: script/link/img sources, CSS url()."""
    return [m.group(2) for m in _EXTERNAL.finditer(page)] + [m.group(1) for m in _CSS_URL.finditer(page)]


def spread(positions: Mapping, blend: float = 0.7) -> dict:
    """Return positions pushed out of a crowded centre, each node keeping its direction.

    A spring layout packs hubs and their many tasks into the middle. Each node's distance
    from the centroid is replaced by a mix of its rank among all distances (which spreads
    nodes evenly over a disc) and its own distance (`blend` is the share of the rank).
    Deterministic: the same positions give the same result.

    >>> spread({"a": (0.0, 0.0), "b": (1.0, 0.0)}) == spread({"b": (1.0, 0.0), "a": (0.0, 0.0)})
    True
    """
    if not positions:
        return {}
    pts = {n: (float(p[0]), float(p[1])) for n, p in positions.items()}
    cx = sum(x for x, _ in pts.values()) / len(pts)
    cy = sum(y for _, y in pts.values()) / len(pts)
    polar = {n: (math.hypot(x - cx, y - cy), math.atan2(y - cy, x - cx)) for n, (x, y) in pts.items()}
    far = max(r for r, _ in polar.values()) or 1.0
    order = sorted(polar, key=lambda n: (polar[n][0], str(n)))
    out = {}
    for i, n in enumerate(order):
        r, angle = polar[n]
        mixed = blend * math.sqrt((i + 0.5) / len(order)) + (1 - blend) * r / far
        out[n] = (mixed * math.cos(angle), mixed * math.sin(angle))
    return out


def _edge_role(data: Mapping) -> str | None:
    role = data.get("role", data.get("type"))
    role = getattr(role, "value", role)
    return role if role in ROLE_COLORS else None


def agency_bars(rows: Sequence[Mapping], roles: Sequence[str] = tuple(ROLE_COLORS)) -> str:
    """Return HTML: one horizontal bar per agency, stacked by role, in the order of `rows`.

    `rows` are `KG.agency_counts()` rows (agency, total, a count per role). Plain HTML and
    CSS with every name escaped: the overview draws it without pandas, Arrow or Vega.

    >>> "&lt;b&gt;" in agency_bars([{"agency": "<b>", "total": 1, "lead": 1}], ["lead"])
    True
    """
    top = max((r.get("total") or 0 for r in rows), default=0) or 1
    legend = "".join(f'<span style="margin-right:12px"><i style="display:inline-block;width:10px;height:10px;'
                     f'background:{ROLE_COLORS[r]};margin-right:4px"></i>{html.escape(ROLE_LABELS[r])} {r}</span>'
                     for r in roles)
    lines = []
    for r in rows:
        name = html.escape(str(r.get("agency", "")))
        total = sum(int(r.get(role) or 0) for role in roles)
        parts = "".join(
            f'<span title="{name} · {html.escape(ROLE_LABELS[role])} {int(r[role])}" style="display:inline-block;'
            f'height:14px;width:{100 * int(r[role]) / top:.2f}%;background:{ROLE_COLORS[role]}"></span>'
            for role in roles if r.get(role))
        lines.append(
            f'<div style="display:flex;align-items:center;margin:2px 0" title="{name}">'
            f'<div style="flex:0 0 40%;overflow:hidden;white-space:nowrap;text-overflow:ellipsis;'
            f'text-align:right;padding-right:6px">{name}</div>'
            f'<div style="flex:1 1 auto;display:flex;align-items:center">'
            f'<div style="flex:1 1 auto;line-height:0">{parts}</div>'
            f'<div style="flex:0 0 2.5em;text-align:right;color:#555">{total}</div></div></div>')
    return (f'<div class="pk-bars" style="font-size:12px">'
            f'<div style="margin-bottom:4px;color:#444">{legend}</div>{"".join(lines)}</div>')


TABLE_STYLE = """<style>
table.pk-table { border-collapse: collapse; width: 100%; font-size: .9rem; }
table.pk-table th, table.pk-table td { border-bottom: 1px solid #e6e6e6; padding: .35rem .5rem; text-align: left; }
table.pk-table th { color: #555; font-weight: 600; }
</style>"""


def table_html(header: Sequence[str], rows: Iterable[Sequence]) -> str:
    """Return an HTML table, every cell escaped (None as empty).

    >>> table_html(["a"], [["<i>"], [None]])
    '<table class="pk-table"><thead><tr><th>a</th></tr></thead><tbody><tr><td>&lt;i&gt;</td></tr><tr><td></td></tr></tbody></table>'
    """
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{'' if c is None else html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f'<table class="pk-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _weight(data: Mapping) -> float:
    w = data.get("weight", 1)
    return float(w) if isinstance(w, (int, float)) else 1.0


def _short(label: str) -> str:
    label = " ".join(label.split())
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"


def _scaled(positions: Mapping, nodes: Sequence, spread: float) -> dict:
    """Map layout positions (any scale) into canvas pixels centred on 0, fitting `spread`."""
    pts = {n: positions[n] for n in nodes if n in positions}
    if not pts:
        return {}
    xs = [float(p[0]) for p in pts.values()]
    ys = [float(p[1]) for p in pts.values()]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    span = max(max(xs) - min(xs), max(ys) - min(ys)) or 1.0
    k = spread / span
    return {n: (round((float(p[0]) - cx) * k, 1), round((float(p[1]) - cy) * k, 1)) for n, p in pts.items()}


def _node_tooltip(node, data: Mapping, degree: int, weighted: float, stats: Mapping | None) -> str:
    kind = data.get("kind", "")
    label = data.get("label", str(node))
    extra = data.get("title")
    number = data.get("rid") or data.get("number")
    head = f"{kind} {number}" if number else kind
    figures = f"度 degree {degree} · 加权度 weighted degree {weighted:g}"
    if stats and stats.get("betweenness") is not None:
        figures += f" · 介数 betweenness {stats['betweenness']:.3f}"
    if stats and stats.get("community"):
        figures += f" · 社区 community {stats['community']}"
    return tooltip(label, head, extra, figures)


def _edge_tooltip(data: Mapping) -> str:
    role = _edge_role(data)
    reasons = data.get("reasons")
    if isinstance(reasons, (list, tuple, set, frozenset)):
        reasons = "、".join(str(r) for r in reasons)
    weight = data.get("weight")
    shared = list(data.get("shared") or ())
    if shared:  # a collaboration edge: the tasks both agencies carry
        more = [f"… 另 {len(shared) - 12} more"] if len(shared) > 12 else []
        return tooltip(f"共同任务 shared tasks: {len(shared)}", *shared[:12], *more)
    return tooltip(
        f"{ROLE_LABELS[role]} ({role})" if role else None,
        reasons,
        f"weight {weight:g}" if isinstance(weight, (int, float)) and weight != 1 else None,
    )


def render(
    H: nx.Graph,
    positions: Mapping,
    *,
    color_by: str = "role",
    stats: Mapping | None = None,
    max_edges: int | None = 5000,
    height: int = 640,
) -> str:
    """Return a self-contained HTML page drawing `H` at `positions` with vis-network.

    `color_by` is "role" (edges coloured by the agency's role, nodes by kind) or "kind"
    (nodes by kind, edges grey); with ``stats`` (node → {betweenness, community}, e.g. the view's
    centrality rows) tooltips give betweenness too, and nodes with a community take its colour.
    Every node of `H` is drawn (`graph.network.trim` chooses
    them), and at most `max_edges` edges, the heaviest. Physics is off: nodes sit where the layout put them. `H` is not modified.
    Nodes missing from `positions` are placed on a circle around the drawing.
    """
    if color_by not in ("role", "kind"):
        raise ValueError(f"color_by must be 'role' or 'kind', not {color_by!r}")
    G = H
    nodes = sorted(G.nodes, key=str)
    spread = 90.0 * math.sqrt(max(len(nodes), 4))
    xy = _scaled(positions, nodes, spread)
    missing = [n for n in nodes if n not in xy]
    for i, n in enumerate(missing):
        a = 2 * math.pi * i / len(missing)
        xy[n] = (round(spread * 0.6 * math.cos(a), 1), round(spread * 0.6 * math.sin(a), 1))
    degree = dict(G.degree(weight="weight"))
    stats = stats or {}
    ids = {n: i for i, n in enumerate(nodes)}

    from pyvis.network import Network  # here, not at import: pyvis pulls in IPython (0.2 s)

    # directed=True only spares pyvis an O(E) duplicate scan per edge; arrows are switched off.
    net = Network(height=f"{height}px", width="100%", directed=True, cdn_resources="in_line")
    for n in nodes:
        data = G.nodes[n]
        kind = str(data.get("kind", ""))
        label = str(data.get("label", n))
        x, y = xy[n]
        net.add_node(
            ids[n],
            label=_short(label),
            shape="box" if kind == "agency" and len(nodes) <= 60 else "dot",
            color=_community_color(stats.get(n)) or KIND_COLORS.get(kind, _OTHER),
            title=_node_tooltip(n, data, G.degree(n), degree[n], stats.get(n)),
            x=x,
            y=y,
            value=round(float(degree[n]), 3),
            physics=False,
        )
    edges = list(G.edges(data=True))
    if max_edges is not None and len(edges) > max_edges:
        edges = sorted(edges, key=lambda e: (-_weight(e[2]), str(e[0]), str(e[1])))[:max_edges]
    for u, v, data in edges:
        role = _edge_role(data)
        color = (data.get("color") or ROLE_COLORS[role]) if color_by == "role" and role else "#b0b0b0"
        weight = data.get("weight", 1)
        width = 1 + 2.5 * math.log1p(float(weight)) if isinstance(weight, (int, float)) else 1
        net.add_edge(ids[u], ids[v], color=color, width=round(width, 2), title=_edge_tooltip(data),
                     arrows={"to": {"enabled": False}})
    options = {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False},
        "edges": {"smooth": False},
        # Size and label grow with weighted degree; small labels hide until one zooms in.
        "nodes": {"font": {"face": "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"},
                  "scaling": {"min": 8, "max": 36,
                              "label": {"enabled": True, "min": 11, "max": 22, "drawThreshold": 6, "maxVisible": 24}}},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": len(nodes) > 200},
    }
    net.set_options(json.dumps(options))
    vis_nodes, vis_edges, _heading, _h, _w, _options = net.get_network_data()
    legend = "".join(
        f'<span><i style="background:{ROLE_COLORS[r]}"></i>{html.escape(ROLE_LABELS[r])} {r}</span>'
        for r in ROLE_COLORS
    ) if color_by == "role" else ""
    legend += "".join(
        f'<span><i style="background:{c};border-radius:50%"></i>{html.escape(k)}</span>'
        for k, c in KIND_COLORS.items()
        if any(G.nodes[n].get("kind") == k for n in nodes)
    )
    fills = {
        "HEIGHT": str(int(height)),
        "CSS": _asset("vis-network.css"),
        "LEGEND": legend,
        "COUNTS": f"{len(nodes)} nodes, {len(edges)} edges"
                  + (f" (the {len(edges)} strongest of {G.number_of_edges()})" if len(edges) < G.number_of_edges() else ""),
        "DATA": _script_json({"nodes": vis_nodes, "edges": vis_edges, "options": options}),
        "JS": _asset("vis-network.min.js"),
    }
    # One pass, so that a placeholder written inside document text or the bundle stays as it is.
    page = re.sub(r"%([A-Z]+)%", lambda m: fills.get(m.group(1), m.group(0)), _PAGE)
    return page


COMMUNITY_COLORS = ("#e6550d", "#3182bd", "#31a354", "#756bb1", "#636363", "#fd8d3c", "#6baed6", "#74c476",
                    "#9e9ac8", "#bdbdbd", "#e7969c", "#7b4173")


def _community_color(stats: Mapping | None) -> str | None:
    c = stats.get("community") if stats else None
    return COMMUNITY_COLORS[(c - 1) % len(COMMUNITY_COLORS)] if c else None


def _script_json(value: object) -> str:
    """Return JSON that is safe inside a <script> element (cannot close it or start a comment)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


@functools.lru_cache(maxsize=None)
def _asset(name: str) -> str:
    """Return a file of the vis-network bundle that ships inside pyvis."""
    import pyvis

    lib = Path(pyvis.__file__).parent / "templates" / "lib"
    found = sorted(lib.glob(f"vis-*/{name}"))
    if not found:
        raise FileNotFoundError(f"{lib}/vis-*/{name}: pyvis no longer ships vis-network")
    text = found[-1].read_text(encoding="utf-8")
    # A minified bundle may contain "</script" inside a string; keep it from closing our element.
    return text.replace("</script", "<\\/script").replace("</style", "<\\/style")


# The page: vis-network inlined, data as escaped JSON, tooltips made from escaped HTML.
# `window.pkDrawn` is set after the first drawing, for tests and the benchmark.
_PAGE = """<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<style>%CSS%</style>
<style>
html, body { margin: 0; padding: 0; font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; }
#pk-network { width: 100%; height: %HEIGHT%px; border: 1px solid #ddd; box-sizing: border-box; }
#pk-legend { font-size: 12px; color: #444; padding: 4px 2px; }
#pk-legend span { margin-right: 12px; white-space: nowrap; }
#pk-legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
div.vis-tooltip { max-width: 420px; white-space: normal; font-size: 13px;
                 font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; }
</style>
</head>
<body>
<div id="pk-network"></div>
<div id="pk-legend">%LEGEND% <span>%COUNTS%</span></div>
<script>%JS%</script>
<script>
(function () {
  var data = %DATA%;
  function withTooltip(item) {
    // Titles were escaped in Python: innerHTML only turns their <br> into line breaks.
    if (typeof item.title === "string" && item.title) {
      var box = document.createElement("div");
      box.innerHTML = item.title;
      item.title = box;
    }
    return item;
  }
  var nodes = new vis.DataSet(data.nodes.map(withTooltip));
  var edges = new vis.DataSet(data.edges.map(withTooltip));
  var network = new vis.Network(document.getElementById("pk-network"), {nodes: nodes, edges: edges}, data.options);
  network.once("afterDrawing", function () { window.pkDrawn = performance.now(); });
  window.pkNetwork = network;
})();
</script>
</body>
</html>
"""
