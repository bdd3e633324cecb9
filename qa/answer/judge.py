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
from ..text import NUMERAL, fold
from .types import Verdict

ANSWERED, PARTLY, NOT_IN_DOCUMENTS = Verdict.ANSWERED, Verdict.PARTLY, Verdict.NOT_IN_DOCUMENTS
MODEL_FILE = Path(__file__).with_name("judge.json")

# Amounts, not outline numbers: decimals, 万 and 半 count here.
_NUM = r"(?:\d+(?:\.\d+)?|[零〇一二三四五六七八九十两百千万]+|半)"
_CALENDAR = r"\d{1,4}\s*[年月日]|[一二三四五六七八九十]+月|之日起|起施行|今年|去年|当年"
# A law's 「什么时候」 is an event: 「继承从被继承人死亡时开始」「自贷款人提供借款时成立」「期满的」.
_EVENT_TIME = (r"(?:自|从|于)[^，。；：]{1,24}(?:时|之时|之日|以后|之后)|[^，。；：]{1,24}时(?:开始|成立|生效|终止|起)|"
               r"期满|届满|之日起")
# 「哪一年」「几月」 ask for a calendar date, which no event answers.
_CALENDAR_Q = re.compile(r"哪一?年|几月|哪一?天|哪个月")
# What a party of a law does: the verb after 「由…」 or after the party's name.
_DUTY = r"承担|负责|收取|赔偿|支付|交纳|缴纳|提供|决定|行使|办理|享有|取得|负担|补偿"
# The question's slots: what kind of thing it asks for, and what a sentence holding one looks like.
# (name, what the documents would have to give — shown in the answer, question pattern, filler pattern)
SLOTS = (
    ("money", "金额", r"多少钱|多少元|罚款多少|罚多少|收费标准|费用是多少|多少费|报名费|保证金|"
                      r"多少(?:补贴|补助|工资|津贴|报酬|奖金|经费|资金)|(?:补贴|补助|工资|津贴|报酬|奖金)(?:是)?多少",
     rf"{_NUM}\s*(?:万|千)?元"),
    ("deadline", "时限", r"(?:几|多少)个?(?:工作)?(?:日|天|月)内|多久(?:内|之内|以内)?(?:完成|办结|作出|报送|提交|答复|反馈)|"
                        r"时限|期限是|期限为|多长时间内|几个?月内|多少天内",
     rf"{_NUM}\s*个?(?:工作)?(?:日|天|月|年|小时)(?:内|以内|之内)|即时|当日|立即|及时"),
    ("frequency", "频次", r"多久[\u4e00-\u9fff]{0,12}一次|(?:每年|每月|每季度|一年|每届)(?:要)?(?:开|考|举行|进行|开展)?几次|"
                         r"几次|多长时间一次|频次|(?:每年|每月)开展几",
     rf"每(?:年|月|季度|半年|周|届)\s*(?:至少)?\s*(?:{_NUM}\s*次|一次)|{_NUM}\s*次"),
    ("duration", "年限或时长", r"几年|多少年|多长时间|多久|任期|几个月|多少天|多少个?小时",
     rf"{_NUM}\s*(?:个)?(?:年|月|天|日|小时|周)|永久|长期|终身"),
    ("count", "数量", r"多少(?:个|名|人|家|项|条|所|次|批|位|岁|级|分)|(?<!哪)几(?:个|名|人|家|项|条|所|批|位|岁)|多少$|多少？",
     rf"{_NUM}\s*(?:个|名|人|家|项|条|所|批|位|万|千|百|岁|级|分|倍)|\d+(?:\.\d+)?\s*%|百分之"),
    ("ratio", "比例", r"比例|百分之几|百分比|占多少|几成",
     r"\d+(?:\.\d+)?\s*%|百分之|分之|比例为|成"),
    ("date", "时间", r"哪一?年|何时|什么时候|什么时间|几月|哪一?天|哪个月",
     rf"{_CALENDAR}|{_EVENT_TIME}"),
    ("sanction", "处分或处罚", r"什么(?:党纪)?处分|什么处罚|怎么罚|怎样处罚|处以|降级|撤职|开除|罚款|受到什么",
     r"处分|罚款|警告|记过|降级|撤职|开除|追究.{0,6}责任|责令|没收|吊销|诫勉|问责|严肃处理|依规依纪|"
     r"依法处理|通报|停止"),
    ("body", "负责的机关或人员", r"由谁|谁(?:来|负责|打分|批准|审批|决定|审核|组织)|哪(?:个|家|些)(?:部门|机关|机构|单位|内设|公司|企业)|"
                               r"向谁|找谁|给谁|跟谁|什么部门|什么机关",
     r"委|部门|机关|机构|党组|党组织|政府|负责人|书记|组长|局|厅|院|办公室|小组|委员会|公司|企业|"
     # a law names its party as the subject: 「由所有人承担」「质权人有权收取」「业主应当交纳」
     # — or a duty whose subject stands earlier in the sentence (「堆放人不能证明…的，应当承担侵权责任」)
     rf"由[^，。；：]{{1,24}}(?:{_DUTY})|(?:人|者|方|主|单位)(?:仍然|仍|也|均|都)?(?:应当|有权|可以|依法)?(?:{_DUTY})|"
     rf"(?:应当|有权|须)(?:依法)?(?:{_DUTY})"),
)
_SLOTS = [(name, label, re.compile(q), re.compile(f)) for name, label, q, f in SLOTS]
# Words that answer 「多久一次」「多长时间内」 only loosely: the answer quotes them as related and says
# that no exact frequency or time limit is given.
_VAGUE = {"frequency": re.compile(r"定期|经常|每年|适时|不定期"), "deadline": re.compile(r"及时|尽快|按时|限期"),
          "duration": re.compile(r"定期|一定期限|规定的期限")}
# 「2024年又出台了哪些…新规定」: documents issued in a year. A year in a situation (「我2025年入职」) is no such ask.
_ISSUED_IN = re.compile(r"((?:19|20)\d\d)\s*年[^。？?，,]{0,8}?(?:又|新|最新)?(?:出台|发布|印发|颁布|修订|修改|新规|新政)")
# Unit the question counts in (几年 → 年): the sentence's quantity must be in the same unit.
_ASKED_UNIT = re.compile(r"(?:几|多少)\s*个?\s*(工作日|年|月|天|日|次|名|人|元|项|家|条|倍|岁|小时|周)")
_SAME_UNIT = {"天": "日|天", "日": "日|天", "工作日": "日|天|工作日", "人": "人|名", "名": "人|名"}
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

def asked_slots(question: str) -> list[tuple[str, str]]:
    """(slot, label) the question asks for; empty for 「什么/怎么/是否」 questions a sentence can
    answer without any particular kind of word. A more specific slot hides a broader one."""
    found = [(name, label) for name, label, q, _ in _SLOTS if q.search(question)]
    names = {n for n, _ in found}
    if "deadline" in names or "frequency" in names:
        found = [x for x in found if x[0] not in ("duration", "count")]
    if "money" in names:
        found = [x for x in found if x[0] not in ("count", "sanction")]
    return found


# 「多少名县处级干部」: what is counted. A sentence's number counts it only if the sentence names it.
_COUNTED = re.compile(r"(?:几|多少)\s*个?\s*(?:名|个|家|项|人|位|所|批|条|次)([\u4e00-\u9fff]{2,8})")


def slot_filled(slot: str, question: str, sentences: list[str], about=lambda s: True) -> bool:
    """Does one sentence hold a thing of the asked kind — in the question's unit, naming what the
    question counts (「多少名县处级干部」 is not answered by 「2000名市直机关干部」), and about what
    the question is about (`about`: a date in a sentence on another subject answers nothing)?"""
    counted = _COUNTED.search(question)
    for text in sentences:
        if counted and slot in ("count", "money", "frequency") and not _names(counted.group(1), text):
            continue
        if _sentence_fills(slot, question, text) and about(text):
            return True
    return False


def slot_vague(slot: str, sentences: list[str]) -> bool:
    """The sentences answer the slot only loosely (「定期」 for 「多久一次」)."""
    return slot in _VAGUE and any(_VAGUE[slot].search(s) for s in sentences)


def _names(noun: str, text: str) -> bool:
    """Most of the noun's character pairs are in the text (the noun, allowing a changed word)."""
    pairs = [noun[i:i + 2] for i in range(len(noun) - 1)]
    return sum(p in text for p in pairs) * 2 >= len(pairs)


def _sentence_fills(slot: str, question: str, text: str) -> bool:
    filler = next(f for name, _, _, f in _SLOTS if name == slot)
    text = re.sub(rf"第(?:{NUMERAL})[条章节款项]", "", text)   # 「第十条」 is no quantity
    if slot in ("duration", "count", "deadline", "frequency"):
        unit = _ASKED_UNIT.search(question)
        if unit:
            units = _SAME_UNIT.get(unit.group(1), unit.group(1))
            if slot == "duration" and re.search(r"永久|长期|终身", text):
                return True
            return bool(re.search(rf"{_NUM}\s*个?\s*(?:{units})", text))
    if slot == "date" and _CALENDAR_Q.search(question):
        return bool(re.search(_CALENDAR, text))
    return bool(filler.search(text))


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


def covered(term: str, text: str, thesaurus: Thesaurus) -> bool:
    """The term, or a word that stands for it, appears in the text (width and case folded)."""
    text = fold(text)
    return any(v in text for v in thesaurus.variants(term))


def coverage(weights: dict[str, float], text: str, thesaurus: Thesaurus) -> float:
    """Weighted share of the key terms found in the text."""
    total = sum(weights.values())
    if not total:
        return 1.0
    return sum(w for t, w in weights.items() if covered(t, text, thesaurus)) / total


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
    return sum(covered(t, text, thesaurus) for t in rare) / len(rare) if rare else 1.0


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


def later_than_library(question: str, newest_year: int) -> int:
    """The year a question asks for documents issued in, when the library mentions no year that late
    (0 otherwise): no passage can be a rule issued then."""
    m = _ISSUED_IN.search(question)
    year = int(m.group(1)) if m else 0
    return year if newest_year and year > newest_year else 0


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


def judge(e: Evidence, fitted: dict | None = None) -> Judgement:
    """The verdict on the evidence; its named signals go with it so the JSON shows why."""
    m = fitted or model()
    question, sentences, weights, thesaurus = e.question, e.sentences, e.weights, e.thesaurus
    slots = asked_slots(question)
    scope = dict(zip(sentences, e.scopes or sentences))
    about = lambda s: coverage(weights, scope.get(s, s), thesaurus) >= m["anchor_min"]  # noqa: E731
    filled = {name: slot_filled(name, question, sentences, about) for name, _ in slots}
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
        return Judgement(PARTLY if len(missing) < len(slots) else NOT_IN_DOCUMENTS, missing, signals)
    return Judgement(ANSWERED, [], signals)
