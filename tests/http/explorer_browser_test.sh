#!/usr/bin/env bash
# The explorer page in a real browser: Debian's chromium, driven headless by playwright-core
# from npm (installed into WORKDIR by this script). Starts ansd --dev on free ports; the page
# must show the head advancing, blocks, the SP directory, "not registered" with a price for
# a free name and founder's record; it saves WORKDIR/explorer.png.
#   explorer_browser_test.sh path/to/ansd WORKDIR
# Exit 0 passed, 1 failed, 77 skipped (no chromium or no npm package), with the reason.
set -euo pipefail
ansd="$1"
work="$2"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$work"
work="$(cd "$work" && pwd)"

skip() { echo "SKIPPED: $*"; exit 77; }
chromium=/usr/bin/chromium
[ -x "$chromium" ] || skip "$chromium is not installed (apt install chromium; scripts/deps.sh installs it)"
command -v node >/dev/null || skip "node is not installed"
if [ ! -f "$work/node_modules/playwright-core/package.json" ]; then
  command -v npm >/dev/null || skip "npm is not installed"
  if ! npm install --prefix "$work" --no-audit --no-fund --loglevel=error playwright-core@1 >"$work/npm.log" 2>&1; then
    skip "npm install playwright-core failed: $(tail -n 3 "$work/npm.log" | tr '\n' ' ')"
  fi
fi

data="$(mktemp -d)"
log="$data/ansd.log"
"$ansd" --dev --data-dir "$data/node" --http-listen 127.0.0.1:0 --grpc-listen 127.0.0.1:0 \
  --admin-listen 127.0.0.1:0 >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
url=""
for _ in $(seq 1 600); do
  url="$(grep -o 'explorer on http://127.0.0.1:[0-9]*/' "$log" | head -n 1 | sed 's/explorer on //')" || true
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log"; echo "FAIL: ansd exited"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$log"; echo "FAIL: ansd did not say its HTTP address"; exit 1; }

node "$here/explorer_browser_test.cjs" "$work/node_modules/playwright-core" "$chromium" "$url" "$work/explorer.png"
