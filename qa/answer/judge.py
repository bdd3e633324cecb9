"""Is what was asked in the documents? A verdict — answered, partly, not in the documents — from named signals.

Each signal is a small pure function of the question and the candidate sentences. `judge` combines
them with a logistic regression fitted on real and near-topic question sets (bench/calibrate.py) whose
coefficients are data in judge.json, next to this module; then the question's slots (a time limit, an
amount, a body…) must be filled by a quoted sentence. The answer module only assembles text around the verdict.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..search import Thesaurus
from ..text import fold
from .slots import asked_slots, later_than_library, slot_filled, slot_vague
from .types import Verdict

ANSWERED, PARTLY, NOT_IN_DOCUMENTS = Verdict.ANSWERED, Verdict.PARTLY, Verdict.NOT_IN_DOCUMENTS
MODEL_FILE = Path(__file__).with_name("judge.json")

# Words a question uses to ask, not to say what it is about.
QUESTION_WORDS = frozenset(
    "多少 几 什么 哪 哪个 哪些 哪里 谁 怎么 怎样 如何 是否 吗 呢 吧 要不要 能不能 可不可以 会不会 该不该 "
    "有没有 是不是 应该 应当 需要 可以 能 要 会 该 么 啥 咋 怎么办 怎么样 为什么 多久 多长 时间 "
    "情况 问题 规定 要求 内容 方面 有关 相关 一下 请问 具体 主要 一些 这个 那个 之间 进行 开展 "
    "文件 文档 里面 说 讲 提到 写 指 意思 为啥 干什么 干嘛".split())


@dataclass
class Evidence:
    """What the judge weighs: the question, the candidate sentences and what surrounds them."""
    question: str
    sentences: list[str]             # the sentences an answer would quote
    context: str                     # their passages with headings: a subject often stands a sentence earlier
    dense: float                     # best sentence cosine among the top passages
    weights: dict[str, float]        # the question's key terms -> weight (idf)
    in_corpus: Callable[[str], bool]  # does some passage use this word
    thesaurus: Thesaurus
    fused: list[float]               # fused scores of the top two passages
    passage_ids: list[str]           # the passage of each sentence
    lexical: float = 0.0             # BM25 score of the top passage
    headings: str = ""               # titles and 编/章/节 headings of the top passages
    hit_docs: list[str] = field(default_factory=list)   # the document of each top hit, best first
    hit_dense: list[float] = field(default_factory=list)    # passage cosines of all fused hits, best first
    hit_lexical: list[float] = field(default_factory=list)  # their BM25 scores
    # what each sentence is read as being about: its whole article when it is one of a law's (a long
    # situation question shares few words with 「由行为人承担侵权责任」 but many with its article),
    # else the sentence itself (a news page's next sentence is on another subject)
    scopes: list[str] = field(default_factory=list)
    newest_year: int = 0             # the latest year the library mentions (0: unknown)


@dataclass
class Judgement:
    verdict: Verdict
    missing: list[str] = field(default_factory=list)   # what the documents do not give (时限, 金额…)
    signals: dict = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return self.verdict != NOT_IN_DOCUMENTS


@lru_cache(maxsize=1)
def model() -> dict:
    """The fitted decision: feature names, their centring and scale, weights, bias and the cut."""
    return json.loads(MODEL_FILE.read_text(encoding="utf-8"))


# -- signals: each a small pure function -------------------------------------------------------

def key_terms(question: str, segment) -> list[str]:
    """The words the question is about: its words minus those that only ask. `segment` should
    find new words (names: 蓝佛安), so jieba's HMM is on here."""
    words = []
    for w in segment(fold(question)):
        w = w.strip()
        if len(w) < 2 or w in QUESTION_WORDS or not re.search(r"[\u4e00-\u9fff\w]", w):
            continue
        if any(q in w for q in ("多少", "几个", "什么", "哪个", "怎么", "是否")):
            continue
        words.append(w)
    return list(dict.fromkeys(words))


def term_weights(terms: list[str], idf, unknown_idf: float) -> dict[str, float]:
    """Rarer words weigh more; a word the corpus never uses gets the highest weight."""
    return {t: (idf(t) or unknown_idf) for t in terms}


def covered(term: str, folded: str, thesaurus: Thesaurus) -> bool:
    """The term, or a word that stands for it, appears in the text (already folded: width and case aside)."""
    return any(v in folded for v in thesaurus.variants(term))


def coverage(weights: dict[str, float], text: str, thesaurus: Thesaurus) -> float:
    """Weighted share of the key terms found in the text."""
    total = sum(weights.values())
    if not total:
        return 1.0
    folded = fold(text)
    return sum(w for t, w in weights.items() if covered(t, folded, thesaurus)) / total


def unknown_share(weights: dict[str, float], in_corpus, thesaurus: Thesaurus) -> float:
    """Weighted share of key terms that no document uses, under any of their words (党费, 廉政保证金)."""
    total = sum(weights.values())
    if not total:
        return 0.0
    return sum(w for t, w in weights.items() if not any(in_corpus(v) for v in thesaurus.variants(t))) / total


def rare_coverage(weights: dict[str, float], text: str, thesaurus: Thesaurus, n: int = 2) -> float:
    """Share of the question's n rarest key terms found in the text: the words that say what a
    question is about (「商标」「录音」) matter more than its common ones."""
    rare = sorted(weights, key=lambda t: -weights[t])[:n]
    folded = fold(text)
    return sum(covered(t, folded, thesaurus) for t in rare) / len(rare) if rare else 1.0


def document_agreement(docs: list[str]) -> float:
    """Share of the top hits that come from the best hit's document: a question the library answers
    tends to land in one law; one it does not scatters over many."""
    return sum(d == docs[0] for d in docs) / len(docs) if docs else 0.0


def lift(scores: list[float], top: int = 3, background: int = 5) -> float:
    """How far the best of the first `top` scores stands above the mean of the scores from rank
    `background` on that the other retriever did not leave at 0: the same cosine means more in a
    library whose other passages score low, so this reads alike over five news pages and sixty laws."""
    rest = [x for x in scores[background:] if x > 0]
    if not scores or not rest:
        return 0.0
    return max(scores[:top]) - sum(rest) / len(rest)


def margin(scores: list[float]) -> float:
    """How far the best candidate stands above the next one."""
    return scores[0] - scores[1] if len(scores) > 1 else (scores[0] if scores else 0.0)


def agreement(passage_ids: list[str]) -> float:
    """1.0 when the chosen sentences come from one passage; lower as they scatter."""
    return 1.0 / len(set(passage_ids)) if passage_ids else 0.0


# -- the verdict ----------------------------------------------------------------------------------

def signals_of(e: Evidence) -> dict[str, float]:
    """The named signals the fitted decision weighs (their names are the features in judge.json)."""
    w, th = e.weights, e.thesaurus
    return {"dense": round(e.dense, 4),
            "coverage": round(coverage(w, e.context, th), 3),
            "sentence_coverage": round(coverage(w, " ".join(e.sentences), th), 3),
            "rare_coverage": round(rare_coverage(w, e.context, th), 3),
            "unknown": round(unknown_share(w, e.in_corpus, th), 3),
            "margin": round(margin(e.fused), 4),
            "agreement": round(agreement(e.passage_ids), 3),
            "lexical": round(math.log1p(max(e.lexical, 0.0)), 4),
            "heading_coverage": round(coverage(w, e.headings, th), 3),
            "document_agreement": round(document_agreement(e.hit_docs), 3),
            "dense_lift": round(lift(e.hit_dense), 4),
            "lexical_lift": round(math.log1p(max(lift(e.hit_lexical), 0.0)), 4),
            "terms": float(len(w))}


def answerable_probability(signals: dict[str, float], m: dict) -> float:
    """The logistic model's probability that the documents answer the question."""
    z = m["bias"] + sum(wt * (signals[f] - mu) / sd
                        for f, mu, sd, wt in zip(m["features"], m["mean"], m["scale"], m["weights"]))
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def _other_part_asked(question: str, filled: dict[str, bool]) -> bool:
    """「…是否负有及时通知义务？若出现损失，由谁承担？」: one of two questions asks no slot left empty,
    so an on-topic answer answers that part."""
    parts = [p for p in re.split(r"[？?]", question) if p.strip()]
    return len(parts) > 1 and any(all(filled.get(n, True) for n, _ in asked_slots(p)) for p in parts)


def judge(e: Evidence, fitted: dict | None = None) -> Judgement:
    """The verdict on the evidence; its named signals go with it so the JSON shows why."""
    m = fitted or model()
    question, sentences, weights, thesaurus = e.question, e.sentences, e.weights, e.thesaurus
    slots = asked_slots(question)
    scope = dict(zip(sentences, e.scopes or sentences))
    about = lambda s: coverage(weights, scope.get(s, s), thesaurus) >= m["anchor_min"]  # noqa: E731
    filled = {name: slot_filled(name, question, sentences, about, lambda s: scope.get(s, s)) for name, _ in slots}
    vague = [label for name, label in slots if not filled[name] and slot_vague(name, sentences)]
    signals: dict = signals_of(e)
    signals["probability"] = round(answerable_probability(signals, m), 4)
    signals["slots"] = {name: filled[name] for name, _ in slots}
    signals["on_topic"] = signals["probability"] >= m["cut"]
    missing = [label for name, label in slots if not filled[name]]
    later = later_than_library(question, e.newest_year)
    if later:
        signals.update(on_topic=False, later_than_library=later, newest_year=e.newest_year)
        return Judgement(NOT_IN_DOCUMENTS, [f"{later}年出台的文件"], signals)
    if not signals["on_topic"]:
        return Judgement(NOT_IN_DOCUMENTS, missing, signals)
    missing = [f"具体{x}" if x in vague else x for x in missing]    # 「定期」 is no frequency
    if missing:
        return Judgement(PARTLY if len(missing) < len(slots) or _other_part_asked(question, filled)
                         else NOT_IN_DOCUMENTS, missing, signals)
    return Judgement(ANSWERED, [], signals)
