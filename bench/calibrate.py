"""Prints the "found" score of every question in the given sets and the thresholds that
separate answerable from unanswerable ones (used to set answer.FOUND_THRESHOLD)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(files: list[str]) -> int:
    from qa import answer as A
    from qa.engine import QA
    qa = QA()
    rows = []
    for f in files:
        for line in open(f, encoding="utf-8"):
            case = json.loads(line)
            turn = A.resolve_turn(case["question"], [])
            if turn.ref:
                continue             # named clauses are answered by lookup, never refused
            hits = qa.retriever.search(turn.query, k=10, ref=turn.ref)
            rows.append((A.found_score(qa.index, turn.query, hits), bool(case["gold"]), case["id"], case["question"]))
    rows.sort()
    for z, ans, cid, q in rows:
        print(f"{z:.4f} {'answerable' if ans else 'NO-ANSWER '} {cid} {q}")
    n_ans = sum(r[1] for r in rows)
    n_no = len(rows) - n_ans
    print(f"\ncurrent threshold {A.FOUND_THRESHOLD}")
    for t in sorted({round(r[0], 3) for r in rows}):
        refused = sum(1 for z, ans, *_ in rows if not ans and z < t) / max(n_no, 1)
        wrong = sum(1 for z, ans, *_ in rows if ans and z < t) / max(n_ans, 1)
        if wrong <= 0.05 and refused >= 0.75:
            print(f"threshold {t:.3f}: unanswerable refused {refused:.2f}, answerable refused {wrong:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
