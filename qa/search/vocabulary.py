"""The words of an indexed library: how rare each is (BM25 idf), which words stand for which (a thesaurus
file plus the corpus's own 「以下简称」 definitions), and the document words a question's words expand to."""
from __future__ import annotations

import re
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from ..index.bm25 import BM25Index, idf_of
from ..text import bigram_tokens, fold, segment

THESAURUS_FILE = Path(__file__).with_name("thesaurus.txt")


@lru_cache(maxsize=1)
def _base_thesaurus() -> tuple[tuple[str, ...], ...]:
    groups = []
    for line in THESAURUS_FILE.read_text(encoding="utf-8").splitlines():
        words = tuple(fold(w) for w in line.split())
        if len(words) > 1 and not line.startswith("#"):
            groups.append(words)
    return tuple(groups)


_DEFINED = re.compile(r"([\u4e00-\u9fff“”\w]{2,30})[（(](?:以下简称|以下称|简称)[“「\"]?([^”」\"）)，。]{1,12})[”」\"]?[)）]")


def defined_terms(texts) -> list[tuple[str, str]]:
    """Terms the corpus defines itself: 「国务院国土资源主管部门（以下简称国土部门）」 -> (full, short)."""
    out = []
    for text in texts:
        if "简称" not in text and "以下称" not in text:      # the pattern is costly; most texts lack the words
            continue
        for m in _DEFINED.finditer(text):
            full, short = m.group(1).strip("“”"), m.group(2)
            if full != short:
                out.append((fold(full[-12:]), fold(short)))
    return out


class Thesaurus:
    """Word -> the words that stand for it: the data file plus the corpus's own definitions."""

    def __init__(self, extra: list[tuple[str, str]] = ()):
        self.groups: dict[str, set[str]] = {}
        for group in _base_thesaurus():
            self._join(group)
        for full, short in extra:
            self._join((full, short))

    def _join(self, words) -> None:
        merged = set(words)
        for w in words:
            merged |= self.groups.get(w, set())
        for w in merged:
            self.groups[w] = merged

    def variants(self, word: str) -> set[str]:
        word = fold(word)
        out = {word} | self.groups.get(word, set())
        for key, group in self.groups.items():       # 「打招呼说情」 holds a group word inside it
            if len(key) >= 2 and key in word and key != word:
                out |= group
        return out


class Vocabulary:
    """Idf, thesaurus and query expansion over one index's BM25 arrays and passages."""

    def __init__(self, lexical: BM25Index, texts):
        self.lexical = lexical
        self.thesaurus = Thesaurus(defined_terms(texts))
        # the judge weighs a word no document uses like a typical word, not like the rarest:
        # colloquial wordings (「心里不舒服」) are common, and coverage of the rest still decides
        self.typical_idf = float(np.median(lexical.idf)) if len(lexical.idf) else 1.0

    @cached_property
    def newest_year(self) -> int:
        """The latest year any passage mentions (0 when none): documents issued after it are not here."""
        years = [int(t) for t in self.lexical.vocab if len(t) == 4 and t.isdigit() and t[:2] in ("19", "20")]
        return max(years, default=0)

    def idf(self, word: str) -> float:
        """How rare a word is in the corpus (0 if unseen): its own BM25 idf, else its rarest bigram's."""
        word = fold(word)
        if word in self.lexical.vocab:
            return idf_of(self.lexical, word)
        grams = bigram_tokens(word)
        if grams and all(g in self.lexical.vocab for g in grams):
            return max(idf_of(self.lexical, g) for g in grams)
        return 0.0

    def in_corpus(self, word: str) -> bool:
        """A word some passage holds: a BM25 word, or (names, terms jieba splits otherwise) every
        character pair of it. Any word in the vocabulary has an idf above 0."""
        return self.idf(word) > 0

    def expand(self, query: str) -> str:
        """BM25 sees, besides the question, the documents' words for question words no document uses
        (「打招呼」 -> 说情、干预), from the thesaurus and the corpus's own 「以下简称」 definitions."""
        extra = []
        for w in segment(fold(query)):
            if len(w) >= 2 and not self.in_corpus(w):
                extra.extend(v for v in self.thesaurus.variants(w) if v != w and self.in_corpus(v))
        return query + (" " + " ".join(dict.fromkeys(extra)) if extra else "")
