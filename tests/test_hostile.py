"""Hostile input, tried for real: markup in documents, odd file names, huge and disguised files, odd questions."""
import re
import time

import pytest

from qa.ingest import userdocs
from qa.ui import render
from qa.ingest.corpus import Corpus, load_corpus, outline
from qa.errors import BadFile, BadQuestion
from qa.ingest.sources import read_source

MARKUP = "<script>window.__x=1</script><img src=x onerror=alert(1)>"
HOSTILE_DOC = (f"星海市{MARKUP}管理办法\n"
               f"第一条 局长发现{MARKUP}问题，应当向<u>市政府</u>报告。\n"
               "第二条 本办法自发布之日起施行。\n")
LIVE = re.compile(r"<(script|img|u)[\s>]", re.I)


@pytest.fixture(scope="module")
def hostile_qa(tmp_path_factory):
    from qa import QA
    from tests.conftest import HashEmbedder
    base = tmp_path_factory.mktemp("hostile")
    (base / "corpus").mkdir()
    (base / "corpus" / "hostile.txt").write_text(HOSTILE_DOC, encoding="utf-8")
    return QA(embedder=HashEmbedder(), corpus=[base / "corpus"], index_dir=base / "index")


def test_markup_in_a_document_is_escaped_in_every_view(hostile_qa):
    res = hostile_qa.ask("局长发现问题应当向谁报告？").to_dict()      # the page renders the JSON schema
    shown = (res["citations"] or res["passages"])[0]      # the fake embedder may not reach "found"
    index = hostile_qa.index
    doc = index.documents[0]
    views = [render.answer_markdown(res["answer"]), render.sources_panel(res, True),
             render.document_view(doc.to_dict(), shown["start"], shown["end"],
                                  [(q["doc_start"], q["doc_end"]) for q in shown.get("quotes") or []]),
             render.relations_table([r.to_dict() for r in index.relations]),
             render.outline_view(outline(Corpus(documents=index.documents, passages=index.passages)))]
    assert [r for r in index.relations if "市政府" in r.recipient and "<script>" in r.condition]
    for html in views:
        assert not LIVE.search(html), html[:300]
    assert "&lt;script&gt;" in views[2] and "&lt;img" in views[1]


@pytest.mark.parametrize("name,expect", [
    ("../../etc/passwd.txt", "passwd.txt"), ("..\\..\\win.ini.txt", "win.ini.txt"),
    ("a\x00b.txt", "ab.txt"), (".hidden.txt", "hidden.txt"), ("<script>.md", "_script_.md")])
def test_file_names_cannot_leave_the_folder(tmp_path, name, expect):
    src = tmp_path / "in.txt"
    src.write_text("第一条 内容。\n", encoding="utf-8")
    folder = tmp_path / "user"
    stored = userdocs.add(src, name=name, folder=folder)
    assert stored.parent == folder and stored.name == expect


def test_a_300_character_name_is_shortened_and_keeps_its_suffix(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("第一条 内容。\n", encoding="utf-8")
    stored = userdocs.add(src, name="长" * 300 + ".txt", folder=tmp_path / "user")
    assert stored.suffix == ".txt" and len(stored.name.encode()) < 255 and stored.exists()


@pytest.mark.parametrize("name", ["会议纪要.txt", "长" * 300 + ".txt"])
def test_an_upload_under_a_taken_name_keeps_both_documents(tmp_path, name):
    import threading
    folder, sources = tmp_path / "user", []
    for i in range(4):
        sources.append(tmp_path / f"in{i}.txt")
        sources[-1].write_text(f"第一条 第{i}份文件的内容。\n", encoding="utf-8")
    first, _, fresh = userdocs.store(sources[0], name=name, folder=folder)
    again, _, fresh_again = userdocs.store(sources[0], name=name, folder=folder)
    assert fresh and not fresh_again and again == first             # the same bytes are not stored twice
    stored = []
    threads = [threading.Thread(target=lambda s=s: stored.append(userdocs.store(s, name=name, folder=folder)[0]))
               for s in sources[1:]]                                  # admins uploading one name at once
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    texts = sorted(p.read_text(encoding="utf-8") for p in folder.iterdir())
    assert texts == [f"第一条 第{i}份文件的内容。\n" for i in range(4)] and len(set(stored)) == 3
    assert all(len(p.name.encode()) < 255 and p.suffix == ".txt" for p in folder.iterdir())


def test_a_200_mb_upload_is_refused_before_it_is_read(tmp_path, monkeypatch):
    big = tmp_path / "big.pdf"
    with open(big, "wb") as f:          # sparse: 200 MB on paper, nothing on disk
        f.write(b"%PDF-1.7\n")
        f.truncate(200 * 1024 * 1024)
    monkeypatch.setattr(userdocs, "read_source", lambda *a, **k: pytest.fail("the file was read"))
    with pytest.raises(BadFile, match="过大"):
        userdocs.add(big, folder=tmp_path / "user")
    assert not (tmp_path / "user" / "big.pdf").exists()


def test_a_pdf_of_5000_empty_pages_is_refused_quickly(tmp_path):
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument.new()
    for _ in range(5000):
        pdf.new_page(595, 842)
    pdf.save(str(tmp_path / "empty.pdf"))
    t0 = time.perf_counter()
    with pytest.raises(BadFile):
        userdocs.add(tmp_path / "empty.pdf", folder=tmp_path / "user")
    assert time.perf_counter() - t0 < 20


def test_a_binary_file_named_txt_is_refused(tmp_path):
    (tmp_path / "x.txt").write_bytes(bytes(range(256)) * 100)
    with pytest.raises(BadFile, match="二进制"):
        userdocs.add(tmp_path / "x.txt", folder=tmp_path / "user")


def test_a_document_of_one_5_mb_line_loads_in_bounded_pieces(tmp_path):
    line = ("局长应当向市政府报告" * 180_000)[:1_700_000]       # 5 MB of UTF-8, no line break, no full stop
    (tmp_path / "one.txt").write_text(line, encoding="utf-8")
    src = read_source(tmp_path / "one.txt")
    assert len(src.text.encode("utf-8")) > 5_000_000 - 100
    corpus = load_corpus([tmp_path / "one.txt"])
    assert corpus.passages and max(len(p.text) for p in corpus.passages) < 2000
    doc = corpus.documents[0]
    assert all(doc.text[p.start:p.end] == p.text for p in corpus.passages)


@pytest.mark.parametrize("question", ["问" * 100_000, "\x00\x01\x02", "纪委\u202e书记\x07", "\ud800"])
def test_huge_or_control_character_questions_are_refused_clearly(hostile_qa, question):
    with pytest.raises(BadQuestion):
        hostile_qa.ask(question)
    assert hostile_qa.ask("局长发现问题应当向谁报告？").passages      # and it keeps serving


@pytest.mark.parametrize("history", [[{"role": "user", "content": "问" * 1_000_000}], [{"question": "问" * 600}],
                                     [{"role": "user", "content": "局长"}] * 401, "上一轮的问题", 5])
def test_history_is_bounded_like_questions(hostile_qa, history):
    with pytest.raises(BadQuestion, match="对话历史"):
        hostile_qa.ask("局长发现问题应当向谁报告？", history=history)


@pytest.mark.parametrize("k", ["abc", 0, 10**9, 2.5, None, float("nan")])
def test_k_is_a_whole_number_in_range(hostile_qa, k):
    with pytest.raises(BadQuestion, match="k 必须"):
        hostile_qa.ask("局长发现问题应当向谁报告？", k=k)


def test_punctuation_alone_is_not_a_question(hostile_qa):
    with pytest.raises(BadQuestion, match="没有字词"):
        hostile_qa.ask("？？？！！！。。。")


def test_direction_overrides_never_come_back_in_an_answer(hostile_qa):
    import json
    res = hostile_qa.ask("\u202e局长发现问题应当向谁报告？\u2066")
    shown = json.dumps(res.to_dict(), ensure_ascii=False)
    assert res.passages and "\u202e" not in shown and "\u2066" not in shown


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file around the given objects (1 is the catalog), with a correct cross-reference table."""
    out, offsets = b"%PDF-1.4\n", []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    return out + f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()


def test_a_cyclic_or_5000_deep_page_tree_is_named_and_the_rest_loads(tmp_path):
    catalog = b"<< /Type /Catalog /Pages 2 0 R >>"
    cyclic = [catalog, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]
    deep = [catalog, *(f"<< /Type /Pages /Kids [{i + 3} 0 R] /Count 1 >>".encode() for i in range(5000)),
            b"<< /Type /Page /MediaBox [0 0 100 100] >>"]
    (tmp_path / "cyclic.pdf").write_bytes(_pdf(cyclic))
    (tmp_path / "deep.pdf").write_bytes(_pdf(deep))
    (tmp_path / "good.txt").write_text("星海市养犬管理办法\n第一条 养犬人应当为犬只办理登记。\n", encoding="utf-8")
    corpus = load_corpus([tmp_path])
    assert [d.source for d in corpus.documents] == ["good.txt"]
    reasons = {e.name: str(e) for e in corpus.errors}
    assert set(reasons) == {"cyclic.pdf", "deep.pdf"} and all("已损坏" in r for r in reasons.values()), reasons


def test_a_pdf_page_that_inflates_past_memory_costs_only_the_worker(tmp_path, monkeypatch):
    """290 KiB on disk, 150 MB of drawing operators inflated: pdfium needs gigabytes and aborts its process."""
    import zlib
    from qa.ingest import ocr
    body = zlib.compress(b"0 0 m 1 1 l S\n" * 11_000_000, 9)
    (tmp_path / "bomb.pdf").write_bytes(_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        f"<< /Length {len(body)} /Filter /FlateDecode >>\nstream\n".encode() + body + b"\nendstream"]))
    (tmp_path / "good.txt").write_text("星海市养犬管理办法\n第一条 养犬人应当为犬只办理登记。\n", encoding="utf-8")
    monkeypatch.setattr(ocr, "WORKER_MEMORY", 1024 << 20)
    ocr._shared.close()                                # the next worker starts under the smaller limit
    try:
        corpus = load_corpus([tmp_path])
    finally:
        ocr._shared.close()
    assert [d.source for d in corpus.documents] == ["good.txt"]
    assert [e.name for e in corpus.errors] == ["bomb.pdf"] and "内存不足" in corpus.errors[0].reason


def test_quotes_in_an_answer_are_shown_as_quotes():
    shown = render.answer_markdown("依照《条例》的\"规定\"，It's done [1]")
    assert "It's" in shown and '\\"规定\\"' not in shown and "&#x27;" not in shown and "&quot;" not in shown
    assert "[\\[1\\]](#cite-1)" in shown
