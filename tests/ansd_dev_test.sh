#!/usr/bin/env bash
# ansd --dev runs a single-node chain: blocks become final, SIGTERM stops it cleanly (exit 0),
# and a restart continues from its stores without losing a final block.
set -euo pipefail
# Any free ports: tests run side by side, and a node may already hold the defaults.
ANY_PORTS="--grpc-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --p2p-listen 127.0.0.1:0"
ansd="$1"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

"$ansd" --dev $ANY_PORTS --data-dir "$dir/data" >"$dir/run1.log" 2>&1 &
pid=$!
# Wait (up to 30 s on a busy machine) for two final blocks.
for _ in $(seq 1 300); do
  [ "$(grep -c 'final block' "$dir/run1.log" || true)" -ge 2 ] && break
  sleep 0.1
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
cat "$dir/run1.log"
[ "$rc" -eq 0 ] || { echo "FAIL: ansd --dev exited $rc after SIGTERM"; exit 1; }
grep -q 'stopping: head' "$dir/run1.log" || { echo "FAIL: no clean stop"; exit 1; }
last_final=$(grep -o 'final block [0-9]*' "$dir/run1.log" | tail -1 | grep -o '[0-9]*$')
[ -n "$last_final" ] || { echo "FAIL: nothing became final"; exit 1; }

"$ansd" --dev $ANY_PORTS --data-dir "$dir/data" --run-for-ms 3000 >"$dir/run2.log" 2>&1
cat "$dir/run2.log"
resumed_final=$(grep -o 'head [0-9]* final [0-9]*' "$dir/run2.log" | head -1 | grep -o '[0-9]*$')
[ "$resumed_final" -ge "$last_final" ] || {
  echo "FAIL: restarted with final $resumed_final, below $last_final"; exit 1; }
first_new=$(grep -o 'final block [0-9]*' "$dir/run2.log" | head -1 | grep -o '[0-9]*$' || true)
if [ -n "$first_new" ] && [ "$first_new" -ne $((resumed_final + 1)) ]; then
  echo "FAIL: after restart the next final block is $first_new, expected $((resumed_final + 1))"; exit 1
fi
# The default layout keeps the state in memory; a store is not reopened with the other layout.
set +e
"$ansd" --dev $ANY_PORTS --data-dir "$dir/data" --state-layout leveldb --run-for-ms 500 >"$dir/run3.log" 2>&1
rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q 'memory layout' "$dir/run3.log" || {
  cat "$dir/run3.log"; echo "FAIL: a memory-layout store opened as leveldb (exit $rc)"; exit 1; }
"$ansd" --dev $ANY_PORTS --data-dir "$dir/leveldb" --state-layout leveldb --run-for-ms 1500 >"$dir/run4.log" 2>&1 || {
  cat "$dir/run4.log"; echo "FAIL: --state-layout leveldb"; exit 1; }
# Logs go to stderr, nothing to stdout; a reader of the logs that goes away (SIGPIPE) or a
# hangup (SIGHUP) does not kill the node.
"$ansd" --dev $ANY_PORTS --data-dir "$dir/leveldb" --state-layout leveldb --run-for-ms 1500 >"$dir/stdout" 2>/dev/null ||
  { echo "FAIL: --dev with stderr discarded"; exit 1; }
[ ! -s "$dir/stdout" ] || { echo "FAIL: ansd --dev wrote to stdout"; exit 1; }
set +e
"$ansd" --dev $ANY_PORTS --data-dir "$dir/leveldb" --state-layout leveldb --run-for-ms 2500 2>&1 | head -1 >/dev/null
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || { echo "FAIL: ansd --dev | head exited $rc"; exit 1; }
"$ansd" --dev $ANY_PORTS --data-dir "$dir/leveldb" --state-layout leveldb >"$dir/run5.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do grep -q 'state at opening' "$dir/run5.log" && break; sleep 0.1; done
kill -HUP "$pid"
sleep 1
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 0 ] && grep -q 'state at stopping' "$dir/run5.log" ||
  { cat "$dir/run5.log"; echo "FAIL: SIGHUP stopped the node (exit $rc)"; exit 1; }
# Output that cannot be written is an error.
set +e
"$ansd" genesis dev >/dev/full 2>"$dir/full.log"; rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q 'cannot write output' "$dir/full.log" ||
  { echo "FAIL: genesis dev to a full disk exited $rc"; exit 1; }
# Usage errors exit 2, and ranges are checked and said in plain numbers.
expect_usage() {  # expect_usage substring args...
  local needle="$1" rc=0; shift
  "$ansd" "$@" >"$dir/usage.log" 2>&1 || rc=$?
  [ "$rc" -eq 2 ] && grep -qF -- "$needle" "$dir/usage.log" ||
    { cat "$dir/usage.log"; echo "FAIL: ansd $* exited $rc"; exit 1; }
}
expect_usage "from 0 to 18446744073709551615" --dev --run-for-ms -1
expect_usage "from 1 to 253402300799999" genesis testnet --sps 1 --out "$dir/t" \
  --genesis-time-ms 18446744073709551616
expect_usage "from 1 to 1024" genesis testnet --sps 0 --out "$dir/t"
expect_usage "from 1 to 60000" genesis testnet --sps 1 --out "$dir/t" --block-interval-ms 60001
expect_usage "from 1 to 18446744073709551615" genesis testnet --sps 1 --out "$dir/t" --epoch-blocks 0
expect_usage "unknown command 'bogus'" bogus
expect_usage "unknown command 'bogus' for 'genesis'" genesis bogus
set +e
"$ansd" --dev --state-layout sideways >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: bad --state-layout"; exit 1; }
"$ansd" --dev genesis dev >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: --dev with a subcommand"; exit 1; }
"$ansd" >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: no command"; exit 1; }
echo PASS
