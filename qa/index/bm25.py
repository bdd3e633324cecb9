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


def rebuild(old: BM25Index, rows: np.ndarray, fresh: dict[int, list[str]]) -> BM25Index:
    """The index of a new list of passages in which passage i is the old index's passage rows[i],
    or, where rows[i] is -1, the token list fresh[i]. The old postings are kept, renumbered, and
    the new ones inserted into them, in one linear pass without sorting them: adding a document
    to a library costs its own tokens, not the library's. Scores equal `build`'s (within a term
    the passages are then not in ascending order, which scoring does not need)."""
    rows = np.asarray(rows, dtype=np.int64)
    n = len(rows)
    kept = np.flatnonzero(rows >= 0)
    vocab = dict(old.vocab)
    # each old passage's postings move to its first new position (kept[::-1]: the first write wins)
    first = np.full(len(old.doc_len), -1, dtype=np.int64)
    first[rows[kept][::-1]] = kept[::-1]
    owner = first[old.docs]
    alive = owner >= 0
    term = np.repeat(np.arange(len(old.indptr) - 1, dtype=np.int64), np.diff(old.indptr))[alive]
    owner, tf = owner[alive], old.tfs[alive]
    doc_len = np.zeros(n, dtype=np.float32)
    doc_len[kept] = old.doc_len[rows[kept]]
    add_term, add_owner, add_tf = [], [], []
    # a passage whose text another passage also has (a few hundred in the 681): copies of its postings
    again = kept[first[rows[kept]] != kept]
    if len(again):
        twin = first[rows[again]]
        mine = np.flatnonzero(np.isin(owner, twin))
        mine = mine[np.argsort(owner[mine], kind="stable")]
        lo, hi = np.searchsorted(owner[mine], twin, "left"), np.searchsorted(owner[mine], twin, "right")
        for i, a, z in zip(again.tolist(), lo.tolist(), hi.tolist()):
            own = mine[a:z]
            add_term.extend(term[own].tolist())
            add_owner.extend([i] * len(own))
            add_tf.extend(tf[own].tolist())
    for i, tokens in fresh.items():
        counts = Counter(vocab.setdefault(t, len(vocab)) for t in tokens)
        add_term.extend(counts.keys())
        add_owner.extend([i] * len(counts))
        add_tf.extend(counts.values())
        doc_len[i] = len(tokens)
    if add_term:
        order = np.argsort(np.asarray(add_term, dtype=np.int64), kind="stable")
        a_term = np.asarray(add_term, dtype=np.int64)[order]
        at = np.searchsorted(term, a_term, side="right")        # after the old postings of that term
        term = np.insert(term, at, a_term)
        owner = np.insert(owner, at, np.asarray(add_owner, dtype=np.int64)[order])
        tf = np.insert(tf, at, np.asarray(add_tf, dtype=np.float32)[order])
    df = np.bincount(term, minlength=len(vocab))
    used = df > 0            # words only the removed passages used leave the vocabulary
    if not used.all():
        renumber = np.cumsum(used) - 1
        names = sorted(vocab, key=vocab.__getitem__)
        vocab = {names[t]: int(renumber[t]) for t in np.flatnonzero(used)}
        df = df[used]
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    return BM25Index(vocab, indptr, owner.astype(np.int32), tf.astype(np.float32),
                     doc_len, float(doc_len.mean()) if n else 0.0, old.k1, old.b)


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

