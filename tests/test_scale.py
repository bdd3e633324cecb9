"""Growing the library: sketch merging agrees with the exact method, incremental updates equal a rebuild, HNSW recall."""
import shutil

import numpy as np
import pytest

from qa.ingest import neardup
from qa.ingest.corpus import build_corpus, read_sources
from qa.ingest.versions import merge_passages
from tests.conftest import CORPUS, HashEmbedder, ROOT

REGS = ROOT.parent / "shared" / "corpora" / "regulations"


def merged_groups(paths, method):
    from qa.ingest import corpus as C
    original = C.merge_passages
    C.merge_passages = lambda ps, docs: merge_passages(ps, docs, method=method)
    try:
        corpus = build_corpus(*read_sources(paths))
    finally:
        C.merge_passages = original
    return {(p.source, p.start, tuple(sorted((s["source"], s["start"]) for s in p.sources))) for p in corpus.passages}


def test_sketch_merging_finds_the_same_copies_as_comparing_all(tmp_path):
    assert merged_groups([CORPUS], "sketch") == merged_groups([CORPUS], "exact")
    copies = tmp_path / "copies"
    copies.mkdir()
    for f in sorted(CORPUS.iterdir())[:2]:                 # the two texts of the 《意见》, each copied twice more
        for k in range(3):
            shutil.copy(f, copies / f"c{k}_{f.name}")
    assert merged_groups([copies], "sketch") == merged_groups([copies], "exact")


def test_sketch_merging_on_real_regulations_with_a_dated_pair():
    if not REGS.is_dir():
        pytest.skip("../shared/corpora/regulations is not beside the project")
    files = sorted(REGS.iterdir())[::40] + sorted(REGS.glob("国务院关于经营者集中申报标准的规定*"))
    assert merged_groups(files, "sketch") == merged_groups(files, "exact")


def test_copies_of_a_document_merge_whatever_their_number(tmp_path):
    five = build_corpus(*read_sources([CORPUS]))
    for k in range(12):
        for f in CORPUS.iterdir():
            shutil.copy(f, tmp_path / f"copy{k}_{f.name}")
    many = build_corpus(*read_sources([tmp_path]))
    only_000 = [p for p in many.passages if p.clause == "（十四）"]
    both = [p for p in many.passages if p.clause == "（二十）"]         # printed in 000 and in 001
    assert len(only_000) == 1 and len(only_000[0].sources) == 12
    assert len(both) == 1 and len(both[0].sources) == 2 * 12
    assert len(many.passages) <= len(five.passages) + 10


def test_sketches_share_values_for_near_copies_only():
    a = neardup.sketch("纪委书记应当牢固树立报告问题是本职、该报告不报告是失职的意识")
    b = neardup.sketch("纪委书记应当牢固树立报告问题是本职，该报告不报告是失职的意识")
    c = neardup.sketch("本条例自公布之日起施行，有关部门应当及时制定配套规定")
    assert len(set(a) & set(b)) >= neardup.MIN_SHARED and len(set(a) & set(c)) < neardup.MIN_SHARED
    assert neardup.sketch("x") == [] and neardup.sketch("纪委") != []
    buckets = neardup.Buckets()
    buckets.add(1, a)
    assert buckets.query(b) == [1] and buckets.query(c) == []


def test_adding_and_removing_a_document_equals_a_full_rebuild(tmp_path, monkeypatch):
    from qa.index import bm25
    from qa.ingest import parsecache
    from qa import QA
    from qa.index import load
    user = tmp_path / "user"
    user.mkdir()
    inc = QA(embedder=HashEmbedder(), corpus=[CORPUS, user], index_dir=tmp_path / "inc")
    inc.warm()
    parsed = []
    real_blocks = parsecache.file_blocks
    monkeypatch.setattr(parsecache, "file_blocks", lambda src: parsed.append(src.name) or real_blocks(src))
    (user / "养犬.txt").write_text("星海市养犬管理办法\n第一条 养犬人应当每年为犬只年检一次，并向公安机关报告。\n"
                                  "第二条 本办法自发布之日起施行。\n", encoding="utf-8")
    inc.reload()
    assert parsed == ["养犬.txt"]                      # the other files were not parsed again
    full = QA(embedder=HashEmbedder(), corpus=[CORPUS, user], index_dir=tmp_path / "full")
    assert [p.to_dict() for p in inc.index.passages] == [p.to_dict() for p in full.index.passages]
    n = full.index.unit_vectors.ntotal
    assert np.allclose(inc.index.unit_matrix, full.index.unit_vectors.reconstruct_n(0, n), atol=1e-6)
    assert [r.to_dict() for r in inc.index.relations] == [r.to_dict() for r in full.index.relations]
    assert set(inc.index.bm25.vocab) == set(full.index.bm25.vocab)
    for q in ("养犬年检多久一次？", "纪委书记发现班子成员有重要问题，应该向谁报告？", "第二条"):
        assert inc.ask(q).text == full.ask(q).text
        tokens = list(q)
        assert np.allclose(bm25.scores(inc.index.bm25, tokens), bm25.scores(full.index.bm25, tokens), atol=1e-6)
    assert inc.index.manifest["embedded"] < full.index.manifest["embedded"]   # only the new texts
    inc.saver.wait()
    saved = load(tmp_path / "inc")                     # written in the background, whole
    assert [p.to_dict() for p in saved.passages] == [p.to_dict() for p in full.index.passages]
    (user / "养犬.txt").unlink()
    inc.reload()
    base = QA(embedder=HashEmbedder(), corpus=[CORPUS, user], index_dir=tmp_path / "base")
    assert [p.to_dict() for p in inc.index.passages] == [p.to_dict() for p in base.index.passages]
    assert set(inc.index.bm25.vocab) == set(base.index.bm25.vocab)     # words only it used are gone
    assert inc.index.manifest["embedded"] == 0
    before = inc.index
    inc.reload()
    assert inc.index is before                         # nothing changed: nothing rebuilt


def test_parse_cache_gives_the_same_corpus_and_notices_changed_bytes(tmp_path):
    from qa.ingest.parsecache import ParseCache, file_blocks
    folder = tmp_path / "docs"
    shutil.copytree(CORPUS, folder)
    cache = ParseCache()
    plain = build_corpus(*read_sources([folder]))
    first = build_corpus(*read_sources([folder], cache), cache=cache)
    again = build_corpus(*read_sources([folder], cache), cache=cache)
    # from the cache: blocks come as copies, so relabelling and moving fragments a second time is safe
    for c in (first, again):
        assert [p.to_dict() for p in c.passages] == [p.to_dict() for p in plain.passages]
        assert [d.to_dict() for d in c.documents] == [d.to_dict() for d in plain.documents]
    sources, _ = read_sources([folder], cache)
    assert all([vars(b) for b in cache.blocks(src)] == [vars(b) for b in file_blocks(src)] for src in sources)
    victim = sorted(folder.iterdir())[0]
    victim.write_text(victim.read_text(encoding="utf-8").replace("纪委", "监委"), encoding="utf-8")
    changed = build_corpus(*read_sources([folder], cache), cache=cache)
    assert [p.to_dict() for p in changed.passages] == [p.to_dict() for p in build_corpus(*read_sources([folder])).passages]
    assert changed.content_hash != plain.content_hash


def test_an_update_answers_at_once_and_gets_its_graphs_in_the_background(tmp_path, monkeypatch):
    import threading

    import faiss

    from qa import QA
    from qa.index import store as qindex
    monkeypatch.setattr(qindex, "ANN_FROM", 100)            # the default corpus has 430 sentences
    user = tmp_path / "user"
    user.mkdir()
    qa = QA(embedder=HashEmbedder(), corpus=[CORPUS, user], index_dir=tmp_path / "idx")
    assert isinstance(qa.index.unit_vectors, faiss.IndexHNSW)       # a first build makes graphs at once
    go, real = threading.Event(), qindex.Index.add_graphs
    monkeypatch.setattr(qindex.Index, "add_graphs", lambda self: (go.wait(30), real(self)))
    (user / "养犬.txt").write_text("星海市养犬管理办法\n第一条 养犬人应当每年为犬只年检一次。\n", encoding="utf-8")
    qa.reload()
    q = "养犬年检多久一次？"
    assert qa.index.needs_graphs() and qa.index.exact(qa.index.unit_vectors)
    during = qa.ask(q)
    assert "养犬" in during.text
    go.set()
    qa.saver.wait()
    assert isinstance(qa.index.unit_vectors, faiss.IndexHNSW) and not qa.index.needs_graphs()
    assert qa.ask(q).text == during.text
    assert isinstance(qindex.load(tmp_path / "idx").unit_vectors, faiss.IndexHNSW)     # saved with them


def test_the_graph_index_keeps_recall_against_the_exact_search():
    import faiss

    from qa.index.store import HNSW_SEARCH, vector_index
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((300, 64)).astype(np.float32)
    vecs = centres[rng.integers(0, 300, 20000)] + 0.3 * rng.standard_normal((20000, 64)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    ann = vector_index(vecs, 64, ann_from=10000)
    assert isinstance(ann, faiss.IndexHNSWFlat) and ann.hnsw.efSearch == HNSW_SEARCH
    flat = vector_index(vecs, 64)
    assert isinstance(flat, faiss.IndexFlatIP)
    q = vecs[rng.choice(len(vecs), 200, replace=False)]
    _, want = flat.search(q, 10)
    _, got = ann.search(q, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(want, got)])
    assert recall >= 0.98, recall
    assert np.allclose(ann.reconstruct_n(0, 5), vecs[:5])        # rows read back for sentence scoring


def test_bm25_arrays_round_trip_and_score_like_the_definition(tmp_path):
    import math

    from qa.index import bm25
    docs = [["纪委", "书记", "报告"], ["纪委", "监督"], ["报告", "报告", "党委"]]
    idx = bm25.build(docs)
    bm25.save(idx, tmp_path)
    again = bm25.load(tmp_path)
    assert np.allclose(bm25.scores(idx, ["报告", "纪委"]), bm25.scores(again, ["报告", "纪委"]))
    n, avgdl = 3, 8 / 3
    idf = math.log(1 + (n - 2 + 0.5) / (2 + 0.5))
    tf, dl = 2, 3
    want = idf * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * dl / avgdl))
    assert bm25.scores(idx, ["报告"])[2] == pytest.approx(want, rel=1e-5)
