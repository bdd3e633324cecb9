"""How much of the outline of real regulations the parser finds: articles and chapters, with the misses.

    .venv/bin/python bench/structure.py [FOLDER]      (default ../shared/corpora/regulations)

The truth is read straight off the source lines: every line that starts 「第X条 」 is an article
start, every 「## 第X章」 line a chapter. A hit is a passage of that kind starting on that line
with that number.
"""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.ingest.corpus import build_corpus, read_sources  # noqa: E402
from qa.text import cn_to_int  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = re.compile(r"^第([零〇一二三四五六七八九十百千两]+)条(?:之[一二三四五六七八九十]+)?[\s\u3000]")
CHAPTER = re.compile(r"^#+\s*第([零〇一二三四五六七八九十百千两]+)章")


def truth(text: str) -> tuple[dict[int, int], dict[int, int]]:
    """line -> number, for article starts and chapter headings."""
    arts, chaps = {}, {}
    for i, line in enumerate(text.split("\n"), start=1):
        m = ARTICLE.match(line)
        if m:
            arts[i] = cn_to_int(m.group(1))
        m = CHAPTER.match(line)
        if m:
            chaps[i] = cn_to_int(m.group(1))
    return arts, chaps


def main(folder: str) -> int:
    t0 = time.perf_counter()
    sources, errors = read_sources([folder])
    corpus = build_corpus(sources, errors)
    seconds = time.perf_counter() - t0
    found_art, found_chap = {}, {}
    for d in corpus.documents:
        for p in d.passages:
            if p.kind == "article":
                found_art.setdefault(d.source, {}).setdefault(p.line, p.article_no)
            elif p.kind == "division" and p.chapter_no:
                found_chap.setdefault(d.source, {})[p.line] = p.chapter_no
    totals = {"articles": [0, 0], "chapters": [0, 0]}
    misses = []
    for src in sources:
        arts, chaps = truth(src.text)
        for kind, want, got in (("articles", arts, found_art.get(src.name, {})),
                                ("chapters", chaps, found_chap.get(src.name, {}))):
            for line, number in want.items():
                totals[kind][0] += 1
                if got.get(line) == number:
                    totals[kind][1] += 1
                else:
                    misses.append(f"{src.name}:{line} {kind[:-1]} {number} -> {got.get(line)}")
    print(f"{len(sources)} files, {len(corpus.documents)} documents, {len(corpus.passages)} passages, "
          f"{len(corpus.errors)} errors, read+outline+merge {seconds:.1f} s")
    for kind, (n, hit) in totals.items():
        print(f"{kind:9s} {hit}/{n} found = {hit / max(n, 1):.2%}")
    print(f"misses: {len(misses)}")
    for m in misses[:50]:
        print("  " + m)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else str(ROOT.parent / "shared" / "corpora" / "regulations")))
