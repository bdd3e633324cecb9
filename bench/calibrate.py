"""Fits the answerability judge (qa/answer/judge.json): a logistic regression over the judge's named signals.

    .venv/bin/python bench/calibrate.py [--collect] [--write]

The question sets and their fit/report split are fixed here, before any fitting:
- over the default corpus: tests/data/judge_fit, questions and hard fit; judge_report and the dev sample
  (../shared/eval/dev.jsonl) report; tests/data/near.jsonl is split by the SHA-1 of its ids (even = fit);
- over the default corpus plus two regulations: judge_regs_fit fits, judge_regs_report reports;
- real legal questions over the 60 laws minus the ten of leaveout.json (../shared/eval/laws/dev-leaveout.jsonl):
  split like bench/laws.py, by the SHA-1 of the question's id in dev.jsonl.
Rows are the judge's signals for every question the judge decides (outline references and the
relation table are not judged), cached in bench/out/judge-rows.jsonl; --collect asks the questions again.
The fit part fits the weights and the cut (the lowest probability still answered: the most refusals while
refusing at most MAX_FALSE of each corpus's answerable fit questions); the report part is only printed,
with a reliability table (predicted probability against the observed share answerable).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
DATA = ROOT / "tests" / "data"
REGS = SHARED / "corpora" / "regulations"
REG_FILES = [REGS / "不动产登记暂行条例(2019-03-24).md", REGS / "专利代理条例(2018-11-06).md"]
LAWS = SHARED / "corpora" / "laws"
LAWS_EVAL = SHARED / "eval" / "laws"
OUT = ROOT / "bench" / "out"
ROWS = OUT / "judge-rows.jsonl"
# answerable questions the judge may refuse, per corpus (the targets)
MAX_FALSE = {"default": 0.05, "regulations": 0.05, "laws-leaveout": 0.02}
L2 = 1.0
# The direction each signal can only push: more of it means more likely answered (+1) or less (-1).
# A fitted weight against it comes from signals that overlap (coverage and unknown words), so that
# signal leaves the model and the rest are fitted again.
SIGNS = {"dense": 1, "coverage": 1, "sentence_coverage": 1, "rare_coverage": 1, "unknown": -1, "margin": 1,
         "agreement": 1, "lexical": 1, "heading_coverage": 1, "document_agreement": 1, "dense_lift": 1,
         "lexical_lift": 1, "terms": 0}

from bench.laws import part_of  # noqa: E402


def question_sets() -> list[tuple[str, dict, list[tuple[dict, str]]]]:
    """(corpus name, QA arguments, [(case, part)]) for every set, with its part fixed."""
    def read(path):
        return [json.loads(line) for line in open(path, encoding="utf-8")]

    default = [(c, "fit") for f in ("judge_fit", "questions", "hard") for c in read(DATA / f"{f}.jsonl")]
    default += [(c, "report") for c in read(DATA / "judge_report.jsonl")]
    default += [(c, part_of(c["id"])) for c in read(DATA / "near.jsonl")]
    if (SHARED / "eval" / "dev.jsonl").exists():
        default += [(c, "report") for c in read(SHARED / "eval" / "dev.jsonl")]
    sets = [("default", {}, default)]
    regs = [(c, "fit") for c in read(DATA / "judge_regs_fit.jsonl")] + \
           [(c, "report") for c in read(DATA / "judge_regs_report.jsonl")]
    sets.append(("regulations", dict(corpus=[ROOT / "data" / "corpus", *REG_FILES], index_dir=OUT / "judge-regs"), regs))
    if LAWS_EVAL.is_dir():
        dev_id = {c["question"]: c["id"] for c in read(LAWS_EVAL / "dev.jsonl")}
        left = set(json.loads((LAWS_EVAL / "leaveout.json").read_text(encoding="utf-8"))["leave_out"])
        files = sorted(p for p in LAWS.iterdir() if p.name not in left)
        laws = [(c, part_of(dev_id.get(c["question"], c["id"]))) for c in read(LAWS_EVAL / "dev-leaveout.jsonl")]
        sets.append(("laws-leaveout", dict(corpus=files, index_dir=OUT / "leaveout-index"), laws))
    return sets


def collect() -> list[dict]:
    from qa import QA
    rows = []
    for corpus, kwargs, cases in question_sets():
        qa = QA(**kwargs)
        for case, part in cases:
            res = qa.ask(case["question"]).to_dict()
            if "signals" not in res:
                continue
            slots = res["signals"]["slots"]
            rows.append({"corpus": corpus, "part": part, "id": case["id"], "q": case["question"],
                         "answerable": bool(case["gold"]),
                         # every asked slot empty, or rules of a year the library does not reach:
                         # refused whatever the probability
                         "slot_refuses": (bool(slots) and not any(slots.values()))
                         or bool(res["signals"].get("later_than_library")), **res["signals"]})
    OUT.mkdir(parents=True, exist_ok=True)
    ROWS.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = L2, steps: int = 50) -> np.ndarray:
    """Weighted, L2-regularised logistic regression by Newton's method; x has a leading column of ones
    (the bias, not regularised)."""
    beta = np.zeros(x.shape[1])
    reg = np.full(x.shape[1], l2)
    reg[0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        grad = x.T @ (w * (p - y)) + reg * beta
        hess = (x * (w * p * (1 - p))[:, None]).T @ x + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def refused(rows: list[dict], probs: np.ndarray, cut: float) -> np.ndarray:
    return np.array([r["slot_refuses"] for r in rows]) | (probs < cut)


def rates(rows, probs, cut) -> dict[str, tuple[float, float, int, int]]:
    """Per corpus: (unanswerable refused, answerable refused, n unanswerable, n answerable)."""
    out = {}
    ref = refused(rows, probs, cut)
    for corpus in dict.fromkeys(r["corpus"] for r in rows):
        ans = np.array([r["corpus"] == corpus and r["answerable"] for r in rows])
        no = np.array([r["corpus"] == corpus and not r["answerable"] for r in rows])
        out[corpus] = (ref[no].mean() if no.any() else float("nan"), ref[ans].mean() if ans.any() else 0.0,
                       int(no.sum()), int(ans.sum()))
    return out


def reliability(probs: np.ndarray, y: np.ndarray, bins=(0, .2, .4, .6, .8, .9, 1.0001)) -> list[str]:
    lines = ["  predicted      n   mean predicted   observed answerable"]
    for lo, hi in zip(bins, bins[1:]):
        sel = (probs >= lo) & (probs < hi)
        if sel.any():
            lines.append(f"  {lo:.1f}–{min(hi, 1):.1f}  {sel.sum():5d}   {probs[sel].mean():14.3f}   {y[sel].mean():19.3f}")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--collect", action="store_true", help="ask every question again (else the cached rows)")
    ap.add_argument("--write", action="store_true", help="store the fitted model in qa/answer/judge.json")
    a = ap.parse_args(argv)
    from qa.answer.judge import MODEL_FILE, model
    rows = collect() if a.collect or not ROWS.exists() else \
        [json.loads(line) for line in ROWS.read_text(encoding="utf-8").splitlines()]
    base = model()
    features = base["features"]
    fit = [r for r in rows if r["part"] == "fit"]
    report = [r for r in rows if r["part"] == "report"]
    # the slot rule refuses those rows anyway: the model learns from the rest
    train = [r for r in fit if not r["slot_refuses"]]
    x = np.array([[r[f] for f in features] for r in train], dtype=float)
    mean, scale = x.mean(0), x.std(0) + 1e-9
    y = np.array([r["answerable"] for r in train], dtype=float)
    # each corpus's answerable and unanswerable questions weigh the same in total
    w = np.zeros(len(train))
    for corpus in {r["corpus"] for r in train}:
        for label in (0.0, 1.0):
            sel = np.array([r["corpus"] == corpus for r in train]) & (y == label)
            w[sel] = 1.0 / max(sel.sum(), 1)
    w *= len(train) / w.sum()
    z = np.hstack([np.ones((len(train), 1)), (x - mean) / scale])
    kept = list(range(len(features)))
    while True:
        b = fit_logistic(z[:, [0] + [i + 1 for i in kept]], y, w)
        wrong = [(SIGNS[features[i]] * v, i) for i, v in zip(kept, b[1:]) if SIGNS[features[i]] * v < 0]
        if not wrong:
            break
        kept.remove(min(wrong)[1])
    beta = np.zeros(len(features) + 1)
    beta[0] = b[0]
    beta[[i + 1 for i in kept]] = b[1:]
    m = dict(base, _comment="Logistic model of qa/answer/judge.py, fitted by bench/calibrate.py on the fit parts "
             "it names; features are centred by mean and divided by scale.",
             mean=[round(v, 5) for v in mean], scale=[round(v, 5) for v in scale],
             weights=[round(v, 4) for v in beta[1:]], bias=round(float(beta[0]), 4))

    from qa.answer.judge import answerable_probability

    def probs(rs):
        return np.array([answerable_probability(r, m) for r in rs])

    p_fit = probs(fit)
    cut = 0.0
    for c in np.unique(np.round(p_fit, 4)):
        if any(v[1] > MAX_FALSE[corpus] for corpus, v in rates(fit, p_fit, c).items()):
            break
        cut = float(c)
    m["cut"] = round(cut, 4)
    print("weights (on standardised features):")
    for f, v in zip(features, m["weights"]):
        print(f"  {f:18s} {v:+.3f}")
    print(f"  bias {m['bias']:+.3f}   cut {m['cut']}")
    p_report = probs(report)
    for name, rs, ps in (("fit", fit, p_fit), ("report", report, p_report)):
        print(f"\n{name} part: corpus, unanswerable refused, answerable refused")
        for corpus, (right, false, n_no, n_ans) in rates(rs, ps, m["cut"]).items():
            print(f"  {corpus:14s} {right:.3f} of {n_no:3d}   {false:.3f} of {n_ans:3d}")
    decided = np.array([not r["slot_refuses"] for r in report])
    print("\nreliability on the report part (questions the slot rule does not already refuse):")
    print("\n".join(reliability(p_report[decided], np.array([r["answerable"] for r in report])[decided])))
    if a.write:
        MODEL_FILE.write_text(json.dumps(m, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"written to {MODEL_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
