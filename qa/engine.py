"""The library's front door: load model and index once, then answer questions with typed `Answer`s."""
from __future__ import annotations

import threading
import unicodedata

from .answer import Answer, Citation, History, answer
from .answer.ask import citation
from .encoder import Batching, Embedder, Loading
from .errors import BadQuestion
from .index import DEFAULT_INDEX_DIR, Index, Saver, open_index, update_index
from .ingest import ParseCache, read_sources
from .search import Retriever
from .text import load_segmenter

MAX_QUESTION = 500


def check_question(question) -> str:
    """The question, trimmed; BadQuestion with a reason a person understands otherwise."""
    if not isinstance(question, str):
        raise BadQuestion("问题必须是文本")
    q = question.strip()
    if not q:
        raise BadQuestion("问题为空：请输入一个问题")
    if len(q) > MAX_QUESTION:
        raise BadQuestion(f"问题太长（{len(q)} 字，上限 {MAX_QUESTION} 字）：请只保留要问的内容")
    if any(unicodedata.category(c) in ("Cc", "Cs", "Co") and c not in "\t\n" for c in q):
        raise BadQuestion("问题里有控制字符或无效字符：请检查编码后重新输入")
    return " ".join(q.split())


class QA:
    """One per process: holds the embedder, the index and the retriever."""

    def __init__(self, model: str | None = None, index_dir=None, corpus=None,
                 embedder: Embedder | None = None, progress: bool = False):
        # jieba's dictionary (1 s) loads while torch and the model load.
        threading.Thread(target=load_segmenter, daemon=True).start()
        # The model loads in the background while the index is read (a rebuild waits for it).
        loading = Loading(model, progress=progress) if embedder is None else None
        self.embedder = Batching(embedder or loading)
        self.index_dir, self.corpus_paths, self.progress = index_dir, corpus, progress
        self._lock = threading.Lock()
        self.parsed = ParseCache()
        self.index: Index = open_index(self.embedder, corpus, index_dir, progress=progress, parsed=self.parsed)
        self.saver = Saver(index_dir or DEFAULT_INDEX_DIR)
        self.retriever = Retriever(self.index, self.embedder)
        if loading is not None:
            loading.ready()           # a model that failed to load fails here, not at the first question

    def reload(self, corpus=None, on_progress=None) -> None:
        """Re-read the corpus folders (after an upload or removal) and swap the new index in; it is
        saved in the background. Questions asked meanwhile are answered from the previous index."""
        with self._lock:
            if corpus is not None:
                self.corpus_paths = corpus
            index = update_index(self.index, self.embedder, self.corpus_paths, progress=self.progress,
                                 on_progress=on_progress, parsed=self.parsed)
            if index is not self.index:
                self.index, self.retriever = index, Retriever(index, self.embedder)
                self.saver.put(index)

    def warm(self) -> None:
        """Parse every file once ahead of the first update (a server calls this in a thread after
        start): the index was loaded from disk, so nothing has been parsed yet."""
        sources, _ = read_sources(self.corpus_paths, self.parsed)
        for src in sources:
            self.parsed.blocks(src)

    def source_path(self, name: str):
        """The corpus file a document was read from (its citation's `source`), or None."""
        from .ingest.sources import list_sources
        return next((p for p in list_sources(self.corpus_paths or []) if p.name == name), None)

    def search(self, question: str, k: int = 10) -> list[Citation]:
        q = check_question(question)
        return [citation(h, r) for r, h in enumerate(self.retriever.search(q, k), start=1)]

    def ask(self, question: str, k: int = 10, history: History | list | None = None) -> Answer:
        """The answer to one question; `history` holds earlier turns (a `History`, or earlier answers
        and chat messages as a list) so that 「它的第二款呢」 follows up the last one."""
        q = check_question(question)
        if not isinstance(history, History):
            history = History.from_dict(history or [])
        return answer(self.retriever, q, k=k, history=history)
