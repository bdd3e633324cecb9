"""Fits the answerability judge's thresholds (qa/answer/judge.json) on the fitting question sets.

    .venv/bin/python bench/calibrate.py [--write] FILE.jsonl [FILE.jsonl ...] [--regs FILE.jsonl ...]

Prints each question's signals, then the grid point (score_min, coverage_min, unknown_max) that refuses
the most unanswerable questions while refusing at most MAX_FALSE of the answerable ones. Only sets
meant for fitting go in (the *_fit halves, questions.jsonl, hard.jsonl); the *_report halves and the
dev sample are for reporting with bench/quality.py and ../shared/eval/score.py.
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
REGS = ROOT.parent / "shared" / "corpora" / "regulations"
REG_FILES = [REGS / "不动产登记暂行条例(2019-03-24).md", REGS / "专利代理条例(2018-11-06).md"]
MAX_FALSE = 0.03


def collect(qa, files) -> list[dict]:
    rows = []
    for f in files:
        for line in open(f, encoding="utf-8"):
            case = json.loads(line)
            res = qa.ask(case["question"]).to_dict()
            if "signals" not in res:
                continue             # answered by outline reference or the relation table: not judged
            rows.append({"id": case["id"], "q": case["question"], "answerable": bool(case["gold"]),
                         "slot_missing": res["verdict"] == "not_in_documents" and bool(res["missing"]),
                         **res["signals"]})
    return rows


def refuses(r: dict, t: dict) -> bool:
    score = r["dense"] + t["coverage_weight"] * r["coverage"] - t["unknown_weight"] * r["unknown"]
    return score < t["score_min"] or r["unknown"] > t["unknown_max"] or r["coverage"] < t["coverage_min"] \
        or r["slot_missing"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--regs", nargs="*", default=[], help="sets over the default corpus plus two regulations")
    ap.add_argument("--write", action="store_true", help="store the fitted thresholds in qa/answer/judge.json")
    a = ap.parse_args(argv)
    from qa import QA
    from qa.answer.judge import THRESHOLDS_FILE, thresholds
    rows = collect(QA(), a.files)
    if a.regs:
        rows += collect(QA(corpus=[ROOT / "data" / "corpus", *REG_FILES], index_dir=ROOT / "bench" / "out" / "judge-regs"),
                        a.regs)
    for r in sorted(rows, key=lambda r: r["dense"]):
        print(f"{'ANS' if r['answerable'] else 'no '} dense {r['dense']:.3f} cov {r['coverage']:.2f} "
              f"unk {r['unknown']:.2f} slot {'miss' if r['slot_missing'] else 'ok  '} {r['id']} {r['q']}")
    base = dict(thresholds())
    n_ans = sum(r["answerable"] for r in rows)
    n_no = len(rows) - n_ans
    best = None
    for score_min, cov_min, unk_max, cov_w, unk_w in itertools.product(
            [x / 1000 for x in range(850, 941, 3)], [x / 20 for x in range(0, 9)], [x / 10 for x in range(3, 11)],
            [0.05, 0.1, 0.15, 0.2], [0.0, 0.02, 0.05, 0.1]):
        t = dict(base, score_min=score_min, coverage_min=cov_min, unknown_max=unk_max, coverage_weight=cov_w,
                 unknown_weight=unk_w)
        false = sum(refuses(r, t) for r in rows if r["answerable"]) / max(n_ans, 1)
        right = sum(refuses(r, t) for r in rows if not r["answerable"]) / max(n_no, 1)
        # the most refusals within the false-refusal budget; ties go to the most lenient thresholds
        key = (false <= MAX_FALSE, right, -false, -score_min, -cov_min, unk_max)
        if best is None or key > best[0]:
            best = (key, t, right, false)
    _, t, right, false = best
    print(f"\n{len(rows)} judged questions ({n_ans} answerable, {n_no} not): " +
          ", ".join(f"{k} {v}" for k, v in t.items() if not k.startswith("_")) +
          f"-> unanswerable refused {right:.2f}, answerable refused {false:.3f}")
    if a.write:
        THRESHOLDS_FILE.write_text(json.dumps(t, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"written to {THRESHOLDS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
