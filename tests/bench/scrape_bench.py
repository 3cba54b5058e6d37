#!/usr/bin/env python3
"""Side-by-side scrape benchmark at one host size: proctree_exporter (plain and gzip) vs the floor reader.

`make bench` runs fleet_bench.py (several sizes, the peers); this script is the detailed look at one size:
plain vs gzip, latency, the exporter's phases, and --memory-all.

What it does, in one run:
  1. Tops the host up to --processes processes IN TOTAL (the pid directories in /proc, kernel threads
     included): it counts the existing ones and starts `sleep 100000` children for the difference
     (none if the host already has that many). --extra switches to "start exactly N children".
  2. Starts the exporter on 127.0.0.1:0, does --warmup scrapes of each kind, then --rounds interleaved
     rounds of: scrapes without gzip, scrapes with `Accept-Encoding: gzip`, the floor with the exporter's
     files, the floor with fewer files (interleaved so that load drifting on a shared machine hits all
     four alike). In all, at least --scrapes scrapes per mode. CPU per scrape = delta of utime+stime
     (fields 14+15 of /proc/<pid>/stat, all threads) / number of scrapes. Those fields count in clock
     ticks (1/CLK_TCK, usually 10 ms), so each mode keeps scraping until it has used >= --min-cpu seconds
     of CPU (capped by --max-scrapes); the resolution reached (one tick per round) is printed. The sum of
     the threads' schedstat run times (ns) is shown as a cross-check. Wall latency (median, p90) is
     measured on the client from sending the request to having read the whole body; a new connection
     per scrape.
  3. Builds ../shared/bench/floor.c into --build-dir and, in each round, runs it with the exporter's
     file set (stat,status,io,fd,limits) and with stat,status,io,fd, for as many passes as that
     round's plain scrapes; parses its cpu_ms_per_pass (getrusage).
  4. Prints a table and whether the bar (exporter plain CPU <= 1.5x floor, same files) is met, and
     appends a dated section to docs/benchmarks-log.md (unless --no-write).
  With --memory-all, afterwards (same children): a second exporter with uss/pss on for every process
  (unmatched.memory.rollup: true; rollup_interval_seconds 0, so every scrape re-reads every
  smaps_rollup; budget_seconds 60; max_rss_bytes 0) is scraped plain in --rounds rounds interleaved with
  the floor over the exporter's files plus smaps_rollup, and that ratio is reported against the same bar.

Exit status is 0 whether or not the bar is met; non-zero only when the benchmark could not run.
Python 3 standard library only. Run as root or with a high enough RLIMIT_NPROC for the children.
"""
import argparse
import datetime
import gzip
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_procs import CLK_TCK, Children, count_pids, cpu_ns, cpu_ticks  # noqa: E402
from bench_report import git_revision, loadavg, machine_info  # noqa: E402
from bench_servers import Exporter, build_floor, run_floor  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_FLOOR_SRC = next((c for c in (os.path.normpath(os.path.join(REPO, *up, "shared", "bench", "floor.c"))
                                      for up in ([".."], ["..", ".."])) if os.path.exists(c)),
                         os.path.normpath(os.path.join(REPO, "..", "shared", "bench", "floor.c")))
DEFAULT_DOC = os.path.join(REPO, "docs", "benchmarks-log.md")
EXPORTER_FILES = "stat,status,io,fd,limits"  # what the default config reads per process (memory sizes come from status)
SMALL_FILES = "stat,status,io,fd"
MEMORY_FILES = EXPORTER_FILES + ",smaps_rollup"  # --memory-all: uss/pss for every process
MEMORY_ALL_CONFIG = """# scrape_bench --memory-all: the embedded default plus uss/pss (smaps_rollup) for every
# process, re-read on every scrape (no interval cache), no budget cut, no rss cap.
unmatched:
  per_process: true
  group: auto
  memory:
    rollup: true
memory:
  rollup_interval_seconds: 0
  budget_seconds: 60
  max_rss_bytes: 0
"""
BAR = 1.5

DOC_HEADER = """# Benchmarks

How much CPU one scrape of proctree_exporter costs, measured against `../shared/bench/floor.c`, the least
work a per-process exporter can do (open and read the same `/proc/[pid]` files, count `fd` entries; no
parsing, no serialization). The bar: exporter CPU per scrape <= {bar}x the floor's CPU per pass over the same
files, in the same run.

Method (`tests/bench/scrape_bench.py`, `make bench`):
- The host is topped up to N processes in total (pid directories in `/proc`, kernel threads included) with
  idle `sleep` children; they are killed and reaped at the end.
- The exporter runs on `127.0.0.1:0` with its embedded default config (every family on; per process it reads
  stat, status, io, fd, limits; memory sizes come from status). After warm-up scrapes, it is scraped over HTTP, one connection per
  scrape, one scrape at a time, in interleaved rounds (default 3) of: plain scrapes, gzip scrapes
  (`Accept-Encoding: gzip`), floor passes over the exporter's files, floor passes over `stat,status,io,fd`.
- Exporter CPU per scrape = delta of utime+stime (`/proc/<pid>/stat` fields 14+15, all threads) over
  the scrapes / number of scrapes. Those count in clock ticks, so each mode scrapes until >= 1 s of CPU
  is used; the resolution is stated per run. Latency is client-side wall time, request to last byte.
- The floor is built (`cc -O2`) and run in each round for as many passes as that round's plain scrapes;
  its `cpu_ms_per_pass` comes from getrusage. The ratio is exporter CPU / floor CPU over the same files.
- Runs are on shared machines; CPU time is less sensitive to other load than latency is, but not immune.

Each run under "Runs" was appended by the script; the command is recorded with it.
"""


def run_block(exp, use_gzip, k, min_cpu_s, max_scrapes):
    """Scrapes k times, then on until >= min_cpu_s of exporter CPU (or max_scrapes)."""
    lat, sizes = [], []
    body = b""
    c0 = cpu_ticks(exp.proc.pid)
    ns0 = cpu_ns(exp.proc.pid)
    while True:
        dt, body = exp.scrape(use_gzip)
        lat.append(dt)
        sizes.append(len(body))
        n = len(lat)
        used = (cpu_ticks(exp.proc.pid) - c0) / CLK_TCK
        if n >= k and (used >= min_cpu_s or n >= max_scrapes):
            break
    ns1 = cpu_ns(exp.proc.pid)
    return {"ticks": cpu_ticks(exp.proc.pid) - c0, "ns": None if ns0 is None or ns1 is None else ns1 - ns0,
            "lat": lat, "sizes": sizes, "body": body}


def summarize(blocks):
    """Merges one mode's blocks (one per round) into per-scrape figures."""
    n = sum(len(b["lat"]) for b in blocks)
    ticks = sum(b["ticks"] for b in blocks)
    lat = [x for b in blocks for x in b["lat"]]
    ns = None if any(b["ns"] is None for b in blocks) else sum(b["ns"] for b in blocks)
    return {
        "sched_cpu_ms": ns / 1e6 / n if ns is not None else None,
        "scrapes": n,
        "cpu_ticks": ticks,
        "cpu_ms": ticks * 1000.0 / CLK_TCK / n,
        # each block's tick delta is off by less than one tick
        "resolution_ms": len(blocks) * 1000.0 / CLK_TCK / n,
        "lat_median_ms": statistics.median(lat) * 1000,
        "lat_p90_ms": percentile(lat, 90) * 1000,
        "bytes": int(statistics.median([x for b in blocks for x in b["sizes"]])),
        "body": blocks[-1]["body"],
    }


def percentile(xs, p):
    s = sorted(xs)
    if not s:
        return float("nan")
    # nearest-rank
    rank = max(1, -(-p * len(s) // 100))
    return s[int(rank) - 1]


def metric_values(text, name):
    out = {}
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            key, _, val = line.rpartition(" ")
            try:
                out[key] = float(val)
            except ValueError:
                pass
    return out


# ---------------------------------------------------------------------------------------------------
# Report


def sched(m):
    return f'; schedstat {m["sched_cpu_ms"]:.2f}' if m.get("sched_cpu_ms") is not None else ""


def fmt_table(r):
    pl, gz, fa, fb = r["plain"], r["gzip"], r["floor_all"], r["floor_small"]
    ratio_pl = pl["cpu_ms"] / fa["cpu_ms"] if fa["cpu_ms"] else float("inf")
    ratio_gz = gz["cpu_ms"] / fa["cpu_ms"] if fa["cpu_ms"] else float("inf")
    rows = [
        ("processes (pid dirs: exporter scrape / floor pass)", f'{r["scraped_procs"]} / {fa["procs"]}'),
        ("exporter CPU ms/scrape, plain", f'{pl["cpu_ms"]:.2f} (±{pl["resolution_ms"]:.2f}; '
                                          f'{pl["cpu_ticks"]} ticks over {pl["scrapes"]} scrapes{sched(pl)})'),
        ("exporter CPU ms/scrape, gzip", f'{gz["cpu_ms"]:.2f} (±{gz["resolution_ms"]:.2f}; '
                                         f'{gz["cpu_ticks"]} ticks over {gz["scrapes"]} scrapes{sched(gz)})'),
        (f"floor CPU ms/pass, {EXPORTER_FILES}", f'{fa["cpu_ms"]:.2f} ({fa["passes"]} passes; wall {fa["wall_ms"]:.2f})'),
        (f"floor CPU ms/pass, {SMALL_FILES}", f'{fb["cpu_ms"]:.2f} ({fb["passes"]} passes; wall {fb["wall_ms"]:.2f})'),
        ("ratio exporter/floor (same files), plain", f"{ratio_pl:.2f}x"),
        ("ratio exporter/floor (same files), gzip", f"{ratio_gz:.2f}x"),
        ("latency median / p90 ms, plain", f'{pl["lat_median_ms"]:.1f} / {pl["lat_p90_ms"]:.1f}'),
        ("latency median / p90 ms, gzip", f'{gz["lat_median_ms"]:.1f} / {gz["lat_p90_ms"]:.1f}'),
        ("payload bytes, plain", f'{pl["bytes"]:,}'),
        ("payload bytes, gzip", f'{gz["bytes"]:,}'),
    ]
    if r.get("rounds"):
        rows.append(("per round, ms: plain / gzip / floor (same files)",
                     f'{r["rounds"][0]} / {r["rounds"][1]} / {fa["rounds"]}'))
    if r.get("phases"):
        rows.append(("exporter-reported phases, last plain scrape (ms)", r["phases"]))
    mem = r.get("memory")
    if mem:
        mm, fm = mem["plain"], mem["floor"]
        ratio_mem = mm["cpu_ms"] / fm["cpu_ms"] if fm["cpu_ms"] else float("inf")
        rows += [
            ("--memory-all: exporter CPU ms/scrape, plain (uss/pss for every process)",
             f'{mm["cpu_ms"]:.2f} (±{mm["resolution_ms"]:.2f}; {mm["cpu_ticks"]} ticks over {mm["scrapes"]} '
             f'scrapes{sched(mm)})'),
            (f"--memory-all: floor CPU ms/pass, {MEMORY_FILES}",
             f'{fm["cpu_ms"]:.2f} ({fm["passes"]} passes; wall {fm["wall_ms"]:.2f})'),
            ("--memory-all: ratio exporter/floor (same files), plain", f"{ratio_mem:.2f}x"),
            ("--memory-all: latency median / p90 ms, plain", f'{mm["lat_median_ms"]:.1f} / {mm["lat_p90_ms"]:.1f}'),
            ("--memory-all: per round, ms: exporter / floor", f'{mem["rounds"]} / {fm["rounds"]}'),
            ("--memory-all: processes with uss, last scrape; smaps skips (interval, budget, rss)",
             f'{mem["with_uss"]}; {mem["skips"]}'),
        ]
    lines = ["| measure | value |", "|---|---|"]
    lines += [f"| {a} | {b} |" for a, b in rows]
    met = ratio_pl <= BAR
    verdict = (f"Bar ({BAR}x floor, same files, plain scrape): {'MET' if met else 'NOT MET'} "
               f"({ratio_pl:.2f}x; gzip {ratio_gz:.2f}x)")
    if mem:
        verdict += (f"\n\nBar with uss/pss for every process (--memory-all; floor with {MEMORY_FILES}): "
                    f"{'MET' if ratio_mem <= BAR else 'NOT MET'} ({ratio_mem:.2f}x)")
    return "\n".join(lines), verdict


def append_doc(path, table, verdict, info):
    new = not os.path.exists(path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    with open(path, "a") as f:
        if new:
            f.write(DOC_HEADER.format(bar=BAR) + "\n## Runs\n")
        f.write(f"\n### {stamp}, rev {info['rev']}\n\n")
        f.write(f"- Exporter binary: built from revision {info['binary_rev']} (its build_info)\n")
        f.write(f"- Machine: {info['nproc']} CPUs, {info['cpu']}, kernel {info['kernel']}; "
                f"load average before/after: {info['load_before']} / {info['load_after']}\n")
        f.write(f"- Command: `{info['command']}`\n")
        f.write(f"- Idle children started: {info['children']} ({info['mode']})\n\n")
        f.write(table + "\n\n" + verdict + "\n")


# ---------------------------------------------------------------------------------------------------


def run_memory_all(binary, args, floor_bin, per_round, min_cpu, merge_floor):
    """--memory-all: an exporter reading smaps_rollup for every process vs the floor with smaps_rollup."""
    cfg = tempfile.NamedTemporaryFile("w", prefix="scrape_bench_memory_", suffix=".yml", delete=False)
    exp = None
    try:
        cfg.write(MEMORY_ALL_CONFIG)
        cfg.close()
        exp = Exporter(binary, args.exporter_arg + [f"--config.file={cfg.name}"])
        print(f"scrape_bench: --memory-all exporter pid {exp.proc.pid} on 127.0.0.1:{exp.port}", flush=True)
        for _ in range(args.warmup):
            exp.scrape(False)
        blocks, floors = [], []
        for r in range(args.rounds):
            b = run_block(exp, False, per_round, min_cpu, args.max_scrapes)
            blocks.append(b)
            print(f"scrape_bench: --memory-all round {r + 1}/{args.rounds}: {len(b['lat'])} scrapes, "
                  f"{b['ticks'] * 1000.0 / CLK_TCK / len(b['lat']):.1f} ms CPU/scrape", flush=True)
            f = run_floor(floor_bin, len(b["lat"]), MEMORY_FILES)
            f["passes"] = len(b["lat"])
            floors.append(f)
            print(f"scrape_bench: --memory-all round {r + 1}/{args.rounds} " + f["line"], flush=True)
        plain = summarize(blocks)
        text = plain["body"].decode("utf-8", "replace")
        with_uss = sum(1 for line in text.splitlines()
                       if line.startswith("proctree_process_memory_bytes{") and 'memtype="uss"' in line)
        skipped = metric_values(text, "proctree_probe_skipped_total")
        def skip(reason):
            key = 'proctree_probe_skipped_total{source="smaps",reason="%s"}' % reason
            return str(int(skipped.get(key, 0)))
        skips = ", ".join(skip(k) for k in ("interval", "budget", "rss"))
        return {"plain": plain, "floor": merge_floor(floors), "with_uss": with_uss, "skips": skips,
                "rounds": ", ".join(f'{b["ticks"] * 1000.0 / CLK_TCK / len(b["lat"]):.1f}' for b in blocks)}
    finally:
        if exp is not None:
            exp.stop()
        try:
            os.unlink(cfg.name)
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True, help="the proctree_exporter binary")
    ap.add_argument("--build-dir", required=True, help="where to build the floor binary")
    ap.add_argument("--processes", type=int, default=2000,
                    help="processes in total on the host (pid dirs in /proc); default 2000")
    ap.add_argument("--extra", action="store_true",
                    help="start exactly --processes idle children instead of topping up to that total")
    ap.add_argument("--scrapes", type=int, default=30, help="minimum scrapes per mode, all rounds (default 30)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="interleaved rounds of (plain, gzip, floor, floor); --scrapes and --min-cpu are split "
                         "across them (default 3)")
    ap.add_argument("--warmup", type=int, default=5, help="warm-up scrapes per mode (default 5)")
    ap.add_argument("--min-cpu", type=float, default=1.0,
                    help="keep scraping until the exporter used this many CPU seconds per mode, all rounds (default 1)")
    ap.add_argument("--max-scrapes", type=int, default=1000, help="per mode and round")
    ap.add_argument("--floor-src", default=DEFAULT_FLOOR_SRC)
    ap.add_argument("--doc", default=DEFAULT_DOC)
    ap.add_argument("--no-write", action="store_true", help=f"do not append to {DEFAULT_DOC}")
    ap.add_argument("--memory-all", action="store_true",
                    help="also measure an exporter reading smaps_rollup (uss/pss) for every process on every "
                         "scrape, against the floor with smaps_rollup added (its --config.file wins over "
                         "one given with --exporter-arg)")
    ap.add_argument("--exporter-arg", action="append", default=[],
                    help="extra flag for the exporter (repeatable), e.g. --exporter-arg=--config.file=x.yml")
    args = ap.parse_args()

    # SIGINT (even if inherited as ignored), SIGTERM and SIGHUP all unwind through the finally blocks,
    # which kill and reap the children and the exporter. Only SIGKILL skips them; then the children's
    # PR_SET_PDEATHSIG (via setpriv) kills them, except one started in the instant of the kill.
    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"scrape_bench: {binary} is not an executable; run `make build` first")
    if not os.path.exists(args.floor_src):
        sys.exit(f"scrape_bench: floor source {args.floor_src} not found")
    os.makedirs(args.build_dir, exist_ok=True)
    floor_bin = build_floor(args.floor_src, args.build_dir)

    load_before = loadavg()
    children = Children()
    exp = None
    try:
        existing = count_pids()
        n = args.processes if args.extra else max(0, args.processes - existing)
        mode = "exactly --processes extra" if args.extra else f"top-up from {existing} to {args.processes} total"
        print(f"scrape_bench: {existing} processes exist; starting {n} idle children ({mode})", flush=True)
        t = time.monotonic()
        children.start(n)
        print(f"scrape_bench: started in {time.monotonic() - t:.1f}s; {count_pids()} pid dirs now", flush=True)

        exp = Exporter(binary, args.exporter_arg)
        print(f"scrape_bench: exporter pid {exp.proc.pid} on 127.0.0.1:{exp.port}", flush=True)
        for _ in range(args.warmup):
            exp.scrape(False)
            exp.scrape(True)

        # Interleaved rounds (plain, gzip, floor, floor) so load that drifts during the run hits all
        # four alike; the floor runs while the exporter sits idle.
        per_round = -(-args.scrapes // args.rounds)
        min_cpu = args.min_cpu / args.rounds
        blocks = {"plain": [], "gzip": []}
        floors = {EXPORTER_FILES: [], SMALL_FILES: []}
        for r in range(args.rounds):
            for kind, use_gzip in (("plain", False), ("gzip", True)):
                b = run_block(exp, use_gzip, per_round, min_cpu, args.max_scrapes)
                blocks[kind].append(b)
                print(f"scrape_bench: round {r + 1}/{args.rounds} {kind}: {len(b['lat'])} scrapes, "
                      f"{b['ticks'] * 1000.0 / CLK_TCK / len(b['lat']):.1f} ms CPU/scrape", flush=True)
            passes = len(blocks["plain"][-1]["lat"])
            for files in floors:
                f = run_floor(floor_bin, passes, files)
                f["passes"] = passes
                floors[files].append(f)
                print(f"scrape_bench: round {r + 1}/{args.rounds} " + f["line"], flush=True)
        plain = summarize(blocks["plain"])
        gz = summarize(blocks["gzip"])

        def merge_floor(runs):
            total = sum(f["passes"] for f in runs)
            return {"cpu_ms": sum(f["cpu_ms"] * f["passes"] for f in runs) / total,
                    "wall_ms": sum(f["wall_ms"] * f["passes"] for f in runs) / total,
                    "procs": runs[-1]["procs"], "passes": total,
                    "rounds": ", ".join(f'{f["cpu_ms"]:.1f}' for f in runs)}
        fa = merge_floor(floors[EXPORTER_FILES])
        fb = merge_floor(floors[SMALL_FILES])
        rounds_plain = ", ".join(f'{b["ticks"] * 1000.0 / CLK_TCK / len(b["lat"]):.1f}' for b in blocks["plain"])
        rounds_gzip = ", ".join(f'{b["ticks"] * 1000.0 / CLK_TCK / len(b["lat"]):.1f}' for b in blocks["gzip"])

        text = plain["body"].decode("utf-8", "replace")
        gz_text = gzip.decompress(gz["body"]).decode("utf-8", "replace")
        if gz_text.count("\n") < text.count("\n") * 0.9:
            print("scrape_bench: warning: gzip payload decompresses to far fewer lines than plain", file=sys.stderr)
        procs = metric_values(text, "proctree_scrape_processes")
        scraped = int(next(iter(procs.values()))) if procs else count_pids()
        ph = metric_values(text, "proctree_scrape_duration_seconds")
        phases = ", ".join(f'{re.search(r"phase=.([a-z_]+)", k).group(1)} {v * 1000:.1f}'
                           for k, v in ph.items() if re.search(r"phase=.([a-z_]+)", k))
        m = re.search(r'proctree_exporter_build_info\{[^}]*revision="([^"]*)"', text)
        binary_rev = m.group(1) if m else "?"
        exp.stop()
        exp = None

        memory = None
        if args.memory_all:
            memory = run_memory_all(binary, args, floor_bin, per_round, min_cpu, merge_floor)
    finally:
        if exp is not None:
            exp.stop()
        children.stop()

    result = {"plain": plain, "gzip": gz, "floor_all": fa, "floor_small": fb, "scraped_procs": scraped,
              "phases": phases, "rounds": (rounds_plain, rounds_gzip), "memory": memory}
    table, verdict = fmt_table(result)
    info = machine_info()
    info.update(rev=git_revision(REPO), binary_rev=binary_rev, load_before=load_before, load_after=loadavg(),
                children=n, mode=mode,
                command="python3 " + shlex.join([os.path.relpath(os.path.abspath(sys.argv[0]), REPO)] + sys.argv[1:]))
    if os.environ.get("MAKELEVEL"):
        info["command"] += " (via make bench)"
    print()
    print(f"{info['nproc']} CPUs, {info['cpu']}, kernel {info['kernel']}, rev {info['rev']}, "
          f"binary built from {info['binary_rev']}; load {info['load_before']} -> {info['load_after']}")
    print(table)
    print()
    print(verdict)
    if not args.no_write:
        append_doc(args.doc, table, verdict, info)
        print(f"scrape_bench: appended to {args.doc}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("scrape_bench: interrupted; children and exporter stopped", file=sys.stderr)
        sys.exit(130)
    except (RuntimeError, subprocess.CalledProcessError, OSError) as e:
        print(f"scrape_bench: error: {e}", file=sys.stderr)
        sys.exit(1)
