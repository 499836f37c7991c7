#!/usr/bin/env bash
# Runs the consensus simulator over many seeds (docs/consensus.md, "The simulator").
#   scripts/sim.sh 10000                  10,000 seeds, spread over every scenario
#   scripts/sim.sh 1 --scenario crash --seed 42   any other arguments go to `sim`
# Exit 1 if any run breaks a promise; each failure prints the command that replays it.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 1 ] || { echo "usage: scripts/sim.sh SEEDS [sim options]" >&2; exit 2; }
total="$1"
shift
case "$total" in ''|*[!0-9]*) echo "scripts/sim.sh: SEEDS must be a number, got '$total'" >&2; exit 2 ;; esac

scripts/deps.sh
scripts/build.sh >/dev/null

if [ $# -gt 0 ]; then
  exec build/tests/sim/sim --seeds "$total" "$@"
fi
# SEEDS runs in all: an equal share of seeds for each of the 7 scenarios, split over two
# processes (the simulator is single-threaded; the machine has 2 cores).
scenarios=7
per=$(( (total + scenarios - 1) / scenarios ))
half=$(( (per + 1) / 2 ))
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
build/tests/sim/sim --scenario all --seed 1 --seeds "$half" >"$log/a" 2>&1 & a=$!
rc=0
if [ $(( per - half )) -gt 0 ]; then
  build/tests/sim/sim --scenario all --seed $(( half + 1 )) --seeds $(( per - half )) >"$log/b" 2>&1 || rc=1
fi
wait "$a" || rc=1
cat "$log"/*
echo "scripts/sim.sh: seeds 1..$per of each of $scenarios scenarios ($(( per * scenarios )) runs): $([ $rc -eq 0 ] && echo all passed || echo FAILURES above)"
exit $rc
