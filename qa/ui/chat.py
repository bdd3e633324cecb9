"""The chat on the page: answers with sources bound to their own answer, conversations kept per owner, exports."""
from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import time
from pathlib import Path

import gradio as gr

from ..engine import MAX_TURNS
from ..errors import BadFile, BadQuestion
from ..ingest import ocr, userdocs
from ..ingest.sources import IMAGE_SUFFIXES
from . import conversations, export, render
from .conversations import Conversations, NoConversation
from .groups import Groups, NoGroup

log = logging.getLogger("qa.app")

EXPORTS = Path(tempfile.gettempdir()) / "qa-export"
MAX_BUBBLE = 50_000      # characters of one chat bubble a client may send back (an answer is far shorter)


def _export_folder() -> Path:
    """A fresh folder for one export; those older than an hour (long since downloaded) are removed."""
    EXPORTS.mkdir(exist_ok=True)
    for old in EXPORTS.iterdir():
        try:
            if time.time() - old.stat().st_mtime > 3600:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
    return Path(tempfile.mkdtemp(dir=EXPORTS))


class Chat:
    """The handlers of the 问答 tab. Every answer is kept in the conversation (`turns`), so each [n] and
    each copy refers to its own answer; the conversation is saved after every answer."""

    def __init__(self, qa, store: Conversations | None, groups: Groups | None = None):
        self.qa, self.conversations, self.groups = qa, store, groups

    def ask(self, question: str, history: list[dict] | None = None, k: int = 5) -> dict:
        """The `/ask` endpoint: one question (with optional earlier turns) -> the answer as JSON (the
        schema of `qa.Answer.to_dict`, as in the README), over the whole library."""
        return self.ask_within(question, history, k)

    def ask_within(self, question: str, history: list[dict] | None = None, k: int = 5,
                   docs: list[str] | None = None, group: str = "") -> dict:
        """The `/ask_within` endpoint: `/ask` limited to `docs` (titles or file names) and to a saved
        `group`; the answer's `scope` names the documents searched. A separate endpoint, so that callers
        of `/ask` that send its three inputs keep working."""
        try:
            return self.qa.ask(question, k=k, history=history, docs=self.scope(docs, group)).to_dict()
        except (BadQuestion, NoGroup) as e:     # a question too long is not echoed back whole
            return {"question": question[:200] if isinstance(question, str) else "", "error": str(e)}

    def scope(self, docs: list[str] | None, group: str | None) -> list[str] | None:
        """The documents to search: those chosen plus the group's; None: all of them."""
        names = list(docs) if isinstance(docs, (list, tuple)) else ([] if not docs else docs)
        if group and isinstance(names, list):
            if self.groups is None:
                raise NoGroup("这个服务没有保存文档组")
            names += self.groups.get(group)
        return names or None

    def reply(self, message: str, history: list[dict], turns: list[dict], conv: str | None, k: int,
              show_scores: bool, docs: list[str] | None = None, group: str | None = None,
              request: gr.Request = None):
        """One question in the chat: the answer is appended to the conversation, which is saved at once."""
        history, turns = list(history or []), list(turns or [])
        if len(history) > 2 * len(turns) + 100 or not all(
                isinstance(m, dict) and len(str(m.get("content", ""))) <= MAX_BUBBLE for m in history):
            history = render.chat_history(turns)     # the bubbles come from the client: when implausible, ours
        if len(turns) >= conversations.MAX_SAVED_TURNS:      # the page's state and the saved row stay bounded
            res = {"error": f"这个对话已有 {len(turns)} 个问答：请点“新对话”接着问"}
        else:
            res = self.ask_within(message, turns[-MAX_TURNS:], k, docs, group or "")   # a long chat goes on
        if "error" in res:
            if (message or "").strip():
                history.append({"role": "user", "content": render.answer_markdown(message[:200])})
                history.append({"role": "assistant", "content": f"⚠️ {render.answer_markdown(res['error'])}"})
            else:
                gr.Warning(res["error"], title="注意")
            return (history, "", turns, None, render.sources_panel(res, show_scores), self._picks(None),
                    conv, gr.update(), gr.update())
        turns.append(res)
        history += render.chat_history(turns[-1:], start=len(turns) - 1)
        owner = self.owner(request)
        try:
            conv = conv or self.conversations.create(owner, message)
            self.conversations.save(owner, conv, turns)
        except NoConversation:          # deleted on another page meanwhile: this one goes on as a new one
            conv = self.conversations.create(owner, message)
            self.conversations.save(owner, conv, turns)
        last = len(turns) - 1
        return (history, "", turns, last, render.sources_panel(res, show_scores, last), self._picks(res),
                conv, self.conversation_choices(owner, conv), json.dumps(self.plain(turns), ensure_ascii=False))

    @staticmethod
    def _picks(res: dict | None):
        items = (res.get("citations") or res.get("passages", [])[:5]) if res else []
        return gr.update(choices=[(f"[{c['rank']}] {c['title'][:20]} {render.location(c)}", i)
                                  for i, c in enumerate(items)], value=None)

    @staticmethod
    def plain(turns: list[dict]) -> list[str]:
        """Each answer as plain text with its sources written out: what the copy links put on the clipboard."""
        return [export.plain_answer(r) for r in turns]

    def open_citation(self, target: str, turns: list[dict], show_scores: bool):
        """An [n] clicked in answer T (target 「cite-T-n@…」): the panel shows answer T's sources."""
        m = re.fullmatch(r"cite-(\d+)-\d+(@\d+)?", target or "")
        turn = int(m[1]) if m else -1
        if not 0 <= turn < len(turns or []):
            return gr.update(), gr.update(), gr.update()
        return turn, render.sources_panel(turns[turn], show_scores, turn), self._picks(turns[turn])

    def view(self, turns: list[dict], last: int | None, choice):
        hidden = gr.update(value=None, visible=False)
        if last is None or choice is None or not 0 <= last < len(turns or []):
            return "", hidden
        result = turns[last]
        items = result.get("citations") or result.get("passages", [])[:5]
        if not 0 <= int(choice) < len(items):
            return "", hidden
        c = items[int(choice)]
        doc, shift = self._now(c)
        if doc is None:         # an old answer whose document was removed or changed since
            return render.gone_view(c), hidden
        c = {**c, "start": c["start"] + shift, "end": c["end"] + shift}
        quotes = [(q["doc_start"] + shift, q["doc_end"] + shift) for q in c.get("quotes") or []]
        html = render.document_view(doc.to_dict(), c["start"], c["end"], quotes)
        return html, self.page_image(c, doc, quotes)

    def _now(self, c: dict):
        """The document a kept citation points to today and how far its passage moved (None when the
        passage is no longer in it): a conversation outlives re-reads and edits of its documents."""
        doc = self.qa.index.docs.get(c["doc_id"])
        if doc is not None and doc.text[c["start"]:c["end"]] == c["text"]:
            return doc, 0
        for d in [doc] if doc is not None else [d for d in self.qa.index.documents if d.title == c.get("title")]:
            at = d.text.find(c["text"])
            if at >= 0:
                return d, at - c["start"]
        return None, 0

    # -- conversations ----------------------------------------------------------
    @staticmethod
    def owner(request) -> str:
        """Whose conversations: the account; '' for the one local user of a loopback server."""
        return getattr(request, "username", None) or ""

    def conversation_choices(self, owner: str, value: str | None = None):
        rows = self.conversations.listing(owner)
        return gr.update(choices=[(f"{r['title']} · {r['updated'][:16].replace('T', ' ')} · {r['turns']} 问", r["id"])
                                  for r in rows], value=value)

    def _shown(self, conv: str | None, turns: list[dict], show_scores: bool = False):
        """Everything the chat shows for a conversation: bubbles, context, sources panel, picks, copies,
        and nothing of another one (passage view, page image, exported file)."""
        last = len(turns) - 1 if turns else None
        return (render.chat_history(turns), turns, last,
                render.sources_panel(turns[last] if turns else None, show_scores, last),
                self._picks(turns[last] if turns else None), conv,
                json.dumps(self.plain(turns), ensure_ascii=False), "", gr.update(value=None, visible=False),
                gr.update(value=None, visible=False))

    def open_conversation(self, conv: str | None, show_scores: bool, request: gr.Request = None):
        if not conv:
            return self._shown(None, [], show_scores)
        try:
            data = self.conversations.load(self.owner(request), conv)
        except NoConversation as e:
            gr.Warning(str(e), title="注意")
            return self._shown(None, [], show_scores)
        return self._shown(data["id"], data["turns"], show_scores)

    def restore(self, request: gr.Request = None):
        """A page (re)loaded: the owner's latest conversation, and the list of all of them."""
        owner = self.owner(request)
        rows = self.conversations.listing(owner, limit=1)
        shown = self.open_conversation(rows[0]["id"] if rows else None, False, request)
        return (*shown, self.conversation_choices(owner, shown[5]))

    def new_conversation(self, request: gr.Request = None):
        """Clear everything: bubbles, follow-up context, sources, the passage view (the saved one stays listed)."""
        return (*self._shown(None, []), self.conversation_choices(self.owner(request)))

    def rename_conversation(self, conv: str | None, title: str, request: gr.Request = None):
        owner = self.owner(request)
        if conv:
            try:
                self.conversations.rename(owner, conv, title)
            except NoConversation as e:
                gr.Warning(str(e), title="注意")
        return self.conversation_choices(owner, conv), ""

    def delete_conversation(self, conv: str | None, confirmed: bool, request: gr.Request = None):
        if conv and confirmed:
            self.conversations.delete(self.owner(request), conv)
            return self.new_conversation(request)
        return (*([gr.update()] * 10), gr.update())

    def export(self, conv: str | None, turns: list[dict], kind: str, request: gr.Request = None):
        """The conversation as a Markdown or Word file to download."""
        if not turns:
            gr.Warning("对话还是空的：先提问，再导出。", title="注意")
            return gr.update(value=None, visible=False)
        title = next((r["title"] for r in self.conversations.listing(self.owner(request)) if r["id"] == conv),
                     None) or conversations.title_of(turns[0].get("question", ""))
        folder = _export_folder()
        name = userdocs.safe_name(title)[:40] or "对话"
        if kind == "docx":
            path = export.docx(title, turns, folder / f"{name}.docx")
        else:
            path = folder / f"{name}.md"
            path.write_text(export.markdown(title, turns), encoding="utf-8")
        return gr.update(value=str(path), visible=True)

    def export_markdown(self, conv: str | None, turns: list[dict], request: gr.Request = None):
        return self.export(conv, turns, "md", request)

    def export_word(self, conv: str | None, turns: list[dict], request: gr.Request = None):
        return self.export(conv, turns, "docx", request)

    def page_image(self, c: dict, doc, quotes):
        """The cited page of a PDF, scan or photo with the quoted sentence framed, for checking against the paper."""
        hidden = gr.update(value=None, visible=False)
        path = self.qa.source_path(doc.source) if c.get("page") else None
        if path is None or path.suffix.lower() not in (".pdf", *IMAGE_SUFFIXES):
            return hidden
        start, end = quotes[0] if quotes else (c["start"], c["end"])
        page = doc.page_at(start) or c["page"]
        last = max(page, doc.page_at(max(start, end - 1)) or page)
        try:
            with tempfile.TemporaryDirectory(prefix="qa-page-") as tmp:
                out = Path(tmp) / "page.png"
                ocr.page_view(path, page, doc.text[start:end], out, last=last)
                from PIL import Image
                with Image.open(out) as im:
                    image = im.copy()
        except (BadFile, OSError) as e:
            log.warning("原页无法显示：%s", e)
            return hidden
        return gr.update(value=image, visible=True, label=f"原页：{c['source']} 第{page}{f'–{last}' if last > page else ''}页（框出的是引用的句子）")

    # -- scope ------------------------------------------------------------------
    def scope_choices(self):
        """The titles to choose from (a title once, however many copies or versions), and the groups."""
        titles = list(dict.fromkeys(d.title for d in self.qa.index.documents if not d.untitled))
        groups = [g["name"] for g in self.groups.listing()] if self.groups is not None else []
        return gr.update(choices=titles), gr.update(choices=["", *groups])

    def save_group(self, name: str, docs: list[str] | None):
        if self.groups is None:
            return gr.update(), ""
        try:
            saved = self.groups.save(name, list(docs or []))
        except NoGroup as e:
            gr.Warning(str(e), title="注意")
            return gr.update(), name
        gr.Info(f"已保存文档组「{saved}」：{len(docs)} 份文档", title="已保存")
        return gr.update(choices=["", *(g["name"] for g in self.groups.listing())], value=saved), ""

    def delete_group(self, name: str, confirmed: bool):
        if self.groups is not None and name and confirmed:
            self.groups.delete(name)
            return gr.update(choices=["", *(g["name"] for g in self.groups.listing())], value="")
        return gr.update()
