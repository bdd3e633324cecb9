"""Writing files so that a crash leaves either the old content or the new, never a torn file: the one
helper the index, uploaded documents and the accounts file all write through."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def fsync_path(path: str | Path) -> None:
    """Flush a file, or a folder's entries, to the disk: a rename is durable only after its folder's."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_synced(path: str | Path, data: bytes, mode: int = 0o644) -> None:
    """Write the bytes and flush them to the disk before returning."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def write_atomic(path: str | Path, data: bytes, mode: int = 0o644) -> Path:
    """Replace `path` with the bytes: written to a hidden sibling, flushed, renamed over it, and the
    rename flushed. `mode` matters for secrets (0o600): the file never exists with wider rights."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    try:
        write_synced(tmp, data, mode)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    fsync_path(path.parent)
    return path


def write_new(path: str | Path, data: bytes, mode: int = 0o644) -> bool:
    """Write the bytes to `path` only if no file has that name: written and flushed aside, then linked in,
    which fails when the name exists (two writers of one name cannot both win). False if it existed."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")       # one per writer, threads too
    try:
        write_synced(tmp, data, mode)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    finally:
        if tmp.exists():
            tmp.unlink()
    fsync_path(path.parent)
    return True
