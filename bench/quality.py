"""Retrieval and refusal quality of the real pipeline on a question set (same rules as the dev scorer)."""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

KEEP = re.compile(r"[^0-9A-Za-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MAX_CHARS = 800


def norm(text: str) -> str:
    return KEEP.sub("", text or "")


def is_hit(text: str, gold: list[dict]) -> bool:
    t = norm(text)
    return len(text) <= MAX_CHARS and any(norm(s) in t for g in gold for s in g["must_contain"] if norm(s))


def evaluate(qa, cases: list[dict], k: int = 5) -> dict:
    n_ans = hit1 = hitk = n_no = no_ok = false_no = 0
    rr = 0.0
    misses = []
    for case in cases:
        res = qa.ask(case["question"])
        if not case["gold"]:
            n_no += 1
            no_ok += not res.found
            if res.found:
                misses.append((case["id"], "answered", case["question"]))
            continue
        n_ans += 1
        false_no += not res.found
        ranks = [i for i, p in enumerate(res.passages[:10]) if is_hit(p.text, case["gold"])]
        first = ranks[0] + 1 if ranks else None
        hit1 += first == 1
        hitk += bool(first and first <= k)
        rr += 1 / first if first else 0
        if first != 1 or not res.found:
            misses.append((case["id"], f"rank={first} found={res.found}", case["question"]))
    return {"hit@1": hit1 / max(n_ans, 1), f"hit@{k}": hitk / max(n_ans, 1), "mrr": rr / max(n_ans, 1),
            "noanswer_acc": no_ok / max(n_no, 1), "false_noanswer": false_no / max(n_ans, 1),
            "answerable": n_ans, "noanswer_cases": n_no, "misses": misses}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--show-misses", action="store_true")
    ap.add_argument("--corpus", action="append", help="corpus folders or files (default: data/corpus)")
    ap.add_argument("--index", help="index folder (default: the app's own; give another with --corpus)")
    a = ap.parse_args()
    from qa import QA
    qa = QA(corpus=a.corpus, index_dir=a.index)
    for f in a.files:
        cases = [json.loads(l) for l in open(f, encoding="utf-8") if l.strip()]
        t0 = time.perf_counter()
        m = evaluate(qa, cases)
        misses = m.pop("misses")
        if a.show_misses:
            for row in misses:
                print("MISS", *row)
        print(f, json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in m.items()}),
              f"{time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
