"""Resolving an outline reference against the library: which document (named, from the previous turn, or
every one that fits), which version, and which passages hold 第X条 / （X） / 第X章 / 第X部分."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..ingest import HEADINGS, Document, Kind, Passage
from ..text import bigrams, contained, match_line, text_key
from .refs import Ref, aliases, claimed_name, named, type_word

LOOSE_NAME = 0.7      # share of a loosely given name's character pairs a title must hold to be meant
LOOSE_MIN = 6         # characters a name needs to be matched loosely: 「合同法」 is not 「劳动合同法」
AMBIGUOUS_MAX = 5     # documents answered from when a bare 「第七条」 fits many; the rest are only counted


@dataclass
class Target:
    """One document's answer to a reference: its passages in outline order (empty: it has no such unit)."""
    doc: Document
    passages: list[Passage] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)   # all dated versions of this document, oldest first
    rows: list[int] = field(default_factory=list)       # the passages' rows in the index


@dataclass
class Repeal:
    """A document the library lacks, and the sentence of a passage that repealed it."""
    name: str
    row: int
    start: int
    end: int


@dataclass
class Resolution:
    targets: list[Target]            # documents that have the unit asked for
    named: bool = False              # the question (or the previous turn) picked the document
    candidates: list[Document] = field(default_factory=list)   # documents considered
    unknown: str = ""                # a document name the question gives that no document has

    @property
    def ambiguous(self) -> bool:
        return len(self.targets) > 1


class Library:
    """The documents of an index grouped into families (copies and dated versions of one text)."""

    def __init__(self, documents: list[Document], passages: list[Passage]):
        self.documents = documents
        self.family_docs: dict[str, list[Document]] = {}
        for d in documents:
            self.family_docs.setdefault(d.family or d.id, []).append(d)
        self.family_of = {d.id: d.family or d.id for d in documents}
        self.passages = passages
        self.rows_of: dict[tuple[str, str], list[int]] = {}
        for row, p in enumerate(passages):
            fam = self.family_of.get(p.doc_id, p.doc_id)
            self.rows_of.setdefault((fam, p.version), []).append(row)
        self.names = {fam: set().union(*(aliases(d.title) for d in docs))
                      for fam, docs in self.family_docs.items() if not docs[0].untitled}
        self.repealed = _repealed(passages)
        self._names_longest_first = sorted({n for ns in self.names.values() for n in ns}, key=len, reverse=True)

    def versions(self, family: str) -> list[str]:
        return sorted({d.version for d in self.family_docs[family] if d.version})

    def is_dated(self, family: str) -> bool:
        return len(self.versions(family)) > 1

    def pick_version(self, family: str, year: str = "") -> tuple[Document, str]:
        """The document of a family to answer from: the version of the year asked, else the newest."""
        docs = self.family_docs[family]
        versions = self.versions(family)
        if len(versions) <= 1:
            return docs[0], ""
        want = next((v for v in reversed(versions) if year and v.startswith(year)), versions[-1])
        return next(d for d in docs if d.version == want), want

    def family_passages(self, family: str, version: str) -> list[Passage]:
        return [self.passages[r] for r in self.rows_of.get((family, version), [])]

    def named_families(self, text: str) -> list[str]:
        """Families the text names by one of their names; else, for a name the text gives
        loosely (「关于加强一把手监督的意见第三部分」), the family whose title holds most of it."""
        exact = named(text, self.names)
        name = "" if exact else claimed_name(text)
        if len(text_key(name)) < LOOSE_MIN:
            return exact
        want = bigrams(name)
        scored = [(contained(want, bigrams(docs[0].title)), fam) for fam, docs in self.family_docs.items()
                  if not docs[0].untitled]
        best = max(scored, default=(0.0, ""))
        return [fam for score, fam in scored if score == best[0]] if best[0] >= LOOSE_NAME else []

    def absent_named(self, text: str) -> list[Repeal]:
        """Documents the text names that the library lacks but whose repeal one of its passages states
        (「合同法」 after the Civil Code's 「…《中华人民共和国合同法》…同时废止」). Names of documents the
        library has are taken out first, so 「劳动合同法」 does not name 「合同法」."""
        q = text_key(text)
        if not any(name in q for name in self.repealed):       # the common case: asked on every answer
            return []
        for n in self._names_longest_first:
            q = q.replace(n, "|")
        found = {r.name: r for name, r in self.repealed.items() if name in q}
        return list(found.values())

    def resolve(self, ref: Ref, question: str, previous: str = "", previous_doc: str = "") -> Resolution:
        """The documents a reference points to. A document the question names wins; else the one
        the previous turn named or cited; else every document that has the unit — several of
        them make the answer say the question is ambiguous."""
        if not ref:
            return Resolution([])
        families = self.named_families(question)
        unknown = "" if families else claimed_name(question)
        if unknown:
            return Resolution([], True, [ds[0] for ds in self.family_docs.values()], unknown=unknown)
        if not families and previous:
            families = self.named_families(previous)
        if not families and previous_doc in self.family_of:
            families = [self.family_of[previous_doc]]
        picked = bool(families)
        pool = families or list(self.family_docs)
        targets, considered = [], []
        for fam in pool:
            doc, version = self.pick_version(fam, ref.year)
            considered.append(doc)
            found = units(self.passages, self.rows_of.get((fam, version), []), ref)
            if found:
                targets.append(Target(doc, [self.passages[r] for r in found], self.versions(fam), found))
        if len(targets) > 1 and not picked:
            word = type_word(question)         # 「意见的第三部分」: the only 意见 that has one
            typed = [t for t in targets if word and t.doc.title.endswith(word)]
            if len(typed) == 1:
                targets, picked = typed, True
        return Resolution(targets, picked, considered)


def units(passages: list[Passage], rows: list[int], ref: Ref) -> list[int]:
    """The rows, among one document's (in order), of the passages a reference names."""
    if not ref:
        return []
    own = [(r, passages[r]) for r in rows]
    articles = [(r, p) for r, p in own if p.kind == Kind.ARTICLE]
    if ref.clause or ref.last_clause:
        if articles:
            n = ref.clause or max(p.article_no for _, p in articles)
            sub = ref.clause_sub if ref.clause else max(p.article_sub for _, p in articles if p.article_no == n)
            return [r for r, p in articles if p.article_no == n and p.article_sub == sub]
        clauses = sorted({p.clause_no for _, p in own if p.clause_no and p.kind == Kind.CLAUSE})
        n = ref.clause or (clauses[-1] if clauses else 0)
        return [r for r, p in own if p.clause_no == n and p.kind == Kind.CLAUSE]
    if ref.chapter or ref.book or ref.sub_book or ref.annex:
        return _division(own, ref)
    parts = sorted({p.part_no for _, p in own if p.kind == Kind.PART})
    n = ref.part or (parts[-1] if parts and ref.last_part else 0)
    heading = [r for r, p in own if p.kind == Kind.PART and p.part_no == n]
    body = [r for r, p in own if p.part_no == n and p.kind not in HEADINGS]
    return heading + body if heading else []


def _division(own: list[tuple[int, Passage]], ref: Ref) -> list[int]:
    """A 章 (inside the 编 and 分编 given, if any), a 分编, a 编 (by number or title) or the 附则 (standing alone
    or as the 附则 chapter): its heading, then the headings and articles under it, up to the next heading of its
    rank. Where several match (the Civil Code has a 第三章 in most of its 编), the first."""
    steps = [("编", ref.book, ref.book_title)] if ref.book or ref.book_title else []
    steps += [("分编", ref.sub_book, "")] if ref.sub_book else []
    steps += [("章", ref.chapter, "")] if ref.chapter else []
    *above, target = steps or [("附则", 0, "")]
    for i, (row, p) in enumerate(own):
        m = match_line(p.text) if p.kind == Kind.DIVISION else None
        if m is None:
            continue
        fits = _is(m, *target) or (target[0] == "附则" and m.level.name == "章" and text_key(m.title) == "附则")
        if not fits or not all(any((d := match_line(x)) and _is(d, *step) for x in p.divisions) for step in above):
            continue
        body = []
        for r, q in own[i + 1:]:
            inner = match_line(q.text) if q.kind == Kind.DIVISION else None
            if inner is not None and inner.level.rank <= m.level.rank:
                break
            if q.kind in (Kind.ARTICLE, Kind.DIVISION):
                body.append(r)
        return [row] + body
    return []


def _is(m, name: str, number: int, title: str) -> bool:
    """A heading is this 编/分编/章: by its number, or (a 编) by the title the question's words end with."""
    if m.level.name != name:
        return False
    if number:
        return m.number == number
    return name == "附则" or bool(m.title) and text_key(title).endswith(text_key(m.title))


_REPEALED_SENTENCE = re.compile(r"[^。；]*废止[^。；]*[。；]?")
_TITLE = re.compile(r"《([^《》]{2,40})》")


def _repealed(passages: list[Passage]) -> dict[str, Repeal]:
    """Names (with and without 「中华人民共和国」) of the documents a sentence declares repealed."""
    out: dict[str, Repeal] = {}
    for row, p in enumerate(passages):
        if "废止" not in p.text:
            continue
        for m in _REPEALED_SENTENCE.finditer(p.text):
            if "废止" not in _TITLE.sub("", m.group(0)):      # 《国务院关于废止和修改…的决定》 repeals nothing here
                continue
            for t in _TITLE.findall(m.group(0)):
                for name in aliases(t):
                    out.setdefault(name, Repeal(t, row, m.start(), m.end()))
    return out
