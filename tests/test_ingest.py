import pytest

from qa.ingest import sources as ingest
from qa.ingest.corpus import load_corpus
from qa.errors import BadFile


def test_utf8_and_gbk_are_both_read(tmp_path):
    text = "（一）纪委书记应当报告。\n"
    (tmp_path / "a.txt").write_bytes(text.encode("utf-8"))
    (tmp_path / "b.txt").write_bytes(text.encode("gbk"))
    (tmp_path / "c.md").write_bytes(("\ufeff" + text).encode("utf-8"))
    for name, enc in (("a.txt", "utf-8"), ("b.txt", "gb18030"), ("c.md", "utf-8")):
        src = ingest.read_source(tmp_path / name)
        assert src.text == text and src.encoding == enc


@pytest.mark.parametrize("data,reason", [
    (b"", "为空"), (b"   \n\n", "为空"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "不是能识别的图片"),
    (b"\x00\x01\x02" * 100, "二进制"),
    (bytes(range(128, 256)) * 20, "编码"),
])
def test_bad_files_raise_with_a_reason(tmp_path, data, reason):
    p = tmp_path / "bad.txt"
    p.write_bytes(data)
    with pytest.raises(BadFile) as e:
        ingest.read_source(p)
    assert reason in e.value.reason and e.value.name == "bad.txt"


def test_oversized_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_BYTES", 100)
    p = tmp_path / "big.txt"
    p.write_text("字" * 200, encoding="utf-8")
    with pytest.raises(BadFile, match="过大"):
        ingest.read_source(p)


def test_bad_files_are_skipped_and_the_rest_loads(tmp_path):
    (tmp_path / "good.txt").write_text("一份通知\n各单位要及时报告工作情况。\n", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n")     # images are read now (OCR): this one is broken
    (tmp_path / "ignored.xyz").write_bytes(b"\x89PNG\r\n\x1a\n")
    c = load_corpus([tmp_path])
    assert [e.name for e in c.errors] == ["binary.txt", "broken.png", "empty.txt"]
    assert c.files == ["good.txt"]
    assert any("及时报告工作情况" in p.text for p in c.passages)


def test_missing_folder_is_an_error_not_a_crash(tmp_path):
    c = load_corpus([tmp_path / "nope"])
    assert c.errors and not c.passages
