"""The saved search index: a folder of plain files (JSONL, a FAISS file) described by a manifest."""
from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from . import bm25
from .corpus import PARSER_VERSION, Corpus, build_corpus, content_hash, read_sources
from .embed import EMBEDDINGS_DIR, Embedder
from .errors import BadFile, IndexCorrupt
from .parsecache import ParseCache
from .structure import Document, Passage
from .text import clause_spans, sentence_spans
from .tokenize import tokenize

FORMAT_VERSION = 8
DEFAULT_INDEX_DIR = EMBEDDINGS_DIR / "index"
FILES = ("passages.jsonl", "documents.jsonl", "vectors.faiss", "units.npy", "units.faiss",
         "relations.jsonl", *bm25.FILES)
UNIT_SPLIT = 150   # sentences longer than this are also cut at semicolons
UNIT_MIN = 6
ANN_FROM = 100_000      # vectors; below this an exact search costs a few ms
HNSW_M, HNSW_BUILD, HNSW_SEARCH = 32, 120, 512
CHUNK = 128        # texts per embedding call while building


@dataclass
class Index:
    passages: list[Passage]
    documents: list[Document]
    vectors: object           # faiss.IndexFlatIP over normalised vectors: inner product = cosine
    units: list[tuple[int, int, int]]   # (passage index, start, end in passage text): sentences
    unit_vectors: object      # faiss.IndexFlatIP, one row per unit
    manifest: dict
    errors: list[BadFile]
    bm25: bm25.BM25Index
    relations: list | None = None       # who reports to whom; extracted when built, read back when loaded

    def __post_init__(self):
        from .judge import Thesaurus, defined_terms
        from .lookup import Library
        from .relations import extract
        from .versions import newest
        self.library = Library(self.documents, self.passages)
        latest = newest(self.documents)
        family = self.library.family_of
        # Headings are looked up, not searched; older dated versions answer only when asked for by year.
        self.searchable = np.array([p.kind not in ("part", "division") and
                                    (not p.version or p.version == latest.get(family.get(p.doc_id), p.version))
                                    for p in self.passages], dtype=bool)
        self.docs = {d.id: d for d in self.documents}
        n = self.unit_vectors.ntotal
        self.unit_matrix = _rows(self.unit_vectors) if n else np.zeros((0, 1), np.float32)
        self.passage_matrix = _rows(self.vectors)
        self.units_of: dict[int, list[int]] = {}
        for u, (pi, _, _) in enumerate(self.units):
            self.units_of.setdefault(pi, []).append(u)
        self.position = {id(p): i for i, p in enumerate(self.passages)}
        self.passage_by_id = {p.id: p for p in reversed(self.passages)}    # the first of a repeated id
        if self.relations is None:
            self.relations = extract(self.passages)
        self.vocab = self.bm25.vocab
        # the judge weighs a word no document uses like a typical word, not like the rarest:
        # colloquial wordings (「心里不舒服」) are common, and coverage of the rest still decides
        self.typical_idf = float(np.median(self.bm25.idf)) if len(self.bm25.idf) else 1.0
        self.thesaurus = Thesaurus(defined_terms(p.text for p in self.passages))

    @cached_property
    def relation_grams(self) -> list[tuple[set[str], set[str]]]:
        """Character bigrams of each relation's reporter and condition, matched against questions."""
        from .versions import bigrams
        return [(bigrams(r.reporter), bigrams(r.condition)) for r in self.relations]

    def needs_graphs(self) -> bool:
        """Built with exact search (an update, to answer at once) though large enough for graphs."""
        return any(self.exact(v) and v.ntotal >= ANN_FROM for v in (self.vectors, self.unit_vectors))

    def add_graphs(self) -> None:
        """Put HNSW graphs in place of exact indexes above ANN_FROM vectors. An update answers from
        exact indexes at once (exact, a few ms slower) while this runs in the background: graphs
        for 244k sentences take ~100 s. Answers in flight keep the arrays they already hold."""
        if self.exact(self.vectors) and self.vectors.ntotal >= ANN_FROM:
            graph = vector_index(self.passage_matrix, self.vectors.d)
            self.vectors, self.passage_matrix = graph, _rows(graph)
        if self.exact(self.unit_vectors) and self.unit_vectors.ntotal >= ANN_FROM:
            graph = vector_index(self.unit_matrix, self.unit_vectors.d)
            self.unit_vectors, self.unit_matrix = graph, _rows(graph)

    @staticmethod
    def exact(vectors) -> bool:
        """Whether a vector index is searched by comparing with every row (below ANN_FROM)."""
        import faiss
        return isinstance(vectors, faiss.IndexFlat)


def index_text(p: Passage) -> str:
    """What is embedded and tokenised: the passage with the headings it sits under, since a
    clause's own words rarely repeat the document title or its part heading."""
    titled = p.start > 0 and not p.title.startswith("（续文）")   # a lead passage holds its title already
    context = [x for x in (p.title if titled else "", p.part, p.section) if x]
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


def vector_index(vecs: np.ndarray, dim: int, ann_from: int | None = None):
    """Exact inner product (= cosine: vectors are normalised) below `ann_from` vectors; above it an
    HNSW graph. Measured with real questions on the 244k sentence vectors of the 100k-passage
    library (bench/scale.py): efConstruction 40 reached recall@10 0.971 at efSearch 512, 120 reaches
    0.989 (3.5 ms a search for 600 results; build 99 s instead of 35 s). An inverted file needed a
    third of its lists probed for 0.985 on the 681 regulations, barely faster than exact."""
    import faiss
    vecs = np.ascontiguousarray(vecs, dtype=np.float32)
    if len(vecs) < (ANN_FROM if ann_from is None else ann_from):
        index = faiss.IndexFlatIP(dim)
    else:
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_BUILD
    if len(vecs):
        index.add(vecs)
    tune(index)
    return index


def tune(index) -> None:
    """Search-time settings, set again whenever an index is built or read."""
    import faiss
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_SEARCH


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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
        texts = [index_text(p) for p in index.passages]
        vectors = {}
        if _same_model(index.manifest, embedder):
            vectors = dict(zip(texts, index.passage_matrix))
            vectors.update(zip((unit_text(index.passages[pi], s, e) for pi, s, e in index.units), index.unit_matrix))
        return cls(vectors, {t: i for i, t in enumerate(texts)}, index.bm25)


def _same_model(manifest: dict, embedder: Embedder) -> bool:
    return manifest.get("model") == embedder.name and manifest.get("dim") == embedder.dim


REUSED = ("passages.jsonl", "vectors.faiss", "units.faiss")


def reusable(folder: Path, embedder: Embedder) -> Reuse:
    """What a saved index computed. Only the files holding it are read (and checked), so an
    index of an older format still gives its vectors."""
    import faiss
    nothing = Reuse({}, {})
    try:
        manifest = read_manifest(folder)
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


def _units_file(folder: Path) -> str:
    return "units.npy" if (folder / "units.npy").exists() else "units.jsonl"     # .jsonl: format 6 and older


def _read_units(folder: Path) -> list[tuple[int, int, int]]:
    """(passage, start, end) of every sentence: an int array on disk, read in one go."""
    if _units_file(folder) == "units.npy":
        return [tuple(r) for r in np.load(folder / "units.npy", allow_pickle=False).tolist()]
    return [tuple(json.loads(line)) for line in open(folder / "units.jsonl", encoding="utf-8")]


class _Owned:
    """Lends a FAISS index's memory to numpy: the array's base holds the index, so the memory
    lives as long as any array (or row) made from it, whatever replaces the index meanwhile."""

    def __init__(self, view: np.ndarray, owner):
        self.__array_interface__ = view.__array_interface__
        self.owner = owner


def _rows(index) -> np.ndarray:
    """A flat or graph index's vectors as an array, without copying them (copying 94 MB of
    sentence vectors cost 0.1 s at every load and every update)."""
    import faiss
    if not index.ntotal:
        return np.zeros((0, index.d), np.float32)
    flat = faiss.downcast_index(index.storage) if isinstance(index, faiss.IndexHNSW) else index
    if not isinstance(flat, faiss.IndexFlatCodes):
        return index.reconstruct_n(0, index.ntotal)
    view = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
    return np.asarray(_Owned(view, index))


def _check(folder: Path, manifest: dict, names) -> None:
    for name in names:
        path = folder / name
        if not path.exists():
            raise IndexCorrupt(f"索引缺少文件 {name}")
        if manifest.get("checksums", {}).get(name) != _sha(path):
            raise IndexCorrupt(f"索引文件 {name} 与清单的校验和不一致")


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
    if progress:
        print(f"正在建立索引：{len(corpus.documents)} 篇文档，{len(texts)} 个段落，{len(units)} 个句子"
              f"（需新算向量 {new} 个）", file=sys.stderr, flush=True)
    bar = Progress(new, len(corpus.documents), progress, on_progress)
    t_embed = time.perf_counter()
    try:
        # one call: a one-sentence article's passage and sentence texts are often the same text
        both = _embed(embedder, texts + unit_texts, cache, bar)
        passage_vecs, unit_vecs = both[:len(texts)], both[len(texts):]
    finally:
        bar.close()
    embed_seconds = time.perf_counter() - t_embed
    manifest = {"format": FORMAT_VERSION, "parser": PARSER_VERSION, "model": embedder.name,
                "dim": embedder.dim, "corpus_hash": corpus.content_hash, "files_in_corpus": corpus.files,
                "passages": len(texts), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "embedded": new, "embed_seconds": round(embed_seconds, 2)}
    ann_from = sys.maxsize if graphs_later else ANN_FROM
    index = Index(corpus.passages, corpus.documents, vector_index(passage_vecs, embedder.dim, ann_from),
                  units, vector_index(unit_vecs, embedder.dim, ann_from), manifest, list(corpus.errors),
                  lexical_index(texts, reuse))
    manifest["build_seconds"] = round(time.perf_counter() - t0, 2)
    return index


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _fsync(path: Path) -> None:
    """Flush a file or a folder entry to the disk: a rename is durable only after this."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save(index: Index, folder: str | Path) -> Path:
    """Write every file into a temporary sibling folder, fsync them, write the manifest (with
    checksums) last, then swap the folder in. A crash at any point leaves either the previous
    index or the new one complete; `recover` puts the previous one back if the crash fell
    between the two renames of the swap."""
    import faiss
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".index-", dir=folder.parent))
    try:
        _write_jsonl(tmp / "passages.jsonl", (p.to_dict() for p in index.passages))
        _write_jsonl(tmp / "documents.jsonl", (d.to_dict() for d in index.documents))
        _write_jsonl(tmp / "relations.jsonl", (r.to_dict() for r in index.relations))
        bm25.save(index.bm25, tmp)
        faiss.write_index(index.vectors, str(tmp / "vectors.faiss"))
        np.save(tmp / "units.npy", np.asarray(index.units, dtype=np.int64).reshape(-1, 3), allow_pickle=False)
        faiss.write_index(index.unit_vectors, str(tmp / "units.faiss"))
        for name in FILES:
            _fsync(tmp / name)
        manifest = dict(index.manifest, checksums={n: _sha(tmp / n) for n in FILES})
        with open(tmp / "manifest.json", "w", encoding="utf-8") as f:
            f.write(json.dumps(manifest, ensure_ascii=False, indent=1))
            f.flush()
            os.fsync(f.fileno())
        _fsync(tmp)
        old = folder.with_name(folder.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        _fsync(folder.parent)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def recover(folder: str | Path) -> None:
    """Undo what a crash can leave behind: the previous index moved aside but the new one not
    yet in place (put the previous one back), and temporary folders of unfinished saves."""
    folder = Path(folder)
    old = folder.with_name(folder.name + ".old")
    if not (folder / "manifest.json").exists() and (old / "manifest.json").exists():
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        os.replace(old, folder)
    if folder.parent.is_dir():
        for tmp in folder.parent.glob(".index-*"):
            try:
                if time.time() - tmp.stat().st_mtime > 3600:   # another process may be saving right now
                    shutil.rmtree(tmp, ignore_errors=True)
            except OSError:
                pass


def read_manifest(folder: str | Path) -> dict:
    path = Path(folder) / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"{path} 无法读取：{e}") from None


def load(folder: str | Path, errors: list[BadFile] | None = None) -> Index:
    """Load a saved index, checking every file against the manifest's checksums."""
    with _collector_paused():
        return _load(folder, errors)


def _load(folder: str | Path, errors: list[BadFile] | None) -> Index:
    import faiss
    folder = Path(folder)
    manifest = read_manifest(folder)
    _check(folder, manifest, FILES)
    try:
        passages = [Passage.from_dict(json.loads(l)) for l in open(folder / "passages.jsonl", encoding="utf-8")]
        documents = [Document(**{**json.loads(l), "lines": [tuple(x) for x in json.loads(l)["lines"]]})
                     for l in open(folder / "documents.jsonl", encoding="utf-8")]
        lexical = bm25.load(folder)
        from .relations import Relation
        relations = [Relation(**json.loads(line)) for line in open(folder / "relations.jsonl", encoding="utf-8")]
        vectors = faiss.read_index(str(folder / "vectors.faiss"))
        units = _read_units(folder)
        unit_vectors = faiss.read_index(str(folder / "units.faiss"))
        tune(vectors)
        tune(unit_vectors)
    except (OSError, ValueError, TypeError, KeyError, RuntimeError) as e:
        raise IndexCorrupt(f"索引无法解析：{type(e).__name__}: {e}") from None
    if not (len(passages) == len(lexical.doc_len) == vectors.ntotal == manifest.get("passages")) \
            or vectors.d != manifest.get("dim") or unit_vectors.ntotal != len(units) \
            or any(not 0 <= u[0] < len(passages) for u in units):
        raise IndexCorrupt("索引各文件的条数或维度不一致")
    by_doc: dict[str, list[Passage]] = {}
    for p in passages:
        by_doc.setdefault(p.doc_id, []).append(p)
    for d in documents:
        d.passages = by_doc.get(d.id, [])
    return Index(passages, documents, vectors, units, unit_vectors, manifest, list(errors or []), lexical,
                 relations)


@contextmanager
def _collector_paused():
    """Reading or building an index makes hundreds of thousands of objects and no garbage cycles;
    meanwhile the cyclic collector would scan the heap, the live index included, over and over.
    Measured on the 681 regulations: a third of an update's time, a fifth of a load's."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _wanted(embedder: Embedder, sources) -> dict:
    return {"format": FORMAT_VERSION, "parser": PARSER_VERSION, "model": embedder.name,
            "dim": embedder.dim, "corpus_hash": content_hash(sources)}


def open_index(embedder: Embedder, corpus_paths=None, folder: str | Path | None = None,
               progress: bool = False, on_progress=None, parsed: ParseCache | None = None) -> Index:
    """The index for these corpus files and this model: loaded when the saved one matches,
    otherwise (missing, stale, corrupt) rebuilt and saved."""
    folder = Path(folder) if folder else DEFAULT_INDEX_DIR
    recover(folder)
    sources, errors = read_sources(corpus_paths, parsed)
    want = _wanted(embedder, sources)
    reason = ""
    try:
        manifest = read_manifest(folder)
        stale = [k for k, v in want.items() if manifest.get(k) != v]
        if not stale:
            return load(folder, errors)
        reason = "语料或模型已变化（" + "、".join(stale) + "）"
    except FileNotFoundError:
        reason = "尚未建立索引"
    except IndexCorrupt as e:
        reason = f"索引已损坏：{e}"
    if progress or reason.startswith("索引已损坏"):
        print(f"{reason}，重新建立索引。", file=sys.stderr, flush=True)
    reuse = reusable(folder, embedder) if reason.startswith("语料") else None
    with _collector_paused():
        index = build(build_corpus(sources, errors, parsed), embedder, progress=progress, reuse=reuse,
                      on_progress=on_progress)
    try:
        save(index, folder)
    except OSError as e:       # a read-only disk still gets a working, unsaved index
        print(f"警告：索引无法保存到 {folder}：{e}", file=sys.stderr)
    return index


def update_index(current: Index, embedder: Embedder, corpus_paths=None, progress: bool = False,
                 on_progress=None, parsed: ParseCache | None = None) -> Index:
    """The index after files were added, changed or removed, made from the one in memory: files
    whose bytes did not change are not parsed again (with `parsed`), passages whose text did not
    change are neither embedded nor tokenised again. Returns `current` itself when nothing changed.
    Not saved, and searched exactly even above ANN_FROM: `qa.saver` adds the graphs, then saves."""
    sources, errors = read_sources(corpus_paths, parsed)
    want = _wanted(embedder, sources)
    if all(current.manifest.get(k) == v for k, v in want.items()):
        current.errors = list(errors)        # an unreadable file added or removed changes only the warnings
        return current
    with _collector_paused():
        return build(build_corpus(sources, errors, parsed), embedder, progress=progress,
                     reuse=Reuse.of_index(current, embedder), on_progress=on_progress, graphs_later=True)
