"""Per-request family selection (collect[] / exclude[], encoded or not), the
400 for unknown names, the narrower probe reads it brings,
--web.disable-exporter-metrics, and X-Prometheus-Scrape-Timeout-Seconds."""

import os
import shutil
import time

import harness
import web_harness as wh
from harness import http, raw_http


def families(samples):
    return {s.name for s in samples}


class CollectTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        cls.exporter = cls.start_class_exporter()

    def get(self, query):
        return http(self.exporter.url("/metrics?" + query))

    def samples(self, query):
        r = self.get(query)
        self.assertEqual(r.status, 200, r.body[:300])
        return harness.parse_metrics(r.text())

    def test_collect_unencoded_and_encoded(self):
        want = {"proctree_processes", "process_open_fds"}
        for query in ("collect[]=proctree_processes&collect[]=process_open_fds",
                      "collect%5B%5D=proctree_processes&collect%5B%5D=process_open_fds",
                      "collect%5b%5d=proctree%5Fprocesses&x=1&collect[]=process_open_fds"):
            with self.subTest(query=query):
                self.assertEqual(families(self.samples(query)), want)

    def test_collect_sent_raw_as_prometheus_sends_it(self):
        status, headers, body, raw = raw_http(
            self.exporter.port,
            b"GET /metrics?collect%5B%5D=proctree_exporter_build_info HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(status, 200, raw[:300])
        self.assertEqual(families(harness.parse_metrics(body.decode())), {"proctree_exporter_build_info"})

    def test_exclude(self):
        full = families(self.samples(""))
        got = families(self.samples("exclude%5B%5D=proctree_process_info&exclude[]=process_open_fds"))
        self.assertIn("proctree_process_info", full)
        self.assertEqual(got, full - {"proctree_process_info", "process_open_fds"})

    def test_unknown_family_is_400_naming_it(self):
        for query, name in (("collect[]=proctree_nope", "collect[]: unknown metric family \"proctree_nope\""),
                            ("collect%5B%5D=proctree_processes&collect%5B%5D=node_cpu", "\"node_cpu\""),
                            ("exclude[]=x%20y", "exclude[]: unknown metric family \"x y\""),
                            ("collect[]=", "unknown metric family \"\"")):
            with self.subTest(query=query):
                r = self.get(query)
                self.assertEqual(r.status, 400, r.body)
                self.assertIn(name, r.text())
                self.assertNotIn("proctree_exporter_build_info", r.text())

    def test_collect_and_exclude_together_is_400(self):
        r = self.get("collect[]=proctree_processes&exclude[]=process_open_fds")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.body, b"Combined collect and exclude queries are not allowed.\n")

    def test_other_parameters_are_ignored(self):
        self.assertEqual(self.get("foo=bar&collect=proctree_nope").status, 200)


class CollectNarrowsReadsTest(harness.IntegrationTest):
    """On tests/fixtures/proc-broken, pid 105's io file is malformed: a
    scrape that reads io counts a parse error for it; one narrowed by
    collect[] to families that need no io does not open the file."""

    def test_unrequested_files_are_not_read(self):
        proc = os.path.join(self.make_tmpdir(), "proc")
        shutil.copytree(os.path.join(wh.FIXTURES, "proc-broken"), proc, symlinks=True)
        e = self.start_exporter(f"--procfs={proc}", harness.EVERY_PROCESS)

        def io_errors(query):
            r = http(e.url("/metrics?" + query))
            self.assertEqual(r.status, 200, r.body[:300])
            s = harness.parse_metrics(r.text())
            found = harness.select(s, "proctree_probe_parse_errors_total", source="io")
            return found[0].value if found else 0, s

        narrow = "collect[]=proctree_process_cpu_seconds_total&collect[]=proctree_probe_parse_errors_total"
        n, s = io_errors(narrow)
        self.assertEqual(n, 0)
        self.assertTrue(harness.select(s, "proctree_process_cpu_seconds_total", pid="105"))
        self.assertEqual(harness.one(s, "proctree_probe_parse_errors_total", source="stat").value, 2)
        n, _ = io_errors("")  # everything: io is read
        self.assertEqual(n, 1)
        n, _ = io_errors(narrow)  # not read again
        self.assertEqual(n, 1)
        n, _ = io_errors("collect[]=proctree_process_io_bytes_total&collect[]=proctree_probe_parse_errors_total")
        self.assertEqual(n, 2)


class DisableExporterMetricsTest(harness.IntegrationTest):

    def test_own_metrics_are_dropped(self):
        e = self.start_exporter("--web.disable-exporter-metrics")
        _, samples = self.scrape(e)
        names = families(samples)
        self.assertFalse({n for n in names if n.startswith(("process_", "proctree_scrape_"))}, names)
        self.assertIn("proctree_process_info", names)
        self.assertIn("proctree_exporter_build_info", names)
        # collect[] cannot bring them back.
        r = http(e.url("/metrics?collect[]=process_open_fds&collect[]=proctree_processes"))
        self.assertEqual(r.status, 200)
        self.assertEqual(families(harness.parse_metrics(r.text())), {"proctree_processes"})

    def test_own_metrics_are_there_by_default(self):
        _, samples = self.scrape(self.start_exporter())
        names = families(samples)
        for n in ("process_open_fds", "process_resident_memory_bytes", "proctree_scrape_duration_seconds",
                  "proctree_scrape_deadline_exceeded_total"):
            self.assertIn(n, names)


class ScrapeTimeoutTest(harness.IntegrationTest):
    """A procfs whose processes 30 and 60 have FIFOs for stat: the scan waits
    at the first it meets until the test releases it after the deadline from
    X-Prometheus-Scrape-Timeout-Seconds, then starts no further process."""

    PIDS = [10, 20, 30, 40, 50, 60, 70, 80]

    def test_deadline_stops_the_scan_and_is_counted(self):
        procfs = wh.HeldProcfs(os.path.join(self.make_tmpdir(), "proc"), self.PIDS, held={30, 60})
        self.addCleanup(procfs.release)
        e = self.start_exporter(f"--procfs={procfs.root}", harness.EVERY_PROCESS)
        timeout = 2.0  # the deadline is 1.5 s after the request: a quarter kept for the rest
        started = time.monotonic()
        scrape = wh.Background(http, e.url("/metrics"), "GET", {"X-Prometheus-Scrape-Timeout-Seconds": str(timeout)},
                               None, 20)
        # Let the deadline pass while the scan waits at a FIFO, then let it go on.
        harness.poll(lambda: time.monotonic() - started > 0.9 * timeout, 5, "the scrape deadline to pass")
        self.assertFalse(scrape.done(), "the scrape did not wait at the FIFO")
        harness.poll(lambda: procfs.release() or scrape.done(), 15, "the held scrape to answer", interval=0.05)
        r = scrape.result(5)
        self.assertEqual(r.status, 200, r.body[:300])
        s = harness.parse_metrics(r.text())
        self.assertEqual(harness.one(s, "proctree_scrape_deadline_exceeded_total").value, 1)
        read = {int(x.labels["pid"]) for x in harness.select(s, "proctree_process_info")}
        # The scan met the first FIFO in directory order (the probe lists the
        # directory as os.listdir does), waited past the deadline there, and
        # started no process after it.
        order = [int(n) for n in os.listdir(procfs.root) if n.isdigit()]
        first_held = min(order.index(30), order.index(60))
        self.assertEqual(read, set(order[:first_held]), order)
        self.assertEqual(harness.one(s, "proctree_scrape_processes").value, first_held)
        # Tree families are left out of a scrape cut short.
        self.assertFalse(harness.select(s, "proctree_process_depth"))
        # Exporter metrics are still there.
        self.assertTrue(harness.select(s, "process_open_fds"))

        # Without the header, nothing is cut short (the FIFOs are released as met).
        full = wh.Background(http, e.url("/metrics"), "GET", None, None, 20)
        harness.poll(lambda: procfs.release() or full.done(), 15, "the unbounded scrape to answer", interval=0.05)
        r = full.result(5)
        self.assertEqual(r.status, 200)
        s = harness.parse_metrics(r.text())
        self.assertEqual(harness.one(s, "proctree_scrape_deadline_exceeded_total").value, 1)
        read = {int(x.labels["pid"]) for x in harness.select(s, "proctree_process_info")}
        self.assertEqual(read, set(self.PIDS) - {30, 60})  # the held ones read empty: dropped
        self.assertTrue(harness.select(s, "proctree_process_depth"))

    def test_generous_timeout_changes_nothing(self):
        e = self.start_exporter()
        _, s = self.scrape(e, headers={"X-Prometheus-Scrape-Timeout-Seconds": "10"})
        self.assertEqual(harness.one(s, "proctree_scrape_deadline_exceeded_total").value, 0)
        self.assertTrue(harness.select(s, "proctree_process_depth"))
        _, s = self.scrape(e, headers={"X-Prometheus-Scrape-Timeout-Seconds": "bogus"})
        self.assertEqual(harness.one(s, "proctree_scrape_deadline_exceeded_total").value, 0)


if __name__ == "__main__":
    harness.main()
