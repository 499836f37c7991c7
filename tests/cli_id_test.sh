#!/usr/bin/env bash
# Runs the real `ans` binary against the acceptance vectors of the identity commands.
set -u
ANS="$1"
source "$(dirname "$0")/cli_expect.sh"

ONE=0000000000000000000000000000000000000000000000000000000000000001

expect_out "btc uncompressed key 1" "1EHNa6Q4Jz2uvNExL497mE43ikXhwF6kZm" \
  "$ANS" id derive --secret $ONE --type btc --net 0x00 --uncompressed
expect_out "eth key 1" "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf" \
  "$ANS" id derive --secret $ONE --type eth
expect_out "btc compressed key 1" "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH" \
  "$ANS" id derive --secret $ONE
expect_out "json derive" '{"address":"0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf","network":"0x00","ok":true,"public_key":"0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798","type":"eth"}' \
  "$ANS" id derive --secret $ONE --type eth --json

expect_contains "check legacy main" "network:  0x08 (main (legacy))" \
  "$ANS" id check moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ
expect_contains "check json" '"network":"0x08"' \
  "$ANS" id check --json moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ
expect_contains "check json name" '"name":"moky"' \
  "$ANS" id check --json moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ
expect_contains "check broadcast" "type:     broadcast" "$ANS" id check anyone@anywhere
# Any valid name at anywhere/everywhere is a broadcast ID (spec section 1), as DIMP uses them.
expect_contains "broadcast service name" "broadcast: any one member" \
  "$ANS" id check assistant@anywhere
expect_contains "broadcast to a group" "broadcast: every member" "$ANS" id check gsp@everywhere
expect_contains "broadcast json" '"broadcast":true' "$ANS" id check --json archivist@anywhere/web
expect_contains "plain ID is no broadcast" '"broadcast":false' \
  "$ANS" id check --json moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ
expect_fail_with "bare broadcast address" "needs a name" "$ANS" id check everywhere
expect_fail_with "broadcast name too short" "bad name" "$ANS" id check b@anywhere

expect_fail_with "one changed character names the checksum" "checksum" \
  "$ANS" id check moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgR
expect_fail_with "json error" '"error":"bad checksum"' \
  "$ANS" id check --json moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgR
expect_fail_with "bad alphabet" "bad alphabet" "$ANS" id check moky@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUg0
expect_fail_with "bad name" "bad name" "$ANS" id check "m@4DnqXWdTV8wuZgfqSCX9GjE2kNq7HJrUgQ"
expect_fail_with "bad length" "bad length" "$ANS" id check "moky@4Dnq"
expect_fail_with "eip55 checksum" "checksum" "$ANS" id check "0x7E5F4552091A69125d5DfCb7b8C2659029395BdF"
expect_fail_with "unknown network" "unknown type" "$ANS" id derive --secret $ONE --net 0x42
expect_fail_with "bad secret" "private key" "$ANS" id derive --secret 00
expect_fail_with "zero secret" "non-zero" "$ANS" id derive --secret 0000000000000000000000000000000000000000000000000000000000000000
expect_fail_with "bad --net" "--net" "$ANS" id derive --secret $ONE --net zz

# Usage errors exit 2 and name what was wrong.
expect_exit_with "missing --secret" 2 "--secret" "$ANS" id derive
expect_exit_with "unknown command" 2 "unknown command 'bogus'" "$ANS" bogus
expect_exit_with "unknown id command" 2 "unknown command 'bogus' for 'id'" "$ANS" id bogus
expect_exit_with "unknown option" 2 "--bogus" "$ANS" id derive --secret $ONE --bogus
expect_exit_with "bad --type" 2 "not in" "$ANS" id derive --secret $ONE --type sideways
expect_exit_with "help names the exit codes" 0 "2 a usage error" "$ANS" --help
# Control bytes of a bad input are escaped, not echoed to the terminal.
expect_exit_with "escaped ID" 1 'abc\x1b[2J' "$ANS" id check $'abc\x1b[2Jx@y'
expect_exit_with "escaped option value" 2 '\x1b[31m' "$ANS" id derive --secret $ONE --type $'\x1b[31m'
if "$ANS" id check $'abc\x1b[2Jx@y' 2>&1 | grep -q $'\x1b'; then
  echo "FAIL: a raw control byte reached the terminal"; failures=$((failures+1)); else pass=$((pass+1)); fi
# Output that cannot be written is an error.
expect_exit_with "write to a full disk" 1 "cannot write output" \
  sh -c '"$0" id derive --secret "$1" >/dev/full' "$ANS" $ONE

expect_summary
