# Checks of a command's exit code and output, for the CLI tests (sourced). Each counts into
# `pass` or `failures`; a test ends with `expect_summary`.
pass=0
failures=0

expect_exit_with() {  # expect_exit_with "description" code "substring" cmd...
  local what="$1" code="$2" needle="$3"; shift 3
  local got
  got=$("$@" 2>&1)
  local rc=$?
  if [ $rc -ne "$code" ] || [[ "$got" != *"$needle"* ]]; then
    echo "FAIL: $what"; echo "  want exit $code mentioning: $needle"; echo "  got (rc=$rc): $got"
    failures=$((failures+1))
  else
    pass=$((pass+1))
  fi
}

expect_out() {  # expect_out "description" "expected stdout and stderr" cmd...
  local what="$1" want="$2"; shift 2
  local got
  got=$("$@" 2>&1)
  local rc=$?
  if [ $rc -ne 0 ] || [ "$got" != "$want" ]; then
    echo "FAIL: $what"; echo "  want: $want"; echo "  got (rc=$rc): $got"; failures=$((failures+1))
  else
    pass=$((pass+1))
  fi
}

expect_fail_with() { expect_exit_with "$1" 1 "${@:2}"; }  # "description" "substring" cmd...
expect_contains() { expect_exit_with "$1" 0 "${@:2}"; }   # "description" "substring" cmd...

# A check whose condition the caller has computed: check "description" test-args...
check() {
  local what="$1"; shift
  if "$@"; then pass=$((pass+1)); else echo "FAIL: $what"; failures=$((failures+1)); fi
}

expect_summary() {
  echo "$pass passed, $failures failed"
  [ $failures -eq 0 ]
}
