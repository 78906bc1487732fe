"""Read a web page saved from a government site: its article body as lines, its tables as TAB rows.

The page is parsed with the standard library's tolerant HTML parser into a small tree. Scripts,
navigation, headers, footers, share buttons and link lists are pruned (by tag, by class/id
words, by link density); the article is the deepest block that still holds most of the
remaining text. `<p>`, `<br>` and other blocks become lines, a table with rows and columns
becomes a header row and TAB rows with a merged cell (rowspan) left empty below its first row.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

from .office import join_cell, table_lines

VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
BLOCK = frozenset("p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd section article main blockquote pre table tr "
                  "center figure figcaption address hr body form fieldset caption tbody thead tfoot".split())
DROP_TAGS = frozenset("script style noscript template iframe object embed svg canvas select option button "
                      "input textarea nav aside menu head title map audio video".split())
# Words of class and id names that mark a page's furniture, not its article.
FURNITURE = frozenset("""nav navbar navigation menu menus breadcrumb breadcrumbs crumb crumbs footer foot share
    bdshare sharebox fenxiang related relate xgxx xglj xgwz recommend sidebar toolbar tools copyright banner
    search login print qrcode ewm position location dqwz pagination pager page-nav comment comments ad ads
    advert gotop backtop top bottom header topbar skip""".split())
_IMPLIED_END = {"p": {"p"}, "li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"}, "td": {"td", "th"},
                "th": {"td", "th"}, "tr": {"tr", "td", "th"}, "option": {"option"},
                "tbody": {"tbody", "thead", "tfoot", "tr", "td", "th"},
                "thead": {"tbody", "thead", "tfoot", "tr", "td", "th"},
                "tfoot": {"tbody", "thead", "tfoot", "tr", "td", "th"}}
_SCOPE = {"p": {"td", "th", "table", "div", "li", "body", "section", "article", "blockquote"},
          "li": {"ul", "ol", "table"}, "dt": {"dl", "table"}, "dd": {"dl", "table"}, "td": {"table", "tr"},
          "th": {"table", "tr"}, "tr": {"table"}, "option": {"select"}, "tbody": {"table"},
          "thead": {"table"}, "tfoot": {"table"}}
_P_CLOSERS = frozenset("p div h1 h2 h3 h4 h5 h6 ul ol dl table blockquote pre section article form hr "
                       "center address figure".split())


class Node:
    __slots__ = ("tag", "attrs", "children", "parent", "size")

    def __init__(self, tag: str, attrs: dict, parent: "Node | None" = None):
        self.tag, self.attrs, self.children, self.parent = tag, attrs, [], parent
        self.size = 0


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def _close_implied(self, tag: str) -> None:
        closes = set(_IMPLIED_END.get(tag, ()))
        if tag in _P_CLOSERS:
            closes.add("p")
        if not closes:
            return
        scope = _SCOPE.get(tag, set()) | {"table", "body"}
        for i in range(len(self.stack) - 1, 0, -1):
            t = self.stack[i].tag
            if t in closes:
                del self.stack[i:]
                return
            if t in scope and t not in closes:
                return

    def handle_starttag(self, tag, attrs):
        self._close_implied(tag)
        node = Node(tag, {k: v or "" for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self._close_implied(tag)
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}, self.stack[-1]))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
            if tag in ("td", "th", "tr") and self.stack[i].tag == "table":
                return  # never close across a table

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse(markup: str) -> Node:
    """Parse HTML into a tree of Nodes (str children are text)."""
    b = _Builder()
    b.feed(markup)
    b.close()
    return b.root


# -- encoding ---------------------------------------------------------------------------------
_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.\-]+)""", re.I)
_GB = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "ms936", "windows-936", "euc-cn", "csgb2312", "x-euc-cn",
       "gb18030", "hz-gb-2312"}


def sniff_encoding(data: bytes) -> str | None:
    """Return the encoding a page declares: its BOM, else `<meta charset>` / http-equiv content-type."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return enc
    head = data[:8192]
    m = _CHARSET.search(head) or _XML_ENCODING.search(head)
    if not m:
        return None
    name = m.group(1).decode("ascii").lower()
    if name in _GB:
        return "gb18030"  # a superset: pages that say gb2312 use GBK and GB18030 characters
    if name in ("big5", "big5-hkscs", "x-x-big5"):
        return "big5hkscs"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes, path) -> tuple[str, str]:
    """Decode a page's bytes by its BOM or declared charset, else as UTF-8 or GB18030 text."""
    from .reader import InputError, decode

    if not data.strip():
        raise InputError(path, "file is empty")
    enc = sniff_encoding(data)
    if enc:
        try:
            return data.decode(enc).replace("\r\n", "\n").replace("\r", "\n"), enc
        except UnicodeDecodeError:
            pass  # the declaration is wrong: fall back to what the bytes are
    return decode(data, path)


# -- the article ------------------------------------------------------------------------------
_SPACE = re.compile(r"[ \t\n\r\f\v\u00a0]+")
_WIDE = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f“”‘’"
_WRAP_WIDE = re.compile(rf"(?<=[{_WIDE}])[ \t\r]*\n\s*(?=[{_WIDE}])")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


def _words(node: Node) -> set[str]:
    s = (node.attrs.get("class", "") + " " + node.attrs.get("id", "")).lower()
    words = set(re.split(r"[\s_\-]+", s))
    return words | {w.rstrip("0123456789") for w in words}


def _size(node: Node, in_link: bool = False) -> tuple[int, int]:
    """Set node.size to its characters of text outside links; return (text, link text)."""
    text = link = 0
    for c in node.children:
        if isinstance(c, str):
            n = len(_SPACE.sub("", c))
            if in_link:
                link += n
            else:
                text += n
        else:
            t, lk = _size(c, in_link or c.tag == "a")
            text, link = text + t, link + lk
    node.size = text
    node.attrs["#link"] = str(link)
    return text, link


def _prune(node: Node, total: int) -> None:
    keep = []
    for c in node.children:
        if isinstance(c, str):
            keep.append(c)
            continue
        link = int(c.attrs.get("#link", "0"))
        furniture = (c.tag in DROP_TAGS or c.tag in ("header", "footer") and not _inside(c, ("article", "main"))
                     or "hidden" in c.attrs or _HIDDEN.search(c.attrs.get("style", ""))
                     or (_words(c) & FURNITURE)
                     or (c.tag in ("ul", "ol", "div", "table", "section", "p", "dl", "span", "td")
                         and link >= 8 and link > 1.5 * c.size and c.size < 400))
        if furniture and c.size < 0.6 * max(total, 1):
            continue
        _prune(c, total)
        keep.append(c)
    node.children = keep


def _inside(node: Node, tags) -> bool:
    p = node.parent
    while p is not None:
        if p.tag in tags:
            return True
        p = p.parent
    return False


def article(root: Node) -> Node:
    """Return the deepest block holding at least 80% of the page's text outside links, after pruning."""
    total, _ = _size(root)
    _prune(root, total)
    total, _ = _size(root)
    node = root
    while True:
        kids = [c for c in node.children if not isinstance(c, str)]
        best = max(kids, key=lambda c: c.size, default=None)
        if best is None or best.size < 0.8 * total or best.tag in ("p", "tr", "td", "th", "li", "span", "a",
                                                                   "font", "strong", "b", "h1", "h2", "h3"):
            return node
        node = best


# -- text -------------------------------------------------------------------------------------
def _clean(s: str) -> str:
    # A line break in the source between two Chinese characters is no space; a space written is kept.
    s = _WRAP_WIDE.sub("", s)
    return _SPACE.sub(" ", s).strip()


class _Text:
    def __init__(self):
        self.lines: list[str] = []
        self.buf: list[str] = []

    def flush(self) -> None:
        s = _clean("".join(self.buf))
        self.buf.clear()
        if s:
            self.lines.append(s)

    def walk(self, node: Node) -> None:
        for c in node.children:
            if isinstance(c, str):
                self.buf.append(c)
            elif c.tag in DROP_TAGS:
                continue
            elif c.tag == "br":
                self.flush()
            elif c.tag == "table":
                self.flush()
                self.table(c)
            elif c.tag in BLOCK or c.tag in ("td", "th"):
                self.flush()
                self.walk(c)
                self.flush()
            else:
                self.walk(c)

    def table(self, table: Node) -> None:
        rows = list(_rows(table))
        nested = any(_find(cell, "table") for tr in rows for cell in _cells(tr))
        width = max((sum(_span(c, "colspan") for c in _cells(tr)) for tr in rows), default=0)
        if nested or width < 2 or len(rows) < 2:  # a layout table: its cells are blocks
            for tr in rows:
                for cell in _cells(tr):
                    self.walk(cell)
                    self.flush()
            return
        grid: list[list[str]] = []
        full: list[bool] = []
        taken: dict[tuple[int, int], bool] = {}  # cells covered by a rowspan from above
        for r, tr in enumerate(rows):
            row: list[str] = []
            col = 0
            cells = list(_cells(tr))
            for cell in cells:
                while taken.get((r, col)):
                    row.append("")
                    col += 1
                sub = _Text()
                sub.walk(cell)
                sub.flush()
                cs, rs = _span(cell, "colspan"), _span(cell, "rowspan")
                row.append(join_cell(sub.lines))
                row.extend([""] * (cs - 1))
                for dr in range(1, rs):
                    for dc in range(cs):
                        taken[(r + dr, col + dc)] = True
                col += cs
            while taken.get((r, col)):
                row.append("")
                col += 1
            grid.append(row)
            full.append(len(cells) == 1 and _span(cells[0], "colspan") >= width)
        self.lines.extend(table_lines(grid, full))


def _find(node: Node, tag: str) -> bool:
    return any(not isinstance(c, str) and (c.tag == tag or _find(c, tag)) for c in node.children)


def _rows(table: Node):
    for c in table.children:
        if isinstance(c, str):
            continue
        if c.tag == "tr":
            yield c
        elif c.tag in ("tbody", "thead", "tfoot"):
            yield from _rows(c)


def _cells(tr: Node):
    return [c for c in tr.children if not isinstance(c, str) and c.tag in ("td", "th")]


def _span(cell: Node, name: str) -> int:
    try:
        return max(1, min(int(cell.attrs.get(name, "1").strip() or 1), 100))
    except ValueError:
        return 1


def html_to_text(markup: str) -> str:
    """Return the article of an HTML page, one line per paragraph, tables as TAB rows, entities decoded.

    >>> html_to_text('<div class="nav"><a href="/">首页</a></div><div id="zoom"><p>一、总体要求</p>'
    ...              '<p>坚持创\\n新<br>驱动</p></div><div class="footer">版权所有</div>')
    '一、总体要求\\n坚持创新\\n驱动'
    """
    root = parse(markup)
    t = _Text()
    t.walk(article(root))
    t.flush()
    return "\n".join(t.lines)


def read_html(data: bytes, path) -> tuple[str, str]:
    """Decode a saved page and return its article text and the encoding used."""
    text, encoding = decode_html(data, path)
    return html_to_text(text), encoding
