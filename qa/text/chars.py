"""Character-level helpers for Chinese text: width folding, display punctuation, sentence spans."""
from __future__ import annotations

import re
import unicodedata

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{CJK}]")
# Punctuation that ends a sentence, in both widths, optionally followed by closing quotes.
SENTENCE_END = "。！？!?…"
CLOSERS = "”’」』）)】》"
_SENT_RE = re.compile(f"[^{SENTENCE_END}]*(?:[{SENTENCE_END}]+[{re.escape(CLOSERS)}]*|$)")
# With lines=True a line break ends a sentence too: lines of a document's text are paragraphs, 款 or 项.
_LINE_SENT_RE = re.compile(f"[^{SENTENCE_END}\n]*(?:[{SENTENCE_END}]+[{re.escape(CLOSERS)}]*|\n|$)")
_CLAUSE_SEP_RE = re.compile(r"[^；;]*(?:[；;]|$)")

_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "!": "！", "?": "？"}
_PAREN_RE = re.compile(r"\(([^()\n]{0,80})\)")
# one bracket of a pair read at the other width (an OCR slip): 「(三）」「（三)」
_MIXED_PAREN_RE = re.compile(r"\(([^()（）\n]{0,80})）|（([^()（）\n]{0,80})\)")


def is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.match(ch))


def has_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text))


def fold(text: str) -> str:
    """Form used for matching: full-/half-width differences and case do not matter."""
    text = unicodedata.normalize("NFKC", text)
    return text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'").lower()


def _chinese_context(text: str, i: int) -> bool:
    prev = text[i - 1] if i > 0 else ""
    nxt = text[i + 1] if i + 1 < len(text) else ""
    return any(c and (is_cjk(c) or c in "“”‘’）》」、。") for c in (prev, nxt))


def display(text: str) -> str:
    """Proper Chinese display form: ASCII punctuation inside Chinese text becomes full-width.

    Digits, Latin words, URLs and decimals are left alone; only punctuation touching
    Chinese characters (or a parenthesised span holding Chinese) is converted.
    """
    text = _PAREN_RE.sub(lambda m: f"（{m.group(1)}）" if has_cjk(m.group(1)) else m.group(0), text)
    text = _MIXED_PAREN_RE.sub(lambda m: f"（{m.group(1) if m.group(1) is not None else m.group(2)}）", text)
    out = []
    for i, ch in enumerate(text):
        out.append(_HALF_TO_FULL[ch] if ch in _HALF_TO_FULL and _chinese_context(text, i) else ch)
    return "".join(out)


def sentence_spans(text: str, start: int = 0, end: int | None = None, lines: bool = False) -> list[tuple[int, int]]:
    """Spans of sentences in text[start:end]; trailing whitespace is excluded from each span."""
    end = len(text) if end is None else end
    spans = []
    for m in (_LINE_SENT_RE if lines else _SENT_RE).finditer(text, start, end):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def clause_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split one sentence span further at semicolons (long policy sentences list duties with ；)."""
    spans = []
    for m in _CLAUSE_SEP_RE.finditer(text, start, end):
        s, e = m.start(), m.end()
        if e > s:
            spans.append((s, e))
    return spans


def ends_sentence(text: str) -> bool:
    """True when a paragraph ends like a finished sentence (or a quote/bracket closing one)."""
    t = text.rstrip()
    return bool(t) and (t[-1] in SENTENCE_END + "；;：:" or (t[-1] in CLOSERS and len(t) > 1 and t[-2] in SENTENCE_END))
