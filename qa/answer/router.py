"""Answering a question: retrieve once, then ask each composer in turn; the first that answers wins.
Answers are assembled from the documents' own sentences, each marked [n] and cited; never generated text."""
from __future__ import annotations

from collections.abc import Callable

from ..search import Retriever
from . import changes, missing_unit, reference, relation, search
from .ask import Ask, resolve_turn
from .citations import Citations
from .types import Answer, History

Composer = Callable[[Ask, Citations], "Answer | None"]
# Tried in this order; each may decline (None). A new kind of answer is a new module with a
# `compose` and a row here. Search answers whatever is left, with a refusal when it must.
COMPOSERS: tuple[Composer, ...] = (
    changes.compose,          # 「…修改了哪些条」 over dated versions
    reference.compose,        # 第七条第二款, （十四）, 第二章 that some document has
    missing_unit.compose,     # such a lookup that no document can answer
    relation.compose,         # 「…应当向谁报告」 from the relation table
)


def answer(retriever: Retriever, question: str, k: int = 10, history: History | None = None) -> Answer:
    """`question` is already checked (`qa.engine.check_question`); `retriever` is the one index to read."""
    turn = resolve_turn(question, history or History())
    qvec = retriever.query_vector(turn.query)
    resolution = retriever.library.resolve(turn.ref, question, turn.previous_text, turn.previous_doc)
    hits = retriever.search(turn.query, k=max(k, 10), resolution=resolution, qvec=qvec,
                            lexical_text=retriever.vocabulary.expand(turn.query))
    ask = Ask(turn, retriever, qvec, resolution, hits, k)
    for compose in COMPOSERS:
        result = compose(ask, Citations())
        if result is not None:
            return result
    return search.compose(ask, Citations())
