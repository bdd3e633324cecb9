"""Chinese tokenisation for BM25: jieba search-mode words plus character-bigram tokens (`#` + two characters),
and the stopwords; the one owner of both conventions, and of jieba itself (its segmenter and name tagger)."""
from __future__ import annotations

import logging
import re
import threading

from .chars import fold

_lock = threading.Lock()
_jieba = None
_WORD = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+(?:\.[0-9]+)?")
# Words so common in these documents that they carry no signal for ranking.
STOPWORDS = frozenset(
    "的 了 和 与 及 或 是 在 对 把 被 为 以 等 要 将 也 就 都 而 并 其 之 这 那 有 中 上 下 "
    "什么 哪些 哪个 怎么 怎样 如何 是否 为什么 多少 吗 呢 吧 啊 谁 应该 应当 可以 需要 一个 这个 那个 "
    "文件 文档 里 里面 一下 请问 我 你 他 她 它 们 我们 他们 有没有 没有 能 会".split()
)


def load_segmenter():
    global _jieba
    with _lock:
        if _jieba is None:
            import jieba
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba = jieba
    return _jieba


def person_names(text: str) -> list[str]:
    """The persons' names jieba's tagger finds in the text (「娄勤俭」「林武」): what 「叫什么名字」 asks for."""
    import jieba.posseg
    load_segmenter()
    return [w for w, flag in jieba.posseg.lcut(text) if flag == "nr" and len(w) >= 2]


def segment(text: str) -> list[str]:
    """Plain jieba segmentation (precise mode), used where word boundaries matter."""
    return load_segmenter().lcut(text, HMM=False)


def tokenize(text: str) -> list[str]:
    """Tokens for BM25: folded text, jieba search-mode words (long words also yield their
    parts), and character bigrams of every run of Chinese so OCR slips still share tokens."""
    jb = load_segmenter()
    text = fold(text)
    tokens: list[str] = []
    for run in _WORD.findall(text):
        if run[0].isascii():
            tokens.append(run)
            continue
        tokens.extend(w for w in jb.lcut_for_search(run, HMM=False) if w not in STOPWORDS)
        tokens.extend(bigram_tokens(run))
    return tokens


BIGRAM_MARK = "#"     # a bigram token never collides with a jieba word of the same two characters


def bigram_tokens(run: str) -> list[str]:
    """The bigram tokens of a run of Chinese characters, as BM25 indexes them."""
    return [BIGRAM_MARK + run[i:i + 2] for i in range(len(run) - 1)]


def is_bigram_token(token: str) -> bool:
    return token.startswith(BIGRAM_MARK)
