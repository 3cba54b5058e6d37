#!/usr/bin/env python3
"""smaps stall benchmark: what reading /proc/<pid>/smaps(_rollup) costs the reader and the target.

For each mapping count (default 20000 and 60000, within vm.max_map_count):
  1. Builds tests/bench/smaps_stall_target.c (cc -O2 -pthread) into --build-dir and starts it with N
     distinct mappings (one anonymous region, every other page mprotect'ed read-only so no two
     neighbours merge, every page touched). A thread in the target loops mmap(4 KiB) + touch + munmap
     and records each iteration's latency (mmap and munmap need the mmap lock for writing, which a
     reader of smaps holds for reading). Between iterations it sleeps --gap-us (not measured), and it
     runs SCHED_FIFO when permitted (root), so on a busy machine what it measures is time in and
     waiting inside mmap/munmap rather than waiting for a CPU (--no-fifo: plain SCHED_OTHER).
  2. Times reading smaps_rollup and smaps the way the exporter does (smaps_rollup in one read of a
     64 KiB buffer; smaps in 256 KiB read() calls), --reads times each; reports the median wall time
     and the reader's CPU time (getrusage of this process, kernel time included).
  3. Stall: the target's loop latency (max and p99.9, log2 buckets: the upper bound of the bucket)
     during a window with no reads, during the smaps_rollup reads and during the smaps reads. Each
     window is the same length (the reads are repeated back to back until the window is over).
  Reader: with --reader-modes other,fifo each row is measured twice, the reader (this script) once as
  a normal SCHED_OTHER task (as the exporter runs) and once SCHED_FIFO (root): on a loaded machine a
  normal reader can be preempted while it holds the target's mmap lock, which the target then waits
  out too; the FIFO rows show the stall the walk itself causes.
  4. Prints a table and, unless --no-write, appends it under "## smaps stall" in docs/benchmarks-log.md.

Run as root or any user (it reads only its own child's files). Python 3 standard library only.
A benchmark, not a test: the exit status is 0 whenever it could run.
"""
import argparse
import datetime
import os
import platform
import re
import resource
import shlex
import statistics
import subprocess
import sys
import time

from bench_report import git_revision as _git_revision, loadavg

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET_SRC = os.path.join(REPO, "tests", "bench", "smaps_stall_target.c")
DEFAULT_DOC = os.path.join(REPO, "docs", "benchmarks-log.md")


def build_target(build_dir):
    os.makedirs(build_dir, exist_ok=True)
    out = os.path.join(build_dir, "smaps_stall_target")
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-pthread", "-o", out, TARGET_SRC], check=True)
    return out


class Target:
    def __init__(self, binary, n, gap_us, fifo):
        self.proc = subprocess.Popen([binary, str(n), str(gap_us), "1" if fifo else "0"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     bufsize=1)
        line = self.proc.stdout.readline()
        m = re.match(r"ready (\d+) maps=(\d+) fifo=(\d)", line)
        if not m:
            self.stop()
            raise RuntimeError(f"target with {n} mappings did not start: {line!r}")
        self.pid = int(m.group(1))
        self.maps = int(m.group(2))
        self.fifo = m.group(3) == "1"

    def cmd(self, c):
        self.proc.stdin.write(c + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def report(self):
        line = self.cmd("report")
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError):
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def read_file(path, chunk):
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    total = 0
    try:
        while True:
            b = os.read(fd, chunk)
            if not b:
                return total
            total += len(b)
    finally:
        os.close(fd)


def cpu_s():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def time_reads(path, chunk, reads):
    walls, cpus, size = [], [], 0
    for _ in range(reads):
        c0, t0 = cpu_s(), time.perf_counter()
        size = read_file(path, chunk)
        walls.append(time.perf_counter() - t0)
        cpus.append(cpu_s() - c0)
    return statistics.median(walls), statistics.median(cpus), size


def window(target, seconds, path=None, chunk=0):
    """Loop latency in the target over `seconds`, reading `path` back to back meanwhile (or idle)."""
    target.cmd("reset")
    end = time.perf_counter() + seconds
    reads = 0
    while time.perf_counter() < end:
        if path:
            read_file(path, chunk)
            reads += 1
        else:
            time.sleep(0.01)
    r = target.report()
    r["reads"] = reads
    return r


def set_reader_mode(mode):
    if mode == "fifo":
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(5))
    else:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))


def measure(binary, n, reads, seconds, gap_us, fifo, mode):
    t = Target(binary, n, gap_us, fifo)
    try:
        set_reader_mode(mode)
        rollup = f"/proc/{t.pid}/smaps_rollup"
        smaps = f"/proc/{t.pid}/smaps"
        read_file(smaps, 256 * 1024)  # warm
        r_wall, r_cpu, r_size = time_reads(rollup, 64 * 1024, reads)
        s_wall, s_cpu, s_size = time_reads(smaps, 256 * 1024, reads)
        idle = window(t, seconds)
        w_rollup = window(t, seconds, rollup, 64 * 1024)
        w_smaps = window(t, seconds, smaps, 256 * 1024)
        return {"n": n, "maps": t.maps, "rollup_ms": r_wall * 1e3, "rollup_cpu_ms": r_cpu * 1e3,
                "rollup_bytes": r_size, "smaps_ms": s_wall * 1e3, "smaps_cpu_ms": s_cpu * 1e3,
                "smaps_bytes": s_size, "idle": idle, "w_rollup": w_rollup, "w_smaps": w_smaps, "fifo": t.fifo,
                "mode": mode}
    finally:
        set_reader_mode("other")
        t.stop()


def us(ns):
    return f"{ns / 1000:,.0f}"


def fmt(results, reads, seconds):
    lines = ["| mappings (VMAs in maps) | reader | smaps_rollup: median wall / CPU ms | smaps: median wall / CPU ms, size "
             "| target mmap+munmap latency max / p99.9 µs: idle | during smaps_rollup reads | during smaps reads |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(
            f"| {r['n']:,} ({r['maps']:,}) | {r['mode']} | {r['rollup_ms']:.2f} / {r['rollup_cpu_ms']:.2f} "
            f"| {r['smaps_ms']:.1f} / {r['smaps_cpu_ms']:.1f}, {r['smaps_bytes'] / 1e6:.1f} MB "
            f"| {us(r['idle']['max_ns'])} / {us(r['idle']['p999_ns'])} "
            f"| {us(r['w_rollup']['max_ns'])} / {us(r['w_rollup']['p999_ns'])} ({r['w_rollup']['reads']} reads) "
            f"| {us(r['w_smaps']['max_ns'])} / {us(r['w_smaps']['p999_ns'])} ({r['w_smaps']['reads']} reads) |")
    return "\n".join(lines)


def append_doc(path, table, info):
    existing = ""
    if os.path.exists(path):
        with open(path) as f:
            existing = f.read()
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    with open(path, "a") as f:
        if existing and not existing.endswith("\n"):
            f.write("\n")
        f.write(f"\n## smaps stall\n\n### {stamp}, rev {info['rev']}\n\n")
        f.write(f"- Machine: {info['nproc']} CPUs, {info['cpu']}, kernel {info['kernel']}, "
                f"vm.max_map_count {info['max_map_count']}; load average before/after: "
                f"{info['load_before']} / {info['load_after']}\n")
        f.write(f"- Command: `{info['command']}`\n")
        f.write(f"- Method: `tests/bench/smaps_stall.py` (target: `tests/bench/smaps_stall_target.c`). Read times "
                f"are the median of {info['reads']} reads; each latency window is {info['seconds']} s of the "
                "target's mmap+munmap loop, idle or with the file read back to back; latencies are the maximum "
                f"and the p99.9 (upper bound of its log2 bucket); {info['gap_us']} µs sleep between iterations; "
                f"loop thread {'SCHED_FIFO' if info['fifo'] else 'SCHED_OTHER'}.\n\n")
        f.write(table + "\n")
        if info.get("notes"):
            f.write("\n" + info["notes"] + "\n")


def machine_info():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open("/proc/sys/vm/max_map_count") as f:
            mmc = int(f.read())
    except (OSError, ValueError):
        mmc = 0
    return {"nproc": os.cpu_count(), "kernel": platform.release(), "cpu": model, "max_map_count": mmc}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build", "bench"))
    ap.add_argument("--mappings", default="20000,60000", help="comma-separated mapping counts")
    ap.add_argument("--reads", type=int, default=7, help="reads per file for the median (default 7)")
    ap.add_argument("--seconds", type=float, default=3.0, help="length of each latency window (default 3)")
    ap.add_argument("--doc", default=DEFAULT_DOC)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--gap-us", type=int, default=100, help="sleep between loop iterations in the target")
    ap.add_argument("--reader-modes", default="other,fifo",
                    help="comma-separated: other (SCHED_OTHER reader), fifo (SCHED_FIFO reader, root)")
    ap.add_argument("--no-fifo", action="store_true", help="do not ask for SCHED_FIFO for the loop thread")
    ap.add_argument("--note", default="", help="a line to add under the table")
    args = ap.parse_args()

    info = machine_info()
    counts = [int(x) for x in args.mappings.split(",") if x]
    for n in counts:
        if info["max_map_count"] and n + 1000 > info["max_map_count"]:
            sys.exit(f"smaps_stall: {n} mappings is too close to vm.max_map_count {info['max_map_count']}")
    binary = build_target(args.build_dir)
    load_before = loadavg()
    results = []
    modes = [m for m in args.reader_modes.split(",") if m]
    for n in [0] + counts:
        for mode in modes:
            print(f"smaps_stall: {n} mappings, {mode} reader ...", flush=True)
            results.append(measure(binary, n, args.reads, args.seconds, args.gap_us, not args.no_fifo, mode))
            r = results[-1]
            print(f"  rollup {r['rollup_ms']:.2f} ms, smaps {r['smaps_ms']:.1f} ms; max latency idle "
                  f"{us(r['idle']['max_ns'])} µs, rollup {us(r['w_rollup']['max_ns'])} µs, "
                  f"smaps {us(r['w_smaps']['max_ns'])} µs", flush=True)
    table = fmt(results, args.reads, args.seconds)
    info.update(rev=_git_revision(REPO), load_before=load_before, load_after=loadavg(), reads=args.reads,
                seconds=args.seconds, notes=args.note, gap_us=args.gap_us, fifo=all(r["fifo"] for r in results),
                command="python3 " + shlex.join([os.path.relpath(os.path.abspath(sys.argv[0]), REPO)] + sys.argv[1:]))
    print()
    print(table)
    if not args.no_write:
        append_doc(args.doc, table, info)
        print(f"smaps_stall: appended to {args.doc}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
        print(f"smaps_stall: error: {e}", file=sys.stderr)
        sys.exit(1)
