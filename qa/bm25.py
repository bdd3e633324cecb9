"""Okapi BM25 as small pure functions over token lists (an inverted index of plain dicts)."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np


@dataclass
class BM25Index:
    postings: dict[str, list[tuple[int, int]]]   # token -> [(doc, term frequency)]
    idf: dict[str, float]
    doc_len: np.ndarray
    avgdl: float
    k1: float = 1.2
    b: float = 0.75


def build(token_lists: list[list[str]], k1: float = 1.2, b: float = 0.75) -> BM25Index:
    postings: dict[str, list[tuple[int, int]]] = {}
    for i, tokens in enumerate(token_lists):
        for tok, tf in Counter(tokens).items():
            postings.setdefault(tok, []).append((i, tf))
    n = len(token_lists)
    # Lucene's idf: never negative, so a word in most passages still counts a little.
    idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in postings.items()}
    doc_len = np.array([len(t) for t in token_lists], dtype=np.float32)
    return BM25Index(postings, idf, doc_len, float(doc_len.mean()) if n else 0.0, k1, b)


def scores(index: BM25Index, query_tokens: list[str]) -> np.ndarray:
    out = np.zeros(len(index.doc_len), dtype=np.float32)
    if not len(out):
        return out
    norm = index.k1 * (1 - index.b + index.b * index.doc_len / max(index.avgdl, 1e-9))
    for tok, qtf in Counter(query_tokens).items():
        plist = index.postings.get(tok)
        if not plist:
            continue
        docs = np.fromiter((d for d, _ in plist), dtype=np.int64, count=len(plist))
        tf = np.fromiter((f for _, f in plist), dtype=np.float32, count=len(plist))
        out[docs] += index.idf[tok] * tf * (index.k1 + 1) / (tf + norm[docs])
    return out
