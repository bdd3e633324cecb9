#!/usr/bin/env bash
# Debian's headless Chromium for the end-to-end browser test (Playwright's own browser
# download cannot work offline), and a Chinese font so screenshots show the text.
# Skipped when both are already there.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "wenquanyi"; then exit 0; fi
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
