"""Documents users add: validated, stored as plain files in a folder that outlives restarts."""
from __future__ import annotations

import os
import re
from pathlib import Path

from ..durable import write_new
from ..errors import BadFile, QAError
from .corpus import DEFAULT_CORPUS
from .sources import BINARY, REFUSED, SUFFIXES, SourceFile, read_source

USER_DIR = Path(os.environ.get("QA_USER_DIR", Path(__file__).resolve().parents[2] / "data" / "user"))
MAX_UPLOAD = 50 * 1024 * 1024
SUPPORTED = "支持 .txt、.md、.pdf、.docx、.doc、.wps、.ofd 和图片（.png、.jpg、.tif 等，会做文字识别）"
MAX_NAME_BYTES = 200  # of a stored name before its suffix: room for the suffix and ".part" within 255


def library(corpus=None, user_dir: str | Path | None = None) -> list[Path]:
    """The documents the page, the API and `qa ask` all search: the corpus folders (data/corpus unless
    given) and the folder of uploads. The same list gives the same index, so switching rebuilds nothing.
    A corpus path that does not exist is a typo: refused before any index work."""
    paths = [Path(p) for p in (corpus or [DEFAULT_CORPUS])]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise QAError(f"找不到语料：{'、'.join(missing)}（请检查路径）")
    return [*paths, Path(user_dir or USER_DIR)]


def safe_name(name: str) -> str:
    """A file name that cannot leave the folder or hide: path parts and odd characters removed."""
    base = Path(name.replace("\\", "/").replace("\0", "")).name
    base = re.sub(r"[^\w.\-\u3001-\u303f\u4e00-\u9fff\uff01-\uff5e]+", "_", base).lstrip(".")
    stem, suffix = (base.rsplit(".", 1)[0], "." + base.rsplit(".", 1)[1][:10]) if "." in base else (base, "")
    while len(stem.encode("utf-8")) > MAX_NAME_BYTES:     # file systems count bytes (255), not characters
        stem = stem[:-1]
    return (stem + suffix) if stem else "document" + (suffix or ".txt")


def add(path: str | Path, name: str | None = None, folder: Path = USER_DIR) -> Path:
    """Check the file reads (text, PDF, Word, OFD, a scan), then store it. Raises BadFile with the reason."""
    return store(path, name, folder)[0]


def store(path: str | Path, name: str | None = None, folder: Path = USER_DIR) -> tuple[Path, SourceFile, bool]:
    """add(), also giving what was read (its `via` tells the user how the text was obtained) and whether
    the file is new: False when the very same bytes were there already under that name."""
    path = Path(path)
    target_name = safe_name(name or path.name)
    suffix = Path(target_name).suffix.lower()
    if suffix in REFUSED:
        read_source(path, target_name)      # raises with the advice to save as .docx or PDF
    if suffix not in SUFFIXES:
        raise BadFile(target_name, "不支持这种文件：" + SUPPORTED)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise BadFile(target_name, f"无法读取：{e.strerror or e}") from None
    if size > MAX_UPLOAD:
        raise BadFile(target_name, f"文件过大（上限 {MAX_UPLOAD // 1024 // 1024} MB）")
    src = read_source(path, target_name)   # raises BadFile for broken, encrypted, scanned, binary files
    folder.mkdir(parents=True, exist_ok=True)
    if src.encoding in BINARY:
        data = path.read_bytes()            # kept as it came: its pages are what citations point to
    else:
        data = src.text.encode("utf-8")     # text is stored as UTF-8 whatever it came in
    # a name already taken keeps its document: the new one is stored beside it as 「名_2.pdf」
    stem, n = Path(target_name).stem, 1
    while len(stem.encode("utf-8")) > MAX_NAME_BYTES - 8:       # room for 「_123」 after shortening
        stem = stem[:-1]
    while True:
        target = folder / (target_name if n == 1 else f"{stem}_{n}{Path(target_name).suffix}")
        if target.is_file() and target.read_bytes() == data:
            return target, src, False       # the same file again: nothing to add
        if write_new(target, data):
            return target, src, True
        n += 1


def remove(name: str, folder: Path = USER_DIR) -> None:
    target = folder / safe_name(name)
    if not target.is_file():
        raise BadFile(name, "没有这个文件")
    target.unlink()


def listing(folder: Path = USER_DIR) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)


def sweep(folder: Path = USER_DIR, older_than: float = 3600.0) -> list[str]:
    """Remove the hidden `.part` files a killed write left behind (never a stored document); returns their names.
    Only old ones: a write in progress elsewhere keeps its file."""
    import time
    gone = []
    for p in folder.glob(".*.part") if folder.is_dir() else ():
        try:
            if time.time() - p.stat().st_mtime > older_than:
                p.unlink()
                gone.append(p.name)
        except OSError:
            pass
    return gone
