"""The server's one SQLite database beside the accounts file: audit log, sessions, conversations, document groups."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path


def database_path(users_file: str | Path) -> Path:
    """Outside the repository, next to the accounts (one local owner on loopback uses the same place)."""
    return Path(users_file).with_name("qa.sqlite3")


def connect(path: str | Path, schema: str) -> sqlite3.Connection:
    """Autocommit, WAL (a crash mid-write loses at most that write), shared by threads under the caller's lock."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(schema)
    return db


def now() -> str:
    """UTC, ISO 8601, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
