#!/usr/bin/env bash
# Runs the real `ans key` commands on a keystore in a temporary directory: new, import (from
# a file and from stdin), list, show, export, default; passphrases from ANS_PASSPHRASE and
# --passphrase-file; --json output field by field; wrong passphrases, bad names, file modes.
#   tests/wallet/key_cli_test.sh ANS_BINARY
set -u
ANS="$1"
source "$(dirname "$0")/../cli_expect.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset ANS_PASSPHRASE ANS_HOME
export ANS_KEYSTORE="$tmp/keys"
export ANS_SCRYPT_N=1024  # test-only: the cheapest scrypt cost the keystore allows

ONE=0000000000000000000000000000000000000000000000000000000000000001
TWO=0000000000000000000000000000000000000000000000000000000000000002
ADDR_ONE=0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf
ADDR_TWO=0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF

# The value of a Python expression over the JSON object `d` parsed from $1.
field() { python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }
expect_field() {  # expect_field "description" JSON EXPR WANT
  local got
  got=$(field "$2" "$3" 2>&1)
  if [ "$got" != "$4" ]; then
    echo "FAIL: $1: $3"; echo "  want: $4"; echo "  got:  $got"; echo "  json: $2"
    failures=$((failures+1))
  else
    pass=$((pass+1))
  fi
}

printf 'file words\nignored second line\n' > "$tmp/pass"
printf '%s\n' "$ONE" > "$tmp/secret-one"

# key new: the first key is "main" and the default.
expect_contains "new main" "created key 'main'" env ANS_PASSPHRASE=env-words "$ANS" key new
expect_contains "new main is the default" "name:       main (default)" "$ANS" key show
out=$("$ANS" key new spare --passphrase-file "$tmp/pass" --json)
check "new --json exits 0" [ $? -eq 0 ]
expect_field "new --json" "$out" 'd["ok"]' True
expect_field "new --json" "$out" 'd["name"]' spare
expect_field "new --json" "$out" 'd["default"]' False
expect_field "new --json" "$out" 'd["keystore"]' "$tmp/keys"
expect_field "new --json" "$out" 'd["address"].startswith("0x") and len(d["address"])' 42
expect_field "new --json" "$out" 'd["id"] == d["address"]' True
expect_field "new --json" "$out" 'len(d["public_key"])' 66
spare_addr=$(field "$out" 'd["address"]')

# key import: from a file, and from stdin with "-".
expect_contains "import from a file" "address:    $ADDR_ONE" \
  env ANS_PASSPHRASE=one-words "$ANS" key import one --secret-file "$tmp/secret-one"
out=$(printf '  %s \n' "$TWO" | ANS_PASSPHRASE=two-words "$ANS" key import two --secret-file - --json)
expect_field "import from stdin" "$out" 'd["address"]' "$ADDR_TWO"
expect_field "import from stdin" "$out" 'd["id"]' "$ADDR_TWO"
expect_exit_with "the secret is never an argv value" 2 "--secret" \
  "$ANS" key import three --secret "$ONE"
expect_fail_with "import of a bad secret" "secret-bad" \
  sh -c 'echo 00 > "$1/secret-bad" && ANS_PASSPHRASE=x "$0" key import bad --secret-file "$1/secret-bad"' \
  "$ANS" "$tmp"

# key list: aligned columns, the default marked.
list=$("$ANS" key list)
expect_out "list" "NAME   ADDRESS                                     DEFAULT
main   $(field "$("$ANS" key show main --json)" 'd["address"]')  *
one    $ADDR_ONE
spare  $spare_addr
two    $ADDR_TWO" printf '%s' "$list"
out=$("$ANS" key list --json)
expect_field "list --json" "$out" '[k["name"] for k in d["keys"]]' "['main', 'one', 'spare', 'two']"
expect_field "list --json" "$out" '[k["default"] for k in d["keys"]]' "[True, False, False, False]"
expect_field "list --json" "$out" 'd["keys"][1]["address"]' "$ADDR_ONE"

# key show: the account address and the DIMP ID (the bare ETH-style address).
expect_contains "show names the id" "id:         $ADDR_ONE" "$ANS" key show one
expect_contains "show matches id derive" "$("$ANS" id derive --secret $ONE --type eth)" "$ANS" key show one
out=$("$ANS" key show two --json)
expect_field "show --json" "$out" 'd["ok"]' True
expect_field "show --json" "$out" 'd["name"]' two
expect_field "show --json" "$out" 'd["public_key"]' \
  02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5

# key export: the secret on stdout, a warning on stderr.
secret=$(ANS_PASSPHRASE=one-words "$ANS" key export one 2>"$tmp/stderr")
check "export prints the secret" [ "$secret" = "$ONE" ]
check "export warns on stderr" grep -q "warning: this is the secret key of 'one'" "$tmp/stderr"
secret=$("$ANS" key export spare --passphrase-file "$tmp/pass" 2>/dev/null)
check "export with --passphrase-file" [ ${#secret} -eq 64 ]
out=$(ANS_PASSPHRASE=two-words "$ANS" key export two --json 2>/dev/null)
expect_field "export --json" "$out" 'd["secret"]' "$TWO"
expect_field "export --json" "$out" 'd["address"]' "$ADDR_TWO"
# --passphrase-file comes before ANS_PASSPHRASE.
expect_contains "file before env" "$secret" \
  env ANS_PASSPHRASE=not-these-words "$ANS" key export spare --passphrase-file "$tmp/pass"

# The file format as docs/wallet.md states it, read by an independent implementation (Python's
# scrypt and AES-GCM), where python3-cryptography is installed.
if python3 -c 'import cryptography.hazmat.primitives.ciphers.aead' 2>/dev/null; then
  got=$(python3 - "$tmp/keys/one.json" one-words <<'PY'
import hashlib, json, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
d = json.load(open(sys.argv[1]))
k = d["kdf"]
key = hashlib.scrypt(sys.argv[2].encode(), salt=bytes.fromhex(k["salt"]), n=k["n"], r=k["r"],
                     p=k["p"], maxmem=2**31 - 1, dklen=32)
header = {f: d[f] for f in ("version", "name", "address", "public_key", "kdf")}
aad = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
c = d["cipher"]
print(AESGCM(key).decrypt(bytes.fromhex(c["iv"]),
                          bytes.fromhex(d["ciphertext"]) + bytes.fromhex(c["tag"]), aad).hex())
PY
)
  check "python reads the key file as documented" [ "$got" = "$ONE" ]
else
  echo "note: python3-cryptography missing; the independent read of the file format is skipped"
fi

# A wrong passphrase: exit 1 and a clear message.
expect_fail_with "wrong passphrase" "wrong passphrase for key 'one'" \
  env ANS_PASSPHRASE=nope "$ANS" key export one
expect_fail_with "wrong passphrase file" "wrong passphrase for key 'main'" \
  "$ANS" key export main --passphrase-file "$tmp/pass"
out=$(ANS_PASSPHRASE=nope "$ANS" key export one --json 2>/dev/null)
check "wrong passphrase --json exits 1" [ $? -eq 1 ]
expect_field "wrong passphrase --json" "$out" 'd["ok"]' False
expect_field "wrong passphrase --json" "$out" 'd["error"]' "invalid argument"
expect_field "wrong passphrase --json" "$out" 'd["message"]' "wrong passphrase for key 'one'"

# key default.
expect_out "default" "default key: one" "$ANS" key default one
expect_contains "show takes the new default" "name:       one (default)" "$ANS" key show
out=$("$ANS" key default two --json)
expect_field "default --json" "$out" 'd["default"]' two
expect_fail_with "default of a missing key" "no key named 'ghost'" "$ANS" key default ghost

# Modes: the directory 0700, every file 0600, whatever the umask.
check "keystore dir is 0700" [ "$(stat -c %a "$tmp/keys")" = 700 ]
for f in "$tmp"/keys/*; do
  check "$f is 0600" [ "$(stat -c %a "$f")" = 600 ]
done
(umask 000; ANS_PASSPHRASE=x "$ANS" key new loose --keystore "$tmp/loose" >/dev/null)
check "0600 under umask 000" [ "$(stat -c %a "$tmp/loose/loose.json")" = 600 ]
check "0700 under umask 000" [ "$(stat -c %a "$tmp/loose")" = 700 ]

# Bad input.
before=$(cat "$tmp/keys/one.json")
expect_fail_with "existing name" "a key named 'one' already exists" \
  env ANS_PASSPHRASE=x "$ANS" key import one --secret-file "$tmp/secret-one"
check "the existing key file is kept" [ "$(cat "$tmp/keys/one.json")" = "$before" ]
expect_fail_with "bad name" "bad key name 'Main'" env ANS_PASSPHRASE=x "$ANS" key new Main
out=$(ANS_PASSPHRASE=x "$ANS" key new 'a b' --json)
expect_field "bad name --json" "$out" 'd["error"]' "invalid argument"
expect_fail_with "missing key" "no key named 'ghost'" "$ANS" key show ghost
expect_fail_with "no default yet" "no default key in $tmp/empty" "$ANS" key show --keystore "$tmp/empty"
expect_contains "empty list" "no keys in $tmp/empty" "$ANS" key list --keystore "$tmp/empty"
printf '\n' > "$tmp/empty-pass"
expect_fail_with "empty passphrase" "empty passphrase" \
  "$ANS" key new x --passphrase-file "$tmp/empty-pass"
expect_fail_with "missing passphrase file" "$tmp/absent" \
  "$ANS" key new x --passphrase-file "$tmp/absent"
expect_fail_with "bad ANS_SCRYPT_N" "ANS_SCRYPT_N" env ANS_SCRYPT_N=1000 ANS_PASSPHRASE=x "$ANS" key new x
if command -v setsid >/dev/null; then
  expect_fail_with "no passphrase and no terminal" "no terminal to ask on" \
    setsid -w "$ANS" key new x </dev/null
fi

# Damaged files: a changed header fails like a wrong passphrase; a file of another version
# is named.
python3 - "$tmp/keys/two.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["kdf"]["n"] = 2048; json.dump(d, open(sys.argv[1], "w"))
PY
expect_fail_with "changed header" "wrong passphrase for key 'two'" \
  env ANS_PASSPHRASE=two-words "$ANS" key export two
python3 - "$tmp/keys/two.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["version"] = 9; json.dump(d, open(sys.argv[1], "w"))
PY
expect_fail_with "unknown version" "$tmp/keys/two.json: key file version 9 is not supported" \
  "$ANS" key list
# A temporary file left by an interrupted write is not a key.
rm "$tmp/keys/two.json"
printf '{"version":1,"na' > "$tmp/keys/.spare.json.tmp-Xa1b2c"
out=$("$ANS" key list --json)
expect_field "leftover temp file ignored" "$out" '[k["name"] for k in d["keys"]]' "['main', 'one', 'spare']"

expect_summary
