#!/usr/bin/env bash
# Installs what is missing, builds, and starts a single-node development chain:
#   ansd --dev   (embedded dev genesis, stores in ./ans-dev-data, 500 ms blocks)
# Extra arguments go to ansd, e.g. scripts/dev.sh --data-dir /tmp/ans-dev.
# There is no P2P or RPC yet (docs/status.md): the node logs each block as it becomes final.
# Ctrl-C stops it cleanly; running the script again continues the same chain.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
scripts/build.sh

exec build/node/ansd --dev "$@"
