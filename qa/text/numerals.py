"""Chinese numerals, both ways (一千零七十九 <-> 1079; 〇, 零, 两 and full-width digits read too), and the
numeral patterns every outline label and question parser builds on: one owner, so documents and questions agree."""
from __future__ import annotations

# Every character a Chinese numeral of an outline label may use.
CN_NUMERAL_CHARS = "零〇一二三四五六七八九十百千两"
# A number as outline labels write it: Chinese numerals or (half- or full-width) digits.
NUMERAL = rf"[{CN_NUMERAL_CHARS}]{{1,8}}|[0-9０-９]{{1,4}}"
# An article label inside running text: 第一千零七十九条, 第三条之一.
ARTICLE_LABEL = rf"第(?:{NUMERAL})条(?:之(?:{NUMERAL}))?"

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}


def cn_to_int(s: str) -> int | None:
    """Chinese numeral (一 … 九千九百九十九, 〇/零 allowed) or ASCII/full-width digits to int;
    None when it is neither."""
    s = s.strip()
    if s.isdigit():
        try:
            return int(s)
        except ValueError:      # digits of other scripts
            return None
    if not s or any(c not in CN_DIGITS and c not in CN_UNITS for c in s):
        return None
    if not any(c in CN_UNITS for c in s):
        return CN_DIGITS[s] if len(s) == 1 else None
    total, digit, last_unit = 0, None, 10_000
    for c in s:
        if c in CN_DIGITS:
            if digit is not None and CN_DIGITS[c] != 0 and digit != 0:
                return None          # two digits in a row: 「二三」 is not a numeral
            digit = CN_DIGITS[c]
        else:
            unit = CN_UNITS[c]
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
