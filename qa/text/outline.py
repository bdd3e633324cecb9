"""The outline levels of Chinese regulations and policy documents, as a table that the parser walks."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .numerals import CN_NUMERAL_CHARS, NUMERAL, cn_to_int, int_to_cn

NUM = NUMERAL
_CN = CN_NUMERAL_CHARS
_SP = r"[\s\u3000]"


@dataclass(frozen=True)
class Level:
    """One row of the outline table.

    kind: what the parser does with a line that starts this way —
      "division" (编/分编/章/节, and the unnumbered 附则: a heading that groups articles),
      "article"  (条: starts a unit of citation; its paragraphs are 款),
      "part"     (一、: a policy document's top-level heading),
      "clause"   (（一）: a unit of citation in a policy document, a 项 inside an article),
      "item"     (1. / （1）: always inside the unit above it).
    rank: depth, smaller is higher; a line closes every open level of the same or a deeper rank.
    """
    name: str
    kind: str
    rank: int
    pattern: re.Pattern
    numbered: bool = True      # 附则 has no number: the whole line is the heading

    def label(self, number: int, sub: int = 0) -> str:
        """How the document itself writes this number: 第五条, 第三条之一, 第二章, （七）."""
        if not self.numbered:
            return self.name
        n = int_to_cn(number)
        if self.kind in ("division", "article"):
            return f"第{n}{self.name}" + (f"之{int_to_cn(sub)}" if sub else "")
        if self.kind == "part":
            return f"{n}、"
        if self.name == "项":
            return f"（{n}）"
        return f"{number}."


def _row(name, kind, rank, pattern, numbered=True) -> Level:
    return Level(name, kind, rank, re.compile(pattern), numbered)


# A new document style is a new row here, not a new branch in the parser.
LEVELS: tuple[Level, ...] = (
    _row("编", "division", 1, rf"^第({NUM})编(?:{_SP}*([^。，；：\s\u3000][^。，；：]{{0,39}}))?$"),
    _row("分编", "division", 2, rf"^第({NUM})分编(?:{_SP}*([^。，；：\s\u3000][^。，；：]{{0,39}}))?$"),
    # 附则 standing alone closes every division above it (the Civil Code's last part is no 编)
    _row("附则", "division", 1, rf"^附{_SP}*则$", numbered=False),
    _row("章", "division", 3, rf"^第({NUM})章(?:{_SP}*([^。，；：\s\u3000][^。，；：]{{0,39}}))?$"),
    _row("节", "division", 4, rf"^第({NUM})节(?:{_SP}*([^。，；：\s\u3000][^。，；：]{{0,39}}))?$"),
    _row("条", "article", 5, rf"^第({NUM})条(?:之({NUM}))?(?:{_SP}+|$)(.*)$"),
    _row("部分", "part", 1, rf"^([{_CN}]{{1,3}})、([^。！？]{{1,45}})$"),
    _row("项", "clause", 6, rf"^[（(]([{_CN}]{{1,4}})[)）]"),
    _row("目", "item", 7, r"^([0-9０-９]{1,2})[.．、](?![0-9])"),
    _row("目", "item", 8, r"^[（(]([0-9０-９]{1,2})[)）]"),
)
BY_NAME = {lv.name: lv for lv in LEVELS}


@dataclass(frozen=True)
class Match:
    level: Level
    number: int
    sub: int = 0          # 第三条之一 -> sub 1
    title: str = ""       # a division's or part's title; for an article, the text after its number
    head: int = 0         # length of the marker at the line's start (「第三条 」「（一）」)


def match_line(line: str) -> Match | None:
    """The outline level a line starts, if any: the first row of the table that fits."""
    line = line.strip()
    for lv in LEVELS:
        m = lv.pattern.match(line)
        if not m:
            continue
        if not lv.numbered:
            return Match(lv, 0, 0, lv.name, len(line))
        number = cn_to_int(m.group(1))
        if not number:
            continue
        if lv.kind == "article":
            sub = cn_to_int(m.group(2)) if m.group(2) else 0
            return Match(lv, number, sub or 0, (m.group(3) or "").strip(), m.start(3))
        if lv.kind in ("division", "part"):
            return Match(lv, number, 0, (m.group(2) or "").strip(), m.end(1))
        return Match(lv, number, 0, "", m.end())
    return None


# Paragraphs of an article that are items, not 款: 「（一）」「1.」「（1）」 lines belong to the 款 before them.
_ITEM_START = re.compile(r"^[（(](?:[一二三四五六七八九十]{1,3}|[0-9]{1,2})[)）]|^[0-9]{1,2}[.．、](?![0-9])")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """The 款 of an article's text as spans: every line that is not an item starts one; items
    stay with the 款 above them. Offsets are into `text`."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            continue
        if spans and _ITEM_START.match(line.strip()):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def lead_in(text: str, start: int) -> tuple[int, int] | None:
    """The sentence that introduces the item at `start` (「有下列行为之一的，给予警告处分：」), as a span of
    `text`: the last sentence of its 款's first line, when that line ends with a colon. None when the
    offset is in no item, or its 款 has no such line. Offsets are into `text`."""
    line_start = text.rfind("\n", 0, start) + 1
    if not _ITEM_START.match(text[line_start:start + 8].strip()):
        return None
    para = next(((s, e) for s, e in paragraphs(text) if s <= start < e), None)
    if para is None:
        return None
    first_end = text.find("\n", para[0], para[1])
    first_end = para[1] if first_end < 0 else first_end
    head = text[para[0]:first_end].rstrip()
    if para[0] == line_start or not head.endswith(("：", ":")):
        return None
    cut = max(head.rfind(c, 0, len(head) - 1) for c in "。！？")   # its 「；」 clauses are one lead-in
    return para[0] + cut + 1, para[0] + len(head)


def items(text: str) -> list[tuple[int, int, int]]:
    """The 项 of an article's text as (number, start, end)."""
    out, pos = [], 0
    for line in text.split("\n"):
        m = re.match(r"^[（(]([一二三四五六七八九十]{1,3})[)）]", line)
        if m and cn_to_int(m.group(1)):
            out.append((cn_to_int(m.group(1)), pos, pos + len(line)))
        pos += len(line) + 1
    return out
