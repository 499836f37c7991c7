#!/usr/bin/env bash
# Runs the libFuzzer targets (clang, ASan + UBSan).
#   scripts/fuzz.sh TARGET SECONDS    one target, e.g. scripts/fuzz.sh tx_decode 60
#   scripts/fuzz.sh --smoke SECONDS   every target for SECONDS each (CI)
#   scripts/fuzz.sh --list            the target names
# The corpus grows in build-fuzz/corpus/TARGET, seeded from fuzz/seeds/TARGET (*.txtpb seeds are
# protobuf text, encoded with protoc). Findings land in build-fuzz/findings/. Exit 1 on a finding.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=(id_parse address_decode amount_parse tx_decode block_decode proof_decode genesis_load tree_pages consensus_input state_journal bundle_verify key_file_decode
         p2p_handshake_decode p2p_envelope_decode p2p_sealed_open)
declare -A PROTO_TYPE=([tx_decode]=ans.v1.SignedTransaction [block_decode]=ans.v1.Block)

usage() { echo "usage: scripts/fuzz.sh TARGET SECONDS | --smoke SECONDS | --list" >&2; exit 2; }

prepare_corpus() {
  local t="$1" corpus="build-fuzz/corpus/$1"
  mkdir -p "$corpus" build-fuzz/findings
  if [ "$t" = consensus_input ] || [ "$t" = state_journal ] || [ "$t" = bundle_verify ] || [[ "$t" == p2p_* ]]; then
    # Genuine inputs from the target's own fixture: blocks, votes and evidence signed by its
    # validator; a genesis snapshot and a journal record; proof bundles signed by its set;
    # hellos of its chain, envelopes of every kind, frames sealed under its key.
    ANS_FUZZ_WRITE_SEEDS="$corpus" "build-fuzz/fuzz/fuzz_$t" -runs=0 >/dev/null 2>&1 || true
  fi
  for seed in fuzz/seeds/"$t"/*; do
    [ -e "$seed" ] || continue
    local name; name=$(basename "$seed")
    if [[ "$seed" == *.txtpb ]]; then
      grep -v '^#' "$seed" | protoc --encode="${PROTO_TYPE[$t]}" -Iproto proto/ans/v1/chain.proto \
        > "$corpus/seed-${name%.txtpb}"
    else
      cp "$seed" "$corpus/seed-$name"
    fi
  done
}

run_one() {
  local t="$1" secs="$2"
  local bin="build-fuzz/fuzz/fuzz_$t"
  [ -x "$bin" ] || { echo "no fuzz target '$t' (try --list)" >&2; exit 2; }
  prepare_corpus "$t"
  echo "== fuzz $t for ${secs}s"
  local log="build-fuzz/findings/$t.log"
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="build-fuzz/findings/$t-" "build-fuzz/corpus/$t" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "FINDING in $t (log: $log)"
    return 1
  fi
  local runs
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
  local corpus_size
  corpus_size=$(find "build-fuzz/corpus/$t" -type f | wc -l)
  echo "   $t: $runs executions in ${secs}s, corpus $corpus_size inputs, no finding"
}

[ $# -ge 1 ] || usage
if [ "$1" = "--list" ]; then printf '%s\n' "${TARGETS[@]}"; exit 0; fi

scripts/deps.sh
scripts/build.sh fuzz >/dev/null

if [ "$1" = "--smoke" ]; then
  secs="${2:-10}"
  failed=0
  for t in "${TARGETS[@]}"; do run_one "$t" "$secs" || failed=1; done
  exit $failed
fi
[ $# -eq 2 ] || usage
run_one "$1" "$2"
