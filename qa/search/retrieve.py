"""Hybrid retrieval: dense (FAISS) and BM25 rankings fused, with outline references resolved first."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import Enum
from functools import cached_property

import numpy as np

from ..encoder import Embedder
from ..index import Index
from ..index.bm25 import scores as bm25_scores
from ..ingest import HEADINGS, Passage, newest
from ..text import bigrams, tokenize
from .fusion import top, weighted_sum
from .library import AMBIGUOUS_MAX, Library, Resolution
from .refs import find_ref, named as named_documents
from .vocabulary import Vocabulary

POOL = 50                    # candidates taken from each retriever before fusion
# Measured on the project's question set and the dev sample (bench/quality.py): a passage's
# dense score leans on its best sentence; min-max-scaled dense and BM25 scores are summed
# with dense counting double. Reciprocal-rank fusion of the same lists scored lower.
PASSAGE_SHARE = 0.3
DENSE_WEIGHT, BM25_WEIGHT = 2.0, 1.0


class Via(str, Enum):
    """Why a passage is among the hits."""
    SEARCH = "search"          # ranked by the fused dense and BM25 scores
    REFERENCE = "reference"    # the question named its unit (第七条, （十四）, 第二章): it comes first
    VERSION = "version"        # an article of one of two versions a 「修改了哪些条」 answer compares
    RELATION = "relation"      # the passage a reporting relation was read from


@dataclass
class Hit:
    row: int                  # the passage's row in the index
    passage: Passage
    score: float = 0.0        # fused score; a passage not ranked by search (a named unit it missed) has 0
    dense: float = 0.0        # cosine of question and passage (its share of sentence cosine included)
    lexical: float = 0.0      # BM25 score
    via: Via = Via.SEARCH
    sentence: int = -1        # the passage's sentence (unit row) nearest the question; -1 when none
    sentence_score: float = 0.0   # cosine of that sentence and the question
    target: str = ""          # REFERENCE: the document the reference resolved to


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
    def knn(self, q: np.ndarray, n: int, sentences: bool, allowed: np.ndarray | None = None) -> dict[int, float]:
        """Cosine of the question vector with the n nearest passages (or sentences): row -> score;
        only rows where `allowed` is true, when given (a search within chosen documents)."""

    @abstractmethod
    def bm25(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every passage for these query tokens."""


class LocalBackend(Backend):
    """FAISS and the BM25 arrays of a saved index, in this process."""

    def __init__(self, index: Index):
        self.index = index

    def knn(self, q: np.ndarray, n: int, sentences: bool, allowed: np.ndarray | None = None) -> dict[int, float]:
        vectors = self.index.unit_vectors if sentences else self.index.vectors
        if vectors.ntotal == 0 or (allowed is not None and not allowed.any()):
            return {}
        if self.index.exact(vectors):
            # One question against every row, on the index's own memory: torch's matrix-vector
            # product takes 2.3 ms for 61k sentences where FAISS's single-query scan takes 6.9 ms.
            # Not numpy's: its BLAS threads keep spinning after the product and slowed the next
            # question's forward pass in torch threefold.
            import torch
            matrix = self.index.unit_matrix if sentences else self.index.passage_matrix
            sims = (torch.from_numpy(matrix) @ torch.from_numpy(np.ascontiguousarray(q[0], dtype=np.float32))).numpy()
            if allowed is not None:
                sims = np.where(allowed, sims, -np.inf)
                n = min(n, int(allowed.sum()))
            ids = top_n(sims, min(n, len(sims)))
            return {int(i): float(sims[i]) for i in ids}
        if allowed is not None:        # a graph cannot be told which rows count: ask for as many more as are left out
            n = n * max(1, round(len(allowed) / int(allowed.sum())))
        sims, ids = vectors.search(q, min(n, vectors.ntotal))
        # FAISS pads missing results with -1: never use it as a list index.
        return {int(i): float(s) for i, s in zip(ids[0], sims[0]) if i >= 0 and (allowed is None or allowed[i])}

    def bm25(self, tokens: list[str]) -> np.ndarray:
        return bm25_scores(self.index.bm25, tokens)


class Retriever:
    """Search over one index: it owns the library of documents (references, versions), the vocabulary
    (idf, thesaurus, expansion) and the sentence lookup, all derived from the index's data."""

    def __init__(self, index: Index, embedder: Embedder, backend: Backend | None = None):
        self.index = index
        self.embedder = embedder
        self.backend = backend or LocalBackend(index)
        self.library = Library(index.documents, index.passages)
        latest = newest(index.documents)
        family = self.library.family_of
        # Headings are looked up, not searched; older dated versions answer only when asked for by year.
        self.searchable = np.array([p.kind not in HEADINGS and
                                    (not p.version or p.version == latest.get(family.get(p.doc_id), p.version))
                                    for p in index.passages], dtype=bool)
        self.vocabulary = Vocabulary(index.bm25, (p.text for p in index.passages))
        self._sentences: dict[int, list[int]] = {}
        for u, (row, _, _) in enumerate(index.units):
            self._sentences.setdefault(row, []).append(u)
        self._row_of_id: dict[str, int] = {}
        for row, p in enumerate(index.passages):
            self._row_of_id.setdefault(p.id, row)        # the first of a repeated id
        self.allowed: np.ndarray | None = None       # passage rows in scope (qa.search.scope.within); None: all
        self.scope: list | None = None               # the documents searched, when a scope was chosen
        self._unit_rows = np.fromiter((row for row, _, _ in index.units), dtype=np.int64, count=len(index.units))

    def sentences(self, row: int) -> list[int]:
        """The unit rows (sentences) of a passage, in reading order."""
        return self._sentences.get(row, [])

    def row_of(self, passage_id: str) -> int:
        return self._row_of_id[passage_id]

    def hit(self, passage_id: str, via: Via) -> Hit:
        """A passage cited for another reason than search (a version compared, a relation's source)."""
        row = self.row_of(passage_id)
        return Hit(row, self.index.passages[row], via=via)

    @cached_property
    def relation_grams(self) -> list[tuple[set[str], set[str]]]:
        """Character bigrams of each relation's reporter and condition, matched against questions."""
        return [(bigrams(r.reporter), bigrams(r.condition)) for r in self.index.relations]

    def query_vector(self, question: str) -> np.ndarray:
        return self.embedder.embed([question], "query")

    def dense(self, question: str, n: int, qvec: np.ndarray | None = None
              ) -> tuple[list[int], dict[int, float], dict[int, tuple[int, float]]]:
        """Passages by PASSAGE_SHARE x passage cosine + the rest x best-sentence cosine.
        Also returns, per passage, its best sentence (unit index, cosine)."""
        q = self.query_vector(question) if qvec is None else qvec
        units = None if self.allowed is None else self.allowed[self._unit_rows]
        whole = self.backend.knn(q, n * 4, sentences=False, allowed=self.allowed)
        parts = self.backend.knn(q, n * 12, sentences=True, allowed=units)
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
        hits = [Hit(i, self.index.passages[i], s, dense_s.get(i, 0.0), lex_s.get(i, 0.0),
                    sentence=best.get(i, (-1, 0.0))[0], sentence_score=best.get(i, (-1, 0.0))[1])
                for i, s in top(fused, max(k, POOL))]
        named = [(t, row) for t in resolution.targets[:AMBIGUOUS_MAX] for row in t.rows]
        if named:
            first = {row for _, row in named}
            hits = [Hit(row, self.index.passages[row], fused.get(row, 0.0), dense_s.get(row, 0.0),
                        lex_s.get(row, 0.0), Via.REFERENCE, target=t.doc.id)
                    for t, row in named] + [h for h in hits if h.row not in first]
        elif families := set(named_documents(question, self.library.names)):
            # 「劳动合同法规定试用期…」: the document the question names answers before any other
            inside = [h for h in hits if self.library.family_of.get(h.passage.doc_id) in families]
            rows = {h.row for h in inside}
            hits = inside + [h for h in hits if h.row not in rows]
        return hits[:max(k, len(named))]
