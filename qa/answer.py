"""Answers assembled from the documents' own sentences, each cited."""
from __future__ import annotations

from .engine import hit_dict


def answer(qa, question: str, k: int = 10, history=None) -> dict:
    hits = qa.retriever.search(question, k)
    passages = [hit_dict(h, r) for r, h in enumerate(hits, start=1)]
    return {"question": question, "answer": passages[0]["text"] if passages else "",
            "found": bool(passages), "citations": passages[:1], "passages": passages}
