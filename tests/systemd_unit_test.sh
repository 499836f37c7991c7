#!/usr/bin/env bash
# node/systemd/ansd.service: key=value lines in [Unit], [Service] and [Install], with the
# options docs/operator.md ("Running under systemd") says a validator runs with; and, where
# systemd-analyze is installed, `systemd-analyze verify` finds nothing to say about it (run on
# a copy whose ExecStart is the built ansd, since verify checks that the binary exists).
#   tests/systemd_unit_test.sh UNIT ANSD
set -u
UNIT="$1"
ANSD=$(realpath "$2")
source "$(dirname "$0")/cli_expect.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Every line is blank, a comment, a [Section] or Key=Value; prints "Section.Key=Value" lines.
section=""
bad=0
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in
    "" | "#"*) ;;
    "["*"]") section="${line:1:${#line}-2}" ;;
    *=*)
      key="${line%%=*}"
      [[ "$key" =~ ^[A-Za-z][A-Za-z0-9]*$ ]] && [ -n "$section" ] || { echo "bad line: $line"; bad=1; }
      echo "$section.$line" >>"$tmp/keys"
      ;;
    *) echo "bad line: $line"; bad=1 ;;
  esac
done <"$UNIT"
check "every line is a section, a key=value or a comment" [ "$bad" -eq 0 ]
check "the sections are Unit, Service and Install" \
  [ "$(cut -d. -f1 "$tmp/keys" | sort -u | tr '\n' ' ')" = "Install Service Unit " ]

expect_key() {  # expect_key Section.Key=Value: the unit has that line
  check "$1" grep -qxF -- "$1" "$tmp/keys"
}
for want in \
  "Service.User=ans" \
  "Service.StateDirectory=ans" \
  "Service.ExecStart=/usr/local/bin/ansd --config /var/lib/ans/config.toml" \
  "Service.Restart=on-failure" \
  "Service.KillSignal=SIGTERM" \
  "Service.NoNewPrivileges=yes" \
  "Service.CapabilityBoundingSet=" \
  "Service.ProtectSystem=strict" \
  "Service.ProtectHome=yes" \
  "Service.PrivateTmp=yes" \
  "Service.PrivateDevices=yes" \
  "Service.ProtectKernelTunables=yes" \
  "Service.ProtectKernelModules=yes" \
  "Service.ProtectKernelLogs=yes" \
  "Service.ProtectControlGroups=yes" \
  "Service.RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" \
  "Service.RestrictNamespaces=yes" \
  "Service.LockPersonality=yes" \
  "Service.MemoryDenyWriteExecute=yes" \
  "Service.SystemCallFilter=@system-service" \
  "Install.WantedBy=multi-user.target"; do
  expect_key "$want"
done
nofile=$(sed -n 's/^Service\.LimitNOFILE=//p' "$tmp/keys")
check "LimitNOFILE is a number of at least 4096 ($nofile)" [ "${nofile:-0}" -ge 4096 ]
# A clean stop writes a state snapshot first: a minute at least.
stop=$(sed -n 's/^Service\.TimeoutStopSec=\([0-9]*\)min$/\1/p' "$tmp/keys")
check "TimeoutStopSec is minutes long ($stop)" [ "${stop:-0}" -ge 1 ]

if command -v systemd-analyze >/dev/null 2>&1; then
  sed "s#^ExecStart=/usr/local/bin/ansd #ExecStart=$ANSD #" "$UNIT" >"$tmp/ansd.service"
  out=$(systemd-analyze verify "$tmp/ansd.service" 2>&1)
  rc=$?
  # verify exits 0 on an unknown key or a bad value, but says so.
  check "systemd-analyze verify: exit 0 and nothing said (rc=$rc: $out)" [ "$rc" -eq 0 -a -z "$out" ]
else
  echo "systemd-analyze not found: the unit's structure only"
fi

expect_summary
