"""How the tool grows: one table of read/merge, embedding, index build, disk, load, query latency and memory.

    .venv/bin/python bench/scale.py [--rows default,100,681,100k] [--work DIR]

Rows: the default corpus; the first 100 and all 681 real regulations (../shared/corpora/regulations);
"copies": 200 perturbed copies of the default corpus (read+merge only, against the five files);
"100k": 100,000 synthetic passages made from the 681 (their texts with a copy number, their vectors
with a little noise — for size, speed and memory, never for quality). Each row runs in its own
process so its peak memory is its own. Embedding all 681 takes a while; built indexes are kept in
--work and reused (their embedding time is then read from the manifest).
Also measured: adding and removing one regulation on the 681-document index, recall@10 of the
HNSW vector index against the exact search at 100k, and the hand-written BM25 against bm25s.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from qa.index import index_text, unit_text  # noqa: E402
REGS = ROOT.parent / "shared" / "corpora" / "regulations"
QUESTIONS = ["纪委书记发现班子成员有重要问题，应该向谁报告？", "第十四条讲了什么？", "党费按什么比例缴纳？",
             "不动产登记暂行条例第十条", "专利代理机构应当具备什么条件？", "违反规定的由哪个部门责令改正？",
             "申请行政复议的期限是多少天？", "国务院关于经营者集中申报标准的规定修改了哪些条",
             "领导干部插手干预重大事项应当怎么处理？", "登记机构应当在多少个工作日内办结？",
             "哪些情形不予登记？", "本条例自什么时候起施行？"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) / 1024 / 1024


def perturbed_copies(out: Path, n: int = 200, seed: int = 0) -> Path:
    """n copies of the five default files, each with an edit every ~500 characters."""
    src = sorted((ROOT / "data" / "corpus").iterdir())
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    rng = random.Random(seed)
    for k in range(n):
        f = src[k % len(src)]
        chars = list(f.read_text(encoding="utf-8"))
        for _ in range(max(1, len(chars) // 500)):
            i = rng.randrange(len(chars))
            op = rng.random()
            chars[i] = rng.choice("的一是在了有和人这中") if op < 0.4 else "" if op < 0.7 else chars[i] + "，"
        (out / f"copy{k:03d}_{f.name}").write_text("".join(chars), encoding="utf-8")
    return out


def read_merge(paths) -> tuple[float, object]:
    from qa.ingest.corpus import build_corpus, read_sources
    t0 = time.perf_counter()
    corpus = build_corpus(*read_sources(paths))
    return time.perf_counter() - t0, corpus


def query_times(qa, questions=QUESTIONS) -> tuple[float, float]:
    """Warm latency of whole answers, question vectors recomputed every time (no cache)."""
    qa.embedder._cache_size = 0
    for q in questions:
        qa.ask(q)
    lat = []
    for _ in range(3):
        for q in questions:
            t0 = time.perf_counter()
            qa.ask(q)
            lat.append(time.perf_counter() - t0)
    lat.sort()
    return statistics.median(lat) * 1000, lat[int(0.95 * (len(lat) - 1))] * 1000


def row_corpus(name: str, paths: list, work: Path) -> dict:
    """Read+merge, then build (or reuse) the real index, then load it fresh and ask."""
    from qa.ingest.corpus import load_corpus  # noqa: F401 - warms jieba before timing
    load_corpus()
    merge_s, corpus = read_merge(paths)
    from qa import QA
    folder = work / f"index-{name}"
    t0 = time.perf_counter()
    qa = QA(index_dir=folder, corpus=paths, progress=True)
    opened = time.perf_counter() - t0
    m = qa.index.manifest
    texts = m.get("passages", 0) + len(qa.index.units)
    del qa
    t0 = time.perf_counter()
    qa = QA(index_dir=folder, corpus=paths)
    load_s = time.perf_counter() - t0
    p50, p95 = query_times(qa)
    embed_s, rate = m.get("embed_seconds"), (m.get("embedded", 0) / m["embed_seconds"]) if m.get("embed_seconds") else None
    distinct = len({t for t in map(index_text, qa.index.passages)} |
                   {unit_text(qa.index.passages[i], s, e) for i, s, e in qa.index.units})
    if m.get("embedded", 0) < 1000:          # vectors came from an earlier build: time a sample instead
        rate = sample_rate(qa)
        embed_s = distinct / rate
    return {"row": name, "documents": len(corpus.documents), "passages": len(corpus.passages),
            "sentences": len(qa.index.units), "read_merge_s": merge_s, "embed_s": embed_s,
            "texts_per_s": rate, "distinct_texts": distinct,
            "build_s": m.get("build_seconds"), "first_open_s": opened, "disk_mb": folder_mb(folder),
            "load_s": load_s, "p50_ms": p50, "p95_ms": p95, "rss_mb": rss_mb(), "texts": texts}


def sample_rate(qa, n: int = 1200) -> float:
    """Texts per second embedding a random sample of this index's passage and sentence texts."""
    rng = random.Random(0)
    idx = qa.index
    texts = [index_text(p) for p in idx.passages] + [unit_text(idx.passages[i], s, e) for i, s, e in idx.units]
    sample = rng.sample(texts, min(n, len(texts)))
    from qa.index.builder import _embed
    t0 = time.perf_counter()
    _embed(qa.embedder.inner.ready(), sample, {})
    return len(sample) / (time.perf_counter() - t0)


def row_copies(work: Path) -> dict:
    from qa.ingest.corpus import load_corpus
    load_corpus()
    five = min(read_merge([ROOT / "data" / "corpus"])[0] for _ in range(5))
    copies = perturbed_copies(work / "copies")
    secs, corpus = read_merge([copies])
    return {"row": "200 copies", "documents": len(corpus.documents), "passages": len(corpus.passages),
            "read_merge_s": secs, "five_files_s": five, "ratio": secs / five, "rss_mb": rss_mb(),
            **sketch_compare(copies)}


def sketch_compare(folder: Path) -> dict:
    """Our bottom-k sketch against datasketch's MinHash (+LSH) on the same unmerged passages."""
    from qa.ingest.corpus import parse_file
    from qa.ingest.neardup import sketch
    from qa.ingest.structure import build_document
    from qa.ingest.versions import text_key
    sources, _ = __import__("qa.corpus", fromlist=["read_sources"]).read_sources([folder])
    keys = [text_key(p.text) for n, s in enumerate(sources) for a in parse_file(s) if a.blocks
            for p in build_document(a, f"{s.name}#{n}").passages]
    t0 = time.perf_counter()
    for k in keys:
        sketch(k)
    out = {"sketch_passages": len(keys), "our_sketch_s": time.perf_counter() - t0}
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        return out
    t0 = time.perf_counter()
    lsh = MinHashLSH(threshold=0.5, num_perm=32)
    shingles = [[k[i:i + 2].encode() for i in range(len(k) - 1)] or [b""] for k in keys]
    for i, m in enumerate(MinHash.bulk(shingles, num_perm=32)):
        lsh.query(m)
        lsh.insert(i, m)
    out["datasketch_s"] = time.perf_counter() - t0
    return out


def row_synthetic(work: Path, n_target: int = 100_000) -> dict:
    """100k passages: the 681's passages repeated with a copy number, vectors with noise."""
    import numpy as np

    from qa.index import Index, bm25, index_text, load, save, vector_index
    from qa.ingest.documents import Document
    from qa.text.tokenize import tokenize
    base = load(work / "index-681")
    reps = -(-n_target // len(base.passages))
    rng = np.random.default_rng(0)
    passages, documents, units, tokens = [], [], [], []
    vec = base.vectors.reconstruct_n(0, base.vectors.ntotal)
    uvec = base.unit_matrix
    pv, uv = [], []
    base_tokens = [tokenize(index_text(p)) for p in base.passages]
    for r in range(reps):
        offset = len(passages)
        for d in base.documents:
            documents.append(Document(**{**d.to_dict(), "id": f"{d.id}~{r}", "source": f"{d.source}~{r}",
                                         "title": f"{d.title}（副本{r}）", "lines": [tuple(x) for x in d.lines]}))
        for p in base.passages:
            q = type(p).from_dict({**p.to_dict(), "doc_id": f"{p.doc_id}~{r}", "source": f"{p.source}~{r}",
                                   "id": f"{p.id}~{r}", "title": f"{p.title}（副本{r}）"})
            passages.append(q)
        tokens.extend(base_tokens)
        units.extend((pi + offset, s, e) for pi, s, e in base.units)
        noise = lambda m: m + 0.03 * rng.standard_normal(m.shape).astype(np.float32)  # noqa: E731
        pv.append(noise(vec))
        uv.append(noise(uvec))
    norm = lambda m: m / np.linalg.norm(m, axis=1, keepdims=True)  # noqa: E731
    pv, uv = norm(np.concatenate(pv)), norm(np.concatenate(uv))
    by_doc: dict[str, list] = {}
    for p in passages:
        by_doc.setdefault(p.doc_id, []).append(p)
    for d in documents:
        d.passages = by_doc.get(d.id, [])
    t0 = time.perf_counter()
    index = Index(passages, documents, vector_index(pv, pv.shape[1]), units, vector_index(uv, uv.shape[1]),
                  dict(base.manifest, passages=len(passages)), [], bm25.build(tokens))
    build_s = time.perf_counter() - t0
    folder = work / "index-100k"
    save(index, folder)
    recall = ann_recall(uv, index.unit_vectors)
    del index, base
    return {"row": "100k synthetic (build)", "documents": len(documents), "passages": len(passages),
            "sentences": len(units), "build_s": build_s, "disk_mb": folder_mb(folder), "rss_mb": rss_mb(),
            "ann_recall10": recall, **bm25_compare(tokens)}


def row_synthetic_serve(work: Path) -> dict:
    """The 100k index as a server meets it: a fresh process loads it and answers."""
    from qa.encoder.embed import Batching, Loading
    from qa import QA
    from qa.index import load
    from qa.search.retrieve import Retriever
    t0 = time.perf_counter()
    loaded = load(work / "index-100k")
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    emb = Loading()
    emb.ready()
    model_s = time.perf_counter() - t0
    qa = QA.__new__(QA)
    qa.embedder, qa.index = Batching(emb), loaded
    qa.retriever = Retriever(loaded, qa.embedder)
    p50, p95 = query_times(qa)
    return {"row": "100k synthetic", "documents": len(loaded.documents), "passages": len(loaded.passages),
            "sentences": len(loaded.units), "disk_mb": folder_mb(work / "index-100k"), "load_s": load_s,
            "p50_ms": p50, "p95_ms": p95, "rss_mb": rss_mb(), "model_load_s": model_s,
            "ann_recall10_real_questions": ann_recall_questions(loaded, emb)}


def ann_recall_questions(index, emb) -> float | None:
    """Recall@10 of the sentence index against the exact search, for real questions and passage openings."""
    import faiss
    import numpy as np
    if isinstance(index.unit_vectors, faiss.IndexFlat):
        return None
    queries = QUESTIONS + [p.text[:30] for p in index.passages[::1000]]
    q = emb.embed(queries, "query")
    exact = faiss.IndexFlatIP(index.unit_matrix.shape[1])
    exact.add(index.unit_matrix)
    _, want = exact.search(q, 10)
    _, got = index.unit_vectors.search(q, 10)
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(want, got)]))


def ann_recall(vecs, ann, queries: int = 200) -> float | None:
    """Share of the exact top 10 that the approximate index returns, for sentence vectors moved by
    random noise as large as the copies' (a reworded sentence). Until 2026-11-26 every query was
    shifted by +0.05 along the all-ones direction, which pulls all queries towards one point far from
    the data: HNSW found 0.66 of that top 10 at efSearch 512."""
    import faiss
    import numpy as np
    if isinstance(ann, faiss.IndexFlat):
        return None
    exact = faiss.IndexFlatIP(vecs.shape[1])
    exact.add(vecs)
    rng = np.random.default_rng(1)
    q = vecs[rng.choice(len(vecs), queries, replace=False)]
    q = q + 0.03 * rng.standard_normal(q.shape).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    _, want = exact.search(q, 10)
    _, got = ann.search(q, 10)
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(want, got)]))


def bm25_compare(tokens: list[list[str]]) -> dict:
    """Our BM25 arrays against bm25s (if installed) at this size: build and query time, same top 10."""
    import numpy as np

    from qa.index import bm25
    from qa.text.tokenize import tokenize
    queries = [tokenize(q) for q in QUESTIONS]
    t0 = time.perf_counter()
    ours = bm25.build(tokens)
    out = {"bm25_build_s": time.perf_counter() - t0}
    t0 = time.perf_counter()
    top_ours = [np.argsort(-bm25.scores(ours, q))[:10] for q in queries]
    out["bm25_query_ms"] = (time.perf_counter() - t0) / len(queries) * 1000
    try:
        import bm25s
    except ImportError:
        return out
    t0 = time.perf_counter()
    retriever = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
    retriever.index(tokens, show_progress=False)
    out["bm25s_build_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    top_theirs = [np.argsort(-retriever.get_scores(q))[:10] for q in queries]
    out["bm25s_query_ms"] = (time.perf_counter() - t0) / len(queries) * 1000
    out["bm25_same_top10"] = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(top_ours, top_theirs)]))
    return out


def incremental(work: Path) -> dict:
    """Add, then remove, one regulation on the 681 index (a copy of it)."""
    from qa import QA
    folder = work / "index-inc"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(work / "index-681", folder)
    extra = work / "extra"
    shutil.rmtree(extra, ignore_errors=True)
    extra.mkdir()
    qa = QA(index_dir=folder, corpus=[REGS, extra])
    t0 = time.perf_counter()
    qa.warm()                  # what the server does in a thread after start
    warm_s = time.perf_counter() - t0
    new = extra / "星海市测试管理办法.md"
    new.write_text("# 星海市测试管理办法\n\n第一条 为了测试增量更新，制定本办法。\n\n第二条 本办法自发布之日起施行。\n",
                   encoding="utf-8")
    t0 = time.perf_counter()
    qa.reload()
    add_s = time.perf_counter() - t0
    found = any(p.source == new.name for p in qa.index.passages)
    embedded, embed_s = qa.index.manifest["embedded"], qa.index.manifest["embed_seconds"]
    t0 = time.perf_counter()
    qa.saver.wait()
    save_s = time.perf_counter() - t0
    new.unlink()
    t0 = time.perf_counter()
    qa.reload()
    remove_s = time.perf_counter() - t0
    gone = not any(p.source == new.name for p in qa.index.passages)
    qa.saver.wait()
    return {"row": "incremental (681)", "add_one_s": add_s, "remove_one_s": remove_s, "rss_mb": rss_mb(),
            "embedded_on_add": embedded, "embed_on_add_s": embed_s, "background_save_s": save_s,
            "warm_parse_s": warm_s, "added_and_removed": found and gone}


def child(row: str, work: Path) -> dict:
    regs = sorted(REGS.iterdir())
    if row == "default":
        return row_corpus("default", [ROOT / "data" / "corpus"], work)
    if row == "100":
        sub = work / "regs100"
        if not sub.exists():
            sub.mkdir(parents=True)
            for f in regs[:100]:
                shutil.copy(f, sub / f.name)
        return row_corpus("100", [sub], work)
    if row == "681":
        return row_corpus("681", [REGS], work)
    if row == "copies":
        return row_copies(work)
    if row == "100k":
        return row_synthetic(work)
    if row == "100k-serve":
        return row_synthetic_serve(work)
    if row == "incremental":
        return incremental(work)
    raise SystemExit(f"unknown row {row}")


COLUMNS = [("row", "", "{}"), ("documents", "docs", "{:,}"), ("passages", "passages", "{:,}"),
           ("sentences", "sentences", "{:,}"), ("read_merge_s", "read+merge s", "{:.2f}"),
           ("embed_s", "embed s", "{:.0f}"), ("texts_per_s", "texts/s", "{:.0f}"),
           ("build_s", "build s", "{:.0f}"), ("disk_mb", "disk MB", "{:.0f}"), ("load_s", "load s", "{:.1f}"),
           ("p50_ms", "query p50 ms", "{:.0f}"), ("p95_ms", "p95 ms", "{:.0f}"), ("rss_mb", "peak RSS MB", "{:.0f}")]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="default,copies,100,681,incremental,100k,100k-serve")
    ap.add_argument("--work", default=str(ROOT / "bench" / "out" / "scale"))
    ap.add_argument("--child")
    args = ap.parse_args(argv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    if args.child:
        print("ROW " + json.dumps(child(args.child, work), ensure_ascii=False), flush=True)
        os._exit(0)
    rows = []
    for row in args.rows.split(","):
        run = subprocess.run([sys.executable, __file__, "--child", row, "--work", str(work)], cwd=ROOT,
                             stdout=subprocess.PIPE, text=True)
        line = next((x for x in run.stdout.splitlines() if x.startswith("ROW ")), None)
        if line is None:
            print(f"{row}: failed (exit {run.returncode})")
            continue
        rows.append(json.loads(line[4:]))
    print("| " + " | ".join(h or "corpus" for _, h, _ in COLUMNS) + " |")
    print("|" + "---|" * len(COLUMNS))
    for r in rows:
        print("| " + " | ".join(fmt.format(r[k]) if r.get(k) is not None else "–" for k, _, fmt in COLUMNS) + " |")
    for r in rows:
        extra = {k: v for k, v in r.items() if k not in {c for c, _, _ in COLUMNS}}
        if extra:
            print(r["row"] + ": " + ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                                               for k, v in extra.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
