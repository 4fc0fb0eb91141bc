# tap.sh — the one TAP helper of the shell tests (meson `protocol: 'tap'`). Sourced, first
# thing: it prints `TAP version 13` and from then on the script's stdout is its stderr, so that
# nothing a command prints can be read as TAP; the TAP stream is fd $TAP_FD (the original stdout).
#
#   ok TEXT / nok TEXT          one case, passed / failed: `ok N - TEXT`, `not ok N - TEXT`
#                               (a TEXT of several lines: the first is the case, the rest `# ` lines)
#   check TEXT CMD...           a case: CMD's exit code (0 = ok)
#   check_lines TEXT CMD...     CMD's own `ok: X` / `not ok: X` lines (a checker's) as cases, its
#                               other stdout lines as `# ` lines; a nonzero exit is a failed case
#                               (TEXT) unless one of its lines already failed; no line, exit 0:
#                               one passed case TEXT
#   expect CODE TEXT -- CMD...  a case: CMD's exit code and, for 1 and 2, exactly one stderr line
#                               (stdout and stderr kept in $T/out and $T/err; the caller sets T)
#   quiet CMD...                CMD with its output discarded (check TEXT quiet CMD...)
#   tap_lines PREFIX <FILE      the same for lines already written (a checker's log)
#   diag TEXT...                `# ` lines (diagnostics, read by no one but people)
#   snap DIR                    every file below DIR with its size (to show nothing was written)
#   tap_skip COUNT TEXT [WHY]   COUNT cases skipped: `ok N - TEXT # SKIP WHY`
#   tap_skip_all REASON         the whole test skipped (a requirement missing): `1..0 # SKIP
#                               REASON`, exit 0 — meson reads skips from the plan, and exit 77
#                               under protocol 'tap' is an ERROR (meson 1.0.1: any nonzero exit
#                               is). After cases already ran: the rest one skipped case, then
#                               tap_done.
#   tap_bail REASON             a setup failure: `Bail out! REASON`, exit 1 (meson: ERROR)
#   tap_done                    the plan `1..N`; exit 1 when a case failed, else 0 (no case
#                               reported at all: one passed case, not a plan 1..0 = skipped)
#   TAP_N, TAP_FAILS            cases so far, failed cases so far
#
# The counters are the sourcing shell's: a case reported from a subshell (a pipeline, `( )`,
# `$( )`) would break the numbering, so it is printed as a `# ` line only, and a failed one
# leaves a marker file that tap_done turns into a failed case of its own.

[ -n "${TAP_FD:-}" ] && return 0
exec {TAP_FD}>&1 1>&2
TAP_N=0
TAP_FAILS=0
TAP_PID=$BASHPID
TAP_SUBFAIL=${TMPDIR:-/tmp}/lab-tap-$TAP_PID.subfail
rm -f "$TAP_SUBFAIL"
echo "TAP version 13" >&"$TAP_FD"

# _tap_line ok|not\ ok TEXT [DIRECTIVE]: one numbered line, TEXT's later lines as diagnostics
_tap_line() {
  if [ "$BASHPID" != "$TAP_PID" ]; then
    echo "# tap.sh: a case reported from a subshell (not counted): $1 - ${2%%$'\n'*}" >&"$TAP_FD"
    [ "$1" = ok ] || : >>"$TAP_SUBFAIL"
    return 0
  fi
  local first=${2%%$'\n'*} rest=
  [ "$first" = "$2" ] || rest=${2#*$'\n'}
  first=${first//#/\\#}
  TAP_N=$((TAP_N + 1))
  echo "$1 $TAP_N${first:+ - $first}${3:+ # $3}" >&"$TAP_FD"
  [ -z "$rest" ] || diag "$rest"
}
ok() { _tap_line ok "$*"; }
nok() { [ "$BASHPID" != "$TAP_PID" ] || TAP_FAILS=$((TAP_FAILS + 1)); _tap_line "not ok" "$*"; }
diag() { local l; while IFS= read -r l; do echo "# $l" >&"$TAP_FD"; done <<<"$*"; }
quiet() { "$@" >/dev/null 2>&1; }

# check DESCRIPTION CMD...: a condition
check() { if "${@:2}"; then ok "$1"; else nok "$1"; fi; }

# tap_lines PREFIX: the `ok: X` / `not ok: X` lines on stdin as cases (`PREFIX: X`), the others
# as `# ` lines
tap_lines() {
  local l
  while IFS= read -r l; do
    case $l in
      "ok: "*) ok "$1: ${l#ok: }" ;;
      "not ok: "*) nok "$1: ${l#not ok: }" ;;
      *) [ -z "$l" ] || diag "$l" ;;
    esac
  done
}
# check_lines DESCRIPTION CMD...: a checker's verdict lines as cases, its exit code the verdict
check_lines() {
  local out rc=0 before=$TAP_FAILS n0=$TAP_N
  out=$("${@:2}") || rc=$?
  tap_lines "$1" <<<"$out"
  if [ "$rc" -ne 0 ]; then
    [ "$TAP_FAILS" -gt "$before" ] || nok "$1: exit $rc"
  elif [ "$TAP_N" -eq "$n0" ]; then
    ok "$1"
  fi
  return "$rc"
}

# expect CODE DESCRIPTION -- CMD...: exit code and, for 1 and 2, exactly one stderr line;
# the command's stdout and stderr stay in $T/out and $T/err
expect() {
  local code=$1 what=$2; shift 3
  local rc=0
  "$@" >"$T/out" 2>"$T/err" || rc=$?
  if [ "$rc" -ne "$code" ]; then
    nok "$what: exit $rc, expected $code ($(head -c 300 "$T/err" | tr '\n' ' '))"; return
  fi
  if { [ "$code" -eq 1 ] || [ "$code" -eq 2 ]; } && [ "$(grep -c . "$T/err")" -ne 1 ]; then
    nok "$what: $(grep -c . "$T/err") stderr lines, expected 1"; diag "$(cat "$T/err")"; return
  fi
  ok "$what"
}
# snap DIR: every file below DIR with its size (to show that nothing was written into it)
snap() { (cd "$1" && find . -printf '%p %s\n' | sort); }

# tap_skip COUNT TEXT [WHY]: COUNT cases skipped
tap_skip() {
  local i
  for ((i = 0; i < $1; i++)); do
    if [ $# -ge 3 ]; then _tap_line ok "$2" "SKIP $3"; else _tap_line ok "" "SKIP $2"; fi
  done
}
tap_skip_all() {
  local why=${*%%$'\n'*}
  echo "skip: $*"
  if [ "$TAP_N" -eq 0 ]; then echo "1..0 # SKIP ${why//#/\\#}" >&"$TAP_FD"; exit 0; fi
  tap_skip 1 "the rest" "$why"
  tap_done
}
tap_bail() { echo "Bail out! ${*%%$'\n'*}" >&"$TAP_FD"; echo "bail out: $*"; exit 1; }
tap_done() {
  # no case at all would read as a skip (meson: a plan 1..0): the script's silent checks held
  [ "$TAP_N" -gt 0 ] || [ "$TAP_FAILS" -gt 0 ] || ok "every check held"
  if [ -e "$TAP_SUBFAIL" ]; then rm -f "$TAP_SUBFAIL"; nok "a case reported from a subshell failed (see the # lines)"; fi
  echo "1..$TAP_N" >&"$TAP_FD"
  [ "$TAP_FAILS" -eq 0 ] || { diag "$TAP_FAILS of $TAP_N failed"; exit 1; }
  exit 0
}
