"""Reporting for the benchmarks: run facts, the fleet tables, docs/benchmarks.md's generated section,
the gnuplot PNG and the dated log. Shared by scrape_bench.py (run facts) and fleet_bench.py.
"""
import datetime
import os
import platform
import shlex
import subprocess

LABELS = {
    "default": "proctree_exporter, embedded default config",
    "every": "proctree_exporter, every-process config",
    "floor": "floor: stat,status,io,limits,fd",
    "process-exporter": "process-exporter, a group per PID",
    "node-exporter": "node_exporter, processes collector only",
}
SHORT = {"default": "default", "every": "every-process", "floor": "floor",
         "process-exporter": "process-exporter", "node-exporter": "node_exporter"}
BEGIN = "<!-- fleet_bench: generated section, begin (tests/bench/fleet_bench.py rewrites it) -->"
END = "<!-- fleet_bench: generated section, end -->"
PLOT = "benchmarks.png"
REFERENCE_COUNT = 2000


def machine_info():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), model)
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "kernel": platform.release(), "cpu": model}


def git_revision(repo):
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo,
                               capture_output=True, text=True).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def command_line(repo, argv):
    cmd = "python3 " + shlex.join([os.path.relpath(os.path.abspath(argv[0]), repo)] + argv[1:])
    return cmd + (" (via make bench)" if os.environ.get("MAKELEVEL") else "")


def binary_version(binary):
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return out.strip().splitlines()[0] if out.strip() else "?"


def peer_version(package):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    return r.stdout.strip() or "?"


class RunInfo:
    """The facts a run is recorded with: when, what, where, how loaded."""

    def __init__(self, repo, argv, args, ctx):
        self.stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        self.rev = git_revision(repo)
        self.machine = machine_info()
        self.command = command_line(repo, argv)
        self.args = args
        self.every_config = os.path.relpath(ctx["every_config"], repo)
        self.binary_version = binary_version(ctx["binary"])
        self.notes = ctx["notes"]  # measuring adds to it
        self.versions = {"process-exporter": peer_version("prometheus-process-exporter"),
                         "node-exporter": peer_version("prometheus-node-exporter")}
        self.load_before = loadavg()
        self.load_after = None
        self.minutes = None

    def finish(self, minutes):
        self.load_after = loadavg()
        self.minutes = minutes


def run_info(repo, argv, args, ctx):
    return RunInfo(repo, argv, args, ctx)


# ---------------------------------------------------------------------------------------------------
# Figures


def fmt(x, spec, missing="-"):
    return missing if x is None else format(x, spec)


def times(x):
    return "-" if x is None else f"{x:.2f}x"


def ratio(a, b):
    return a / b if a is not None and b else None


def per_process_relative(results, tool):
    """CPU per process at each count relative to the reference count (2,000, else the smallest)."""
    counts = [r["count"] for r in results]
    ref_count = REFERENCE_COUNT if REFERENCE_COUNT in counts else min(counts)
    ref = next(r for r in results if r["count"] == ref_count)
    if tool not in ref["tools"]:
        return {}, ref_count
    base = ref["tools"][tool]["cpu_ms"] / ref["pids"]
    return {r["count"]: ratio(r["tools"][tool]["cpu_ms"] / r["pids"], base)
            for r in results if tool in r["tools"]}, ref_count


def results_table(results):
    lines = ["| processes | tool | CPU ms/scrape (median) | per round | scrapes (resolution) | peak RSS MB | "
             "series | payload bytes |", "|---|---|---|---|---|---|---|---|"]
    for r in results:
        for tool, t in r["tools"].items():
            rounds = ", ".join(f"{x:.1f}" for x in t["rounds"])
            res = f' (±{t["resolution_ms"]:.1f})' if t["resolution_ms"] is not None else " (getrusage)"
            lines.append(f'| {r["pids"]:,} | {LABELS[tool]} | {t["cpu_ms"]:.1f} | {rounds} | {t["scrapes"]}{res} | '
                         f'{fmt(t["rss_mb"], ".1f")} | {fmt(t["series"], ",")} | {fmt(t["bytes"], ",")} |')
    return "\n".join(lines)


def ratio_table(results):
    tools = [t for t in LABELS if any(t in r["tools"] for r in results)]
    rel = {}
    for t in tools:
        rel[t], ref_count = per_process_relative(results, t)
    head = ["processes", "default / floor", "every-process / floor"]
    head += [f"CPU/process vs {ref_count:,}: {SHORT[t]}" for t in tools]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in results:
        tt = r["tools"]
        floor = tt.get("floor", {}).get("cpu_ms")
        cells = [f'{r["pids"]:,}',
                 times(ratio(tt.get("default", {}).get("cpu_ms"), floor)),
                 times(ratio(tt.get("every", {}).get("cpu_ms"), floor))]
        cells += [fmt(rel[t].get(r["count"]), ".2f") for t in tools]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------
# The plot (gnuplot)


def plot_script(results, png_path, title=""):
    """A gnuplot script: CPU per scrape and peak RSS against processes, log-log, one line per tool
    (each tool keeps its colour in both panels)."""
    out = []
    tools = [t for t in LABELS if any(t in r["tools"] for r in results)]
    for i, tool in enumerate(tools):
        out.append(f"$d{i} << EOD")
        for r in results:
            t = r["tools"].get(tool)
            if t:
                out.append(f'{r["pids"]} {t["cpu_ms"]:.3f} {fmt(t["rss_mb"], ".2f", "NaN")}')
        out.append("EOD")
    out += [f"set terminal pngcairo size 1200,640 font 'sans,10'", f"set output '{png_path}'",
            "set termoption noenhanced", f"set multiplot layout 1,2 title '{title}'", "set logscale xy", "set grid", "set key below",
            "set xlabel 'processes on the host'", "set format x '%.0s%c'"]
    def plot(col, ylabel, skip):
        lines = [f"$d{i} using 1:{col} with linespoints lt {i + 1} pt 7 title '{LABELS[t]}'"
                 for i, t in enumerate(tools) if t not in skip]
        return [f"set ylabel '{ylabel}'", "plot " + ", \\\n     ".join(lines)]
    out += plot(2, "CPU ms per scrape", ())
    out += plot(3, "peak RSS (VmHWM), MB", ("floor",))
    out.append("unset multiplot")
    return "\n".join(out) + "\n"


def render_plot(results, png_path, title=""):
    try:
        subprocess.run(["gnuplot"], input=plot_script(results, png_path, title), text=True, check=True,
                       capture_output=True)
        return None
    except (OSError, subprocess.CalledProcessError) as e:
        return f"no plot: gnuplot failed ({getattr(e, 'stderr', '') or e})"


# ---------------------------------------------------------------------------------------------------
# The documents


def replace_section(doc_text, section):
    """Puts `section` between the markers, keeping everything outside them; appends if there are none."""
    block = f"{BEGIN}\n{section.rstrip()}\n{END}"
    if BEGIN in doc_text and END in doc_text:
        head, rest = doc_text.split(BEGIN, 1)
        return head + block + rest.split(END, 1)[1]
    return doc_text.rstrip() + "\n\n" + block + "\n"


class FleetReport:
    def __init__(self, results, info):
        self.results = results
        self.info = info

    def facts(self):
        i, a, m = self.info, self.info.args, self.info.machine
        lines = [f"- Run {i.stamp}, revision {i.rev}; {m['nproc']} CPUs, {m['cpu']}, kernel {m['kernel']}; "
                 f"load average before/after {i.load_before} / {i.load_after}; took {i.minutes:.1f} min.",
                 f"- Command: `{i.command}`; exporter: {i.binary_version}.",
                 f"- Every-process config: `{i.every_config}`. Peers (Debian): prometheus-process-exporter "
                 f"{i.versions['process-exporter']} (`-config.path` a group per PID, `{{{{.PID}}}}`; -threads and "
                 f"-gather-smaps at their defaults, on), prometheus-node-exporter {i.versions['node-exporter']} "
                 "(`--collector.disable-defaults --collector.processes`).",
                 f"- {a.rounds} interleaved rounds per count; a block ends after >= {a.min_cpu} s of the server's CPU "
                 f"and >= {a.min_scrapes} scrapes, or at {a.max_scrapes} scrapes ({a.slow_max_scrapes} for "
                 f"process-exporter), or after {a.max_block_seconds:.0f} s of wall time."]
        return "\n".join(lines + [f"- {n}" for n in i.notes])

    def markdown(self):
        return (self.facts() + "\n\n" + results_table(self.results) + "\n\n" + ratio_table(self.results) + "\n")

    def write(self, docs_dir):
        title = f"make bench, {self.info.stamp}, rev {self.info.rev}, {self.info.machine['nproc']} CPUs"
        note = render_plot(self.results, os.path.join(docs_dir, PLOT), title)
        if note:
            self.info.notes.append(note)
        doc = os.path.join(docs_dir, "benchmarks.md")
        with open(doc) as f:
            text = f.read()
        section = f"## Results (generated)\n\n{METHOD}\n![CPU per scrape and peak RSS]({PLOT})\n\n{self.markdown()}"
        with open(doc, "w") as f:
            f.write(replace_section(text, section))
        with open(os.path.join(docs_dir, "benchmarks-log.md"), "a") as f:
            f.write(f"\n### {self.info.stamp}: fleet benchmark (make bench), rev {self.info.rev}\n\n{self.markdown()}")
        print(f"fleet_bench: wrote {doc}, {os.path.join(docs_dir, PLOT)}; appended to benchmarks-log.md")


METHOD = """Method (`tests/bench/fleet_bench.py`, run by `make bench`): for each process count the host is topped up
with idle children (forked by `tests/bench/idle_children.c`) to that many pid directories in `/proc` (kernel threads and the machine's own processes
count; the children are reused by the next, larger count). Every server is started fresh for each count, on
127.0.0.1, and scraped plain (no gzip), one connection per scrape, after warm-up scrapes. In each round every tool
does one block in turn, so load that drifts hits all alike; the figure is the median over the rounds of
(utime+stime of the server, all threads, over the block) / scrapes. Those count in clock ticks (10 ms), so a block
runs until the server has used enough CPU; "resolution" is one tick over the scrapes of the shortest block. The
floor (`../shared/bench/floor.c`, `cc -O2`) reads the files the exporter reads per process today and measures itself
with getrusage, for as many passes as the default exporter's block. Peak RSS is the server's VmHWM after the
rounds; series are the sample lines of the last body, payload its size in bytes.
"""
