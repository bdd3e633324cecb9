"""「…修改了哪些条」「第X条改了什么」: the articles whose words differ between two dated versions, side by side."""
from __future__ import annotations

from ..ingest import changed_articles
from ..search import Via, asks_for_changes
from ..text import int_to_cn
from .ask import Ask
from .citations import Citations
from .types import Answer, Intent

CHANGES_MAX = 8


def compose(ask: Ask, cites: Citations) -> Answer | None:
    """Between the asked (or newest) version and the one before it; None when the question asks for no
    changes or names no document that has dated versions."""
    turn, resolution, library = ask.turn, ask.resolution, ask.retriever.library
    if not asks_for_changes(turn.question):
        return None
    fams = library.named_families(turn.question) or \
        ([library.family_of[resolution.targets[0].doc.id]] if resolution.targets else [])
    fams = [f for f in fams if library.is_dated(f)]
    if not fams:
        return None
    fam = fams[0]
    versions = library.versions(fam)
    new_doc, new_v = library.pick_version(fam, turn.ref.year)
    older = [v for v in versions if v < new_v]
    if not older:
        new_v, older = versions[-1], versions[:-1]
        new_doc = next(d for d in library.family_docs[fam] if d.version == new_v)
    old_v = older[-1]
    pairs = changed_articles(library.family_passages(fam, old_v), library.family_passages(fam, new_v))
    if turn.ref.clause:
        pairs = [(a, b) for a, b in pairs if turn.ref.clause in (getattr(a, "article_no", 0), getattr(b, "article_no", 0))]
        if not pairs:
            text = f"《{new_doc.title}》第{int_to_cn(turn.ref.clause)}条在 {old_v} 版和 {new_v} 版中文字相同。"
            return ask.answer(text, True, Intent.CHANGES, cites.items)
    lines = [f"《{new_doc.title}》{old_v} 版与 {new_v} 版相比，有 {len(pairs)} 条不同" +
             (f"（列出前 {CHANGES_MAX} 条）" if len(pairs) > CHANGES_MAX else "") + "："]

    def quoted(p) -> str:
        return f"{p.text}[{cites.cite(ask.retriever.hit(p.id, Via.VERSION), 0, len(p.text))}]"

    for a, b in pairs[:CHANGES_MAX]:
        label = (b or a).article
        old = quoted(a) if a else "（无此条）"
        new = quoted(b) if b else "（已删除）"
        lines.append(f"【{label}】\n{old_v} 版：{old}\n{new_v} 版：{new}")
    return ask.answer("\n".join(lines), True, Intent.CHANGES, cites.items)
