"""The answer contract: `Answer`, its `Citation`s and their `Quote`s, the `Intent` that produced it and the
`History` a follow-up reads. Each has one `to_dict`/`from_dict`; the dicts are the JSON of `qa ask --json`
and of the page's `/ask` endpoint (schema in the README)."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum

from ..ingest import Relation


class Intent(str, Enum):
    """Which composer answered."""
    CHANGES = "changes"          # what differs between two dated versions
    REFERENCE = "reference"      # the unit a question names (第七条第二款, （十四）, 第二章), or that it is absent
    RELATION = "relation"        # who reports to whom, from the relation table
    SEARCH = "search"            # sentences of the best passages, judged answerable
    NOT_FOUND = "not_found"      # the documents do not answer it


# The heading a refusal puts above the sentences it shows: they are near the question, not its answer.
RELATED_HEADING = "相关规定（不是答案）"


class Verdict(str, Enum):
    """The judge's finding on whether the documents answer the question."""
    ANSWERED = "answered"
    PARTLY = "partly"
    NOT_IN_DOCUMENTS = "not_in_documents"

    @property
    def label(self) -> str:
        return {"answered": "文档有答案", "partly": "部分回答", "not_in_documents": "文档中没有答案"}[self.value]


@dataclass
class Quote:
    """A span an answer quotes: offsets into the passage's text and into its document's text."""
    start: int
    end: int
    text: str
    doc_start: int
    doc_end: int

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict) -> "Quote":
        return cls(**{f.name: d[f.name] for f in fields(cls)})


@dataclass
class Citation:
    """One passage an answer cites ([rank] in its text) or lists as a source, with where it stands."""
    rank: int
    source: str                  # file name
    title: str                   # document title
    part: str                    # 「三、加强同级领导班子监督」
    clause: str                  # 「（十四）」
    clause_title: str
    section: str
    article: str                 # 「第五条」, 「第三条之一」
    divisions: list[str]         # 「第二章 接待管理」 and the like, above it
    path: list[str]              # document › divisions › part › unit
    page: int                    # first and last page; 0 when the file has no pages
    page_end: int
    version: str                 # the dated version (YYYY-MM-DD), if the document has several
    location: str                # for people: 「第三章 接待管理 第七条 第二款（第2页）」
    text: str
    start: int                   # offsets of `text` in the document's text
    end: int
    line: int                    # source line the passage starts on
    doc_id: str
    score: float                 # fused retrieval score (0 for a passage not ranked by search)
    dense: float
    lexical: float
    via: str                     # search | reference | version | relation
    sources: list[dict] = field(default_factory=list)    # every file holding this text
    variants: list[dict] = field(default_factory=list)   # word differences between those copies
    quotes: list[Quote] | None = None                    # the spans the answer quotes (citations only)

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "quotes"}
        if self.quotes is not None:
            d["quotes"] = [q.to_dict() for q in self.quotes]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Citation":
        names = {f.name for f in fields(cls)} - {"quotes"}
        quotes = d.get("quotes")
        return cls(**{k: v for k, v in d.items() if k in names},
                   quotes=None if quotes is None else [Quote.from_dict(q) for q in quotes])


@dataclass
class Answer:
    """What `QA.ask` returns: text built only from quoted sentences, each marked [n] for citations[n-1]."""
    question: str
    text: str                                  # JSON key "answer"
    found: bool                                # False: the documents do not answer (text says so)
    intent: Intent
    verdict: Verdict = Verdict.ANSWERED
    citations: list[Citation] = field(default_factory=list)
    passages: list[Citation] = field(default_factory=list)   # the top passages retrieved, cited or not
    query: str = ""                            # what retrieval saw (a follow-up adds the earlier question)
    followup_of: str = ""
    missing: list[str] = field(default_factory=list)         # what the documents do not give (时限, 金额…)
    signals: dict | None = None                # the judge's named signals, when it judged
    ambiguous: bool | None = None              # reference answers: several documents have the unit
    relation: Relation | None = None           # relation answers: the table row answered from
    scope: list[str] | None = None             # the titles searched, when the question was limited to them

    def to_dict(self) -> dict:
        d = {"question": self.question, "query": self.query, "followup_of": self.followup_of,
             "passages": [p.to_dict() for p in self.passages], "verdict": self.verdict.value,
             "missing": list(self.missing), "answer": self.text, "found": self.found,
             "intent": self.intent.value, "citations": [c.to_dict() for c in self.citations]}
        for name in ("signals", "ambiguous", "scope"):
            if getattr(self, name) is not None:
                d[name] = getattr(self, name)
        if self.relation is not None:
            d["relation"] = self.relation.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Answer":
        return cls(question=d["question"], text=d["answer"], found=d["found"], intent=Intent(d["intent"]),
                   verdict=Verdict(d.get("verdict", "answered")),
                   citations=[Citation.from_dict(c) for c in d.get("citations") or []],
                   passages=[Citation.from_dict(p) for p in d.get("passages") or []],
                   query=d.get("query", ""), followup_of=d.get("followup_of", ""),
                   missing=list(d.get("missing") or []), signals=d.get("signals"), ambiguous=d.get("ambiguous"),
                   relation=Relation(**d["relation"]) if d.get("relation") else None, scope=d.get("scope"))


@dataclass
class Exchange:
    """One earlier turn, as much of it as a follow-up needs."""
    question: str
    label: str = ""         # the unit the answer cited first (第七条, （十四）)
    doc_id: str = ""        # the document it cited first


@dataclass
class History:
    """Earlier turns, oldest first. Read from answers (`Answer` or their dicts) or from chat messages
    ({"role": "user", "content": …}); anything else in the list is skipped."""
    exchanges: list[Exchange] = field(default_factory=list)

    def last(self) -> Exchange | None:
        return self.exchanges[-1] if self.exchanges else None

    def to_dict(self) -> list[dict]:
        return [{"question": e.question, "label": e.label, "doc_id": e.doc_id} for e in self.exchanges]

    @classmethod
    def from_dict(cls, items) -> "History":
        out = []
        for item in items or []:
            if isinstance(item, Answer):
                item = item.to_dict()
            if not isinstance(item, dict):
                continue
            if item.get("role") == "user" and isinstance(item.get("content"), str):
                out.append(Exchange(item["content"]))
            elif isinstance(item.get("question"), str):
                cites = item.get("citations") or []
                first = cites[0] if cites and isinstance(cites[0], dict) else {}
                out.append(Exchange(item["question"], item.get("label") or first.get("article") or first.get("clause", ""),
                                    item.get("doc_id") or first.get("doc_id", "")))
        return cls(out)
