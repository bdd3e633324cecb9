"""Resolving an outline reference against the library: which document (named, from the previous turn, or
every one that fits), which version, and which passages hold 第X条 / （X） / 第X章 / 第X部分."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..ingest import HEADINGS, Document, Kind, Passage
from ..text import bigrams, contained
from .refs import Ref, aliases, claimed_name, named, type_word

LOOSE_NAME = 0.7      # share of a loosely given name's character pairs a title must hold to be meant
AMBIGUOUS_MAX = 5     # documents answered from when a bare 「第七条」 fits many; the rest are only counted


@dataclass
class Target:
    """One document's answer to a reference: its passages in outline order (empty: it has no such unit)."""
    doc: Document
    passages: list[Passage] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)   # all dated versions of this document, oldest first
    rows: list[int] = field(default_factory=list)       # the passages' rows in the index


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
        if not name:
            return exact
        want = bigrams(name)
        scored = [(contained(want, bigrams(docs[0].title)), fam) for fam, docs in self.family_docs.items()
                  if not docs[0].untitled]
        best = max(scored, default=(0.0, ""))
        return [fam for score, fam in scored if score == best[0]] if best[0] >= LOOSE_NAME else []

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
    if ref.chapter:
        heading = [r for r, p in own if p.kind == Kind.DIVISION and p.chapter_no == ref.chapter
                   and p.text.startswith("第") and "章" in p.text[:6]]
        body = [r for r, p in own if p.chapter_no == ref.chapter and p.kind == Kind.ARTICLE]
        return heading + body if heading else []
    parts = sorted({p.part_no for _, p in own if p.kind == Kind.PART})
    n = ref.part or (parts[-1] if parts and ref.last_part else 0)
    heading = [r for r, p in own if p.kind == Kind.PART and p.part_no == n]
    body = [r for r, p in own if p.part_no == n and p.kind not in HEADINGS]
    return heading + body if heading else []
