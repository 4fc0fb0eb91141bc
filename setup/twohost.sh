# setup/twohost.sh — `--dut-host DEST` (sourced by setup/lab): the DUT side on another machine,
# reached with the user's OpenSSH client (labctl.remote: their ~/.ssh/config, keys and agent,
# --ssh-opt for more, one multiplexed connection per verb, closed at its end). Before anything
# changes on either host, DEST must answer, log in as root and be Debian-like (one line, exit 2
# otherwise); then it gets this commit's tree in /var/tmp/lab-dut/<commit> (once per commit),
# installs what is missing and builds there, as the README's commands do here. The remote side
# runs under its own prefix (${P}d), so that a second "host" on this machine
# (tests/twohost/sim.sh) keeps its state apart from this one's.

DUT_HOST="" SSH_OPTS=() RCTL=() RDIR="" RCTL_DIR=""

# dut_host_args ARGS...: --dut-host DEST and --ssh-opt OPT taken out of ARGS (DUT_HOST,
# SSH_OPTS); the rest in DH_REST
dut_host_args() {
  DH_REST=()
  while [ $# -gt 0 ]; do
    case $1 in
      --dut-host) [ $# -ge 2 ] || usage_die "--dut-host needs a host ([user@]host)"; DUT_HOST=$2; shift 2 ;;
      --dut-host=*) DUT_HOST=${1#*=}; shift ;;
      --ssh-opt) [ $# -ge 2 ] || usage_die "--ssh-opt needs an option (e.g. '-p 2222')"; SSH_OPTS+=("$2"); shift 2 ;;
      --ssh-opt=*) SSH_OPTS+=("${1#*=}"); shift ;;
      *) DH_REST+=("$1"); shift ;;
    esac
  done
  if [ ${#SSH_OPTS[@]} -gt 0 ] && [ -z "$DUT_HOST" ]; then usage_die "--ssh-opt is for --dut-host"; fi
  return 0
}

remote_end() {
  [ -n "$RCTL_DIR" ] || return 0
  labctl remote-close "${RCTL[@]}" 2>/dev/null || true
  rm -rf "$RCTL_DIR"
  RCTL_DIR=""
}

# remote_connect: DEST checked and the connection opened (closed at exit); 1 with the one-line
# reason in DH_WHY when DEST cannot be the DUT host
remote_connect() {
  local o facts
  RCTL_DIR=$(mktemp -d /tmp/lab-ssh.XXXXXX)
  RCTL=(--dut-host "$DUT_HOST" --control-dir "$RCTL_DIR")
  for o in ${SSH_OPTS[@]+"${SSH_OPTS[@]}"}; do RCTL+=(--ssh-opt "$o"); done
  trap 'remote_end; lock_release' EXIT # (lock.sh's trap kept)
  say "dut-host: $DUT_HOST: connecting"
  if ! facts=$(labctl remote-check "${RCTL[@]}" 2>"$RCTL_DIR/err"); then
    DH_WHY=$(sed 's/^labctl: //' "$RCTL_DIR/err" | tail -n 1)
    remote_end
    return 1
  fi
  DH_HOSTNAME=$(sed -n 's/^host=//p' <<<"$facts")
  say "dut-host: $DUT_HOST is $DH_HOSTNAME: $(sed -n 's/^pretty=//p' <<<"$facts"), kernel $(sed -n 's/^kernel=//p' <<<"$facts"), $(sed -n 's/^cpus=//p' <<<"$facts") CPUs"
}

# remote_begin: remote_connect (exit 2 with its reason), then the tree there and built (RDIR)
remote_begin() {
  [ -n "$RCTL_DIR" ] || remote_connect || EXIT=2 die "$DH_WHY"
  RDIR=$(labctl remote-ship "${RCTL[@]}" --root "$LAB_ROOT" 2>"$RCTL_DIR/err") ||
    die "dut-host: $(sed 's/^labctl: //' "$RCTL_DIR/err" | tail -n 1)"
  say "dut-host: the tree is in $RDIR there; installing what is missing and building"
  if ! remote_lab build >"$RCTL_DIR/build.log" 2>&1; then
    tail -n 15 "$RCTL_DIR/build.log" >&2
    die "dut-host: the build on $DUT_HOST failed (above)"
  fi
}

# remote_lab VERB ARGS...: setup/lab there, under the remote prefix (deps first for build)
remote_lab() {
  local env=(env "LLAB_PREFIX=${P}d")
  [ -z "${LAB_SKIP_DEPS:-}" ] || env+=(LAB_SKIP_DEPS=1)
  [ -z "${LAB_HW_ALLOW_VIRTUAL:-}" ] || env+=(LAB_HW_ALLOW_VIRTUAL=1) # a simulated host's ports are veths
  [ -z "${LAB_QUIET:-}" ] || env+=(LAB_QUIET=1)
  if [ "$1" = build ]; then
    labctl remote-run "${RCTL[@]}" -- "${env[@]}" "$RDIR/setup/lab" deps || return $?
  fi
  labctl remote-run "${RCTL[@]}" -- "${env[@]}" "$RDIR/setup/lab" "$@"
}

# dut_host_only VERB: the verbs --dut-host does not reach yet refuse it, before anything changes
dut_host_only() {
  [ -z "$DUT_HOST" ] && return 0
  case $1 in
    check|status|up|down) return 0 ;;
    run|sweep) EXIT=2 die "$1 --dut-host: not yet (up, down, status and check reach the DUT host; run and sweep are to come)" ;;
    *) usage_die "--dut-host is for up, down, status, check, run and sweep (not $1)" ;;
  esac
}

# the DUT host a two-host lab was brought up with ($STATE/dut_host: DEST, then one ssh option a
# line), so that a later verb without --dut-host still reaches it
dh_record() {
  { echo "$DUT_HOST"; printf '%s\n' ${SSH_OPTS[@]+"${SSH_OPTS[@]}"}; } >"$STATE/dut_host"
}
dh_recall() {
  [ -z "$DUT_HOST" ] && [ -f "$STATE/dut_host" ] || return 0
  local l first=1
  while IFS= read -r l; do
    if [ $first = 1 ]; then DUT_HOST=$l; first=0; else SSH_OPTS+=("$l"); fi
  done <"$STATE/dut_host"
  say "the DUT side of '$P' is on $DUT_HOST (recorded at up)"
}

# port_mac IF NS NAME: IF's MAC here, or NAME's in NS when up took it already
port_mac() {
  cat "/sys/class/net/$1/address" 2>/dev/null || ip netns exec "$2" cat "/sys/class/net/$3/address" 2>/dev/null
}

# up --dut-host DEST --gen-if G --dut-if D: the generator's side here on port G, the DUT's side
# on DEST on its port D (each host's `up --side`), each with the other's MAC as its neighbour's
dh_up() {
  local gmac dmac probe
  hw_parse "$@"
  [ ${#HW_REST[@]} -eq 0 ] || usage_die "up: unknown argument '${HW_REST[0]}'"
  [ "$UP_SIDE" = both ] || usage_die "up --dut-host: --side is its own business"
  [ -n "$HW_GEN" ] && [ -n "$HW_DUT" ] ||
    usage_die "up --dut-host: --gen-if PORT (here) and --dut-if PORT (on $DUT_HOST), cabled to each other"
  [ "$TOPOLOGY" = reflect ] || usage_die "up --dut-host: the reflect topology only, for now"
  gmac=$(port_mac "$HW_GEN" "$NS_GEN" "$GEN_IF") || EXIT=2 die "up: no port '$HW_GEN' here ('ip -br link' lists them)"
  lock_take up
  remote_begin
  probe="cat /sys/class/net/$HW_DUT/address 2>/dev/null || ip netns exec ${P}d-dut cat /sys/class/net/$DUT_IF/address"
  dmac=$(labctl remote-run "${RCTL[@]}" -- sh -c "$probe" 2>/dev/null) ||
    EXIT=2 die "up: no port '$HW_DUT' on $DUT_HOST"
  # recorded before the DUT side is made: an up interrupted there leaves a lab `down` reaches
  { [ -f "$STATE/owner" ] && ! owner_transient_gone "$P"; } || owner_mark up
  dh_record
  remote_lab up --side dut --dut-if "$HW_DUT" --peer-mac "$gmac" || die "up: the DUT side on $DUT_HOST failed (above)"
  UP_SIDE=gen PEER_MAC=$dmac HW_DUT=""
  cmd_up_side
  say "up: two hosts: $NS_GEN/$GEN_IF here <-> ${P}d-dut/$DUT_IF on $DUT_HOST ($DH_HOSTNAME)"
}

# down --dut-host DEST (or the DEST recorded at up): this host's side, then DEST's; a DEST that
# cannot be reached leaves its side as it is, and says so (exit 1)
dh_down() {
  local rc=0
  dh_recall
  [ -n "$DUT_HOST" ] || { cmd_down "$@"; return; }
  lock_take down
  cmd_down "$@" || rc=$?
  if remote_connect; then
    remote_begin
    remote_lab down || rc=$?
  else
    echo "$PROG: down: $DH_WHY: the DUT side of '$P' is still up on $DUT_HOST ('down --dut-host $DUT_HOST' when it answers)" >&2
    rc=1
  fi
  return $rc
}
