"""Processes for the benchmarks: idle children that size the host, and what /proc says of a server.

Shared by scrape_bench.py and fleet_bench.py. Python 3 standard library only.
"""
import ctypes
import os
import resource
import shutil
import signal
import subprocess
import sys

CLK_TCK = os.sysconf("SC_CLK_TCK")


def count_pids():
    return sum(1 for d in os.listdir("/proc") if d.isdigit())


def pid_max():
    try:
        with open("/proc/sys/kernel/pid_max") as f:
            return int(f.read())
    except (OSError, ValueError):
        return 32768


_libc = None


def die_with_parent():
    """preexec_fn: SIGKILL the child if this script dies without cleaning up (e.g. SIGKILL)."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def raise_nproc(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NPROC)
    want = needed + 512
    if soft == resource.RLIM_INFINITY or soft >= want:
        return
    new_hard = hard
    if hard != resource.RLIM_INFINITY and hard < want:
        new_hard = want  # only root can raise the hard limit; try anyway
    try:
        resource.setrlimit(resource.RLIMIT_NPROC, (want, new_hard))
    except (ValueError, OSError):
        try:
            resource.setrlimit(resource.RLIMIT_NPROC, (hard, hard))
        except (ValueError, OSError):
            pass
        print(f"bench: warning: RLIMIT_NPROC soft={soft} hard={hard}, needed ~{want}; "
              "starting children may fail", file=sys.stderr)


class Children:
    """Idle `sleep` children; start() adds some, top_up() adds up to a host total, stop() reaps all."""

    def __init__(self):
        self.procs = []

    def start(self, n):
        raise_nproc(n + count_pids())
        devnull = subprocess.DEVNULL
        # setpriv sets PR_SET_PDEATHSIG before exec'ing sleep, so children die with this script even on
        # SIGKILL; it keeps Popen on its fast vfork path (a preexec_fn would be ~3x slower per child).
        argv = ["sleep", "100000"]
        if shutil.which("setpriv"):
            argv = ["setpriv", "--pdeathsig", "KILL"] + argv
        for i in range(n):
            try:
                p = subprocess.Popen(argv, stdin=devnull, stdout=devnull, stderr=devnull, close_fds=True)
            except OSError as e:
                raise RuntimeError(f"could not start idle child {i + 1} of {n}: {e}") from e
            self.procs.append(p)

    def top_up(self, total):
        """Starts children until the host has `total` pid directories; returns how many were started."""
        n = max(0, total - count_pids())
        self.start(n)
        return n

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.kill()
                except OSError:
                    pass
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.procs = []


def compile_c(src, out):
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-o", out, src], check=True)
    return out


class ForkedChildren:
    """Idle children forked by tests/bench/idle_children.c, one spawner per top-up (fleet_bench.py)."""

    SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "idle_children.c")

    def __init__(self, build_dir):
        self.binary = compile_c(self.SRC, os.path.join(build_dir, "idle_children"))
        self.spawners = []

    def top_up(self, total):
        """Forks children until the host has `total` pid directories; returns how many were started."""
        n = max(0, total - count_pids())
        if n:
            self.start(n)
        return n

    def start(self, n):
        raise_nproc(n + count_pids())
        p = subprocess.Popen([self.binary, str(n)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             preexec_fn=die_with_parent)
        self.spawners.append(p)
        line = p.stdout.readline().decode(errors="replace").strip()
        if line != f"ready {n}":
            raise RuntimeError(f"could not start {n} idle children (spawner said {line!r}, exit {p.poll()})")

    def stop(self):
        for p in self.spawners:
            p.stdin.close()  # the spawner kills and reaps its children, then exits
        for p in self.spawners:
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.spawners = []


def cpu_ticks(pid):
    """utime+stime of the process, all threads (dead ones included), in clock ticks."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read()
    # Fields after the comm's last ')' start at field 3 (state); utime, stime are fields 14, 15.
    rest = data[data.rindex(b")") + 2:].split()
    return int(rest[14 - 3]) + int(rest[15 - 3])


def cpu_ns(pid):
    """Sum of sum_exec_runtime (ns) over the live threads; None without schedstats."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total


def status_kb(pid, field):
    """A `kB` line of /proc/<pid>/status (e.g. VmHWM, the peak RSS), in kB; None if absent."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None
