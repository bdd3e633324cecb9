"""A lookup of a unit no document has (「第九十条讲了什么」 over documents of thirty articles): say so, with
the documents there are, instead of answering from whatever the words match."""
from __future__ import annotations

import re

from ..search import Ref, Resolution
from ..text import int_to_cn
from .ask import Ask
from .citations import Citations, repeal_note
from .types import Answer, Intent

# A reference with little else around it is a lookup (「第十五条讲了什么」).
_LOOKUP_Q = re.compile(r"^.{0,30}?(第.{1,6}[条章编款项]|[（(].{1,4}[)）]|第.{1,3}部分|附则).{0,14}$")


def compose(ask: Ask, cites: Citations) -> Answer | None:
    ref = ask.turn.ref
    unit = ref.clause or ref.chapter or ref.sub_book or ref.book or ref.annex or ref.part
    if not (unit and _LOOKUP_Q.match(ask.question)):
        return None
    text = _no_such_unit(ref, ask.resolution)
    if ask.resolution.unknown:
        text += repeal_note(ask, cites)
    return ask.answer(text, False, Intent.REFERENCE, cites.items)


def _titles(docs) -> str:
    return "、".join(f"《{d.title}》" for d in docs[:8] if not d.untitled) + ("等" if len(docs) > 8 else "")


def _no_such_unit(ref: Ref, resolution: Resolution) -> str:
    unit = (f"第{int_to_cn(ref.clause)}条" if ref.clause else f"第{int_to_cn(ref.chapter)}章" if ref.chapter
            else f"第{int_to_cn(ref.sub_book)}分编" if ref.sub_book else f"第{int_to_cn(ref.book)}编" if ref.book
            else "附则" if ref.annex else f"第{int_to_cn(ref.part)}部分")
    docs = resolution.candidates
    if resolution.unknown:
        return f"文档中没有名为《{resolution.unknown}》的文件，无法查到它的{unit}。现有文档：{_titles(docs)}。"
    if resolution.named and docs:
        d = docs[0]
        arts = sorted({p.article_no for p in d.passages if p.article_no})
        size = f"（共 {arts[-1]} 条）" if arts else ""
        return f"《{d.title}》没有{unit}{size}。"
    return f"文档中没有哪一份有{unit}。现有文档：{_titles(docs)}。"
