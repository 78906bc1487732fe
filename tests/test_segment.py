"""The tokenizer: jieba_fast_dat and jieba give the same tokens on every fixture, the seed included."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract import segment

ROOT = Path(__file__).resolve().parent.parent
TEXTS = sorted([*(ROOT / "tests" / "fixtures").rglob("*.txt"), *(ROOT / "corpus").glob("*.txt")])


def test_auto_is_the_fast_engine_and_built_once():
    assert type(segment.tokenizer()).__module__.startswith("jieba_fast_dat")
    assert segment.tokenizer() is segment.tokenizer("fast")


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_fast_engine_gives_jieba_tokens(path):
    text = path.read_text(encoding="utf-8")
    want = list(segment.tokenizer("jieba").tokenize(text, HMM=False))
    assert list(segment.tokenizer("fast").tokenize(text, HMM=False)) == want
    assert len(want) > 10


def test_fast_engine_gives_jieba_dag_with_gazetteer_words():
    run = "广州市市场监督管理局推进知识产权质押融资廣州市黄埔区"
    assert segment.tokenizer("fast").get_DAG(run) == segment.tokenizer("jieba").get_DAG(run)
    words = {w for w, _, _ in segment.tokenize("广州市市场监督管理局负责")}
    assert "广州市市场监督管理局" in words  # a gazetteer name is one token
