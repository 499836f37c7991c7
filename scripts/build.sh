#!/usr/bin/env bash
# Configures and builds one flavour of the tree with Ninja.
#   scripts/build.sh            -> build/         (RelWithDebInfo)
#   scripts/build.sh release    -> build-release/ (Release: -O3, what a plain cmake build gives)
#   scripts/build.sh sanitize   -> build-asan/    (ASan + UBSan)
#   scripts/build.sh fuzz       -> build-fuzz/    (clang, libFuzzer + ASan + UBSan)
#   scripts/build.sh thread     -> build-tsan/    (ThreadSanitizer)
# Targets after the flavour build only those (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."

flavour="${1:-default}"
[ $# -gt 0 ] && shift
jobs="${ANS_JOBS:-2}"
case "$flavour" in
  default)  dir=build;      args=() ;;
  release)  dir=build-release; args=(-DCMAKE_BUILD_TYPE=Release) ;;
  sanitize) dir=build-asan; args=(-DANS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug) ;;
  fuzz)     dir=build-fuzz; args=(-DANS_FUZZ=ON -DANS_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
                                  -DCMAKE_CXX_COMPILER=clang++) ;;
  thread)   dir=build-tsan; args=(-DANS_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  *) echo "usage: scripts/build.sh [default|release|sanitize|fuzz|thread] [target ...]" >&2; exit 2 ;;
esac

if [ ! -f "$dir/build.ninja" ]; then
  cmake -S . -B "$dir" -G Ninja "${args[@]}"
fi
if [ $# -gt 0 ]; then
  cmake --build "$dir" -j "$jobs" --target "$@"
else
  cmake --build "$dir" -j "$jobs"
fi
