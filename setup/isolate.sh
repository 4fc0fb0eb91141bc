# setup/isolate.sh — isolating the DUT core at run time, and putting everything back.
# Sourced by setup/lab. The isolation is the host's, one at a time: its record, /run/llab-iso/,
# names the prefix that made it (prefix; kind: user for `isolate`, run for run/sweep/check) and
# holds every original, written down before the change is made, so that `iso_restore` (called
# by `down`, by `unisolate` and at the end of `run`) can undo it, also after a crash. A second
# prefix's isolation is refused (it would snapshot the first one's values as the originals);
# the record is read and written under its own lock, /run/lock/llab-iso.lock.
#
# What run time can do (boot-time isolcpus/nohz_full/rcu_nocbs cannot be changed here; `check`
# says what to add to the kernel command line):
#   - cpuset: every task moves to a cpuset without the DUT core (cgroup v1 `cpuset` hierarchy,
#     or a v2 `isolated` partition); the reflector is put in a cpuset of the DUT core alone;
#   - IRQs: every IRQ's affinity (and the default) leaves the DUT core;
#   - cpufreq governor `performance` where cpufreq exists;
#   - busy-poll sysctls net.core.busy_read / busy_poll (napi_defer_hard_irqs /
#     gro_flush_timeout: iso_napi_defer, measured and left off on the veth lab, see there);
#   - C-states: `run` holds /dev/cpu_dma_latency open at 0 while it measures (iso_hold_cstate).

ISO_V1=/sys/fs/cgroup/cpuset
ISO_V2=/sys/fs/cgroup

ISO_HOST=${LAB_ISO_DIR:-/run/llab-iso}
ISO_LFD=""
iso_dir() { echo "$ISO_HOST"; }
iso_field() { cat "$ISO_HOST/$1" 2>/dev/null; } # prefix, kind, cpu
iso_owned_by() { [ -d "$ISO_HOST" ] && [ "$(iso_field prefix)" = "$1" ]; }
iso_mine() { iso_owned_by "$P" && [ -f "$ISO_HOST/applied" ]; } # this prefix isolated the host

iso_lock() {
  [ -z "$ISO_LFD" ] || return 0
  lock_acquire "$LOCK_DIR/llab-iso.lock" -w 60 || die "isolate: the isolation record's lock is held (pid $(lock_held "$LOCK_DIR/llab-iso.lock" || true))"
  ISO_LFD=$_LFD
}
iso_unlock() {
  [ -n "$ISO_LFD" ] || return 0
  [ -d "$ISO_HOST" ] || rm -f "$LOCK_DIR/llab-iso.lock"
  exec {ISO_LFD}>&-
  ISO_LFD=""
}

# iso_sysctl_set NAME VALUE: the host's original kept in the record (the first one), then set
iso_sysctl_set() {
  local cur
  cur=$(sysctl -n "$1")
  grep -q "^$1=" "$ISO_HOST/sysctl.orig" 2>/dev/null || echo "$1=$cur" >>"$ISO_HOST/sysctl.orig"
  [ "$cur" = "$2" ] || sysctl -q -w "$1=$2" >/dev/null
}

cpus_without() { # cpu -> "LIST MASK": the online cpus but that one, e.g. "0,2,3 d"
  labctl cpus-without "$1"
}

iso_cpuset_kind() {
  if [ -f "$ISO_V2/cgroup.controllers" ] && grep -qw cpuset "$ISO_V2/cgroup.controllers"; then echo v2
  elif [ -f "$ISO_V1/cpuset.cpus" ]; then echo v1
  else echo none; fi
}

# iso_record FILE CMD...: the originals, written once. A second `isolate` (or one after an apply
# that died half-way) must not overwrite them with the isolated values, or they are lost for good.
iso_record() {
  local f=$1; shift
  [ -f "$f" ] && return 0
  "$@" >"$f.tmp" && mv "$f.tmp" "$f"
}
iso_list_irqs() {
  local irq
  [ -f /proc/irq/default_smp_affinity ] && echo "default $(cat /proc/irq/default_smp_affinity)"
  for irq in /proc/irq/[0-9]*; do
    [ -f "$irq/smp_affinity_list" ] && echo "${irq##*/} $(cat "$irq/smp_affinity_list")"
  done
  return 0
}
iso_list_governors() {
  local g
  for g in /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor; do
    [ -f "$g" ] && echo "$g $(cat "$g")"
  done
  return 0
}

iso_cpuset_v1() { # cpu rest
  local cpu=$1 rest=$2 t moved=0
  mkdir -p "$ISO_V1/$P-rest" "$ISO_V1/$P-dut"
  echo "$ISO_V1" >"$(iso_dir)/cpuset.v1"
  cat "$ISO_V1/cpuset.mems" >"$ISO_V1/$P-rest/cpuset.mems"
  cat "$ISO_V1/cpuset.mems" >"$ISO_V1/$P-dut/cpuset.mems"
  echo "$rest" >"$ISO_V1/$P-rest/cpuset.cpus"
  echo "$cpu" >"$ISO_V1/$P-dut/cpuset.cpus"
  # every task of the root cpuset that can move goes to the rest; per-cpu kernel threads cannot,
  # and stay; tasks the user put in cpusets of their own are left where they are
  while read -r t; do
    echo "$t" >"$ISO_V1/$P-rest/tasks" 2>/dev/null && moved=$((moved + 1)) || true
  done <"$ISO_V1/tasks"
  say "isolate: cpuset v1: $moved tasks moved to cpus $rest; cpu $cpu kept for the DUT"
}

iso_cpuset_v2() { # cpu
  local cpu=$1 d; d=$(iso_dir)
  if ! grep -qw cpuset "$ISO_V2/cgroup.subtree_control" 2>/dev/null; then
    echo "+cpuset" >"$ISO_V2/cgroup.subtree_control" 2>/dev/null && touch "$d/cpuset.v2.enabled"
  fi
  mkdir -p "$ISO_V2/$P-dut"
  echo "$ISO_V2" >"$d/cpuset.v2"
  echo "$cpu" >"$ISO_V2/$P-dut/cpuset.cpus"
  echo isolated >"$ISO_V2/$P-dut/cpuset.cpus.partition" 2>/dev/null ||
    echo root >"$ISO_V2/$P-dut/cpuset.cpus.partition" 2>/dev/null ||
    say "isolate: cpuset v2: could not make cpu $cpu a partition; tasks may still run there"
  say "isolate: cpuset v2: cpu $cpu is partition '$(cat "$ISO_V2/$P-dut/cpuset.cpus.partition" 2>/dev/null)'"
}

# iso_claim CPU KIND: the record made (or found ours) under the lock; refused (exit 2) when
# another prefix holds the isolation, or this one holds it for another cpu. 0: go on applying;
# 1: applied already, nothing to do.
iso_claim() {
  local cpu=$1 kind=$2 t owner old
  # a lab of the older code keeps its isolation in its own state dir: that is someone's, too
  old=$(ls -d "$STATE_ROOT"/*/iso 2>/dev/null | head -n 1 || true)
  if [ -n "$old" ]; then
    iso_unlock
    EXIT=2 die "isolate: prefix '$(basename "$(dirname "$old")")' holds an isolation ($old); a second isolation is refused"
  fi
  if [ -d "$ISO_HOST" ]; then
    owner=$(iso_field prefix)
    if [ "$owner" != "$P" ]; then
      iso_unlock
      EXIT=2 die "isolate: cpu $(iso_field cpu) is isolated by prefix '$owner' ($(iso_field kind)); a second isolation is refused ('LLAB_PREFIX=$owner setup/lab unisolate', or 'setup/lab down --all' when it is stale)"
    fi
    if [ -f "$ISO_HOST/applied" ]; then
      [ "$(iso_field cpu)" = "$cpu" ] || { iso_unlock; EXIT=2 die "isolate: cpu $(iso_field cpu) is isolated already; 'setup/lab unisolate' first"; }
      say "isolate: cpu $cpu is isolated already; nothing changed ('setup/lab unisolate' puts it back)"
      return 1
    fi
    return 0 # an apply of ours that died half-way: its originals stay
  fi
  t="$ISO_HOST.tmp.$$"
  mkdir -p "$t" && echo "$P" >"$t/prefix" && echo "$kind" >"$t/kind" && echo "$cpu" >"$t/cpu" && mv -T "$t" "$ISO_HOST"
}

# iso_apply CPU [KIND]: idempotent. A second call for the same cpu changes nothing; for another
# cpu, or by another prefix, it is refused (exit 2). Every original is written down before
# anything is changed. KIND: user (`setup/lab isolate`, kept until `unisolate`) or run.
iso_apply() {
  local cpu=$1 kind=${2:-run} rest mask d irq g
  d=$ISO_HOST
  read -r rest mask < <(cpus_without "$cpu")
  [ -n "$rest" ] || { say "isolate: only one core online; nothing to isolate"; return 0; }
  iso_lock
  iso_claim "$cpu" "$kind" || { iso_unlock; return 0; }
  iso_record "$d/irq.orig" iso_list_irqs
  iso_record "$d/governor.orig" iso_list_governors
  case $(iso_cpuset_kind) in
    v1) iso_cpuset_v1 "$cpu" "$rest" ;;
    v2) iso_cpuset_v2 "$cpu" ;;
    *) say "isolate: no cpuset controller mounted; tasks may still run on cpu $cpu" ;;
  esac
  for irq in /proc/irq/[0-9]*; do
    [ -f "$irq/smp_affinity_list" ] && { echo "$rest" >"$irq/smp_affinity_list"; } 2>/dev/null || true
  done
  echo "$mask" >/proc/irq/default_smp_affinity 2>/dev/null || true
  for g in /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor; do
    [ -f "$g" ] && { echo performance >"$g"; } 2>/dev/null || true
  done
  # busy polling for the kernel path (global sysctls; the record keeps the first original)
  iso_sysctl_set net.core.busy_read 50
  iso_sysctl_set net.core.busy_poll 50
  touch "$d/applied"
  iso_unlock
}

# The cgroup.procs file of the DUT cpuset, when isolation is applied.
iso_procs() {
  local d; d=$(iso_dir)
  iso_mine || return 0
  if [ -f "$d/cpuset.v1" ]; then echo "$ISO_V1/$P-dut/cgroup.procs"
  elif [ -f "$d/cpuset.v2" ]; then echo "$ISO_V2/$P-dut/cgroup.procs"; fi
}

# Replace the calling (sub)shell with a command inside the DUT cpuset: for background jobs,
# `( iso_exec_replace CMD... ) &`, so that $! is the command itself and a signal reaches it.
iso_exec_replace() {
  local procs; procs=$(iso_procs)
  if [ -n "$procs" ]; then
    exec sh -c 'echo $$ >"$0" 2>/dev/null || true; exec "$@"' "$procs" "$@"
  fi
  exec "$@"
}

# Run a command inside the DUT cpuset (plainly when there is no isolation).
iso_exec() {
  local procs; procs=$(iso_procs)
  if [ -n "$procs" ]; then
    sh -c 'echo $$ >"$0" 2>/dev/null || true; exec "$@"' "$procs" "$@"
  else
    "$@"
  fi
}

iso_move_tasks() { # FROM TO: every task listed in FROM written to TO
  local t
  while read -r t; do echo "$t" >"$2" 2>/dev/null || true; done <"$1"
}

# iso_restore: everything back, when this prefix holds the isolation (another's is left alone)
iso_restore() {
  local d t irq aff g v l
  d=$(iso_dir)
  [ -d "$d" ] || return 0
  iso_lock
  iso_owned_by "$P" || { iso_unlock; return 0; }
  if [ -f "$d/cpuset.v1" ]; then
    for v in "$P-dut" "$P-rest"; do
      [ -d "$ISO_V1/$v" ] || continue
      # tasks still in it fork while they are moved: move again until it is empty (bounded)
      for t in 1 2 3 4 5 6 7 8 9 10; do
        iso_move_tasks "$ISO_V1/$v/tasks" "$ISO_V1/tasks"
        rmdir "$ISO_V1/$v" 2>/dev/null && break
        sleep 0.1
      done
      [ ! -d "$ISO_V1/$v" ] || say "isolate: could not remove cpuset $v: tasks $(paste -sd' ' "$ISO_V1/$v/tasks") left in it"
    done
  fi
  if [ -f "$d/cpuset.v2" ] && [ -d "$ISO_V2/$P-dut" ]; then
    iso_move_tasks "$ISO_V2/$P-dut/cgroup.procs" "$ISO_V2/cgroup.procs"
    echo member >"$ISO_V2/$P-dut/cpuset.cpus.partition" 2>/dev/null || true
    rmdir "$ISO_V2/$P-dut" 2>/dev/null || true
  fi
  if [ -f "$d/cpuset.v2.enabled" ]; then
    echo "-cpuset" >"$ISO_V2/cgroup.subtree_control" 2>/dev/null || true
  fi
  if [ -f "$d/irq.orig" ]; then
    while read -r irq aff; do
      if [ "$irq" = default ]; then echo "$aff" >/proc/irq/default_smp_affinity 2>/dev/null || true
      else echo "$aff" >"/proc/irq/$irq/smp_affinity_list" 2>/dev/null || true; fi
    done <"$d/irq.orig"
    # an IRQ made while the isolation held (a port's queues re-made for XDP, a device bound)
    # got the isolated default: it gets the restored one, as if made now
    local def n
    def=$(cat /proc/irq/default_smp_affinity 2>/dev/null)
    for n in /proc/irq/[0-9]*; do
      n=${n#/proc/irq/}
      [ -f "/proc/irq/$n/smp_affinity_list" ] || continue
      awk -v n="$n" '$1 == n { f = 1 } END { exit !f }' "$d/irq.orig" && continue
      [ -z "$def" ] || echo "$def" >"/proc/irq/$n/smp_affinity" 2>/dev/null ||
        say "isolate: IRQ $n (made during the isolation): could not set its affinity to the default $def"
    done
  fi
  if [ -f "$d/governor.orig" ]; then
    while read -r g v; do echo "$v" >"$g" 2>/dev/null || true; done <"$d/governor.orig"
  fi
  if [ -f "$d/sysctl.orig" ]; then
    while IFS= read -r l; do sysctl -q -w "$l" >/dev/null 2>&1 || true; done <"$d/sysctl.orig"
  fi
  rm -rf "$d"
  iso_unlock
}

# Deferred NAPI for the kernel path's busy polling: the NIC's IRQ (here the veth's NAPI) is held
# back for up to gro_flush_timeout so the socket's busy poll picks the packets up. Only for the
# kernel path: on the XDP and DPDK paths nothing busy-polls that NAPI and it would add the
# timeout to every packet. iso_napi_defer 0 0 turns it off again.
# Not called by `run`: measured on the veth lab (run --paths kernel --quick, twice each way),
# 2 / 200000 raised the kernel path's RTT p50 from 8-10 µs to 52 µs and the time inside the DUT
# from 2.5 to 40 µs, although lab-kern sets SO_PREFER_BUSY_POLL (why the veth's deferred NAPI
# waits for its timer anyway was not pinned down). Kept for trying on real NICs.
iso_napi_defer() { # defer_hard_irqs gro_flush_timeout_ns
  ns_exists "$NS_DUT" || return 0
  ip netns exec "$NS_DUT" sh -c "echo $1 > /sys/class/net/$DUT_IF/napi_defer_hard_irqs; echo $2 > /sys/class/net/$DUT_IF/gro_flush_timeout" 2>/dev/null || true
}

# Hold /dev/cpu_dma_latency at 0 µs for as long as the calling shell keeps the fd open.
ISO_CSTATE_FD=""
iso_hold_cstate() {
  [ -w /dev/cpu_dma_latency ] || return 0
  exec {ISO_CSTATE_FD}>/dev/cpu_dma_latency
  printf '\x00\x00\x00\x00' >&"$ISO_CSTATE_FD"
}
iso_release_cstate() {
  [ -n "$ISO_CSTATE_FD" ] || return 0
  exec {ISO_CSTATE_FD}>&-
  ISO_CSTATE_FD=""
}

iso_status() {
  local d; d=$(iso_dir)
  if [ -f "$d/applied" ]; then
    echo "isolation: cpu $(cat "$d/cpu") isolated at run time by prefix '$(iso_field prefix)' ($(iso_field kind); $(iso_cpuset_kind) cpuset, IRQs moved)"
  else
    echo "isolation: none at run time"
  fi
  echo "boot isolation: isolcpus '$(cat /sys/devices/system/cpu/isolated 2>/dev/null)', nohz_full '$(cat /sys/devices/system/cpu/nohz_full 2>/dev/null)'"
}
