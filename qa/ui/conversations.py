"""Conversations kept across reloads: one row per conversation in the server database, each with its owner."""
from __future__ import annotations

import json
import secrets
import threading
from pathlib import Path

from ..errors import QAError
from .db import connect, now

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,          -- the account name; '' for the one local user on loopback
    title TEXT NOT NULL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    turns TEXT NOT NULL           -- JSON: the answers as `Answer.to_dict` gave them, oldest first
);
CREATE INDEX IF NOT EXISTS conversations_owner ON conversations (owner, updated);
"""
MAX_TITLE = 60
# bounds, so that one account asking in a loop cannot fill the disk: its oldest conversations go first,
# and a conversation keeps its latest answers
MAX_CONVERSATIONS, MAX_SAVED_TURNS = 500, 200


class NoConversation(QAError):
    """A conversation that does not exist or is not this owner's."""


def title_of(question: str) -> str:
    """A new conversation is named after its first question."""
    text = " ".join((question or "").split())
    return (text[:MAX_TITLE - 1] + "…") if len(text) > MAX_TITLE else (text or "新对话")


class Conversations:
    """Every read and write names the owner: one account never sees or changes another's conversations.
    Each save replaces the row's turns in one statement, so a crash leaves the previous or the new state."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db = connect(self.path, SCHEMA)
        self._lock = threading.Lock()

    def create(self, owner: str, title: str) -> str:
        cid, at = secrets.token_hex(8), now()
        with self._lock:
            self._db.execute("INSERT INTO conversations (id, owner, title, created, updated, turns) "
                             "VALUES (?, ?, ?, ?, ?, '[]')", (cid, owner, title_of(title), at, at))
            self._db.execute("DELETE FROM conversations WHERE owner = ? AND id NOT IN (SELECT id FROM conversations "
                             "WHERE owner = ? ORDER BY updated DESC, rowid DESC LIMIT ?)", (owner, owner, MAX_CONVERSATIONS))
        return cid

    def save(self, owner: str, cid: str, turns: list[dict]) -> None:
        data = json.dumps(turns[-MAX_SAVED_TURNS:], ensure_ascii=False)
        with self._lock:
            n = self._db.execute("UPDATE conversations SET turns = ?, updated = ? WHERE id = ? AND owner = ?",
                                 (data, now(), cid, owner)).rowcount
        if not n:
            raise NoConversation("这个对话已不存在（可能已在另一个页面删除）")

    def listing(self, owner: str, limit: int = 200) -> list[dict]:
        """This owner's conversations, the latest first."""
        with self._lock:
            rows = self._db.execute("SELECT id, title, updated, json_array_length(turns) FROM conversations "
                                    "WHERE owner = ? ORDER BY updated DESC, rowid DESC LIMIT ?", (owner, limit)).fetchall()
        return [{"id": r[0], "title": r[1], "updated": r[2], "turns": r[3]} for r in rows]

    def load(self, owner: str, cid: str) -> dict:
        with self._lock:
            row = self._db.execute("SELECT id, title, updated, turns FROM conversations WHERE id = ? AND owner = ?",
                                   (cid, owner)).fetchone()
        if row is None:
            raise NoConversation("这个对话已不存在（可能已在另一个页面删除）")
        return {"id": row[0], "title": row[1], "updated": row[2], "turns": json.loads(row[3])}

    def rename(self, owner: str, cid: str, title: str) -> None:
        title = " ".join((title or "").split())[:MAX_TITLE]
        if not title:
            raise NoConversation("对话名称不能为空")
        with self._lock:
            n = self._db.execute("UPDATE conversations SET title = ? WHERE id = ? AND owner = ?",
                                 (title, cid, owner)).rowcount
        if not n:
            raise NoConversation("这个对话已不存在（可能已在另一个页面删除）")

    def delete(self, owner: str, cid: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM conversations WHERE id = ? AND owner = ?", (cid, owner))

    def close(self) -> None:
        self._db.close()
