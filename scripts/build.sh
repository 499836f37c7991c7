#!/usr/bin/env bash
# Configures and builds one flavour of the tree with Ninja.
#   scripts/build.sh            -> build/         (RelWithDebInfo)
#   scripts/build.sh sanitize   -> build-asan/    (ASan + UBSan)
#   scripts/build.sh fuzz       -> build-fuzz/    (clang, libFuzzer + ASan + UBSan)
set -euo pipefail
cd "$(dirname "$0")/.."

flavour="${1:-default}"
jobs="${ANS_JOBS:-2}"
case "$flavour" in
  default)  dir=build;      args=() ;;
  sanitize) dir=build-asan; args=(-DANS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug) ;;
  fuzz)     dir=build-fuzz; args=(-DANS_FUZZ=ON -DANS_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
                                  -DCMAKE_CXX_COMPILER=clang++) ;;
  *) echo "usage: scripts/build.sh [default|sanitize|fuzz]" >&2; exit 2 ;;
esac

if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja "${args[@]}"
fi
cmake --build "$dir" -j "$jobs"
