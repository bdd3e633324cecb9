"""Growing the library: sketch merging agrees with the exact method, incremental updates equal a rebuild, HNSW recall."""
import shutil

import numpy as np
import pytest

from qa import neardup
from qa.corpus import build_corpus, read_sources
from qa.versions import merge_passages
from tests.conftest import CORPUS, HashEmbedder, ROOT

REGS = ROOT.parent / "shared" / "corpora" / "regulations"


def merged_groups(paths, method):
    from qa import corpus as C
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


def test_adding_and_removing_a_document_equals_a_full_rebuild(tmp_path):
    from qa.engine import QA
    user = tmp_path / "user"
    user.mkdir()
    inc = QA(embedder=HashEmbedder(), corpus=[CORPUS, user], index_dir=tmp_path / "inc")
    (user / "养犬.txt").write_text("星海市养犬管理办法\n第一条 养犬人应当每年为犬只年检一次。\n第二条 本办法自发布之日起施行。\n",
                                  encoding="utf-8")
    inc.reload()
    full = QA(embedder=HashEmbedder(), corpus=[CORPUS, user], index_dir=tmp_path / "full")
    assert [p.to_dict() for p in inc.index.passages] == [p.to_dict() for p in full.index.passages]
    n = full.index.unit_vectors.ntotal
    assert np.allclose(inc.index.unit_matrix, full.index.unit_vectors.reconstruct_n(0, n), atol=1e-6)
    for q in ("养犬年检多久一次？", "纪委书记发现班子成员有重要问题，应该向谁报告？", "第二条"):
        assert inc.ask(q)["answer"] == full.ask(q)["answer"]
    assert inc.index.manifest["embedded"] < full.index.manifest["embedded"]   # only the new texts
    (user / "养犬.txt").unlink()
    inc.reload()
    base = QA(embedder=HashEmbedder(), corpus=[CORPUS, user], index_dir=tmp_path / "base")
    assert [p.to_dict() for p in inc.index.passages] == [p.to_dict() for p in base.index.passages]
    assert inc.index.manifest["embedded"] == 0


def test_the_graph_index_keeps_recall_against_the_exact_search():
    import faiss

    from qa.index import HNSW_SEARCH, vector_index
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

    from qa import bm25
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
