"""Real PDF and Word files made in the test setup: a municipal regulation with chapters, articles, 款 and 项."""
from __future__ import annotations

from pathlib import Path

TITLE = "星海市机关事务管理局公务接待管理规定"
# (page, line) of a regulation written the usual way; page breaks fall between chapters and inside article 七.
REGULATION = [
    [TITLE, "第一章　总则",
     "第一条　为了规范本市党政机关公务接待工作，厉行勤俭节约，反对铺张浪费，根据有关规定，结合本市实际，制定本规定。",
     "第二条　本规定适用于本市各级党政机关的国内公务接待。",
     "第三条　公务接待应当坚持有利公务、务实节俭、尊重对等、简化礼仪的原则。",
     "第二章　接待管理",
     "第四条　接待单位应当建立公务接待审批控制制度，对无公函的公务活动不予接待。",
     "第五条　接待对象应当向接待单位发送公函，告知内容、行程和人员。"],
    ["第六条　接待单位发现接待对象提出超标准要求的，应当拒绝，并及时向本级纪检监察机关报告。",
     "接待清单应当报本级财政部门备案。",
     "第七条　接待住宿应当严格执行差旅、会议管理的有关规定，并遵守下列要求：",
     "（一）在定点饭店或者机关内部接待场所安排住宿；",
     "（二）住房以标准间为主，不得额外配发洗漱用品；"],
    ["（三）不得在住房内摆放花草、水果和香烟。",
     "第三章　监督检查",
     "第八条　违反本规定的，由本级纪检监察机关依纪依法追究责任。",
     "第九条　本规定自2024年3月1日起施行。"],
]


def wrap(line: str, width: int = 34) -> list[str]:
    """Hard-wrap a paragraph the way a PDF page does: continuation lines are not indented."""
    return [line[i:i + width] for i in range(0, len(line), width)] or [""]


def make_pdf(path: Path, pages=REGULATION, header: str = "星海市人民政府公报", numbers: bool = True) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    c = canvas.Canvas(str(path), pagesize=A4)
    for n, lines in enumerate(pages, start=1):
        c.setFont("STSong-Light", 11)
        y = 800
        if header:
            c.drawString(72, 815, header)
        for line in lines:
            for piece in wrap(line):
                c.drawString(72, y, piece)
                y -= 18
        if numbers:
            c.drawString(280, 40, f"— {n} —")
        c.showPage()
    c.save()
    return path


def make_docx(path: Path, pages=REGULATION, heading_styles: bool = True) -> Path:
    import docx
    document = docx.Document()
    for n, lines in enumerate(pages):
        if n:
            document.add_page_break()
        for line in lines:
            if heading_styles and line == TITLE:
                document.add_heading(line, level=1)
            elif heading_styles and line.startswith("第") and "章" in line[:5]:
                document.add_heading(line, level=2)
            else:
                document.add_paragraph(line)
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([("接待类别", "标准"), ("工作餐", "每人每餐不超过50元")]):
        for col, text in enumerate(row):
            table.cell(r, col).text = text
    document.save(str(path))
    return path


def make_txt(path: Path, pages=REGULATION) -> Path:
    path.write_text("\n\n".join(line for lines in pages for line in lines) + "\n", encoding="utf-8")
    return path


def make_ofd(path: Path, pages=REGULATION, header: str = "星海市人民政府公报") -> Path:
    """An OFD package to GB/T 33190's structure: OFD.xml → Document.xml → Pages/Page_N/Content.xml, a template
    page for the running header, one TextObject per line (some runs with the compressed 「g N d」 DeltaX)."""
    import zipfile
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    size = 3.9   # mm: 11 pt
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.1" DocType="OFD">'
                   '<ofd:DocBody><ofd:DocInfo><ofd:DocID>0c4a</ofd:DocID><ofd:Title>公报</ofd:Title></ofd:DocInfo>'
                   '<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
        page_refs = "".join(f'<ofd:Page ID="{10 + n}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(len(pages)))
        z.writestr("Doc_0/Document.xml", f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}><ofd:CommonData>'
                   '<ofd:MaxUnitID>999</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 210 297</ofd:PhysicalBox>'
                   '</ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>'
                   '<ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/></ofd:CommonData>'
                   f'<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>')
        z.writestr("Doc_0/PublicRes.xml", f'<ofd:Res {ns} BaseLoc="Res"><ofd:Fonts>'
                   '<ofd:Font ID="3" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>')
        z.writestr("Doc_0/Tpls/Tpl_0/Content.xml", f'<ofd:Page {ns}><ofd:Content><ofd:Layer ID="4">'
                   f'<ofd:TextObject ID="5" Boundary="25 10 160 8" Font="3" Size="{size}">'
                   f'<ofd:TextCode X="0" Y="5">{header}</ofd:TextCode></ofd:TextObject></ofd:Layer></ofd:Content></ofd:Page>')
        for n, lines in enumerate(pages):
            objects, y, uid = [], 30.0, 100
            for line in lines:
                for k, piece in enumerate(wrap(line)):
                    delta = f"g {len(piece) - 1} {size}" if k % 2 else " ".join([str(size)] * (len(piece) - 1))
                    objects.append(f'<ofd:TextObject ID="{uid}" Boundary="25 {y:.1f} 165 {size * 1.6:.1f}" Font="3" '
                                   f'Size="{size}"><ofd:TextCode X="0" Y="{size:.1f}" DeltaX="{delta}">{piece}'
                                   '</ofd:TextCode></ofd:TextObject>')
                    y, uid = y + size * 1.6, uid + 1
            z.writestr(f"Doc_0/Pages/Page_{n}/Content.xml",
                       f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Template TemplateID="2"/>'
                       f'<ofd:Content><ofd:Layer ID="6">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>')
    return path


def make_doc(path: Path, pages=REGULATION) -> Path:
    """A Word 97 binary file, as old Word and WPS 文字 write it: the .docx converted by LibreOffice."""
    import subprocess
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        source = make_docx(Path(tmp) / "source.docx", pages)
        subprocess.run(["soffice", f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}", "--headless",
                        "--convert-to", "doc", "--outdir", tmp, str(source)], check=True, capture_output=True,
                       timeout=180)
        path.write_bytes(Path(tmp, "source.doc").read_bytes())
    return path


FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def page_images(pages=REGULATION, dpi: int = 150, header: str = "星海市人民政府公报"):
    """Each page drawn as a scanner sees it: A4 in pixels, black text on white, 11 pt."""
    from PIL import Image, ImageDraw, ImageFont
    px = dpi / 72
    font = ImageFont.truetype(FONT, round(11 * px))
    images = []
    for n, lines in enumerate(pages, start=1):
        img = Image.new("L", (round(595 * px), round(842 * px)), 255)
        d = ImageDraw.Draw(img)
        d.text((72 * px, 27 * px), header, font=font, fill=0)
        y = 42 * px
        for line in lines:
            for piece in wrap(line):
                d.text((72 * px, y), piece, font=font, fill=0)
                y += 18 * px
        d.text((280 * px, 802 * px), f"— {n} —", font=font, fill=0)
        images.append(img)
    return images


def make_scan(path: Path, pages=REGULATION, dpi: int = 150, header: str = "星海市人民政府公报") -> Path:
    """A scanned PDF: every page one picture, no text layer."""
    images = page_images(pages, dpi, header)
    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return path


def make_image(path: Path, pages=REGULATION, dpi: int = 150) -> Path:
    """A photo or multi-page TIFF of the pages (the format follows the file name)."""
    images = page_images(pages, dpi)
    if path.suffix.lower() in (".tif", ".tiff"):
        images[0].save(path, save_all=True, append_images=images[1:], compression="tiff_deflate")
    else:
        images[0].save(path)
    return path
