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
from .search import Retriever, scope
from .text import load_segmenter

MAX_QUESTION = 500
MAX_K = 50
MAX_TURNS = 20          # earlier turns a follow-up may lean on; older ones are not read
MAX_SCOPES = 16         # scoped views kept at once (each holds a mask and a library of its documents)
MAX_HISTORY = 400       # items a caller may send as history at all (chat messages and answers)
# Direction overrides and isolates: shown back, 「‮」 would turn the rest of an answer around.
_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def check_question(question) -> str:
    """The question, trimmed; BadQuestion with a reason a person understands otherwise."""
    if not isinstance(question, str):
        raise BadQuestion("问题必须是文本")
    q = question.translate(_BIDI).strip()
    if not q:
        raise BadQuestion("问题为空：请输入一个问题")
    if len(q) > MAX_QUESTION:
        raise BadQuestion(f"问题太长（{len(q)} 字，上限 {MAX_QUESTION} 字）：请只保留要问的内容")
    if any((unicodedata.category(c) in ("Cc", "Cs", "Co") and c not in "\t\n") or c == "\ufffd" for c in q):
        raise BadQuestion("问题里有控制字符或无效字符：请检查编码后重新输入")
    if not any(c.isalnum() for c in q):
        raise BadQuestion("问题里没有字词（只有标点或符号）：请用文字写出要问的内容")
    return " ".join(q.split())


def check_k(k) -> int:
    """How many passages to retrieve: a whole number from 1 to MAX_K."""
    try:
        n = int(k)
    except (TypeError, ValueError, OverflowError):
        raise BadQuestion(f"k 必须是整数（收到 {str(k)[:20]!r}）") from None
    if not 1 <= n <= MAX_K or (isinstance(k, float) and k != n):
        raise BadQuestion(f"k 必须是 1 到 {MAX_K} 之间的整数")
    return n


def check_history(history) -> History:
    """Earlier turns bounded like questions: a list of at most MAX_HISTORY items whose questions are
    questions; only the last MAX_TURNS turns are read."""
    if isinstance(history, History):
        return History(history.exchanges[-MAX_TURNS:])
    if history is None:
        return History([])
    if not isinstance(history, (list, tuple)):
        raise BadQuestion("对话历史必须是列表")
    if len(history) > MAX_HISTORY:
        raise BadQuestion(f"对话历史太长（{len(history)} 条，上限 {MAX_HISTORY} 条）：请开始新的对话")
    for item in history:
        said = (item.get("content") if item.get("role") == "user" else item.get("question")) \
            if isinstance(item, dict) else None
        if isinstance(said, str) and len(said) > MAX_QUESTION:
            raise BadQuestion(f"对话历史中的问题太长（{len(said)} 字，上限 {MAX_QUESTION} 字）")
    return History(History.from_dict(list(history)).exchanges[-MAX_TURNS:])


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
        return [citation(h, r) for r, h in enumerate(self.retriever.search(q, check_k(k)), start=1)]

    def within(self, docs=None) -> Retriever:
        """The retriever for a scope: `docs` names documents (ids, file names or titles); None: all.
        Views are kept per scope until the index changes (a new retriever starts with none)."""
        retriever = self.retriever
        if docs is None:
            return retriever
        chosen = scope.resolve(retriever.index.documents, docs)
        key = frozenset(d.id for d in chosen)
        views = retriever.__dict__.setdefault("_views", {})
        if key not in views:
            if len(views) >= MAX_SCOPES:
                views.clear()
            views[key] = scope.within(retriever, chosen)
        return views[key]

    def ask(self, question: str, k: int = 10, history: History | list | None = None, docs=None) -> Answer:
        """The answer to one question; `history` holds earlier turns (a `History`, or earlier answers
        and chat messages as a list) so that 「它的第二款呢」 follows up the last one; `docs`, when
        given, are the only documents searched (`Answer.scope` names them)."""
        q, k, history = check_question(question), check_k(k), check_history(history)
        retriever = self.within(docs)
        res = answer(retriever, q, k=k, history=history)
        if retriever.scope is not None:
            res.scope = list(dict.fromkeys(d.title for d in retriever.scope))
        return res
