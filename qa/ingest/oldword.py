"""Old Word (.doc) and WPS files: converted to .docx by LibreOffice headless, else their text taken by antiword."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import BadFile
from .readers import DocxReader, Extracted, Reader

CONVERT_TIMEOUT = 120     # s; LibreOffice takes 4–6 s a file, most of it start-up
NEITHER = ("本机没有安装 LibreOffice 或 antiword，读不了旧版 Word/WPS 文件：请运行 bash scripts/setup.sh"
           "（会安装它们），或在 Word/WPS 中另存为 .docx 或 PDF 后再上传")


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _limits() -> None:        # runs in the child before exec: a hostile file can only exhaust the converter
    import resource
    resource.setrlimit(resource.RLIMIT_CPU, (CONVERT_TIMEOUT, CONVERT_TIMEOUT))


def _run(cmd: list[str], cwd: str) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=CONVERT_TIMEOUT, preexec_fn=_limits,
                          env=os.environ | {"HOME": cwd, "LC_ALL": "C.UTF-8"})


class DocReader(Reader):
    """The Word binary format (OLE2), which WPS 文字 also writes."""

    def read(self, data: bytes, name: str) -> Extracted:
        with tempfile.TemporaryDirectory(prefix="qa-doc-") as tmp:
            source = Path(tmp) / "document.doc"     # a .wps is a Word binary file: LibreOffice reads it as one
            source.write_bytes(data)
            failed = ""
            if soffice():
                try:
                    return self._convert(source, name)
                except BadFile as e:
                    failed = e.reason
            if shutil.which("antiword"):
                return self._antiword(source, name, failed)
        raise BadFile(name, failed or NEITHER)

    def _convert(self, source: Path, name: str) -> Extracted:
        tmp = str(source.parent)
        profile = Path(tmp, "profile").as_uri()     # its own profile: two conversions at once do not collide
        try:
            done = _run([soffice(), f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nolockcheck",
                         "--convert-to", "docx", "--outdir", str(Path(tmp, "out")), str(source)], tmp)
        except subprocess.TimeoutExpired:
            raise BadFile(name, f"LibreOffice 转换超时（超过 {CONVERT_TIMEOUT} 秒）") from None
        target = Path(tmp, "out", "document.docx")
        if done.returncode != 0 or not target.is_file():
            raise BadFile(name, "LibreOffice 无法转换这个文件（文件可能已损坏）")
        got = DocxReader().read(target.read_bytes(), name)
        return Extracted(got.text, got.pages, got.wrap_width, got.notes, "旧版 Word/WPS 文件，已用 LibreOffice 转换后读取")

    def _antiword(self, source: Path, name: str, failed: str) -> Extracted:
        try:
            done = _run(["antiword", "-m", "UTF-8.txt", "-w", "0", str(source)], str(source.parent))
        except subprocess.TimeoutExpired:
            raise BadFile(name, f"antiword 提取超时（超过 {CONVERT_TIMEOUT} 秒）") from None
        text = done.stdout.decode("utf-8", "replace")
        lines = [" | ".join(c.strip() for c in ln.strip().strip("|").split("|")) if ln.lstrip().startswith("|")
                 else ln.strip() for ln in text.splitlines()]      # antiword draws a table row as |a|b|
        lines = [ln for ln in lines if ln.strip(" |")]
        if done.returncode != 0 or not lines:
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
            raise BadFile(name, (failed + "；" if failed else "") + "antiword 也无法读取这个文件"
                          + (f"（{reason[0][:120]}）" if reason else "") + "：请在 Word/WPS 中另存为 .docx 或 PDF 后再上传")
        how = "LibreOffice 转换失败，" if failed else ("" if soffice() else "本机没有 LibreOffice，")
        return Extracted("\n".join(lines), (), 0, (), f"旧版 Word/WPS 文件，{how}已用 antiword 提取文字（标题级别未保留）")
