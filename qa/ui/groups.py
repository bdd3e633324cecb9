"""Saved groups of documents to search (「纪检监察」「民法典及司法解释」), shared by the page, the API and the CLI."""
from __future__ import annotations

import json
import threading
from pathlib import Path

from ..errors import QAError
from .db import connect, now

SCHEMA = """
CREATE TABLE IF NOT EXISTS groups (
    name TEXT PRIMARY KEY,
    docs TEXT NOT NULL,        -- JSON list of document titles (titles outlive re-uploads and rebuilds)
    updated TEXT NOT NULL
);
"""
MAX_NAME = 40


class NoGroup(QAError):
    """A group name that is not saved, or not a valid one."""


class Groups:
    """One table in the server database; every write is one statement (a crash keeps the old or the new)."""

    def __init__(self, path: str | Path):
        self._db = connect(path, SCHEMA)
        self._lock = threading.Lock()

    def save(self, name: str, docs: list[str]) -> str:
        name = " ".join((name or "").split())[:MAX_NAME]
        if not name:
            raise NoGroup("请给文档组起个名字")
        if not docs:
            raise NoGroup("文档组至少要有一份文档")
        with self._lock:
            self._db.execute("INSERT INTO groups (name, docs, updated) VALUES (?, ?, ?) ON CONFLICT(name) "
                             "DO UPDATE SET docs = excluded.docs, updated = excluded.updated",
                             (name, json.dumps(list(dict.fromkeys(docs)), ensure_ascii=False), now()))
        return name

    def get(self, name: str) -> list[str]:
        with self._lock:
            row = self._db.execute("SELECT docs FROM groups WHERE name = ?", ((name or "").strip(),)).fetchone()
        if row is None:
            known = "、".join(g["name"] for g in self.listing()) or "（还没有）"
            raise NoGroup(f"没有名为「{(name or '').strip()[:40]}」的文档组；已有的组：{known}")
        return json.loads(row[0])

    def listing(self) -> list[dict]:
        with self._lock:
            rows = self._db.execute("SELECT name, docs, updated FROM groups ORDER BY name").fetchall()
        return [{"name": r[0], "docs": json.loads(r[1]), "updated": r[2]} for r in rows]

    def delete(self, name: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM groups WHERE name = ?", (name,))

    def close(self) -> None:
        self._db.close()
