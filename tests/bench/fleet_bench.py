#!/usr/bin/env python3
"""Fleet-scale scrape benchmark (`make bench`): this exporter against the floor and two peers, by host size.

The pipeline, in one run:
  1. prepare: build ../shared/bench/floor.c, write the peers' configs, pick the every-process config.
  2. for each process count (default 500, 2,000, 10,000, 20,000), in increasing order:
     a. top up: fork idle children (tests/bench/idle_children.c) until /proc has that many pid directories
        (they are kept and topped up for the next count, reaped at the end);
     b. start every server fresh (so VmHWM is the peak at this count): proctree_exporter with its
        embedded default config, proctree_exporter with the every-process config, process-exporter with
        a group per PID, node_exporter with only its processes collector;
     c. warm up each server, then --rounds interleaved rounds; in each round every tool in turn does one
        block: HTTP scrapes (plain, one connection each) until the server used >= --min-cpu s of CPU
        (utime+stime of all its threads, in clock ticks) and at least --min-scrapes, at most
        --max-scrapes (--slow-max-scrapes for process-exporter) or --max-block-seconds of wall time;
        the floor runs over stat,status,io,limits,fd for as many passes as the default exporter's block;
     d. read each server's VmHWM (peak RSS), the last body's series count and size; stop the servers.
  3. report: per tool and count the median over the rounds of CPU per scrape, the scrapes it rests on,
     the tick resolution, peak RSS, series and payload; the exporter/floor ratio; CPU per process relative
     to 2,000. Printed, written into the generated section of docs/benchmarks.md, plotted (gnuplot) to
     docs/benchmarks.png and appended to docs/benchmarks-log.md (unless --no-write).

Exit status 0 when every count was measured; non-zero when the benchmark could not run.
"""
import argparse
import http.client
import os
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_report  # noqa: E402
import bench_servers  # noqa: E402
from bench_procs import CLK_TCK, ForkedChildren, count_pids, cpu_ticks, pid_max, status_kb  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLOOR_FILES = "stat,status,io,limits,fd"  # what the exporter reads per process today
EVERY_PROCESS_CONFIGS = [os.path.join(REPO, "config", "examples", "every-process.yml"),
                         os.path.join(REPO, "tests", "bench", "configs", "every-process.yml")]
PEER_BINARIES = {"process-exporter": "/usr/bin/prometheus-process-exporter",
                 "node-exporter": "/usr/bin/prometheus-node-exporter"}
# Interleaving order within a round; the floor follows the default exporter whose scrape count it copies.
TOOLS = ["default", "floor", "every", "process-exporter", "node-exporter"]
SLOW_TOOLS = {"process-exporter"}


def default_floor_src():
    candidates = [os.path.normpath(os.path.join(REPO, *up, "shared", "bench", "floor.c")) for up in ([".."], ["..", ".."])]
    return next((c for c in candidates if os.path.exists(c)), candidates[0])


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True, help="the proctree_exporter binary")
    ap.add_argument("--build-dir", required=True, help="where to build the floor and write peer configs")
    ap.add_argument("--counts", default="500,2000,10000,20000",
                    help="processes on the host (pid dirs in /proc), comma-separated (default %(default)s)")
    ap.add_argument("--tools", default=",".join(TOOLS), help="subset of %(default)s")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds per count (default 3)")
    ap.add_argument("--warmup", type=int, default=2, help="warm-up scrapes per server (default 2)")
    ap.add_argument("--min-cpu", type=float, default=0.5,
                    help="CPU seconds a server uses per block before it stops (default 0.5: 50 ticks)")
    ap.add_argument("--min-scrapes", type=int, default=2, help="per block (default 2)")
    ap.add_argument("--max-scrapes", type=int, default=100, help="per block (default 100)")
    ap.add_argument("--slow-max-scrapes", type=int, default=3,
                    help="per block for process-exporter (default 3)")
    ap.add_argument("--max-block-seconds", type=float, default=20.0,
                    help="wall time after which a block ends once it has --min-scrapes (default 20)")
    ap.add_argument("--every-config", help="the every-process config (default: config/examples/every-process.yml "
                                           "or, until that exists, tests/bench/configs/every-process.yml)")
    ap.add_argument("--floor-src", default=default_floor_src(),
                    help="default: ../shared/bench/floor.c next to the repository (or next to its worktree's parent)")
    ap.add_argument("--docs-dir", default=os.path.join(REPO, "docs"))
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    args = ap.parse_args(argv)
    args.counts = sorted(int(c) for c in args.counts.split(",") if c.strip())
    args.tools = [t for t in TOOLS if t in args.tools.split(",")]
    return args


# ---------------------------------------------------------------------------------------------------
# Stage 1: prepare


def prepare(args):
    """Builds the floor and resolves every binary and config; drops (with a note) peers not installed."""
    os.makedirs(args.build_dir, exist_ok=True)
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        sys.exit(f"fleet_bench: {binary} is not an executable; run `make build` first")
    if not os.path.exists(args.floor_src):
        sys.exit(f"fleet_bench: floor source {args.floor_src} not found")
    every = args.every_config or next(p for p in EVERY_PROCESS_CONFIGS if os.path.exists(p))
    pe_config = os.path.join(args.build_dir, "bench-process-exporter.yml")
    with open(pe_config, "w") as f:
        f.write(bench_servers.PROCESS_EXPORTER_CONFIG)
    notes = []
    for tool, path in PEER_BINARIES.items():
        if tool in args.tools and not os.access(path, os.X_OK):
            args.tools.remove(tool)
            notes.append(f"{tool} left out: {path} not installed (scripts/install-deps.sh --bench)")
    check_pid_room(args.counts)
    return {"binary": binary, "every_config": every, "pe_config": pe_config, "notes": notes,
            "floor": bench_servers.build_floor(args.floor_src, args.build_dir)}


def check_pid_room(counts):
    room = pid_max() - 2000  # servers' threads, the machine's own churn
    if max(counts) > room:
        sys.exit(f"fleet_bench: {max(counts)} processes do not fit under pid_max {pid_max()} with a margin")


# ---------------------------------------------------------------------------------------------------
# Stage 2: measure one count


def start_servers(ctx, tools):
    starters = {
        "default": lambda: bench_servers.Exporter(ctx["binary"], []),
        "every": lambda: bench_servers.Exporter(ctx["binary"], ["--config.file=" + ctx["every_config"]]),
        "process-exporter": lambda: bench_servers.process_exporter(PEER_BINARIES["process-exporter"],
                                                                   ctx["pe_config"]),
        "node-exporter": lambda: bench_servers.node_exporter(PEER_BINARIES["node-exporter"]),
    }
    servers = {}
    try:
        for tool in tools:
            if tool in starters:
                servers[tool] = starters[tool]()
    except BaseException:
        stop_servers(servers)
        raise
    return servers


def stop_servers(servers):
    for s in servers.values():
        s.stop()


def count_series(body):
    """Samples in a text exposition: lines that are neither blank nor comments."""
    return sum(1 for line in body.split(b"\n") if line and not line.startswith(b"#"))


def http_block(server, budget):
    """Scrapes until the server used budget['min_cpu'] s of CPU (within the scrape and time caps)."""
    c0, t0, n = cpu_ticks(server.pid), time.monotonic(), 0
    while True:
        _, body = server.scrape()
        n += 1
        used = (cpu_ticks(server.pid) - c0) / CLK_TCK
        if n >= budget["min_scrapes"] and (used >= budget["min_cpu"] or n >= budget["max_scrapes"]
                                           or time.monotonic() - t0 >= budget["max_seconds"]):
            break
    ticks = cpu_ticks(server.pid) - c0
    return {"cpu_ms": ticks * 1000.0 / CLK_TCK / n, "scrapes": n, "ticks": ticks,
            "bytes": len(body), "series": count_series(body)}


def floor_block(floor_bin, passes):
    f = bench_servers.run_floor(floor_bin, passes, FLOOR_FILES)
    return {"cpu_ms": f["cpu_ms"], "scrapes": passes, "ticks": None, "procs": f["procs"]}


def budget_for(tool, args):
    slow = tool in SLOW_TOOLS
    return {"min_cpu": args.min_cpu, "min_scrapes": min(args.min_scrapes, args.slow_max_scrapes if slow else 10**9),
            "max_scrapes": args.slow_max_scrapes if slow else args.max_scrapes,
            "max_seconds": args.max_block_seconds}


TOOL_ERRORS = (OSError, RuntimeError, http.client.HTTPException, subprocess.CalledProcessError)


def drop_tool(ctx, count, tool, error):
    ctx["notes"].append(f"{tool} failed at {count:,} processes, left out of that count: {error}")
    print("fleet_bench: " + ctx["notes"][-1], file=sys.stderr, flush=True)


def warm_up(ctx, servers, count, n, max_seconds):
    for tool, s in list(servers.items()):
        t0 = time.monotonic()
        try:
            for _ in range(n):
                s.scrape()
                if time.monotonic() - t0 >= max_seconds:
                    break
        except TOOL_ERRORS as e:
            drop_tool(ctx, count, tool, e)
            servers.pop(tool).stop()


def one_block(ctx, args, servers, blocks, tool):
    if tool == "floor":
        passes = blocks["default"][-1]["scrapes"] if blocks.get("default") else args.min_scrapes
        return floor_block(ctx["floor"], max(args.min_scrapes, passes))
    return http_block(servers[tool], budget_for(tool, args))


def run_rounds(ctx, args, servers, count):
    """The interleaved rounds; a tool that fails (a peer dying, say) is noted and left out of this count."""
    tools = [t for t in args.tools if t == "floor" or t in servers]
    blocks = {t: [] for t in tools}
    pids = []  # other users of the host can start or end processes mid-run: watch for it
    for r in range(args.rounds):
        for tool in list(tools):
            pids.append(count_pids())
            try:
                b = one_block(ctx, args, servers, blocks, tool)
            except TOOL_ERRORS as e:
                drop_tool(ctx, count, tool, e)
                tools.remove(tool)
                del blocks[tool]
                continue
            blocks[tool].append(b)
            print(f"fleet_bench: {count} procs, round {r + 1}/{args.rounds}, {tool}: "
                  f"{b['cpu_ms']:.1f} ms CPU/scrape over {b['scrapes']}", flush=True)
    return blocks, pids


def note_pid_drift(ctx, count, pids):
    if max(pids) > 1.1 * min(pids):
        ctx["notes"].append(f"at {count:,} the host's processes varied from {min(pids):,} to {max(pids):,} "
                            "while measuring (something else started or ended processes): that row is suspect")


def measure_count(ctx, args, children, count):
    t = time.monotonic()
    started = children.top_up(count)
    have = count_pids()
    print(f"fleet_bench: {count}: started {started} children in {time.monotonic() - t:.1f}s; {have} pid dirs",
          flush=True)
    if have > count * 1.05:
        ctx["notes"].append(f"the host already had {have:,} processes when {count:,} were asked for; "
                            "that row shows what /proc held while measuring")
    servers = start_servers(ctx, args.tools)
    try:
        warm_up(ctx, servers, count, args.warmup, args.max_block_seconds)
        blocks, pids = run_rounds(ctx, args, servers, count)
        note_pid_drift(ctx, count, pids)
        hwm = {tool: status_kb(s.pid, "VmHWM") for tool, s in servers.items() if tool in blocks}
    finally:
        stop_servers(servers)
    return {"count": count, "pids": int(statistics.median(pids)),
            "tools": {t: summarize(blocks[t], hwm.get(t)) for t in blocks}}


def summarize(blocks, hwm_kb):
    """One tool at one count: the median over the rounds, and what it rests on."""
    last = blocks[-1]
    # One block's tick delta is off by less than one tick: that, over its scrapes, is its resolution.
    res = [1000.0 / CLK_TCK / b["scrapes"] for b in blocks if b["ticks"] is not None]
    return {"cpu_ms": statistics.median(b["cpu_ms"] for b in blocks),
            "rounds": [b["cpu_ms"] for b in blocks],
            "scrapes": sum(b["scrapes"] for b in blocks),
            "resolution_ms": max(res) if res else None,
            "rss_mb": hwm_kb / 1024.0 if hwm_kb else None,
            "series": last.get("series"), "bytes": last.get("bytes")}


# ---------------------------------------------------------------------------------------------------
# Pipeline


def measure_all(ctx, args):
    children = ForkedChildren(args.build_dir)
    try:
        return [measure_count(ctx, args, children, count) for count in args.counts]
    finally:
        children.stop()


def install_signal_handlers():
    # SIGINT, SIGTERM and SIGHUP unwind through the finally blocks, which stop the servers and reap the
    # children; on SIGKILL the children's PR_SET_PDEATHSIG (via setpriv) kills them.
    def on_signal(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)


def main(argv):
    args = parse_args(argv)
    install_signal_handlers()
    ctx = prepare(args)
    run_info = bench_report.run_info(REPO, sys.argv, args, ctx)
    t0 = time.monotonic()
    results = measure_all(ctx, args)
    run_info.finish(minutes=(time.monotonic() - t0) / 60)
    report = bench_report.FleetReport(results, run_info)
    print()
    print(report.markdown())
    if not args.no_write:
        report.write(args.docs_dir)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("fleet_bench: interrupted; children and servers stopped", file=sys.stderr)
        sys.exit(130)
    except (RuntimeError, OSError) as e:
        print(f"fleet_bench: error: {e}", file=sys.stderr)
        sys.exit(1)
