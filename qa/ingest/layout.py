"""Reading order of positioned text (OCR lines, OFD text runs): columns left to right, lines top to bottom."""
from __future__ import annotations

from dataclasses import dataclass
from statistics import median


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0


def is_vertical(box: Box, char: float) -> bool:
    """A column of characters one above the other (a newspaper's vertical title)."""
    return box.height > 2.5 * max(box.width, 1e-6) and box.height > 2 * char and len(box.text) >= 2


def reading_order(boxes: list[Box]) -> list[str]:
    """The lines of a page in the order a person reads them.

    Recursive cuts: a vertical gutter that no box crosses splits the region into columns, read
    left to right (a column of vertical titles first: it heads the text beside it); where lines
    cross the gutter (a full-width title above two columns) the region is first cut across,
    above and below each run of full-width lines. Boxes left within one region are grouped into
    lines by vertical overlap and read left to right."""
    boxes = [b for b in boxes if b.text.strip()]
    if not boxes:
        return []
    char = median(min(b.height, b.width) if is_vertical(b, 0) else b.height for b in boxes) or 1.0
    return [line for group in _regions(boxes, char) for line in _lines(group, char)]


def _regions(boxes: list[Box], char: float, depth: int = 0) -> list[list[Box]]:
    if len(boxes) <= 1 or depth > 12:
        return [boxes]
    columns = _split(boxes, lambda b: (b.x0, b.x1), gap=1.2 * char)
    if len(columns) > 1:
        columns.sort(key=lambda col: (not all(is_vertical(b, char) for b in col), min(b.x0 for b in col)))
        return [r for col in columns for r in _regions(col, char, depth + 1)]
    bands = _bands(boxes, char)
    if len(bands) > 1:
        return [r for band in bands for r in _regions(band, char, depth + 1)]
    return [boxes]


def _split(boxes: list[Box], extent, gap: float) -> list[list[Box]]:
    """Groups of boxes whose extents (along one axis) are separated by at least `gap`."""
    ordered = sorted(boxes, key=lambda b: extent(b)[0])
    groups, end = [], None
    for b in ordered:
        lo, hi = extent(b)
        if end is None or lo - end >= gap:
            groups.append([b])
            end = hi
        else:
            groups[-1].append(b)
            end = max(end, hi)
    return groups


def _bands(boxes: list[Box], char: float) -> list[list[Box]]:
    """Horizontal bands cut above and below each row that crosses a gutter of the rows around it.

    A gutter is a strip at least 1.2 characters wide that at most a third of the rows cover, with
    text on both sides of it in at least two rows each: a ragged right margin is not one."""
    rows = _split(boxes, lambda b: (b.y0, b.y1), gap=-0.4 * char)   # touching lines stay one row
    if len(rows) < 3:
        return [boxes]
    left, right = min(b.x0 for b in boxes), max(b.x1 for b in boxes)
    step = max(char / 2, (right - left) / 400)
    xs = [left + step * (i + 0.5) for i in range(int((right - left) / step))]
    cover = [sum(any(b.x0 <= x <= b.x1 for b in row) for row in rows) for x in xs]
    gutters, run = [], []
    for x, c in zip(xs, cover + [None]):
        if c is not None and c <= len(rows) / 3:
            run.append(x)
            continue
        if run and run[-1] - run[0] >= 1.2 * char:
            lo, hi = run[0], run[-1]
            sides = (sum(any(b.x1 < lo for b in row) for row in rows), sum(any(b.x0 > hi for b in row) for row in rows))
            if min(sides) >= 2:
                gutters.append((lo, hi))
        run = []
    if not gutters:
        return [boxes]
    bands: list[list[Box]] = []
    crossed_before = True
    for row in rows:
        # spanning it, not reaching into it: a line a character longer than its neighbours is still in its column
        crosses = any(b.x0 < lo and b.x1 > hi for b in row for lo, hi in gutters)
        if crosses or crossed_before:
            bands.append(list(row))
        else:
            bands[-1].extend(row)
        crossed_before = crosses
    return bands


def _lines(boxes: list[Box], char: float) -> list[str]:
    lines: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: (not is_vertical(b, char), (b.y0 + b.y1) / 2)):
        mid = (b.y0 + b.y1) / 2
        if lines and not is_vertical(b, char) and not is_vertical(lines[-1][-1], char):
            last = lines[-1]
            top, bottom = min(x.y0 for x in last), max(x.y1 for x in last)
            if top - 0.2 * char <= mid <= bottom + 0.2 * char and mid - (top + bottom) / 2 < 0.5 * char:
                last.append(b)
                continue
        lines.append([b])
    return [_join(sorted(line, key=lambda b: b.x0), char) for line in lines]


def _join(runs: list[Box], char: float) -> str:
    """Runs of one line, with a space where the page has a gap (「第二章」「接待管理」 → 「第二章　接待管理」)."""
    out = runs[0].text.strip()
    for prev, b in zip(runs, runs[1:]):
        text = b.text.strip()
        if b.x0 - prev.x1 > 0.5 * char:
            out += " " if out[-1:].isascii() and text[:1].isascii() else "\u3000"
        elif out[-1:].isalnum() and out[-1:].isascii() and text[:1].isalnum() and text[:1].isascii():
            out += " "       # two Latin words never run together
        out += text
    return out


def squeeze(text: str) -> tuple[str, list[int]]:
    """text without whitespace, each character folded on its own (width, case), with the index each came from:
    a quote from the cleaned document is found in a page's raw text however its lines were wrapped."""
    import unicodedata
    chars, where = [], []
    for i, c in enumerate(text):
        if c.isspace():
            continue
        chars.append((unicodedata.normalize("NFKC", c)[:1] or c).lower())
        where.append(i)
    return "".join(chars), where


def find(haystack: str, quote: str) -> tuple[int, int] | None:
    """Span of quote in haystack (indices of haystack), whitespace and width aside; when the whole quote is
    not there (a page break inside it), its longest head of at least 8 characters that is, else its longest
    such tail (the page the quote ends on)."""
    hay, where = squeeze(haystack)
    q, _ = squeeze(quote)
    if not q:
        return None
    if q in hay:
        at = hay.find(q)
        return where[at], where[at + len(q) - 1] + 1
    for n in range(len(q) - 1, min(8, len(q)) - 1, -1):
        for part in (q[:n], q[-n:]):
            at = hay.find(part)
            if at >= 0:
                return where[at], where[at + n - 1] + 1
    return None


def highlight_in_lines(boxes: list[Box], quote: str) -> list[tuple[float, float, float, float]]:
    """Rectangles over the part of each recognised line that the quote covers (OCR gives line boxes:
    a character's place in its line stands for its place on the page).

    Line by line, not as one string: a line the recogniser got a character wrong in, or lost (a lone
    「要求：」), must not end the quote's frame there. A line is framed where it is mostly inside the quote,
    or where it holds the quote's first or last characters (the quote starts or ends mid-line)."""
    from difflib import SequenceMatcher
    q, _ = squeeze(quote)
    rects = []
    for b in boxes:
        line, where = squeeze(b.text)
        if not line or not q:
            continue
        match = SequenceMatcher(None, line, q, autojunk=False)
        blocks = [m for m in match.get_matching_blocks() if m.size >= 2 or m.size == len(line)]
        if not blocks:
            continue
        lo, hi = blocks[0].a, blocks[-1].a + blocks[-1].size
        if sum(m.size for m in blocks) < 0.75 * len(line) or len(line) < 3 <= len(q):
            m = match.find_longest_match(0, len(line), 0, len(q))
            starts, ends = m.b == 0 and m.a + m.size == len(line), m.a == 0 and m.b + m.size == len(q)
            if m.size < min(6, len(q)) or not (starts or ends or m.size == len(q)):
                continue
            lo, hi = m.a, m.a + m.size
        w = (b.x1 - b.x0) / max(len(b.text), 1)
        rects.append((b.x0 + w * where[lo], b.y0, b.x0 + w * (where[hi - 1] + 1), b.y1))
    return rects
