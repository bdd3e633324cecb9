"""BM25, fusion and tokenisation as pure functions, checked against hand-computed values."""
import math

import numpy as np
import pytest

from qa.index import bm25
from qa.search.fusion import minmax, top, weighted_sum
from qa.text.tokenize import tokenize


def test_bm25_matches_hand_computation():
    docs = [["纪委", "报告"], ["纪委", "纪委", "监督"], ["党委"]]
    idx = bm25.build(docs, k1=1.2, b=0.75)
    s = bm25.scores(idx, ["纪委"])
    n, df, avgdl = 3, 2, (2 + 3 + 1) / 3
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    expect0 = idf * 1 * 2.2 / (1 + 1.2 * (1 - 0.75 + 0.75 * 2 / avgdl))
    expect1 = idf * 2 * 2.2 / (2 + 1.2 * (1 - 0.75 + 0.75 * 3 / avgdl))
    assert s[0] == pytest.approx(expect0, rel=1e-5)
    assert s[1] == pytest.approx(expect1, rel=1e-5)
    assert s[2] == 0
    assert np.all(bm25.scores(idx, ["没有的词"]) == 0)


def test_bm25_on_empty_index():
    idx = bm25.build([])
    assert len(bm25.scores(idx, ["纪委"])) == 0


def test_weighted_sum_by_hand():
    assert minmax({1: 2.0, 2: 4.0, 3: 3.0}) == {1: 0.0, 2: 1.0, 3: 0.5}
    assert minmax({7: 5.0}) == {7: 1.0}
    fused = weighted_sum([{1: 0.9, 2: 0.5}, {2: 10.0, 3: 4.0}], [2.0, 1.0])
    assert fused == {1: 2.0, 2: 1.0, 3: 0.0}
    assert top({1: 1.0, 2: 1.0}, 2) == [(1, 1.0), (2, 1.0)]     # ties by id


def test_chinese_is_split_into_words_not_clauses():
    toks = tokenize("纪委书记发现领导班子成员存在重要问题，向上级纪委报告")
    words = [t for t in toks if not t.startswith("#")]
    assert "纪委书记" in words and "纪委" in words and "报告" in words
    assert max(len(w) for w in words) <= 6
    assert "的" not in tokenize("党的领导")


def test_width_and_ocr_variants_share_tokens():
    assert set(tokenize("党委（党组）")) == set(tokenize("党委(党组)"))
    # 問題 is a traditional-form OCR slip: its bigram still lets it meet the question
    assert "#问题" not in tokenize("及时发现問題") and "#发现" in tokenize("及时发现問題")
