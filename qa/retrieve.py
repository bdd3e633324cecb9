"""Hybrid retrieval: dense (FAISS) and BM25 rankings fused, with outline references resolved first."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from .bm25 import scores as bm25_scores
from .embed import Embedder
from .fusion import top, weighted_sum
from .index import Index
from .lookup import AMBIGUOUS_MAX, Resolution
from .refs import find_ref
from .tokenize import tokenize

POOL = 50                    # candidates taken from each retriever before fusion
# Measured on the project's question set and the dev sample (bench/quality.py): a passage's
# dense score leans on its best sentence; min-max-scaled dense and BM25 scores are summed
# with dense counting double. Reciprocal-rank fusion of the same lists scored lower.
PASSAGE_SHARE = 0.3
DENSE_WEIGHT, BM25_WEIGHT = 2.0, 1.0


@dataclass
class Hit:
    passage: Passage
    score: float
    dense: float = 0.0        # cosine of question and passage
    lexical: float = 0.0      # BM25 score
    via: str = "search"       # "search" or "reference" (the question named this clause/part)
    extra: dict = field(default_factory=dict)


def top_n(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the n highest scores, ties in index order — as a stable full sort would give,
    without sorting 100k scores for 50 of them."""
    if len(scores) <= 4 * n:
        return np.argsort(-scores, kind="stable")[:n]
    nth = np.partition(scores, len(scores) - n)[len(scores) - n]
    cand = np.flatnonzero(scores >= nth)
    return cand[np.argsort(-scores[cand], kind="stable")][:n]


class Backend(ABC):
    """Where candidates come from. Rows are the index's passage and sentence numbers; a second
    engine (OpenSearch, Milvus — docs/scale.md) is a new subclass, fusion and answers stay as they are."""

    @abstractmethod
    def knn(self, q: np.ndarray, n: int, sentences: bool) -> dict[int, float]:
        """Cosine of the question vector with the n nearest passages (or sentences): row -> score."""

    @abstractmethod
    def bm25(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every passage for these query tokens."""


class LocalBackend(Backend):
    """FAISS and the BM25 arrays of a saved index, in this process."""

    def __init__(self, index: Index):
        self.index = index

    def knn(self, q: np.ndarray, n: int, sentences: bool) -> dict[int, float]:
        vectors = self.index.unit_vectors if sentences else self.index.vectors
        if vectors.ntotal == 0:
            return {}
        if self.index.exact(vectors):
            # One question against every row, on the index's own memory: torch's matrix-vector
            # product takes 2.3 ms for 61k sentences where FAISS's single-query scan takes 6.9 ms.
            # Not numpy's: its BLAS threads keep spinning after the product and slowed the next
            # question's forward pass in torch threefold.
            import torch
            matrix = self.index.unit_matrix if sentences else self.index.passage_matrix
            sims = (torch.from_numpy(matrix) @ torch.from_numpy(np.ascontiguousarray(q[0], dtype=np.float32))).numpy()
            ids = top_n(sims, min(n, len(sims)))
            return {int(i): float(sims[i]) for i in ids}
        sims, ids = vectors.search(q, min(n, vectors.ntotal))
        # FAISS pads missing results with -1: never use it as a list index.
        return {int(i): float(s) for i, s in zip(ids[0], sims[0]) if i >= 0}

    def bm25(self, tokens: list[str]) -> np.ndarray:
        return bm25_scores(self.index.bm25, tokens)


class Retriever:
    def __init__(self, index: Index, embedder: Embedder, backend: Backend | None = None):
        self.index = index
        self.embedder = embedder
        self.backend = backend or LocalBackend(index)
        self.library = index.library
        self.searchable = index.searchable

    def query_vector(self, question: str) -> np.ndarray:
        return self.embedder.embed([question], "query")

    def dense(self, question: str, n: int, qvec: np.ndarray | None = None
              ) -> tuple[list[int], dict[int, float], dict[int, tuple[int, float]]]:
        """Passages by PASSAGE_SHARE x passage cosine + the rest x best-sentence cosine.
        Also returns, per passage, its best sentence (unit index, cosine)."""
        q = self.query_vector(question) if qvec is None else qvec
        whole = self.backend.knn(q, n * 4, sentences=False)
        parts = self.backend.knn(q, n * 12, sentences=True)
        floor_whole = min(whole.values(), default=0.0)
        floor_part = min(parts.values(), default=0.0)
        best: dict[int, tuple[int, float]] = {}
        for u, s in parts.items():
            pi = self.index.units[u][0]
            if pi not in best or s > best[pi][1]:
                best[pi] = (u, s)
        scores = {}
        for pi in set(whole) | set(best):
            if not self.searchable[pi]:
                continue
            scores[pi] = PASSAGE_SHARE * whole.get(pi, floor_whole) + \
                (1 - PASSAGE_SHARE) * best.get(pi, (-1, floor_part))[1]
        order = [i for i, _ in top(scores, n)]
        return order, {i: scores[i] for i in order}, best

    def lexical(self, question: str, n: int) -> tuple[list[int], dict[int, float]]:
        s = self.backend.bm25(tokenize(question))
        s[~self.searchable] = 0
        order = [int(i) for i in top_n(s, n) if s[i] > 0]
        return order, {i: float(s[i]) for i in order}

    def search(self, question: str, k: int = 10, resolution: Resolution | None = None,
               qvec: np.ndarray | None = None, lexical_text: str | None = None) -> list[Hit]:
        """Ranked passages; the passages a reference resolved to come first.
        `lexical_text` lets a follow-up add the previous turn's words to BM25."""
        if resolution is None:
            resolution = self.library.resolve(find_ref(question), question)
        dense_ids, dense_s, best = self.dense(question, POOL, qvec)
        lex_ids, lex_s = self.lexical(lexical_text or question, POOL)
        fused = weighted_sum([dense_s, lex_s], [DENSE_WEIGHT, BM25_WEIGHT])
        hits = [Hit(self.index.passages[i], s, dense_s.get(i, 0.0), lex_s.get(i, 0.0),
                    extra={"best_unit": best.get(i, (-1, 0.0))[0], "best_unit_score": best.get(i, (-1, 0.0))[1]})
                for i, s in top(fused, max(k, POOL))]
        named = [(t, p) for t in resolution.targets[:AMBIGUOUS_MAX] for p in t.passages]
        if named:
            first = {id(p) for _, p in named}
            top_score = hits[0].score if hits else 1.0
            hits = [Hit(p, top_score + 1.0 / (r + 1), via="reference", extra={"target": t.doc.id})
                    for r, (t, p) in enumerate(named)] + [h for h in hits if id(h.passage) not in first]
        return hits[:max(k, len(named))]
