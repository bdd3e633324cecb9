"""The OCR worker process: renders one page at a time and runs rapidocr on it, one JSON line in, one out.

Run by qa.ingest.ocr as `python -m qa.ingest.ocr_worker MEMORY_BYTES`; a hostile image or PDF can
exhaust only this process, under its own address-space limit, never the server."""
from __future__ import annotations

import json
import logging
import os
import sys

RENDER_DPI = 200
MAX_PIXELS = 40_000_000     # ~ an A2 page at 300 dpi; bigger images are decompression bombs


def _limit_memory(limit: int) -> None:
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass        # no limit where the platform has none (Windows); the parent's timeout still holds


def _image(request: dict):
    from PIL import Image, ImageSequence
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    if request["kind"] == "pdf":
        import pypdfium2 as pdfium
        pdf = pdfium.PdfDocument(request["file"])
        try:
            page = pdf[request["page"]]
            w, h = page.get_size()
            scale = RENDER_DPI / 72
            if w * h * scale * scale > MAX_PIXELS:
                scale = (MAX_PIXELS / (w * h)) ** 0.5
            return page.render(scale=scale).to_pil().convert("RGB")
        finally:
            pdf.close()
    with Image.open(request["file"]) as im:
        for i, frame in enumerate(ImageSequence.Iterator(im)):
            if i == request["page"]:
                return frame.convert("RGB")
    raise IndexError(request["page"])


def _view(request: dict) -> dict:
    """Render the page and draw the quote's boxes on it: characters of the text layer, else the OCR lines."""
    from PIL import Image, ImageDraw
    from .layout import Box, find, highlight_in_lines
    image = _image(request)
    rects: list = []
    if request.get("boxes"):
        sx, sy = (image.size[0] / request["size"][0], image.size[1] / request["size"][1]) if request.get("size") else (1, 1)
        rects = [(x0 * sx, y0 * sy, x1 * sx, y1 * sy)
                 for x0, y0, x1, y1 in highlight_in_lines([Box(*b) for b in request["boxes"]], request["quote"])]
    elif request["kind"] == "pdf":
        import pypdfium2 as pdfium
        pdf = pdfium.PdfDocument(request["file"])
        try:
            page = pdf[request["page"]]
            scale = image.size[0] / page.get_width()
            height = page.get_height()
            text = page.get_textpage()
            span = find(text.get_text_range(), request["quote"])
            lines: list = []
            last = None
            for i in range(*span) if span else ():
                left, bottom, right, top = text.get_charbox(i)
                if right <= left:
                    continue
                if lines and left >= last - 1:             # reading on along one printed line
                    x0, y0, x1, y1 = lines[-1]
                    lines[-1] = (min(x0, left), min(y0, bottom), max(x1, right), max(y1, top))
                else:                                      # back to the left margin: the next line
                    lines.append((left, bottom, right, top))
                last = left
            rects = [(x0 * scale, (height - y1) * scale, x1 * scale, (height - y0) * scale) for x0, y0, x1, y1 in lines]
        finally:
            pdf.close()
    shade = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(shade)
    pad = max(2, image.size[0] // 400)
    for x0, y0, x1, y1 in rects:
        draw.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), fill=(255, 214, 0, 90), outline=(220, 40, 40, 255),
                       width=pad)
    out = Image.alpha_composite(image.convert("RGBA"), shade).convert("RGB")
    if rects and request.get("crop", True):     # the quote with a band of its page around it, readable in a panel
        margin = out.size[1] * 0.12
        top = max(0, min(r[1] for r in rects) - margin)
        out = out.crop((0, round(top), out.size[0], round(min(out.size[1], max(r[3] for r in rects) + margin))))
    if out.size[0] > 1400:
        out = out.resize((1400, round(out.size[1] * 1400 / out.size[0])))
    out.save(request["out"], "PNG")
    return {"highlighted": len(rects)}


def _reason(e: Exception) -> str:
    """What went wrong with a page, in words its owner can act on."""
    from PIL import Image, UnidentifiedImageError
    if isinstance(e, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return f"图片像素过多（上限 {MAX_PIXELS // 10_000} 万像素），疑似压缩炸弹"
    if isinstance(e, UnidentifiedImageError):
        return "不是能识别的图片格式"
    if isinstance(e, (OSError, SyntaxError, ValueError)):
        return f"图片已损坏（{e}）"[:200]
    return f"{type(e).__name__}: {e}"[:200]


def _frames(path: str) -> int:
    from PIL import Image
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with Image.open(path) as im:
        return getattr(im, "n_frames", 1)


def _extent(box, words) -> list[float]:
    """x0, y0, x1, y1 of a line: its characters' left and right edges, which the detector's padded box
    overstates (two runs of one line with a gap between them would seem to touch), and the box's height."""
    xs = [p[0] for w in words or () if w[0].strip() for p in w[2]]
    xs = xs or [p[0] for p in box]
    return [float(min(xs)), float(min(p[1] for p in box)), float(max(xs)), float(max(p[1] for p in box))]


def _spaced(text: str, words) -> str:
    """The line's text with a space where the page has a gap, which the recogniser often drops:
    「第一条　为了」 must not come back as 「第一条为了」, or the article is not seen.

    A gap is space beyond the line's usual one, measured against its character pitch (the distance
    between neighbours' centres): single character boxes jitter by a third of a character, more
    beside punctuation that sits in one corner of its cell, and an absolute threshold reads that
    jitter as spaces (「医疗　单位」)."""
    runs = [(w[0], w[2][0][0], w[2][1][0]) for w in words or () if w[0].strip()]
    if len(runs) < 2 or "".join(r[0] for r in runs) != text.replace(" ", ""):
        return text
    pairs = list(zip(runs, runs[1:]))
    centres = sorted((b[1] + b[2] - a[1] - a[2]) / 2 for a, b in pairs if len(a[0]) == len(b[0]) == 1)
    widths = sorted((x1 - x0) / len(t) for t, x0, x1 in runs if x1 > x0)
    pitch = centres[len(centres) // 2] if len(centres) >= 3 else widths[len(widths) // 2] if widths else 0
    gaps = sorted(b[1] - a[2] for a, b in pairs)
    usual = min(gaps[len(gaps) // 2], 0.3 * pitch)
    out = runs[0][0]
    for (_, _, end), (t, start, _) in pairs:
        if pitch and start - end - usual > 0.6 * pitch:
            out += " " if out[-1].isascii() and t[0].isascii() else "\u3000"
        out += t
    return out


def _pdf_text(request: dict) -> dict:
    from pathlib import Path
    from ..errors import BadFile
    from .readers import pdf_text
    try:
        pages, scanned = pdf_text(Path(request["file"]).read_bytes(), request["name"])
    except BadFile as e:
        return {"error": e.reason, "read": True}      # the file's own fault, said as the reader says it
    except MemoryError:
        raise
    except Exception as e:  # noqa: BLE001 - pdfium and its bindings raise several kinds on a broken file
        return {"error": f"PDF 已损坏，无法读取（{str(e)[:120] or type(e).__name__}）", "read": True}
    return {"pages": pages, "scanned": scanned}


def main() -> None:
    import warnings
    from PIL import Image
    warnings.simplefilter("error", Image.DecompressionBombWarning)   # above MAX_PIXELS is refused, not warned of
    _limit_memory(int(sys.argv[1]) if len(sys.argv) > 1 else 3 << 30)
    replies = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)                          # a library's print must not break the protocol
    logging.disable(logging.WARNING)       # rapidocr logs every model it loads
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    engine = None
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request.get("frames"):
                reply = {"frames": _frames(request["file"])}
            elif request.get("pdf_text"):
                reply = _pdf_text(request)
            elif request.get("view"):
                reply = _view(request)
            else:
                image = _image(request)
                if engine is None:
                    import numpy as np
                    from rapidocr import RapidOCR
                    # No line-direction classifier: on upright scans it flips a whole line now and then
                    # and the line comes back as one wrong character (bench/ocr.py found it).
                    engine = RapidOCR(params={"Global.log_level": "error", "Global.use_cls": False})
                out = engine(np.asarray(image), return_word_box=True)
                boxes = [] if out.boxes is None else [
                    [*_extent(b, words), _spaced(t, words), float(s)]
                    for b, t, s, words in zip(out.boxes.tolist(), out.txts, out.scores, out.word_results)]
                reply = {"boxes": boxes, "size": list(image.size)}
        except MemoryError:
            reply = {"error": "内存不足"}
        except Exception as e:  # noqa: BLE001 - any failure of one page is reported, the worker goes on
            reply = {"error": _reason(e)}
        replies.write(json.dumps(reply, ensure_ascii=False) + "\n")
        replies.flush()


if __name__ == "__main__":
    main()
