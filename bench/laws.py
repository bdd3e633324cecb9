"""Real people's legal questions (../shared/eval/laws): the tool beside BM25 alone, e5 alone and their
reciprocal-rank fusion, on the same index, on a fit part and a report part of the questions.

The split is fixed before any tuning and never changes: a question is in the fit part when the SHA-1
of its id is even, else in the report part (302 / 298 of dev.jsonl). Tune on `fit`; quote `report`.

    .venv/bin/python bench/laws.py [--index /tmp/laws-index] [--part fit|report|all] [--show-misses]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LAWS = ROOT.parent / "shared" / "corpora" / "laws"
QUESTIONS = ROOT.parent / "shared" / "eval" / "laws" / "dev.jsonl"

from bench.quality import is_hit  # noqa: E402

RRF_K = 60


def part_of(case_id: str) -> str:
    return "fit" if int(hashlib.sha1(case_id.encode()).hexdigest(), 16) % 2 == 0 else "report"


def rrf(rankings: list[list[int]], k: int = RRF_K) -> list[int]:
    """Reciprocal-rank fusion, the baseline the dataset's README quotes."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, row in enumerate(ranking, start=1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank)
    return [row for row, _ in sorted(fused.items(), key=lambda x: (-x[1], x[0]))]


def score(ranked_texts: list[list[str]], cases: list[dict]) -> dict:
    """hit@1, hit@5 and MRR@10 (any gold article counts), and recall@5 of all gold articles: a question
    that needs a law's article and its interpretation's is answered only when both are among the five."""
    hit1 = hit5 = 0
    rr = recall = 0.0
    for texts, case in zip(ranked_texts, cases):
        ranks = [i for i, t in enumerate(texts[:10]) if is_hit(t, case["gold"])]
        first = ranks[0] + 1 if ranks else None
        hit1 += first == 1
        hit5 += bool(first and first <= 5)
        rr += 1 / first if first else 0.0
        recall += sum(any(is_hit(t, [g]) for t in texts[:5]) for g in case["gold"]) / len(case["gold"])
    n = max(len(cases), 1)
    return {"hit@1": round(hit1 / n, 3), "hit@5": round(hit5 / n, 3), "mrr@10": round(rr / n, 3),
            "recall@5": round(recall / n, 3)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default="/tmp/laws-index")
    ap.add_argument("--part", choices=["fit", "report", "all"], default="all")
    ap.add_argument("--show-misses", action="store_true")
    a = ap.parse_args()
    from qa import QA
    qa = QA(corpus=[LAWS], index_dir=a.index)
    cases = [json.loads(line) for line in open(QUESTIONS, encoding="utf-8") if line.strip()]
    parts = {"fit": [c for c in cases if part_of(c["id"]) == "fit"],
             "report": [c for c in cases if part_of(c["id"]) == "report"]}
    if a.part != "all":
        parts = {a.part: parts[a.part]}
    r = qa.retriever
    passages = r.index.passages
    for name, subset in parts.items():
        runs: dict[str, list[list[str]]] = {"bm25": [], "e5": [], "rrf(bm25, e5)": [], "this tool": []}
        t0 = time.perf_counter()
        refused = 0
        for case in subset:
            q = case["question"]
            lex, _ = r.lexical(q, 50)
            dense, _, _ = r.dense(q, 50)
            runs["bm25"].append([passages[i].text for i in lex])
            runs["e5"].append([passages[i].text for i in dense])
            runs["rrf(bm25, e5)"].append([passages[i].text for i in rrf([lex, dense])])
            ans = qa.ask(q)
            refused += not ans.found
            runs["this tool"].append([p.text for p in ans.passages])
            if a.show_misses and not any(is_hit(t, case["gold"]) for t in runs["this tool"][-1][:1]):
                top = ans.passages[0] if ans.passages else None
                print("MISS", case["id"], q[:50], "| gold", case["gold"][0]["doc"][:16], case["gold"][0]["article"],
                      "| top", (top.title[:12] + " " + top.article) if top else "-")
        took = time.perf_counter() - t0
        print(f"{name} ({len(subset)} questions, {took:.0f} s; this tool refused {refused / max(len(subset), 1):.3f})")
        for system, texts in runs.items():
            print(f"  {system:15s}", json.dumps(score(texts, subset)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
