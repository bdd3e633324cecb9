"""Files already read and parsed, keyed by path and bytes: an update re-reads and re-parses only what changed."""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from .blocks import Block, classify_all, join_broken, raw_blocks
from .sources import SourceFile, read_bytes, source_from_bytes
from ..text.tokenize import segment


def file_blocks(src: SourceFile) -> list[Block]:
    """A file's lines classified and broken words joined: the costly, per-file part of parsing."""
    return join_broken(classify_all(raw_blocks(src.text, src.wrap_width)), segment)


class ParseCache:
    """One entry per file seen in the last read. Detection is by content (a hash of the bytes),
    never by date; the bytes are read every time, which for a library of 11 MB costs 0.03 s."""

    def __init__(self):
        self._sources: dict[tuple[str, str], SourceFile] = {}
        self._blocks: dict[tuple[str, str], list[Block]] = {}
        self._key_of: dict[int, tuple[str, str]] = {}     # id of a cached SourceFile -> its key
        self._lock = threading.Lock()        # a warm-up thread and a reload may fill it together

    def read(self, path: Path, seen: set | None = None) -> SourceFile:
        data = read_bytes(path)
        key = (str(path), hashlib.blake2b(data, digest_size=16).hexdigest())
        if seen is not None:
            seen.add(key)
        src = self._sources.get(key)
        if src is None:
            src = source_from_bytes(data, path)
            with self._lock:
                self._sources[key] = src
                self._key_of[id(src)] = key
        return src

    def blocks(self, src: SourceFile) -> list[Block]:
        """The file's blocks, as copies: later steps relabel blocks (（一） inside an article
        becomes an item) and move them between articles."""
        key = self._key_of.get(id(src))
        cached = self._blocks.get(key) if key else None
        if cached is None:
            cached = file_blocks(src)
            if key:
                with self._lock:
                    self._blocks[key] = cached
        return [_copy(b) for b in cached]

    def keep(self, seen: set) -> None:
        """Forget files not seen in the last read (removed or changed)."""
        with self._lock:
            for store in (self._sources, self._blocks):
                for key in [k for k in store if k not in seen]:
                    del store[key]
            self._key_of = {id(src): key for key, src in self._sources.items()}


def _copy(block: Block) -> Block:
    out = object.__new__(Block)          # copy.copy costs three times as much, for 60k blocks
    out.__dict__.update(block.__dict__)
    out.meta = dict(block.meta)
    return out
