#!/usr/bin/env bash
# Checks that folder includes go one way: each code folder includes only itself and the
# folders its row below allows, so no include cycle between layers can come back.
#   scripts/check-layers.sh [SOURCE_DIR]
# Prints each offending include as file:line and exits 1; exits 0 when all are allowed.
#
# The layers, lowest first:
#   primitives (util, crypto, names, token, identity, wire) <- proof <- store <- state
#   <- rules <- chain <- genesis <- consensus <- rpc <- node
# p2p (the network: it carries the engine's messages) sits on consensus, beside rpc.
# light (the light client's checks: quorum certificates, proof bundles) sits on the primitives
# and proof alone, beside the store; consensus and everything above it may include it.
# wallet (the `ans` CLI's library) sits on the rules and genesis, beside consensus and rpc,
# and never includes the chain (the stores behind it).
# The test harness libraries sit above the layer they serve (ledger/testing above the chain,
# consensus/testing above consensus). Test code may include anything: tests/, fuzz/, and the
# *_test.cc files that sit beside the code they test. Generated Protobuf headers (ans/v1/...)
# sit below everything. A folder without a row is an error: a new folder must take its place
# here.
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"

primitives="ledger/util ledger/crypto ledger/names ledger/token ledger/identity ledger/wire"
ledger_all="$primitives ledger/proof ledger/store ledger/state ledger/rules ledger/chain"
declare -A allowed=(
  [ledger/util]=""
  [ledger/crypto]="ledger/util"
  [ledger/names]="ledger/util"
  [ledger/token]="ledger/util"
  [ledger/identity]="ledger/util ledger/crypto ledger/names"
  [ledger/wire]="ledger/util ledger/crypto ledger/names ledger/token ledger/identity"
  [ledger/proof]="ledger/util ledger/crypto"
  [ledger/store]="$primitives ledger/proof"
  [ledger/state]="$primitives ledger/proof ledger/store"
  [ledger/rules]="$primitives ledger/proof ledger/store ledger/state"
  [ledger/chain]="$primitives ledger/proof ledger/store ledger/state ledger/rules"
  [ledger/testing]="$ledger_all"
  [light]="$primitives ledger/proof"
  [wallet]="$primitives ledger/proof"
  [genesis]="$ledger_all"
  [consensus]="$ledger_all light genesis"
  [consensus/testing]="$ledger_all ledger/testing light genesis consensus"
  [rpc]="$ledger_all light genesis consensus"
  [p2p]="$ledger_all light genesis consensus"
  [wallet]="$primitives ledger/proof ledger/store ledger/state ledger/rules light genesis"
  [node]="$ledger_all light genesis consensus rpc p2p wallet"
)
# Test code: may include anything.
is_test_code() {
  case "$1" in
    tests/* | fuzz/* | *_test.cc) return 0 ;;
  esac
  return 1
}
# Sets `layer` to the layer of a path: ledger/<folder> inside the ledger, consensus/testing,
# else its top folder.
layer_of() {
  case "$1" in
    ledger/*/*) layer="${1#ledger/}"; layer="ledger/${layer%%/*}" ;;
    consensus/testing/*) layer="consensus/testing" ;;
    */*) layer="${1%%/*}" ;;
    *) layer="" ;;
  esac
}

# The code folders: the top-level folders with a CMakeLists.txt (build trees have none).
folders=()
for f in */CMakeLists.txt; do folders+=("${f%/CMakeLists.txt}"); done
project_folders=" ${folders[*]} "

status=0
declare -A reported=()
while IFS= read -r hit; do
  file="${hit%%:*}"; rest="${hit#*:}"; line="${rest%%:*}"
  include="${rest#*\"}"; include="${include%%\"*}"
  is_test_code "$file" && continue
  layer_of "$file"; from="$layer"
  if [ -z "${allowed[$from]+set}" ]; then
    if [ -z "${reported[$from]+set}" ]; then
      echo "$file: folder $from has no row in scripts/check-layers.sh" >&2
      reported[$from]=1
    fi
    status=1
    continue
  fi
  # Only project folders are layers; other quoted includes (ans/v1/*.pb.h, generated files)
  # are not.
  [[ "$project_folders" == *" ${include%%/*} "* ]] || continue
  layer_of "$include"; to="$layer"
  [ "$to" = "$from" ] && continue
  if [[ " ${allowed[$from]} " != *" $to "* ]]; then
    echo "$file:$line: includes \"$include\": $from may not include $to" >&2
    status=1
  fi
done < <(grep -rn -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' \
           --include='*.h' --include='*.cc' --include='*.hpp' --include='*.cpp' "${folders[@]}" |
         sort -t: -k1,1 -k2,2n)
if [ "$status" -ne 0 ]; then
  echo "check-layers: includes against the layer order (the table in scripts/check-layers.sh)" >&2
fi
exit "$status"
