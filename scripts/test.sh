#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite through ctest.
#   scripts/test.sh             the normal build
#   scripts/test.sh --release   the whole tree built as Release (-O3), and a smoke subset of
#                               its tests: the ledger's and genesis' unit tests, the build
#                               checks and the CLI's integration test
#   scripts/test.sh --sanitize  the unit tests built with AddressSanitizer and UBSan
#   scripts/test.sh --thread    the ledger's, the consensus engine's, the P2P network's and the RPC query layer's
#                               unit tests built with ThreadSanitizer
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
if [ "${1:-}" = "--release" ]; then
  scripts/build.sh release
  ctest --test-dir build-release --output-on-failure -j 2 \
    -L '^(ledger_tests|proof_tests|rules_tests|genesis_tests|build)$'
  ctest --test-dir build-release --output-on-failure -R '^cli_id$'
elif [ "${1:-}" = "--sanitize" ]; then
  scripts/build.sh sanitize
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  # The simulator's seeds are 5x slower under the sanitizers: a quarter of them here (the
  # plain run has them all).
  export ANS_SIM_SEEDS_SCALE="${ANS_SIM_SEEDS_SCALE:-0.25}"
  ctest --test-dir build-asan --output-on-failure -j 2
elif [ "${1:-}" = "--thread" ]; then
  # Their threads: the signature checks, the snapshot writer, the P2P network thread and the
  # chain thread it posts to. (The rest of the tree runs gRPC, whose uninstrumented library
  # would only add noise.)
  scripts/build.sh thread ledger_tests proof_tests rules_tests chain_tests ledger_crash_child \
    consensus_tests rpc_tests p2p_tests
  export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan.supp"
  ctest --test-dir build-tsan/ledger --output-on-failure -j 2
  ctest --test-dir build-tsan/consensus --output-on-failure -j 2
  ctest --test-dir build-tsan/rpc --output-on-failure -j 2 -L '^rpc_tests$'
  ctest --test-dir build-tsan/p2p --output-on-failure -j 2
else
  scripts/build.sh
  ctest --test-dir build --output-on-failure -j 2
fi
