"""Splitting a file's blocks into articles, and articles into documents with an outline and passages."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text.chars import sentence_spans
from ..text.outline import BY_NAME
from .blocks import Block
from .documents import Document, Kind, Passage

CLAUSE_MAX = 780    # a whole clause stays one passage up to this length
PASSAGE_MAX = 360   # other paragraphs are cut at sentence ends to at most this
PASSAGE_MIN = 100   # shorter paragraphs join a neighbour of their section: a one-line news paragraph lacks context


@dataclass
class Article:
    source: str
    title: str = ""
    subtitle: str = ""
    level: int = 0
    date: str = ""
    dateline: str = ""
    bylines: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    continued: bool = False
    closed: bool = False
    blocks: list[Block] = field(default_factory=list)
    part_override: dict[int, tuple[int, str]] = field(default_factory=dict)
    pages: tuple[int, ...] = ()

    @property
    def clause_numbers(self) -> list[int]:
        return [b.number for b in self.blocks if b.kind == "clause"]

    @property
    def has_articles(self) -> bool:
        return any(b.kind == "article" for b in self.blocks)


def split_articles(blocks: list[Block], source: str) -> list[Article]:
    """Group a file's blocks into articles: titles, 「上接第1版」 markers and datelines start and
    end them; a clause that continues an earlier article's numbering goes back to it."""
    articles: list[Article] = []
    cur: Article | None = None

    def new(**kw) -> Article:
        a = Article(source=source, **kw)
        articles.append(a)
        return a

    pending_title: Block | None = None
    for i, b in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if b.kind == "title" or (b.kind == "heading" and cur is None):
            cur = new(title=b.text, level=b.level)
            continue
        if b.kind == "heading" and b.level:
            just_titled = cur is not None and not cur.blocks and not cur.subtitle
            if cur is not None and b.level > cur.level and just_titled:
                cur.subtitle = b.text.lstrip("—－- ")
                continue
            if cur is None or b.level <= cur.level or cur.closed or cur.level == 0:
                cur = new(title=b.text, level=b.level)
                continue
        if b.kind == "heading" and nxt is not None and nxt.continued:
            pending_title = b           # the title printed just above 「上接第1版」
            continue
        if b.continued:
            cur = new(title=pending_title.text if pending_title else "", continued=True)
            pending_title = None
        elif cur is not None and cur.closed and b.kind in ("body", "heading"):
            cur = new()
        if b.kind == "clause" and cur is not None and cur.has_articles:
            b.kind = "item"             # （一） inside a 第X条 is a 项 of it, not a unit of its own
        if b.kind == "clause" and cur is not None and not cur.clause_numbers:
            owner = next((a for a in reversed(articles[:-1])
                          if a.clause_numbers and a.clause_numbers[-1] < b.number), None)
            if owner is not None:
                cur = owner
        if cur is None:
            cur = new()
        if b.kind == "date" and not cur.date:
            cur.date = b.text
            continue
        if b.kind == "dateline":
            cur.dateline, cur.closed = b.text, True
            continue
        if b.kind == "byline":
            cur.bylines.append(b.text)
            continue
        if b.kind == "caption":
            cur.captions.append(b.text)
            continue
        if b.kind in ("credit", "junk"):
            continue
        if b.kind == "heading" and cur.title and not cur.blocks and re.search(r"\s[\u4e00-\u9fff]{2,3}$", b.text):
            cur.bylines.append(b.text)   # author line under a title: 「省委直属机关工委常务副书记 郭耀庭」
            continue
        cur.blocks.append(b)
        if "byline" in b.meta:
            cur.bylines.append(b.meta["byline"])
        if b.closes:
            cur.dateline = b.meta.get("dateline", cur.dateline)
            cur.closed = True
    return [a for a in articles if a.blocks]


def _title_of(article: Article) -> tuple[str, bool]:
    if article.title:
        return article.title, False
    first = next((b.text for b in article.blocks if b.kind in ("body", "clause", "article")), "")
    spans = sentence_spans(first)
    lead = first[:spans[0][1]] if spans else first
    lead = lead[:24] + ("…" if len(lead) > 24 else "")
    return f"（续文）{lead}", True


def _chunks(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Cut text[start:end] at sentence ends into balanced pieces of at most `limit` chars."""
    if end - start <= limit:
        return [(start, end)]
    spans = sentence_spans(text, start, end)
    pieces: list[tuple[int, int]] = []
    for s, e in spans:          # only a sentence too long to cite whole is cut, at a comma
        while e - s > CLAUSE_MAX:
            cut = text.rfind("，", s, s + CLAUSE_MAX)
            cut = cut + 1 if cut > s + CLAUSE_MAX // 3 else s + CLAUSE_MAX
            pieces.append((s, cut))
            s = cut
        pieces.append((s, e))
    n = -(-(end - start) // limit)
    target = (end - start) / n
    out: list[tuple[int, int]] = []
    cs = pieces[0][0]
    ce = cs
    for s, e in pieces:
        if ce > cs and (e - cs > limit or ce - cs >= target):
            out.append((cs, ce))
            cs = s
        ce = e
    out.append((cs, ce))
    return out


def build_document(article: Article, doc_id: str) -> Document:
    title, untitled = _title_of(article)
    parts_text: list[str] = []
    lines: list[tuple[int, int]] = []
    offset = 0
    placed: list[tuple[Block, int]] = []

    def put(text: str, block_lines):
        nonlocal offset
        for off, ln in block_lines:
            lines.append((offset + off, ln))
        parts_text.append(text)
        start = offset
        offset += len(text) + 1
        return start

    title_line = article.blocks[0].lines[0][1] if article.blocks else 0
    put(title, [(0, title_line)])
    if article.subtitle:
        put(article.subtitle, [(0, title_line)])
    if article.date:
        put(f"（{article.date}）", [(0, title_line)])
    for b in article.blocks:
        placed.append((b, put(b.text, b.lines)))
    doc = Document(id=doc_id, source=article.source, title=title, text="\n".join(parts_text),
                   date=article.date or article.dateline, subtitle=article.subtitle,
                   bylines=article.bylines, captions=article.captions, lines=lines, untitled=untitled,
                   pages=list(article.pages))
    doc.passages = _passages(doc, article, placed)
    return doc


def _passages(doc: Document, article: Article, placed: list[tuple[Block, int]]) -> list[Passage]:
    """Walk the blocks in order, keeping the open outline levels (division path, part, section),
    and cut passages: one per article (第X条 with its 款 and 项), one per clause （X）, and
    sentence-bounded pieces of other text."""
    out: list[Passage] = []
    part_no, part = 0, ""
    section = ""
    divisions: dict[int, str] = {}         # rank of 编/章/节 -> its heading
    chapter_no = 0
    group: tuple[Block, int, int] | None = None    # the open article: its block, start, end

    def add(kind, s, e, **kw):
        out.append(Passage(id=f"{doc.id}:{s}", doc_id=doc.id, source=doc.source, title=doc.title,
                           kind=kind, text=doc.text[s:e], start=s, end=e, line=doc.line_at(s),
                           part_no=part_no, part=part, section=section,
                           divisions=[divisions[r] for r in sorted(divisions)], chapter_no=chapter_no,
                           page=doc.page_at(s), page_end=doc.page_at(max(s, e - 1)), **kw))

    def close_article():
        nonlocal group
        if group is not None:
            b, gs, ge = group
            for cs, ce in _chunks(doc.text, gs, ge, CLAUSE_MAX):
                add(Kind.ARTICLE, cs, ce, article_no=b.number, article_sub=b.meta.get("sub", 0))
            group = None

    for n, (b, s) in enumerate(placed):
        e = s + len(b.text)
        if group is not None and b.kind in ("body", "item", "clause"):
            group = (group[0], group[1], e)      # a 款 or 项 of the open article
            continue
        close_article()
        if n == 0 and b.kind == "body":
            s = 0   # the lead paragraph carries the title and date lines above it
        if b.kind == "article":
            group = (b, s, e)
            continue
        if b.kind == "division":
            rank = BY_NAME[b.meta["level"]].rank
            divisions = {r: t for r, t in divisions.items() if r < rank}
            divisions[rank] = b.text
            chapter_no = b.number if b.meta["level"] == "章" else (chapter_no if rank > BY_NAME["章"].rank else 0)
            section = ""
            add(Kind.DIVISION, s, e)
            continue
        if b.kind == "part":
            part_no, part, section = b.number, b.text, ""
            add(Kind.PART, s, e)
            continue
        if b.kind == "heading":
            section = b.text.lstrip("—－ ").rstrip("。！")
            continue
        if b.kind == "clause":
            if b.number in article.part_override:
                part_no, part = article.part_override[b.number]
            first = sentence_spans(doc.text, s, e)
            ctitle = re.sub(r"^[（(][一二三四五六七八九十]+[)）]", "", doc.text[first[0][0]:first[0][1]]) if first else ""
            for cs, ce in _chunks(doc.text, s, e, CLAUSE_MAX):
                add(Kind.CLAUSE, cs, ce, clause_no=b.number, clause_title=ctitle.rstrip("。"))
            continue
        clause_no = b.meta.get("clause", 0)
        if clause_no:
            # a fragment of a clause recovered from another version (see versions.attach_fragments)
            part_no, part = article.part_override.get(clause_no, (part_no, part))
            for cs, ce in _chunks(doc.text, s, e, CLAUSE_MAX):
                add(Kind.CLAUSE, cs, ce, clause_no=clause_no, clause_title=b.meta.get("clause_title", ""))
            continue
        for cs, ce in _chunks(doc.text, s, e, PASSAGE_MAX):
            add(Kind.TEXT, cs, ce, clause_no=0)
    close_article()
    return _merge_small(doc, out)


def _neighbours(a: Passage, b: Passage) -> bool:
    return a.kind == b.kind == Kind.TEXT and a.section == b.section and a.divisions == b.divisions


def _merge_small(doc: Document, passages: list[Passage]) -> list[Passage]:
    """A tiny text passage joins the next one of the same section (or the previous one)."""
    out: list[Passage] = []
    i = 0
    while i < len(passages):
        p = passages[i]
        if p.kind == Kind.TEXT and len(p.text) < PASSAGE_MIN:
            nxt = passages[i + 1] if i + 1 < len(passages) else None
            if nxt is not None and _neighbours(p, nxt) and nxt.end - p.start <= PASSAGE_MAX:
                nxt.start, nxt.text, nxt.line, nxt.id = p.start, doc.text[p.start:nxt.end], p.line, p.id
                nxt.page = p.page
                i += 1
                continue
            prev = out[-1] if out else None
            if prev is not None and _neighbours(prev, p) and p.end - prev.start <= PASSAGE_MAX:
                prev.end, prev.text, prev.page_end = p.end, doc.text[prev.start:p.end], p.page_end
                i += 1
                continue
        out.append(p)
        i += 1
    return out
