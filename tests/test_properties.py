"""Property tests (hypothesis) over the text pipeline: any input, the contracts hold."""
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.index import bm25
from qa.ingest.blocks import classify_all, raw_blocks
from qa.ingest.corpus import build_corpus
from qa.errors import BadFile
from qa.ingest.sources import SourceFile, decode
from qa.text import clause_spans, display, fold, sentence_spans
from qa.text.tokenize import tokenize

# Text that looks like what the pipeline meets: outline marks, both widths, punctuation, blank lines,
# plus anything Unicode can throw at it.
PIECES = ["第一章 总则", "第二条", "第十条之一", "一、", "（三）", "1.", "（2）", "。", "，", "；", "！", "？", "\n", "\n\n",
          "　", " ", "，", "“", "”", "《条例》", "应当", "报告", "纪委书记", "ＡＢＣ１２３", "(一)", "# 标题", "——"]
textish = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=12)), max_size=60).map("".join)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.binary(max_size=400))
def test_decoding_any_bytes_gives_text_or_a_reason(data):
    try:
        text, encoding = decode(data, "x.txt")
    except BadFile as e:
        assert e.reason
    else:
        assert isinstance(text, str) and encoding


@SETTINGS
@given(textish)
def test_display_and_fold_are_idempotent(text):
    assert display(display(text)) == display(text)
    assert fold(fold(text)) == fold(text)


@SETTINGS
@given(textish, st.booleans())
def test_sentence_spans_are_ordered_disjoint_and_inside(text, lines):
    spans = sentence_spans(text, lines=lines)
    last = 0
    for s, e in spans:
        assert last <= s < e <= len(text)
        last = e
        for a, b in clause_spans(text, s, e):
            assert s <= a < b <= e


@SETTINGS
@given(textish)
def test_blocks_point_inside_the_text(text):
    for b in classify_all(raw_blocks(text)):
        assert b.text.strip() and b.kind
        assert all(0 <= off <= len(text) and line >= 1 for off, line in b.lines)


@SETTINGS
@given(st.lists(textish, min_size=1, max_size=3))
def test_every_passage_is_an_exact_span_and_paths_are_well_formed(texts):
    sources = [SourceFile(name=f"f{i}.txt", path="", text=t, encoding="utf-8") for i, t in enumerate(texts) if t.strip()]
    corpus = build_corpus(sources)
    docs = {d.id: d for d in corpus.documents}
    for p in corpus.passages:
        assert docs[p.doc_id].text[p.start:p.end] == p.text
        assert p.path and p.path[0].startswith("《") and p.path[0].endswith("》")
        assert all(isinstance(x, str) and x for x in p.path)
        if p.article:
            assert re.fullmatch(r"第[零〇一二三四五六七八九十百千两]+条(之[一二三四五六七八九十]+)?", p.article)
        for s, e in sentence_spans(p.text):
            assert p.text[s:e] in docs[p.doc_id].text


@SETTINGS
@given(st.lists(st.text(max_size=40), min_size=1, max_size=8), st.text(max_size=40))
def test_tokenizer_and_bm25_accept_any_unicode(docs, query):
    tokens = [tokenize(d) for d in docs]
    assert all(isinstance(t, str) and t for ts in tokens for t in ts)
    index = bm25.build(tokens)
    scores = bm25.scores(index, tokenize(query))
    assert len(scores) == len(docs) and all(s >= 0 for s in scores)


VOCAB = ["纪委", "书记", "报告", "监督", "党委", "条例", "施行", "办法", "备案", "罚款"]
bags = st.lists(st.lists(st.sampled_from(VOCAB), max_size=8), min_size=1, max_size=12)


@SETTINGS
@given(bags, bags, st.data())
def test_bm25_rebuilt_from_an_older_index_equals_a_fresh_build(old_docs, new_docs, data):
    """Any mix of reused passages (some twice: two passages with one text), removed ones and new ones."""
    old = bm25.build(old_docs)
    rows = data.draw(st.lists(st.integers(-1, len(old_docs) - 1), min_size=1, max_size=15))
    fresh = {i: new_docs[i % len(new_docs)] for i, r in enumerate(rows) if r < 0}
    want_docs = [old_docs[r] if r >= 0 else fresh[i] for i, r in enumerate(rows)]
    got, want = bm25.rebuild(old, rows, fresh), bm25.build(want_docs)
    assert set(got.vocab) == set(want.vocab)
    assert np.array_equal(got.doc_len, want.doc_len) and got.avgdl == pytest.approx(want.avgdl)
    for t in VOCAB:
        assert bm25.idf_of(got, t) == pytest.approx(bm25.idf_of(want, t))
        assert np.allclose(bm25.scores(got, [t, "报告"]), bm25.scores(want, [t, "报告"]), atol=1e-6)


WORDS = ["纪委书记", "班子成员", "报告", "一把手", "监督", "谈话", "党费", "比例", "第十四条", "意见", "第三部分",
         "上级纪委", "巡视", "整改", "多少", "谁", "怎么", "什么时候", "应当", "干预", "？", "呢", "疫情", "太原"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map("".join).filter(lambda q: q.strip("？")))
def test_answer_sentences_are_verbatim_spans_of_their_cited_passages(real_qa, question):
    res = real_qa.ask(question)
    docs = real_qa.index.docs
    for c in res.citations:
        doc = docs[c.doc_id]
        assert doc.text[c.start:c.end] == c.text
        for q in c.quotes or []:
            assert c.text[q.start:q.end] == q.text == doc.text[q.doc_start:q.doc_end]
            assert q.text in res.text or q.text.strip("。；，") in res.text


@SETTINGS
@given(st.lists(st.integers(0, 4), min_size=1, max_size=600), st.integers(1, 60))
def test_top_n_equals_a_stable_full_sort(values, n):
    import numpy as np

    from qa.search.retrieve import top_n
    scores = np.asarray(values, dtype=np.float32)
    assert list(top_n(scores, n)) == list(np.argsort(-scores, kind="stable")[:n])
