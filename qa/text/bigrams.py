"""Character bigrams of folded text and the similarities over them: how copies, names and questions are compared."""
from __future__ import annotations

import re

from .chars import fold

_KEEP = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def text_key(text: str) -> str:
    """Letters, digits and Chinese only, folded: punctuation, spaces, width and case do not matter."""
    return _KEEP.sub("", fold(text))


def bigrams(text: str) -> set[str]:
    k = text_key(text)
    return {k[i:i + 2] for i in range(len(k) - 1)}


def dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def contained(a: set[str], b: set[str]) -> float:
    """Share of a's bigrams that occur in b."""
    return len(a & b) / len(a) if a else 0.0
