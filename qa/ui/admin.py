"""Command line for what the server keeps: `qa users` (accounts, sessions, locks), `qa audit`, `qa groups`."""
from __future__ import annotations

import json
import sys


def cmd_users(args) -> int:
    """Accounts for a shared server; the password is asked twice, or read from stdin."""
    import getpass

    from . import sessions
    from .db import database_path
    from .users import USERS_FILE, add_user, load_users, remove_user, unlock_user
    path = args.users or USERS_FILE
    if args.action == "list":
        for name, u in sorted(load_users(path).items()):
            print(f"{name}\t{u['role']}")
        return 0
    if args.action == "sessions":
        rows = [r for r in sessions.listing(database_path(path), everything=args.all) if not args.name or r["who"] == args.name]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
            return 0
        if not rows:
            print("没有会话记录" if args.all else "没有登录中的会话")
        for r in rows:
            state = f"已结束 {r['ended']}（{r['why']}）" if r["ended"] else "登录中"
            print(f"{r['who']}\t{r['address'] or '?'}\t登录 {r['started']}\t最近 {r['last_seen']}\t{state}\t{r['id']}")
        return 0
    if not args.name:
        print("错误：请给出用户名", file=sys.stderr)
        return 2
    if args.action == "remove":
        remove_user(args.name, path)
        print(f"已删除用户 {args.name}（{path}）；正在运行的服务器一秒内结束其会话")
        return 0
    if args.action == "unlock":
        unlock_user(args.name, path)
        print(f"已解锁 {args.name}：可以再次登录")
        return 0
    if args.action == "logout":
        n = sessions.ask_end(database_path(path), args.name)
        print(f"正在运行的服务器一秒内结束 {args.name} 的全部会话（记录中登录中的有 {n} 个）")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"{args.name} 的密码：")
        if getpass.getpass("再输入一次：") != password:
            print("错误：两次输入的密码不一致", file=sys.stderr)
            return 2
    add_user(args.name, password, admin=args.admin, path=path)
    print(f"已添加{'管理员' if args.admin else '读者'} {args.name}（{path}）")
    return 0


def cmd_audit(args) -> int:
    """The shared server's log of logins and document changes, newest first."""
    from .audit import ACTIONS, Audit
    from .db import database_path
    from .users import USERS_FILE
    path = database_path(args.users or USERS_FILE)
    if not path.exists():
        print(f"还没有审计日志（{path}）：共享服务器有账号时才记录", file=sys.stderr)
        return 0
    rows = Audit(path).recent(args.limit)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        print(f"{r['at']}\t{r['who']}\t{ACTIONS.get(r['action'], r['action'])}\t{r['target']}\t{r['detail']}".rstrip())
    return 0


def _groups():
    from .db import database_path
    from .groups import Groups
    from .users import USERS_FILE
    return Groups(database_path(USERS_FILE))


def group_docs(name: str) -> list[str]:
    """The titles of a saved group (NoGroup when there is none of that name)."""
    return _groups().get(name)


def cmd_groups(args) -> int:
    """Saved scopes: the same groups the page lists."""
    groups = _groups()
    if args.action == "list":
        for g in groups.listing():
            print(f"{g['name']}\t{'、'.join(f'《{t}》' for t in g['docs'])}")
        return 0
    if not args.name:
        print("错误：请给出组名", file=sys.stderr)
        return 2
    if args.action == "remove":
        groups.delete(args.name)
        print(f"已删除文档组「{args.name}」")
        return 0
    name = groups.save(args.name, args.docs)
    print(f"已保存文档组「{name}」：{len(args.docs)} 份文档")
    return 0
