# setup/lib.sh — small shell helpers shared by setup/lab, setup/run.sh and the tests that check
# them (tests/setup/). Nothing here changes the machine.
#
# Under `set -o pipefail`, `producer | grep -q X` can report failure although X is there: grep
# exits at the first match, the producer's next write gets SIGPIPE, and the pipeline's status is
# the producer's 141. The helpers below read their whole input instead.

# pipe_has ERE: 0 when a line of stdin matches the extended regular expression (reads it all)
pipe_has() { awk -v re="$1" '$0 ~ re { f = 1 } END { exit !f }'; }

# ns_exists NAME: 0 when the network namespace NAME exists
ns_exists() { ip netns list 2>/dev/null | awk -v n="$1" '$1 == n { f = 1 } END { exit !f }'; }

# The processes a run starts carry LLAB_OWNER=<prefix> in their environment (children inherit
# it: `timeout` -> lab-gen, `ip netns exec` -> the reflector, the softnet sampler). `down` finds
# them by it, wherever they run (a namespace, the host in hardware mode, or a namespace already
# gone), with no pattern on command lines and no pid that could have been reused.
# owned_pids PREFIX: the pids carrying the marker, without the caller and its ancestors
owned_pids() {
  local p=$1 anc=" " pid st f list e
  pid=$BASHPID
  while [ -n "$pid" ] && [ "$pid" -gt 1 ]; do
    anc+="$pid "
    read -r st <"/proc/$pid/stat" 2>/dev/null || break
    read -ra f <<<"${st##*) }" # after the command's name: state, ppid, ...
    pid=${f[1]}
  done
  # one grep over every environment (it finds itself too when the caller carries the mark: gone
  # by the time the list is read, which only keeps live processes)
  list=$(grep -lsxzF "LLAB_OWNER=$p" /proc/[0-9]*/environ) || true
  for e in $list; do
    pid=${e#/proc/}; pid=${pid%/environ}
    case $anc in *" $pid "*) continue ;; esac
    kill -0 "$pid" 2>/dev/null && echo "$pid"
  done
  return 0
}

# kill_owned PREFIX: SIGTERM to every process of the prefix, SIGKILL to those left after 2 s
kill_owned() {
  local pids
  pids=$(owned_pids "$1")
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086
  kill -TERM $pids 2>/dev/null || true
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    pids=$(owned_pids "$1")
    [ -n "$pids" ] || return 0
    sleep 0.2
  done
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
  sleep 0.2
}

# next_run_id ROOT: a run id not yet used under ROOT (date-time, then -2, -3, ... for runs started
# in the same second); the directory is created here (mkdir is atomic), so two runs can't share it
next_run_id() {
  local root=$1 base id n=1
  base=$(date +%Y%m%d-%H%M%S)
  id=$base
  until mkdir "$root/$id" 2>/dev/null; do
    [ -d "$root" ] || return 1
    n=$((n + 1)); id="$base-$n"
    [ $n -lt 1000 ] || return 1
  done
  echo "$id"
}

# point_latest ROOT ID: ROOT/latest -> ID, unless it already points to a newer run (ids sort by
# time, then by their -N suffix); replaced atomically
point_latest() {
  local root=$1 id=$2 cur tmp
  cur=$(readlink "$root/latest" 2>/dev/null || true)
  if [ -n "$cur" ] && [ -d "$root/$cur" ] && [ "$cur" != "$id" ] &&
     [ "$(printf '%s\n%s\n' "$cur" "$id" | sort -V | tail -n 1)" = "$cur" ]; then
    return 0
  fi
  tmp="$root/.latest.$$"
  ln -sfn "$id" "$tmp" && mv -T "$tmp" "$root/latest"
}
