"""OCR figures on real regulations: character accuracy, seconds a page, a 20-page scan, a scan against its text.

Pages of ../shared/corpora/regulations are drawn as a scanner would see them (clean, rotated, blurred,
JPEG-compressed, noisy, hard, two columns) and read through the product's OCR path; a 20-page scanned PDF
is read end to end while questions are answered; the same questions are asked of a scanned copy and of the
text copy of a regulation.

    .venv/bin/python bench/ocr.py [--docs 4] [--pages 2] [--long 20] [--skip-retrieval]

Nothing here is tuned: the documents are drawn by a fixed seed, the questions are each article's own longest
clause, and the figures are only reported.
"""
from __future__ import annotations

import argparse
import io
import os
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REGULATIONS = ROOT.parent / "shared" / "corpora" / "regulations"
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
DPI = 200
A4 = (595, 842)                       # points
LINE_CHARS, PAGE_LINES = 36, 38       # 11 pt on A4 with 2.5 cm margins, as government gazettes set it


def char_accuracy(got: str, want: str) -> float:
    """1 - edit distance / length of the truth, spaces, line breaks, width and case aside (the product folds
    「;」 to 「；」 itself): reading order counts."""
    from qa.text.chars import fold
    a, b = fold("".join(want.split())), fold("".join(got.split()))
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return 1 - prev[-1] / max(len(a), 1)


def paragraphs(path: Path) -> tuple[str, list[str]]:
    """Title and paragraphs of a regulation file as it is printed: markdown marks and the metadata block
    aside, a full-width space after 「第一条」 and 「第一章」 where the file has an ASCII one."""
    text = path.read_text(encoding="utf-8")
    title = re.search(r"^# (.+)$", text, re.M).group(1).strip()
    body = text.split("<!-- INFO END -->", 1)[-1]
    return title, [re.sub(r"^(第\S+?[条章节]) ", "\\1\u3000", re.sub(r"^#+\s*", "", p).strip())
                   for p in body.split("\n") if p.strip()]


FOLIO = re.compile(r"^[-—–\s]*\d+[-—–\s]*$")     # 「— 3 —」: furniture the product drops on its own
HANGING = "，。、；：？！）》」』”’"


def lay_out(title: str, paras: list[str], width: int = LINE_CHARS, per_page: int = PAGE_LINES) -> list[list[str]]:
    """Printed lines per page: the title on top, each paragraph indented two characters and wrapped; a
    closing mark never starts a line but hangs at the end of the one before, as typesetters do."""
    lines = [title, ""]
    for p in paras:
        p = "\u3000\u3000" + p
        while p:
            cut = width + (len(p) > width and p[width] in HANGING)
            lines.append(p[:cut])
            p = p[cut:]
    return [lines[i:i + per_page] for i in range(0, len(lines), per_page)]


def draw(pages: list[list[str]], columns: int = 1, header: str = "", dpi: int = DPI):
    """Each page as a greyscale image; with two columns the title spans both and the lines flow down the
    left column, then the right."""
    from PIL import Image, ImageDraw, ImageFont
    px = dpi / 72
    font = ImageFont.truetype(FONT, round(11 * px))
    step, left = 18 * px, 72 * px
    images = []
    for n, lines in enumerate(pages, start=1):
        img = Image.new("L", (round(A4[0] * px), round(A4[1] * px)), 255)
        d = ImageDraw.Draw(img)
        if header:
            d.text((left, 40 * px), header, font=font, fill=0)
        y0 = 66 * px
        if columns == 1:
            for i, line in enumerate(lines):
                d.text((left, y0 + i * step), line, font=font, fill=0)
        else:                      # the title, on the first page, spans both columns
            titled = n == 1
            if titled:
                d.text((left, y0), lines[0], font=font, fill=0)
            body = lines[1:] if titled else lines
            half, gutter = (len(body) + 1) // 2, (A4[0] - 144) / 2 * px
            for i, line in enumerate(body):
                col, row = divmod(i, half)
                d.text((left + col * gutter, y0 + (2 * titled + row) * step), line, font=font, fill=0)
        d.text((280 * px, 800 * px), f"— {n} —", font=font, fill=0)
        images.append(img)
    return images


def columns_of(title: str, paras: list[str]) -> list[list[str]]:
    """Newspaper-style pages: narrower lines, the same text."""
    pages = lay_out(title, paras, width=LINE_CHARS // 2 - 2, per_page=2 * PAGE_LINES - 6)
    return [[pages[0][0], *pages[0][2:]], *pages[1:]]


def _jpeg(img, quality: int):
    from PIL import Image
    buf = io.BytesIO()
    img.convert("L").save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("L")


def _noise(img, sigma: float, seed: int):
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(seed)
    a = np.asarray(img, dtype=np.float32) + rng.normal(0, sigma, (img.size[1], img.size[0]))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def _rotate(img, degrees: float):
    return img.rotate(degrees, resample=3, expand=False, fillcolor=255)


def _shrink(img, factor: float):
    """A coarser scan of the same page (200 dpi × 0.6 = 120 dpi)."""
    return img.resize((round(img.size[0] * factor), round(img.size[1] * factor)), resample=2)


def _blur(img, radius: float):
    from PIL import ImageFilter
    return img.filter(ImageFilter.GaussianBlur(radius))


VARIANTS = {
    "clean": lambda im, s: im,
    "rotated 1.5°": lambda im, s: _rotate(im, 1.5),
    "blurred r=1.2": lambda im, s: _blur(im, 1.2),
    "JPEG q=30": lambda im, s: _jpeg(im, 30),
    "noisy (1°+blur+q40+noise)": lambda im, s: _jpeg(_noise(_blur(_rotate(im, 1.0), 0.8), 12, s), 40),
    "hard (3°+blur+q25+noise, 120 dpi)": lambda im, s: _jpeg(_noise(_blur(_rotate(_shrink(im, 0.6), 3.0), 0.7), 20, s), 25),
}


def tiff(images) -> bytes:
    buf = io.BytesIO()
    images[0].save(buf, "TIFF", save_all=True, append_images=images[1:], compression="tiff_deflate")
    return buf.getvalue()


def sample(n: int, min_pages: int, seed: int = 20261207) -> list[tuple[str, list[str]]]:
    docs = [paragraphs(p) for p in sorted(REGULATIONS.glob("*.md"))]
    docs = [d for d in docs if len(lay_out(*d)) >= min_pages]
    return random.Random(seed).sample(docs, n)


def differences(got: str, want: str) -> str:
    import difflib
    a, b = "".join(want.split()), "".join(got.split())
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return "  ".join(f"{a[i1 - 3:i2 + 3]!r}→{b[j1 - 3:j2 + 3]!r}" for op, i1, i2, j1, j2 in ops if op != "equal")


def accuracy(docs, pages: int, show: bool = False) -> None:
    from qa.ingest import ocr
    print(f"character accuracy, {len(docs)} regulations × {pages} pages, A4 at {DPI} dpi, {LINE_CHARS} chars a line")
    print(f"  {'render':34} {'accuracy':>9} {'worst page':>11} {'s/page':>7}")
    cases = [(name, 1, f) for name, f in VARIANTS.items()] + [("two columns, aligned lines", 2, VARIANTS["clean"])]
    for name, cols, change in cases:
        scores, spent, count = [], 0.0, 0
        for k, (title, paras) in enumerate(docs):
            laid = (lay_out(title, paras) if cols == 1 else columns_of(title, paras))[:pages]
            images = [change(im, k * 100 + i) for i, im in enumerate(draw(laid, cols))]
            started = time.perf_counter()
            read = ocr.recognise(tiff(images), f"{title}.tif", "image")
            spent, count = spent + time.perf_counter() - started, count + len(images)
            for i, lines in enumerate(laid):
                got = "\n".join(ln for ln in read[i].lines if not FOLIO.match(ln))
                scores.append(char_accuracy(got, "\n".join(lines)))
                if show and scores[-1] < 1:
                    print(f"    {title} p{i + 1}: {differences(got, chr(10).join(lines))}")
        print(f"  {name:34} {statistics.mean(scores):9.2%} {min(scores):11.2%} {spent / count:7.1f}")


QUESTIONS = ("老板拖欠工资不给怎么办？", "公务接待可以安排宴请吗？", "食堂哪天提供素食？", "干部出差住宿标准是多少？")


def long_scan(docs, n_pages: int) -> None:
    """A scanned PDF of n_pages read through the reader while another thread keeps asking questions."""
    from qa import QA
    from qa.ingest import ocr, sources
    title, paras = max(docs, key=lambda d: sum(map(len, d[1])))
    laid = (lay_out(title, paras) * 4)[:n_pages]
    images = draw(laid, header="国务院公报")
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / f"{title}扫描件.pdf"
        images[0].save(pdf, "PDF", save_all=True, append_images=images[1:], resolution=DPI)
        qa = QA()
        qa.ask("纪委书记发现班子成员有重要问题，应该向谁报告？")
        waits, stop = [], threading.Event()

        def asking():
            while not stop.is_set():
                started = time.perf_counter()
                qa.ask(QUESTIONS[len(waits) % len(QUESTIONS)])
                waits.append(time.perf_counter() - started)
                time.sleep(0.5)

        asker = threading.Thread(target=asking)
        asker.start()
        last = []
        started = time.perf_counter()
        with ocr.reporting(lambda done, total, left, name: last.append((done, total, left))):
            src = sources.read_source(pdf)
        spent, size = time.perf_counter() - started, pdf.stat().st_size
        stop.set()
        asker.join()
    lefts = [round(left) for done, total, left in last[:3]]
    print(f"\n{n_pages}-page scanned PDF ({size >> 10} KiB): read in {spent:.0f} s "
          f"({spent / n_pages:.1f} s/page), {len(src.text)} characters, progress reported {len(last)} times "
          f"(first estimates of time left: {lefts} s)")
    print(f"  questions answered meanwhile: {len(waits)}, median {statistics.median(waits) * 1000:.0f} ms, "
          f"slowest {max(waits) * 1000:.0f} ms")


def questions_of(paras: list[str]) -> list[tuple[str, str]]:
    """(article label, question) for each article: its longest clause, which a reader might type."""
    out = []
    for p in paras:
        m = re.match(r"(第[一二三四五六七八九十百零]+条)\s*(.+)", p)
        if m:
            clause = max(re.split(r"[，。；：、]", m.group(2)), key=len)
            if len(clause) >= 8:
                out.append((m.group(1), clause))
    return out


def retrieval(docs, pages: int) -> None:
    """Each document as a text PDF and as a scan of the same pages: does a question cite the same article
    and page in both?"""
    from qa import QA
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    with tempfile.TemporaryDirectory() as tmp:
        where: dict[str, list] = {}
        asked = []
        for kind in ("text", "scan"):
            folder = Path(tmp) / kind
            folder.mkdir()
            for title, paras in docs:
                laid = lay_out(title, paras)[:pages]
                path = folder / f"{title}.pdf"
                if kind == "scan":
                    images = draw(laid, header="国务院公报")
                    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=DPI)
                else:
                    c = canvas.Canvas(str(path), pagesize=A4)
                    for lines in laid:
                        c.setFont("STSong-Light", 11)
                        c.drawString(72, A4[1] - 50, "国务院公报")
                        for i, line in enumerate(lines):
                            c.drawString(72, A4[1] - 76 - 18 * i, line)
                        c.showPage()
                    c.save()
                if kind == "text":
                    shown = "".join("".join(p) for p in laid)
                    asked += [(title, label, q) for label, q in questions_of(paras) if q in shown.replace("\u3000", "")]
            qa = QA(index_dir=Path(tmp) / f"index-{kind}", corpus=[folder])
            where[kind] = []
            for title, label, q in asked:
                c = qa.ask(q).citations
                where[kind].append((c[0].title, c[0].article, c[0].page) if c else None)
    same = sum(a == b for a, b in zip(where["text"], where["scan"]))
    right = {k: sum(bool(w) and w[1].startswith(label) for w, (_, label, _) in zip(v, asked)) for k, v in where.items()}
    print(f"\nretrieval, {len(asked)} questions (each article's longest clause) over {len(docs)} regulations, "
          f"first {pages} pages:")
    print(f"  top citation the same document, article and page on the scan as on the text: {same}/{len(asked)}")
    print(f"  top citation is the article asked about: text {right['text']}/{len(asked)}, scan {right['scan']}/{len(asked)}")
    for (title, label, q), a, b in zip(asked, where["text"], where["scan"]):
        if a != b:
            print(f"    differs: {title} {label} 「{q}」 text {a} / scan {b}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=4)
    ap.add_argument("--pages", type=int, default=2)
    ap.add_argument("--long", type=int, default=20, help="pages of the long scanned PDF (0: skip)")
    ap.add_argument("--skip-retrieval", action="store_true")
    ap.add_argument("--show", action="store_true", help="print what OCR got wrong")
    args = ap.parse_args()
    os.environ["QA_OCR_CACHE"] = tempfile.mkdtemp(prefix="qa-ocr-bench-")   # every page really read
    print(f"{os.cpu_count()} cores; rapidocr in its worker process\n")
    docs = sample(args.docs, args.pages)
    accuracy(docs, args.pages, args.show)
    if args.long:
        long_scan(docs, args.long)
    if not args.skip_retrieval:
        retrieval(docs, args.pages)


if __name__ == "__main__":
    main()
