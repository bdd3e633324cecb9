"""Who is logged in to a shared server: one row per session in the audit database, listed and ended by `qa users`."""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from .db import connect, now

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,       -- a hash of the session token: the token itself would let a reader of the file in
    who TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    started TEXT NOT NULL,     -- UTC, ISO 8601
    last_seen TEXT NOT NULL,
    ended TEXT,
    why TEXT NOT NULL DEFAULT ''
);
-- `qa users logout NAME` writes a row; the running server ends all of NAME's sessions within a second
CREATE TABLE IF NOT EXISTS end_requests (who TEXT NOT NULL, at TEXT NOT NULL);
"""
COLUMNS = ("id", "who", "address", "started", "last_seen", "ended", "why")


def session_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


class Sessions:
    """Kept in step with the server's live tokens by `sync`, once a second. `tokens()` gives Gradio's
    token -> name dict, which exists only once the server runs."""

    def __init__(self, path: str | Path, tokens):
        self.path, self._tokens = Path(path), tokens
        self._db = connect(self.path, SCHEMA)
        self._lock = threading.Lock()
        self._addresses: dict[str, str] = {}     # session id -> the address it logged in from
        self._seen: dict[str, str] = {}          # session id -> last request, not yet written
        self._known: set[str] = set()
        with self._lock:         # a restart drops every token: sessions left open belong to the old process
            self._db.execute("UPDATE sessions SET ended = ?, why = '服务器重启' WHERE ended IS NULL", (now(),))

    @property
    def tokens(self) -> dict:
        return self._tokens()

    def logged_in(self, token: str, address: str) -> None:
        self._addresses[session_id(token)] = address

    def seen(self, token: str) -> None:
        if token in self.tokens:
            self._seen[session_id(token)] = now()

    def end(self, names: set[str], why: str) -> list[str]:
        """End every session of these names at once; the names whose sessions were ended."""
        ended = []
        for token, name in list(self.tokens.items()):
            if name in names:
                self.tokens.pop(token, None)
                ended.append(name)
                with self._lock:
                    self._db.execute("UPDATE sessions SET ended = ?, why = ? WHERE id = ? AND ended IS NULL",
                                     (now(), why, session_id(token)))
        return ended

    def sync(self) -> None:
        live = {session_id(t): (t, name) for t, name in list(self.tokens.items())}
        at = now()
        with self._lock:
            for sid in live.keys() - self._known:
                self._db.execute("INSERT OR IGNORE INTO sessions (id, who, address, started, last_seen) "
                                 "VALUES (?, ?, ?, ?, ?)", (sid, live[sid][1], self._addresses.pop(sid, ""), at, at))
            for sid in self._known - live.keys():
                self._db.execute("UPDATE sessions SET ended = ?, why = '已退出' WHERE id = ? AND ended IS NULL",
                                 (at, sid))
            self._known = set(live)
            seen, self._seen = self._seen, {}
            self._db.executemany("UPDATE sessions SET last_seen = ? WHERE id = ?", [(t, s) for s, t in seen.items()])
            asked = {r[0] for r in self._db.execute("SELECT who FROM end_requests").fetchall()}
            self._db.execute("DELETE FROM end_requests")
        if asked:
            self.end(asked, "管理员结束")

    def close(self) -> None:
        self._db.close()


def listing(path: str | Path, everything: bool = False, limit: int = 200) -> list[dict]:
    """Open sessions (or all, newest first) from the database, for `qa users sessions`."""
    if not Path(path).exists():
        return []
    db = connect(path, SCHEMA)
    try:
        where = "" if everything else "WHERE ended IS NULL"
        rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM sessions {where} ORDER BY started DESC LIMIT ?",
                          (limit,)).fetchall()
    finally:
        db.close()
    return [dict(zip(COLUMNS, r)) for r in rows]


def ask_end(path: str | Path, name: str) -> int:
    """Ask the running server to end every session of `name`; how many the table shows open."""
    db = connect(path, SCHEMA)
    try:
        db.execute("INSERT INTO end_requests (who, at) VALUES (?, ?)", (name, now()))
        return db.execute("SELECT COUNT(*) FROM sessions WHERE who = ? AND ended IS NULL", (name,)).fetchone()[0]
    finally:
        db.close()
