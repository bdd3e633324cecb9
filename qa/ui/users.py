"""Who may use a shared server: a users file outside the repository, scrypt-salted password hashes, two roles."""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import math
import os
import secrets
import threading
import time
from pathlib import Path

from ..durable import write_atomic
from ..errors import QAError

log = logging.getLogger(__name__)
ROLES = ("reader", "admin")
# Outside the repository by default, so a commit or a copy of the project never carries accounts.
USERS_FILE = Path(os.environ.get("QA_USERS_FILE") or Path.home() / ".config" / "qa-policy-zh" / "users.json")
# scrypt cost: ~50 ms per check on one core, 16 MiB of memory — slow for a guesser, fine for a login.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
MIN_PASSWORD = 8
COMMON_PASSWORDS = frozenset("password password1 passw0rd qwertyuiop qwerty123 abcdefgh abcd1234 "
                             "admin123 administrator iloveyou 1qaz2wsx a1b2c3d4 woaini1314".split())
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-@")


class UsersError(QAError):
    """The users file is unreadable or a user cannot be added as asked."""


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(digest) // 2)
    except (ValueError, TypeError, MemoryError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def load_users(path: str | Path | None = None) -> dict[str, dict]:
    """name -> {"hash", "role"}; empty when the file does not exist."""
    path = Path(path or USERS_FILE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise UsersError(f"用户文件 {path} 无法读取：{e}") from None
    users = data.get("users") if isinstance(data, dict) else None
    if not isinstance(users, dict) or not all(
            isinstance(u, dict) and u.get("role") in ROLES and isinstance(u.get("hash"), str) for u in users.values()):
        raise UsersError(f"用户文件 {path} 格式不对：应为 {{\"users\": {{名字: {{\"hash\", \"role\"}}}}}}")
    return users


def _write(path: Path, users: dict[str, dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({"users": users}, ensure_ascii=False, indent=1).encode("utf-8")
    write_atomic(path, data, mode=0o600)      # hashes are still secrets


def add_user(name: str, password: str, admin: bool = False, path: str | Path | None = None) -> Path:
    """Add or replace one user (a new salt every time)."""
    path = Path(path or USERS_FILE)
    if not name or len(name) > 64 or not set(name) <= NAME_CHARS:
        raise UsersError("用户名只能用字母、数字和 _ . - @，最长 64 个字符")
    if len(password) < MIN_PASSWORD:
        raise UsersError(f"密码太短：至少 {MIN_PASSWORD} 个字符")
    if password.isdigit() or len(set(password)) < 4 or password.lower() in COMMON_PASSWORDS:
        raise UsersError("密码太容易猜到（纯数字、重复字符或常见密码）：请混用字母、数字和符号")
    users = load_users(path)
    users[name] = {"hash": hash_password(password), "role": "admin" if admin else "reader"}
    _write(path, users)
    return path


def remove_user(name: str, path: str | Path | None = None) -> None:
    path = Path(path or USERS_FILE)
    users = load_users(path)
    if name not in users:
        raise UsersError(f"没有用户 {name}")
    del users[name]
    _write(path, users)


def unlock_user(name: str, path: str | Path | None = None) -> None:
    """Lift the lock of a name that failed too often (the running server reads the file within a second)."""
    path = Path(path or USERS_FILE)
    users = load_users(path)
    if name not in users:
        raise UsersError(f"没有用户 {name}")
    users[name]["unlocked"] = time.time()
    _write(path, users)


def _account(user: dict | None):
    """What a session depends on: an unlock alone does not log anyone out."""
    return None if user is None else (user.get("hash"), user.get("role"))


class LoginRefused(QAError):
    """Too many failed logins for a name: wait, or have an admin set a new password."""


# Failed logins per name: from the 5th on, each next try waits twice as long (2 s, 4 s … 15 min), and
# after LOCK_AFTER the name is locked until an admin lifts it (`qa users unlock NAME`) or sets a new password.
FREE_FAILURES, LOCK_AFTER, MAX_WAIT, FORGET_AFTER = 4, 20, 900.0, 3600.0


class Accounts:
    """The users of a shared server and Gradio's `auth` callable. The users file is read again when it
    changes (`refresh`, once a second in the server), so removing a user or changing a role or password
    takes effect at once."""

    def __init__(self, users: dict[str, dict], path: str | Path | None = None):
        self.users, self.path = users, Path(path) if path else None
        self._stamp = self._file_stamp()
        self.failures: dict[str, list[float]] = {}     # name -> times of failed logins, oldest first
        self._lock = threading.Lock()

    def __bool__(self) -> bool:
        return bool(self.users)

    def _file_stamp(self):
        try:
            st = self.path.stat() if self.path else None
            return (st.st_mtime_ns, st.st_size) if st else None
        except OSError:
            return None

    def refresh(self) -> set[str]:
        """Read the users file again if it changed; the names removed, or whose password or role changed."""
        stamp = self._file_stamp()
        if stamp == self._stamp:
            return set()
        try:
            users = load_users(self.path)
        except UsersError as e:
            log.warning("用户文件无法读取，仍用原来的账号：%s", e)
            return set()
        with self._lock:
            old, self.users, self._stamp = self.users, users, stamp
            for n, u in users.items():
                if old.get(n) != u:
                    self.failures.pop(n, None)      # a new password, or `qa users unlock`, lifts a lock
        return {n for n, u in old.items() if _account(users.get(n)) != _account(u)}

    def wait_before(self, name: str, now: float | None = None) -> float:
        """Seconds `name` must still wait before the next try (inf when locked)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            times = [t for t in self.failures.get(name, []) if now - t < FORGET_AFTER]
            self.failures[name] = times
        if len(times) >= LOCK_AFTER:
            return math.inf
        if len(times) <= FREE_FAILURES:
            return 0.0
        return max(0.0, times[-1] + min(MAX_WAIT, 2.0 ** (len(times) - FREE_FAILURES)) - now)

    def verify(self, name: str, password: str) -> bool:
        """The password check itself (scrypt, ~50 ms): the same cost for a name that does not exist."""
        user = self.users.get(name)
        if user is None:
            hash_password(password)   # no probing for names by timing
            return False
        return verify_password(password, user["hash"])

    async def check(self, name: str, password: str) -> bool:
        """Gradio's login check: throttled per name, the hash computed off the event loop."""
        wait = self.wait_before(name)
        if wait == math.inf:
            raise LoginRefused(f"账号 {name} 登录失败次数过多，已锁定：请管理员解锁（qa users unlock {name}）或重新设置密码")
        if wait > 0:
            raise LoginRefused(f"登录失败次数过多：请 {math.ceil(wait)} 秒后再试")
        ok = await asyncio.to_thread(self.verify, name, password)
        if not ok:
            with self._lock:
                self.failures.setdefault(name, []).append(time.monotonic())
        return ok

    def is_admin(self, name: str | None) -> bool:
        """No accounts (a loopback server for one person): that person manages the documents."""
        if not self.users:
            return True
        return bool(name) and self.users.get(name, {}).get("role") == "admin"
