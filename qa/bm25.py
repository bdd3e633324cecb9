"""Okapi BM25 as small pure functions over token lists: an inverted index held as numpy arrays (CSR by term)."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class BM25Index:
    vocab: dict[str, int]     # token -> row
    indptr: np.ndarray        # postings of row t are docs[indptr[t]:indptr[t + 1]]
    docs: np.ndarray          # int32 passage numbers
    tfs: np.ndarray           # float32 term frequencies
    doc_len: np.ndarray
    avgdl: float
    k1: float = 1.2
    b: float = 0.75

    def __post_init__(self):
        n = len(self.doc_len)
        df = np.diff(self.indptr).astype(np.float64)
        # Lucene's idf: never negative, so a word in most passages still counts a little.
        self.idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.norm = (self.k1 * (1 - self.b + self.b * self.doc_len / max(self.avgdl, 1e-9))).astype(np.float32)


def build(token_lists: list[list[str]], k1: float = 1.2, b: float = 0.75) -> BM25Index:
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in tokens] for tokens in token_lists]
    doc_len = np.array([len(t) for t in ids], dtype=np.float32)
    flat = np.fromiter((t for row in ids for t in row), dtype=np.int64, count=int(doc_len.sum()))
    owner = np.repeat(np.arange(len(ids), dtype=np.int64), doc_len.astype(np.int64))
    # one (term, passage) pair per posting, counted: sorted by term, passages ascending within a term
    pairs, tfs = np.unique(flat * max(len(ids), 1) + owner, return_counts=True)
    rows, docs = np.divmod(pairs, max(len(ids), 1))
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(vocab)), out=indptr[1:])
    return BM25Index(vocab, indptr, docs.astype(np.int32), tfs.astype(np.float32),
                     doc_len, float(doc_len.mean()) if len(doc_len) else 0.0, k1, b)


def scores(index: BM25Index, query_tokens: list[str]) -> np.ndarray:
    out = np.zeros(len(index.doc_len), dtype=np.float32)
    for tok, _ in Counter(query_tokens).items():
        t = index.vocab.get(tok)
        if t is None:
            continue
        a, z = index.indptr[t], index.indptr[t + 1]
        docs, tf = index.docs[a:z], index.tfs[a:z]
        out[docs] += index.idf[t] * tf * (index.k1 + 1) / (tf + index.norm[docs])
    return out


def save(index: BM25Index, folder: Path) -> list[str]:
    """Plain files: the vocabulary as JSON, the arrays as .npy (never pickled). Returns the names."""
    (folder / "bm25_vocab.json").write_text(json.dumps(list(index.vocab), ensure_ascii=False), encoding="utf-8")
    for name in ("indptr", "docs", "tfs", "doc_len"):
        np.save(folder / f"bm25_{name}.npy", getattr(index, name), allow_pickle=False)
    (folder / "bm25_params.json").write_text(json.dumps({"k1": index.k1, "b": index.b, "avgdl": index.avgdl}))
    return FILES


FILES = ["bm25_vocab.json", "bm25_indptr.npy", "bm25_docs.npy", "bm25_tfs.npy", "bm25_doc_len.npy",
         "bm25_params.json"]


def load(folder: Path) -> BM25Index:
    vocab = {t: i for i, t in enumerate(json.loads((folder / "bm25_vocab.json").read_text(encoding="utf-8")))}
    arrays = {n: np.load(folder / f"bm25_{n}.npy", allow_pickle=False) for n in ("indptr", "docs", "tfs", "doc_len")}
    params = json.loads((folder / "bm25_params.json").read_text())
    if len(arrays["indptr"]) != len(vocab) + 1 or len(arrays["docs"]) != len(arrays["tfs"]) \
            or (len(vocab) and arrays["indptr"][-1] != len(arrays["docs"])):
        raise ValueError("BM25 arrays do not fit together")
    return BM25Index(vocab, arrays["indptr"], arrays["docs"], arrays["tfs"], arrays["doc_len"], float(params["avgdl"]),
                     float(params["k1"]), float(params["b"]))


def idf_of(index: BM25Index, token: str) -> float:
    """How rare a token is in the corpus (0 for a token never seen)."""
    t = index.vocab.get(token)
    return float(index.idf[t]) if t is not None else 0.0

