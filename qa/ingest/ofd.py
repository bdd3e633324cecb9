"""OFD (GB/T 33190) packages: OFD.xml → Document.xml → each page's Content.xml, text objects in reading order."""
from __future__ import annotations

import io
import posixpath
import re
import zipfile

from ..errors import BadFile
from .layout import Box, reading_order
from .readers import MAX_PAGES, Extracted, Reader, check_zip, drop_furniture

MAX_PART = 64 * 1024 * 1024      # one XML part; a real page is kilobytes
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?")


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _children(el, name: str):
    return [c for c in el.iter() if _local(c.tag) == name]


def _numbers(value: str | None) -> list[float]:
    return [float(x) for x in _NUMBER.findall(value or "")]


def deltas(value: str | None) -> list[float]:
    """DeltaX/DeltaY: plain numbers, or 「g N d」 for N repeats of d (the standard's compressed form)."""
    parts, out, i = (value or "").split(), [], 0
    while i < len(parts):
        if parts[i] == "g" and i + 2 < len(parts):
            out.extend([float(parts[i + 2])] * int(float(parts[i + 1])))
            i += 3
        else:
            out.append(float(parts[i]))
            i += 1
    return out


class OfdReader(Reader):
    """Text objects of every page of the first document in the package; templates (headers, seals) left out."""

    def read(self, data: bytes, name: str) -> Extracted:
        check_zip(data, name, "OFD.xml", "OFD ")
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts = {i.filename.lstrip("/"): i for i in z.infolist()}

            def xml(path: str):
                from defusedxml import ElementTree
                from defusedxml.common import DefusedXmlException
                info = parts.get(path.lstrip("/"))
                if info is None:
                    raise BadFile(name, f"OFD 文件不完整：缺少 {path}")
                if info.file_size > MAX_PART:
                    raise BadFile(name, f"OFD 文件中 {path} 过大，已拒绝")
                try:
                    return ElementTree.fromstring(z.read(info))
                except DefusedXmlException:
                    raise BadFile(name, "OFD 文件含有不安全的 XML（实体或外部引用），已拒绝") from None
                except Exception as e:  # noqa: BLE001 - ParseError and zip errors: the package is broken
                    raise BadFile(name, f"OFD 文件已损坏（{path}：{type(e).__name__}）") from None

            roots = [el.text.strip() for el in _children(xml("OFD.xml"), "DocRoot") if el.text and el.text.strip()]
            if not roots:
                raise BadFile(name, "OFD 文件不完整：OFD.xml 没有指向文档（DocRoot）")
            doc_path = _resolve("", roots[0])
            document = xml(doc_path)
            locs = [p.get("BaseLoc") for p in _children(document, "Page") if p.get("BaseLoc")]
            if not locs:
                raise BadFile(name, "OFD 文件没有页面")
            if len(locs) > MAX_PAGES:
                raise BadFile(name, f"OFD 页数过多（{len(locs)} 页，上限 {MAX_PAGES} 页）")
            pages = [reading_order(page_boxes(xml(_resolve(doc_path, loc)))) for loc in locs]
        pages = drop_furniture(pages)
        if not any(pages):
            raise BadFile(name, f"OFD 没有文字（可能是扫描件，共 {len(pages)} 页）")
        lines, starts = [], []
        for p in pages:
            starts.append(len(lines) + 1)
            lines.extend(p)
        return Extracted("\n".join(lines), tuple(starts))


def _resolve(base_file: str, loc: str) -> str:
    """A location in the package: absolute from the root when it starts with /, else beside base_file."""
    loc = loc.strip().replace("\\", "/")
    path = loc.lstrip("/") if loc.startswith("/") else posixpath.join(posixpath.dirname(base_file), loc)
    path = posixpath.normpath(path)
    return "" if path.startswith("..") else path


def page_boxes(page) -> list[Box]:
    """One box per text run, in page millimetres: the object's Boundary plus each TextCode's X/Y."""
    boxes = []
    for obj in _children(page, "TextObject"):
        bx, by = (_numbers(obj.get("Boundary")) + [0.0, 0.0])[:2]
        size = (_numbers(obj.get("Size")) or [3.5])[0]
        x = y = 0.0
        for code in _children(obj, "TextCode"):
            text = "".join(code.itertext())
            x = float(code.get("X", x) or x)
            y = float(code.get("Y", y) or y)
            if not text.strip():
                continue
            dx, dy = deltas(code.get("DeltaX")), deltas(code.get("DeltaY"))
            advance = sum(dx[:len(text) - 1]) if dx else size * (len(text) - 1)
            if dy and not dx:        # a vertical run: characters stacked downwards
                boxes.append(Box(bx + x, by + y - size, bx + x + size, by + y + sum(dy[:len(text) - 1]), text))
            else:
                boxes.append(Box(bx + x, by + y - size, bx + x + advance + size, by + y, text))
    return boxes
