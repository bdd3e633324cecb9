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
