"""The one place jieba lives: a private tokenizer with the gazetteers as user dictionary.

jieba's own dictionary and algorithm, run by jieba_fast_dat (C++, the same DAG and route as
jieba, about ten times faster, and ready in a fifth of a second instead of a second) when it
is installed; plain jieba otherwise. Both give the same tokens (tests/test_segment.py).
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
from collections import Counter
from pathlib import Path

from .gazetteer import agencies, places

CACHE_DIR = Path(__file__).resolve().parent.parent / ".cache"
USER_WORD_FREQ = 5000  # high enough that a gazetteer name is never split, low enough not to swallow neighbours

STOPWORDS = frozenset(
    "加强 推进 推动 支持 建立 完善 健全 提升 提高 开展 建设 促进 加快 进一步 探索 积极 深化 构建 强化 实施 "
    "引导 鼓励 发挥 落实 打造 培育 形成 充分 有效 相关 重点 全面 依法 不断 做好 持续 大力 工作 作用 机制 体系 "
    "能力 水平 服务 发展 创新 单位 牵头 配合 负责 按职责 分工 成员 领导小组 市市场监管局 以及 等 和 与 及 的 "
    "在 对 为 有 是 将 从 以 向 于 中 上 下 个 一批 各类 各级 一个 有关 通过 围绕 结合 依托 利用 面向".split()
)
_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]+$")


def _cache_dir() -> str:
    """Return a writable directory for jieba's dictionary cache (the project's own first)."""
    for d in (os.environ.get("POLICYKG_CACHE"), str(CACHE_DIR),
              os.path.join(os.path.expanduser("~"), ".cache", "policykg")):
        if not d:
            continue
        try:
            os.makedirs(d, exist_ok=True)
            if os.access(d, os.W_OK):
                return d
        except OSError:
            continue
    import tempfile

    return tempfile.gettempdir()


def jieba_dictionary() -> str:
    """Return the path of jieba's own dictionary, which every tokenizer here reads."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")  # found, not imported: jieba_fast_dat needs only its file
    return os.path.join(os.path.dirname(spec.origin), "dict.txt")


def tokenizer(engine: str = "auto"):
    """Return (built once per process) a quiet private Tokenizer with jieba's dictionary and the gazetteer names.

    `engine`: ``jieba``, ``fast`` (jieba_fast_dat) or ``auto`` (fast when installed).
    """
    if engine == "auto":
        try:
            import jieba_fast_dat  # noqa: F401
            engine = "fast"
        except ImportError:
            engine = "jieba"
    return _tokenizer(engine)


@functools.cache
def _tokenizer(engine: str):
    if engine == "fast":
        import jieba_fast_dat as impl
    else:
        import jieba as impl
    for name in ("jieba", "jieba_fast_dat"):
        logging.getLogger(name).setLevel(logging.WARNING)
    tk = impl.Tokenizer(jieba_dictionary())
    tk.tmp_dir = _cache_dir()
    tk.initialize()
    for e in (*agencies(), *places()):
        for name in (e.name, *e.aliases):
            # jieba only matches runs of Han characters and letters: skip names with brackets.
            if re.fullmatch(r"[\u4e00-\u9fffA-Za-z0-9]+", name) and len(name) > 1:
                tk.add_word(name, USER_WORD_FREQ)
    return tk


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Return jieba tokens (word, start, end) over the text, HMM off."""
    return list(tokenizer().tokenize(text, HMM=False))


def boundaries(tokens) -> frozenset[int]:
    """Return every offset where a token starts or ends."""
    b = set()
    for _, s, e in tokens:
        b.add(s)
        b.add(e)
    return frozenset(b)


def keywords(units_tokens: list[list[str]], top: int = 8) -> list[tuple[str, ...]]:
    """Rank each unit's words by TF-IDF over the plan's units; ties broken by the word."""
    docs = [[w for w in toks if _WORD.match(w) and w not in STOPWORDS] for toks in units_tokens]
    n = len(docs)
    df = Counter(w for d in docs for w in set(d))
    idf = {w: math.log((n + 1) / (k + 0.5)) for w, k in df.items() if k < n}
    out = []
    for d in docs:
        tf = Counter(d)
        scored = [(c * idf[w], w) for w, c in tf.items() if w in idf]
        scored = [(s, w) for s, w in scored if s > 0]
        scored.sort(key=lambda x: (-x[0], x[1]))
        out.append(tuple(w for _, w in scored[:top]))
    return out
