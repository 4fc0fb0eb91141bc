"""labctl.remote — the DUT host reached with OpenSSH (`--dut-host DEST`): the user's own client,
their ~/.ssh/config, keys and agent, plus --ssh-opt; one multiplexed connection for a whole verb
(ControlMaster, its socket in the lab's state directory, closed at the end); no daemon of the
lab's own and no port opened on either host.

  preflight   DEST reachable, root, Debian-like: its facts, or one line why not (before
              anything changes on either host)
  ship        the tree of this commit (`git stash create`: the working tree's tracked changes
              too) into /var/tmp/lab-dut/<commit> there, once per commit
  run         a command there (its words quoted for the remote shell), its exit status;
              255 is ssh's own (the connection)"""
import os
import shlex
import subprocess

REMOTE_BASE = "/var/tmp/lab-dut"
CONNECT_S = 8


class Refused(Exception):
    """DEST cannot be the DUT host: one line, exit 2"""


class Remote:
    def __init__(self, dest, ssh_opts=(), control_dir=None):
        if not dest or dest.startswith("-") or any(c.isspace() for c in dest):
            raise Refused(f"--dut-host: '{dest}' is not a host ([user@]host, or a name in ~/.ssh/config)")
        self.dest = dest
        self.opts = []
        for o in ssh_opts:
            self.opts += shlex.split(o)
        self.control = None
        if control_dir:
            os.makedirs(control_dir, mode=0o700, exist_ok=True)
            self.control = os.path.join(control_dir, "ssh-%C")

    def ssh_argv(self, remote_cmd, tty=False):
        # the user's options first: ssh takes the first value it is given for each option
        a = ["ssh"] + self.opts + ["-o", "BatchMode=yes", "-o", f"ConnectTimeout={CONNECT_S}",
             "-o", "ServerAliveInterval=2", "-o", "ServerAliveCountMax=3"]
        if self.control:
            a += ["-o", "ControlMaster=auto", "-o", f"ControlPath={self.control}",
                  "-o", "ControlPersist=120"]
        a += ["-T"] if not tty else ["-t"]
        return a + [self.dest, "--", remote_cmd]

    def _run(self, argv, **kw):
        try:
            return subprocess.run(argv, **kw)
        except FileNotFoundError:
            raise Refused("ssh is not installed here (apt-get install openssh-client)") from None

    def run(self, words, **kw):
        """words run there (quoted for its shell); subprocess.run's result"""
        return self._run(self.ssh_argv(shlex.join(words)), **kw)

    def sh(self, script, **kw):
        """a shell script run there (sh -c), as given"""
        return self._run(self.ssh_argv("sh -c " + shlex.quote(script)), **kw)

    def close(self):
        if self.control:
            subprocess.run(["ssh"] + self.opts + ["-o", f"ControlPath={self.control}", "-O", "exit", self.dest],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def preflight(self):
        """DEST's facts (dict); Refused with one line when it cannot be the DUT host"""
        probe = ('echo "uid=$(id -u)"; . /etc/os-release 2>/dev/null; echo "id=$ID"; echo "like=$ID_LIKE"; '
                 'echo "pretty=$PRETTY_NAME"; echo "kernel=$(uname -r)"; echo "cpus=$(nproc)"; '
                 'echo "host=$(hostname)"; command -v apt-get >/dev/null && echo apt=1; '
                 'echo "uptime_s=$(cut -d" " -f1 /proc/uptime)"')
        r = self.sh(probe, capture_output=True, text=True, timeout=CONNECT_S + 20)
        if r.returncode == 255:
            why = [ln for ln in r.stderr.splitlines() if ln.strip()]
            why = why[-1] if why else "ssh failed"
            if any(w in why for w in ("Permission denied", "Host key verification failed", "REMOTE HOST")):
                raise Refused(f"{self.dest} refused the login: {why}")
            raise Refused(f"cannot reach {self.dest}: {why}")
        if r.returncode != 0:
            raise Refused(f"{self.dest}: the probe failed (exit {r.returncode}): {r.stderr.strip()[:200]}")
        f = dict(ln.split("=", 1) for ln in r.stdout.splitlines() if "=" in ln)
        if f.get("uid") != "0":
            raise Refused(f"{self.dest}: logged in as uid {f.get('uid', '?')}, not root: the DUT side needs "
                          "root (ssh as root, or a user whose ~/.ssh/config entry logs in as root)")
        like = f"{f.get('id', '')} {f.get('like', '')}".split()
        if "debian" not in like or not f.get("apt"):
            raise Refused(f"{self.dest}: {f.get('pretty') or 'an unknown system'} is not Debian-like "
                          "(the lab installs its packages with apt-get)")
        return f

    def ship(self, root, log=None):
        """this tree into REMOTE_BASE/<commit> there (once); the remote directory"""
        name, commit = tree_commit(root)
        rdir = f"{REMOTE_BASE}/{name}"
        have = self.sh(f"test -f {shlex.quote(rdir)}/.lab-shipped", capture_output=True)
        if have.returncode == 255:
            raise Refused(f"cannot reach {self.dest}: {have.stderr.decode(errors='replace').strip()}")
        if have.returncode == 0:
            return rdir
        arch = subprocess.Popen(["git", "-C", root, "archive", "--format=tar", commit],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        unpack = (f"set -e; rm -rf {shlex.quote(rdir)}.part; mkdir -p {shlex.quote(rdir)}.part; "
                  f"tar -x -C {shlex.quote(rdir)}.part; touch {shlex.quote(rdir)}.part/.lab-shipped; "
                  f"rm -rf {shlex.quote(rdir)}; mv {shlex.quote(rdir)}.part {shlex.quote(rdir)}")
        r = self._run(self.ssh_argv("sh -c " + shlex.quote(unpack)), stdin=arch.stdout,
                      capture_output=True)
        arch.stdout.close()
        arch.wait()
        if arch.returncode != 0:
            raise RuntimeError(f"git archive failed: {arch.stderr.read().decode(errors='replace').strip()}")
        if r.returncode != 0:
            raise RuntimeError(f"sending the tree to {self.dest} failed: "
                               f"{r.stderr.decode(errors='replace').strip()[:200]}")
        return rdir


def tree_commit(root):
    """(directory name, commit to archive): HEAD; with uncommitted changes to tracked files, a
    stash commit of them named HEAD-<its tree> (the same changes ship once)"""
    def git(*a):
        return subprocess.run(["git", "-C", root, *a], capture_output=True, text=True)
    r = git("rev-parse", "--verify", "HEAD")
    if r.returncode != 0:
        raise RuntimeError(f"{root} is not a git checkout: the DUT host gets the tree of a commit")
    head = r.stdout.strip()
    stash = git("stash", "create").stdout.strip()
    if not stash:
        return head, head
    return f"{head}-{git('rev-parse', stash + '^{tree}').stdout.strip()[:12]}", stash
