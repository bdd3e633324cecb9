"""Several texts of one document: imperfect copies are merged passage by passage, dated versions are kept
apart (the newest answers by default) and compared article by article."""
from __future__ import annotations

import difflib
import re
from pathlib import Path

from ..text.bigrams import bigrams, contained, dice, text_key
from ..text.numerals import ARTICLE_LABEL
from .documents import Document, Passage
from .neardup import Buckets, copy_groups, sketch
from .structure import Article

MERGE_SIMILARITY = 0.8    # Dice of character bigrams at which two passages are one
FRAGMENT_CONTAINED = 0.85  # share of a stray paragraph's bigrams found inside a sibling's clause
MAX_VARIANTS = 5


# A draft printed under the final text's title: the marker is in its file name or just below the title.
DRAFT = re.compile(r"征求意见稿|送审稿|讨论稿|草案")
DRAFT_MARK = re.compile(r"[（(]?(?:征求意见稿|送审稿|讨论稿|草案)[)）]?")


def mark_drafts(articles: list[Article]) -> None:
    """A draft (「…办法（征求意见稿）.docx」 whose first line is 「…办法」) is another text than the final,
    not a copy of it: its title says so, so it is neither merged with the final nor cited as it."""
    for a in articles:
        if not a.title or DRAFT.search(a.title):
            continue
        m = DRAFT.search(" ".join([Path(a.source).stem, a.subtitle, *(b.text[:80] for b in a.blocks[:2])]))
        if m:
            a.title = f"{a.title}（{m[0]}）"


def _clause_parts(article: Article) -> dict[int, tuple[int, str]]:
    parts, cur = {}, (0, "")
    for b in article.blocks:
        if b.kind == "part":
            cur = (b.number, b.text)
        elif b.kind == "clause":
            parts[b.number] = cur
    return parts


def _n_parts(article: Article) -> int:
    return sum(1 for x in article.blocks if x.kind == "part")


def attach_fragments(articles: list[Article]) -> None:
    """Between versions of one document (same title, different files): give each the fuller
    outline, and pull back into it the pieces of its clauses that the page layout scattered
    into other articles of the same file (001 prints the second half of （十八） after 林武's speech).
    Linear in the copies: each article meets the fullest sibling and one text per clause number."""
    by_title: dict[str, list[Article]] = {}
    by_source: dict[str, list[Article]] = {}
    for a in articles:
        by_source.setdefault(a.source, []).append(a)
        if a.title and a.clause_numbers:
            by_title.setdefault(text_key(a.title), []).append(a)
    for group in by_title.values():
        if len({a.source for a in group}) < 2:
            continue
        # one clause text per number from each of two files: every article then has one from another file
        clauses: dict[int, list[tuple[str, set[str], str]]] = {}
        for b in group:
            for c in b.blocks:
                texts = clauses.setdefault(c.number, []) if c.kind == "clause" else None
                if texts is not None and len(texts) < 2 and all(src != b.source for src, _, _ in texts):
                    texts.append((b.source, bigrams(c.text), c.text))
        parts = {id(b): _n_parts(b) for b in group}
        fullest = sorted(group, key=lambda b: -parts[id(b)])
        for a in group:
            fuller = next((b for b in fullest if b.source != a.source), None)
            if fuller is not None and parts[id(fuller)] > parts[id(a)]:
                a.part_override.update(_clause_parts(fuller))
            sibling = [next((n, grams, text) for src, grams, text in texts if src != a.source)
                       for n, texts in sorted(clauses.items()) if any(src != a.source for src, _, _ in texts)]
            _pull_fragments(a, sibling, [x for x in by_source[a.source] if x is not a])


def _pull_fragments(target: Article, clauses: list[tuple[int, set[str], str]], others: list[Article]) -> None:
    """Body paragraphs of `others` that are mostly a clause the target lacks move into the target."""
    clauses = [c for c in clauses if c[0] not in target.clause_numbers]
    if not clauses:
        return
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
        if text_key(a[i1:i2]) == text_key(b[j1:j2]):
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


def familytext_key(title: str) -> str:
    """Documents whose titles agree here are texts of one document (copies, dated versions, its drafts)."""
    return text_key(DRAFT_MARK.sub("", _FILE_DATE.sub("", title)))


def date_versions(documents: list[Document]) -> None:
    """Give each document its family and version date; passages of a family that has several
    dates carry their version, so retrieval can prefer the newest."""
    families: dict[str, set[str]] = {}
    same: dict[tuple[str, str], list[Document]] = {}
    for d in documents:
        d.family = familytext_key(d.title)
        d.version = version_date(d.source, d.date)
        same.setdefault((d.family, d.version), []).append(d)
    # A dated draft is an older version of its final; one of the same date (or none) would be merged
    # with the final as a copy: it is set apart as a document of its own.
    for docs in same.values():
        drafts = [d for d in docs if DRAFT.search(d.title)]
        if drafts and len(drafts) < len(docs):
            for d in drafts:
                d.family += "·draft"
        # two different texts under one title and date (two 「关于…的通知」) are two documents, not copies
        finals = [d for d in docs if not DRAFT.search(d.title)] or docs
        for d, n in zip(finals, copy_groups([text_key(d.text) for d in finals]) if len(finals) > 1 else []):
            if n:
                d.family += f"·{n + 1}"
    for d in documents:
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
        if x is None or y is None or text_key(_strip_label(x.text)) != text_key(_strip_label(y.text)):
            pairs.append((x, y))
    return pairs


def _strip_label(text: str) -> str:
    return re.sub(f"^{ARTICLE_LABEL}", "", text.strip())


def _numbers_agree(p: Passage, q: Passage) -> bool:
    """Clause and article numbers match, or one of the two has none (a copy that lost its mark)."""
    return (p.clause_no, p.article_no) == (q.clause_no, q.article_no) or not (p.clause_no or p.article_no) \
        or not (q.clause_no or q.article_no)


def _same_text(p: Passage, q: Passage, gp: set[str], gq: set[str]) -> bool:
    if q.source == p.source or q.kind != p.kind or not _numbers_agree(p, q):
        return False
    short, long_ = sorted((gp, gq), key=len)
    if len(short) < 0.3 * len(long_):
        return False
    return dice(gp, gq) >= MERGE_SIMILARITY or (len(short) >= 15 and contained(short, long_) >= FRAGMENT_CONTAINED)


def _variants(primary: Passage, copies: list[Passage], key) -> list[dict]:
    """The differing wordings of a merged passage, each distinct text once, at most MAX_VARIANTS:
    a library holding 200 copies of a page needs the differences shown, not 199 of them."""
    seen, out = {key(primary)}, []
    for p in copies:
        k = key(p)
        if k not in seen and len(out) < MAX_VARIANTS:
            seen.add(k)
            out.append({"source": p.source, "text": p.text, "diffs": diff_words(primary.text, p.text)})
    return out


def merge_passages(passages: list[Passage], documents: list[Document] | None = None,
                   method: str = "sketch") -> list[Passage]:
    """One passage per distinct text: near-identical passages of copies of one document (same
    family and version, other files) become extra sources of the fullest one, with the words
    that differ kept as variants. Other documents' passages are never compared, so shared
    boilerplate (「本条例自公布之日起施行」) stays with each document.

    Each passage is compared with the representatives found so far, not with every passage:
    with `method="sketch"` only with those sharing a MinHash bigram (`neardup`), which keeps
    200 copies of a document near-linear; `method="exact"` compares with all of them (tests)."""
    group_of = {d.id: (d.family, d.version) for d in documents or []}
    parent = list(range(len(passages)))
    families: dict[tuple, list[int]] = {}
    for i, p in enumerate(passages):
        families.setdefault(group_of.get(p.doc_id, ("", "")), []).append(i)
    shared = [m for m in families.values() if len({passages[i].source for i in m}) > 1]
    keys: dict[int, str] = {}
    grams: dict[int, set[str]] = {}

    def key_of(i: int) -> str:
        if i not in keys:
            keys[i] = text_key(passages[i].text)
        return keys[i]

    def grams_of(i: int) -> set[str]:
        if i not in grams:
            k = key_of(i)
            grams[i] = {k[n:n + 2] for n in range(len(k) - 1)}
        return grams[i]

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for members in shared:
        reps: list[int] = []
        buckets = Buckets()
        same_key: dict[str, list[int]] = {}
        for i in members:
            p = passages[i]
            twin = next((j for j in same_key.get(key_of(i), ()) if passages[j].source != p.source
                         and passages[j].kind == p.kind and _numbers_agree(p, passages[j])), None)
            if twin is not None:            # the same words: nothing to measure
                parent[root(i)] = root(twin)
                continue
            values = sketch(key_of(i)) if method == "sketch" else []
            candidates = buckets.query(values) if method == "sketch" else reps
            matches = [j for j in candidates if _same_text(p, passages[j], grams_of(i), grams_of(j))]
            if not matches:
                reps.append(i)
                buckets.add(i, values)
                same_key.setdefault(key_of(i), []).append(i)
            for j in matches:          # a longer copy can join two pieces of the other file into one
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(passages)):
        groups.setdefault(root(i), []).append(i)
    merged = []
    for members in groups.values():
        ps = [passages[i] for i in members]
        best = max(members, key=lambda i: (len(passages[i].text), -i))
        primary = passages[best]
        primary.sources = [{"source": p.source, "doc_id": p.doc_id, "start": p.start,
                            "end": p.end, "line": p.line, "page": p.page} for p in ps]
        if not primary.part:
            donor = next((p for p in ps if p.part), None)
            if donor is not None:
                primary.part_no, primary.part = donor.part_no, donor.part
        position = {id(p): i for i, p in zip(members, ps)}
        primary.variants = _variants(primary, ps, lambda p: key_of(position[id(p)])) if len(ps) > 1 else []
        merged.append((members[0], primary))
    return [p for _, p in sorted(merged, key=lambda x: x[0])]
