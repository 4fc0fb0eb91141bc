# setup/labctl.sh — the shell's way into the orchestrator (setup/labctl, Python): sourced by
# setup/lab, bench/lib.sh and the test libraries; needs LAB_ROOT (the source tree). A command
# line comes back as NUL-terminated words into an array, never as shell text to evaluate.

# the generator's name as messages and the notes written to files give it (labctl.gen.NAME)
LABCTL_GEN_NAME=lab-gen

# Debian's interpreter (the python3 package setup/lab installs) when it is there: a python3 found
# first on PATH may be a wrapper (pyenv's shim costs 0.3 s a call, the interpreter 0.03 s) and
# the orchestrator is called a dozen times a path
if [ -z "${LAB_PYTHON:-}" ]; then
  if [ -x /usr/bin/python3 ]; then LAB_PYTHON=/usr/bin/python3; else LAB_PYTHON=python3; fi
fi

# labctl VERB ARGS...: run a verb (python3 setup/labctl --help lists them)
labctl() { "$LAB_PYTHON" -B "$LAB_ROOT/setup/labctl" "$@"; }

# labctl_words ARRAY VERB ARGS...: ARRAY=(the verb's words); 1 (the verb's one-line error on
# stderr) when it failed, ARRAY then empty
labctl_words() {
  local -n _lw_out=$1
  local _lw_f _lw_rc=0
  shift
  _lw_out=()
  _lw_f=$(mktemp "${TMPDIR:-/tmp}/labctl.XXXXXX") || return 1
  labctl "$@" >"$_lw_f" || _lw_rc=$?
  [ "$_lw_rc" -ne 0 ] || mapfile -d '' -t _lw_out <"$_lw_f"
  rm -f "$_lw_f"
  return "$_lw_rc"
}
