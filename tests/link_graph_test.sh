#!/usr/bin/env bash
# What the binaries link:
# - the `ans` CLI links the primitives, the proof verifier, the light client's checks
#   (ans_light) and the wallet's keystore (ans_wallet_keys; later a gRPC client), never the state store, the rules, the chain, consensus
#   or LevelDB;
# - `ansd` links no test-harness library (ans_*_testing).
#   tests/link_graph_test.sh BUILD_DIR ANS_BINARY
# BUILD_DIR holds ans-link-closure.txt and ansd-link-closure.txt: every library in the CMake
# link graph of each binary, written at configure time by the top-level CMakeLists.txt.
# Checks the graphs, and the ans binary itself (its dynamic libraries and its symbols).
set -u
closure="$1/ans-link-closure.txt"
ansd_closure="$1/ansd-link-closure.txt"
binary="$2"
failures=0

# The project's libraries `ans` may link. Adding one is a decision about the wallet's trust
# base: a library holding state or node code does not belong here.
allowed_project_libs=" ans_core ans_primitives ans_proof ans_proto ans_light ans_wallet_keys ans_wallet ans_state_view ans_rules ans_genesis ans_rpc_proto "

while IFS= read -r lib; do
  [ -z "$lib" ] && continue
  case "$lib" in
    ans_*)
      if [[ "$allowed_project_libs" != *" $lib "* ]]; then
        echo "FAIL: ans links $lib (allowed: $allowed_project_libs)"
        failures=$((failures + 1))
      fi
      ;;
    *leveldb*)
      echo "FAIL: ans links $lib"
      failures=$((failures + 1))
      ;;
  esac
done < "$closure"
if ! grep -q '^ans_primitives$' "$closure"; then
  echo "FAIL: $closure does not list ans_primitives: not the link graph of ans?"
  failures=$((failures + 1))
fi

if ldd "$binary" | grep -i leveldb; then
  echo "FAIL: $binary loads LevelDB"
  failures=$((failures + 1))
fi
# Symbols of the state layer and above (ans::StateDb, ans::LedgerState, ans::Ledger, ...).
state_symbols=$(nm -C "$binary" | grep -E 'ans::(StateDb|MemoryTree|RadixTree|Ledger)\b|ans::consensus::|leveldb::' | head -5)
if [ -n "$state_symbols" ]; then
  echo "FAIL: $binary holds state or LevelDB code:"
  echo "$state_symbols"
  failures=$((failures + 1))
fi

testing_libs=$(grep '^ans_.*_testing$' "$ansd_closure")
if [ -n "$testing_libs" ]; then
  echo "FAIL: ansd links test-harness code:" $testing_libs
  failures=$((failures + 1))
fi
if ! grep -q '^ans_consensus$' "$ansd_closure"; then
  echo "FAIL: $ansd_closure does not list ans_consensus: not the link graph of ansd?"
  failures=$((failures + 1))
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "ans links: $(tr '\n' ' ' < "$closure")"
