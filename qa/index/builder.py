"""Building an index from a corpus: passages and their sentences embedded (reusing vectors an earlier
index computed for the same texts), BM25 arrays, relations."""
from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..encoder import Embedder
from ..errors import IndexCorrupt
from ..ingest import PARSER_VERSION, Corpus, Passage, extract_relations
from ..text import clause_spans, match_line, sentence_spans, tokenize
from . import bm25
from .store import FORMAT_VERSION, Index, _check, _read_units, _rows, _units_file, read_manifest, vector_index

UNIT_SPLIT = 150   # sentences longer than this are also cut at semicolons
UNIT_MIN = 6
CHUNK = 128        # texts per embedding call while building
# What `index_text` and `unit_text` make of a passage; bump it when they change. Vectors and BM25 rows are
# found again by that text, so an index whose texts were made another way gives nothing to reuse.
EMBEDDED_TEXT = 2  # 2: the 编/章/节 titles above an article
log = logging.getLogger(__name__)


def division_names(p: Passage) -> list[str]:
    """The titles of the 编/分编/章/节 an article sits under, without their numbers: 「合同」「通则」「违约责任」."""
    names = []
    for d in p.divisions:
        m = match_line(d)
        name = (m.title if m and m.level.numbered else d).strip()
        if name and name not in names:
            names.append(name)
    return names


def index_text(p: Passage) -> str:
    """What is embedded and tokenised: the passage with the headings it sits under (document, 编 › 章 › 节,
    part), since an article's own words rarely repeat the title of the chapter that says what it is about."""
    titled = p.start > 0 and not p.title.startswith("（续文）")   # a lead passage holds its title already
    context = [x for x in (p.title if titled else "", *division_names(p), p.part, p.section) if x]
    return ("／".join(context) + "\n" if context else "") + p.text


def passage_units(passages: list[Passage]) -> list[tuple[int, int, int]]:
    """Sentence-sized pieces of every passage: a question usually matches one sentence
    of a long clause, and a whole-clause vector blurs it."""
    units = []
    for i, p in enumerate(passages):
        for s, e in sentence_spans(p.text):
            for a, b in (clause_spans(p.text, s, e) if e - s > UNIT_SPLIT else [(s, e)]):
                if b - a >= UNIT_MIN:
                    units.append((i, a, b))
    return units


def unit_text(p: Passage, start: int, end: int) -> str:
    title = p.title if p.start > 0 and not p.title.startswith("（续文）") else ""
    return (title + "\n" if title else "") + p.text[start:end]


def _embed(embedder: Embedder, texts: list[str], cache: dict[str, np.ndarray], bar=None) -> np.ndarray:
    """Vectors for texts, reusing those an earlier index already computed with this model.
    Sorted by length so a batch pads little, and sent in chunks so questions asked meanwhile
    (a server rebuilding after an upload) get the model between chunks."""
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    first: dict[str, int] = {}               # a text met twice (a one-sentence article) is embedded once
    for i, t in enumerate(texts):
        if t not in cache:
            first.setdefault(t, i)
    todo = sorted(first.values(), key=lambda i: len(texts[i]))
    for c in range(0, len(todo), CHUNK):
        ids = todo[c:c + CHUNK]
        out[ids] = embedder.embed([texts[i] for i in ids], "passage")
        if bar is not None:
            bar.update(len(ids))
    for i, t in enumerate(texts):
        if t in cache:
            out[i] = cache[t]
        elif first[t] != i:
            out[i] = out[first[t]]
    return out


@dataclass
class Reuse:
    """What an earlier index computed, found by text: a new index embeds and tokenises only new texts."""
    vectors: dict[str, np.ndarray]      # passage and sentence texts -> vector (empty for another model)
    rows: dict[str, int]                # passage text (as indexed) -> its row in `lexical`
    lexical: bm25.BM25Index | None = None

    @classmethod
    def of_index(cls, index: "Index", embedder: Embedder) -> "Reuse":
        """From an index in memory: what a server holds when a document is added or removed.
        The vectors are rows of `index`'s own memory, not copies."""
        if not _same_texts(index.manifest):
            return cls({}, {})
        texts = [index_text(p) for p in index.passages]
        vectors = {}
        if _same_model(index.manifest, embedder):
            vectors = dict(zip(texts, index.passage_matrix))
            vectors.update(zip((unit_text(index.passages[pi], s, e) for pi, s, e in index.units), index.unit_matrix))
        return cls(vectors, {t: i for i, t in enumerate(texts)}, index.bm25)


def _same_model(manifest: dict, embedder: Embedder) -> bool:
    return manifest.get("model") == embedder.name and manifest.get("dim") == embedder.dim


def _same_texts(manifest: dict) -> bool:
    return manifest.get("embedded_text", 1) == EMBEDDED_TEXT


REUSED = ("passages.jsonl", "vectors.faiss", "units.faiss")


def reusable(folder: Path, embedder: Embedder) -> Reuse:
    """What a saved index computed. Only the files holding it are read (and checked), so an
    index of an older format still gives its vectors."""
    import faiss
    nothing = Reuse({}, {})
    try:
        manifest = read_manifest(folder)
        if not _same_texts(manifest):
            return nothing
        _check(folder, manifest, REUSED + (_units_file(folder),))
        passages = [Passage.from_dict(json.loads(line)) for line in open(folder / "passages.jsonl", encoding="utf-8")]
        units = _read_units(folder)
        vectors, unit_vectors = (faiss.read_index(str(folder / n)) for n in ("vectors.faiss", "units.faiss"))
    except (FileNotFoundError, IndexCorrupt, OSError, ValueError, TypeError, KeyError, RuntimeError):
        return nothing
    try:
        _check(folder, manifest, bm25.FILES)
        lexical = bm25.load(folder)
        if len(lexical.doc_len) != len(passages):
            raise ValueError("BM25 rows do not match the passages")
    except (IndexCorrupt, OSError, ValueError, TypeError, KeyError):
        lexical = None         # tokenised again
    texts = [index_text(p) for p in passages]
    reuse = Reuse({}, {t: i for i, t in enumerate(texts)}, lexical)
    if _same_model(manifest, embedder) and vectors.ntotal == len(passages) and unit_vectors.ntotal == len(units):
        reuse.vectors = dict(zip(texts, _rows(vectors)))
        reuse.vectors.update(zip((unit_text(passages[pi], s, e) for pi, s, e in units), _rows(unit_vectors)))
    return reuse


class Progress:
    """Texts embedded so far, shown as a tqdm bar on the terminal and/or passed to a callback
    (the web page's gr.Progress) as (fraction, description)."""

    def __init__(self, total: int, docs: int, terminal: bool, callback=None):
        self.total, self.done, self.docs, self.callback = total, 0, docs, callback
        self.bar = None
        if terminal and total:
            from tqdm import tqdm
            self.bar = tqdm(total=total, unit="段", desc=f"嵌入 {docs} 篇文档", file=sys.stderr,
                            mininterval=1.0, dynamic_ncols=True)

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        if self.callback is not None:
            self.callback(self.done / max(self.total, 1), f"嵌入 {self.done}/{self.total} 段（{self.docs} 篇文档）")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def lexical_index(texts: list[str], reuse: Reuse | None = None) -> bm25.BM25Index:
    """BM25 over the passages' texts; with an earlier index, only texts it lacks are tokenised."""
    if reuse is None or reuse.lexical is None:
        return bm25.build([tokenize(t) for t in texts])
    rows = np.array([reuse.rows.get(t, -1) for t in texts], dtype=np.int64)
    return bm25.rebuild(reuse.lexical, rows, {i: tokenize(texts[i]) for i in np.flatnonzero(rows < 0)})


def build(corpus: Corpus, embedder: Embedder, progress: bool = False, reuse: Reuse | None = None,
          on_progress=None, graphs_later: bool = False) -> Index:
    """The index of a corpus. With `graphs_later`, vectors are searched exactly until
    `Index.add_graphs` is called, however many there are (an update must not wait for graphs)."""
    texts = [index_text(p) for p in corpus.passages]
    t0 = time.perf_counter()
    units = passage_units(corpus.passages)
    unit_texts = [unit_text(corpus.passages[i], s, e) for i, s, e in units]
    cache = reuse.vectors if reuse is not None else {}
    new = len({t for t in texts + unit_texts if t not in cache})
    log.info("正在建立索引：%d 篇文档，%d 个段落，%d 个句子（需新算向量 %d 个）",
             len(corpus.documents), len(texts), len(units), new)
    bar = Progress(new, len(corpus.documents), progress, on_progress)
    t_embed = time.perf_counter()
    try:
        # one call: a one-sentence article's passage and sentence texts are often the same text
        both = _embed(embedder, texts + unit_texts, cache, bar)
        passage_vecs, unit_vecs = both[:len(texts)], both[len(texts):]
    finally:
        bar.close()
    embed_seconds = time.perf_counter() - t_embed
    manifest = {"format": FORMAT_VERSION, "parser": PARSER_VERSION, "embedded_text": EMBEDDED_TEXT,
                "model": embedder.name, "dim": embedder.dim, "corpus_hash": corpus.content_hash,
                "files_in_corpus": corpus.files,
                "passages": len(texts), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "embedded": new, "embed_seconds": round(embed_seconds, 2)}
    ann_from = sys.maxsize if graphs_later else None      # None: the store's ANN_FROM
    index = Index(corpus.passages, corpus.documents, vector_index(passage_vecs, embedder.dim, ann_from),
                  units, vector_index(unit_vecs, embedder.dim, ann_from), manifest, list(corpus.errors),
                  lexical_index(texts, reuse), extract_relations(corpus.passages))
    manifest["build_seconds"] = round(time.perf_counter() - t0, 2)
    return index
