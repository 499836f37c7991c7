#!/usr/bin/env bash
# The network benchmarks (docs/benchmarks.md, "Network") on a 4-validator loopback network:
#   1. final transactions per second at saturation;
#   2. submit-to-final latency at a fixed moderate load;
#   3. the sync speed of a fresh non-validating node, against the single-node apply rate of
#      the same blocks measured in the same run.
#   scripts/bench-net.sh [--seconds S] [--rate R] [--accounts N] [--base-port P]
# Not in ctest: it keeps the machine busy for a few minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=20 rate=500 accounts=1024 base=19500
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --accounts) accounts="$2"; shift 2 ;;
    --base-port) base="$2"; shift 2 ;;
    *) echo "usage: scripts/bench-net.sh [--seconds S] [--rate R] [--accounts N] [--base-port P]" >&2; exit 2 ;;
  esac
done
flock /tmp/ans-build.lock scripts/build.sh default ansd bench_net >/dev/null
ansd=build/node/ansd bench=build/tests/bench/bench_net
dir=$(mktemp -d /tmp/ans-bench-net.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
"$ansd" genesis testnet --sps 4 --out "$dir" >/dev/null
port() { echo $((base + 10 * $1 + $2)); }  # node, 0 p2p / 1 grpc / 2 http / 3 admin
start() {  # node index, then extra flags
  local i=$1; shift
  "$ansd" --genesis "$dir/genesis.json" --data-dir "$dir/node$i/data" \
    --p2p-listen 127.0.0.1:$(port "$i" 0) --grpc-listen 127.0.0.1:$(port "$i" 1) \
    --http-listen 127.0.0.1:$(port "$i" 2) --admin-listen 127.0.0.1:$(port "$i" 3) "$@" \
    >"$dir/node$i.log" 2>&1 &
  pids+=($!)
}
metric() {  # node, name
  curl -sf "http://127.0.0.1:$(port "$1" 2)/metrics" | awk -v m="$2" '$1 == m { print $2 }'
}
for i in 0 1 2 3; do
  peers=""
  for j in 0 1 2 3; do [ "$j" -lt "$i" ] && peers="$peers${peers:+,}127.0.0.1:$(port "$j" 0)"; done
  start "$i" --sp-key "$dir/node$i/validator.key" ${peers:+--peers "$peers"}
done
for _ in $(seq 120); do
  f=$(metric 0 ans_final_height || true)
  [ -n "$f" ] && [ "$f" -ge 3 ] && break
  sleep 0.5
done
nodes="127.0.0.1:$(port 0 1),127.0.0.1:$(port 1 1),127.0.0.1:$(port 2 1),127.0.0.1:$(port 3 1)"
echo "== saturation"
"$bench" load --genesis "$dir/genesis.json" --testnet-dir "$dir" --nodes "$nodes" --accounts "$accounts" \
  --seconds "$seconds" --rate 0
echo "== fixed load"
"$bench" load --genesis "$dir/genesis.json" --testnet-dir "$dir" --nodes "$nodes" --accounts "$accounts" \
  --seconds "$seconds" --rate "$rate"
echo "== sync"
target=$(metric 0 ans_final_height)
t0=$(date +%s.%N)
start 4 --peers "127.0.0.1:$(port 0 0),127.0.0.1:$(port 1 0)"
for _ in $(seq 1200); do
  f=$(metric 4 ans_final_height || true)
  [ -n "$f" ] && [ "$f" -ge "$target" ] && break
  sleep 0.25
done
t1=$(date +%s.%N)
apply=$("$bench" apply --genesis "$dir/genesis.json" --node "127.0.0.1:$(port 0 1)" --to "$target")
txs=$(echo "$apply" | sed -n 's/.*(\([0-9]*\) tx).*/\1/p')
awk -v t="$target" -v x="$txs" -v a="$t0" -v b="$t1" 'BEGIN {
  s = b - a; printf "fresh node synced blocks 1..%d (%d tx) in %.2f s: %.0f blocks/s, %.0f tx/s\n", t, x, s, t / s, x / s }'
echo "$apply"
sync_tps=$(awk -v x="$txs" -v a="$t0" -v b="$t1" 'BEGIN { printf "%f", x / (b - a) }')
apply_tps=$(echo "$apply" | sed -n 's/.* \([0-9]*\) tx\/s$/\1/p')
sync_bps=$(awk -v t="$target" -v a="$t0" -v b="$t1" 'BEGIN { printf "%f", t / (b - a) }')
apply_bps=$(echo "$apply" | sed -n 's/.*s, \([0-9]*\) blocks\/s.*/\1/p')
awk -v s="$sync_bps" -v a="$apply_bps" -v st="$sync_tps" -v at="$apply_tps" \
  'BEGIN { printf "sync / single-node apply: %.2f in blocks/s, %.2f in tx/s\n", s / a, (at > 0 ? st / at : 0) }'
grep -h "sync:" "$dir/node4.log" | tail -2
