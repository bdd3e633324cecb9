"""Finding references to the outline in a question: 第十四条, （十四）, 第三部分, 最后一部分, 第二款."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .text import cn_to_int

_NUM = r"[0-9一二三四五六七八九十两]{1,4}"
_CLAUSE = re.compile(rf"第\s*[（(]?({_NUM})[)）]?\s*条|[（(]({_NUM})[)）]|(?<![第\d])({_NUM})\s*条(?!件|例|规|线|路|措)")
_PART = re.compile(rf"第\s*({_NUM})\s*(?:大)?部分|(?:^|[^\w])({_NUM})、")
_LAST_PART = re.compile(r"最后(?:一)?(?:个|大)?部分")
_LAST_CLAUSE = re.compile(r"最后(?:一)?条")
_ITEM = re.compile(rf"第\s*({_NUM})\s*(?:款|句|项)")


@dataclass(frozen=True)
class Ref:
    clause: int = 0
    part: int = 0
    last_part: bool = False
    last_clause: bool = False
    item: int = 0

    def __bool__(self) -> bool:
        return bool(self.clause or self.part or self.last_part or self.last_clause)


def _first_number(m: re.Match | None) -> int:
    if not m:
        return 0
    for g in m.groups():
        if g:
            return cn_to_int(g) or 0
    return 0


def find_ref(question: str) -> Ref:
    return Ref(clause=_first_number(_CLAUSE.search(question)),
               part=_first_number(_PART.search(question)),
               last_part=bool(_LAST_PART.search(question)),
               last_clause=bool(_LAST_CLAUSE.search(question)),
               item=_first_number(_ITEM.search(question)))
