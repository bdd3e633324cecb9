"""Answers into reports: plain text with numbered sources, and a whole conversation as Markdown or Word."""
from __future__ import annotations

import re
from pathlib import Path

from ..answer import RELATED_HEADING, Verdict

PARAGRAPH = re.compile(r"第[一二三四五六七八九十百零〇]+款")
PAGE = re.compile(r"（第[\d–]+页）$")


def source_line(c: dict) -> str:
    """「《中共中央关于加强对“一把手”和领导班子监督的意见》（十四）」, 「《…条例》第七条第二款，第2页」: what a
    report writes after a quote (the title and the place in it, never a file name)."""
    where = c.get("article") or c.get("clause") or ""
    location = c.get("location") or ""
    if where and (m := PARAGRAPH.search(location)):
        where += m[0]
    if not where:
        where = PAGE.sub("", location).strip() or c.get("section", "")
    page = int(c.get("page") or 0)
    end = int(c.get("page_end") or 0)
    pages = f"，第{page}–{end}页" if end > page else (f"，第{page}页" if page else "")
    return f"《{c.get('title', '')}》{where}{pages}"


def _answer_text(result: dict) -> str:
    text = result.get("answer", "")
    if result.get("scope"):
        text = f"（检索范围：{'、'.join(f'《{t}》' for t in result['scope'])}）\n{text}"
    verdict = result.get("verdict")
    if verdict and verdict != "answered":
        text = f"（判断：{Verdict(verdict).label}）\n{text}"
    return text.replace(f"\n{RELATED_HEADING}：\n", f"\n\n{RELATED_HEADING}：\n")


def plain_answer(result: dict) -> str:
    """One answer as a person pastes it into a report: its words with [n], then the numbered sources."""
    cited = result.get("citations") or []
    lines = [_answer_text(result)]
    if cited:
        lines += ["", "出处："] + [f"[{int(c['rank'])}] {source_line(c)}" for c in cited]
    return "\n".join(lines)


def _quotes(c: dict) -> list[str]:
    return [q["text"] for q in c.get("quotes") or []] or [c.get("text", "")]


def markdown(title: str, turns: list[dict]) -> str:
    """The conversation: each question, its answer, and each source with the sentences quoted from it."""
    out = [f"# {title}", ""]
    for n, r in enumerate(turns, 1):
        out += [f"## {n}. {r.get('question', '')}", "", _answer_text(r).replace("\n", "  \n"), ""]
        for c in r.get("citations") or []:
            out.append(f"- [{int(c['rank'])}] {source_line(c)}")
            out += [f"  > {q}" for q in _quotes(c)]
        out.append("")
    return "\n".join(out)


def docx(title: str, turns: list[dict], path: str | Path) -> Path:
    """The same as `markdown`, as a Word document (python-docx)."""
    import docx as python_docx
    from docx.shared import Pt

    doc = python_docx.Document()
    doc.add_heading(title, level=1)
    for n, r in enumerate(turns, 1):
        doc.add_heading(f"{n}. {r.get('question', '')}", level=2)
        for para in _answer_text(r).split("\n"):
            if para.strip():
                doc.add_paragraph(para)
        for c in r.get("citations") or []:
            doc.add_paragraph(f"[{int(c['rank'])}] {source_line(c)}", style="List Bullet")
            for q in _quotes(c):
                quote = doc.add_paragraph(f"「{q}」")
                quote.paragraph_format.left_indent = Pt(24)
    path = Path(path)
    doc.save(path)
    return path
