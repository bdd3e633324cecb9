"""PDF, Word and text regulations made in the test setup: the same outline, offsets and pages from each format,
and a clear error for every kind of bad file."""
import zipfile

import pytest

from qa.ingest import sources as ingest
from qa.ingest.corpus import load_corpus
from qa.ingest.readers import drop_furniture
from tests.makedocs import TITLE, make_doc, make_docx, make_image, make_ofd, make_pdf, make_scan, make_txt

FORMATS = ["pdf", "docx", "txt", "ofd", "doc", "wps", "scan", "tiff"]
PAGED = ["pdf", "docx", "ofd", "scan", "tiff"]


@pytest.fixture(scope="module")
def regulation_files(tmp_path_factory):
    d = tmp_path_factory.mktemp("formats")
    doc = make_doc(d / "rule.doc")
    wps = d / "会议纪要.wps"              # WPS 文字 writes the Word binary format under its own name
    wps.write_bytes(doc.read_bytes())
    return {"pdf": make_pdf(d / "rule.pdf"), "docx": make_docx(d / "rule.docx"), "txt": make_txt(d / "rule.txt"),
            "ofd": make_ofd(d / "rule.ofd"), "doc": doc, "wps": wps, "scan": make_scan(d / "scan.pdf"),
            "tiff": make_image(d / "scan.tif")}


def _document(path):
    c = load_corpus([path])
    assert not c.errors, c.errors
    assert len(c.documents) == 1
    return c.documents[0], c


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_gives_the_same_outline(regulation_files, fmt):
    doc, corpus = _document(regulation_files[fmt])
    assert doc.title == TITLE
    arts = [p for p in doc.passages if p.kind == "article"]
    assert [p.article_no for p in arts] == list(range(1, 10))
    chapters = [p.text for p in doc.passages if p.kind == "division"]
    assert [c.replace("\u3000", " ") for c in chapters] == ["第一章 总则", "第二章 接待管理", "第三章 监督检查"]
    by_no = {p.article_no: p for p in arts}
    assert by_no[6].divisions[0].endswith("接待管理") and by_no[8].chapter_no == 3
    # an article keeps its 款 and 项, and a sentence broken by the page's line wrap is one sentence
    assert "接待清单应当报本级财政部门备案。" in by_no[6].text
    assert "（三）不得在住房内摆放花草、水果和香烟。" in by_no[7].text
    assert "结合本市实际，制定本规定。" in by_no[1].text
    assert by_no[6].path[-1] == "第六条" and by_no[6].path[0] == f"《{TITLE}》"
    for d in corpus.documents:
        for p in d.passages:
            assert d.text[p.start:p.end] == p.text


@pytest.mark.parametrize("fmt", PAGED)
def test_passages_know_their_pages(regulation_files, fmt):
    doc, _ = _document(regulation_files[fmt])
    by_no = {p.article_no: p for p in doc.passages if p.kind == "article"}
    assert by_no[1].page == 1 and by_no[6].page == 2
    assert (by_no[7].page, by_no[7].page_end) == (2, 3)       # 项（三） is printed on the next page
    assert by_no[9].page == 3
    assert "（第2页）" in by_no[6].where() and "（第2–3页）" in by_no[7].where()


def test_pdf_page_furniture_is_dropped(regulation_files):
    doc, _ = _document(regulation_files["pdf"])
    assert "公报" not in doc.text and "— 2 —" not in doc.text and "—" not in doc.text


def test_furniture_rule_keeps_body_lines():
    body = ["甲机关负责。", "乙部门备案。", "丙单位报告。", "丁单位执行。"]
    pages = [["星海市人民政府公报 2024年第3期", line, f"- {i + 1} -"] for i, line in enumerate(body)]
    assert drop_furniture(pages) == [[line] for line in body]


def test_a_two_page_file_loses_its_running_head_but_not_a_line_said_once():
    pages = [["国务院公报", "医疗用毒性药品管理办法", "第一条　为加强管理，制定本办法。"],
             ["国务院公报", "第二条　本办法自发布之日起施行。"]]
    assert drop_furniture(pages) == [pages[0][1:], pages[1][1:]]


def test_docx_tables_are_read_as_rows(regulation_files):
    doc, _ = _document(regulation_files["docx"])
    assert "工作餐 | 每人每餐不超过50元" in doc.text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_text_encodings(tmp_path, encoding):
    p = tmp_path / "a.txt"
    p.write_bytes("第一条　接待单位应当报告。\n".encode(encoding))
    assert ingest.read_source(p).text == "第一条　接待单位应当报告。\n"


def _encrypted_pdf(path):
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(str(path), encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    c.drawString(72, 700, "secret text")
    c.save()


def _scanned_pdf(path):
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(str(path))
    for _ in range(2):
        c.rect(100, 100, 300, 300, fill=1)       # ink, but no text layer
        c.showPage()
    c.save()


def _bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<" + b" " * (210 * 1024 * 1024))


@pytest.mark.parametrize("name,make,reason", [
    ("locked.pdf", _encrypted_pdf, "加密"),
    ("broken.pdf", lambda p: p.write_bytes(b"%PDF-1.4\n1 0 obj garbage"), "损坏"),
    ("scan.pdf", _scanned_pdf, "没有文字层"),
    ("broken.docx", lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "损坏"),
    ("notword.docx", lambda p: zipfile.ZipFile(p, "w").writestr("a.txt", "x"), "不是有效的 Word"),
    ("bomb.docx", _bomb, "压缩炸弹"),
    ("old.doc", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), ".docx 或 PDF"),
    ("old.wps", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), ".docx 或 PDF"),
    ("disguised.txt", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), ".docx 或 PDF"),
])
def test_bad_files_are_named_with_a_reason_and_the_rest_loads(tmp_path, name, make, reason):
    make(tmp_path / name)
    make_txt(tmp_path / "good.txt")
    c = load_corpus([tmp_path])
    assert [e.name for e in c.errors] == [name]
    assert reason in c.errors[0].reason, c.errors[0].reason
    assert any(p.article_no == 6 for p in c.passages)


def test_a_partly_scanned_pdf_reads_the_text_pages_and_names_the_others(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(tmp_path / "mixed.pdf"))
    c.setFont("STSong-Light", 11)
    c.drawString(72, 700, "第一条　本办法适用于全市。")
    c.showPage()
    c.rect(100, 100, 300, 300, fill=1)
    c.showPage()
    c.save()
    corpus = load_corpus([tmp_path])
    assert any("本办法适用于全市" in p.text for p in corpus.passages)
    assert corpus.errors and "第 2 页没有文字层" in corpus.errors[0].reason


def test_content_decides_the_format_not_the_name(tmp_path):
    make_pdf(tmp_path / "rule.txt")              # a PDF saved under a text name
    assert ingest.read_source(tmp_path / "rule.txt").encoding == "pdf"
