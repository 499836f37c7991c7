#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and fuzzing ANS needs.
# A no-op (no apt calls) when everything is already installed.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config ccache git
  clang libclang-rt-14-dev            # libFuzzer + sanitizers for fuzz targets
  # chosen libraries
  libboost-dev                        # Asio, Beast, Multiprecision (header-only)
  libsecp256k1-dev
  libleveldb-dev libsnappy-dev
  libprotobuf-dev protobuf-compiler
  libgrpc++-dev protobuf-compiler-grpc
  libssl-dev
  libgtest-dev libgmock-dev
  libbenchmark-dev
  python3-grpcio python3-cryptography python3-grpc-tools  # the RPC tests' client outside C++ (tests/rpc)
  curl                                # scripts/testnet.sh reads each node's /metrics
  # well-kept helpers named by the style guide
  nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libspdlog-dev libfmt-dev
  # the explorer's browser test (ctest http_explorer_browser; playwright-core comes from npm)
  chromium
)
# npm: Debian's package, unless the machine's Node.js already brings one (NodeSource's nodejs
# includes npm and conflicts with Debian's npm package).
if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(npm); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "deps.sh: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
