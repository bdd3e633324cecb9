"""Untrusted files in a limited worker process: a PDF's text layer, and OCR of scans and images (cached by hash)."""
from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import logging
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..durable import write_atomic
from ..errors import BadFile
from .layout import Box, reading_order

PAGE_TIMEOUT = float(os.environ.get("QA_OCR_PAGE_TIMEOUT", 240))     # s; a real A4 page takes 5–10
WORKER_MEMORY = int(os.environ.get("QA_OCR_MEMORY_MB", 4096)) << 20   # address space of the worker
MIN_SCORE = 0.5
CACHE_VERSION = 1
log = logging.getLogger(__name__)
_progress: contextvars.ContextVar = contextvars.ContextVar("ocr_progress", default=None)


def cache_dir() -> Path:
    return Path(os.environ.get("QA_OCR_CACHE") or Path.home() / ".cache" / "qa-policy-zh" / "ocr")


@contextlib.contextmanager
def reporting(callback):
    """Within this block, OCR calls callback(done, total, seconds_left, name) after every page."""
    token = _progress.set(callback)
    try:
        yield
    finally:
        _progress.reset(token)


@dataclass(frozen=True)
class OcrPage:
    lines: tuple[str, ...]
    boxes: tuple[Box, ...]         # recognised lines in pixels of the rendered page
    size: tuple[int, int] = (0, 0)
    error: str = ""                # why the page could not be read, else empty

    def to_dict(self) -> dict:
        return {"lines": list(self.lines), "size": list(self.size), "error": self.error,
                "boxes": [[b.x0, b.y0, b.x1, b.y1, b.text] for b in self.boxes]}

    @classmethod
    def from_dict(cls, d: dict) -> OcrPage:
        return cls(tuple(d["lines"]), tuple(Box(*b) for b in d["boxes"]), tuple(d["size"]), d.get("error", ""))


def page_of(reply: dict) -> OcrPage:
    if "error" in reply:
        return OcrPage((), (), error=reply["error"])
    boxes = [Box(x0, y0, x1, y1, text) for x0, y0, x1, y1, text, score in reply["boxes"] if score >= MIN_SCORE]
    return OcrPage(tuple(reading_order(boxes)), tuple(boxes), tuple(reply["size"]))


class Worker:
    """One rapidocr process; restarted after a page that killed or hung it."""

    def __init__(self):
        self.proc = None

    def ask(self, request: dict, timeout: float | None = None) -> dict:
        timeout = PAGE_TIMEOUT if timeout is None else timeout
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen([sys.executable, "-m", "qa.ingest.ocr_worker", str(WORKER_MEMORY)],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                         cwd=Path(__file__).resolve().parents[2], text=True, encoding="utf-8")
        try:
            self.proc.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
            self.proc.stdin.flush()
            ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
            line = self.proc.stdout.readline() if ready else ""
        except (BrokenPipeError, OSError):
            ready, line = True, ""
        if not line:
            timed_out = not ready          # ready with nothing to read: the worker's end closed, it died
            self.close()
            return {"error": f"处理超时（超过 {timeout:.0f} 秒）" if timed_out else "处理进程异常退出（可能内存不足或文件异常）"}
        return json.loads(line)

    def close(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(OSError):
                self.proc.kill()
            self.proc.wait()
            self.proc = None


_shared, _shared_lock = Worker(), threading.Lock()
READ_TIMEOUT = float(os.environ.get("QA_READ_TIMEOUT", 120))     # s for the text layer of one whole file


def in_worker(request: dict, data: bytes, suffix: str, timeout: float | None = None) -> dict:
    """One request about a file's bytes, answered by the worker process: a file that makes its library
    abort, hang or exhaust memory costs that process, never this one. One worker serves every file in
    turn (a fresh process per file would add its start-up to each); it is restarted after a death."""
    with tempfile.TemporaryDirectory(prefix="qa-read-") as tmp, _shared_lock:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        return _shared.ask(request | {"file": str(path)}, timeout=READ_TIMEOUT if timeout is None else timeout)


def recognise(data: bytes, name: str, kind: str, pages: list[int] | None = None) -> dict[int, OcrPage]:
    """OCR of the given 0-based pages of a PDF (kind "pdf") or of every frame of an image (kind "image").
    Pages read before are taken from the cache, keyed by the bytes of the file."""
    key = hashlib.blake2b(data, digest_size=16).hexdigest()
    cache = cache_dir() / f"{key}.json"
    done = _load(cache)
    with tempfile.TemporaryDirectory(prefix="qa-ocr-") as tmp:
        path = Path(tmp) / ("input.pdf" if kind == "pdf" else "input.img")
        path.write_bytes(data)
        worker, bar = Worker(), None
        try:
            if pages is None:
                reply = worker.ask({"file": str(path), "kind": kind, "frames": True}, timeout=60)
                if "error" in reply:
                    raise BadFile(name, f"图片无法打开：{reply['error']}")
                pages = list(range(reply["frames"]))
            todo = [p for p in pages if str(p) not in done]
            started, report = time.monotonic(), _progress.get()
            if todo and report is None and log.isEnabledFor(logging.INFO):     # a person watches the CLI
                from tqdm import tqdm
                bar = tqdm(total=len(todo), unit="页", desc=f"文字识别 {name}", file=sys.stderr, dynamic_ncols=True)
            for n, p in enumerate(todo, start=1):
                page = page_of(worker.ask({"file": str(path), "kind": kind, "page": p}))
                if not page.error:
                    done[str(p)] = page.to_dict()
                    _save(cache, done)
                else:
                    done[str(p)] = page.to_dict() | {"transient": True}
                if report:
                    spent = time.monotonic() - started
                    report(n, len(todo), spent / n * (len(todo) - n), name)
                if bar is not None:
                    bar.update(1)
        finally:
            worker.close()
            if bar is not None:
                bar.close()
    return {p: OcrPage.from_dict(done[str(p)]) for p in pages}


def _load(path: Path) -> dict:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        return d["pages"] if d.get("version") == CACHE_VERSION else {}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _save(path: Path, pages: dict) -> None:
    kept = {k: v for k, v in pages.items() if not v.get("transient")}
    with contextlib.suppress(OSError):       # a read-only or full cache only costs a second OCR later
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({"version": CACHE_VERSION, "pages": kept}, ensure_ascii=False).encode("utf-8"))


def page_view(path: Path, page: int, quote: str, out: Path, last: int | None = None) -> int:
    """Pages page..last (1-based, at most three) of a PDF or image file drawn to out (PNG), one below the other,
    the quote highlighted: by the characters of its text layer, or by the lines OCR found on a scanned page.
    Returns how many boxes were drawn."""
    from .sources import sniff
    data = path.read_bytes()
    kind = sniff(data, path.suffix.lower())
    if kind not in ("pdf", "image"):
        raise BadFile(path.name, "只有 PDF、扫描件和图片可以查看原页")
    cache = _load(cache_dir() / f"{hashlib.blake2b(data, digest_size=16).hexdigest()}.json")
    pages = list(range(page, min(last or page, page + 2) + 1))
    drawn, parts = 0, []
    worker = Worker()
    try:
        with tempfile.TemporaryDirectory(prefix="qa-view-") as tmp:
            for n in pages:
                cached = cache.get(str(n - 1))
                if kind == "image" and cached is None:
                    cached = recognise(data, path.name, kind, [n - 1])[n - 1].to_dict()
                part = out if len(pages) == 1 else Path(tmp) / f"{n}.png"
                request = {"view": True, "file": str(path), "kind": kind, "page": n - 1, "quote": quote, "out": str(part)}
                if cached is not None and cached.get("boxes"):
                    request |= {"boxes": cached["boxes"], "size": cached["size"]}
                reply = worker.ask(request, timeout=60)
                if "error" in reply:
                    raise BadFile(path.name, f"第 {n} 页无法显示：{reply['error']}")
                drawn += reply["highlighted"]
                parts.append(part)
            if len(parts) > 1:
                _stack(parts, out)
    finally:
        worker.close()
    return drawn


def _stack(parts: list[Path], out: Path) -> None:
    """Images one below the other with a grey rule between them, as pages lie in a viewer."""
    from PIL import Image
    images = [Image.open(p).convert("RGB") for p in parts]
    width, rule = max(im.size[0] for im in images), 12
    sheet = Image.new("RGB", (width, sum(im.size[1] for im in images) + rule * (len(images) - 1)), (200, 200, 200))
    y = 0
    for im in images:
        sheet.paste(im, (0, y))
        y += im.size[1] + rule
    sheet.save(out, "PNG")
