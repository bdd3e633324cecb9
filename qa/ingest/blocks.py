"""Turning one raw file into classified blocks: cleaning lines, dropping junk, rejoining broken paragraphs."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..text.outline import match_line
from .readers import display_width
from ..text.chars import display, ends_sentence, is_cjk

# Page furniture of news web sites; these lines are never content.
_JUNK = re.compile(
    r"^(文章关键词|已收藏|您可通过|知道了$|责任编辑|分享到|扫一扫|点击进入|返回首页|打印本页|关闭窗口|【纠错】|来源[:：]\S*$"
    r"|<!--.*-->$)"
)
_CONTINUED = re.compile(r"^[(（](?:上接|接)第?\s*\d+\s*版[)）]\s*")
_DATELINE = re.compile(r"^[(（]?((?:据)?新华社[\u4e00-\u9fff]{0,6}\d{1,2}月\d{1,2}日电)[)）]?$")
_TRAILING_DATELINE = re.compile(r"[(（]((?:据)?新华社[\u4e00-\u9fff]{0,6}\d{1,2}月\d{1,2}日电)[)）]\s*$")
_TRAILING_NAME = re.compile(r"(?<=[。！？”])\s*[(（]([\u4e00-\u9fff]{2,4})[)）]\s*$")
_DATE = re.compile(r"^[(（]?(\d{4}年\d{1,2}月\d{1,2}日)[)）]?$")
_CREDIT = re.compile(r"^[\u4e00-\u9fff]{1,4}(?:\s+[\u4e00-\u9fff]{1,4})?\s*摄$")
_BYLINE = re.compile(r"^(本报记者|新华社记者|本报通讯员|记者|通讯员)(\s+[\u4e00-\u9fff]{1,4}){0,3}\s*$|^(本报记者|新华社记者)\s*[\u4e00-\u9fff]\s[\u4e00-\u9fff]$")
_CAPTION_START = re.compile(r"^(这是\S{0,20}拍摄的|图为|图[:：]|上图|下图)")
_MD_HEADING = re.compile(r"^(#{1,6})\s*(.+?)\s*#*$")
# A news feature's sub-heading: 「——从方法到制度，“四下基层”内涵日益深化。」 on a line of its own.
_DASH_HEADING = re.compile(r"^[—－]{2}[^。！？!?；;]{2,40}[。！]?$")
# Characters that do not begin a sentence: a body line starting with one continues a broken one.
_FRAGMENT_START = set("的地得了着过们之及与和或而并")
HEADING_MAX = 32


@dataclass
class Block:
    kind: str          # title, heading, division, article, part, clause, item, body, date, dateline, byline, caption, credit, junk
    text: str
    lines: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, 1-based source line)
    level: int = 0     # markdown heading level
    number: int = 0    # the outline number: part, clause, article, chapter…
    continued: bool = False   # page-continuation marker seen (「上接第1版」): a new article starts here
    closes: bool = False      # a dateline ended the article here
    meta: dict = field(default_factory=dict)


def _is_heading_like(text: str) -> bool:
    return (len(text) <= HEADING_MAX and not re.search(r"[。！？!?；;]", text)
            and text[-1] not in "，,、：:")


def raw_blocks(text: str, wrap_width: int = 0) -> list[Block]:
    """Each non-empty line becomes a block; a run of one-character lines is a vertical title.
    With `wrap_width` (a PDF's hard-wrapped lines), a line as wide as a full line runs on into
    the next one, unless that one starts an outline level (第五条, （一）…)."""
    lines = text.split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip().replace("\u3000", " ")
        if not line:
            i += 1
            continue
        j = i
        while j < len(lines) and len(lines[j].strip()) == 1 and is_cjk(lines[j].strip()):
            j += 1
        if j - i >= 3:
            title = "".join(lines[k].strip() for k in range(i, j))
            blocks.append(Block("title", title, [(0, i + 1)], meta={"vertical": True}))
            i = j
            continue
        prev = blocks[-1] if blocks else None
        if wrap_width and prev is not None and prev.meta.get("full") and prev.lines[-1][1] == i \
                and match_line(line) is None:
            prev.lines.append((len(prev.text), i + 1))
            prev.text += line
        else:
            prev = Block("body", line, [(0, i + 1)])
            blocks.append(prev)
        prev.meta["full"] = bool(wrap_width) and display_width(line) >= 0.85 * wrap_width
        i += 1
    for b in blocks:
        b.meta.pop("full", None)
    return blocks


def classify(block: Block) -> Block:
    """Decide what a single line is, cleaning its text into display form."""
    t = block.text
    if block.kind == "title":
        return block
    if _JUNK.match(t):
        block.kind = "junk"
        return block
    m = _CONTINUED.match(t)
    if m:
        block.continued = True
        t = t[m.end():]
        block.lines = [(0, block.lines[0][1])]
        if not t:
            block.kind = "junk"
            return block
    m = _DATELINE.match(t)
    if m:
        block.kind, block.text, block.closes = "dateline", m.group(1), True
        return block
    m = _TRAILING_DATELINE.search(t)
    if m:
        block.meta["dateline"] = m.group(1)
        block.closes = True
        t = t[:m.start()].rstrip()
    m = _TRAILING_NAME.search(t)
    if m:
        block.meta["byline"] = m.group(1)
        t = t[:m.start()].rstrip()
    t = display(t)
    block.text = t
    m = _MD_HEADING.match(t)
    if m:
        block.kind, block.level, block.text = "heading", len(m.group(1)), m.group(2)
        outline = match_line(block.text)
        if outline is not None and outline.level.kind in ("division", "part"):
            _outline_kind(block, outline)      # 「## 第一章 总则」 is a chapter, not a new article
        return block
    if _DATE.match(t):
        block.kind, block.text = "date", _DATE.match(t).group(1)
        return block
    if _CREDIT.match(t):
        block.kind = "credit"
        return block
    if _BYLINE.match(t):
        block.kind = "byline"
        return block
    if _CAPTION_START.match(t):
        block.kind = "caption"
        return block
    outline = match_line(t)
    if outline is not None and outline.level.kind != "item":
        return _outline_kind(block, outline)
    if outline is None and (_is_heading_like(t) or _DASH_HEADING.match(t)):
        block.kind = "heading"
    return block


def _outline_kind(block: Block, m) -> Block:
    block.kind, block.number = m.level.kind, m.number
    block.meta.update(level=m.level.name, sub=m.sub, title=m.title)
    return block


def classify_all(blocks: list[Block]) -> list[Block]:
    out: list[Block] = []
    for b in blocks:
        classify(b)
        # A photo credit (「乔玉芳 摄」) turns the line right above it into a caption.
        if b.kind == "credit" and out and out[-1].kind in ("body", "heading") \
                and out[-1].lines[-1][1] == b.lines[0][1] - 1:
            out[-1].kind = "caption"
        out.append(b)
    return out


def _boundary_word(tail: str, head: str, segment) -> bool:
    """True when the word segmenter reads a word across the join (「确」+「定」 → 确定)."""
    joined = tail[-3:] + head[:3]
    pos = 0
    for tok in segment(joined):
        if pos < len(tail[-3:]) < pos + len(tok):
            return True
        pos += len(tok)
    return False


def _joinable(b: Block) -> bool:
    return b.kind in ("body", "clause", "article") and not ends_sentence(b.text) and len(b.text) >= 20


def _merge(a: Block, b: Block) -> None:
    base = len(a.text)
    a.lines.extend((base + off, line) for off, line in b.lines)
    a.text += b.text
    a.closes = a.closes or b.closes
    a.meta.update(b.meta)


def join_broken(blocks: list[Block], segment, lookahead: int = 40) -> list[Block]:
    """Rejoin paragraphs broken mid-word: by the next body line, or a later line that
    plainly continues it (newspaper columns put captions and other articles in between)."""
    out = [b for b in blocks if b.kind != "junk"]
    i = 0
    while i < len(out):
        a = out[i]
        if not _joinable(a):
            i += 1
            continue
        nxt = out[i + 1] if i + 1 < len(out) else None
        if nxt is not None and nxt.kind == "body" and not nxt.continued:
            _merge(a, nxt)
            del out[i + 1]
            continue
        target = None
        for j in range(i + 1, min(len(out), i + 1 + lookahead)):
            c = out[j]
            if c.kind != "body" or c.continued:
                continue
            if c.text[0] in _FRAGMENT_START or _boundary_word(a.text, c.text, segment):
                target = j
                break
        if target is None:
            i += 1
            continue
        _merge(a, out[target])
        del out[target]
    return out
