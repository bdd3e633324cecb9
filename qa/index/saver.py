"""Finishing and saving indexes off the caller's thread, one at a time, the newest winning."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from .store import Index, save

log = logging.getLogger(__name__)


class Saver:
    """A server swaps a new index in as soon as it is built and hands it here: its search graphs
    are added (above ANN_FROM vectors) and it is written. Losing a pending save loses nothing: the
    files are the truth and the next start rebuilds from them, reusing what the last saved index
    holds; `save` itself never leaves a half-written index."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._pending: Index | None = None
        self._busy = False
        self._cond = threading.Condition()

    def put(self, index: Index) -> None:
        with self._cond:
            self._pending = index          # a save not yet started is replaced by the newer index
            if not self._busy:
                self._busy = True
                threading.Thread(target=self._run, name="index-saver", daemon=True).start()

    def _run(self) -> None:
        while True:
            with self._cond:
                index, self._pending = self._pending, None
                if index is None:
                    self._busy = False
                    self._cond.notify_all()
                    return
            try:
                if index.needs_graphs():
                    index.add_graphs()
                save(index, self.folder)
            except OSError as e:           # a read-only or full disk: the index in memory still answers
                log.warning("警告：索引无法保存到 %s：%s", self.folder, e)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every index handed over is on disk; False if `timeout` ran out first."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._busy, timeout)
