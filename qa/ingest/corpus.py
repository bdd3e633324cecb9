"""Loading a corpus: every file read, cleaned, split into documents and merged into unique passages."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BadFile
from .sources import SourceFile, list_sources, read_source
from .parsecache import ParseCache, file_blocks
from .documents import Document, Kind, Passage
from .structure import Article, build_document, split_articles
from .versions import attach_fragments, date_versions, mark_drafts, merge_passages

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "data" / "corpus"
PARSER_VERSION = 9   # bump when parsing or chunking changes, so saved indexes are rebuilt


@dataclass
class Corpus:
    documents: list[Document]
    passages: list[Passage]
    errors: list[BadFile] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    content_hash: str = ""


def parse_file(src: SourceFile, cache: ParseCache | None = None) -> list[Article]:
    blocks = cache.blocks(src) if cache is not None else file_blocks(src)
    articles = split_articles(blocks, src.name)
    for a in articles:
        a.pages = src.pages
    return articles


def build_corpus(sources: list[SourceFile], errors: list[BadFile] | None = None,
                 cache: ParseCache | None = None) -> Corpus:
    articles: list[Article] = []
    for src in sources:
        articles.extend(parse_file(src, cache))
    mark_drafts(articles)
    attach_fragments(articles)
    documents: list[Document] = []
    counters: dict[str, int] = {}
    for a in articles:
        if not a.blocks:
            continue
        n = counters[a.source] = counters.get(a.source, 0) + 1
        documents.append(build_document(a, f"{a.source}#{n}"))
    date_versions(documents)
    passages = merge_passages([p for d in documents for p in d.passages], documents)
    notes = [BadFile(s.name, f"{note}；其余内容已读取") for s in sources for note in s.notes]
    return Corpus(documents=documents, passages=passages, errors=list(errors or []) + notes,
                  files=[s.name for s in sources], content_hash=content_hash(sources))


def content_hash(sources: list[SourceFile]) -> str:
    """Identifies what an index was built from: the files' names and texts, and the parser."""
    digest = hashlib.sha256()
    digest.update(f"parser{PARSER_VERSION}".encode())
    for src in sorted(sources, key=lambda s: s.name):
        digest.update(src.name.encode() + b"\0" + src.text.encode() + b"\0")
    return digest.hexdigest()[:16]


def read_sources(paths=None, cache: ParseCache | None = None) -> tuple[list[SourceFile], list[BadFile]]:
    """Read the folders and files named (the default corpus when none); bad files are
    returned with their reasons, never raised, so the rest still loads. With a cache, files
    whose bytes did not change are not decoded or extracted again."""
    paths = list(paths) if paths else [DEFAULT_CORPUS]
    sources, errors, seen = [], [], set()
    for p in list_sources(paths):
        try:
            sources.append(cache.read(p, seen) if cache is not None else read_source(p))
        except BadFile as e:
            errors.append(e)
    if cache is not None:
        cache.keep(seen)
    if not sources and not errors:
        errors.append(BadFile(", ".join(map(str, paths)), "没有找到 .txt、.md、.pdf 或 .docx 文件"))
    return sources, errors


def load_corpus(paths=None) -> Corpus:
    return build_corpus(*read_sources(paths))


def outline(corpus: Corpus) -> dict:
    """What the parser understood, as plain data (for `qa corpus` and the UI)."""
    docs = []
    for d in corpus.documents:
        parts: dict[int, dict] = {}
        for p in d.passages:
            if p.kind == Kind.PART:
                parts.setdefault(p.part_no, {"part": p.text, "clauses": []})
            if p.kind == Kind.CLAUSE:
                entry = parts.setdefault(p.part_no, {"part": p.part, "clauses": []})
                if not entry["clauses"] or entry["clauses"][-1]["clause"] != p.clause:
                    entry["clauses"].append({"clause": p.clause, "title": p.clause_title, "line": p.line})
        divisions: list[dict] = []
        for p in d.passages:
            if p.kind == Kind.DIVISION:
                divisions.append({"division": p.text, "articles": []})
            elif p.kind == Kind.ARTICLE and p.article not in (divisions[-1]["articles"] if divisions else []):
                if not divisions:
                    divisions.append({"division": "", "articles": []})
                divisions[-1]["articles"].append(p.article)
        docs.append({"id": d.id, "source": d.source, "title": d.title, "date": d.date, "version": d.version,
                     "untitled": d.untitled, "chars": len(d.text), "passages": len(d.passages),
                     "pages": len(d.pages), "bylines": d.bylines, "captions": len(d.captions),
                     "parts": [parts[k] for k in sorted(parts)], "divisions": divisions,
                     "articles": sum(len(x["articles"]) for x in divisions)})
    return {"files": corpus.files, "documents": docs, "unique_passages": len(corpus.passages),
            "errors": [{"file": e.name, "reason": e.reason} for e in corpus.errors],
            "content_hash": corpus.content_hash}

