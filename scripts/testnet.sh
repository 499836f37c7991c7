#!/usr/bin/env bash
# A local multi-node ANS network on loopback (docs/operator.md, "A local testnet").
#
#   scripts/testnet.sh up N [--dir DIR] [--base-port P] [--block-interval-ms MS]
#                           [--epoch-blocks N] [--timeout S]
#   scripts/testnet.sh down [--dir DIR]
#   scripts/testnet.sh status [--dir DIR]
#   scripts/testnet.sh start I [--dir DIR] [--timeout S]   # node I again, same data
#   scripts/testnet.sh stop I [--dir DIR]
#   scripts/testnet.sh join [--dir DIR] [--peers I,J,...] [--timeout S]  # one more, non-validating node
#
# `up` writes an N-SP genesis with `ansd genesis testnet` (once: a second `up` on the same
# DIR continues that chain), starts one validator per SP, and waits until blocks are final
# on every node. Node i lives in DIR/node<i>/: its keys, data/ (its stores), ansd.log and
# ansd.pid. Its ports are P + 10*i + {0: P2P, 1: gRPC, 2: HTTP, 3: admin}; each validator
# dials all the others. `join` adds node N, N+1, ... without keys, dialing the nodes named
# by --peers (default: every validator). `down` stops every node with SIGTERM and waits;
# the data stays (delete DIR for a new chain).
#
# Defaults: DIR ./ans-testnet, P 19700, the spec's 1000 ms blocks and 600-block epochs,
# --timeout 120 s. ansd is $ANSD, else build/node/ansd (built first if missing).
# Exit status: 0 done, 1 failed (the reason and the end of the node's log are printed),
# 2 usage.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"

usage() {
  sed -n '4,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
die() { echo "testnet.sh: $*" >&2; exit 1; }

[ $# -ge 1 ] || usage
command="$1"
shift
case "$command" in up|down|status|start|stop|join) ;; *) usage ;; esac

# ---- options
dir="$PWD/ans-testnet"
base_port=""
interval=""
epoch=""
timeout_s=120
count=""
peers_arg=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="${2:?--dir needs a value}"; shift 2 ;;
    --base-port) base_port="${2:?--base-port needs a value}"; shift 2 ;;
    --block-interval-ms) interval="${2:?--block-interval-ms needs a value}"; shift 2 ;;
    --epoch-blocks) epoch="${2:?--epoch-blocks needs a value}"; shift 2 ;;
    --timeout) timeout_s="${2:?--timeout needs a value}"; shift 2 ;;
    --peers) peers_arg="${2:?--peers needs a value}"; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "testnet.sh: unknown option $1" >&2; usage ;;
    *) [ -z "$count" ] || usage; count="$1"; shift ;;
  esac
done
is_number() { [[ "$1" =~ ^[0-9]+$ ]]; }
for value in "$base_port" "$interval" "$epoch" "$timeout_s" "$count"; do
  [ -z "$value" ] || is_number "$value" || die "not a whole number: $value"
done
[ "$command" != up ] || mkdir -p "$dir"
[ -d "$dir" ] || die "no testnet in $dir"
dir="$(cd "$dir" && pwd)"
conf="$dir/testnet.conf"  # validators=N and base_port=P, written by `up`

ansd="${ANSD:-$root/build/node/ansd}"
ans_cli="$(dirname "$ansd")/ans"

# ---- the layout of node i
node_dir() { echo "$dir/node$1"; }
port() { echo $((base_port + 10 * $1 + $2)); }  # port I 0..3: P2P, gRPC, HTTP, admin
pid_of() {
  # The pid in the node's pid file if that process is still this node's ansd, else nothing.
  local file pid command_line
  file="$(node_dir "$1")/ansd.pid"
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  command_line="$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" || true)"
  if [[ "$command_line" == *"--data-dir $(node_dir "$1")/data "* ]]; then
    echo "$pid"
  fi
}
# Nodes 0 .. known-1 exist; the first `validators` of them have keys.
load_conf() {
  [ -f "$conf" ] || die "no testnet in $dir (run: scripts/testnet.sh up N --dir $dir)"
  validators="$(sed -n 's/^validators=//p' "$conf")"
  [ -n "$base_port" ] || base_port="$(sed -n 's/^base_port=//p' "$conf")"
  known=0
  while [ -d "$(node_dir "$known")" ]; do known=$((known + 1)); done
}
# One value of the node's /metrics (the sum over its labels), or nothing if it does not answer.
metric() {
  { curl -fsS --max-time 2 "http://127.0.0.1:$(port "$1" 2)/metrics" 2>/dev/null || true; } |
    awk -v name="$2" '$1 == name || index($1, name "{") == 1 { sum += $2; found = 1 }
                      END { if (found) print sum }'
}
# Whether the process exists and has not exited (a zombie has).
running() {
  kill -0 "$1" 2>/dev/null && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]
}
log_tail() {
  echo "---- last lines of $(node_dir "$1")/ansd.log" >&2
  tail -n 20 "$(node_dir "$1")/ansd.log" >&2 || true
}

ensure_ansd() {
  [ -x "$ansd" ] && return 0
  [ -z "${ANSD:-}" ] || die "ANSD=$ANSD is not an executable"
  echo "testnet.sh: building ansd and ans (scripts/build.sh)" >&2
  (cd "$root" && flock /tmp/ans-build.lock scripts/build.sh default ansd ans) >&2
}

# Starts node i in the background; `peers` is a comma-separated list of node indices.
start_node() {
  local i="$1" peers="$2" d addresses="" j
  d="$(node_dir "$i")"
  [ -z "$(pid_of "$i")" ] || die "node$i is already running (pid $(pid_of "$i"))"
  for j in 0 1 2 3; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$(port "$i" "$j")") 2>/dev/null; then
      die "port $(port "$i" "$j") of node$i is in use (choose another --base-port)"
    fi
  done
  for j in ${peers//,/ }; do
    [ "$j" = "$i" ] || addresses+="${addresses:+,}127.0.0.1:$(port "$j" 0)"
  done
  local args=(--genesis "$dir/genesis.json" --data-dir "$d/data"
              --p2p-listen "127.0.0.1:$(port "$i" 0)" --grpc-listen "127.0.0.1:$(port "$i" 1)"
              --http-listen "127.0.0.1:$(port "$i" 2)" --admin-listen "127.0.0.1:$(port "$i" 3)")
  [ -z "$addresses" ] || args+=(--peers "$addresses")
  [ ! -f "$d/validator.key" ] || args+=(--sp-key "$d/validator.key")
  echo "==== $(date -u +%FT%TZ) testnet.sh starts node$i" >>"$d/ansd.log"
  # Its own session, so that a Ctrl-C meant for this script does not reach the node.
  setsid "$ansd" "${args[@]}" >>"$d/ansd.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$d/ansd.pid"
  # Until the background shell has exec'd ansd, pid_of would not recognize it.
  while running "$pid" && [ -z "$(pid_of "$i")" ]; do sleep 0.05; done
}

# Waits until each named node answers and its final height has moved past the first one it
# reported: blocks are being finalized there, now.
wait_final() {
  local deadline=$((SECONDS + timeout_s)) i first final pending
  declare -A start_height=()
  while :; do
    pending=""
    for i in "$@"; do
      if [ -z "$(pid_of "$i")" ]; then
        log_tail "$i"
        die "node$i exited (see $(node_dir "$i")/ansd.log)"
      fi
      final="$(metric "$i" ans_final_height)"
      first="${start_height[$i]:-}"
      if [ -z "$final" ]; then
        pending+=" node$i"
      elif [ -z "$first" ]; then
        start_height[$i]="$final"
        pending+=" node$i"
      elif [ "$final" -le "$first" ]; then
        pending+=" node$i"
      fi
    done
    [ -n "$pending" ] || return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      for i in $pending; do log_tail "${i#node}"; done
      die "no block became final within $timeout_s s on:$pending"
    fi
    sleep 0.5
  done
}

describe() {
  local i="$1" role="observer"
  [ ! -f "$(node_dir "$i")/validator.key" ] || role="validator"
  local http="http://127.0.0.1:$(port "$i" 2)"
  echo "node$i ($role, pid $(pid_of "$i"))"
  echo "  P2P       127.0.0.1:$(port "$i" 0)"
  echo "  gRPC      127.0.0.1:$(port "$i" 1)    e.g. $ans_cli info --node 127.0.0.1:$(port "$i" 1)"
  echo "  HTTP      $http/v1/info    metrics $http/metrics"
  echo "  explorer  $http/"
  echo "  admin     127.0.0.1:$(port "$i" 3)"
  echo "  log       $(node_dir "$i")/ansd.log"
}

stop_pids() {
  # SIGTERM to each "i:pid", then up to 60 s for them all; SIGKILL for any still running.
  local entry deadline=$((SECONDS + 60)) left
  for entry in "$@"; do kill -TERM "${entry#*:}" 2>/dev/null || true; done
  while :; do
    left=()
    for entry in "$@"; do
      if running "${entry#*:}"; then
        left+=("$entry")
      fi
    done
    [ ${#left[@]} -gt 0 ] || break
    if [ "$SECONDS" -ge "$deadline" ]; then
      for entry in "${left[@]}"; do
        echo "testnet.sh: node${entry%%:*} did not stop within 60 s; killing it" >&2
        kill -KILL "${entry#*:}" 2>/dev/null || true
      done
      break
    fi
    sleep 0.2
  done
  for entry in "$@"; do rm -f "$(node_dir "${entry%%:*}")/ansd.pid"; done
}

case "$command" in
  up)
    [ -n "$count" ] && [ "$count" -ge 1 ] || usage
    [ -n "$base_port" ] || base_port="$(sed -n 's/^base_port=//p' "$conf" 2>/dev/null)"
    [ -n "$base_port" ] || base_port=19700
    ensure_ansd
    if [ -f "$dir/genesis.json" ]; then
      load_conf
      [ "$validators" = "$count" ] || die "$dir holds a testnet of $validators validators, not $count"
      [ -z "$interval$epoch" ] || die "$dir/genesis.json exists: its block interval and epoch are fixed"
      echo "testnet.sh: continuing the chain in $dir"
    else
      timing=()
      [ -z "$interval" ] || timing+=(--block-interval-ms "$interval")
      [ -z "$epoch" ] || timing+=(--epoch-blocks "$epoch")
      "$ansd" genesis testnet --sps "$count" --out "$dir" "${timing[@]}"
    fi
    [ $((base_port + 10 * (count - 1) + 3)) -le 65535 ] || die "--base-port $base_port leaves no room for $count nodes"
    printf 'validators=%s\nbase_port=%s\n' "$count" "$base_port" >"$conf"
    load_conf
    all="$(seq -s, 0 $((count - 1)))"
    for ((i = 0; i < known; i++)); do
      if [ "$i" -lt "$count" ]; then start_node "$i" "$all"; else start_node "$i" "$(cat "$(node_dir "$i")/peers")"; fi
    done
    wait_final $(seq 0 $((known - 1)))
    echo "testnet.sh: $count validators finalizing blocks (genesis $dir/genesis.json)"
    for ((i = 0; i < known; i++)); do describe "$i"; done
    echo "funded accounts: the SP owners' keys, e.g."
    echo "  $ans_cli key import owner0 --secret-file $dir/node0/owner.key"
    echo "stop with: scripts/testnet.sh down --dir $dir"
    ;;
  start)
    [ -n "$count" ] || usage
    load_conf
    i="$count"
    [ "$i" -lt "$known" ] || die "there is no node$i in $dir"
    ensure_ansd
    if [ "$i" -lt "$validators" ]; then start_node "$i" "$(seq -s, 0 $((validators - 1)))"
    else start_node "$i" "$(cat "$(node_dir "$i")/peers")"; fi
    wait_final "$i"
    describe "$i"
    ;;
  join)
    [ -z "$count" ] || usage
    load_conf
    i="$known"
    peers="${peers_arg:-$(seq -s, 0 $((validators - 1)))}"
    for j in ${peers//,/ }; do
      is_number "$j" && [ "$j" -lt "$known" ] || die "--peers: there is no node$j"
    done
    [ $((base_port + 10 * i + 3)) -le 65535 ] || die "no ports left for node$i"
    ensure_ansd
    mkdir -p "$(node_dir "$i")"
    echo "$peers" >"$(node_dir "$i")/peers"
    start_node "$i" "$peers"
    wait_final "$i"
    describe "$i"
    ;;
  stop)
    [ -n "$count" ] || usage
    load_conf
    pid="$(pid_of "$count")"
    [ -n "$pid" ] || die "node$count is not running"
    stop_pids "$count:$pid"
    ;;
  down)
    [ -z "$count" ] || usage
    load_conf
    running=()
    for ((i = 0; i < known; i++)); do
      pid="$(pid_of "$i")"
      if [ -n "$pid" ]; then running+=("$i:$pid"); else rm -f "$(node_dir "$i")/ansd.pid"; fi
    done
    [ ${#running[@]} -eq 0 ] || stop_pids "${running[@]}"
    echo "testnet.sh: stopped ${#running[@]} node(s); the data stays in $dir"
    ;;
  status)
    [ -z "$count" ] || usage
    load_conf
    down=0
    printf '%-7s %-9s %-8s %8s %8s %6s %s\n' node role pid head final peers syncing
    for ((i = 0; i < known; i++)); do
      role="observer"
      [ ! -f "$(node_dir "$i")/validator.key" ] || role="validator"
      pid="$(pid_of "$i")"
      if [ -z "$pid" ]; then
        printf '%-7s %-9s %-8s\n' "node$i" "$role" "stopped"
        down=$((down + 1))
        continue
      fi
      printf '%-7s %-9s %-8s %8s %8s %6s %s\n' "node$i" "$role" "$pid" \
        "$(metric "$i" ans_head_height)" "$(metric "$i" ans_final_height)" \
        "$(metric "$i" ans_p2p_peers)" "$(metric "$i" ans_sync_active)"
    done
    [ "$down" -eq 0 ]
    ;;
  *) usage ;;
esac
