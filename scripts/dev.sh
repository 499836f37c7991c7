#!/usr/bin/env bash
# Installs what is missing, builds, and starts a single-node development chain:
#   ansd --dev   (embedded dev genesis, stores in ./ans-dev-data, 500 ms blocks)
# Extra arguments go to ansd, e.g. scripts/dev.sh --data-dir /tmp/ans-dev.
# It serves gRPC on 127.0.0.1:9770 (AdminService on 127.0.0.1:9772) and HTTP/JSON on
# 127.0.0.1:9771 (docs/api.md), and logs each block as it becomes final. No P2P yet.
# Ctrl-C stops it cleanly; running the script again continues the same chain.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
scripts/build.sh

exec build/node/ansd --dev "$@"
