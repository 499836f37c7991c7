#!/usr/bin/env bash
# Runs the walkthrough in docs/wallet.md ("A first name on the dev chain") exactly as written,
# with build/node/ans standing for the built binary, against a fresh ansd --dev.
#   tests/wallet/walkthrough_test.sh ANSD ANS SOURCE_DIR
set -euo pipefail
ansd="$1"; ans="$2"; src="$3"
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
"$ansd" --dev --data-dir "$dir/data" --grpc-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 \
  --admin-listen 127.0.0.1:0 --p2p-listen 127.0.0.1:0 >"$dir/ansd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  port=$(sed -n 's/.*gRPC on 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/ansd.log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "FAIL: ansd did not log its gRPC port"; cat "$dir/ansd.log"; exit 1; }
# The block between the section's heading and the next heading, without its fences.
awk '/^## A first name on the dev chain/{on=1} on&&/^```sh/{code=1; next} code&&/^```/{exit} code' \
  "$src/docs/wallet.md" >"$dir/walkthrough.sh"
grep -q 'ans name register' "$dir/walkthrough.sh" || { echo "FAIL: no walkthrough found in docs/wallet.md"; exit 1; }
mkdir -p "$dir/work/build/node"
ln -s "$ans" "$dir/work/build/node/ans"
cd "$dir/work"
out=$(ANS_HOME="$dir/home" ANS_KEYSTORE="$dir/home/keys" ANS_SCRYPT_N=1024 ANS_NODE="127.0.0.1:$port" \
  bash -euo pipefail "$dir/walkthrough.sh" 2>&1) || { echo "FAIL: the walkthrough failed:"; echo "$out"; exit 1; }
echo "$out"
echo "$out" | grep -q "verified" || { echo "FAIL: resolve --prove did not say verified"; exit 1; }
echo "$out" | tail -1 | grep -qx "alice" || { echo "FAIL: reverse did not answer alice"; exit 1; }
echo "walkthrough: ok"
