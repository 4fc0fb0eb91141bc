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

# remote_begin: DEST checked (exit 2 with its one line when it cannot be the DUT host), the
# connection opened, the tree there and built (RDIR); the connection is closed at exit
remote_begin() {
  local o facts
  RCTL_DIR=$(mktemp -d /tmp/lab-ssh.XXXXXX)
  RCTL=(--dut-host "$DUT_HOST" --control-dir "$RCTL_DIR")
  for o in "${SSH_OPTS[@]}"; do RCTL+=(--ssh-opt "$o"); done
  trap 'remote_end; lock_release' EXIT # (lock.sh's trap kept)
  say "dut-host: $DUT_HOST: connecting"
  facts=$(labctl remote-check "${RCTL[@]}" 2>"$RCTL_DIR/err") ||
    { local why; why=$(sed 's/^labctl: //' "$RCTL_DIR/err" | tail -n 1); remote_end; EXIT=2 die "$why"; }
  DH_HOSTNAME=$(sed -n 's/^host=//p' <<<"$facts")
  say "dut-host: $DUT_HOST is $DH_HOSTNAME: $(sed -n 's/^pretty=//p' <<<"$facts"), kernel $(sed -n 's/^kernel=//p' <<<"$facts"), $(sed -n 's/^cpus=//p' <<<"$facts") CPUs"
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
  if [ "$1" = build ]; then
    labctl remote-run "${RCTL[@]}" -- "${env[@]}" "$RDIR/setup/lab" deps || return $?
  fi
  labctl remote-run "${RCTL[@]}" -- "${env[@]}" "$RDIR/setup/lab" "$@"
}

# dut_host_only VERB: the verbs --dut-host does not reach yet refuse it, before anything changes
dut_host_only() {
  [ -z "$DUT_HOST" ] && return 0
  case $1 in
    check|status) return 0 ;;
    up|down|run|sweep) EXIT=2 die "$1 --dut-host: not yet (check and status reach the DUT host; up, down, run and sweep are to come)" ;;
    *) usage_die "--dut-host is for up, down, status, check, run and sweep (not $1)" ;;
  esac
}
