"""What a question names: outline numbers (第七条第二款, （十四）, 第二章, 第三部分), a document by one of its
names, and a version year; all pure functions of the question text."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import NUMERAL, cn_to_int, text_key

_NUM = NUMERAL        # the numerals documents use (一千零七十九, 〇, 两): questions read the same ones
_CLAUSE = re.compile(rf"第\s*[（(]?({_NUM})[)）]?\s*条(?:之({_NUM}))?|(?<!第)[（(]({_NUM})[)）](?!\s*项)"
                     rf"|(?<![第\d])({_NUM})\s*条(?!件|例|规|线|路|措|款)")
_CHAPTER = re.compile(rf"第\s*({_NUM})\s*章")
_BOOK = re.compile(rf"第\s*({_NUM})\s*编")
_SUB_BOOK = re.compile(rf"第\s*({_NUM})\s*分编")
# 「婚姻家庭编第四章」: a 编 by its title, before a numbered unit inside it (编 alone is too common a character:
# 编制, 汇编). What stands before 编 is kept whole (「民法典婚姻家庭」); the library knows the titles and
# takes the one it ends with.
_BOOK_TITLED = re.compile(r"([\u4e00-\u9fff]{2,16})(?<![分第])编(?=\s*第)")
_ANNEX = re.compile(r"附\s*则")
# 「三、」 names a part; digits at the question's very start (「10、保管人发现…」) number the question itself
_PART = re.compile(rf"第\s*({_NUM})\s*(?:大)?部分|(?:^(?![0-9０-９])|(?<=[^\w]))({_NUM})、")
_LAST_PART = re.compile(r"最后(?:一)?(?:个|大)?部分")
_LAST_CLAUSE = re.compile(r"最后(?:一)?条")
_ITEM = re.compile(rf"第\s*[（(]?({_NUM})[)）]?\s*(款|句|项)")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年?\s*(?:版|修订|修正|修改|的|颁布|公布|施行|发布)")
_CHANGES = re.compile(r"修改了|修订了|改了|变了|变化|有什么不同|有何不同|区别|改动|修改的|新旧")
# The word a document's title ends with: what a person calls it for short (「意见」「条例」).
DOC_TYPES = ("实施细则", "细则", "条例", "规定", "办法", "意见", "决定", "通知", "准则", "规则", "章程",
             "制度", "方案", "纲要", "规划", "决议", "法")


@dataclass(frozen=True)
class Ref:
    clause: int = 0        # 第十四条 / （十四）: an article of a regulation, a clause of a policy document
    clause_sub: int = 0    # 第三条之一 -> 1
    chapter: int = 0
    book: int = 0          # 第三编: the 编 a chapter stands in, or the 编 itself
    book_title: str = ""   # 「…婚姻家庭编」: the words before 编, when the 编 is named by its title
    sub_book: int = 0      # 第四分编
    annex: bool = False    # 附则
    part: int = 0
    last_part: bool = False
    last_clause: bool = False
    item: int = 0          # 第二款 / 第二句 / 第（三）项
    item_unit: str = ""    # 款, 句 or 项
    year: str = ""         # 「2018年版…」: the version asked for

    def __bool__(self) -> bool:
        return bool(self.clause or self.chapter or self.book or self.sub_book or self.annex or self.part
                    or self.last_part or self.last_clause)


def _first_number(m: re.Match | None) -> int:
    if not m:
        return 0
    for g in m.groups():
        if g:
            return cn_to_int(g) or 0
    return 0


def find_ref(question: str) -> Ref:
    m = _CLAUSE.search(question)
    item = _ITEM.search(question)
    year = _YEAR.search(question)
    return Ref(clause=_first_number(m),
               clause_sub=(cn_to_int(m.group(2)) or 0) if m and m.group(2) else 0,
               chapter=_first_number(_CHAPTER.search(question)),
               book=_first_number(_BOOK.search(question)), annex=bool(_ANNEX.search(question)),
               book_title=titled.group(1) if (titled := _BOOK_TITLED.search(question)) else "",
               sub_book=_first_number(_SUB_BOOK.search(question)),
               part=_first_number(_PART.search(question)),
               last_part=bool(_LAST_PART.search(question)),
               last_clause=bool(_LAST_CLAUSE.search(question)),
               item=_first_number(item), item_unit=item.group(2) if item else "",
               year=year.group(1) if year else "")


def asks_for_changes(question: str) -> bool:
    return bool(_CHANGES.search(question))


_ISSUER_END = re.compile(r"(?:局|委员会|委|部|厅|院|府|办公室|办公厅|办|中心|署|总局|党组|党委|市|省|县|区|国务院)")


def key(text: str) -> str:
    """Letters, digits and Chinese only, lower-case: 《》, spaces and punctuation do not matter."""
    return text_key(text)


def aliases(title: str, short_names: tuple[str, ...] = ()) -> set[str]:
    """The names a person may use for a document: its full title, the title without
    「中华人民共和国」 or without the issuing body (「公务接待管理规定」 for 「某市机关事务管理局
    公务接待管理规定」), and short names the text defines for itself."""
    full = key(title)
    names = {full, *(key(s) for s in short_names)}
    if full.startswith("中华人民共和国"):
        names.add(full[len("中华人民共和国"):])
    for m in _ISSUER_END.finditer(full):
        rest = full[m.end():]
        if len(rest) >= 4 and rest.endswith(DOC_TYPES):
            names.add(rest)
            if rest.startswith("关于"):
                names.add(rest[2:])
    return {n for n in names if len(n) >= 3 or _short_name(n)}


def _short_name(name: str) -> bool:
    """「刑法」: two characters are a name when they end with a document type and are more than it."""
    return len(name) == 2 and name.endswith(DOC_TYPES) and name not in DOC_TYPES


def named(question: str, names: dict[str, set[str]]) -> list[str]:
    """The documents (keys of `names`) the question names, by their longest matching name;
    several when they share that name."""
    q = key(question)
    best, out = 0, []
    for doc, ns in names.items():
        length = max((len(n) for n in ns if n in q), default=0)
        if length > best:
            best, out = length, [doc]
        elif length and length == best:
            out.append(doc)
    return out


_CLAIMED = re.compile(rf"《?([^《》，。？?\s]{{2,40}}?(?:{'|'.join(DOC_TYPES)}))》?\s*(?:的)?\s*(?:第\s*[（(]?{_NUM}|最后|修改|修订)")


def claimed_name(question: str) -> str:
    """The document name a question gives before a unit (「食品安全法实施条例第十条」), if any;
    a bare type word (「意见的第三部分」) is not a name."""
    m = _CLAIMED.search(question)
    if not m:
        return ""
    name = re.sub(r"^(?:\d{4}\s*年?\s*版?|请问|查一下|看看)", "", m.group(1))
    if name.startswith(("这", "该", "本", "此", "那", "上述", "上面", "前面")):
        return ""          # 「这份规定第三条」 points back, it names nothing
    k = key(name)
    return name if k not in DOC_TYPES and (len(k) >= 3 or _short_name(k)) else ""


def type_word(question: str) -> str:
    """The document type a question mentions on its own (「意见的第三部分」 -> 意见)."""
    q = key(question)
    return next((t for t in DOC_TYPES if t in q), "")
