"""HTML for the web page, as pure functions of the answer schema's dicts (`Answer.to_dict`); every text from a
document or a user is escaped."""
from __future__ import annotations

import re
from html import escape

from ..answer import RELATED_HEADING, Verdict

LABELS = {v.value: v.label for v in Verdict}

# Colours come from Gradio's theme variables, so dark mode stays readable; a phone gets the relations as cards.
CSS = """
.qa-cite {border:1px solid var(--border-color-primary);border-radius:8px;margin:6px 0;padding:6px 10px;
  background:var(--block-background-fill);color:var(--body-text-color)}
.qa-cite summary {cursor:pointer;font-weight:600}
.qa-cite .meta, .qa-doc-head .meta, .qa-for {color:var(--body-text-color-subdued);font-size:.85em;margin:4px 0}
.qa-cite .passage {line-height:1.7;white-space:pre-line}   /* （一）（二） items on lines of their own */
.qa-cite mark, .qa-doc mark {background:#fde68a;color:#111827;padding:0 1px}
.qa-diff del {color:#b91c1c} .qa-diff ins {color:#047857;text-decoration:none}
.dark .qa-diff del {color:#fca5a5} .dark .qa-diff ins {color:#6ee7b7}
.qa-doc {line-height:1.8;max-height:560px;overflow-y:auto;padding:8px 12px;border:1px solid var(--border-color-primary);
  border-radius:8px;white-space:pre-wrap;color:var(--body-text-color);background:var(--block-background-fill)}
.qa-doc .focus {background:#eef2ff;color:#111827;outline:2px solid #6366f1;border-radius:4px}
.dark .qa-doc .focus {background:#312e81;color:#f9fafb;outline-color:#a5b4fc}
.dark .qa-doc .focus mark {background:#facc15;color:#111827}
.qa-empty {color:var(--body-text-color-subdued)}
.qa-for {display:flex;gap:8px;align-items:center;justify-content:space-between}
.qa-copy {border:1px solid var(--border-color-primary);border-radius:6px;padding:2px 8px;background:transparent;
  color:var(--body-text-color);cursor:pointer;white-space:nowrap}
.qa-copy[data-copied]::after, a[href^="#copy-"][data-copied]::after {content:" ✓ 已复制"}
.qa-notfound {border-left:4px solid #f59e0b;padding-left:8px}
.qa-verdict {font-weight:600;margin:4px 0 8px} .qa-not_in_documents, .qa-partly {color:#b45309}
.dark .qa-not_in_documents, .dark .qa-partly {color:#fbbf24}
table.qa-rel {border-collapse:collapse;width:100%}
table.qa-rel td, table.qa-rel th {border-bottom:1px solid var(--border-color-primary);padding:4px 6px;text-align:left;vertical-align:top}
@media (max-width: 640px) {
  table.qa-rel, table.qa-rel tbody, table.qa-rel tr, table.qa-rel td {display:block;width:auto}
  table.qa-rel tr.head {display:none}
  table.qa-rel tr {border:1px solid var(--border-color-primary);border-radius:8px;margin:8px 0;padding:6px 8px}
  table.qa-rel td {border:0;padding:2px 0}
  table.qa-rel td::before {content:attr(data-label) "：";color:var(--body-text-color-subdued)}
}
"""

# An [n] in answer T links to #cite-T-n. If the sources panel shows answer T, the card opens; otherwise the
# link is handed to the server through the hidden #cite-target box, which shows answer T in the panel
# (OPEN_CARD then opens the card). A 「复制」 link copies answer T as plain text with its sources written
# out, from the texts kept in the hidden #plain-store box (read at the click: the clipboard needs it).
JS = """
() => {
  const copy = (text) => {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    const t = document.createElement('textarea');
    t.value = text; document.body.appendChild(t); t.select(); document.execCommand('copy'); t.remove();
  };
  document.addEventListener('click', (ev) => {
    const c = ev.target.closest('a[href^="#copy-"], button[data-copy]');
    if (c) {
      ev.preventDefault();
      const turn = c.dataset.copy ?? c.getAttribute('href').slice(6);
      let texts = [];
      try { texts = JSON.parse(document.querySelector('#plain-store textarea').value || '[]'); } catch (e) {}
      if (texts[turn] !== undefined) { copy(texts[turn]); c.dataset.copied = '1'; setTimeout(() => delete c.dataset.copied, 1500); }
      return;
    }
    const a = ev.target.closest('a[href^="#cite-"]');
    if (!a) return;
    ev.preventDefault();
    const id = a.getAttribute('href').slice(1);
    const el = document.getElementById(id);
    if (el) { el.open = true; el.scrollIntoView({behavior: 'smooth', block: 'center'}); return; }
    const box = document.querySelector('#cite-target textarea');
    if (box) { box.value = id + '@' + Date.now(); box.dispatchEvent(new Event('input', {bubbles: true})); }
  });
}
"""

# After the server has put the clicked answer in the panel: open and show the card asked for.
OPEN_CARD = """(target) => { const id = (target || '').split('@')[0];
  setTimeout(() => { const el = document.getElementById(id);
    if (el) { el.open = true; el.scrollIntoView({behavior: 'smooth', block: 'center'}); } }, 100); }"""

SCROLL_TO_FOCUS = "() => { setTimeout(() => document.querySelector('.qa-doc .focus')?.scrollIntoView({block: 'center'}), 150); }"


def location(c: dict) -> str:
    return c.get("location") or " ".join(x for x in (c.get("part", ""), c.get("clause", "")) if x) \
        or (c.get("section") or "")


def _highlight(text: str, spans: list[tuple[int, int]]) -> str:
    out, pos = [], 0
    for s, e in sorted(spans):
        if s < pos or s >= e:
            continue
        out.append(escape(text[pos:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:]))
    return "".join(out)


def answer_markdown(answer: str, turn: int | None = None) -> str:
    """The chat message: the answer's own words (escaped), [n] turned into links to its source in answer
    `turn` (so an earlier answer's [1] opens that answer's source, not the newest one's)."""
    # quotes stay as they are: this is text, not an attribute, and 「&#x27;」 would have its # escaped below
    safe = escape(answer, quote=False).replace("\n", "  \n")
    safe = re.sub(r"([\\`*_{}\[\]()#+\-.!|>~])", r"\\\1", safe)
    prefix = "" if turn is None else f"{int(turn)}-"
    return re.sub(r"\\\[(\d+)\\\]", lambda m: f"[\\[{m[1]}\\]](#cite-{prefix}{m[1]})", safe)


def chat_message(result: dict, turn: int | None = None) -> str:
    """An answer as the chat shows it: the verdict first (seen with the answer at any screen width, not in
    a panel below it); a refusal's line on its own, with the related
    sentences folded under 「相关规定（不是答案）」 so that they never read as the answer."""
    text = result.get("answer", "")
    verdict = result.get("verdict")
    head = ""
    if verdict:
        missing = "、".join(result.get("missing") or [])
        head = (f"**判断：{escape(LABELS.get(verdict, verdict))}"
                + (f"（缺：{escape(missing)}）" if missing and verdict == "partly" else "") + "**  \n")
    if result.get("scope"):
        head += f"检索范围：{answer_markdown('、'.join(f'《{t}》' for t in result['scope']))}  \n"
    marker = f"\n{RELATED_HEADING}：\n"
    tail = f"\n\n[复制答案和出处](#copy-{int(turn)})" if turn is not None else ""
    if result.get("found") or marker not in text:
        return head + answer_markdown(text, turn) + tail
    refusal, related = text.split(marker, 1)
    return (head + answer_markdown(refusal, turn) + f"\n\n<details><summary>{RELATED_HEADING}</summary>\n\n"
            + answer_markdown(related, turn) + "\n\n</details>" + tail)


def chat_history(turns: list[dict], start: int = 0) -> list[dict]:
    """The chat bubbles of a conversation's answers (numbered from `start`): each links to its own sources."""
    out = []
    for t, r in enumerate(turns, start):
        out.append({"role": "user", "content": answer_markdown(r.get("question", ""))})
        out.append({"role": "assistant", "content": chat_message(r, t)})
    return out


def _sources_line(c: dict) -> str:
    """Where the passage stands in its file(s): 「原文第53行；副本第50行」, the file name on hover (file names
    such as 000_0dea9b20fcaf03ac.txt say nothing to a reader; the title is in the card's heading)."""
    where = [(s["source"], f"第{int(s['page'])}页" if s.get("page") else f"第{int(s['line'])}行")
             for s in c.get("sources") or []] or [(c.get("source", ""), "")]
    return "；".join(f"<span title='{escape(f)}'>{'原文' if i == 0 else '副本'}{at}</span>"
                    for i, (f, at) in enumerate(where))


def _variants(c: dict) -> str:
    rows = []
    for v in c.get("variants") or []:
        diffs = "；".join(f"…{escape(d['context'])}<del>{escape(d['this']) or '∅'}</del>→"
                         f"<ins>{escape(d['other']) or '∅'}</ins>" for d in v.get("diffs", [])[:6])
        if diffs:
            rows.append(f"<div class='qa-diff'>另一版本（{escape(v['source'])}）不同之处：{diffs}</div>")
    return "".join(rows)


def citation_card(c: dict, show_scores: bool, open_: bool = False, anchor: str | None = "") -> str:
    """One source; `anchor` is the answer's prefix of its id (cite-T-n), None for no id."""
    spans = [(q["start"], q["end"]) for q in c.get("quotes") or []]
    score = f" · 相关度 {c['score']:.3f}" if show_scores else ""
    ident = f" id='cite-{anchor}{int(c['rank'])}'" if anchor is not None else ""
    return (f"<details class='qa-cite'{ident}{' open' if open_ else ''}>"
            f"<summary>[{int(c['rank'])}] 《{escape(c['title'])}》 {escape(location(c))}</summary>"
            f"<div class='meta'>来源：{_sources_line(c)}{score}</div>"
            f"<div class='passage'>{_highlight(c['text'], spans)}</div>{_variants(c)}</details>")


def verdict_line(result: dict) -> str:
    """The judge's verdict in one line, with what the documents do not give."""
    verdict = result.get("verdict")
    if not verdict:
        return ""
    missing = "、".join(result.get("missing") or [])
    return (f"<div class='qa-verdict qa-{escape(verdict)}' id='verdict'>判断：{LABELS.get(verdict, escape(verdict))}"
            + (f"（缺：{escape(missing)}）" if missing else "") + "</div>")


def sources_panel(result: dict | None, show_scores: bool = False, turn: int | None = None) -> str:
    """The sources of one answer (answer `turn` of the conversation), with a button to copy it."""
    if not result:
        return "<div class='qa-empty'>提问后，这里显示答案引用的原文段落；点击答案中的 [n] 可直接打开。</div>"
    if result.get("error"):
        return f"<div class='qa-notfound'>{escape(result['error'])}</div>"
    anchor = "" if turn is None else f"{int(turn)}-"
    parts = [f"<div class='qa-for'>第 {int(turn) + 1} 个回答的出处：{escape(result.get('question', '')[:60])}"
             f"<button class='qa-copy' data-copy='{int(turn)}'>复制答案和出处</button></div>" if turn is not None else "",
             verdict_line(result)]
    if result.get("citations"):
        # sentences quoted beside a refusal are related, not the answer: the heading says so
        parts.append("<h4>引用</h4>" if result.get("found") else "<h4>相关规定（不是答案）</h4>")
        parts += [citation_card(c, show_scores, open_=(i == 0), anchor=anchor)
                  for i, c in enumerate(result["citations"])]
    if not result.get("found"):
        parts.append("<div class='qa-notfound'>文档中没有直接回答这个问题的内容。以下段落可能相关：</div>")
    related = [p for p in result.get("passages", []) if p["text"] not in {c["text"] for c in result.get("citations", [])}]
    if related:
        parts.append("<h4>其他相关段落</h4>" if result.get("found") else "")
        parts += [citation_card({**p, "quotes": []}, show_scores, anchor=None) for p in related[:5]]
    return "".join(parts)


def document_view(doc: dict, start: int = -1, end: int = -1, quotes: list[tuple[int, int]] = ()) -> str:
    """The whole document, the chosen passage framed and its quoted sentences marked."""
    text = doc["text"]
    head = (f"<h3>《{escape(doc['title'])}》</h3><div class='meta'>{escape(doc['source'])}"
            f"{' · ' + escape(doc['date']) if doc.get('date') else ''}</div>")
    if not 0 <= start < end <= len(text):
        return head + f"<div class='qa-doc'>{escape(text)}</div>"
    inner = _highlight(text[start:end], [(s - start, e - start) for s, e in quotes])
    return head + (f"<div class='qa-doc'>{escape(text[:start])}<span class='focus'>{inner}</span>"
                   f"{escape(text[end:])}</div>")


def gone_view(c: dict) -> str:
    """A kept citation whose passage is no longer in the library: what was quoted then, said plainly."""
    spans = [(q["start"], q["end"]) for q in c.get("quotes") or []]
    return (f"<div class='qa-notfound'>《{escape(c.get('title', ''))}》已删除或已修改，文档库中找不到这段原文；"
            f"下面是回答时引用的原文。</div><div class='qa-doc'>{_highlight(c.get('text', ''), spans)}</div>")


def relations_table(rows: list[dict], who: str = "", to: str = "") -> str:
    who, to = who.strip(), to.strip()
    keep = [r for r in rows if who in r["reporter"] and to in r["recipient"]]
    if not keep:
        return "<div class='qa-empty'>没有符合条件的报告关系。</div>"
    heads = ("谁", "向谁", "方式", "条件", "不报告的后果", "出处")
    body = "".join("<tr>" + "".join(f"<td data-label='{h}'>{v}</td>" for h, v in zip(heads, (
        escape(r["reporter"]), escape(r["recipient"] or "（未写明）"), escape(r["verb"]), escape(r["condition"]),
        escape(r["consequence"]), f"《{escape(r['title'])}》{escape(r['clause'])}"))) + "</tr>" for r in keep)
    head = "".join(f"<th>{h}</th>" for h in heads)
    return (f"<table class='qa-rel'><tr class='head'>{head}</tr>{body}</table>"
            f"<div class='meta'>共 {len(keep)} 条</div>")


def outline_view(outline: dict) -> str:
    items = []
    for d in outline["documents"]:
        parts = "".join(
            f"<li>{escape(p['part'])}<ul>" + "".join(f"<li>{escape(c['clause'])}{escape(c['title'])}</li>"
                                                     for c in p["clauses"]) + "</ul></li>"
            for p in d["parts"])
        chapters = "".join(
            f"<li>{escape(x['division'])} <span class='meta'>{escape(x['articles'][0])}—{escape(x['articles'][-1])}</span></li>"
            if x["articles"] else f"<li>{escape(x['division'])}</li>" for x in d.get("divisions", []) if x["division"])
        version = f" · {escape(d['version'])} 版" if d.get("version") else ""
        items.append(f"<li><b>《{escape(d['title'])}》</b> <span class='meta'>{escape(d['source'])}{version} · "
                     f"{int(d['passages'])} 段</span>{'<ul>' + parts + chapters + '</ul>' if parts or chapters else ''}</li>")
    return "<ul>" + "".join(items) + "</ul>"
