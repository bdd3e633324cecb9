"""The typed document and passage that flow from ingest through index, search and answer."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field, fields
from enum import Enum

from ..text.numerals import int_to_cn
from ..text.outline import BY_NAME


class Kind(str, Enum):
    """What a passage is: the unit a citation names."""
    ARTICLE = "article"      # 第X条 of a regulation or law (its paragraphs are 款)
    CLAUSE = "clause"        # （X） of a policy document
    PART = "part"            # a policy document's 一、 heading (looked up, not searched)
    DIVISION = "division"    # 编/章/节 heading (looked up, not searched)
    TEXT = "text"            # paragraphs of a news item or of text outside any unit

    def __str__(self) -> str:
        return self.value


HEADINGS = (Kind.PART, Kind.DIVISION)


@dataclass
class Passage:
    id: str
    doc_id: str
    source: str
    title: str
    kind: Kind
    text: str
    start: int
    end: int
    line: int
    part_no: int = 0
    part: str = ""       # 「三、加强同级领导班子监督」
    clause_no: int = 0
    clause_title: str = ""
    section: str = ""
    sources: list[dict] = field(default_factory=list)
    variants: list[dict] = field(default_factory=list)
    article_no: int = 0          # 第五条 -> 5
    article_sub: int = 0         # 第五条之一 -> 1
    divisions: list[str] = field(default_factory=list)   # 「第二章 接待管理」, 「第一节 …」 above it
    chapter_no: int = 0
    page: int = 0                # first and last page (PDF, Word page breaks); 0 when unknown
    page_end: int = 0
    version: str = ""            # the dated version it belongs to (YYYY-MM-DD), if the document has one

    def __post_init__(self):
        self.kind = Kind(self.kind)

    @property
    def clause(self) -> str:
        return f"（{int_to_cn(self.clause_no)}）" if self.clause_no else ""

    @property
    def article(self) -> str:
        return BY_NAME["条"].label(self.article_no, self.article_sub) if self.article_no else ""

    @property
    def label(self) -> str:
        """The unit's own number as the document writes it: 第五条, （十四）, or the part heading."""
        return self.article or self.clause or (self.text if self.kind in HEADINGS else "")

    @property
    def path(self) -> list[str]:
        """document › 第二章 接待管理 › 第五条 (or › 三、… › （十四）)."""
        steps = [f"《{self.title}》", *self.divisions]
        if self.kind in HEADINGS:
            return steps + ([self.text] if self.text not in steps else [])
        if self.part:
            steps.append(self.part)
        if self.section:
            steps.append(self.section)
        if self.article or self.clause:
            steps.append(self.article or self.clause)
        return steps

    def where(self, paragraph: int = 0) -> str:
        """Where in its document a passage stands, for a citation: 「第三章 接待管理 第七条 第二款（第2页）」,
        「三、加强同级领导班子监督 （十四）」, or a news item's section."""
        steps = [*self.divisions, self.part, self.article or self.clause]
        if paragraph:
            steps.append(f"第{int_to_cn(paragraph)}款")
        text = " ".join(x for x in steps if x) or self.section
        if self.page:
            pages = f"{self.page}–{self.page_end}" if self.page_end > self.page else str(self.page)
            text += f"（第{pages}页）"
        return text

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["kind"] = self.kind.value
        d.update(clause=self.clause, article=self.article, label=self.label, path=self.path)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Passage":
        names = _FIELDS.get(cls) or _FIELDS.setdefault(cls, frozenset(f.name for f in fields(cls)))
        return cls(**{k: v for k, v in d.items() if k in names})


_FIELDS: dict[type, frozenset] = {}     # field names per class: asked 100k times when an index loads


@dataclass
class Document:
    id: str
    source: str
    title: str
    text: str
    date: str = ""
    subtitle: str = ""
    bylines: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    lines: list[tuple[int, int]] = field(default_factory=list)   # (offset in text, source line)
    passages: list[Passage] = field(default_factory=list)
    untitled: bool = False
    pages: list[int] = field(default_factory=list)   # 1-based source line each page starts on
    version: str = ""      # date of this version (file name 「…(2018-03-20)」 or the text's own date)
    family: str = ""       # documents with the same family are versions or copies of one text

    def page_at(self, offset: int) -> int:
        """1-based page of a text offset, 0 when the file has no pages."""
        line = self.line_at(offset)
        return bisect.bisect_right(self.pages, line) if self.pages else 0

    def line_at(self, offset: int) -> int:
        """Source line of a text offset: the last line starting at or before it (lines are in text order)."""
        if not self.lines:
            return 0
        i = bisect.bisect_right(self.lines, offset, key=lambda x: x[0])
        return self.lines[max(i - 1, 0)][1]

    def to_dict(self) -> dict:
        return {"id": self.id, "source": self.source, "title": self.title, "text": self.text,
                "date": self.date, "subtitle": self.subtitle, "bylines": self.bylines,
                "captions": self.captions, "lines": self.lines, "untitled": self.untitled,
                "pages": self.pages, "version": self.version, "family": self.family}


