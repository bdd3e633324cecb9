"""Numbering the passages an answer cites, in the order it first cites them, with the spans it quotes."""
from __future__ import annotations

from ..ingest import Kind, Passage
from ..search import Hit, Via
from ..text import paragraphs
from .ask import Ask, citation
from .types import Citation, Quote


class Citations:
    def __init__(self):
        self.items: list[Citation] = []
        self._by_id: dict[str, Citation] = {}

    def cite(self, hit: Hit, start: int, end: int) -> int:
        """Quote passage text [start, end) of a hit; returns the citation's number [n]."""
        p = hit.passage
        c = self._by_id.get(p.id)
        if c is None:
            c = citation(hit, len(self.items) + 1)
            c.quotes = []
            self._by_id[p.id] = c
            self.items.append(c)
        if not any(q.start == start for q in c.quotes):
            c.quotes.append(Quote(start, end, p.text[start:end], p.start + start, p.start + end))
            c.location = p.where(_paragraph(p, c.quotes))
        return c.rank


def _paragraph(p: Passage, quotes: list[Quote]) -> int:
    """The 款 all quotes of an article fall in (1-based), when the article has more than one."""
    if p.kind != Kind.ARTICLE:
        return 0
    spans = paragraphs(p.text)
    if len(spans) < 2:
        return 0
    found = {next((i for i, (s, e) in enumerate(spans, 1) if s <= q.start and q.end <= e), 0) for q in quotes}
    return found.pop() if len(found) == 1 else 0


def repeal_note(ask: Ask, cites: Citations) -> str:
    """「所问的《合同法》不在文档中」 with the sentence of a document that repealed it, quoted and cited;
    empty when the question names no such document."""
    notes = []
    for r in ask.retriever.library.absent_named(ask.question):
        p = ask.retriever.index.passages[r.row]
        hit = Hit(r.row, p, via=Via.REFERENCE)
        where = f"《{p.title}》{p.article or p.clause}"
        notes.append(f"\n（所问的《{r.name}》不在文档中；{where}：{p.text[r.start:r.end]}[{cites.cite(hit, r.start, r.end)}]）")
    return "".join(notes)
