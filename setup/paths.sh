# setup/paths.sh — the path registry (common/paths.tsv) for the shell: setup/run.sh, bench/* and
# the tests take every path's name, DUT command line and needs from here. Sourced; needs
# LAB_ROOT (the source tree). Nothing here changes the machine.

LAB_PATHS_TSV=${LAB_PATHS_TSV:-$LAB_ROOT/common/paths.tsv}
# The topology the functions below answer for: reflect (the default) or forward; `run
# --topology` and `sweep --topology` set it.
LAB_TOPOLOGY=${LAB_TOPOLOGY:-reflect}

# lab_path_names: the paths registered for the topology, in order, space-separated
lab_path_names() {
  awk -F'\t' -v t="$LAB_TOPOLOGY" '!/^#/ && NF >= 8 && $2 == t {printf "%s%s", sep, $1; sep = " "} END {print ""}' "$LAB_PATHS_TSV"
}

# lab_path_topologies NAME: the topologies NAME is registered for, space-separated
lab_path_topologies() {
  awk -F'\t' -v n="$1" '!/^#/ && $1 == n {printf "%s%s", sep, $2; sep = " "} END {print ""}' "$LAB_PATHS_TSV"
}

# lab_path_field NAME FIELD: FIELD is binary, args, needs, drops, role or description (of NAME in
# the topology)
lab_path_field() {
  local col
  case $2 in
    binary) col=3 ;; args) col=4 ;; needs) col=5 ;; drops) col=6 ;; role) col=7 ;; description) col=8 ;;
    *) echo "lab_path_field: no field '$2'" >&2; return 2 ;;
  esac
  awk -F'\t' -v n="$1" -v c="$col" -v t="$LAB_TOPOLOGY" '!/^#/ && $1 == n && $2 == t {print $c; f = 1} END {exit !f}' "$LAB_PATHS_TSV"
}

lab_path_known() { lab_path_field "$1" binary >/dev/null 2>&1; }

# (a path's command line: labctl reflector-argv, setup/labctl/registry.py and reflector.py)

# lab_path_unavailable NAME BUILD: prints why the path cannot run on this machine and returns 0;
# returns 1 (printing nothing) when it can
lab_path_unavailable() {
  local bin needs n free
  bin=$(lab_path_field "$1" binary) || { echo "no path '$1' in common/paths.tsv for the $LAB_TOPOLOGY topology"; return 0; }
  if [ ! -x "$2/$bin" ]; then
    echo "$(basename "$bin") was not built on this machine (see 'meson setup' components)"
    return 0
  fi
  needs=$(lab_path_field "$1" needs)
  for n in $needs; do
    case $n in
      hugepages=*)
        free=$(awk '/HugePages_Free/{print $2}' /proc/meminfo)
        if [ "${free:-0}" -lt "${n#hugepages=}" ]; then
          echo "fewer than ${n#hugepages=} free hugepages (setup/lab check)"
          return 0
        fi ;;
    esac
  done
  return 1
}
