"""The documents as a table for the 文档 tab: one row per document and version, its copies on that row."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ..ingest import Document, Kind
from ..ingest.sources import IMAGE_SUFFIXES

HEADERS = ["标题", "类型", "篇幅", "日期/版本", "来源文件", "添加者", "添加时间"]
SOURCE_COLUMN = HEADERS.index("来源文件")
KINDS = {".pdf": "PDF", ".docx": "Word", ".doc": "Word（旧版）", ".wps": "WPS", ".ofd": "OFD", ".txt": "文本",
         ".md": "Markdown"}


def kind_of(source: str) -> str:
    suffix = Path(source).suffix.lower()
    return "图片（文字识别）" if suffix in IMAGE_SUFFIXES else KINDS.get(suffix, suffix.lstrip(".") or "文本")


def _size(docs: list[Document]) -> str:
    d = max(docs, key=lambda x: len(x.passages))
    articles = len({p.article for p in d.passages if p.kind == Kind.ARTICLE})
    parts = [f"{len(d.pages)} 页"] if d.pages else []
    if articles:
        parts.append(f"{articles} 条")
    clauses = len({p.clause for p in d.passages if p.kind == Kind.CLAUSE})
    if clauses and not articles:
        parts.append(f"{clauses} 项（一）（二）…")
    return "，".join(parts) or f"{len(d.passages)} 段"


def rows(documents: list[Document], path_of, added_by: dict[str, str]) -> list[list[str]]:
    """`path_of(source)` gives a source file's path (or None); `added_by` maps an uploaded file name to
    who uploaded it. Documents of one family and version are copies of one text: one row, all files."""
    groups: dict[tuple[str, str], list[Document]] = {}
    for d in documents:
        groups.setdefault((d.family or d.id, d.version), []).append(d)
    out = []
    for (_, version), docs in groups.items():
        sources = list(dict.fromkeys(d.source for d in docs))
        when = []
        for s in sources:
            path = path_of(s)
            try:
                when.append(datetime.fromtimestamp(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M:%S") if path else "")
            except OSError:
                when.append("")
        copies = f"（{len(sources)} 份副本已合并）" if len(sources) > 1 else ""
        out.append([docs[0].title, "、".join(dict.fromkeys(kind_of(s) for s in sources)), _size(docs),
                    version or docs[0].date, "、".join(sources) + copies,
                    "、".join(dict.fromkeys(added_by.get(s, "") for s in sources)).strip("、"),
                    max(when)])
    return sorted(out, key=lambda r: (r[0], r[3]))
