# tap.sh — the TAP helpers of the shell tests that run a command and judge its exit code and
# messages (tests/analysis/compare.sh, repeat.sh). Sourced; the caller sets T (a scratch
# directory) and starts n=0 fail=0.

# expect CODE DESCRIPTION -- CMD...: exit code and, for 1 and 2, exactly one stderr line;
# the command's stdout and stderr stay in $T/out and $T/err
expect() {
  local code=$1 what=$2; shift 3
  local rc=0
  "$@" >"$T/out" 2>"$T/err" || rc=$?
  n=$((n + 1))
  if [ "$rc" -ne "$code" ]; then
    echo "not ok $n - $what: exit $rc, expected $code ($(head -c 300 "$T/err"))"; fail=1; return
  fi
  if { [ "$code" -eq 1 ] || [ "$code" -eq 2 ]; } && [ "$(grep -c . "$T/err")" -ne 1 ]; then
    echo "not ok $n - $what: $(grep -c . "$T/err") stderr lines, expected 1"; cat "$T/err"; fail=1; return
  fi
  echo "ok $n - $what"
}
# check DESCRIPTION CMD...: a condition
check() { n=$((n + 1)); if "${@:2}"; then echo "ok $n - $1"; else echo "not ok $n - $1"; fail=1; fi; }
# snap DIR: every file below DIR with its size (to show that nothing was written into it)
snap() { (cd "$1" && find . -printf '%p %s\n' | sort); }
