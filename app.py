"""The web chat: `python app.py` serves a local page to ask the documents questions, with cited answers."""
from __future__ import annotations

import argparse
import html
import logging
import os
import sys
import threading
import time
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from qa.errors import BadFile, QAError
from qa.ingest import Corpus, ocr, outline, userdocs
from qa.ui import doctable, render
from qa.ui.audit import ACTIONS, Audit
from qa.ui.chat import Chat
from qa.ui.conversations import Conversations
from qa.ui.db import database_path
from qa.ui.groups import Groups
from qa.ui.guard import TrustedRequests, is_loopback, session_token, trusted_hosts
from qa.ui.locale import ChinesePage
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
                 conversations: Conversations | None = None, groups: Groups | None = None):
        self.qa = qa
        self.user_dir = user_dir
        self.accounts = accounts or Accounts({})
        self.audit = audit                  # with accounts: who changed what (qa/ui/audit.py)
        self.chat = Chat(qa, conversations, groups)  # answers, their sources, conversations kept per owner
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

    # -- documents ------------------------------------------------------------
    def doc_rows(self) -> list[list[str]]:
        """The documents table: who added an upload comes from the audit log (「本机」 on loopback)."""
        uploaded = self.audit.uploaders() if self.audit is not None else {}
        mine = set(userdocs.listing(self.user_dir))
        added = {s: (uploaded.get(s, "本机上传") if s in mine else "语料目录")
                 for s in {d.source for d in self.qa.index.documents}}
        return doctable.rows(self.qa.index.documents, self.qa.source_path, added)

    def show_doc(self, evt: gr.SelectData):
        """A row clicked: that document in full (the row's first file, under the row's title)."""
        row = evt.row_value or []
        if len(row) <= doctable.SOURCE_COLUMN:
            return ""
        files, when = row[doctable.SOURCE_COLUMN], row[doctable.HEADERS.index("日期/版本")]
        doc = next((d for d in self.qa.index.documents
                    if d.title == row[0] and d.source in files and (d.version or d.date) == when), None)
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
        if not name:            # nothing chosen, or the confirmation was cancelled: nothing changes
            return ("没有删除任何文档", *(gr.update() for _ in self.fresh_outputs))
        messages = []
        with self.lock:
            try:
                userdocs.remove(name, folder=self.user_dir)
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

    # what `fresh` fills: the uploads list, the documents table, the outline, relations, scope choices and groups
    fresh_outputs = ("mine", "doc_table", "outline", "relations", "scope_docs", "scope_group")

    def fresh(self):
        """The views of the documents as they are now: a page opened after an upload shows it."""
        return (gr.update(choices=userdocs.listing(self.user_dir), value=None),
                self.doc_rows(), self.outline_html(),
                render.relations_table(self.relation_rows()), *self.chat.scope_choices())

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
                    with gr.Row(elem_id="scope"):
                        scope_docs = gr.Dropdown(choices=[], multiselect=True, scale=4, elem_id="scope-docs",
                                                 label="检索范围：只在这些文档中查找（不选即全部文档）")
                        scope_group = gr.Dropdown(choices=[""], value="", scale=2, elem_id="scope-group",
                                                  label="或文档组", interactive=True)
                    with gr.Accordion("把所选文档保存为文档组", open=False, elem_id="groups"):
                        with gr.Row():
                            group_name = gr.Textbox(placeholder="组名，如：纪检监察", show_label=False, scale=3,
                                                    elem_id="group-name")
                            save_group = gr.Button("保存", size="sm", scale=1, elem_id="save-group")
                            drop_group = gr.Button("删除所选文档组", size="sm", scale=1, variant="stop",
                                                   elem_id="delete-group")
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
            # one row per document and version (copies merged onto it); sortable, searchable, click to read
            doc_table = gr.Dataframe(app.doc_rows(), headers=doctable.HEADERS, type="array", interactive=False,
                                     show_search="search", wrap=True, max_height=420, elem_id="doctable",
                                     column_widths=["28%", "9%", "11%", "11%", "19%", "10%", "12%"],
                                     label="文档（点击一行阅读全文；点击列名排序）")
            full_doc = gr.HTML("", elem_id="fulldoc")
            with gr.Accordion("全部文档的结构（部分、条款）", open=False):
                outline_html = gr.HTML(app.outline_html(), elem_id="outline")
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

        chat = app.chat
        chat_in = [box, chatbot, turns, conv, k, show_scores, scope_docs, scope_group]
        chat_out = [chatbot, box, turns, last, sources, pick, conv, conv_pick, plain_store]
        send.click(chat.reply, chat_in, chat_out, api_name="chat")
        box.submit(chat.reply, chat_in, chat_out, api_visibility="private")
        shown = [chatbot, turns, last, sources, pick, conv, plain_store, doc_view, page_img, exported]
        for clearing in (new_chat.click, chatbot.clear):
            clearing(chat.new_conversation, None, [*shown, conv_pick], api_visibility="private")
        conv_pick.input(chat.open_conversation, [conv_pick, show_scores], shown, api_visibility="private")
        rename.click(chat.rename_conversation, [conv, title], [conv_pick, title], api_visibility="private")
        drop.click(chat.delete_conversation, [conv, confirmed], [*shown, conv_pick], api_visibility="private",
                   js="(c, _) => [c, confirm('删除这个对话？删除后不能恢复。')]")
        save_group.click(chat.save_group, [group_name, scope_docs], [scope_group, group_name], api_visibility="private")
        drop_group.click(chat.delete_group, [scope_group, confirmed], scope_group, api_visibility="private",
                         js="(g, _) => [g, !!g && confirm('删除文档组「' + g + '」？（文档本身不受影响）')]")
        to_md.click(chat.export_markdown, [conv, turns], exported, api_visibility="private")
        to_docx.click(chat.export_word, [conv, turns], exported, api_visibility="private")
        cite_target.change(chat.open_citation, [cite_target, turns, show_scores], [last, sources, pick],
                          api_visibility="private").then(None, cite_target, None, js=render.OPEN_CARD)
        show_scores.change(lambda t, n, s: render.sources_panel(t[n] if n is not None and n < len(t) else None, s, n),
                           [turns, last, show_scores], sources, api_visibility="private")
        pick.change(chat.view, [turns, last, pick], [doc_view, page_img], api_visibility="private").then(
            None, None, None, js=render.SCROLL_TO_FOCUS)
        for field in (who, to):
            field.change(lambda a, b: render.relations_table(app.relation_rows(), a, b), [who, to], rel_html,
                         api_visibility="private")
        doc_table.select(app.show_doc, None, full_doc, api_visibility="private")
        changed = [status, mine, doc_table, outline_html, rel_html, scope_docs, scope_group]
        # Document changes run one at a time (concurrency_id) while answers go on in parallel.
        events = [upload.upload(app.upload, upload, changed, api_name="upload", concurrency_limit=1,
                                concurrency_id="docs"),
                  remove.click(app.remove, mine, changed, api_name="remove", concurrency_limit=1, concurrency_id="docs",
                               js="(name) => name && confirm('删除文档「' + name + '」？删除后要重新上传才能恢复。') ? name : ''"),
                  rebuild.click(app.rebuild, None, changed, api_name="rebuild", concurrency_limit=1,
                                concurrency_id="docs")]
        if app.audit is not None:
            for event in events:
                event.then(app.audit_view, None, audit_html, api_visibility="private")
            demo.load(app.audit_view, None, audit_html, api_visibility="private")
        demo.load(app.role_view, None, [admin_box, whoami], api_visibility="private")
        demo.load(app.fresh, None, changed[1:], api_visibility="private")
        demo.load(chat.restore, None, [*shown, conv_pick], api_visibility="private")
        gr.api(chat.ask, api_name="ask")
        gr.api(chat.ask_within, api_name="ask_within")
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
        library = userdocs.library(args.corpus, args.user_dir)
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
        qa = QA(model=args.model, index_dir=args.index, corpus=library, progress=True)
    except QAError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 1
    # parsed once now, so an upload re-parses only the new file
    threading.Thread(target=qa.warm, name="warm-parse", daemon=True).start()
    audit = Audit(database_path(args.users)) if accounts else None
    database = database_path(args.users)
    app = App(qa, user_dir, accounts, audit, Conversations(database), Groups(database))
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
                        sessions=sessions), Middleware(ChinesePage)]
    demo.launch(server_name=args.host, server_port=args.port, share=args.share, css=render.CSS,
                app_kwargs={"middleware": guard},
                js=render.JS, max_file_size=f"{userdocs.MAX_UPLOAD // 1024 // 1024}mb",
                auth=_login(accounts, audit) if accounts else None,
                auth_message="请用管理员分配的账号登录（读者可提问，管理员还可管理文档）。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
