"""Reading corpus files from disk: format by content and name, encoding detection, clear errors for the rest."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import BadFile
from .readers import DocxReader, Extracted, ImageReader, PdfReader

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")
SUFFIXES = (".txt", ".md", ".pdf", ".docx", ".doc", ".wps", ".ofd") + IMAGE_SUFFIXES
# Listed so that a user who drops them in hears why they are not read.
REFUSED = {".rtf": "RTF 格式", ".docm": "带宏的 Word 格式", ".et": "WPS 表格格式", ".xls": "Excel 表格格式",
           ".xlsx": "Excel 表格格式", ".ppt": "PowerPoint 格式", ".pptx": "PowerPoint 格式", ".dps": "WPS 演示格式"}
BINARY = ("pdf", "docx", "doc", "ofd", "image")     # kept as they came: their pages are what citations point to
# binary signatures only: a text that happens to start with 「BM」 must stay text (a .bmp is known by its name)
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
MAX_BYTES = 50 * 1024 * 1024
# GB18030 is a superset of GBK and GB2312; UTF-16 only when a BOM says so.
_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class SourceFile:
    name: str       # file name, shown as the citation's source
    path: str
    encoding: str   # text encoding, or one of BINARY
    text: str       # decoded, newlines normalised to \n
    pages: tuple[int, ...] = ()   # 1-based line each page starts on (PDF, Word page breaks)
    wrap_width: int = 0           # lines are hard-wrapped at about this display width (PDF)
    notes: tuple[str, ...] = ()   # parts of the file that could not be read
    via: str = ""                 # how its text was obtained when not read directly (OCR, conversion)
    ocr: tuple = ()               # (page, OcrPage) of the pages read by OCR: their line boxes


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
    """The format of a file by its first bytes, falling back on its name: one of BINARY, or text."""
    if data[:5] == b"%PDF-" or (suffix == ".pdf" and b"%PDF-" in data[:1024]):
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        return "ofd" if suffix == ".ofd" or _zip_has(data, "OFD.xml") else "docx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":      # OLE2: .doc, .wps, old Office
        return "doc"
    if data.startswith(_IMAGE_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
        return "image"
    if suffix in (".pdf", ".docx", ".ofd", ".doc", ".wps"):
        return {".wps": "doc"}.get(suffix, suffix[1:])    # claims to be one; its reader says what is wrong
    if suffix in IMAGE_SUFFIXES:
        return "image"
    return "text"


def _zip_has(data: bytes, part: str) -> bool:
    import io
    import zipfile
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return any(i.filename.lstrip("/") == part for i in z.infolist())
    except zipfile.BadZipFile:
        return False


def reader_for(kind: str):
    if kind == "pdf":
        return PdfReader()
    if kind == "docx":
        return DocxReader()
    if kind == "image":
        return ImageReader()
    if kind == "doc":
        from .oldword import DocReader
        return DocReader()
    from .ofd import OfdReader
    return OfdReader()


def read_source(path: str | Path, name: str | None = None) -> SourceFile:
    """Read one file of any supported format. Raises BadFile naming the file and the reason."""
    path = Path(path)
    return source_from_bytes(read_bytes(path, name), path, name)


def read_bytes(path: Path, name: str | None = None) -> bytes:
    """The file's bytes, refusing formats and sizes no reader takes before reading them."""
    name = name or path.name
    suffix = Path(name).suffix.lower()
    if suffix in REFUSED:
        raise BadFile(name, f"{REFUSED[suffix]}无法读取：请另存为 .docx、PDF 或 .txt 后再上传")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise BadFile(name, f"文件过大（{size // 1024 // 1024} MB，上限 {MAX_BYTES // 1024 // 1024} MB）")
        return path.read_bytes()
    except OSError as e:
        raise BadFile(name, f"无法读取：{e.strerror or e}") from None


_KIND_NAMES = {"pdf": "PDF", "docx": "Word 文档", "doc": "Word 文档", "ofd": "OFD 文件", "image": "图片"}


def _read_safely(reader, data: bytes, name: str, kind: str) -> Extracted:
    """A reader's result, or BadFile for whatever a broken file made its library raise: a cyclic page tree
    (PdfiumError), a structure too deep, memory. The file is named; the rest of a batch or corpus loads."""
    what = _KIND_NAMES.get(kind, "文件")
    try:
        return reader.read(data, name)
    except BadFile:
        raise
    except MemoryError:
        raise BadFile(name, f"{what}太大或结构异常，读取时内存不足") from None
    except RecursionError:
        raise BadFile(name, f"{what}结构嵌套过深，无法读取") from None
    except Exception as e:  # noqa: BLE001 - pdfium, python-docx, PIL… each raise their own kinds
        detail = str(e).strip()[:120] or type(e).__name__
        raise BadFile(name, f"{what}已损坏，无法读取（{detail}）") from None


def source_from_bytes(data: bytes, path: Path, name: str | None = None) -> SourceFile:
    """Decode or extract a file's text by what its bytes are (text, PDF, Word)."""
    name = name or path.name
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise BadFile(name, "文件为空")
    kind = sniff(data, suffix)
    if kind == "text":
        text, enc = decode(data, name)
        got = Extracted(text)
    else:
        got, enc = _read_safely(reader_for(kind), data, name, kind), kind
    text = got.text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if not text.strip():
        raise BadFile(name, "文件为空")
    return SourceFile(name=name, path=str(path), encoding=enc, text=text, pages=got.pages,
                      wrap_width=got.wrap_width, notes=got.notes, via=got.via, ocr=got.ocr)


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
