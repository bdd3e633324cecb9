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


CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_to_int(s: str) -> int | None:
    """Chinese numeral (一 … 九千九百九十九, 〇/零 allowed) or ASCII/full-width digits to int;
    None when it is neither."""
    s = s.strip()
    if s.isdigit():
        try:
            return int(s)
        except ValueError:      # digits of other scripts
            return None
    if not s or any(c not in CN_DIGITS and c not in _CN_UNITS for c in s):
        return None
    if not any(c in _CN_UNITS for c in s):
        return CN_DIGITS[s] if len(s) == 1 else None
    total, digit, last_unit = 0, None, 10_000
    for c in s:
        if c in CN_DIGITS:
            if digit is not None and CN_DIGITS[c] != 0 and digit != 0:
                return None          # two digits in a row: 「二三」 is not a numeral
            digit = CN_DIGITS[c]
        else:
            unit = _CN_UNITS[c]
            if unit >= last_unit:
                return None
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
    return total + (digit or 0)


def int_to_cn(n: int) -> str:
    """1 … 9999 as Chinese numerals, the way article numbers are written (十四, 一百零五)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n - 10] if n > 10 else "")
    out, zero = [], False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d, n = divmod(n, unit)
        if d:
            if zero:
                out.append("零")
            out.append(digits[d] + name)
            zero = False
        elif out:
            zero = True
    return "".join(out)
