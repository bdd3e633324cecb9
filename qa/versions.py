"""Several texts of one document: imperfect copies are merged passage by passage, dated versions are kept
apart (the newest answers by default) and compared article by article."""
from __future__ import annotations

import difflib
import re

from .structure import Article, Document, Passage
from .text import fold

MERGE_SIMILARITY = 0.8    # Dice of character bigrams at which two passages are one
FRAGMENT_CONTAINED = 0.85  # share of a stray paragraph's bigrams found inside a sibling's clause

_KEEP = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def text_key(text: str) -> str:
    return _KEEP.sub("", fold(text))


_key = text_key


def bigrams(text: str) -> set[str]:
    k = _key(text)
    return {k[i:i + 2] for i in range(len(k) - 1)}


def dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def contained(a: set[str], b: set[str]) -> float:
    """Share of a's bigrams that occur in b."""
    return len(a & b) / len(a) if a else 0.0


def _clause_parts(article: Article) -> dict[int, tuple[int, str]]:
    parts, cur = {}, (0, "")
    for b in article.blocks:
        if b.kind == "part":
            cur = (b.number, b.text)
        elif b.kind == "clause":
            parts[b.number] = cur
    return parts


def attach_fragments(articles: list[Article]) -> None:
    """Between versions of one document (same title, different files): give each the fuller
    outline, and pull back into it the pieces of its clauses that the page layout scattered
    into other articles of the same file (001 prints the second half of （十八） after 林武's speech)."""
    by_title: dict[str, list[Article]] = {}
    for a in articles:
        if a.title and a.clause_numbers:
            by_title.setdefault(_key(a.title), []).append(a)
    for group in by_title.values():
        for a in group:
            for b in group:
                if a is b or a.source == b.source:
                    continue
                b_parts = _clause_parts(b)
                n_parts = lambda art: sum(1 for x in art.blocks if x.kind == "part")
                if n_parts(b) > n_parts(a):
                    a.part_override.update(b_parts)
                _pull_fragments(a, b, [x for x in articles if x.source == a.source and x is not a])


def _pull_fragments(target: Article, sibling: Article, others: list[Article]) -> None:
    clauses = [(c.number, bigrams(c.text), c.text) for c in sibling.blocks if c.kind == "clause"]
    for other in others:
        for blk in list(other.blocks):
            if blk.kind != "body" or len(blk.text) < 20:
                continue
            grams = bigrams(blk.text)
            for number, cgrams, ctext in clauses:
                if number in target.clause_numbers or contained(grams, cgrams) < FRAGMENT_CONTAINED:
                    continue
                other.blocks.remove(blk)
                blk.meta["clause"] = number
                blk.meta["clause_title"] = re.split(r"[。！？]", re.sub(r"^[（(][^)）]+[)）]", "", ctext))[0]
                pos = next((i for i, x in enumerate(target.blocks)
                            if (x.kind == "clause" and x.number > number)
                            or x.meta.get("clause", 0) > number), len(target.blocks))
                target.blocks.insert(pos, blk)
                break


def diff_words(primary: str, other: str, limit: int = 12) -> list[dict]:
    """The places where two versions differ, as short aligned snippets."""
    a, b = primary, other
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        if _key(a[i1:i2]) == _key(b[j1:j2]):
            continue          # punctuation or width only
        out.append({"this": a[i1:i2], "other": b[j1:j2], "context": a[max(0, i1 - 6):i1]})
        if len(out) >= limit:
            break
    return out


_FILE_DATE = re.compile(r"[（(](\d{4})[-_.年](\d{1,2})[-_.月](\d{1,2})日?[)）]")
_TEXT_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def version_date(source: str, text_date: str = "") -> str:
    """YYYY-MM-DD of a version: from the file name 「条例(2018-03-20).md」, else the text's own date."""
    for pattern, value in ((_FILE_DATE, source), (_TEXT_DATE, text_date)):
        m = pattern.search(value or "")
        if m:
            y, mo, d = (int(x) for x in m.groups())
            return f"{y:04d}-{mo:02d}-{d:02d}"
    return ""


def family_key(title: str) -> str:
    """Documents whose titles agree here are texts of one document (copies or dated versions)."""
    return _key(_FILE_DATE.sub("", title))


def date_versions(documents: list[Document]) -> None:
    """Give each document its family and version date; passages of a family that has several
    dates carry their version, so retrieval can prefer the newest."""
    families: dict[str, set[str]] = {}
    for d in documents:
        d.family = family_key(d.title)
        d.version = version_date(d.source, d.date)
        families.setdefault(d.family, set()).add(d.version)
    for d in documents:
        if len(families[d.family] - {""}) > 1:
            for p in d.passages:
                p.version = d.version


def newest(documents: list[Document]) -> dict[str, str]:
    """family -> the newest version date among its dated documents."""
    out: dict[str, str] = {}
    for d in documents:
        if d.version and d.version > out.get(d.family, ""):
            out[d.family] = d.version
    return out


def changed_articles(old: list[Passage], new: list[Passage]) -> list[tuple[Passage | None, Passage | None]]:
    """Articles of two versions paired by number, only those whose words differ (an article
    added or removed pairs with None)."""
    def by_no(ps):
        out: dict[tuple[int, int], list[Passage]] = {}
        for p in ps:
            if p.article_no:
                out.setdefault((p.article_no, p.article_sub), []).append(p)
        return {k: v[0] for k, v in out.items()}   # an article cut in pieces is compared by its first piece
    a, b = by_no(old), by_no(new)
    pairs = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key), b.get(key)
        if x is None or y is None or _key(_strip_label(x.text)) != _key(_strip_label(y.text)):
            pairs.append((x, y))
    return pairs


def _strip_label(text: str) -> str:
    return re.sub(r"^第[零〇一二三四五六七八九十百千两0-9]+条(之[一二三四五六七八九十]+)?", "", text.strip())


def _same_text(p: Passage, q: Passage, gp: set[str], gq: set[str]) -> bool:
    if q.source == p.source or q.kind != p.kind:
        return False
    if (p.clause_no, p.article_no) != (q.clause_no, q.article_no) and (p.clause_no or p.article_no) \
            and (q.clause_no or q.article_no):
        return False
    short, long_ = sorted((gp, gq), key=len)
    if len(short) < 0.3 * len(long_):
        return False
    return dice(gp, gq) >= MERGE_SIMILARITY or (len(short) >= 15 and contained(short, long_) >= FRAGMENT_CONTAINED)


def merge_passages(passages: list[Passage], documents: list[Document] | None = None) -> list[Passage]:
    """One passage per distinct text: near-identical passages of copies of one document (same
    family and version, other files) become extra sources of the fullest one, with the words
    that differ kept as variants. Other documents' passages are never compared, so shared
    boilerplate (「本条例自公布之日起施行」) stays with each document."""
    group_of = {d.id: (d.family, d.version) for d in documents or []}
    parent = list(range(len(passages)))
    families: dict[tuple, list[int]] = {}
    for i, p in enumerate(passages):
        families.setdefault(group_of.get(p.doc_id, ("", "")), []).append(i)
    shared = [m for m in families.values() if len({passages[i].source for i in m}) > 1]
    grams = {i: bigrams(passages[i].text) for members in shared for i in members}

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for members in shared:
        for n, i in enumerate(members):
            for j in members[:n]:
                if _same_text(passages[i], passages[j], grams[i], grams[j]):
                    parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(passages)):
        groups.setdefault(root(i), []).append(i)
    merged = []
    for members in groups.values():
        ps = [passages[i] for i in members]
        primary = max(ps, key=lambda p: (len(p.text), -members[ps.index(p)]))
        primary.sources = [{"source": p.source, "doc_id": p.doc_id, "start": p.start,
                            "end": p.end, "line": p.line, "page": p.page} for p in ps]
        if not primary.part:
            donor = next((p for p in ps if p.part), None)
            if donor is not None:
                primary.part_no, primary.part = donor.part_no, donor.part
        primary.variants = [{"source": p.source, "text": p.text, "diffs": diff_words(primary.text, p.text)}
                            for p in ps if p is not primary and _key(p.text) != _key(primary.text)]
        merged.append((min(members), primary))
    return [p for _, p in sorted(merged, key=lambda x: x[0])]
