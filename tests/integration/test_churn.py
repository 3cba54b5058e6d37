"""Scrapes stay complete and valid while processes appear and vanish underneath them."""

import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import harness

SCRAPES = 20
VANISHED = {"ENOENT", "ESRCH"}  # what a process that exits mid-scrape may cause


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

    def test_scrapes_during_process_churn(self):
        exporter = self.start_exporter()

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
        with ThreadPoolExecutor(max_workers=2) as pool:
            checks = []
            for i in range(SCRAPES):
                status, body = scrape()
                self.assertEqual(status, 200, f"scrape {i}: {body[:300]!r}")
                bodies.append(body)
                checks.append(pool.submit(harness.promtool_check_metrics, body))
            churner.stop()
            for i, check in enumerate(checks):
                rc, out = check.result()
                self.assertEqual(rc, 0, f"scrape {i} fails promtool:\n{out}")
        self.assertIsNone(churner.error)
        self.assertGreater(churner.spawned, 0)

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
        print(f"\nchurn: {churner.spawned} processes spawned; error counters that grew: {new}")


if __name__ == "__main__":
    harness.main()
