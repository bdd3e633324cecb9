"""The saved search index: a folder of plain files (JSONL, numpy arrays, FAISS files) described by a
manifest with checksums, written so a crash leaves the old index or the new one. Holds data only."""
from __future__ import annotations

import gc
import hashlib
import json
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..durable import fsync_path, write_synced
from ..encoder import EMBEDDINGS_DIR
from ..errors import BadFile, IndexCorrupt
from ..ingest import Document, Passage, Relation
from . import bm25

FORMAT_VERSION = 8
DEFAULT_INDEX_DIR = EMBEDDINGS_DIR / "index"
FILES = ("passages.jsonl", "documents.jsonl", "vectors.faiss", "units.npy", "units.faiss",
         "relations.jsonl", *bm25.FILES)
ANN_FROM = 100_000      # vectors; below this an exact search costs a few ms
HNSW_M, HNSW_BUILD, HNSW_SEARCH = 32, 120, 512


@dataclass
class Index:
    """What was built or loaded, and nothing derived from it but views of its vectors: the search
    behaviour (library of documents, vocabulary, sentence lookup) belongs to `qa.search.Retriever`."""
    passages: list[Passage]
    documents: list[Document]
    vectors: object           # faiss.IndexFlatIP (or HNSW) over normalised vectors: inner product = cosine
    units: list[tuple[int, int, int]]   # (passage row, start, end in passage text): sentences
    unit_vectors: object      # one row per unit
    manifest: dict
    errors: list[BadFile]
    bm25: bm25.BM25Index
    relations: list[Relation]           # who reports to whom, extracted when built

    def __post_init__(self):
        n = self.unit_vectors.ntotal
        self.unit_matrix = _rows(self.unit_vectors) if n else np.zeros((0, 1), np.float32)
        self.passage_matrix = _rows(self.vectors)

    @cached_property
    def docs(self) -> dict[str, Document]:
        return {d.id: d for d in self.documents}

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


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


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
            fsync_path(tmp / name)
        manifest = dict(index.manifest, checksums={n: _sha(tmp / n) for n in FILES})
        write_synced(tmp / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
        fsync_path(tmp)
        old = folder.with_name(folder.name + ".old")
        if old.exists():
            shutil.rmtree(old)
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        fsync_path(folder.parent)
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
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as e:
        raise IndexCorrupt(f"{path} 无法读取：{e}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("checksums", {}), dict):
        raise IndexCorrupt(f"{path} 格式不对（应为带 checksums 的 JSON 对象）")
    return manifest


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
