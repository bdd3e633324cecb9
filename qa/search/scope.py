"""A chosen set of documents to search: names resolved to documents, and a retriever that sees only them."""
from __future__ import annotations

import copy

import numpy as np

from ..errors import BadQuestion
from ..ingest import Document
from ..text.bigrams import text_key
from .library import Library

MAX_NAMES = 200


class BadScope(BadQuestion):
    """A scope naming a document the library does not have (a typo, or one removed since)."""


def resolve(documents: list[Document], names) -> list[Document]:
    """Each name is a document id, a file name or a title (「《…》」 or not; a unique part of one title will
    do). Unknown or ambiguous names are refused, with what there is, rather than searched without."""
    if not isinstance(names, (list, tuple)) or len(names) > MAX_NAMES or not all(isinstance(n, str) for n in names):
        raise BadScope(f"检索范围应为文档名称的列表（最多 {MAX_NAMES} 个）")
    chosen: dict[str, Document] = {}
    for name in names:
        key = text_key(name.strip().strip("《》"))
        if not key:
            continue
        exact = [d for d in documents if name in (d.id, d.source) or text_key(d.title) == key]
        found = exact or [d for d in documents if key in text_key(d.title) or key == text_key(d.source)]
        titles = {text_key(d.title) for d in found}
        if not found:
            raise BadScope(f"文档中没有名为《{name.strip()[:60]}》的文件")
        if len(titles) > 1:
            some = "、".join(sorted({f"《{d.title}》" for d in found})[:5])
            raise BadScope(f"「{name.strip()[:60]}」对应多份文档：{some}……请写全名称")
        chosen.update((d.id, d) for d in found)
    if not chosen:
        raise BadScope("检索范围是空的：请至少选一份文档")
    return list(chosen.values())


def within(retriever, documents: list[Document]):
    """A copy of `retriever` that searches only these documents and their copies and versions: its
    library, relations and searchable rows are restricted; vectors, BM25 and vocabulary are shared."""
    family = retriever.library.family_of
    families = {family.get(d.id, d.id) for d in documents}
    docs = [d for d in retriever.index.documents if family.get(d.id, d.id) in families]
    ids = {d.id for d in docs}
    passages = retriever.index.passages
    allowed = np.fromiter((p.doc_id in ids for p in passages), dtype=bool, count=len(passages))
    index = copy.copy(retriever.index)
    index.__dict__.pop("docs", None)            # a cached view of the whole library
    index.documents = docs
    index.relations = [r for r in retriever.index.relations
                       if passages[retriever.row_of(r.passage_id)].doc_id in ids]
    view = copy.copy(retriever)
    view.__dict__.pop("relation_grams", None)
    view.index, view.library = index, Library(docs, passages)
    view.searchable = retriever.searchable & allowed
    view.allowed = allowed
    view.scope = docs
    return view
