"""Scrapes stay complete and valid while processes appear and vanish underneath them."""

import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import harness

SCRAPES = 20
CONCURRENT = 4  # parallel scrapers in the concurrency test
CONCURRENT_ROUNDS = 2  # scrapes per scraper
VANISHED = {"ENOENT", "ESRCH"}  # what a process that exits mid-scrape may cause


def counter_values(text):
    """({(name, labels): value} of every counter series, {pid: start time}) of a scrape."""
    samples = harness.parse_metrics(text)
    types = {}
    for line in text.split("\n"):
        if line.startswith("# TYPE "):
            parts = line.split()
            types[parts[2]] = parts[3]
    starts = {s.labels["pid"]: s.value for s in samples if s.name == "proctree_process_start_time_seconds"}
    counters = {(s.name, tuple(sorted(s.labels.items()))): s.value
                for s in samples if types.get(s.name) == "counter"}
    return counters, starts


def counter_decreases(bodies):
    """Counter series that went down between consecutive scrapes (a reset, to Prometheus).

    A per-process series is compared only while its pid keeps the same start
    time, so a reused pid is not taken for a decrease.
    """
    found = []
    prev = None
    for i, body in enumerate(bodies):
        cur = counter_values(body.decode("utf-8"))
        if prev is not None:
            (old, old_starts), (new, new_starts) = prev, cur
            for key, value in new.items():
                if key in old and value < old[key]:
                    pid = dict(key[1]).get("pid")
                    if pid is not None and old_starts.get(pid) != new_starts.get(pid):
                        continue
                    found.append(f"scrape {i}: {key[0]}{dict(key[1])} {old[key]!r} -> {value!r}")
        prev = cur
    return found


def error_counts(samples):
    """{(family, labels...): count} of the probe error counters in a scrape."""
    out = {}
    for s in samples:
        if s.name in ("proctree_probe_errors_total", "proctree_probe_parse_errors_total"):
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


class Churner:
    """Starts and reaps short-lived processes in a background thread until stopped."""

    def __init__(self):
        self.stop_event = threading.Event()
        self.spawned = 0
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while not self.stop_event.is_set():
                # Several at once, reaped late: each spends a while as a zombie too.
                procs = [subprocess.Popen(["true"], stdin=subprocess.DEVNULL) for _ in range(4)]
                for p in procs:
                    p.wait()
                self.spawned += len(procs)
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = e

    def stop(self):
        self.stop_event.set()
        self.thread.join(30)


class ChurnTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        cls.exporter = cls.start_class_exporter()

    def test_scrapes_during_process_churn(self):
        exporter = self.exporter

        def scrape():
            r = harness.http(exporter.url("/metrics"))
            return r.status, r.body

        status, body = scrape()
        self.assertEqual(status, 200)
        before = error_counts(harness.parse_metrics(body.decode("utf-8"), prefix="proctree_probe_"))

        churner = Churner()
        self.addCleanup(churner.stop)
        harness.poll(lambda: churner.spawned > 0 or churner.error, 10, "the churner to start processes")

        bodies = []
        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=2) as pool:
            checks = []
            for i in range(SCRAPES):
                status, body = scrape()
                self.assertEqual(status, 200, f"scrape {i}: {body[:300]!r}")
                bodies.append(body)
                checks.append(pool.submit(harness.promtool_check_metrics, body))
            churner.stop()
            t1 = time.monotonic()
            for i, check in enumerate(checks):
                rc, out = check.result()
                self.assertEqual(rc, 0, f"scrape {i} fails promtool:\n{out}")
        t2 = time.monotonic()
        self.assertIsNone(churner.error)
        self.assertGreater(churner.spawned, 0)

        # Every counter, per-process and aggregated, only goes up while processes come and go.
        decreases = counter_decreases(bodies)
        self.assertEqual(decreases[:20], [], f"{len(decreases)} counter decreases")

        after = None
        for i, body in enumerate(bodies):
            text = body.decode("utf-8")
            # Complete payloads: the first and last families are there (promtool checked the rest).
            self.assertIn("\nproctree_process_info{", text, f"scrape {i}")
            self.assertIn("\nproctree_exporter_build_info{", text, f"scrape {i}")
            self.assertIn("\nproctree_scrape_duration_seconds{", text, f"scrape {i}")
            counts = error_counts(harness.parse_metrics(text, prefix="proctree_probe_"))
            # Counters never go down, and no series disappears.
            if after is not None:
                for key, value in after.items():
                    self.assertGreaterEqual(counts.get(key, -1), value, f"scrape {i}: {key} went down")
            after = counts

        new = {k: v - before.get(k, 0) for k, v in after.items() if v > before.get(k, 0)}
        unexpected = {k: v for k, v in new.items()
                      if k not in before and not (k[0] == "proctree_probe_errors_total"
                                                  and dict(k[1]).get("errno") in VANISHED)}
        self.assertEqual(unexpected, {}, f"error series that appeared during churn (before: {before})")
        print(f"\nchurn: {churner.spawned} processes spawned; {SCRAPES} scrapes of ~{len(bodies[-1]) // 1024} KiB "
              f"in {t1 - t0:.1f}s, promtool done {t2 - t1:.1f}s later; error counters that grew: "
              + ", ".join(f"{'/'.join(v for _, v in k[1])} +{n:g}" for k, n in sorted(new.items())))

    def test_concurrent_scrapes_during_churn(self):
        exporter = self.exporter
        churner = Churner()
        self.addCleanup(churner.stop)
        harness.poll(lambda: churner.spawned > 0 or churner.error, 10, "the churner to start processes")

        def scrapes(n):
            return [harness.http(exporter.url("/metrics")) for _ in range(n)]

        with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
            results = [r for rs in pool.map(scrapes, [CONCURRENT_ROUNDS] * CONCURRENT) for r in rs]
        churner.stop()
        self.assertIsNone(churner.error)
        self.assertEqual(len(results), CONCURRENT_ROUNDS * CONCURRENT)
        with ThreadPoolExecutor(max_workers=2) as pool:
            checks = list(pool.map(harness.promtool_check_metrics, [r.body for r in results]))
        for i, (r, (rc, out)) in enumerate(zip(results, checks)):
            self.assertEqual(r.status, 200, f"scrape {i}: {r.body[:300]!r}")
            self.assertEqual(rc, 0, f"scrape {i} fails promtool:\n{out}")
            text = r.body.decode("utf-8")
            self.assertIn("\nproctree_exporter_build_info{", text, f"scrape {i}")
            self.assertIn("\nproctree_scrape_duration_seconds{", text, f"scrape {i}")


if __name__ == "__main__":
    harness.main()
