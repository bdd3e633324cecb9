"""Who did what and when on a shared server: append-only rows in the server database (qa/ui/db.py)."""
from __future__ import annotations

import threading
from pathlib import Path

from .db import connect, now

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,          -- UTC, ISO 8601
    who TEXT NOT NULL,
    action TEXT NOT NULL,      -- login, login_failed, login_refused, upload, upload_renamed, remove, rebuild
    target TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT ''
);
-- append-only: a row once written is never changed or removed through this database
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'append-only'); END;
"""
ACTIONS = {"login": "登录", "login_failed": "登录失败", "login_refused": "登录被拒（次数过多）", "upload": "上传",
           "upload_renamed": "上传（同名已有，另存，两份都保留）", "remove": "删除", "rebuild": "重建索引"}


class Audit:
    """One database, written from any thread; every write is committed before `record` returns."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._db = connect(self.path, SCHEMA)
        self._lock = threading.Lock()

    def record(self, who: str, action: str, target: str = "", detail: str = "") -> None:
        with self._lock:
            self._db.execute("INSERT INTO events (at, who, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                             (now(), who or "", action, target[:300], detail[:500]))

    def recent(self, limit: int = 200) -> list[dict]:
        """The latest rows, newest first."""
        with self._lock:
            rows = self._db.execute("SELECT id, at, who, action, target, detail FROM events ORDER BY id DESC LIMIT ?",
                                    (limit,)).fetchall()
        return [dict(zip(("id", "at", "who", "action", "target", "detail"), r)) for r in rows]

    def uploaders(self) -> dict[str, str]:
        """Stored file name -> who uploaded it (the latest upload of that name)."""
        with self._lock:
            rows = self._db.execute("SELECT target, who FROM events WHERE action IN ('upload', 'upload_renamed') "
                                    "ORDER BY id").fetchall()
        return dict(rows)

    def close(self) -> None:
        self._db.close()
