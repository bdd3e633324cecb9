"""Reading corpus files from disk: format by content and name, encoding detection, clear errors for the rest."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadFile
from .readers import DocxReader, Extracted, PdfReader

SUFFIXES = (".txt", ".md", ".pdf", ".docx")
# Listed so that a user who drops them in hears why they are not read.
REFUSED = {".doc": "旧版 Word（.doc）格式", ".wps": "WPS 文字格式", ".rtf": "RTF 格式"}
MAX_BYTES = 50 * 1024 * 1024
# GB18030 is a superset of GBK and GB2312; UTF-16 only when a BOM says so.
_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class SourceFile:
    name: str       # file name, shown as the citation's source
    path: str
    encoding: str   # text encoding, or "pdf" / "docx"
    text: str       # decoded, newlines normalised to \n
    pages: tuple[int, ...] = ()   # 1-based line each page starts on (PDF, Word page breaks)
    wrap_width: int = 0           # lines are hard-wrapped at about this display width (PDF)
    notes: tuple[str, ...] = ()   # parts of the file that could not be read


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


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def _looks_like_text(text: str) -> bool:
    return len(_CONTROL.findall(text)) <= max(2, len(text) // 1000)


def sniff(data: bytes, suffix: str) -> str:
    """The format of a file by its first bytes, falling back on its name: pdf, docx, doc or text."""
    if data[:5] == b"%PDF-" or (suffix == ".pdf" and b"%PDF-" in data[:1024]):
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        return "docx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":      # OLE2: .doc, .wps, old Office
        return "doc"
    if suffix in (".pdf", ".docx"):
        return suffix[1:]       # claims to be one; its reader says what is wrong with it
    return "text"


def read_source(path: str | Path, name: str | None = None) -> SourceFile:
    """Read one file of any supported format. Raises BadFile naming the file and the reason."""
    path = Path(path)
    return source_from_bytes(read_bytes(path, name), path, name)


def read_bytes(path: Path, name: str | None = None) -> bytes:
    """The file's bytes, refusing formats and sizes no reader takes before reading them."""
    name = name or path.name
    suffix = Path(name).suffix.lower()
    if suffix in REFUSED:
        raise BadFile(name, f"{REFUSED[suffix]}无法读取：请在 Word/WPS 中另存为 .docx 或 PDF 后再上传")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise BadFile(name, f"文件过大（{size // 1024 // 1024} MB，上限 {MAX_BYTES // 1024 // 1024} MB）")
        return path.read_bytes()
    except OSError as e:
        raise BadFile(name, f"无法读取：{e.strerror or e}") from None


def source_from_bytes(data: bytes, path: Path, name: str | None = None) -> SourceFile:
    """Decode or extract a file's text by what its bytes are (text, PDF, Word)."""
    name = name or path.name
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise BadFile(name, "文件为空")
    kind = sniff(data, suffix)
    if kind == "doc":
        raise BadFile(name, "这是旧版 Word（.doc）或 WPS 文件：请另存为 .docx 或 PDF 后再上传")
    if kind == "text":
        text, enc = decode(data, name)
        got = Extracted(text)
    else:
        got = (PdfReader() if kind == "pdf" else DocxReader()).read(data, name)
        enc = kind
    text = got.text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if not text.strip():
        raise BadFile(name, "文件为空")
    return SourceFile(name=name, path=str(path), encoding=enc, text=text, pages=got.pages,
                      wrap_width=got.wrap_width, notes=got.notes)


def list_sources(paths) -> list[Path]:
    """Files named directly, plus readable (and refused-with-a-reason) files inside named folders, sorted by name."""
    found: list[Path] = []
    for p in map(Path, paths):
        if not p.exists() and p.suffix == "":
            continue          # a folder not made yet (no documents added): nothing to read
        if p.is_dir():
            found.extend(sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in SUFFIXES + tuple(REFUSED)
                                 and not q.name.startswith(".")))
        else:
            found.append(p)
    seen, unique = set(), []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique
