# setup/lock.sh — who holds a prefix, and whether anybody still does. Sourced by setup/lab.
#
# Locks: every verb that changes a prefix (up, run, sweep, down, isolate, unisolate, calibrate)
# holds /run/lock/llab-<prefix>.lock (flock) for as long as it runs; a second one waits, with a
# message, or is refused with --no-wait (LAB_NO_WAIT=1). The file holds its owner's line
# "pid starttime boot_id verb". The lock file goes when the prefix's state does: whoever removes
# it holds it, and a waiter checks, once it has the lock, that the file it locked is still the
# one at the path (or starts again on the new one).
#
# Liveness: a prefix is
#   running   its lock is held by a live owner;
#   orphaned  its lock is held, but the owner is gone (a run killed with SIGKILL: its reflector,
#             the generator, ... carry the lock's descriptor); `down` stops them;
#   up        no live owner, but a namespace or a process of it exists (an idle `up`, or a run
#             another lab's code started);
#   stale     its owner is dead or from another boot, and either nothing of it is left (no
#             namespace, no process) or it was made for a while only: by a `run` or `sweep`, or
#             by an `up` on behalf of a holder (LAB_HOLDER=PID: a test script, a CI job) that is
#             gone; what it left (namespaces, processes) goes with it. `setup/lab down --all`
#             collects it, and the orphaned too. Only a user's plain `up` lives on by itself.

LOCK_DIR=${LAB_LOCK_DIR:-/run/lock}
LOCK_FD="" LOCK_FILE="" LOCK_PID="" LOCK_VERB=""

boot_id() { cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown; }
pid_start() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $20}'; } # field 22
owner_line() { echo "$$ $(pid_start $$) $(boot_id) ${1:-}"; }
# holder_line VERB: the state's owner: LAB_HOLDER (a pid that keeps the prefix for as long as it
# lives, verb "held") when set, else this process and VERB
holder_line() {
  local h=${LAB_HOLDER:-}
  if [ -n "$h" ]; then
    case $h in *[!0-9]*) die "LAB_HOLDER='$h' is not a pid" ;; esac
    [ -n "$(pid_start "$h")" ] || die "LAB_HOLDER=$h: no such process"
    echo "$h $(pid_start "$h") $(boot_id) held"
  else
    owner_line "$1"
  fi
}

# owner_alive "PID START BOOT ...": 0 when that process (not a reused pid) runs, in this boot
owner_alive() {
  local pid start boot
  read -r pid start boot _ <<<"$1"
  [ -n "$pid" ] && [ "$boot" = "$(boot_id)" ] && [ "$(pid_start "$pid")" = "$start" ]
}

lock_path() { echo "$LOCK_DIR/llab-$1.lock"; }

# lock_held PATH: prints the pid that holds PATH's flock (from /proc/locks, without touching
# the lock) and returns 0; returns 1 when nobody holds it
lock_held() {
  local maj min ino
  read -r maj min ino < <(stat -c '%Hd %Ld %i' "$1" 2>/dev/null) || return 1
  awk -v k="$(printf '%02x:%02x:%s' "$maj" "$min" "$ino")" \
    '$2 == "FLOCK" && $6 == k { print $5; f = 1; exit } END { exit !f }' /proc/locks
}

# lock_acquire PATH FLOCK-OPTS...: _LFD = a descriptor of PATH, locked (0), or 1
lock_acquire() {
  local path=$1 fd; shift
  while :; do
    exec {fd}>>"$path" || return 1
    if ! flock "$@" "$fd"; then exec {fd}>&-; return 1; fi
    if [ "$(stat -Lc %d:%i "/dev/fd/$fd" 2>/dev/null)" = "$(stat -c %d:%i "$path" 2>/dev/null)" ]; then
      _LFD=$fd
      return 0
    fi
    exec {fd}>&- # removed (the prefix went down) while we waited: the new file's turn
  done
}

# lock_orphaned PATH: the holder's owner line names a dead process (read twice: a new holder
# writes its line just after taking the lock)
lock_orphaned() {
  local a b
  a=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$a" ] && ! owner_alive "$a" || return 1
  sleep 0.3
  b=$(cat "$1" 2>/dev/null)
  [ "$a" = "$b" ]
}

# lock_take VERB: this prefix's lock for the rest of the process (idempotent; a setup/lab that
# the holder started itself, LLAB_LOCK_HELD=<prefix>, takes nothing)
lock_take() {
  [ -z "$LOCK_FD" ] || return 0
  [ "${LLAB_LOCK_HELD:-}" != "$P" ] || return 0
  local f who
  f=$(lock_path "$P")
  if ! lock_acquire "$f" -n; then
    who=$(cat "$f" 2>/dev/null || true)
    if lock_orphaned "$f"; then
      echo "$PROG: prefix '$P': its owner (pid ${who%% *}) is gone; stopping the processes it left" >&2
      kill_owned "$P"
      lock_acquire "$f" -w 10 || die "prefix '$P': its lock is still held by pid $(lock_held "$f" || true) (not a process of the lab)"
    elif [ "${LAB_NO_WAIT:-0}" = 1 ]; then
      die "prefix '$P' is in use (pid ${who%% *}, '${who##* }'); refused (--no-wait); wait for it, or use another LLAB_PREFIX"
    else
      echo "$PROG: prefix '$P' is in use (pid ${who%% *}, '${who##* }'); waiting for it (--no-wait refuses instead)" >&2
      lock_acquire "$f" || die "prefix '$P': cannot take its lock $f"
    fi
  fi
  LOCK_FD=$_LFD LOCK_FILE=$f LOCK_PID=$BASHPID LOCK_VERB=$1
  owner_line "$1" >"$f"
  export LLAB_LOCK_HELD=$P
  trap lock_release EXIT
}

# lock_release: the lock goes (and its file, when the prefix holds nothing any more)
lock_release() {
  [ -n "$LOCK_FD" ] && [ "$BASHPID" = "$LOCK_PID" ] || return 0
  [ -d "$STATE" ] || rm -f "$LOCK_FILE"
  exec {LOCK_FD}>&-
  LOCK_FD=""
  unset LLAB_LOCK_HELD
}

# owner_mark VERB: the prefix's state remembers who made it, and what for (status --all, the
# stale check): the verb holding the lock (an `up` inside a `run` is the run's), or LAB_HOLDER
owner_mark() { mkdir -p "$STATE"; holder_line "${LOCK_VERB:-$1}" >"$STATE/owner"; }

# owner_transient Q: Q was made for a while only (by run, sweep, or for a holder), and that
# owner is gone
owner_transient_gone() {
  local o
  o=$(cat "$STATE_ROOT/$1/owner" 2>/dev/null) || return 1
  [ -n "$o" ] && [ "${o##* }" != up ] && ! owner_alive "$o"
}

# prefix_state Q: running | orphaned | up | stale (see the top of this file)
prefix_state() {
  local q=$1 f s
  f=$(lock_path "$q")
  # (this process holding it: asking about itself, as down --all's `down` does)
  if { [ -z "$LOCK_FD" ] || [ "$q" != "$P" ]; } && lock_held "$f" >/dev/null; then
    if owner_alive "$(cat "$f" 2>/dev/null)"; then echo running; else echo orphaned; fi
    return 0
  fi
  # a user's `isolate` is kept until `unisolate`, whoever made it
  if iso_owned_by "$q" && [ "$(iso_field kind)" = user ]; then echo up; return 0; fi
  # made for a while only, and that while is over: what is left of it is nobody's
  if owner_transient_gone "$q"; then echo stale; return 0; fi
  for s in gen dut scn; do
    if ns_exists "$q-$s"; then echo up; return 0; fi
  done
  if [ -n "$(owned_pids "$q")" ]; then echo up; return 0; fi
  if owner_alive "$(cat "$STATE_ROOT/$q/owner" 2>/dev/null)"; then echo up; return 0; fi
  echo stale
}

# known_prefixes: every prefix with a state dir, a lock file, a namespace or the isolation
known_prefixes() {
  {
    for f in "$STATE_ROOT"/*/; do [ -d "$f" ] && basename "$f"; done
    for f in "$LOCK_DIR"/llab-*.lock; do [ -e "$f" ] && { f=${f##*/llab-}; echo "${f%.lock}"; }; done
    ip netns list 2>/dev/null | awk '{print $1}' | sed -n 's/^\([a-z0-9]\{1,8\}\)-\(gen\|dut\|scn\)$/\1/p'
    [ -f "$ISO_HOST/owner" ] && iso_field prefix
  } 2>/dev/null | grep -v '^iso$' | sort -u
  return 0
}

# prefix_line Q: "Q  STATE  details" for status --all
prefix_line() {
  local q=$1 st d="" s o
  st=$(prefix_state "$q")
  case $st in
    running|orphaned) o=$(cat "$(lock_path "$q")" 2>/dev/null); d="owner pid ${o%% *} (${o##* })" ;;
    *) o=$(cat "$STATE_ROOT/$q/owner" 2>/dev/null || true); [ -z "$o" ] || d="made by pid ${o%% *} (${o##* })" ;;
  esac
  for s in gen dut scn; do ns_exists "$q-$s" && d+=", netns $q-$s"; done
  o=$(owned_pids "$q" | wc -l); [ "$o" = 0 ] || d+=", $o processes"
  [ ! -f "$STATE_ROOT/$q/hugepages" ] || d+=", holds the shared hugepages"
  ! iso_owned_by "$q" || d+=", isolates cpu $(iso_field cpu) ($(iso_field kind))"
  [ -d "$STATE_ROOT/$q" ] || d+=", no state dir"
  printf '%-9s %-9s %s\n' "$q" "$st" "${d#, }"
}
