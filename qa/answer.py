"""Answers assembled from the documents' own sentences, each marked [n] and cited; never generated text."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .engine import hit_dict
from .refs import Ref, find_ref
from .relations import Relation
from .retrieve import Hit
from .text import cn_to_int, int_to_cn, sentence_spans
from .text import fold
from .tokenize import STOPWORDS, segment, tokenize
from .versions import bigrams, contained

# "Is this in the documents at all?": best sentence cosine of the top passages, plus
# COVERAGE_WEIGHT x the share of the question's words found in the top passage, minus
# UNKNOWN_WEIGHT x the share of its words found nowhere in the corpus (党费, 产假, GDP).
# Calibrated for the default model with bench/calibrate.py on tests/data/questions.jsonl
# and the dev sample (21 unanswerable, 64 answerable questions); the margins are thin,
# so bench/quality.py reports both refusal rates.
FOUND_THRESHOLD = 0.884
COVERAGE_WEIGHT = 0.1
UNKNOWN_WEIGHT = 0.02
MAX_SENTENCES = 3
SENTENCE_SLACK = 0.015       # other sentences join the best one when this close to it
PASSAGE_SHARE_MIN = 0.7      # a passage contributes sentences only if its fused score is this close to the top

_RELATION_Q = re.compile(r"向谁|找谁|给谁|谁报告|报告给|向哪|汇报给|报告对象|对谁|向什么|报告谁|谁汇报")
_TITLE_Q = re.compile(r"标题|题目|叫什么|名称")
_FOLLOW_START = re.compile(r"^(那|那么|如果|要是|假如|它|这|该|其|此|还有|另外|然后|再)")
_CONSEQUENCE_Q = re.compile(r"不报告|没报告|不如实|隐瞒|瞒报|后果|否则|不这样做|不做会")
# A question that asks for a quantity or a date is answered only by sentences that hold one:
# topical sentences without it (「纪委书记一届任期是几年」) mean the documents do not say.
_QUANTITY_Q = re.compile(r"多少|(?<!哪)几[个名年天次期家条项岁稿支人位倍]|多长时间")
_DATE_Q = re.compile(r"哪一?年|哪一?天|几月|何时|什么时候|什么时间|哪个月")
_QUANTITY = re.compile(r"\d|[一二三四五六七八九十两百千万]+[个名年月天日次期家条项级岁轮稿支人位所种倍成]|分之")
_DATE = re.compile(r"\d{1,4}\s*[年月日]|[一二三四五六七八九十]+月|今年|去年|当年")
_FOLLOW_WORD = re.compile(r"它|这条|该条|此条|上述|这一条|这部分|第.{1,3}[款句项]")


@dataclass
class Turn:
    question: str
    query: str             # what retrieval sees (the previous question is added for follow-ups)
    ref: Ref
    previous: str = ""     # the earlier question this one follows up, if any


def _previous_turn(history) -> tuple[str, Ref, str]:
    """Last question in the history, the outline reference it ended on, and its clause."""
    for item in reversed(history or []):
        if not isinstance(item, dict):
            continue
        if item.get("role") == "user" and isinstance(item.get("content"), str):
            q = item["content"]
            return q, find_ref(q), ""
        if "question" in item:
            cites = item.get("citations") or []
            clause = cites[0].get("clause", "") if cites else ""
            return item["question"], find_ref(item["question"]), clause
    return "", Ref(), ""


def resolve_turn(question: str, history) -> Turn:
    ref = find_ref(question)
    prev_q, prev_ref, prev_clause = _previous_turn(history)
    follow = bool(prev_q) and not ref and (
        _FOLLOW_START.match(question) or _FOLLOW_WORD.search(question)
        or (len(question) <= 10 and question.rstrip("？?").endswith("呢")))
    if not follow:
        return Turn(question, question, ref)
    if ref.item and not ref.clause:
        clause = prev_ref.clause
        if not clause and prev_clause:
            m = re.match(r"（(.+)）", prev_clause)
            clause = (cn_to_int(m.group(1)) or 0) if m else 0
        ref = Ref(clause=clause, part=prev_ref.part if not clause else 0, item=ref.item)
    return Turn(question, f"{prev_q} {question}", ref, previous=prev_q)


def _words(text: str) -> list[str]:
    return [t for t in tokenize(text) if not t.startswith("#") and t not in STOPWORDS]


def _coverage(question_words: list[str], text_tokens) -> float:
    return sum(w in text_tokens for w in question_words) / max(len(question_words), 1)


class _Citations:
    """Numbers passages in the order the answer first cites them, with the quoted spans."""

    def __init__(self):
        self.items: list[dict] = []
        self._by_id: dict[str, dict] = {}

    def cite(self, hit: Hit, start: int, end: int) -> int:
        p = hit.passage
        c = self._by_id.get(p.id)
        if c is None:
            c = hit_dict(hit, len(self.items) + 1)
            c["quotes"] = []
            self._by_id[p.id] = c
            self.items.append(c)
        if not any(q["start"] == start for q in c["quotes"]):
            c["quotes"].append({"start": start, "end": end, "text": p.text[start:end],
                                "doc_start": p.start + start, "doc_end": p.start + end})
        return c["rank"]


def answer(qa, question: str, k: int = 10, history=None) -> dict:
    turn = resolve_turn(question, history or [])
    retriever = qa.retriever        # one consistent index even if a reload swaps it meanwhile
    index = retriever.index
    qvec = retriever.query_vector(turn.query)
    hits = retriever.search(turn.query, k=max(k, 10), ref=turn.ref, qvec=qvec)
    result = {"question": question, "query": turn.query, "followup_of": turn.previous,
              "passages": [hit_dict(h, r) for r, h in enumerate(hits[:k], start=1)]}
    cites = _Citations()
    if turn.ref and hits and hits[0].via == "reference":
        text = _reference_answer(turn, [h for h in hits if h.via == "reference"], cites)
        return {**result, "answer": text, "found": True, "intent": "reference", "citations": cites.items}
    relation = None
    if _RELATION_Q.search(question):
        relation = _relation_answer(index, turn, hits, cites)
    elif turn.previous and _RELATION_Q.search(turn.previous) and _CONSEQUENCE_Q.search(question):
        relation = _relation_answer(index, turn, hits, cites, consequence_only=True)
    if relation is not None:
        text, rel = relation
        return {**result, "answer": text, "found": True, "intent": "relation",
                "relation": rel.to_dict(), "citations": cites.items}
    if not hits or not _found(index, turn, hits):
        return {**result, "answer": _not_found_text(question, hits), "found": False,
                "intent": "not_found", "citations": []}
    text = _sentence_answer(index, turn, hits, qvec, cites)
    missing = missing_answer_type(turn.question, text)
    if missing:
        return {**result, "answer": _not_found_text(question, hits, missing), "found": False,
                "intent": "not_found", "citations": []}
    return {**result, "answer": text, "found": True, "intent": "search", "citations": cites.items}


def missing_answer_type(question: str, answer_text: str) -> str:
    """「数字」 or 「时间」 when the question asks for one and the chosen sentences hold none."""
    body = re.sub(r"\[\d+\]", "", answer_text)
    if _DATE_Q.search(question) and not _DATE.search(body):
        return "时间"
    if _QUANTITY_Q.search(question) and not _QUANTITY.search(body):
        return "数字"
    return ""


def found_score(index, query: str, hits: list[Hit]) -> float:
    best_sentence = max(h.extra.get("best_unit_score", 0.0) for h in hits[:3])
    tokens = set(index.tokens[index.position[id(hits[0].passage)]])
    words = [w for w in segment(query) if len(w) >= 2 and w not in STOPWORDS]
    unknown = sum(fold(w) not in index.vocab for w in words) / max(len(words), 1)
    return best_sentence + COVERAGE_WEIGHT * _coverage(_words(query), tokens) - UNKNOWN_WEIGHT * unknown


def _found(index, turn: Turn, hits: list[Hit]) -> bool:
    return found_score(index, turn.query, hits) >= FOUND_THRESHOLD


def _not_found_text(question: str, hits: list[Hit], missing: str = "") -> str:
    tail = "下面列出的段落可能相关，仅供参考。" if hits else ""
    if missing:
        return f"文档中没有找到「{question}」所问的{missing}：相关段落没有给出。{tail}"
    return f"文档中没有找到能回答「{question}」的内容。{tail}"


def _sentence_answer(index, turn: Turn, hits: list[Hit], qvec: np.ndarray, cites: _Citations) -> str:
    q_words = _words(turn.query)
    focus = _words(turn.question) if turn.previous else []
    top_score = hits[0].score
    scored = []
    for rank, h in enumerate(hits[:3]):
        if rank and h.score < PASSAGE_SHARE_MIN * top_score:
            continue
        pi = index.position[id(h.passage)]
        units = index.units_of.get(pi, [])
        if not units:
            continue
        sims = index.unit_matrix[units] @ qvec[0]
        for u, sim in zip(units, sims):
            _, s, e = index.units[u]
            sent_tokens = set(tokenize(h.passage.text[s:e]))
            score = float(sim) + 0.1 * _coverage(q_words, sent_tokens) + 0.1 * _coverage(focus, sent_tokens)
            scored.append((score, rank, s, e, h))
    if not scored:
        return ""
    scored.sort(key=lambda x: -x[0])
    best = scored[0][0]
    chosen = [x for x in scored if x[0] >= best - SENTENCE_SLACK][:MAX_SENTENCES]
    chosen.sort(key=lambda x: (x[1], x[2]))
    parts = []
    for _, _, s, e, h in chosen:
        n = cites.cite(h, s, e)
        parts.append(f"{h.passage.text[s:e]}[{n}]")
    return "".join(parts)


def _reference_answer(turn: Turn, hits: list[Hit], cites: _Citations) -> str:
    first = hits[0].passage
    ref = turn.ref
    if ref.clause or ref.last_clause:
        label = f"第{first.clause}条" if first.clause else "该条"
        spans = sentence_spans(first.text)
        if ref.item:
            body = spans[1:] if len(spans) > 1 else spans
            if ref.item > len(body):
                return f"{label}只有 {len(body)} 句（不含标题），没有第{int_to_cn(ref.item)}句。"
            s, e = body[ref.item - 1]
            n = cites.cite(hits[0], s, e)
            return f"{label}「{first.clause_title}」的第{int_to_cn(ref.item)}句：{first.text[s:e]}[{n}]"
        s, e = spans[0] if spans else (0, len(first.text))
        n = cites.cite(hits[0], s, e)
        if _TITLE_Q.search(turn.question):
            return f"{label}的标题是「{first.clause_title}」[{n}]（{first.part}）。"
        for h in hits:
            cites.cite(h, 0, len(h.passage.text))
        return f"{label}「{first.clause_title}」（{first.part}）：\n{''.join(h.passage.text for h in hits)}[{n}]"
    heading = first.text if first.kind == "part" else first.part
    n = cites.cite(hits[0], 0, len(first.text))
    clauses = []
    seen = set()
    for h in hits[1:]:
        p = h.passage
        if p.clause_no and p.clause_no not in seen:
            seen.add(p.clause_no)
            m = cites.cite(h, *(sentence_spans(p.text)[0] if sentence_spans(p.text) else (0, len(p.text))))
            clauses.append(f"{p.clause}{p.clause_title}[{m}]")
    label = f"第{int_to_cn(first.part_no)}部分" if first.part_no else "该部分"
    text = f"{label}是「{heading}」[{n}]。"
    if clauses:
        text += "包括：\n" + "\n".join(clauses)
    elif len(hits) > 1:
        s, e = sentence_spans(hits[1].passage.text)[0]
        text += f"开头写道：{hits[1].passage.text[s:e]}[{cites.cite(hits[1], s, e)}]"
    return text


def _relation_answer(index, turn: Turn, hits: list[Hit], cites: _Citations,
                     consequence_only: bool = False) -> tuple[str, Relation] | None:
    """Answer 「X 发现…应当向谁报告」 from the relation table: the best-matching row, its
    arrow, then the sentence it comes from, and what happens when the report is not made."""
    q = bigrams(turn.query)
    rank_of = {h.passage.id: r for r, h in enumerate(hits)}
    best, best_score = None, 0.0
    for rel in index.relations:
        who = contained(bigrams(rel.reporter), q)
        cond = contained(bigrams(rel.condition), q) if rel.condition else 0.0
        r = rank_of.get(rel.passage_id)
        score = who + 0.6 * cond + (0.5 / (1 + r) if r is not None else 0.0) + (0.1 if rel.recipient else 0)
        if score > best_score:
            best, best_score = rel, score
    if best is None or best_score < 0.6 or (consequence_only and not best.consequence):
        return None
    hit = next((h for h in hits if h.passage.id == best.passage_id), None)
    if hit is None:
        passage = next(p for p in index.passages if p.id == best.passage_id)
        hit = Hit(passage, 0.0, via="relation")
    if consequence_only:
        s = hit.passage.text.find(best.consequence)
        n = cites.cite(hit, s, s + len(best.consequence)) if s >= 0 else cites.cite(hit, best.start, best.end)
        return f"{best.reporter}{best.condition and '（' + best.condition + '）'}不报告的后果：" \
               f"{best.consequence}[{n}]", best
    n = cites.cite(hit, best.start, best.end)
    siblings = [r for r in index.relations
                if r.passage_id == best.passage_id and r.start == best.start and r is not best
                and r.reporter == best.reporter]
    lines = [f"{best.arrow}[{n}]"] + [f"{r.arrow}[{n}]" for r in siblings]
    if best.condition:
        lines.append(f"条件：{best.condition}")
    lines.append(f"原文：{best.sentence}[{n}]")
    if best.consequence:
        s = hit.passage.text.find(best.consequence)
        m = cites.cite(hit, s, s + len(best.consequence)) if s >= 0 else n
        lines.append(f"不报告的后果：{best.consequence}[{m}]")
    return "\n".join(lines), best
