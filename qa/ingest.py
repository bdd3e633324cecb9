"""Reading corpus files from disk: encoding detection and rejection of files that are not text."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import BadFile

SUFFIXES = (".txt", ".md")
MAX_BYTES = 20 * 1024 * 1024
# GB18030 is a superset of GBK and GB2312; UTF-16 only when a BOM says so.
_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class SourceFile:
    name: str       # file name, shown as the citation's source
    path: str
    encoding: str
    text: str       # decoded, newlines normalised to \n


def decode(data: bytes, name: str = "") -> tuple[str, str]:
    """Decode bytes as UTF-8 or GB18030 (GBK); raise BadFile with a reason otherwise."""
    if not data.strip():
        raise BadFile(name, "文件为空")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise BadFile(name, "UTF-16 编码损坏") from None
    if b"\x00" in data[:8192]:
        raise BadFile(name, "看起来是二进制文件，不是文本")
    for enc in _ENCODINGS:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text, enc.replace("-sig", "")
    raise BadFile(name, "无法识别编码（支持 UTF-8、GB18030/GBK）")


def _looks_like_text(text: str) -> bool:
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t\f")
    return controls <= max(2, len(text) // 1000)


def read_source(path: str | Path) -> SourceFile:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise BadFile(path.name, f"文件过大（{size // 1024 // 1024} MB，上限 {MAX_BYTES // 1024 // 1024} MB）")
        data = path.read_bytes()
    except OSError as e:
        raise BadFile(path.name, f"无法读取：{e.strerror or e}") from None
    text, enc = decode(data, path.name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise BadFile(path.name, "文件为空")
    return SourceFile(name=path.name, path=str(path), encoding=enc, text=text)


def list_sources(paths) -> list[Path]:
    """Files named directly, plus .txt/.md files inside named folders, sorted by name."""
    found: list[Path] = []
    for p in map(Path, paths):
        if not p.exists() and p.suffix == "":
            continue          # a folder not made yet (no documents added): nothing to read
        if p.is_dir():
            found.extend(sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in SUFFIXES))
        else:
            found.append(p)
    seen, unique = set(), []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique
