"""「X 发现…应当向谁报告」 from the relation table: the best-matching row, its arrow, the sentence it comes
from, and what happens when the report is not made (also asked on its own as a follow-up)."""
from __future__ import annotations

import re

from ..ingest import Relation
from ..search import Hit, Via
from ..text import bigrams, contained
from .ask import Ask
from .citations import Citations
from .types import Answer, Intent

_RELATION_Q = re.compile(r"向谁|找谁|给谁|谁报告|报告给|向哪|汇报给|报告对象|对谁|向什么|报告谁|谁汇报")
_CONSEQUENCE_Q = re.compile(r"不报告|没报告|不如实|隐瞒|瞒报|后果|否则|不这样做|不做会")
MATCH_MIN = 0.6


def compose(ask: Ask, cites: Citations) -> Answer | None:
    turn = ask.turn
    if _RELATION_Q.search(turn.question):
        consequence_only = False
    elif turn.previous and _RELATION_Q.search(turn.previous) and _CONSEQUENCE_Q.search(turn.question):
        consequence_only = True
    else:
        return None
    best = _best_row(ask)
    if best is None or (consequence_only and not best.consequence):
        return None
    hit = next((h for h in ask.hits if h.passage.id == best.passage_id), None) or \
        ask.retriever.hit(best.passage_id, Via.RELATION)
    text = _consequence(best, hit, cites) if consequence_only else _report(ask, best, hit, cites)
    return ask.answer(text, True, Intent.RELATION, cites.items, relation=best)


def _best_row(ask: Ask) -> Relation | None:
    q = bigrams(ask.turn.query)
    rank_of = {h.passage.id: r for r, h in enumerate(ask.hits)}
    best, best_score = None, 0.0
    for rel, (reporter, condition) in zip(ask.retriever.index.relations, ask.retriever.relation_grams):
        who = contained(reporter, q)
        cond = contained(condition, q) if rel.condition else 0.0
        r = rank_of.get(rel.passage_id)
        score = who + 0.6 * cond + (0.5 / (1 + r) if r is not None else 0.0) + (0.1 if rel.recipient else 0)
        if score > best_score:
            best, best_score = rel, score
    return best if best_score >= MATCH_MIN else None


def _cite_consequence(rel: Relation, hit: Hit, cites: Citations, fallback: int | None) -> int:
    s = hit.passage.text.find(rel.consequence)
    if s >= 0:
        return cites.cite(hit, s, s + len(rel.consequence))
    return fallback if fallback is not None else cites.cite(hit, rel.start, rel.end)


def _consequence(rel: Relation, hit: Hit, cites: Citations) -> str:
    n = _cite_consequence(rel, hit, cites, None)
    return f"{rel.reporter}{rel.condition and '（' + rel.condition + '）'}不报告的后果：{rel.consequence}[{n}]"


def _report(ask: Ask, best: Relation, hit: Hit, cites: Citations) -> str:
    n = cites.cite(hit, best.start, best.end)
    siblings = [r for r in ask.retriever.index.relations
                if r.passage_id == best.passage_id and r.start == best.start and r is not best
                and r.reporter == best.reporter]
    lines = [f"{best.arrow}[{n}]"] + [f"{r.arrow}[{n}]" for r in siblings]
    if best.condition:
        lines.append(f"条件：{best.condition}")
    lines.append(f"原文：{best.sentence}[{n}]")
    if best.consequence:
        lines.append(f"不报告的后果：{best.consequence}[{_cite_consequence(best, hit, cites, n)}]")
    return "\n".join(lines)
