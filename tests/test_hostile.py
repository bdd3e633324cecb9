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
