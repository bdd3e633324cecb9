"""Scans, photos, OFD and old Word read for real: rapidocr in its worker, OFD packages made to GB/T 33190's
structure, .doc/.wps through LibreOffice and antiword, reading order of columns, the OCR cache and its limits."""
import json
import shutil
import subprocess
import sys
import zipfile

import pytest
from PIL import Image, ImageDraw, ImageFont

from bench.ocr import char_accuracy
from qa.errors import BadFile
from qa.ingest import ocr, oldword, sources, userdocs
from qa.ingest.layout import Box, reading_order
from qa.ingest.ocr_worker import _spaced
from qa.ingest.ofd import deltas
from tests.makedocs import FONT, TITLE, make_doc, make_image, make_ofd, make_pdf, make_scan

needs_soffice = pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice is installed by scripts/setup.sh")


# -- reading order -------------------------------------------------------------------------------

def test_two_columns_are_read_one_after_the_other_even_when_their_lines_align():
    boxes = [Box(0, 0, 400, 20, "一篇文章的通栏标题在最上面横跨两栏")]
    for i in range(4):
        boxes += [Box(0, 40 + 30 * i, 180, 60 + 30 * i, f"左{i}"), Box(220, 40 + 30 * i, 400, 60 + 30 * i, f"右{i}")]
    assert reading_order(boxes) == ["一篇文章的通栏标题在最上面横跨两栏", "左0", "左1", "左2", "左3", "右0", "右1", "右2", "右3"]


def test_a_vertical_title_is_one_line_before_the_text_beside_it():
    boxes = [Box(300, 0, 320, 200, "竖排的标题"), Box(0, 0, 280, 20, "正文第一行"), Box(0, 30, 280, 50, "正文第二行")]
    assert reading_order(boxes) == ["竖排的标题", "正文第一行", "正文第二行"]


def test_a_line_a_character_longer_than_its_column_does_not_merge_the_columns():
    """Hanging punctuation makes some lines of the left column reach into the gutter."""
    title = Box(200, 0, 900, 30, "关于外商参与打捞中国沿海水域沉船沉物管理办法")
    left = [Box(60, 100 + 50 * i, 560 + 30 * (i % 3 == 0), 130 + 50 * i, f"左栏第{i}行") for i in range(9)]
    right = [Box(680, 100 + 50 * i, 1180, 130 + 50 * i, f"右栏第{i}行") for i in range(9)]
    lines = reading_order([title, *left, *right])
    assert lines == [title.text, *(b.text for b in left), *(b.text for b in right)]


def _chars(*runs):
    """rapidocr's word boxes of one line: (text, score, four corners)."""
    return [(t, 1.0, [[x0, 0], [x1, 0], [x1, 30], [x0, 30]]) for t, x0, x1 in runs]


def test_a_full_width_space_survives_but_the_jitter_of_character_boxes_is_no_space():
    # measured on a 200 dpi scan: 、 sits in a corner of its cell, so the box after it starts late
    jitter = _chars(("医", 364, 387), ("疗", 394, 417), ("单", 430, 453), ("位", 461, 485), ("供", 492, 515))
    assert _spaced("医疗单位供", jitter) == "医疗单位供"
    corner = _chars(("收", 522, 545), ("购", 553, 575), ("、", 575, 596), ("经", 615, 638), ("营", 646, 669),
                    ("，", 671, 694), ("由", 712, 735), ("各", 743, 766))
    assert _spaced("收购、经营，由各", corner) == "收购、经营，由各"
    spaced = _chars(("第", 267, 290), ("九", 297, 320), ("条", 328, 351), ("医", 389, 412), ("疗", 420, 443),
                    ("单", 450, 473))
    assert _spaced("第九条医疗单", spaced) == "第九条\u3000医疗单"


def test_runs_of_one_line_keep_their_gap_as_a_space():
    assert reading_order([Box(0, 0, 60, 20, "第二章"), Box(80, 1, 160, 21, "接待管理")]) == ["第二章\u3000接待管理"]
    assert reading_order([Box(0, 0, 60, 20, "第二章"), Box(61, 0, 160, 20, "接待管理")]) == ["第二章接待管理"]


# -- OFD -------------------------------------------------------------------------------------------

def test_ofd_reads_pages_in_order_without_the_template_header(tmp_path):
    src = sources.read_source(make_ofd(tmp_path / "rule.ofd"))
    assert src.encoding == "ofd" and len(src.pages) == 3
    assert src.text.startswith(TITLE) and "公报" not in src.text
    assert "第九条　本规定自2024年3月1日起施行。" in src.text


def test_ofd_compressed_deltas():
    assert deltas("g 3 2.5 1 g 2 4") == [2.5, 2.5, 2.5, 1.0, 4.0, 4.0]
    assert deltas(None) == []


def _repack(src, target, **replace):
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(target, "w") as out:
        for info in z.infolist():
            if info.filename in replace:
                if replace[info.filename] is not None:
                    out.writestr(info.filename, replace[info.filename])
            else:
                out.writestr(info, z.read(info))
    return target


@pytest.mark.parametrize("part,content,reason", [
    ("Doc_0/Pages/Page_0/Content.xml", '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
     '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&b;</r>', "不安全"),
    ("Doc_0/Document.xml", None, "缺少"),
    ("Doc_0/Pages/Page_1/Content.xml", "<ofd:Page xmlns:ofd='x'><unclosed>", "损坏"),
])
def test_broken_or_hostile_ofd_is_refused_with_a_reason(tmp_path, part, content, reason):
    bad = _repack(make_ofd(tmp_path / "good.ofd"), tmp_path / "bad.ofd", **{part: content})
    with pytest.raises(BadFile) as e:
        sources.read_source(bad)
    assert reason in e.value.reason and e.value.name == "bad.ofd"


# -- old Word and WPS ------------------------------------------------------------------------------

@needs_soffice
def test_wps_upload_is_converted_and_kept_as_it_came(tmp_path):
    wps = tmp_path / "会议纪要.wps"
    wps.write_bytes(make_doc(tmp_path / "rule.doc").read_bytes())
    stored, src, _ = userdocs.store(wps, folder=tmp_path / "user")
    assert stored.read_bytes() == wps.read_bytes() and "LibreOffice" in src.via
    assert "第六条　接待单位发现接待对象提出超标准要求的" in src.text


@needs_soffice
def test_doc_without_libreoffice_falls_back_on_antiword_or_says_what_to_do(tmp_path, monkeypatch):
    doc = make_doc(tmp_path / "rule.doc")
    monkeypatch.setattr(oldword, "soffice", lambda: None)
    if shutil.which("antiword"):
        src = sources.read_source(doc)
        assert "antiword" in src.via and "（三）不得在住房内摆放花草、水果和香烟。" in src.text
        assert "工作餐 | 每人每餐不超过50元" in src.text
    real_which = shutil.which
    monkeypatch.setattr(oldword.shutil, "which", lambda cmd: None if cmd == "antiword" else real_which(cmd))
    with pytest.raises(BadFile) as e:
        sources.read_source(doc)
    assert "没有安装 LibreOffice 或 antiword" in e.value.reason and "另存为 .docx" in e.value.reason


# -- OCR -------------------------------------------------------------------------------------------

def test_a_two_column_page_is_read_in_order_with_its_title(tmp_path):
    """A newspaper-style page: a full-width title over two columns whose lines sit at the same heights."""
    font = ImageFont.truetype(FONT, 30)
    left = ["各级党组织要把监督挺在前面", "抓早抓小防微杜渐", "对苗头性倾向性问题", "及时谈话提醒批评教育"]
    right = ["巡视巡察发现的问题", "要建立整改台账", "明确责任单位和时限", "整改情况按期报告"]
    img = Image.new("L", (1240, 520), 255)
    d = ImageDraw.Draw(img)
    d.text((200, 30), "坚持不懈推动全面从严治党向纵深发展", font=font, fill=0)
    for i, (a, b) in enumerate(zip(left, right)):
        d.text((60, 140 + 80 * i), a, font=font, fill=0)
        d.text((680, 140 + 80 * i), b, font=font, fill=0)
    img.save(tmp_path / "page.png")
    src = sources.read_source(tmp_path / "page.png")
    want = "\n".join(["坚持不懈推动全面从严治党向纵深发展", *left, *right])
    assert src.encoding == "image" and "文字识别" in src.via
    assert char_accuracy(src.text, want) >= 0.97, src.text
    lines = src.text.split("\n")
    assert lines.index(next(ln for ln in lines if "抓早抓小" in ln)) < lines.index(next(ln for ln in lines if "巡视巡察" in ln))


def test_ocr_is_cached_by_the_bytes_and_reports_each_page(tmp_path, monkeypatch):
    scan = make_scan(tmp_path / "scan.pdf")
    monkeypatch.setenv("QA_OCR_CACHE", str(tmp_path / "cache"))    # starts empty, whatever ran before
    seen = []
    with ocr.reporting(lambda done, total, left, name: seen.append((done, total, name))):
        first = sources.read_source(scan)
    assert seen == [(1, 3, "scan.pdf"), (2, 3, "scan.pdf"), (3, 3, "scan.pdf")]
    text_layer = ocr.Worker.ask          # the text layer is still read; no page is recognised again

    def ask(worker, request, *a, **k):
        assert "pdf_text" in request, "a cached page was read again"
        return text_layer(worker, request, *a, **k)
    monkeypatch.setattr(ocr.Worker, "ask", ask)
    again = sources.read_source(scan)
    assert again.text == first.text and [p for p, _ in again.ocr] == [1, 2, 3]


def test_a_scan_is_answered_from_the_same_article_and_page_as_the_text(tmp_path_factory):
    from qa import QA
    located = {}
    for kind, make in (("scan", make_scan), ("text", make_pdf)):
        d = tmp_path_factory.mktemp(kind)
        make(d / f"接待规定{kind}.pdf")
        qa = QA(index_dir=tmp_path_factory.mktemp("idx") / "index", corpus=[d])
        res = qa.ask("接待对象提出超标准要求的，接待单位应当怎么办？")
        assert res.found and "应当拒绝" in res.text
        located[kind] = (res.citations[0].article, res.citations[0].location)
    assert located["scan"] == located["text"] and located["scan"][1].endswith("（第2页）"), located


@pytest.mark.parametrize("make", [make_pdf, make_scan])
def test_a_quote_across_a_page_break_is_framed_on_both_pages(tmp_path, make):
    from PIL import Image
    path = make(tmp_path / f"{make.__name__}.pdf")
    sources.read_source(path)           # a scan's lines and boxes come from reading it
    quote = "第七条　接待住宿应当严格执行差旅、会议管理的有关规定，并遵守下列要求：（一）在定点饭店或者机关内部接待场所安排住宿；" \
            "（二）住房以标准间为主，不得额外配发洗漱用品；（三）不得在住房内摆放花草、水果和香烟。"
    one, two = tmp_path / "one.png", tmp_path / "two.png"
    framed_one = ocr.page_view(path, 2, quote, one)
    framed_two = ocr.page_view(path, 2, quote, two, last=3)
    assert framed_one >= 3 and framed_two == framed_one + 1     # 「（三）…」 framed on page 3
    with Image.open(one) as a, Image.open(two) as b:
        assert b.size[0] == a.size[0] and b.size[1] > 1.5 * a.size[1]


def test_a_decompression_bomb_is_refused_and_nothing_is_stored(tmp_path):
    Image.new("1", (30000, 30000), 1).save(tmp_path / "bomb.png", optimize=True)
    with pytest.raises(BadFile) as e:
        userdocs.add(tmp_path / "bomb.png", folder=tmp_path / "user")
    assert e.value.name == "bomb.png" and "图片" in e.value.reason
    assert not (tmp_path / "user" / "bomb.png").exists()


def test_a_hung_or_killed_worker_costs_only_its_page(tmp_path, monkeypatch):
    image = make_image(tmp_path / "scan.tif")
    monkeypatch.setenv("QA_OCR_CACHE", str(tmp_path / "cache"))    # its pages must not be known from another test
    monkeypatch.setattr(ocr, "PAGE_TIMEOUT", 0.05)
    with pytest.raises(BadFile) as e:
        sources.read_source(image)
    assert "处理超时" in e.value.reason
    monkeypatch.setattr(ocr, "PAGE_TIMEOUT", 240)
    monkeypatch.setattr(ocr, "WORKER_MEMORY", 300 << 20)      # enough to open the image, too little for the model
    with pytest.raises(BadFile) as e:
        sources.read_source(image)
    assert "失败" in e.value.reason or "异常" in e.value.reason


def test_the_worker_needs_no_network(tmp_path):
    """rapidocr's models come from its wheel: with every socket refused the worker still reads a page."""
    make_image(tmp_path / "page.png")
    guard = ("import socket, runpy, sys\n"
             "def refuse(*a, **k): raise OSError('network blocked in this test')\n"
             "socket.socket.connect = refuse; socket.create_connection = refuse; socket.getaddrinfo = refuse\n"
             "sys.argv = ['ocr_worker']\n"
             "runpy.run_module('qa.ingest.ocr_worker', run_name='__main__')\n")
    request = json.dumps({"file": str(tmp_path / "page.png"), "kind": "image", "page": 0})
    out = subprocess.run([sys.executable, "-c", guard], input=request + "\n", capture_output=True, text=True,
                         timeout=300)
    reply = json.loads(out.stdout.splitlines()[0])
    assert "error" not in reply, reply
    assert any(TITLE in b[4] for b in reply["boxes"])
