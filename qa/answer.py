"""Answers assembled from the documents' own sentences, each marked [n] and cited; never generated text."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .bm25 import idf_of
from .engine import hit_dict
from .judge import ANSWERED, NOT_IN_DOCUMENTS, PARTLY, Verdict, judge, key_terms, term_weights
from .lookup import AMBIGUOUS_MAX, Resolution
from .outline import items, paragraphs
from .refs import Ref, asks_for_changes, find_ref
from .relations import Relation
from .retrieve import Hit
from .text import fold, int_to_cn, sentence_spans
from .tokenize import STOPWORDS, load_segmenter, segment, tokenize
from .versions import bigrams, changed_articles, contained

MAX_SENTENCES = 3
SENTENCE_SLACK = 0.015       # other sentences join the best one when this close to it
PASSAGE_SHARE_MIN = 0.7      # a passage contributes sentences only if its fused score is this close to the top

_RELATION_Q = re.compile(r"向谁|找谁|给谁|谁报告|报告给|向哪|汇报给|报告对象|对谁|向什么|报告谁|谁汇报")
_TITLE_Q = re.compile(r"标题|题目|叫什么|名称")
_FOLLOW_START = re.compile(r"^(那|那么|如果|要是|假如|它|这|该|其|此|还有|另外|然后|再)")
_CONSEQUENCE_Q = re.compile(r"不报告|没报告|不如实|隐瞒|瞒报|后果|否则|不这样做|不做会")
_FOLLOW_WORD = re.compile(r"它|这条|该条|此条|上述|这一条|这部分|第.{1,3}[款句项]")


@dataclass
class Turn:
    question: str
    query: str             # what retrieval sees (the previous question is added for follow-ups)
    ref: Ref
    previous: str = ""     # the earlier question this one follows up, if any
    previous_text: str = ""   # the last question asked, follow-up or not: it may name the document
    previous_doc: str = ""    # the document the last answer cited first


def _previous_turn(history) -> tuple[str, Ref, str, str]:
    """Last question in the history, the outline reference it ended on, its unit's label
    (第七条, （十四）) and the document it cited."""
    for item in reversed(history or []):
        if not isinstance(item, dict):
            continue
        if item.get("role") == "user" and isinstance(item.get("content"), str):
            q = item["content"]
            return q, find_ref(q), "", ""
        if "question" in item:
            cites = item.get("citations") or []
            label = (cites[0].get("article") or cites[0].get("clause", "")) if cites else ""
            return item["question"], find_ref(item["question"]), label, cites[0].get("doc_id", "") if cites else ""
    return "", Ref(), "", ""


def resolve_turn(question: str, history) -> Turn:
    ref = find_ref(question)
    prev_q, prev_ref, prev_label, prev_doc = _previous_turn(history)
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
            c["location"] = p.where(_paragraph(p, c["quotes"]))
        return c["rank"]


def _paragraph(p, quotes: list[dict]) -> int:
    """The 款 all quotes of an article fall in (1-based), when the article has more than one."""
    if p.kind != "article":
        return 0
    spans = paragraphs(p.text)
    if len(spans) < 2:
        return 0
    found = {next((i for i, (s, e) in enumerate(spans, 1) if s <= q["start"] and q["end"] <= e), 0) for q in quotes}
    return found.pop() if len(found) == 1 else 0


def answer(qa, question: str, k: int = 10, history=None) -> dict:
    turn = resolve_turn(question, history or [])
    retriever = qa.retriever        # one consistent index even if a reload swaps it meanwhile
    index = retriever.index
    qvec = retriever.query_vector(turn.query)
    resolution = retriever.library.resolve(turn.ref, question, turn.previous_text, turn.previous_doc)
    hits = retriever.search(turn.query, k=max(k, 10), resolution=resolution, qvec=qvec,
                            lexical_text=expand_query(index, turn.query))
    result = {"question": question, "query": turn.query, "followup_of": turn.previous,
              "passages": [hit_dict(h, r) for r, h in enumerate(hits[:k], start=1)],
              "verdict": ANSWERED, "missing": []}
    cites = _Citations()
    changes = _changes_answer(retriever.library, turn, resolution, hits, cites)
    if changes is not None:
        return {**result, "answer": changes, "found": True, "intent": "changes", "citations": cites.items}
    if turn.ref and resolution.targets:
        text = _reference_answer(turn, resolution, hits, cites)
        return {**result, "answer": text, "found": True, "intent": "reference",
                "ambiguous": resolution.ambiguous, "citations": cites.items}
    if turn.ref and _is_lookup(question, turn.ref):
        return {**result, "answer": _no_such_unit(turn.ref, resolution), "found": False,
                "verdict": NOT_IN_DOCUMENTS, "intent": "reference", "citations": []}
    relation = None
    if _RELATION_Q.search(question):
        relation = _relation_answer(index, turn, hits, cites)
    elif turn.previous and _RELATION_Q.search(turn.previous) and _CONSEQUENCE_Q.search(question):
        relation = _relation_answer(index, turn, hits, cites, consequence_only=True)
    if relation is not None:
        text, rel = relation
        return {**result, "answer": text, "found": True, "intent": "relation",
                "relation": rel.to_dict(), "citations": cites.items}
    if not hits:
        return {**result, "answer": _not_found_text(question, hits), "found": False,
                "verdict": NOT_IN_DOCUMENTS, "intent": "not_found", "citations": []}
    chosen = _pick_sentences(index, turn, hits, qvec)
    verdict = _judge(index, turn, hits, chosen)
    result.update(verdict=verdict.verdict, missing=verdict.missing, signals=verdict.signals)
    if verdict.verdict == NOT_IN_DOCUMENTS and not (verdict.signals["on_topic"] and chosen):
        return {**result, "answer": _not_found_text(question, hits), "found": False,
                "intent": "not_found", "citations": []}
    text = _cite_sentences(chosen, cites)
    if verdict.verdict == NOT_IN_DOCUMENTS:      # on topic, but the asked thing is not there
        return {**result, "answer": _related_text(question, verdict.missing, text), "found": False,
                "intent": "not_found", "citations": cites.items}
    if verdict.verdict == PARTLY:
        text += f"\n（文档中没有规定所问的{'、'.join(verdict.missing)}。）"
    return {**result, "answer": text + _version_note(retriever.library, cites.items), "found": True,
            "intent": "search", "citations": cites.items}


def expand_query(index, query: str) -> str:
    """BM25 sees, besides the question, the documents' words for question words no document uses
    (「打招呼」 -> 说情、干预), from the thesaurus and the corpus's own 「以下简称」 definitions."""
    extra = []
    for w in segment(fold(query)):
        if len(w) >= 2 and not _in_corpus(index, w):
            extra.extend(v for v in index.thesaurus.variants(w) if v != w and _in_corpus(index, v))
    return query + (" " + " ".join(dict.fromkeys(extra)) if extra else "")


def _in_corpus(index, word: str) -> bool:
    """A word some passage holds: a BM25 word, or (names, terms jieba splits otherwise) every
    character pair of it. Any word in the vocabulary has an idf above 0."""
    return _idf(index, word) > 0


def _idf(index, word: str) -> float:
    """How rare a word is in the corpus (0 if unseen): its own BM25 idf, else its rarest bigram's."""
    word = fold(word)
    if word in index.vocab:
        return idf_of(index.bm25, word)
    grams = ["#" + word[i:i + 2] for i in range(len(word) - 1)]
    if grams and all(g in index.vocab for g in grams):
        return max(idf_of(index.bm25, g) for g in grams)
    return 0.0


def _judge(index, turn: Turn, hits: list[Hit], chosen) -> Verdict:
    sentences = [h.passage.text[s:e] for _, _, s, e, h in chosen]
    # coverage is read in the passages the sentences come from, with their headings: a sentence's
    # subject often stands one sentence earlier (「他表示」) or in the clause title
    passages = {h.passage.id: h.passage for *_, h in chosen}
    context = "".join(p.text + p.clause_title + " ".join(p.divisions) for p in passages.values())
    terms = key_terms(turn.query, lambda t: load_segmenter().lcut(t, HMM=True))
    return judge(turn.question, sentences, context,
                 dense=max(h.extra.get("best_unit_score", 0.0) for h in hits[:3]),
                 weights=term_weights(terms, lambda w: _idf(index, w), index.typical_idf),
                 in_corpus=lambda w: _in_corpus(index, w), thesaurus=index.thesaurus,
                 fused=[h.score for h in hits[:2]], passage_ids=[h.passage.id for *_, h in chosen])


# A reference with little else around it is a lookup (「第十五条讲了什么」): when no document has
# that unit, say so instead of answering from whatever the words match.
_LOOKUP_Q = re.compile(r"^.{0,30}?(第.{1,6}[条章款项]|[（(].{1,4}[)）]|第.{1,3}部分).{0,14}$")


def _is_lookup(question: str, ref: Ref) -> bool:
    return bool(ref.clause or ref.chapter or ref.part) and bool(_LOOKUP_Q.match(question))


def _no_such_unit(ref: Ref, resolution: Resolution) -> str:
    unit = (f"第{int_to_cn(ref.clause)}条" if ref.clause else f"第{int_to_cn(ref.chapter)}章" if ref.chapter
            else f"第{int_to_cn(ref.part)}部分")
    docs = resolution.candidates
    if resolution.unknown:
        titles = "、".join(f"《{d.title}》" for d in docs[:8] if not d.untitled) + ("等" if len(docs) > 8 else "")
        return f"文档中没有名为《{resolution.unknown}》的文件，无法查到它的{unit}。现有文档：{titles}。"
    if resolution.named and docs:
        d = docs[0]
        arts = sorted({p.article_no for p in d.passages if p.article_no})
        size = f"（共 {arts[-1]} 条）" if arts else ""
        return f"《{d.title}》没有{unit}{size}。"
    titles = "、".join(f"《{d.title}》" for d in docs[:8] if not d.untitled) + ("等" if len(docs) > 8 else "")
    return f"文档中没有哪一份有{unit}。现有文档：{titles}。"


def _version_note(library, citations: list[dict]) -> str:
    """Which dated version the answer comes from, when its document has several."""
    notes = []
    for c in citations:
        if c.get("version"):
            fam = library.family_of.get(c["doc_id"], "")
            others = [v for v in library.versions(fam) if v != c["version"]] if fam else []
            note = f"（依据《{c['title']}》{c['version']} 版" + (f"；另有 {'、'.join(others)} 版" if others else "") + "）"
            if note not in notes:
                notes.append(note)
    return ("\n" + "\n".join(notes)) if notes else ""


def _not_found_text(question: str, hits: list[Hit]) -> str:
    tail = "下面列出的段落可能相关，仅供参考。" if hits else ""
    return f"文档中没有找到能回答「{question}」的内容。{tail}"


def _related_text(question: str, missing: list[str], related: str) -> str:
    """The documents speak of the topic but do not give what was asked: say so, then show what they
    do say, marked as related rather than as the answer."""
    return (f"文档中没有规定「{question}」所问的{'、'.join(missing)}。"
            f"相关的规定是（仅供参考，并不回答这个问题）：\n{related}")


def _pick_sentences(index, turn: Turn, hits: list[Hit], qvec: np.ndarray) -> list[tuple]:
    """The best sentences of the top passages: (score, passage rank, start, end, hit), in reading order."""
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
        return []
    scored.sort(key=lambda x: -x[0])
    best = scored[0][0]
    chosen = [x for x in scored if x[0] >= best - SENTENCE_SLACK][:MAX_SENTENCES]
    chosen.sort(key=lambda x: (x[1], x[2]))
    return chosen


def _cite_sentences(chosen: list[tuple], cites: _Citations) -> str:
    return "".join(f"{h.passage.text[s:e]}[{cites.cite(h, s, e)}]" for _, _, s, e, h in chosen)


def _reference_answer(turn: Turn, resolution: Resolution, hits: list[Hit], cites: _Citations) -> str:
    """The unit a question names, in each document it may mean; several documents mean the
    question was ambiguous, and the answer says so before giving each."""
    by_doc: dict[str, list[Hit]] = {}
    for h in hits:
        if h.via == "reference":
            by_doc.setdefault(h.extra["target"], []).append(h)
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


def _unit_answer(turn: Turn, hits: list[Hit], cites: _Citations) -> str:
    first = hits[0].passage
    ref = turn.ref
    if first.kind == "article":
        return _article_answer(turn, hits, cites)
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
    if first.kind == "division":
        return _chapter_answer(hits, cites)
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


def _article_answer(turn: Turn, hits: list[Hit], cites: _Citations) -> str:
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


def _chapter_answer(hits: list[Hit], cites: _Citations) -> str:
    head = hits[0].passage
    n = cites.cite(hits[0], 0, len(head.text))
    lines = []
    articles = [h for h in hits[1:] if h.passage.article_no]
    for h in articles[:CHAPTER_LIST_MAX]:
        spans = sentence_spans(h.passage.text)
        s, e = spans[0] if spans else (0, len(h.passage.text))
        lines.append(f"{h.passage.text[s:e]}[{cites.cite(h, s, e)}]")
    more = f"\n……（共 {len(articles)} 条）" if len(articles) > CHAPTER_LIST_MAX else ""
    return f"{head.text}[{n}]，包括 {len(articles)} 条：\n" + "\n".join(lines) + more


CHANGES_MAX = 8


def _changes_answer(library, turn: Turn, resolution: Resolution, hits: list[Hit], cites: _Citations) -> str | None:
    """「…修改了哪些条」「第X条改了什么」: the articles whose words differ between the asked (or
    newest) version and the one before it, side by side."""
    if not asks_for_changes(turn.question):
        return None
    fams = library.named_families(turn.question) or \
        ([library.family_of[resolution.targets[0].doc.id]] if resolution.targets else [])
    fams = [f for f in fams if library.is_dated(f)]
    if not fams:
        return None
    fam = fams[0]
    versions = library.versions(fam)
    new_doc, new_v = library.pick_version(fam, turn.ref.year)
    older = [v for v in versions if v < new_v]
    if not older:
        new_v, older = versions[-1], versions[:-1]
        new_doc = next(d for d in library.family_docs[fam] if d.version == new_v)
    old_v = older[-1]
    pairs = changed_articles(library.family_passages(fam, old_v), library.family_passages(fam, new_v))
    if turn.ref.clause:
        pairs = [(a, b) for a, b in pairs if turn.ref.clause in (getattr(a, "article_no", 0), getattr(b, "article_no", 0))]
        if not pairs:
            return f"《{new_doc.title}》第{int_to_cn(turn.ref.clause)}条在 {old_v} 版和 {new_v} 版中文字相同。"
    lines = [f"《{new_doc.title}》{old_v} 版与 {new_v} 版相比，有 {len(pairs)} 条不同" +
             (f"（列出前 {CHANGES_MAX} 条）" if len(pairs) > CHANGES_MAX else "") + "："]
    for a, b in pairs[:CHANGES_MAX]:
        label = (b or a).article
        old = f"{a.text}[{cites.cite(Hit(a, 0.0, via='version'), 0, len(a.text))}]" if a else "（无此条）"
        new = f"{b.text}[{cites.cite(Hit(b, 0.0, via='version'), 0, len(b.text))}]" if b else "（已删除）"
        lines.append(f"【{label}】\n{old_v} 版：{old}\n{new_v} 版：{new}")
    return "\n".join(lines)


def _relation_answer(index, turn: Turn, hits: list[Hit], cites: _Citations,
                     consequence_only: bool = False) -> tuple[str, Relation] | None:
    """Answer 「X 发现…应当向谁报告」 from the relation table: the best-matching row, its
    arrow, then the sentence it comes from, and what happens when the report is not made."""
    q = bigrams(turn.query)
    rank_of = {h.passage.id: r for r, h in enumerate(hits)}
    best, best_score = None, 0.0
    for rel, (reporter, condition) in zip(index.relations, index.relation_grams):
        who = contained(reporter, q)
        cond = contained(condition, q) if rel.condition else 0.0
        r = rank_of.get(rel.passage_id)
        score = who + 0.6 * cond + (0.5 / (1 + r) if r is not None else 0.0) + (0.1 if rel.recipient else 0)
        if score > best_score:
            best, best_score = rel, score
    if best is None or best_score < 0.6 or (consequence_only and not best.consequence):
        return None
    hit = next((h for h in hits if h.passage.id == best.passage_id), None)
    if hit is None:
        passage = index.passage_by_id[best.passage_id]
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
