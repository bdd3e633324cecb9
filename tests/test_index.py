"""The saved index: manifest, atomic save, rebuild on change, corruption detected (fake embedder)."""
import json

import pytest

from qa import index as qindex
from qa.ingest import build_corpus, read_sources
from qa.errors import IndexCorrupt
from qa.search.retrieve import Retriever

DOC = "关于加强监督的通知\n（一）纪委书记发现问题应当报告。各单位要配合。\n（二）组织部门负责考察干部。\n"


@pytest.fixture
def corpus_dir(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "a.txt").write_text(DOC, encoding="utf-8")
    return d


def test_build_save_load_round_trip(tmp_path, corpus_dir, fake_embedder):
    folder = tmp_path / "idx"
    built = qindex.open_index(fake_embedder, [corpus_dir], folder)
    m = json.loads((folder / "manifest.json").read_text())
    assert m["model"] == "hash-bigram-test" and m["dim"] == 64 and m["passages"] == len(built.passages)
    assert m["corpus_hash"] and set(m["checksums"]) == set(qindex.FILES)
    assert not any(folder.parent.glob(".index-*"))           # no temporary folder left behind
    loaded = qindex.load(folder)
    assert [p.text for p in loaded.passages] == [p.text for p in built.passages]
    assert loaded.vectors.ntotal == built.vectors.ntotal and loaded.units == built.units
    for p in loaded.passages:
        assert loaded.docs[p.doc_id].text[p.start:p.end] == p.text


def test_no_pickle_in_the_index(tmp_path, corpus_dir, fake_embedder):
    folder = tmp_path / "idx"
    qindex.open_index(fake_embedder, [corpus_dir], folder)
    assert sorted(f.name for f in folder.iterdir()) == sorted(qindex.FILES + ("manifest.json",))
    for name in qindex.FILES:
        if name.endswith(".jsonl"):
            for line in (folder / name).read_text(encoding="utf-8").splitlines():
                json.loads(line)


def test_changed_corpus_triggers_rebuild(tmp_path, corpus_dir, fake_embedder):
    folder = tmp_path / "idx"
    first = qindex.open_index(fake_embedder, [corpus_dir], folder)
    (corpus_dir / "b.txt").write_text("另一份文件\n党委每年听取一次汇报。\n", encoding="utf-8")
    second = qindex.open_index(fake_embedder, [corpus_dir], folder)
    assert second.manifest["corpus_hash"] != first.manifest["corpus_hash"]
    assert any("每年听取一次汇报" in p.text for p in second.passages)
    assert qindex.read_manifest(folder)["corpus_hash"] == second.manifest["corpus_hash"]


@pytest.mark.parametrize("damage", ["truncate_vectors", "edit_passages", "delete_bm25", "garble_manifest"])
def test_corrupt_index_is_detected_and_rebuilt(tmp_path, corpus_dir, fake_embedder, damage):
    folder = tmp_path / "idx"
    good = qindex.open_index(fake_embedder, [corpus_dir], folder)
    if damage == "truncate_vectors":
        p = folder / "vectors.faiss"
        p.write_bytes(p.read_bytes()[:50])
    elif damage == "edit_passages":
        p = folder / "passages.jsonl"
        p.write_text(p.read_text(encoding="utf-8").replace("纪委", "XX"), encoding="utf-8")
    elif damage == "delete_bm25":
        (folder / "bm25_docs.npy").unlink()
    else:
        (folder / "manifest.json").write_text("{not json")
    if damage != "garble_manifest":
        with pytest.raises(IndexCorrupt):
            qindex.load(folder)
    rebuilt = qindex.open_index(fake_embedder, [corpus_dir], folder)
    assert [p.text for p in rebuilt.passages] == [p.text for p in good.passages]
    qindex.load(folder)          # and the saved copy is whole again


def test_other_model_triggers_rebuild(tmp_path, corpus_dir, fake_embedder):
    folder = tmp_path / "idx"
    qindex.open_index(fake_embedder, [corpus_dir], folder)
    fake_embedder.name = "another-model"
    again = qindex.open_index(fake_embedder, [corpus_dir], folder)
    assert again.manifest["model"] == "another-model"


def test_an_index_whose_texts_were_made_another_way_lends_nothing(tmp_path, corpus_dir, fake_embedder, monkeypatch):
    # vectors are found again by the text that was embedded: when that text changes (the 编/章/节 titles
    # joined it), an old vector filed under the new text would be another text's vector
    folder = tmp_path / "idx"
    first = qindex.open_index(fake_embedder, [corpus_dir], folder)
    assert first.manifest["embedded_text"] == qindex.builder.EMBEDDED_TEXT
    monkeypatch.setattr(qindex.builder, "EMBEDDED_TEXT", qindex.builder.EMBEDDED_TEXT + 1)
    monkeypatch.setattr(qindex.state, "EMBEDDED_TEXT", qindex.builder.EMBEDDED_TEXT)
    again = qindex.open_index(fake_embedder, [corpus_dir], folder)
    assert again.manifest["embedded"] == first.manifest["embedded"] > 0       # everything embedded again
    assert qindex.builder.Reuse.of_index(first, fake_embedder).vectors == {}

def test_failed_save_keeps_previous_index(tmp_path, corpus_dir, fake_embedder, monkeypatch):
    folder = tmp_path / "idx"
    qindex.open_index(fake_embedder, [corpus_dir], folder)
    before = (folder / "manifest.json").read_text()

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(qindex.store, "_write_jsonl", boom)
    index = qindex.build(build_corpus(*read_sources([corpus_dir])), fake_embedder)
    with pytest.raises(OSError):
        qindex.save(index, folder)
    assert (folder / "manifest.json").read_text() == before
    qindex.load(folder)
    assert not any(folder.parent.glob(".index-*"))


def test_faiss_padding_never_becomes_a_passage(tmp_path, corpus_dir, fake_embedder):
    index = qindex.open_index(fake_embedder, [corpus_dir], tmp_path / "idx")
    r = Retriever(index, fake_embedder)
    ids, scores, best = r.dense("纪委书记", n=50)     # asks for far more than exist
    assert all(0 <= i < len(index.passages) for i in ids)
    hits = r.search("纪委书记报告", k=50)
    assert len({id(h.passage) for h in hits}) == len(hits) <= len(index.passages)


def test_empty_corpus_gives_an_empty_but_working_index(tmp_path, fake_embedder):
    d = tmp_path / "empty"
    d.mkdir()
    index = qindex.open_index(fake_embedder, [d], tmp_path / "idx")
    assert index.passages == [] and index.errors
    assert Retriever(index, fake_embedder).search("纪委", k=5) == []
