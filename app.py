"""The web chat: `python app.py` serves a local page to ask the documents questions, with cited answers."""
from __future__ import annotations

import argparse
import html
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from qa.errors import BadFile, BadQuestion, QAError
from qa.ingest import DEFAULT_CORPUS, Corpus, ocr, outline, userdocs
from qa.ingest.sources import IMAGE_SUFFIXES
from qa.ui import conversations, export, render
from qa.ui.audit import ACTIONS, Audit
from qa.ui.conversations import Conversations, NoConversation
from qa.ui.db import database_path
from qa.ui.guard import TrustedRequests, is_loopback, session_token, trusted_hosts
from qa.ui.sessions import Sessions
from qa.ui.users import USERS_FILE, Accounts, LoginRefused, load_users

log = logging.getLogger("qa.app")

WORKERS = 8   # answers in flight at once: one answer is ~20 ms of mostly numpy/FAISS work that releases the GIL
EXAMPLES = [
    "纪委书记发现班子成员有重要问题，应该向谁报告？",
    "班子开会意见分歧很大时还能表决吗？",
    "第十四条讲了什么？",
    "意见的第三部分是关于什么的？",
    "太原疫情期间抽调了多少名市直机关干部下沉一线？",
    "党费按什么比例缴纳？",
]


class App:
    """State shared by every browser session: one engine, swapped whole when documents change."""

    def __init__(self, qa, user_dir: Path, accounts: Accounts | None = None, audit: Audit | None = None,
                 conversations: Conversations | None = None):
        self.qa = qa
        self.user_dir = user_dir
        self.accounts = accounts or Accounts({})
        self.audit = audit                  # with accounts: who changed what (qa/ui/audit.py)
        self.conversations = conversations  # kept across reloads, per owner (qa/ui/conversations.py)
        self.lock = threading.Lock()        # uploads and removals rebuild one at a time

    # -- roles ----------------------------------------------------------------
    def require_admin(self, request: gr.Request | None) -> None:
        """Checked inside every document-changing handler: hiding the buttons is not enough,
        since the queue endpoint can be called directly."""
        name = getattr(request, "username", None)
        if not self.accounts.is_admin(name):
            raise gr.Error("只有管理员可以添加、删除文档或重建索引。", title="没有权限")

    def _log(self, request, action: str, target: str = "", detail: str = "") -> None:
        if self.audit is not None:
            self.audit.record(getattr(request, "username", None) or "", action, target, detail)

    def audit_view(self, request: gr.Request):
        """The latest rows of the audit log, for admins only (a reader's page gets nothing)."""
        if self.audit is None or not self.accounts.is_admin(getattr(request, "username", None)):
            return ""
        rows = "".join(f"<tr><td>{html.escape(r['at'])}</td><td>{html.escape(r['who'])}</td>"
                       f"<td>{html.escape(ACTIONS.get(r['action'], r['action']))}</td>"
                       f"<td>{html.escape(r['target'])}</td></tr>" for r in self.audit.recent(50))
        return f"<table class='audit'><tr><th>时间（UTC）</th><th>谁</th><th>做了什么</th><th>对象</th></tr>{rows}</table>"

    def role_view(self, request: gr.Request):
        name = getattr(request, "username", None)
        admin = self.accounts.is_admin(name)
        who = (f"已登录：{render.answer_markdown(name)}（{'管理员' if admin else '读者'}） · [退出](/logout)"
               if self.accounts else "")
        return gr.update(visible=admin), who

    # -- chat ---------------------------------------------------------------
    def ask(self, question: str, history: list[dict] | None = None, k: int = 5) -> dict:
        """The API endpoint: one question (with optional earlier turns) -> the answer as JSON
        (the schema of `qa.Answer.to_dict`, as in the README)."""
        try:
            return self.qa.ask(question, k=k, history=history).to_dict()
        except BadQuestion as e:     # a question too long is not echoed back whole
            return {"question": question[:200] if isinstance(question, str) else "", "error": str(e)}

    def chat(self, message: str, history: list[dict], turns: list[dict], conv: str | None, k: int,
             show_scores: bool, request: gr.Request = None):
        """One question in the chat: the answer is appended to the conversation, which is saved at once."""
        history, turns = list(history or []), list(turns or [])
        res = self.ask(message, turns, k)
        if "error" in res:
            if (message or "").strip():
                history.append({"role": "user", "content": render.answer_markdown(message[:200])})
                history.append({"role": "assistant", "content": f"⚠️ {render.answer_markdown(res['error'])}"})
            else:
                gr.Warning(res["error"])
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
        c = items[int(choice)]
        doc = self.qa.index.docs.get(c["doc_id"])
        if doc is None:
            return "", hidden
        quotes = [(q["doc_start"], q["doc_end"]) for q in c.get("quotes") or []]
        html = render.document_view(doc.to_dict(), c["start"], c["end"], quotes)
        return html, self.page_image(c, doc, quotes)

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
            gr.Warning(str(e))
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
                gr.Warning(str(e))
        return self.conversation_choices(owner, conv), ""

    def delete_conversation(self, conv: str | None, confirmed: bool, request: gr.Request = None):
        if conv and confirmed:
            self.conversations.delete(self.owner(request), conv)
            return self.new_conversation(request)
        return (*([gr.update()] * 10), gr.update())

    def export(self, conv: str | None, turns: list[dict], kind: str, request: gr.Request = None):
        """The conversation as a Markdown or Word file to download."""
        if not turns:
            gr.Warning("对话还是空的：先提问，再导出。")
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
        path = self.qa.source_path(c["source"]) if c.get("page") else None
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

    # -- documents ------------------------------------------------------------
    def doc_choices(self):
        return [(f"{d.title}（{d.source}）", d.id) for d in self.qa.index.documents]

    def show_doc(self, doc_id):
        doc = self.qa.index.docs.get(doc_id) if doc_id else None
        return render.document_view(doc.to_dict()) if doc else ""

    def upload(self, files, request: gr.Request, progress=gr.Progress()):
        self.require_admin(request)
        messages = []
        with self.lock:
            files = files or []
            for n, f in enumerate(files):
                path = Path(getattr(f, "name", f))
                name = Path(getattr(f, "orig_name", "") or path.name).name

                def pages(done, total, left, _name, n=n):     # OCR of a scan: pages done and time left
                    progress((n + done / total) / len(files) * 0.5,
                             desc=f"文字识别 {_name}：第 {done}/{total} 页，约剩 {left:.0f} 秒")
                try:
                    with ocr.reporting(pages):
                        stored, src, fresh = userdocs.store(path, name=name, folder=self.user_dir)
                    wanted, via = userdocs.safe_name(name), (f"（{src.via}）" if src.via else "")
                    if not fresh:
                        messages.append(f"ℹ️ {stored.name} 已在文档中（内容相同），未重复加入")
                    elif stored.name != wanted:
                        self._log(request, "upload_renamed", stored.name, src.via)
                        messages.append(f"✅ 已加入：{stored.name}（已有同名文件 {wanted}，两份都保留；"
                                        f"要替换旧文件，请先删除 {wanted}）{via}")
                    else:
                        self._log(request, "upload", stored.name, src.via)
                        messages.append(f"✅ 已加入：{stored.name}{via}")
                except BadFile as e:
                    messages.append(f"❌ {e.name}：{e.reason}")
            progress(0.5, desc="正在更新索引……")
            self.qa.reload(on_progress=lambda f, desc: progress(0.5 + 0.5 * f, desc=desc))
        return self._after_change(messages)

    def remove(self, name, request: gr.Request):
        self.require_admin(request)
        messages = []
        with self.lock:
            try:
                userdocs.remove(name or "", folder=self.user_dir)
                self._log(request, "remove", name)
                messages.append(f"已删除：{name}")
            except BadFile as e:
                messages.append(f"❌ {e.name}：{e.reason}")
            self.qa.reload()
        return self._after_change(messages)

    def rebuild(self, request: gr.Request):
        """Re-read every file: for documents changed on disk outside the page."""
        self.require_admin(request)
        with self.lock:
            self.qa.reload()
        self._log(request, "rebuild", detail=f"{len(self.qa.index.documents)} 篇文档")
        return self._after_change([f"索引已重建：{len(self.qa.index.documents)} 篇文档"])

    def _after_change(self, messages):
        skipped = [f"⚠️ {e.name}：{e.reason}" for e in self.qa.index.errors]
        return ("\n".join(messages + skipped) or "没有变化", *self.fresh())

    def fresh(self):
        """The views of the documents as they are now: a page opened after an upload shows it."""
        return (gr.update(choices=userdocs.listing(self.user_dir), value=None),
                gr.update(choices=self.doc_choices()), self.outline_html(),
                render.relations_table(self.relation_rows()))

    def outline_html(self):
        corpus = Corpus(documents=self.qa.index.documents, passages=self.qa.index.passages)
        return render.outline_view(outline(corpus))

    def relation_rows(self):
        return [r.to_dict() for r in self.qa.index.relations]


def build_ui(app: App) -> gr.Blocks:
    # files sent to Gradio's upload route are copied into the user folder at once; the copies Gradio keeps
    # are deleted after half an hour
    with gr.Blocks(title="政策文件问答", delete_cache=(900, 1800)) as demo:
        gr.Markdown("## 政策文件问答\n答案只摘自文档原文，每句都标注出处；文档中没有的内容会明确说明。全部在本机运行。")
        whoami = gr.Markdown("", elem_id="whoami")
        turns = gr.State([])          # this conversation's answers: the follow-up context and what [n] opens
        last = gr.State(None)         # which answer the sources panel shows
        conv = gr.State(None)         # the saved conversation's id
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=3):
                    with gr.Row(elem_id="conversations"):
                        conv_pick = gr.Dropdown(choices=[], label="对话（保存在服务器上，刷新页面也在）", scale=4,
                                                interactive=True, elem_id="conv-pick")
                        new_chat = gr.Button("新对话", size="sm", scale=1, elem_id="new-chat")
                    chatbot = gr.Chatbot(label="对话", height=460, buttons=[], elem_id="chat",
                                         placeholder="在下方输入问题，或点击示例问题。")
                    with gr.Row():
                        box = gr.Textbox(placeholder="例如：纪委书记发现班子成员有重要问题，应该向谁报告？",
                                         show_label=False, scale=5, max_lines=4, elem_id="question")
                        send = gr.Button("提问", variant="primary", scale=1, elem_id="send")
                    gr.Examples(EXAMPLES, inputs=box, label="示例问题")
                    with gr.Accordion("管理对话：改名、导出、删除", open=False, elem_id="manage"):
                        with gr.Row():
                            title = gr.Textbox(placeholder="新的对话名称", show_label=False, scale=3, elem_id="conv-title")
                            rename = gr.Button("改名", size="sm", scale=1, elem_id="rename")
                        with gr.Row():
                            to_md = gr.Button("导出 Markdown", size="sm", elem_id="export-md")
                            to_docx = gr.Button("导出 Word", size="sm", elem_id="export-docx")
                            drop = gr.Button("删除这个对话", size="sm", variant="stop", elem_id="delete-chat")
                        exported = gr.File(visible=False, label="导出的文件", elem_id="exported")
                    with gr.Accordion("设置", open=False):
                        k = gr.Slider(1, 10, value=5, step=1, label="显示的来源段落数")
                        show_scores = gr.Checkbox(False, label="显示相关度分数")
                with gr.Column(scale=2):
                    sources = gr.HTML(render.sources_panel(None), elem_id="sources")
                    pick = gr.Radio(choices=[], label="在文档中查看", interactive=True, elem_id="pick")
                    doc_view = gr.HTML("", elem_id="docview")
                    page_img = gr.Image(visible=False, type="pil", interactive=False, elem_id="pageimage",
                                        label="原页", buttons=["fullscreen"])
            # written by the page's script (render.JS): an [n] of an earlier answer; the copy texts
            cite_target = gr.Textbox(visible="hidden", elem_id="cite-target")
            plain_store = gr.Textbox(visible="hidden", elem_id="plain-store")
            confirmed = gr.Checkbox(visible="hidden", elem_id="confirmed")
        with gr.Tab("报告关系"):
            gr.Markdown("文档中“谁向谁报告/反映/汇报”的全部规定，可按报告人或报告对象筛选。")
            with gr.Row():
                who = gr.Textbox(label="报告人包含", placeholder="如：纪委书记")
                to = gr.Textbox(label="报告对象包含", placeholder="如：上级纪委")
            rel_html = gr.HTML(render.relations_table(app.relation_rows()), elem_id="relations")
        with gr.Tab("文档"):
            outline_html = gr.HTML(app.outline_html(), elem_id="outline")
            doc_pick = gr.Dropdown(choices=app.doc_choices(), label="阅读全文", interactive=True)
            full_doc = gr.HTML("")
            with gr.Column(visible=not app.accounts, elem_id="admin") as admin_box:
                gr.Markdown(f"### 添加文档\n上传 PDF（扫描件会做文字识别）、Word（.docx/.doc）、WPS、OFD、图片"
                            f"（.png/.jpg/.tif）、.txt 或 .md（文本为 UTF-8 或 GBK；单个不超过 "
                            f"{userdocs.MAX_UPLOAD // 1024 // 1024} MB），加入后可直接按条款提问，重启后仍保留。")
                # every name is let through: a file the readers refuse gets its reason in Chinese, not a toast
                upload = gr.File(file_count="multiple", file_types=None,
                                 label="上传文档", elem_id="upload")
                status = gr.Textbox(label="状态", interactive=False, lines=3, elem_id="status")
                with gr.Row():
                    # custom values: the list a session shows may be older than the folder; remove() checks
                    mine = gr.Dropdown(choices=userdocs.listing(app.user_dir), label="已添加的文档",
                                       interactive=True, allow_custom_value=True)
                    remove = gr.Button("删除所选文档", variant="stop", elem_id="remove")
                    rebuild = gr.Button("重建索引", elem_id="rebuild")
                if app.audit is not None:
                    with gr.Accordion("审计日志（最近 50 条）", open=False):
                        audit_html = gr.HTML("", elem_id="audit")

        chat_in = [box, chatbot, turns, conv, k, show_scores]
        chat_out = [chatbot, box, turns, last, sources, pick, conv, conv_pick, plain_store]
        send.click(app.chat, chat_in, chat_out, api_name="chat")
        box.submit(app.chat, chat_in, chat_out, api_visibility="private")
        shown = [chatbot, turns, last, sources, pick, conv, plain_store, doc_view, page_img, exported]
        for clearing in (new_chat.click, chatbot.clear):
            clearing(app.new_conversation, None, [*shown, conv_pick], api_visibility="private")
        conv_pick.input(app.open_conversation, [conv_pick, show_scores], shown, api_visibility="private")
        rename.click(app.rename_conversation, [conv, title], [conv_pick, title], api_visibility="private")
        drop.click(app.delete_conversation, [conv, confirmed], [*shown, conv_pick], api_visibility="private",
                   js="(c, _) => [c, confirm('删除这个对话？删除后不能恢复。')]")
        to_md.click(app.export_markdown, [conv, turns], exported, api_visibility="private")
        to_docx.click(app.export_word, [conv, turns], exported, api_visibility="private")
        cite_target.change(app.open_citation, [cite_target, turns, show_scores], [last, sources, pick],
                          api_visibility="private").then(None, cite_target, None, js=render.OPEN_CARD)
        show_scores.change(lambda t, n, s: render.sources_panel(t[n] if n is not None and n < len(t) else None, s, n),
                           [turns, last, show_scores], sources, api_visibility="private")
        pick.change(app.view, [turns, last, pick], [doc_view, page_img], api_visibility="private").then(
            None, None, None, js=render.SCROLL_TO_FOCUS)
        for field in (who, to):
            field.change(lambda a, b: render.relations_table(app.relation_rows(), a, b), [who, to], rel_html,
                         api_visibility="private")
        doc_pick.change(app.show_doc, doc_pick, full_doc, api_visibility="private")
        changed = [status, mine, doc_pick, outline_html, rel_html]
        # Document changes run one at a time (concurrency_id) while answers go on in parallel.
        events = [upload.upload(app.upload, upload, changed, api_name="upload", concurrency_limit=1,
                                concurrency_id="docs"),
                  remove.click(app.remove, mine, changed, api_name="remove", concurrency_limit=1, concurrency_id="docs"),
                  rebuild.click(app.rebuild, None, changed, api_name="rebuild", concurrency_limit=1,
                                concurrency_id="docs")]
        if app.audit is not None:
            for event in events:
                event.then(app.audit_view, None, audit_html, api_visibility="private")
            demo.load(app.audit_view, None, audit_html, api_visibility="private")
        demo.load(app.role_view, None, [admin_box, whoami], api_visibility="private")
        demo.load(app.fresh, None, changed[1:], api_visibility="private")
        demo.load(app.restore, None, [*shown, conv_pick], api_visibility="private")
        gr.api(app.ask, api_name="ask")
    return demo


def _login(accounts: Accounts, audit: Audit):
    """Gradio's auth callable: the throttle's refusal becomes 429 with its reason; every try is logged."""
    async def check(name: str, password: str) -> bool:
        from fastapi import HTTPException
        try:
            ok = await accounts.check(name, password)
        except LoginRefused as e:
            audit.record(name[:64], "login_refused")
            raise HTTPException(status_code=429, detail=str(e)) from None
        audit.record(name[:64], "login" if ok else "login_failed")
        return ok
    return check


EXPORTS = Path(tempfile.gettempdir()) / "qa-export"


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


def _tokens(demo) -> dict:
    """Gradio's live session tokens (token -> name); the dict exists once the server runs."""
    return getattr(getattr(demo, "server_app", None), "tokens", {})


def _user_of(demo, headers: dict) -> str | None:
    """The logged-in name behind a request's Gradio session cookie, if any."""
    token = session_token(headers)
    return _tokens(demo).get(token) if token else None


def _keep_sessions(accounts: Accounts, sessions: Sessions, interval: float = 1.0) -> threading.Thread:
    """Once a second: a removed user, a new password or role ends that user's sessions; the sessions table
    follows the live tokens, and a `qa users logout` is carried out."""
    def loop():
        while True:
            time.sleep(interval)
            try:
                changed = accounts.refresh()
                for name in sessions.end(changed, "账号已删除或已修改") if changed else ():
                    log.info("已结束 %s 的登录会话（账号已删除或已修改）", name)
                sessions.sync()
            except Exception:          # a locked or full disk must not end the watch
                log.exception("登录会话记录失败")
    thread = threading.Thread(target=loop, name="sessions", daemon=True)
    thread.start()
    return thread


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="政策文件问答：本地网页")
    ap.add_argument("--host", default="127.0.0.1", help="监听地址（默认只在本机）")
    ap.add_argument("--port", type=int, default=7860)
    ap.add_argument("--share", action="store_true", help="生成公网分享链接（默认关闭）")
    ap.add_argument("--model", help="sentence-transformers 模型名或目录")
    ap.add_argument("--index", help="索引目录")
    ap.add_argument("--corpus", action="append", help="语料目录（默认 data/corpus）")
    ap.add_argument("--user-dir", default=str(userdocs.USER_DIR), help="上传文档的保存目录")
    ap.add_argument("--users", default=str(USERS_FILE),
                    help=f"用户文件（默认 {USERS_FILE}，或环境变量 QA_USERS_FILE）；有用户时需要登录")
    ap.add_argument("--trusted-host", action="append", default=[],
                    help="别人访问本服务时用的域名或地址（可多次给出；本机地址和 --host 总是可以）")
    ap.add_argument("--workers", type=int, default=WORKERS, help="同时回答的问题数")
    args = ap.parse_args(argv)
    try:
        accounts = Accounts(load_users(args.users), path=args.users)
    except QAError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 1
    if (args.share or not is_loopback(args.host)) and not accounts:
        print(f"拒绝启动：--host {args.host}{' --share' if args.share else ''} 会让其他人访问本服务，必须先设置登录。\n"
              f"  添加管理员： qa users add 名字 --admin --users {args.users}\n"
              f"  添加读者：   qa users add 名字 --users {args.users}\n"
              f"然后重新启动。只在本机使用时去掉 --host/--share 即可，无需登录。", file=sys.stderr)
        return 2
    from qa import QA
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    user_dir = Path(args.user_dir)
    user_dir.mkdir(parents=True, exist_ok=True)
    userdocs.sweep(user_dir)
    print("正在加载模型和索引（首次运行需要建立索引，约半分钟）……", flush=True)
    try:
        qa = QA(model=args.model, index_dir=args.index,
                corpus=[*(args.corpus or [DEFAULT_CORPUS]), user_dir], progress=True)
    except QAError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 1
    # parsed once now, so an upload re-parses only the new file
    threading.Thread(target=qa.warm, name="warm-parse", daemon=True).start()
    audit = Audit(database_path(args.users)) if accounts else None
    app = App(qa, user_dir, accounts, audit, Conversations(database_path(args.users)))
    demo = build_ui(app)
    demo.queue(default_concurrency_limit=max(1, args.workers))
    sessions = Sessions(audit.path, lambda: _tokens(demo)) if accounts else None
    if accounts:
        _keep_sessions(accounts, sessions)
    hosts = trusted_hosts(args.host, args.trusted_host + os.environ.get("QA_TRUSTED_HOSTS", "").split(","))
    # a share link is reached under the relay's name: there only the origin is checked
    guard = [Middleware(TrustedRequests, hosts=None if args.share else hosts,
                        may_upload=lambda headers: not accounts or accounts.is_admin(_user_of(demo, headers)),
                        signed_in=(lambda headers: _user_of(demo, headers) is not None) if accounts else None,
                        sessions=sessions)]
    demo.launch(server_name=args.host, server_port=args.port, share=args.share, css=render.CSS,
                app_kwargs={"middleware": guard},
                js=render.JS, max_file_size=f"{userdocs.MAX_UPLOAD // 1024 // 1024}mb",
                auth=_login(accounts, audit) if accounts else None,
                auth_message="请用管理员分配的账号登录（读者可提问，管理员还可管理文档）。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
