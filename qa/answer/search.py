"""The answer to a question that names no unit: the best sentences of the top passages, quoted and cited,
once the judge finds the documents answer it; otherwise an honest refusal, with the related rules shown
as related."""
from __future__ import annotations

from dataclasses import dataclass

from ..ingest import Kind
from ..search import Hit, Retriever
from ..text import STOPWORDS, is_bigram_token, lead_in, load_segmenter, tokenize
from .ask import Ask
from .citations import Citations, repeal_note
from .judge import Evidence, Judgement, judge, key_terms, term_weights
from .types import RELATED_HEADING, Answer, Citation, Intent, Verdict

MAX_SENTENCES = 3
SENTENCE_SLACK = 0.015       # other sentences join the best one when this close to it
PASSAGE_SHARE_MIN = 0.7      # a passage contributes sentences only if its fused score is this close to the top


@dataclass
class Sentence:
    """A candidate sentence of the answer: a span of one hit's passage text."""
    score: float
    rank: int                # of its passage among the hits
    start: int
    end: int
    hit: Hit
    lead: tuple[int, int] | None = None   # an item's lead-in sentence (「有下列情形之一的，给予…处分：」)

    @property
    def text(self) -> str:
        return self.hit.passage.text[self.start:self.end]

    @property
    def read_as(self) -> str:
        """The sentence as a reader takes it: an item with the sentence that introduces it."""
        return (self.hit.passage.text[self.lead[0]:self.lead[1]] if self.lead else "") + self.text


def compose(ask: Ask, cites: Citations) -> Answer:
    hits = ask.hits
    if not hits:
        return ask.answer(_not_found_text(ask.question, hits), False, Intent.NOT_FOUND, [])
    chosen = pick_sentences(ask)
    verdict = _judge(ask, chosen)
    judged = dict(verdict=verdict.verdict, missing=verdict.missing, signals=verdict.signals)
    if verdict.signals.get("later_than_library"):
        text = (f"文档中没有「{ask.question}」所问的{verdict.missing[0]}：文档提到的年份最晚是 "
                f"{verdict.signals['newest_year']} 年。")
        return ask.answer(text, False, Intent.NOT_FOUND, [], **judged)
    if verdict.verdict == Verdict.NOT_IN_DOCUMENTS and not (verdict.signals["on_topic"] and chosen):
        return ask.answer(_not_found_text(ask.question, hits), False, Intent.NOT_FOUND, [], **judged)
    text = "".join(_quoted(s, cites) for s in chosen)
    if verdict.verdict == Verdict.NOT_IN_DOCUMENTS:      # on topic, but the asked thing is not there
        return ask.answer(_related_text(ask.question, verdict.missing, text), False, Intent.NOT_FOUND,
                          cites.items, **judged)
    if verdict.verdict == Verdict.PARTLY:
        text += f"\n（文档中没有规定所问的{'、'.join(verdict.missing)}。）"
    text += _version_note(ask.retriever, cites.items) + repeal_note(ask, cites)
    return ask.answer(text, True, Intent.SEARCH, cites.items, **judged)


def _quoted(s: Sentence, cites: Citations) -> str:
    """A chosen sentence as the answer quotes it: an item after its lead-in, both cited."""
    quote = f"{s.text}[{cites.cite(s.hit, s.start, s.end)}]"
    if not s.lead:
        return quote
    lead_text = s.hit.passage.text[s.lead[0]:s.lead[1]]
    gap = "……" if s.hit.passage.text[s.lead[1]:s.start].strip() else ""
    return f"{lead_text}[{cites.cite(s.hit, *s.lead)}]{gap}{quote}"


def _words(text: str) -> list[str]:
    return [t for t in tokenize(text) if not is_bigram_token(t) and t not in STOPWORDS]


def _coverage(question_words: list[str], text_tokens) -> float:
    return sum(w in text_tokens for w in question_words) / max(len(question_words), 1)


def pick_sentences(ask: Ask) -> list[Sentence]:
    """The best sentences of the top passages, in reading order."""
    turn, hits, retriever = ask.turn, ask.hits, ask.retriever
    q_words = _words(turn.query)
    focus = _words(turn.question) if turn.previous else []
    top_score = hits[0].score
    scored = []
    for rank, h in enumerate(hits[:3]):
        if rank and h.score < PASSAGE_SHARE_MIN * top_score:
            continue
        units = retriever.sentences(h.row)
        if not units:
            continue
        sims = retriever.index.unit_matrix[units] @ ask.qvec[0]
        for u, sim in zip(units, sims):
            _, s, e = retriever.index.units[u]
            sent_tokens = set(tokenize(h.passage.text[s:e]))
            score = float(sim) + 0.1 * _coverage(q_words, sent_tokens) + 0.1 * _coverage(focus, sent_tokens)
            scored.append(Sentence(score, rank, s, e, h))
    if not scored:
        return []
    scored.sort(key=lambda x: -x.score)
    best = scored[0].score
    chosen = [x for x in scored if x.score >= best - SENTENCE_SLACK][:MAX_SENTENCES]
    chosen.sort(key=lambda x: (x.rank, x.start))
    # a lead-in chosen on its own, or already quoted before an earlier item, is not repeated
    quoted = {(x.hit.row, x.start) for x in chosen}
    for x in chosen:
        if x.hit.passage.kind == Kind.ARTICLE:
            lead = lead_in(x.hit.passage.text, x.start)
            if lead and (x.hit.row, lead[0]) not in quoted and lead[1] <= x.start:
                x.lead = lead
                quoted.add((x.hit.row, lead[0]))
    return chosen


def _judge(ask: Ask, chosen: list[Sentence]) -> Judgement:
    vocabulary = ask.retriever.vocabulary
    # coverage is read in the passages the sentences come from, with their headings: a sentence's
    # subject often stands one sentence earlier (「他表示」) or in the clause title
    passages = {s.hit.passage.id: s.hit.passage for s in chosen}
    context = "".join(p.text + p.clause_title + " ".join(p.divisions) for p in passages.values())
    terms = key_terms(ask.turn.query, lambda t: load_segmenter().lcut(t, HMM=True))
    return judge(Evidence(
        question=ask.question, sentences=[s.read_as for s in chosen], context=context,
        dense=max(h.sentence_score for h in ask.hits[:3]),
        weights=term_weights(terms, vocabulary.idf, vocabulary.typical_idf),
        in_corpus=vocabulary.in_corpus, thesaurus=vocabulary.thesaurus,
        fused=[h.score for h in ask.hits[:2]], passage_ids=[s.hit.passage.id for s in chosen],
        lexical=ask.hits[0].lexical,
        headings=" ".join(h.passage.title + " " + h.passage.clause_title + " " + " ".join(h.passage.divisions)
                          for h in ask.hits[:3]),
        hit_docs=[h.passage.doc_id for h in ask.hits[:5]],
        hit_dense=[h.dense for h in ask.hits], hit_lexical=[h.lexical for h in ask.hits],
        newest_year=vocabulary.newest_year,
        scopes=[s.hit.passage.text if s.hit.passage.kind == Kind.ARTICLE else s.read_as for s in chosen]))


def _version_note(retriever: Retriever, citations: list[Citation]) -> str:
    """Which dated version the answer comes from, when its document has several."""
    library = retriever.library
    notes = []
    for c in citations:
        if c.version:
            fam = library.family_of.get(c.doc_id, "")
            others = [v for v in library.versions(fam) if v != c.version] if fam else []
            note = f"（依据《{c.title}》{c.version} 版" + (f"；另有 {'、'.join(others)} 版" if others else "") + "）"
            if note not in notes:
                notes.append(note)
    return ("\n" + "\n".join(notes)) if notes else ""


def _not_found_text(question: str, hits: list[Hit]) -> str:
    tail = "下面列出的段落可能相关，仅供参考。" if hits else ""
    return f"文档中没有找到能回答「{question}」的内容。{tail}"


def _related_text(question: str, missing: list[str], related: str) -> str:
    """The documents speak of the topic but do not give what was asked: say so on a line of its own
    (no [n]: nothing is cited for what is not there), then show what they do say under a heading
    that marks it as related rather than the answer."""
    return f"文档中没有规定「{question}」所问的{'、'.join(missing)}。\n{RELATED_HEADING}：\n{related}"
