"""One reader per file format behind one contract: bytes in, plain lines out, with the line each page starts on."""
from __future__ import annotations

import io
import re
import zipfile
from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass

from ..errors import BadFile

MAX_UNZIPPED = 200 * 1024 * 1024     # a .docx that inflates past this is a zip bomb, not a document
MAX_PAGES = 3000
MIN_PAGE_TEXT = 20   # characters of a text layer below which a page is taken for a scan

# 「— 3 —」「- 3 -」「第 3 页」「3 / 12」「第3页 共12页」: page furniture, never content.
_PAGE_NUMBER = re.compile(r"^[\s\-—–－·•]*(?:第\s*)?[0-9０-９]{1,4}\s*(?:页)?(?:\s*[/／]\s*(?:共\s*)?[0-9０-９]{1,4}\s*页?)?"
                          r"(?:\s*共\s*[0-9０-９]{1,4}\s*页)?[\s\-—–－·•]*$")
_DIGITS = re.compile(r"[0-9０-９]+")


@dataclass(frozen=True)
class Extracted:
    text: str                      # lines joined by \n
    pages: tuple[int, ...] = ()    # 1-based line number each page starts on (empty: no pages)
    wrap_width: int = 0            # display width of a full line when lines are hard-wrapped (PDF), else 0
    notes: tuple[str, ...] = ()    # what the reader had to leave out, said to the user
    via: str = ""                  # how the text was obtained when not read directly (OCR, conversion)
    ocr: tuple = ()                # (page number, OcrPage) of every page read by OCR


class Reader(ABC):
    """Turns the bytes of one file into text lines. Raises BadFile with a reason a person understands."""

    @abstractmethod
    def read(self, data: bytes, name: str) -> Extracted:
        ...


def display_width(line: str) -> int:
    return sum(1 if ord(c) < 0x2e80 else 2 for c in line)


class PdfReader(Reader):
    """Text layer of each page (pypdfium2, in the worker process); page headers, footers and numbers dropped."""

    def read(self, data: bytes, name: str) -> Extracted:
        from .ocr import in_worker
        # pdfium aborts its whole process on some hostile files (a page inflating to 500 MB needs ~8 GB):
        # it runs in the worker, under its memory and time limits
        reply = in_worker({"pdf_text": True, "name": name}, data, ".pdf")
        if "error" in reply:
            raise BadFile(name, reply["error"] if reply.get("read") else f"PDF 无法读取：{reply['error']}")
        pages, scanned = reply["pages"], reply["scanned"]
        recognised = _ocr(data, name, "pdf", scanned) if scanned else {}
        for i, page in recognised.items():
            pages[i] = list(page.lines)
        return _assemble(drop_furniture(pages), name, recognised)


def pdf_text(data: bytes, name: str) -> tuple[list[list[str]], list[int]]:
    """The text lines of every page of a PDF and the 0-based pages that are scans. Run in the worker."""
    import pypdfium2 as pdfium
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        msg = str(e)
        if "password" in msg.lower():
            raise BadFile(name, "PDF 已加密（需要密码）：请先解除密码保护再上传") from None
        raise BadFile(name, f"PDF 文件已损坏，无法打开（{msg}）") from None
    try:
        n = len(pdf)
        if n == 0:
            raise BadFile(name, "PDF 没有页面")
        if n > MAX_PAGES:
            raise BadFile(name, f"PDF 页数过多（{n} 页，上限 {MAX_PAGES} 页）")
        pages, scanned = [], []
        for i in range(n):
            try:
                page = pdf[i]
            except pdfium.PdfiumError as e:
                raise BadFile(name, f"PDF 已损坏，第 {i + 1} 页无法读取（{e}）") from None
            try:
                text = page.get_textpage().get_text_range()
                # no text layer, or a stamped page number over a picture: a scan
                chars = len(re.sub(r"\s", "", text))
                if chars == 0 or (chars < MIN_PAGE_TEXT and _has_image(page)):
                    scanned.append(i)
            finally:
                page.close()
            pages.append([ln.strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")])
    finally:
        pdf.close()
    return pages, scanned


def _has_image(page) -> bool:
    import pypdfium2.raw as pdfium_c
    return next(iter(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3)), None) is not None


class ImageReader(Reader):
    """Photos and scans (PNG, JPEG, TIFF with its pages, BMP, WebP): every frame through OCR."""

    def read(self, data: bytes, name: str) -> Extracted:
        recognised = _ocr(data, name, "image")
        return _assemble(drop_furniture([list(p.lines) for p in recognised.values()]), name, recognised, "图片")


def _ocr(data: bytes, name: str, kind: str, pages: list[int] | None = None) -> dict:
    from .ocr import recognise
    return recognise(data, name, kind, pages)


def drop_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers, and header/footer lines repeated at the top or bottom of most pages."""
    pages = [[ln for ln in p if ln] for p in pages]
    edge = Counter()
    for p in pages:
        for ln in set(p[:2] + p[-2:]):
            edge[_DIGITS.sub("#", ln)] += 1
    # on two pages the same short line at both edges is a running head already (a gazette's 「国务院公报」)
    least = 2 if len(pages) == 2 else max(3, 0.5 * len(pages))
    repeated = {k for k, c in edge.items() if len(pages) >= 2 and c >= least and len(k) <= 40}
    out = []
    for p in pages:
        keep = []
        for i, ln in enumerate(p):
            at_edge = i < 2 or i >= len(p) - 2
            if at_edge and (_PAGE_NUMBER.match(ln) or _DIGITS.sub("#", ln) in repeated):
                continue
            keep.append(ln)
        out.append(keep)
    return out


def _assemble(pages: list[list[str]], name: str, recognised: dict | None = None, what: str = "PDF") -> Extracted:
    recognised = recognised or {}
    empty = [i + 1 for i, p in enumerate(pages) if not p]
    unread = [f"第 {i + 1} 页文字识别失败（{p.error}）" for i, p in recognised.items() if p.error]
    if len(empty) == len(pages):
        found = (f"{what}没有文字层（可能是扫描件，共 {len(pages)} 页）" if what == "PDF" else f"{what}中没有文字（共 {len(pages)} 页）")
        raise BadFile(name, found + ("，文字识别（OCR）也没有识别出文字" if recognised else "")
                      + (f"：{unread[0]}" if unread else ""))
    lines: list[str] = []
    starts: list[int] = []
    for p in pages:
        starts.append(len(lines) + 1)
        lines.extend(p)
    widths = sorted(display_width(ln) for ln in lines if len(ln) > 4)
    wrap = widths[int(0.9 * (len(widths) - 1))] if widths else 0
    blank = [i for i in empty if i - 1 not in recognised or not recognised[i - 1].error]
    notes = tuple(unread) + ((f"第 {_page_list(blank)} 页没有文字层（可能是扫描页）"
                              + ("，文字识别也没有识别出文字" if recognised else "") + "，这些页未收录",) if blank else ())
    read = sorted(i + 1 for i, p in recognised.items() if p.lines)
    via = f"文字识别（OCR）：第 {_page_list(read)} 页" if read else ""
    return Extracted("\n".join(lines), tuple(starts), wrap, notes, via,
                     tuple((i + 1, p) for i, p in sorted(recognised.items())))


def _page_list(pages: list[int]) -> str:
    return "、".join(map(str, pages[:20])) + ("等" if len(pages) > 20 else "")


class DocxReader(Reader):
    """Paragraphs and tables in document order (python-docx); headings become markdown headings."""

    def read(self, data: bytes, name: str) -> Extracted:
        check_zip(data, name)
        import docx
        from docx.oxml.ns import qn
        try:
            document = docx.Document(io.BytesIO(data))
        except Exception as e:  # noqa: BLE001 - python-docx raises many kinds for a broken package
            raise BadFile(name, f"Word 文件已损坏，无法打开（{type(e).__name__}）") from None
        lines: list[str] = []
        starts = [1]
        body = document.element.body
        for el in body.iterchildren():
            if el.tag == qn("w:p"):
                breaks = len(el.findall(".//" + qn("w:br") + "[@" + qn("w:type") + "='page']"))
                text = "".join(t.text or "" for t in el.iter(qn("w:t"))).strip()
                style = _style_name(document, el)
                if text:
                    level = _heading_level(style)
                    lines.append(("#" * level + " " if level else "") + text)
                for _ in range(breaks):
                    starts.append(len(lines) + 1)
            elif el.tag == qn("w:tbl"):
                for row in el.iter(qn("w:tr")):
                    cells = ["".join(t.text or "" for t in tc.iter(qn("w:t"))).strip() for tc in row.iter(qn("w:tc"))]
                    if any(cells):
                        lines.append(" | ".join(cells))
        if not any(lines):
            raise BadFile(name, "Word 文件里没有文字")
        starts = sorted({s for s in starts if s <= len(lines)})
        return Extracted("\n".join(lines), tuple(starts) if len(starts) > 1 else ())


def _style_name(document, el) -> str:
    from docx.oxml.ns import qn
    ppr = el.find(qn("w:pPr"))
    sid = ppr.find(qn("w:pStyle")).get(qn("w:val")) if ppr is not None and ppr.find(qn("w:pStyle")) is not None else ""
    if not sid:
        return ""
    try:
        return document.styles.get_by_id(sid, 1).name or sid   # 1 = WD_STYLE_TYPE.PARAGRAPH
    except Exception:  # noqa: BLE001 - an unknown style id is just an unnamed style
        return sid


def _heading_level(style: str) -> int:
    m = re.match(r"(?:heading|标题)\s*(\d)$", style.strip(), re.I)
    if m:
        return min(int(m.group(1)), 6)
    return 1 if style.lower() == "title" else 0


def check_zip(data: bytes, name: str, part: str = "word/document.xml", label: str = "Word（.docx）") -> None:
    """A zip package that holds `part` and does not inflate past MAX_UNZIPPED; else BadFile."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if part not in {i.filename.lstrip("/") for i in infos}:
                raise BadFile(name, f"不是有效的 {label}文件")
            if sum(i.file_size for i in infos) > MAX_UNZIPPED or len(infos) > 100_000:
                raise BadFile(name, f"{label}文件解压后过大（疑似压缩炸弹），已拒绝")
    except zipfile.BadZipFile:
        raise BadFile(name, f"{label}文件已损坏，无法打开（不是有效的 zip 包）") from None
