#!/usr/bin/env bash
# ctest http_explorer_browser: the explorer page in a real browser, Debian's chromium driven
# headless by playwright-core from npm (installed into WORKDIR by this script). The Python
# driver starts ansd --dev on free ports and registers a name; the page must show the head
# advancing, blocks, the SP directory, "not registered" with a price for a free name, and the
# records of founder and of the registered name. Screenshots go to WORKDIR/explorer*.png.
#   explorer_browser_test.sh PYTHON ANSD TXGEN SOURCE_DIR WORKDIR
# Exit 0 passed, 1 failed, 77 skipped (no chromium, node or npm package), with the reason.
set -euo pipefail
python="$1"
ansd="$2"
txgen="$3"
source_dir="$4"
work="$5"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$work"
work="$(cd "$work" && pwd)"

skip() { echo "SKIPPED: $*"; exit 77; }
chromium=/usr/bin/chromium
[ -x "$chromium" ] || skip "$chromium is not installed (apt install chromium; scripts/deps.sh installs it)"
command -v node >/dev/null || skip "node is not installed (apt install npm)"
if [ ! -f "$work/node_modules/playwright-core/package.json" ]; then
  command -v npm >/dev/null || skip "npm is not installed (apt install npm)"
  if ! npm install --prefix "$work" --no-audit --no-fund --loglevel=error playwright-core@1 >"$work/npm.log" 2>&1; then
    skip "npm install playwright-core failed: $(tail -n 3 "$work/npm.log" | tr '\n' ' ')"
  fi
fi
exec "$python" "$here/explorer_browser_test.py" "$ansd" "$txgen" "$source_dir" "$work" \
  "$work/node_modules/playwright-core" "$chromium"
