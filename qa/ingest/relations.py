"""Who reports to whom: reporting obligations read out of the passages with plain patterns, when an index is built."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from .documents import Kind, Passage
from ..text.chars import sentence_spans
from ..text.numerals import ARTICLE_LABEL

VERBS = "报告|反映|汇报|请示|通报|报送|备案"
# 「向上级纪委和同级党委主要负责人报告」, 「实名向中央纪委常委会反映」
_TO = re.compile(rf"向((?:(?!向)[^，。；：])+?)(?:及时|如实|全面准确)?({VERBS})")
# 「党委（党组）要……经常听取纪检监察机关、党的工作机关相关报告」
_HEAR = re.compile(r"听取((?:(?!听取)[^，。；])+?)(?:的)?(?:相关|情况)?(报告|汇报)")
# 「下级“一把手”在上级党委常委会（党组）扩大会议上述责述廉」
_DUTY = re.compile(r"((?:下级|上级)?“一把手”)在([^，。；]+?)上(述责述廉|述职)")
# 「对社会反映突出、群众评价较差的领导干部情况进行及时报告」: no recipient written
_NO_TO = re.compile(r"对([^，。；]+?)进行(?:及时)?(报告)")
# 「将监督下级“一把手”情况作为每年述职的重点内容」
_REVIEW = re.compile(r"将([^，。；]+?)作为(?:每年)?(述职)的重点内容")
_ACTOR = re.compile(r"委|组|部|机关|党组织|党中央|负责人|书记|成员|干部|一把手|班子|人|单位|部门|会|机构|政府|党委"
                    r"|[局处科市县区乡镇省院校厅司行社所站队室]长|主任|主席|领导")
_LEAD_VERB = re.compile(r"^(落实|建立|坚持|推动|加强|完善)")
_MODAL = re.compile(r"(应当|必须|要|可以|可|须|应|及时|直接|如实|按程序|实名|坚决|还)+$")
_SUBJECT_END = re.compile(r"应当|必须|要|可以|可直接|须|应|发现|对|在|通过|同|之间|，")
_CONSEQUENCE = re.compile(r"(不报告|不如实报告|不按要求报告|隐瞒不报|拒不报告|瞒报|漏报)[^。；]*")
_CONDITION = re.compile(r"(发现[^，。；]*?(?:的|时)?)(?=[，,]|$|向|及时|应当|可)")
# 「接待清单应当报本级财政部门备案」「报国务院批准」: filing with or approval by a body
_FILE = re.compile(r"(?<![向汇通情申])报(?!告|送|道|名|销|酬|警|刊)((?:(?!报)[^，。；：、])+?)(备案|批准|审批|核准)")
_ARTICLE_MARK = re.compile(rf"^{ARTICLE_LABEL}[\s\u3000]*")
# every pattern above needs one of these words: a passage without any is skipped unread
_ANY_VERB = re.compile(rf"{VERBS}|述职|述责述廉|批准|审批|核准")
_FACING = re.compile(r"对((?:来自)?[^，。；]+?(?:行为|问题))(?:应当|要)")


@dataclass
class Relation:
    reporter: str
    recipient: str
    verb: str
    condition: str
    consequence: str
    sentence: str
    passage_id: str
    source: str
    title: str
    part: str
    clause: str
    start: int          # offsets of the sentence inside the passage text
    end: int

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def arrow(self) -> str:
        return f"{self.reporter or '（未写明）'} → {self.recipient or '（未写明）'}（{self.verb}）"


def _clean(phrase: str) -> str:
    phrase = _MODAL.sub("", phrase.strip("，、 "))
    phrase = re.sub(r"^(应当|要|可|及时|直接|并|和|或者|还)+", "", phrase)
    phrase = _LEAD_VERB.sub("", phrase)
    return phrase.strip("，、 ")


def _actor(phrase: str) -> bool:
    return bool(phrase) and len(phrase) <= 24 and bool(_ACTOR.search(phrase))


def _subject(segment: str) -> str:
    """The subject at the start of a sentence: the words before its first modal or condition."""
    segment = _ARTICLE_MARK.sub("", segment)
    m = _SUBJECT_END.search(segment)
    head = segment[:m.start()] if m else ""
    head = _LEAD_VERB.sub("", head.strip("，、 "))
    return head if 1 < len(head) <= 30 and _actor(head) else ""


def extract_relations(passages: list[Passage]) -> list[Relation]:
    out: list[Relation] = []
    for p in passages:
        if p.kind == Kind.PART or not _ANY_VERB.search(p.text):
            continue
        text = p.text
        spans = sentence_spans(text, lines=True)
        subject = ""
        body_start = 0
        if p.clause_no and spans:       # the clause's title sentence names no actor
            body_start = 1
        later_consequence = {}
        for n in range(len(spans)):
            rest = [text[a:b] for a, b in spans[n + 1:] if _CONSEQUENCE.match(text[a:b])]
            later_consequence[n] = rest[0] if rest else ""

        def add(reporter, recipient, verb, condition, consequence, s, e):
            reporter, recipient = _clean(reporter), _clean(recipient)
            if not _actor(reporter) or (recipient and not _actor(recipient)):
                return
            out.append(Relation(reporter=reporter, recipient=recipient, verb=verb, condition=condition,
                                consequence=consequence, sentence=text[s:e], passage_id=p.id,
                                source=p.source, title=p.title, part=p.part, clause=p.label if p.kind != Kind.TEXT else "",
                                start=s, end=e))

        for n, (s, e) in enumerate(spans):
            sent = text[s:e]
            if n < body_start:
                continue
            subject = _subject(sent) or subject
            consequence = later_consequence[n]
            for m in _TO.finditer(sent):
                before = sent[:m.start()]
                local = before[max(before.rfind("；"), before.rfind("。")) + 1:]
                reporter = _subject(local) or subject
                if local.startswith(("对", "发现")) and "的，" in local:
                    reporter = _clean(local[local.rfind("的，") + 2:]) or reporter
                conds = list(_CONDITION.finditer(local))
                facing = _FACING.search(local)
                condition = conds[-1].group(1) if conds else (facing.group(1) if facing else "")
                if not condition:
                    mm = re.match(r"对(.+?的)，", local)
                    condition = mm.group(1) if mm else ""
                own = _CONSEQUENCE.search(sent, m.end())
                tail = _tail_consequence(sent[m.end():])
                add(reporter, m.group(1), m.group(2), condition,
                    tail or (sent[own.start():] if own else "") or consequence, s, e)
            for m in _FILE.finditer(sent):
                if not _TO.search(sent, m.start(), m.end()):
                    before = sent[:m.start()]
                    local = before[max(before.rfind("；"), before.rfind("。")) + 1:]
                    add(_subject(local) or subject, m.group(1), m.group(2), "", "", s, e)
            for m in _HEAR.finditer(sent):
                reporter = re.split(r"履行|落实|遵守", m.group(1))[0]
                add(reporter, _subject(sent[:m.start()]) or subject, m.group(2), "", "", s, e)
            for m in _DUTY.finditer(sent):
                add(m.group(1), m.group(2), m.group(3), "", "", s, e)
            for m in _NO_TO.finditer(sent):
                if not _TO.search(sent):
                    add(subject, "", m.group(2), m.group(1), consequence, s, e)
            for m in _REVIEW.finditer(sent):
                add(_subject(sent) or subject, "", m.group(2), f"重点内容：{m.group(1)}", "", s, e)
    return _dedupe(out)


def _tail_consequence(tail: str) -> str:
    m = re.search(r"对[^，。；]*(隐瞒不报|不报告)[^。；]*", tail)
    return m.group(0) if m else ""


def _dedupe(relations: list[Relation]) -> list[Relation]:
    seen, out = set(), []
    for r in relations:
        key = (r.reporter, r.recipient, r.verb, r.clause, r.title)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
