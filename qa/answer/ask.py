"""A question as the composers see it: the turn (follow-up or not, the reference it makes) and the evidence
retrieval found for it, gathered once and read by every composer."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..search import Hit, Ref, Resolution, Retriever, find_ref
from .types import Answer, Citation, History, Intent, Verdict

_FOLLOW_START = re.compile(r"^(那|那么|如果|要是|假如|它|这|该|其|此|还有|另外|然后|再)")
_FOLLOW_WORD = re.compile(r"它|这条|该条|此条|上述|这一条|这部分|第.{1,3}[款句项]")


@dataclass
class Turn:
    question: str
    query: str             # what retrieval sees (the previous question is added for follow-ups)
    ref: Ref
    previous: str = ""     # the earlier question this one follows up, if any
    previous_text: str = ""   # the last question asked, follow-up or not: it may name the document
    previous_doc: str = ""    # the document the last answer cited first


def resolve_turn(question: str, history: History) -> Turn:
    """Whether the question follows up the last one (「它的第二款呢」), and the reference it makes then."""
    ref = find_ref(question)
    last = history.last()
    prev_q, prev_label, prev_doc = (last.question, last.label, last.doc_id) if last else ("", "", "")
    prev_ref = find_ref(prev_q) if prev_q else Ref()
    follow = bool(prev_q) and not ref and (
        _FOLLOW_START.match(question) or _FOLLOW_WORD.search(question)
        or (len(question) <= 10 and question.rstrip("？?").endswith("呢")))
    if not follow:
        return Turn(question, question, ref, previous_text=prev_q, previous_doc=prev_doc)
    if ref.item and not ref.clause:
        label_ref = find_ref(prev_label) if prev_label else Ref()
        clause = prev_ref.clause or label_ref.clause
        ref = Ref(clause=clause, clause_sub=prev_ref.clause_sub or label_ref.clause_sub,
                  part=prev_ref.part if not clause else 0, item=ref.item, item_unit=ref.item_unit,
                  year=prev_ref.year)
    return Turn(question, f"{prev_q} {question}", ref, previous=prev_q, previous_text=prev_q,
                previous_doc=prev_doc)


def citation(hit: Hit, rank: int) -> Citation:
    """A hit as the answer contract lists it (no quotes yet)."""
    p = hit.passage
    return Citation(rank=rank, source=p.source, title=p.title, part=p.part, clause=p.clause,
                    clause_title=p.clause_title, section=p.section, article=p.article,
                    divisions=p.divisions, path=p.path, page=p.page, page_end=p.page_end,
                    version=p.version, location=p.where(), text=p.text, start=p.start, end=p.end,
                    line=p.line, doc_id=p.doc_id, score=round(float(hit.score), 4), dense=round(hit.dense, 4),
                    lexical=round(hit.lexical, 3), via=hit.via.value, sources=p.sources, variants=p.variants)


@dataclass
class Ask:
    """One question with everything retrieved for it; `answer` fills in the fields every answer shares."""
    turn: Turn
    retriever: Retriever     # one consistent index even if a reload swaps the engine's meanwhile
    qvec: np.ndarray
    resolution: Resolution
    hits: list[Hit]
    k: int

    @property
    def question(self) -> str:
        return self.turn.question

    def answer(self, text: str, found: bool, intent: Intent, citations: list[Citation],
               verdict: Verdict | None = None, **fields) -> Answer:
        verdict = verdict or (Verdict.ANSWERED if found else Verdict.NOT_IN_DOCUMENTS)
        return Answer(question=self.turn.question, text=text, found=found, intent=intent, verdict=verdict,
                      citations=citations, passages=[citation(h, r) for r, h in enumerate(self.hits[:self.k], 1)],
                      query=self.turn.query, followup_of=self.turn.previous, **fields)
