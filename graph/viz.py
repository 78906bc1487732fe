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
_LABEL_CHARS = 12  # longer labels are cut on the canvas; the tooltip and the focus panel have the whole text
_FONT_PX = 13  # labels on screen, whatever the zoom
_FONT_FACE = "WenQuanYi Micro Hei, Noto Sans CJK SC, sans-serif"
# A deep link into the app, percent-encoded (graph.views.links.node_links): nothing else becomes "open".
_DEEP_LINK = re.compile(r"\?[A-Za-z0-9%._~+-]+=[A-Za-z0-9%._~+-]*(&[A-Za-z0-9%._~+-]+=[A-Za-z0-9%._~+-]*)*")


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


_SIZE_MIN, _SIZE_MAX = 8, 36  # a dot's radius on the canvas, by weighted degree (vis-network's linear scaling)


def _radii(values: Mapping) -> dict:
    """Return each dot's radius as vis-network scales it from the node's value."""
    lo, hi = min(values.values(), default=0.0), max(values.values(), default=0.0)
    share = {n: 0.5 if hi == lo else max(0.0, (v - lo) / (hi - lo)) for n, v in values.items()}
    return {n: _SIZE_MIN + f * (_SIZE_MAX - _SIZE_MIN) for n, f in share.items()}


def _separate(xy: Mapping, radius: Mapping, nodes: Sequence, gap: float = 4.0, rounds: int = 40) -> dict:
    """Return canvas positions moved apart until no two dots overlap (or `rounds` passes), deterministically.

    Each pass pushes every overlapping pair apart along the line between them, each by half the
    overlap; coincident dots part along a direction fixed by their order.

    >>> _separate({"a": (0.0, 0.0), "b": (1.0, 0.0)}, {"a": 10.0, "b": 10.0}, ["a", "b"])
    {'a': (-11.5, 0.0), 'b': (12.5, 0.0)}
    """
    import numpy as np

    if len(nodes) < 2:
        return dict(xy)
    pos = np.array([xy[n] for n in nodes], dtype=float)
    r = np.array([radius[n] for n in nodes], dtype=float)
    need = r[:, None] + r[None, :] + gap
    np.fill_diagonal(need, 0.0)
    angle = np.arange(len(nodes)) * 2.399963  # the golden angle: a fixed direction per node
    fallback = np.stack((np.cos(angle), np.sin(angle)), axis=1)
    for _ in range(rounds):
        d = pos[:, None, :] - pos[None, :, :]
        dist = np.hypot(d[..., 0], d[..., 1])
        overlap = np.clip(need - dist, 0.0, None)
        np.fill_diagonal(overlap, 0.0)
        if not overlap.any():
            break
        unit = np.where(dist[..., None] > 1e-9, d / np.maximum(dist, 1e-9)[..., None],
                        fallback[:, None, :] - fallback[None, :, :])
        pos += 0.5 * (overlap[..., None] * unit).sum(axis=1)
    return {n: (round(float(x), 1), round(float(y), 1)) for n, (x, y) in zip(nodes, pos)}


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
    links: Mapping | None = None,
) -> str:
    """Return a self-contained HTML page drawing `H` at `positions` with vis-network.

    On the canvas: clicking a node focuses its neighbourhood (the rest is dimmed) and offers
    "open" when `links` gives the node a deep link into the app (a query string such as
    ``?task=plan%2Ft1``, see `graph.views.links.node_links`; the top window goes there); a search
    box finds a node by name; labels are placed most-connected first and one that would overlap
    a label already placed is left out (hover, focus or zoom in to see it).

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
    xy = _separate(xy, _radii({n: float(degree[n]) for n in nodes}), nodes)
    stats = stats or {}
    ids = {n: i for i, n in enumerate(nodes)}

    from pyvis.network import Network  # here, not at import: pyvis pulls in IPython (0.2 s)

    # directed=True only spares pyvis an O(E) duplicate scan per edge; arrows are switched off.
    net = Network(height=f"{height}px", width="100%", directed=True, cdn_resources="in_line")
    rank = {n: i for i, n in enumerate(sorted(nodes, key=lambda n: (-degree[n], -G.degree(n), str(n))))}
    links = links or {}
    for n in nodes:
        data = G.nodes[n]
        kind = str(data.get("kind", ""))
        label = str(data.get("label", n))
        x, y = xy[n]
        extra = {"open": links[n]} if _DEEP_LINK.fullmatch(str(links.get(n, ""))) else {}
        net.add_node(
            ids[n],
            label=_short(label),
            shape="dot",
            color=_community_color(stats.get(n)) or KIND_COLORS.get(kind, _OTHER),
            title=_node_tooltip(n, data, G.degree(n), degree[n], stats.get(n)),
            x=x,
            y=y,
            value=round(float(degree[n]), 3),
            physics=False,
            name=" ".join(label.split()),  # the search box and the focus panel (as text)
            kind=kind,
            rank=rank[n],  # label placement: most connected first
            **extra,
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
        # Size grows with weighted degree; labels keep one size on screen and are placed by the page's
        # script (placeLabels) so that none overlaps another.
        "nodes": {"font": {"face": _FONT_FACE, "size": _FONT_PX},
                  "scaling": {"min": _SIZE_MIN, "max": _SIZE_MAX, "label": {"enabled": False}}},
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
        "FONT": str(_FONT_PX),
        "FACE": _script_json(_FONT_FACE),
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
# Names reach the page only as canvas text, DOM textContent and input values, never as markup.
# `window.pkDrawn` is set after the first drawing and `window.pkLabelled` once labels are placed,
# for tests and the benchmark; `window.pkFocused` is the node in focus (null for none).
_PAGE = """<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<style>%CSS%</style>
<style>
html, body { margin: 0; padding: 0; font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; }
#pk-wrap { position: relative; }
#pk-network { width: 100%; height: %HEIGHT%px; border: 1px solid #ddd; box-sizing: border-box; }
#pk-tools { position: absolute; top: 6px; left: 6px; z-index: 5; font-size: 13px; }
#pk-search { width: 15em; padding: 3px 6px; font: inherit; border: 1px solid #bbb; border-radius: 3px; }
#pk-search-status { color: #a33; margin-left: 6px; }
#pk-focus { position: absolute; top: 6px; right: 6px; z-index: 5; max-width: 300px; font-size: 13px; display: none;
            background: rgba(255,255,255,.94); border: 1px solid #ccc; border-radius: 4px; padding: 6px 8px; }
#pk-focus-name { font-weight: 600; word-break: break-all; }
#pk-focus-meta { color: #555; margin: 2px 0 4px; }
#pk-focus a, #pk-focus button { font: inherit; margin-right: 8px; }
#pk-legend { font-size: 12px; color: #444; padding: 4px 2px; }
#pk-legend span { margin-right: 12px; white-space: nowrap; }
#pk-legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
div.vis-tooltip { max-width: 420px; white-space: normal; font-size: 13px;
                 font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif; }
</style>
</head>
<body>
<div id="pk-wrap">
<div id="pk-network"></div>
<div id="pk-tools"><input id="pk-search" type="search" list="pk-names" autocomplete="off"
  placeholder="查找节点 Find a node" aria-label="查找节点 Find a node"><datalist id="pk-names"></datalist><span
  id="pk-search-status"></span></div>
<div id="pk-focus" role="dialog" aria-label="节点 node"><div id="pk-focus-name"></div><div id="pk-focus-meta"></div>
<a id="pk-open" href="#" target="_top">打开 open ›</a><button id="pk-unfocus" type="button">取消 clear</button></div>
</div>
<div id="pk-legend">%LEGEND% <span>%COUNTS%</span></div>
<script>%JS%</script>
<script>
(function () {
  var data = %DATA%;
  var FONT = %FONT%, FACE = %FACE%;
  function withTooltip(item) {
    // Titles were escaped in Python: innerHTML only turns their <br> into line breaks.
    if (typeof item.title === "string" && item.title) {
      var box = document.createElement("div");
      box.innerHTML = item.title;
      item.title = box;
    }
    return item;
  }
  var byId = {}, order = data.nodes.slice().sort(function (a, b) { return a.rank - b.rank; });
  var shown = {};  // the nodes whose label is drawn: all, until placeLabels has run
  data.nodes.forEach(function (n) { n.short = n.label; n.baseColor = n.color; byId[n.id] = n; shown[n.id] = true; });
  data.edges.forEach(function (e) { e.baseColor = e.color; });
  var nodes = new vis.DataSet(data.nodes.map(withTooltip));
  var edges = new vis.DataSet(data.edges.map(withTooltip));
  var network = new vis.Network(document.getElementById("pk-network"), {nodes: nodes, edges: edges}, data.options);
  var focused = null, near = {};
  window.pkFocused = null;

  // Labels: the same size on screen at any zoom; most connected first, each kept only where it
  // overlaps no label already kept. In focus, only the neighbourhood is labelled, the node in focus always.
  var measure = document.createElement("canvas").getContext("2d");
  function overlaps(a, b) { return !(a.r < b.l || b.r < a.l || a.b < b.t || b.b < a.t); }
  function placeLabels() {
    var scale = network.getScale() || 1, size = FONT / scale, labels = [], changes = [], want = {};
    measure.font = size + "px " + FACE;
    var pos = network.getPositions();
    var candidates = order.filter(function (n) { return focused === null || near[n.id]; });
    if (focused !== null) candidates.sort(function (a, b) { return (b.id === focused) - (a.id === focused); });
    candidates.forEach(function (n) {
      var p = pos[n.id], body = network.body.nodes[n.id];
      if (!p || !body) return;
      var radius = body.options.size || 10, w = measure.measureText(n.short).width, pad = 2 / scale;
      var top = p.y + radius + 3;  // vis-network hangs a dot's label 3 px below it
      var box = {l: p.x - w / 2 - pad, r: p.x + w / 2 + pad, t: top - pad, b: top + size * 1.25 + pad};
      var free = labels.every(function (o) { return !overlaps(box, o); });
      if (free || n.id === focused) { labels.push(box); want[n.id] = true; }
    });
    data.nodes.forEach(function (n) {
      if (!!want[n.id] !== !!shown[n.id]) changes.push({id: n.id, label: want[n.id] ? n.short : ""});
    });
    shown = want;
    network.setOptions({nodes: {font: {size: size}}});
    if (changes.length) nodes.update(changes);
    window.pkLabelled = true;
    return {placed: labels.length, changed: changes.length, size: size};
  }
  var pending = null;
  function placeSoon() { if (pending) clearTimeout(pending); pending = setTimeout(function () { pending = null; placeLabels(); }, 60); }
  network.on("zoom", placeSoon);

  // Focus: a node and its neighbours stay, everything else is dimmed; "open" goes to its view in the app.
  var panel = document.getElementById("pk-focus"), openLink = document.getElementById("pk-open");
  function appUrl(query) {
    try { return new URL(query, window.parent.location.href).href; } catch (e) { return query; }
  }
  function openInApp(query) {
    // The app draws this page in a sandboxed iframe of its own origin, which may not navigate the
    // top window itself: a link in the app's document does it (else, outside the app, this window).
    var url = appUrl(query);
    try {
      var doc = window.parent.document, a = doc.createElement("a");
      a.href = url; a.target = "_self"; a.rel = "noopener";
      doc.body.appendChild(a); a.click(); a.remove();
      return;
    } catch (e) { /* not inside the app */ }
    window.location.href = url;
  }
  openLink.addEventListener("click", function (ev) {
    ev.preventDefault();
    if (focused !== null && byId[focused].open) openInApp(byId[focused].open);
  });
  function focus(id) {
    focused = id; near = {}; near[id] = true;
    network.getConnectedNodes(id).forEach(function (m) { near[m] = true; });
    nodes.update(data.nodes.map(function (n) {
      return {id: n.id, color: near[n.id] ? n.baseColor : "rgba(190,190,190,0.25)"};
    }));
    edges.update(data.edges.map(function (e) {
      return {id: e.id, color: (e.from === id || e.to === id) ? e.baseColor : "rgba(190,190,190,0.12)"};
    }));
    var n = byId[id];
    document.getElementById("pk-focus-name").textContent = n.name;
    document.getElementById("pk-focus-meta").textContent = n.kind + " · " + (Object.keys(near).length - 1) + " 个邻居 neighbours";
    openLink.style.display = n.open ? "" : "none";
    openLink.href = n.open ? appUrl(n.open) : "#";
    panel.style.display = "block";
    window.pkFocused = id;
    placeLabels();
  }
  function unfocus() {
    if (focused === null) return;
    focused = null; near = {};
    nodes.update(data.nodes.map(function (n) { return {id: n.id, color: n.baseColor}; }));
    edges.update(data.edges.map(function (e) { return {id: e.id, color: e.baseColor}; }));
    panel.style.display = "none";
    window.pkFocused = null;
    network.unselectAll();
    placeLabels();
  }
  network.on("click", function (params) {
    if (params.nodes.length) focus(params.nodes[0]); else unfocus();
  });
  document.getElementById("pk-unfocus").addEventListener("click", unfocus);

  // Search: an exact name first, else the most connected node whose name holds the text.
  var search = document.getElementById("pk-search"), status = document.getElementById("pk-search-status");
  var names = document.getElementById("pk-names");
  order.forEach(function (n) { var o = document.createElement("option"); o.value = n.name; names.appendChild(o); });
  function find(text) {
    var q = text.trim().toLowerCase();
    if (!q) return null;
    var hit = order.filter(function (n) { return n.name.toLowerCase() === q; })[0] ||
              order.filter(function (n) { return n.name.toLowerCase().indexOf(q) >= 0; })[0];
    return hit ? hit.id : null;
  }
  function go() {
    var id = find(search.value);
    status.textContent = id === null && search.value.trim() ? "没有 no match" : "";
    if (id === null) return;
    network.selectNodes([id]);
    network.focus(id, {scale: Math.max(network.getScale(), 1), animation: false});
    focus(id);
  }
  search.addEventListener("change", go);
  search.addEventListener("keydown", function (ev) { if (ev.key === "Enter") go(); });
  window.pkFind = function (text) { search.value = text; go(); return window.pkFocused; };

  network.once("afterDrawing", function () { window.pkDrawn = performance.now(); placeLabels(); });
  window.pkNetwork = network;
  window.pkPlaceLabels = placeLabels;
})();
</script>
</body>
</html>
"""
