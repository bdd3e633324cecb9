"""Reconciling several imperfect copies of one text: recovered fragments, shared outline, merged passages."""
from __future__ import annotations

import difflib
import re

from .structure import Article, Passage
from .text import fold

MERGE_SIMILARITY = 0.8    # Dice of character bigrams at which two passages are one
FRAGMENT_CONTAINED = 0.85  # share of a stray paragraph's bigrams found inside a sibling's clause

_KEEP = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _key(text: str) -> str:
    return _KEEP.sub("", fold(text))


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


def merge_passages(passages: list[Passage]) -> list[Passage]:
    """One passage per distinct text: near-identical passages from other files become extra
    sources of the fullest one, with the words that differ kept as variants."""
    grams = [bigrams(p.text) for p in passages]
    parent = list(range(len(passages)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, p in enumerate(passages):
        for j in range(i):
            q = passages[j]
            if q.source == p.source or q.kind != p.kind:
                continue
            if p.clause_no and q.clause_no and p.clause_no != q.clause_no:
                continue
            short, long_ = sorted((grams[i], grams[j]), key=len)
            if len(short) < 0.3 * len(long_):
                continue
            same = dice(grams[i], grams[j]) >= MERGE_SIMILARITY or (
                len(short) >= 15 and contained(short, long_) >= FRAGMENT_CONTAINED)
            if same:
                parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(passages)):
        groups.setdefault(root(i), []).append(i)
    merged = []
    for members in groups.values():
        ps = [passages[i] for i in members]
        primary = max(ps, key=lambda p: (len(p.text), -members[ps.index(p)]))
        primary.sources = [{"source": p.source, "doc_id": p.doc_id, "start": p.start,
                            "end": p.end, "line": p.line} for p in ps]
        if not primary.part:
            donor = next((p for p in ps if p.part), None)
            if donor is not None:
                primary.part_no, primary.part = donor.part_no, donor.part
        primary.variants = [{"source": p.source, "text": p.text, "diffs": diff_words(primary.text, p.text)}
                            for p in ps if p is not primary and _key(p.text) != _key(primary.text)]
        merged.append((min(members), primary))
    return [p for _, p in sorted(merged, key=lambda x: x[0])]
