"""Who may use a shared server: a users file outside the repository, scrypt-salted password hashes, two roles."""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from ..durable import write_atomic
from ..errors import QAError

ROLES = ("reader", "admin")
# Outside the repository by default, so a commit or a copy of the project never carries accounts.
USERS_FILE = Path(os.environ.get("QA_USERS_FILE") or Path.home() / ".config" / "qa-policy-zh" / "users.json")
LOOPBACK = ("127.0.0.1", "localhost", "::1")
# scrypt cost: ~50 ms per check on one core, 16 MiB of memory — slow for a guesser, fine for a login.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
MIN_PASSWORD = 8
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-@")


class UsersError(QAError):
    """The users file is unreadable or a user cannot be added as asked."""


def is_loopback(host: str) -> bool:
    return host in LOOPBACK or host.startswith("127.")


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


class Accounts:
    """The users a server was started with: Gradio's `auth` callable and the role of a logged-in name."""

    def __init__(self, users: dict[str, dict]):
        self.users = users

    def __bool__(self) -> bool:
        return bool(self.users)

    def check(self, name: str, password: str) -> bool:
        user = self.users.get(name)
        if user is None:
            hash_password(password)   # same cost either way: no probing for names by timing
            return False
        return verify_password(password, user["hash"])

    def is_admin(self, name: str | None) -> bool:
        """No accounts (a loopback server for one person): that person manages the documents."""
        if not self.users:
            return True
        return bool(name) and self.users.get(name, {}).get("role") == "admin"
