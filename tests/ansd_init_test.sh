#!/usr/bin/env bash
# `ansd init` makes a private data directory with the node's keys and a commented config that
# `ansd config check` resolves; it overwrites nothing; and a config with a bad key or value
# fails with exit 1 naming it (docs/operator.md, "ansd init", "Configuration").
#   tests/ansd_init_test.sh ANSD ANS
set -u
ANSD="$1"
ANS="$2"
source "$(dirname "$0")/cli_expect.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mode_of() { stat -c %a "$1"; }
# The compressed public key of a key file's secret, as `ans id derive` computes it.
public_key_of() {
  "$ANS" id derive --secret "$(cat "$1")" --json | sed -n 's/.*"public_key":"\([0-9a-f]*\)".*/\1/p'
}

n="$tmp/n"
out=$("$ANSD" init --data-dir "$n" --validator 2>&1)
rc=$?
check "init --validator exits 0 ($out)" [ "$rc" -eq 0 ]
for f in node.key validator.key config.toml; do
  check "init wrote $f" [ -f "$n/$f" ]
  check "$f has mode 600" [ "$(mode_of "$n/$f")" = 600 ]
done
check "the data directory has mode 700" [ "$(mode_of "$n")" = 700 ]
check "node.key is 64 hex digits" grep -qxE '[0-9a-f]{64}' "$n/node.key"
check "validator.key is 64 hex digits" grep -qxE '[0-9a-f]{64}' "$n/validator.key"
check "two different keys" [ "$(cat "$n/node.key")" != "$(cat "$n/validator.key")" ]
check "init prints the node's public key" grep -qF "node public key:      $(public_key_of "$n/node.key")" <<<"$out"
check "init prints the validator's public key" \
  grep -qF "validator public key: $(public_key_of "$n/validator.key")" <<<"$out"
check "the config sets data_dir" grep -qxF "data_dir = \"$n\"" "$n/config.toml"
check "the config sets sp_key" grep -qxF "sp_key = \"$n/validator.key\"" "$n/config.toml"
check "the config lists max_inbound commented out" grep -qxF "# max_inbound = 40" "$n/config.toml"

# The generated config resolves, from --config or as the data directory's config.toml.
expect_contains "config check --config" "sp_key = \"$n/validator.key\"" \
  "$ANSD" config check --config "$n/config.toml"
expect_contains "config check finds DATA_DIR/config.toml" "node_key = \"$n/node.key\"" \
  "$ANSD" --data-dir "$n" config check
expect_contains "a flag overrides the file" 'grpc_listen = "127.0.0.1:19770"' \
  "$ANSD" config check --config "$n/config.toml" --grpc-listen 127.0.0.1:19770
json=$("$ANSD" config check --config "$n/config.toml" --json 2>/dev/null)
check "config check --json prints JSON" python3 -c '
import json, sys
config = json.loads(sys.argv[1])
assert config["node"]["sp_key"] == sys.argv[2] + "/validator.key", config
assert config["p2p"]["max_inbound"] == 40, config' "$json" "$n"

# Nothing is overwritten: a second init fails and leaves the files as they were.
before=$(cat "$n/node.key" "$n/validator.key" "$n/config.toml" | sha256sum)
expect_fail_with "init refuses an existing node.key" "$n/node.key already exists" \
  "$ANSD" init --data-dir "$n" --validator
check "the files are unchanged" [ "$(cat "$n/node.key" "$n/validator.key" "$n/config.toml" | sha256sum)" = "$before" ]
mkdir "$tmp/m" && touch "$tmp/m/config.toml"
expect_fail_with "init refuses an existing config.toml" "$tmp/m/config.toml already exists" \
  "$ANSD" init --data-dir "$tmp/m"
check "and writes no key beside it" [ ! -e "$tmp/m/node.key" ]

# A bad key or value in the file: exit 1, the file and the key named.
sed 's/^# max_inbound = 40$/max_inbund = 40/' "$n/config.toml" >"$tmp/typo.toml"
expect_fail_with "an unknown key is named" "$tmp/typo.toml: unknown key p2p.max_inbund (did you mean 'max_inbound'?)" \
  "$ANSD" config check --config "$tmp/typo.toml"
sed 's/^# max_inbound = 40$/max_inbound = "many"/' "$n/config.toml" >"$tmp/bad.toml"
expect_fail_with "a bad value is named" \
  "$tmp/bad.toml: p2p.max_inbound: expected an integer 0..10000, got \"many\"" \
  "$ANSD" config check --config "$tmp/bad.toml"
expect_fail_with "a bad value as JSON" '"error":"invalid argument"' \
  "$ANSD" config check --config "$tmp/bad.toml" --json
expect_fail_with "a missing config file" "$tmp/missing.toml: no such file" \
  "$ANSD" config check --config "$tmp/missing.toml"
expect_exit_with "a malformed flag is a usage error" 2 "--p2p-listen: expected host:port" \
  "$ANSD" config check --p2p-listen nowhere
expect_exit_with "--dev takes no config file" 2 "--config" "$ANSD" --dev --config "$n/config.toml"

# --genesis: checked, then set; the top-level --data-dir is init's too.
"$ANSD" genesis testnet --sps 1 --out "$tmp/t" >/dev/null || { echo "FAIL: genesis testnet"; exit 1; }
expect_contains "init --genesis prints the chain id" "chain id $("$ANSD" genesis chain-id "$tmp/t/genesis.json")" \
  "$ANSD" --data-dir "$tmp/g" init --genesis "$tmp/t/genesis.json"
expect_contains "the config names the genesis" "genesis = \"$tmp/t/genesis.json\"" \
  "$ANSD" config check --config "$tmp/g/config.toml"
check "without --validator there is no validator.key" [ ! -e "$tmp/g/validator.key" ]
expect_fail_with "init refuses a missing genesis" "$tmp/none.json" \
  "$ANSD" init --data-dir "$tmp/h" --genesis "$tmp/none.json"
check "and makes no directory" [ ! -e "$tmp/h" ]

expect_summary
