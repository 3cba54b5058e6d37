# ctest: TIMEOUT 600 RUN_SERIAL
"""100 scrapes during a fork/exec/exit storm of at least 200 processes a second.

The storm (tests/helpers/process_storm.cc) is one tree: a subreaper root and
two workers that start processes that exec /bin/true, exit without exec, or
orphan an exec'd grandchild back to the root (4 of every 13 exec). The exporter runs the default
config plus a selector that puts the storm's root and workers in group
"storm" (per-process series on); the short-lived processes, unmatched, join
that group through the tree. Every scrape is checked while the storm runs:
200, valid UTF-8, a well-formed payload (scrape_checks), and afterwards all
100 through promtool. The storm's achieved rate over the scrapes is asserted,
the exporter must be alive, the probe error counters may only grow for a
vanished process (ENOENT/ESRCH, probes/probe_errors.cc), and the storm
root's subtree counters, the group's counters and every process's counters
never decrease.

It runs alone (RUN_SERIAL): the storm would slow and churn the scrapes of
tests beside it, and they would take the CPU its rate needs.
"""

import os
import re
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import harness
import scrape_checks

SCRAPES = 100
MIN_RATE = 200.0           # processes started per second over the scrapes
STORM_RATE = 400           # the storm's pace; it runs flat out when it cannot keep it
VANISHED = {"ENOENT", "ESRCH"}
SCRAPE_TIMEOUT = 60        # per request; sanitizer builds are 5-10x slower
ERROR_FAMILIES = ("proctree_probe_errors_total", "proctree_probe_parse_errors_total")

CONFIG = """\
# The embedded default, plus the storm's root and workers in one group.
metrics:
  allow: ["*"]
  deny: []
processes:
  - group: storm
    per_process: true
    match:
      comm: [process_storm]
unmatched:
  per_process: true
  group: auto
"""

_PID = re.compile(r'[{,]pid="([0-9]+)"')


def storm_binary():
    return harness.env_path("PROCTREE_STORM")


def counters(scrape):
    """{(name, raw labels): value} of every counter series."""
    types = scrape.types
    return {k: v for k, v in scrape.series.items() if types.get(k[0]) == "counter"}


def start_times(scrape):
    return {scrape_checks.labels(raw)["pid"]: v for (name, raw), v in scrape.series.items()
            if name == "proctree_process_start_time_seconds"}


def error_counts(scrape):
    return {k: v for k, v in scrape.series.items() if k[0] in ERROR_FAMILIES}


def is_vanished(key):
    return key[0] == "proctree_probe_errors_total" and scrape_checks.labels(key[1]).get("errno") in VANISHED


class Storm:
    """process_storm in its own process group (not session: with autogroup scheduling a
    session of its own would get a fixed share of the CPU); stopped by closing its stdin,
    killed with its group if need be."""

    def __init__(self, rate):
        self.proc = subprocess.Popen([storm_binary(), "--rate", str(rate)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, process_group=0)
        self.out = harness.LineCollector(self.proc.stdout)
        m = self.out.wait_for(r"^ready ([0-9]+)((?: [0-9]+)+)$", 30, "process_storm's 'ready' line")
        self.pid = int(m.group(1))
        self.workers = [int(p) for p in m.group(2).split()]

    def spawned(self):
        for line in reversed(self.out.lines()):
            if line.startswith("spawned "):
                return int(line.split()[1])
        return 0

    def stop(self):
        """Closes stdin and waits for "done"; returns (spawned, failed) or None when it had to be killed."""
        rc = harness.close_stdin_and_wait(self.proc, 30)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # whatever is left of the group
        except ProcessLookupError:
            pass
        self.out.join()
        m = re.search(r"^done spawned=([0-9]+) failed=([0-9]+)$", self.out.text(), re.M)
        return (int(m.group(1)), int(m.group(2))) if rc == 0 and m else None


class ChurnStormTest(harness.IntegrationTest):

    def scrape(self, exporter, i):
        try:
            r = harness.http(exporter.url("/metrics"), timeout=SCRAPE_TIMEOUT)
        except OSError as e:
            self.fail(f"scrape {i}: {e}; exporter exit code {exporter.proc.poll()}; log:\n{exporter.log.text()}")
        self.assertEqual(r.status, 200, f"scrape {i}: {r.body[:300]!r}")
        try:
            return r.body, scrape_checks.check(r.body)
        except scrape_checks.PayloadError as e:
            self.fail(f"scrape {i}: {e}")

    def test_scrapes_during_a_process_storm(self):
        workdir = self.make_tmpdir()
        config = os.path.join(workdir, "storm.yml")
        with open(config, "w") as f:
            f.write(CONFIG)
        exporter = self.start_exporter(f"--config.file={config}")

        # Two quiet scrapes: error series that grow without the storm belong to
        # the host (e.g. EACCES on other users' processes when not root).
        _, first = self.scrape(exporter, "baseline 1")
        _, quiet = self.scrape(exporter, "baseline 2")
        before = error_counts(quiet)
        ambient = {k for k, v in before.items() if v > error_counts(first).get(k, 0)}

        storm = Storm(STORM_RATE)
        stopped = []
        self.addCleanup(lambda: stopped or storm.stop())
        harness.poll(lambda: storm.spawned() > 0 or storm.proc.poll() is not None, 30,
                     "the storm's first processes")
        self.assertIsNone(storm.proc.poll(), f"process_storm exited early: {storm.out.text()}")

        bodies = []
        root_counters = []  # per scrape: the storm root's subtree counters
        group_counters = []
        storm_pids = set()  # every pid seen in the storm's group
        decreases = []
        prev = None
        errors = {}
        spawned0, t0 = storm.spawned(), time.monotonic()
        for i in range(SCRAPES):
            body, scrape = self.scrape(exporter, i)
            bodies.append(body)
            root_counters.append({k: v for k, v in scrape.series.items()
                                  if k[0].startswith("proctree_subtree_") and f'pid="{storm.pid}"' in k[1]
                                  and scrape.types.get(k[0]) == "counter"})
            group_counters.append({k: v for k, v in scrape.series.items()
                                   if k[0].startswith("proctree_group_") and k[1].startswith('{group="storm"')
                                   and scrape.types.get(k[0]) == "counter"})
            for (name, raw), _ in scrape.series.items():
                if name == "proctree_process_info" and 'comm="true"' in raw:
                    storm_pids.add(_PID.search(raw).group(1))
            cur = (counters(scrape), start_times(scrape))
            if prev is not None:
                # A per-process series is compared only while its pid keeps its start time (pids wrap).
                (old, old_starts), (new, new_starts) = prev, cur
                for key, value in new.items():
                    if key in old and value < old[key]:
                        m = _PID.search(key[1])
                        if m and old_starts.get(m.group(1)) != new_starts.get(m.group(1)):
                            continue
                        decreases.append(f"scrape {i}: {key[0]}{key[1]} {old[key]!r} -> {value!r}")
            prev = cur
            errors = error_counts(scrape)
        spawned1, t1 = storm.spawned(), time.monotonic()
        result = storm.stop()
        stopped.append(True)
        self.assertIsNotNone(result, f"process_storm did not stop cleanly: {storm.out.text()[-2000:]}")
        self.assertEqual(result[1], 0, "storm processes that did not exit 0 (a failed exec?)")

        rate = (spawned1 - spawned0) / (t1 - t0)
        load = os.getloadavg()
        self.assertGreaterEqual(rate, MIN_RATE, f"the storm reached only {rate:.0f} processes/s during the "
                                f"scrapes (load average {load[0]:.1f} on {os.cpu_count()} CPUs)")

        self.assertIsNone(exporter.proc.poll(), f"exporter died; log:\n{exporter.log.text()}")
        self.assertEqual(harness.http(exporter.url("/-/healthy")).status, 200)

        with ThreadPoolExecutor(max_workers=2) as pool:
            checks = list(pool.map(harness.promtool_check_metrics, bodies))
        for i, (rc, out) in enumerate(checks):
            self.assertEqual(rc, 0, f"scrape {i} fails promtool:\n{out}")

        # The storm was seen: its root in every scrape's subtrees and group, and many of its processes.
        for i, (root, group) in enumerate(zip(root_counters, group_counters)):
            self.assertTrue(root, f"scrape {i}: no subtree counters for the storm's root {storm.pid}")
            self.assertTrue(group, f"scrape {i}: no counters for group storm")
        self.assertGreater(len(storm_pids), SCRAPES // 2, "storm processes seen across the scrapes")

        self.assertEqual(decreases[:20], [], f"{len(decreases)} counter decreases")
        for name, series in (("subtree of the storm's root", root_counters), ("group storm", group_counters)):
            for i in range(1, len(series)):
                for key, value in series[i].items():
                    self.assertIn(key, series[i - 1], f"scrape {i}: {name}: {key} appeared mid-storm")
                    self.assertGreaterEqual(value, series[i - 1][key], f"scrape {i}: {name}: {key} went down")
        cpu_key = ("proctree_subtree_cpu_seconds_total", f'{{pid="{storm.pid}",comm="process_storm",mode="system"}}')
        self.assertGreater(root_counters[-1].get(cpu_key, 0), root_counters[0].get(cpu_key, 0),
                           "the storm's subtree CPU did not grow")

        grew = {k: v - before.get(k, 0) for k, v in errors.items() if v > before.get(k, 0)}
        unexpected = {k: n for k, n in grew.items() if not is_vanished(k) and k not in ambient}
        self.assertEqual(unexpected, {}, "error series other than a vanished process that grew during the storm")
        print(f"\nstorm: {spawned1 - spawned0} processes in {t1 - t0:.1f}s ({rate:.0f}/s; {result[0]} in all), "
              f"{len(storm_pids)} of them seen in {SCRAPES} scrapes of ~{len(bodies[-1]) // 1024} KiB; "
              f"load average {load[0]:.1f}; error counters that grew: "
              + (", ".join(f"{k[0]}{k[1]} +{n:g}" for k, n in sorted(grew.items())) or "none"))


if __name__ == "__main__":
    harness.main()
