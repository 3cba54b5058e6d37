# ctest: TIMEOUT 1800 LABELS soak RUN_SERIAL
"""Soak: 10,000 scrapes with 2,000 processes on the host; the exporter's RSS must level off.

What it runs (docs/soak.md has the why and a real curve):
- 2,000 idle processes on top of the host's own: `sleep`s in a tree three
  deep (a root sh, one sh per 50 sleeps), so the tree, its subtrees and
  groups are big; a light process storm
  (process_storm --rate 20) keeps processes coming and going, so the
  per-process state the exporter keeps between scrapes (subtree and group
  carries, keyed by pid and start time) turns over, and pids wrap.
- The exporter runs with the tree and groups on but reads only each process's
  stat (config below: the families that need status, io, fd or limits are
  denied). That is the trade-off that fits 10,000 scrapes at 2,000 processes
  into ~12 minutes on 2 CPUs: the default config's reads cost about 3x as
  much per scrape (docs/soak.md). The soak looks for heap growth in the
  model, the tree, the aggregation and the serializer, which this keeps.
- Two scrapers: one keeps its connection, the other opens a new one for
  every scrape, as Prometheus does whenever its scrape interval is longer
  than --web.request-timeout (CivetWeb closes the idle connection), so its
  scrapes land on one CivetWeb worker after another. Every 4th scrape asks
  for gzip. Every 50 scrapes both wait at a barrier and the exporter's VmRSS
  (/proc/<pid>/status) is sampled with no scrape in flight, so a sample is
  retained memory, not a payload being built.
- Then a burst: 4 scrapers at once, 400 scrapes, each on a new connection.

What it asserts:
- every scrape is 200, valid UTF-8, complete (ends with the last family)
  and has the same number of families; every 100th is fully checked
  (scrape_checks) and every 1,000th goes through promtool;
- open descriptors: over the last 1,000 scrapes at most 2 more than over
  the first 1,000;
- RSS growth: let base be the largest sample from scrape 500 to 1,000 (after
  warm-up: caches, carries and the allocator's free lists at their working
  size) and end the largest sample over the last 1,000 scrapes
  (9,050..10,000); end <= 1.10 * base. Largest against largest, because
  freed scrape buffers stay in the allocator, and what it keeps moves by a
  few MB from one sample to the next without any leak;
- after the burst, RSS is within the same 10% of base. Scrapes that ran on
  whichever CivetWeb worker took the connection left their buffers in that
  worker's malloc arena: with glibc's default arenas RSS reached 186-256 MB,
  with two it stepped between 40 and 61 MB. Scrapes now run on the
  exporter's scrape thread (exporter/scrape/scrape_thread.h, docs/soak.md).
The curve goes to <build>/soak/soak_rss.csv (scrape, seconds, rss_kib, ...);
tests/robustness/soak_report.py turns it into the section of docs/soak.md.

Runs alone (RUN_SERIAL): 2,000 processes would slow every other test's scrapes.
"""

import datetime
import gzip
import http.client
import os
import platform
import re
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import harness
import scrape_checks

PROCESSES = 2000        # started by the test, on top of what the host runs
SCRAPES = 10000
SCRAPERS = 2
SAMPLE_EVERY = 50       # scrapes between RSS samples (all scrapers together)
FULL_CHECK_EVERY = 100  # scrapes between full payload checks
PROMTOOL_EVERY = 1000
BASE_FROM, BASE_AT = 500, 1000  # the samples RSS growth is measured from (the largest of them)
LAST_WINDOW = 1000      # the scrapes whose largest sample is compared with it
MAX_GROWTH = 0.10
PER_SHELL = 50          # sleeps per intermediate sh
STORM_RATE = 20
BURST_SCRAPES, BURST_SCRAPERS = 400, 4
REQUEST_TIMEOUT = 120
# The kept-alive scraper may wait at a sampling barrier for the other one; on a
# loaded machine that could outlast the default 10 s idle limit, and the server
# would rightly close its connection.
IDLE = "--web.request-timeout=10m"

CONFIG = """\
# The soak's config: tree and groups on, only /proc/<pid>/stat read per process.
metrics:
  allow: ["*"]
  deny: ["proctree_process_info", "*_memory_*", "*_context_switches_total",
         "*_open_fds", "*_max_fds", "*_io_*", "*_sched_*", "proctree_process_oom_score_adj"]
unmatched:
  per_process: true
  group: auto
"""

LAST_LINE = b'\nproctree_scrape_duration_seconds{phase="serialize"} '
_PROCESSES = re.compile(rb"\nproctree_scrape_processes ([0-9.e+]+)\n")


def count_pids():
    return sum(1 for d in os.listdir("/proc") if d.isdigit())


def pids_in_group(pgid):
    """Processes whose process group is pgid (field 5 of stat)."""
    n = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat[stat.rindex(b")") + 2:].split()[2]) == pgid:
            n += 1
    return n


def status_kib(pid, *fields):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in fields:
                out[name] = int(value.split()[0])
    return [out[f] for f in fields]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        stat = f.read()
    rest = stat[stat.rindex(b")") + 2:].split()
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


def output_dir():
    d = os.path.join(harness.env_path("PROCTREE_BUILD_DIR"), "soak")
    os.makedirs(d, exist_ok=True)
    return d


def git_revision():
    try:
        return subprocess.run(["git", "-C", harness.env_path("PROCTREE_SOURCE_DIR"), "describe", "--always",
                               "--dirty"], capture_output=True, text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


class SoakTest(harness.IntegrationTest):

    def start_sleepers(self, n):
        """n idle processes in one process group: a root sh, one sh per PER_SHELL sleeps, the
        remainder under the root. Every level dies with its parent (setpriv --pdeathsig), and the
        group is killed at cleanup."""
        shells = (n - 1) // (PER_SHELL + 1)
        rest = n - 1 - shells * (PER_SHELL + 1)
        sleep = "setpriv --pdeathsig KILL sleep 100000 &"
        inner = f"for j in $(seq {PER_SHELL}); do {sleep} done; wait"
        outer = (f"for i in $(seq {shells}); do setpriv --pdeathsig KILL sh -c '{inner}' & done; "
                 f"for j in $(seq {rest}); do {sleep} done; wait")
        proc = subprocess.Popen(["setpriv", "--pdeathsig", "KILL", "sh", "-c", outer], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, process_group=0)

        def stop():
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(30)
        self.addCleanup(stop)
        harness.poll(lambda: proc.poll() is None and pids_in_group(proc.pid) >= n, 300,
                     f"{n} idle processes", interval=0.5)

    def burst(self, exporter):
        """BURST_SCRAPES scrapes by BURST_SCRAPERS threads, each scrape on a new connection; returns
        VmRSS (KiB) afterwards."""
        failures = []

        def scraper(n):
            try:
                for _ in range(n):
                    r = harness.http(exporter.url("/metrics"), timeout=REQUEST_TIMEOUT)
                    if r.status != 200 or not r.body.endswith(b"\n"):
                        raise AssertionError(f"HTTP {r.status}: ...{r.body[-300:]!r}")
            except Exception as e:  # noqa: BLE001 - reported below
                failures.append(f"{type(e).__name__}: {e}")

        threads = [threading.Thread(target=scraper, args=(BURST_SCRAPES // BURST_SCRAPERS,), daemon=True)
                   for _ in range(BURST_SCRAPERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures, [], f"burst; exporter log:\n{exporter.log.text()[-5000:]}")
        return status_kib(exporter.proc.pid, "VmRSS")[0]

    def test_rss_levels_off_over_10000_scrapes(self):
        t_start = time.monotonic()
        workdir = self.make_tmpdir()
        config = os.path.join(workdir, "soak.yml")
        with open(config, "w") as f:
            f.write(CONFIG)
        before = count_pids()
        self.start_sleepers(PROCESSES)
        storm_out, _ = self.start_process_storm("--rate", str(STORM_RATE), "--workers", "1", "--max-zombies", "4")
        exporter = self.start_exporter(f"--config.file={config}", IDLE)
        pid = exporter.proc.pid
        t_ready = time.monotonic()

        # One full check up front: the family count every scrape must match.
        r = harness.http(exporter.url("/metrics"), timeout=REQUEST_TIMEOUT)
        self.assertEqual(r.status, 200, r.body[:300])
        families = len(scrape_checks.check(r.body).types)
        self.assertEqual(r.body.count(b"\n# TYPE "), families)  # how each scrape is counted below

        samples = []  # (scrape, seconds, rss, rss_anon, hwm, processes, exporter cpu seconds, open fds)
        lock = threading.Lock()
        state = {"done": 0, "processes": 0, "bytes": 0}
        failures = []
        stop = threading.Event()
        t0 = time.monotonic()
        cpu0 = cpu_seconds(pid)

        # The curve is written as it is sampled, so a run that fails or times out leaves it too.
        csv_path = os.path.join(output_dir(), "soak_rss.csv")
        csv_file = open(csv_path, "w")
        self.addCleanup(csv_file.close)
        for k, v in {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                     "revision": git_revision(),
                     "machine": f"{os.cpu_count()} CPUs, {platform.machine()}, kernel {platform.release()}",
                     "processes_before": before, "idle_processes_started": PROCESSES,
                     "setup_seconds": f"{t_ready - t_start:.1f}"}.items():
            csv_file.write(f"# {k}: {v}\n")
        csv_file.write("scrape,seconds,rss_kib,rss_anon_kib,hwm_kib,processes,exporter_cpu_seconds,fds\n")

        def sample():
            rss, anon, hwm = status_kib(pid, "VmRSS", "RssAnon", "VmHWM")
            s = (state["done"], time.monotonic() - t0, rss, anon, hwm, state["processes"], cpu_seconds(pid) - cpu0,
                 len(os.listdir(f"/proc/{pid}/fd")))
            samples.append(s)
            csv_file.write(f"{s[0]},{s[1]:.2f},{s[2]},{s[3]},{s[4]},{s[5]},{s[6]:.2f},{s[7]}\n")
            csv_file.flush()

        barrier = threading.Barrier(SCRAPERS, action=sample, timeout=REQUEST_TIMEOUT * 2)
        promtool_pool = ThreadPoolExecutor(max_workers=1)
        self.addCleanup(promtool_pool.shutdown)
        promtool = []

        def scraper(k):
            # Scraper 0 keeps its connection; scraper 1 opens a new one for every scrape, as
            # Prometheus does whenever its scrape interval is longer than --web.request-timeout.
            rotate = k == 1
            conn = http.client.HTTPConnection("127.0.0.1", exporter.port, timeout=REQUEST_TIMEOUT)
            try:
                barrier.wait()  # the sample at scrape 0
                for n in range(SCRAPES // SCRAPERS):
                    if stop.is_set():
                        return
                    index = n * SCRAPERS + k  # this scrape's place in the whole run
                    use_gzip = n % 4 == 3
                    if rotate and n:
                        conn.close()
                        conn = http.client.HTTPConnection("127.0.0.1", exporter.port, timeout=REQUEST_TIMEOUT)
                    conn.request("GET", "/metrics", headers={"Accept-Encoding": "gzip" if use_gzip else "identity"})
                    resp = conn.getresponse()
                    body = resp.read()
                    where = f"scrape {index} (scraper {k})"
                    if resp.status != 200:
                        raise AssertionError(f"{where}: HTTP {resp.status}: {body[:300]!r}")
                    if (resp.getheader("Content-Encoding") == "gzip") != use_gzip:
                        raise AssertionError(f"{where}: Content-Encoding {resp.getheader('Content-Encoding')!r}")
                    if use_gzip:
                        body = gzip.decompress(body)
                    body.decode("utf-8")  # raises on invalid UTF-8
                    tail = body[-8192:]
                    if not body.endswith(b"\n") or LAST_LINE not in tail:
                        raise AssertionError(f"{where}: incomplete payload: ...{tail[-300:]!r}")
                    if body.count(b"\n# TYPE ") != families:
                        raise AssertionError(f"{where}: {body.count(b'# TYPE ')} families, expected {families}")
                    if index % FULL_CHECK_EVERY == 0:
                        scrape_checks.check(body)
                    if index % PROMTOOL_EVERY == 0:
                        promtool.append((index, promtool_pool.submit(harness.promtool_check_metrics, body)))
                    m = _PROCESSES.search(tail)
                    with lock:
                        state["done"] += 1
                        state["bytes"] += len(body)
                        if m:
                            state["processes"] = int(float(m.group(1)))
                    if (n + 1) % (SAMPLE_EVERY // SCRAPERS) == 0:
                        barrier.wait()
            except Exception as e:  # noqa: BLE001 - reported with the exporter's state
                failures.append(f"scraper {k}: {type(e).__name__}: {e}")
                stop.set()
                barrier.abort()
            finally:
                conn.close()

        threads = [threading.Thread(target=scraper, args=(k,), daemon=True) for k in range(SCRAPERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        t_end = time.monotonic()
        if failures or exporter.proc.poll() is not None:
            self.fail(f"{failures[:2]}; exporter exit code {exporter.proc.poll()}; log:\n"
                      f"{exporter.log.text()[-10000:]}")
        self.assertEqual(state["done"], SCRAPES)
        for index, future in promtool:
            rc, out = future.result()
            self.assertEqual(rc, 0, f"scrape {index} fails promtool:\n{out}")
        self.assertEqual(len(promtool), SCRAPES // PROMTOOL_EVERY)

        storm_spawned = max((int(l.split()[1]) for l in storm_out.lines() if l.startswith("spawned ")), default=0)
        for k, v in {"storm_processes_started": storm_spawned, "scrape_seconds": f"{t_end - t0:.1f}",
                     "payload_mib_per_scrape": f"{state['bytes'] / SCRAPES / (1 << 20):.2f}",
                     "exporter_cpu_ms_per_scrape": f"{samples[-1][6] * 1000 / SCRAPES:.1f}",
                     "load_average_end": " ".join(f"{x:.2f}" for x in os.getloadavg())}.items():
            csv_file.write(f"# {k}: {v}\n")
        csv_file.close()
        path = csv_path

        self.assertEqual([s[0] for s in samples], list(range(0, SCRAPES + 1, SAMPLE_EVERY)))
        self.assertTrue(all(s[5] >= PROCESSES for s in samples[1:]),
                        f"processes seen: {sorted(set(s[5] for s in samples[1:]))[:5]}...")
        base = max((s for s in samples if BASE_FROM <= s[0] <= BASE_AT), key=lambda s: s[2])
        last = [s for s in samples if s[0] > SCRAPES - LAST_WINDOW]
        end = max(last, key=lambda s: s[2])
        print(f"\nsoak: {SCRAPES} scrapes in {t_end - t0:.0f}s (setup {t_ready - t_start:.0f}s), "
              f"{state['bytes'] / SCRAPES / (1 << 20):.2f} MiB each, exporter CPU "
              f"{samples[-1][6] * 1000 / SCRAPES:.1f} ms/scrape, {samples[-1][5]} processes; RSS KiB at 0 / "
              f"max of {BASE_FROM}..{BASE_AT} / max of the last {LAST_WINDOW} / HWM: {samples[0][2]} / {base[2]} / "
              f"{end[2]} (scrape {end[0]}) / {samples[-1][4]}; curve in {path}")
        # Open descriptors do not creep up either (no scrape is in flight at a sample).
        first = [s for s in samples if s[0] <= BASE_AT]
        self.assertLessEqual(max(s[7] for s in last), max(s[7] for s in first) + 2, "exporter's open fds grew")
        burst = self.burst(exporter)
        csv_file = open(csv_path, "a")
        csv_file.write(f"# rss_kib_after_burst: {burst} ({BURST_SCRAPES} scrapes by {BURST_SCRAPERS} scrapers, "
                       f"a new connection each)\n")
        csv_file.close()
        print(f"soak: after {BURST_SCRAPES} scrapes on new connections RSS is {burst} KiB")
        self.assertLessEqual(burst, base[2] * (1 + MAX_GROWTH),
                             f"RSS {burst} KiB after {BURST_SCRAPES} scrapes on new connections: more than "
                             f"{MAX_GROWTH:.0%} over {base[2]} KiB at scrape {base[0]}; curve in {path}")
        self.assertLessEqual(end[2], base[2] * (1 + MAX_GROWTH),
                             f"RSS grew from {base[2]} KiB at scrape {base[0]} to {end[2]} KiB at scrape {end[0]} "
                             f"(> {MAX_GROWTH:.0%}); curve in {path}")

if __name__ == "__main__":
    harness.main()
