#!/usr/bin/env bash
# ansd --dev on damaged data directories. For each layout it makes a store with tables and a
# log in both of its stores (ledger/, consensus/), then damages copies of it: bits flipped at
# offsets drawn from a seed in tables (.ldb) and logs (.log), a truncated table, a missing
# CURRENT, a missing MANIFEST. For each case the node must either
#   - refuse: a non-zero exit, an error naming the store, and nothing lost: with the damage
#     undone it opens with the state it had (and with CURRENT or MANIFEST missing, or damage
#     found before either store is opened, every file is left as it was); or
#   - open with exactly the state it had (head, final height and state root, as logged at
#     the stop before), and then run (exit 0) or stop on a node fault (exit 1, the store
#     named), never making another block final at a height it had.
# It never opens with another state, dies of a signal or hangs. A damaged record length in a
# log, which LevelDB alone would take for a write torn by a crash (dropping the log from
# there), is among the cases.
# Usage: store_damage_test.sh ANSD [SEED] [CASES_PER_FILE_KIND]
set -euo pipefail
# Any free ports: tests run side by side, and a node may already hold the defaults.
ANY_PORTS="--grpc-listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --admin-listen 127.0.0.1:0 --p2p-listen 127.0.0.1:0"
ansd="$1"
seed="${2:-30}"
per_kind="${3:-10}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
failures=0
cases=0

fail() { echo "FAIL [$1]: $2"; failures=$((failures + 1)); }

# A deterministic stream of numbers from the seed (an LCG): next_random sets $random.
random=$seed
next_random() { random=$(( (random * 1103515245 + 12345) % 2147483648 )); }

# "HEIGHT HASH" of each block a log says became final.
finals() { grep -o 'final block [0-9]* (slot [0-9]*, [0-9]* transactions) [0-9a-f]*' "$@" |
  awk '{print $3, $NF}' || true; }

# The state line that ansd logs at opening or stopping, without its time stamp.
state_line() { grep -o "state at $2: .*" "$1" | head -1 | sed "s/^state at $2: //" || true; }

# Every file's checksum, except LevelDB's own diagnostic log (rotated at each opening).
listing() { (cd "$1" && find . -type f ! -name LOG ! -name LOG.old | sort | xargs sha256sum); }

flip_bit() {  # file offset bit
  local byte
  byte=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\x%02x' $((byte ^ (1 << $3))))" |
    dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# run_case LAYOUT NAME STORE KIND [ARGS]: damages a copy of the layout's reference store and
# checks what the node does with it. KIND: flip FILE OFFSET BIT | truncate FILE | rm FILE.
run_case() {
  local layout=$1 name=$2 store=$3 kind=$4 file=$5
  local ref="$dir/$layout/ref" data="$dir/$layout/case" expected
  expected=$(cat "$dir/$layout/expected")
  cases=$((cases + 1))
  rm -rf "$data" "$dir/original"
  cp -a "$ref" "$data"
  cp -a "$data/$store/$file" "$dir/original"
  case "$kind" in
    flip) flip_bit "$data/$store/$file" "$6" "$7" ;;
    truncate) truncate -s $(( $(stat -c %s "$data/$store/$file") / 2 )) "$data/$store/$file" ;;
    rm) rm "$data/$store/$file" ;;
  esac
  local damaged
  damaged=$(listing "$data")
  local rc=0
  timeout 60 "$ansd" --dev $ANY_PORTS --data-dir "$data" --state-layout "$layout" --run-for-ms 600 \
    >"$dir/case.out" 2>"$dir/case.log" || rc=$?
  local log="$dir/case.log"
  if [ "$rc" -eq 124 ] || [ "$rc" -gt 128 ]; then
    fail "$name" "exit $rc (a hang or a signal)"; tail -5 "$log"; return
  fi
  local opened
  opened=$(state_line "$log" opening)
  if [ -n "$opened" ]; then
    # Whatever it opened with, every block it makes final is the block of its history.
    local height hash
    while read -r height hash; do
      if grep -q "^$height " "$dir/$layout/history" &&
         ! grep -qx "$height $hash" "$dir/$layout/history"; then
        fail "$name" "block $height became final as $hash, another block than before"; return
      fi
    done < <(finals "$log")
    if [ "$opened" != "$expected" ]; then
      fail "$name" "opened with another state: $opened, expected $expected"; return
    fi
    if [ "$rc" -eq 1 ]; then
      grep -q "node fault in the $store store" "$log" ||
        { fail "$name" "exit 1 without a node fault in the $store store"; tail -5 "$log"; }
    elif [ "$rc" -ne 0 ]; then
      fail "$name" "exit $rc after opening"; tail -5 "$log"
    fi
    echo "ok [$name]: opened with the same state, exit $rc"
    return
  fi
  [ "$rc" -eq 1 ] || { fail "$name" "refused with exit $rc"; tail -5 "$log"; return; }
  local named="ledger store|state store"
  [ "$store" = consensus ] && named="consensus store"
  grep -Eq "error.*($named)" "$log" ||
    { fail "$name" "the error does not name the $store store"; tail -5 "$log"; return; }
  # A missing file, or damage found before either store is opened, leaves every file as it was.
  if { [ "$kind" = rm ] || grep -q "nothing was changed" "$log"; } &&
     [ "$(listing "$data")" != "$damaged" ]; then
    fail "$name" "a refused start changed the files"; return
  fi
  # Nothing was lost: with the damaged file as it was, the node opens with the same state.
  cp -a "$dir/original" "$data/$store/$file"
  "$ansd" --dev $ANY_PORTS --data-dir "$data" --state-layout "$layout" --run-for-ms 1 >/dev/null \
    2>"$dir/undone.log" || true
  if [ "$(state_line "$dir/undone.log" opening)" != "$expected" ]; then
    fail "$name" "with the damage undone it does not open with the same state"
    tail -5 "$dir/undone.log"; return
  fi
  echo "ok [$name]: refused: $(grep -Eo "(error|critical)\] .*" "$log" | head -1 | cut -c1-150)"
}

for layout in memory leveldb; do
  mkdir -p "$dir/$layout"
  ref="$dir/$layout/ref"
  # Two runs: the second start turns the first run's logs into tables, and its run writes a
  # new log. The state at its stop is what every opening must find (or refuse).
  for run in 1 2; do
    "$ansd" --dev $ANY_PORTS --data-dir "$ref" --state-layout "$layout" --run-for-ms 2500 \
      >/dev/null 2>"$dir/$layout/run$run.log" ||
      { cat "$dir/$layout/run$run.log"; echo "FAIL: making the $layout store"; exit 1; }
  done
  state_line "$dir/$layout/run2.log" stopping >"$dir/$layout/expected"
  [ -s "$dir/$layout/expected" ] || { cat "$dir/$layout/run2.log"; echo "FAIL: no state line"; exit 1; }
  # The chain so far: each final block, and the head.
  { finals "$dir/$layout/run1.log" "$dir/$layout/run2.log"
    awk '{print $2, $3}' "$dir/$layout/expected"; } | sort -u >"$dir/$layout/history"
  for store in ledger consensus; do
    for ext in ldb log; do
      mapfile -t files < <(cd "$ref/$store" && find . -name "*.$ext" -size +0 -printf '%f\n' | sort)
      [ "${#files[@]}" -gt 0 ] || { echo "FAIL: no .$ext file in the $layout $store store"; exit 1; }
      for _ in $(seq 1 "$per_kind"); do
        next_random
        file=${files[$((random % ${#files[@]}))]}
        size=$(stat -c %s "$ref/$store/$file")
        next_random
        offset=$((random % size))
        bit=$(( (random >> 8) % 8 ))
        run_case "$layout" "$layout $store $file bit $bit at $offset of $size" "$store" flip "$file" \
          "$offset" "$bit"
      done
    done
    # The high byte of the length of the log's first record.
    log=$(cd "$ref/$store" && find . -name '*.log' -size +0 -printf '%f\n' | sort | tail -1)
    run_case "$layout" "$layout $store $log first record length" "$store" flip "$log" 5 6
    table=$(cd "$ref/$store" && find . -name '*.ldb' -printf '%f\n' | sort | head -1)
    run_case "$layout" "$layout $store $table truncated" "$store" truncate "$table"
    run_case "$layout" "$layout $store CURRENT missing" "$store" rm CURRENT
    manifest=$(cat "$ref/$store/CURRENT")
    run_case "$layout" "$layout $store $manifest missing" "$store" rm "$manifest"
  done
done
echo "$cases cases, $failures failed (seed $seed)"
[ "$failures" -eq 0 ] && echo PASS
