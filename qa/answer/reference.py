"""The unit a question names (第七条第二款, 第七条第（三）项, （十四）, 第二章, 第三部分), quoted whole and cited, in each
document it may mean; several documents mean the question was ambiguous, and the answer says so."""
from __future__ import annotations

import re

from ..ingest import Kind
from ..search import AMBIGUOUS_MAX, Hit, Resolution, Via
from ..text import int_to_cn, items, paragraphs, sentence_spans
from .ask import Ask, Turn
from .citations import Citations
from .types import Answer, Intent

_TITLE_Q = re.compile(r"标题|题目|叫什么|名称")


def compose(ask: Ask, cites: Citations) -> Answer | None:
    if not (ask.turn.ref and ask.resolution.targets):
        return None
    text = _reference_text(ask.turn, ask.resolution, ask.hits, cites)
    return ask.answer(text, True, Intent.REFERENCE, cites.items, ambiguous=ask.resolution.ambiguous)


def _reference_text(turn: Turn, resolution: Resolution, hits: list[Hit], cites: Citations) -> str:
    """The unit a question names, in each document it may mean; several documents mean the
    question was ambiguous, and the answer says so before giving each."""
    by_doc: dict[str, list[Hit]] = {}
    for h in hits:
        if h.via == Via.REFERENCE:
            by_doc.setdefault(h.target, []).append(h)
    blocks = []
    for t in resolution.targets[:AMBIGUOUS_MAX]:
        unit_hits = by_doc.get(t.doc.id, [])
        if unit_hits:
            text = _unit_answer(turn, unit_hits, cites)
            named_doc = resolution.ambiguous or len(t.versions) > 1 or bool(unit_hits[0].passage.article_no)
            if named_doc:
                text = f"《{t.doc.title}》" + (f"（{t.doc.version} 版）" if len(t.versions) > 1 else "") + text
            blocks.append(text)
    if resolution.ambiguous:
        n = len(resolution.targets)
        names = "、".join(f"《{t.doc.title}》" for t in resolution.targets[:AMBIGUOUS_MAX])
        more = f"等（列出前 {AMBIGUOUS_MAX} 份；问题中写明文档名称即可只看一份）" if n > AMBIGUOUS_MAX else ""
        head = f"问题没有指明是哪一份文档；{n} 份文档都有这一条：{names}{more}。分别是：\n"
        return head + "\n\n".join(blocks)
    text = blocks[0] if blocks else ""
    t = resolution.targets[0]
    if len(t.versions) > 1:
        others = [v for v in t.versions if v != t.doc.version]
        text += f"\n（依据 {t.doc.version} 版；另有 {'、'.join(others)} 版，问题中写明年份可查看该版本）"
    return text


def _unit_answer(turn: Turn, hits: list[Hit], cites: Citations) -> str:
    first = hits[0].passage
    ref = turn.ref
    if first.kind == Kind.ARTICLE:
        return _article_answer(turn, hits, cites)
    if ref.clause or ref.last_clause:
        label = first.clause or "该条"           # 「（十四）」 is a clause of its own, not 「第（十四）条」
        spans = sentence_spans(first.text)
        if ref.item:
            body = spans[1:] if len(spans) > 1 else spans
            # a clause of an 《意见》 is one paragraph: asked for its 第二款, the answer says so and gives
            # its second sentence, labelled as a sentence
            note = f"{label}只有一段，不分款；" if ref.item_unit == "款" else ""
            if ref.item > len(body):
                return f"{note}{label}只有 {len(body)} 句（不含标题），没有第{int_to_cn(ref.item)}句。"
            s, e = body[ref.item - 1]
            n = cites.cite(hits[0], s, e)
            return f"{note}{label}「{first.clause_title}」的第{int_to_cn(ref.item)}句：{first.text[s:e]}[{n}]"
        s, e = spans[0] if spans else (0, len(first.text))
        n = cites.cite(hits[0], s, e)
        if _TITLE_Q.search(turn.question):
            return f"{label}的标题是「{first.clause_title}」[{n}]（{first.part}）。"
        for h in hits:
            cites.cite(h, 0, len(h.passage.text))
        return f"{label}「{first.clause_title}」（{first.part}）：\n{''.join(h.passage.text for h in hits)}[{n}]"
    if first.kind == Kind.DIVISION:
        return _chapter_answer(hits, cites)
    heading = first.text if first.kind == Kind.PART else first.part
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


def _article_answer(turn: Turn, hits: list[Hit], cites: Citations) -> str:
    """第X条, or one 款 / 项 / 句 of it, quoted whole and cited."""
    first = hits[0].passage
    label = first.article
    where = " ".join(first.divisions)
    ref = turn.ref
    if ref.item:
        text = first.text
        if ref.item_unit == "项":
            found = [(s, e) for n, s, e in items(text) if n == ref.item]
            unit, count = "项", len(items(text))
        elif ref.item_unit == "句":
            found = sentence_spans(text)[ref.item - 1:ref.item]
            unit, count = "句", len(sentence_spans(text))
        else:
            spans = paragraphs(text)
            found = spans[ref.item - 1:ref.item]
            unit, count = "款", len(spans)
        if not found:
            return f"{label}共 {count} {unit}，没有第{int_to_cn(ref.item)}{unit}。"
        s, e = found[0]
        n = cites.cite(hits[0], s, e)
        return f"{label}第{int_to_cn(ref.item)}{unit}：{text[s:e]}[{n}]"
    numbers = []
    for h in hits:
        numbers.append(cites.cite(h, 0, len(h.passage.text)))
    body = "\n".join(h.passage.text for h in hits)
    return f"{label}" + (f"（{where}）" if where else "") + f"：\n{body}[{numbers[0]}]"


CHAPTER_LIST_MAX = 15


def _chapter_answer(hits: list[Hit], cites: Citations) -> str:
    """A 编/章/附则: its heading (under the headings above it), then the headings directly under it, or
    where there are none the first sentence of each article."""
    head = hits[0].passage
    n = cites.cite(hits[0], 0, len(head.text))
    above = " ".join(d for d in head.divisions if d != head.text)
    title = f"{above} › {head.text}" if above else head.text
    articles = [h for h in hits[1:] if h.passage.kind == Kind.ARTICLE]
    below = [h for h in hits[1:] if h.passage.kind == Kind.DIVISION]
    top = min((len(h.passage.divisions) for h in below), default=0)
    below = [h for h in below if len(h.passage.divisions) == top]
    if below:
        lines = [f"{h.passage.text}[{cites.cite(h, 0, len(h.passage.text))}]" for h in below]
        return f"{title}[{n}]，共 {len(articles)} 条，分为：\n" + "\n".join(lines)
    lines = []
    for h in articles[:CHAPTER_LIST_MAX]:
        spans = sentence_spans(h.passage.text)
        s, e = spans[0] if spans else (0, len(h.passage.text))
        lines.append(f"{h.passage.text[s:e]}[{cites.cite(h, s, e)}]")
    more = f"\n……（共 {len(articles)} 条）" if len(articles) > CHAPTER_LIST_MAX else ""
    return f"{title}[{n}]，包括 {len(articles)} 条：\n" + "\n".join(lines) + more
