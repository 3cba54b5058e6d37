"""The exporter reports the workload helper's known figures, over plain and gzip HTTP."""

import getpass
import gzip
import os
import pwd
import time

import harness
from harness import MIB, one, select

RSS_SLACK = 40 * MIB  # binary, libraries, stacks and allocator on top of the 64 MiB touched


class WorkloadMetricsTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        # One exporter and one workload for all assertions: starting them is the slow part.
        cls.tmp = cls.make_class_tmpdir()
        cls.exporter = cls.start_class_exporter(harness.EVERY_PROCESS)
        cls.t0 = time.time()
        cls.workload = harness.Workload(cls.tmp, ["--children", "2"])
        cls.addClassCleanup(cls.workload.stop)
        cls.pid = str(cls.workload.pid)

        r = harness.http(cls.exporter.url("/metrics"))
        if r.status != 200:
            raise AssertionError(f"GET /metrics: {r.status} {r.body[:500]!r}")
        cls.response = r
        cls.samples = harness.parse_metrics(r.body.decode("utf-8"))

    def value(self, name, **labels):
        return one(self.samples, name, pid=self.pid, **labels).value

    def test_rss(self):
        rss = self.value("proctree_process_memory_bytes", memtype="rss")
        self.assertGreaterEqual(rss, 64 * MIB)
        self.assertLessEqual(rss, 64 * MIB + RSS_SLACK)

    def test_io_bytes_written(self):
        self.assertGreaterEqual(self.value("proctree_process_io_bytes_total", direction="write"), 8 * MIB)

    def test_io_chars_written(self):
        self.assertGreaterEqual(self.value("proctree_process_io_chars_total", direction="write"), 8 * MIB)

    def test_open_fds(self):
        # stdin, stdout, stderr and 50 on /dev/null, plus whatever the test runner let it inherit.
        self.assertGreaterEqual(self.value("proctree_process_open_fds"), 53)
        self.assertEqual(self.value("proctree_process_open_fds"), len(os.listdir(f"/proc/{self.pid}/fd")))

    def test_threads(self):
        self.assertEqual(self.value("proctree_process_threads"), 5)

    def test_info(self):
        info = one(self.samples, "proctree_process_info", pid=self.pid)
        self.assertEqual(info.value, 1)
        self.assertEqual(info.labels["ppid"], str(os.getpid()))
        self.assertEqual(info.labels["user"], pwd.getpwuid(os.getuid()).pw_name)
        self.assertEqual(info.labels["user"], getpass.getuser())
        self.assertEqual(info.labels["comm"], "workload")

    def test_children(self):
        self.assertEqual(len(self.workload.children), 2)
        for child in self.workload.children:
            with self.subTest(child=child):
                info = one(self.samples, "proctree_process_info", pid=str(child))
                self.assertEqual(info.labels["ppid"], self.pid)
                self.assertEqual(one(self.samples, "proctree_process_threads", pid=str(child)).value, 1)

    def test_cpu_modes(self):
        modes = {s.labels["mode"] for s in select(self.samples, "proctree_process_cpu_seconds_total", pid=self.pid)}
        self.assertEqual(modes, {"user", "system"})
        for s in select(self.samples, "proctree_process_cpu_seconds_total", pid=self.pid):
            self.assertGreaterEqual(s.value, 0)

    def test_start_time(self):
        start = self.value("proctree_process_start_time_seconds")
        # btime in /proc/stat has whole seconds, so allow a little more than the spawn time.
        self.assertAlmostEqual(start, self.t0, delta=3.0)

    def test_every_process_family_has_the_workload(self):
        for name in ("proctree_process_info", "proctree_process_start_time_seconds",
                     "proctree_process_memory_bytes", "proctree_process_page_faults_total",
                     "proctree_process_context_switches_total", "proctree_process_max_fds",
                     "proctree_process_io_syscalls_total", "proctree_process_nice"):
            with self.subTest(family=name):
                self.assertTrue(select(self.samples, name, pid=self.pid), name)

    def test_content_type(self):
        self.assertEqual(self.response.headers.get("Content-Type"), harness.METRICS_CONTENT_TYPE)
        self.assertIsNone(self.response.headers.get("Content-Encoding"))

    def test_gzip(self):
        r = harness.http(self.exporter.url("/metrics"), headers={"Accept-Encoding": "gzip"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers.get("Content-Encoding"), "gzip")
        self.assertEqual(r.headers.get("Content-Type"), harness.METRICS_CONTENT_TYPE)
        # Whole below 64 KiB, chunked above (exporter/http/streamed_body.h): the host's processes decide.
        if r.headers.get("Content-Length") is not None:
            self.assertEqual(int(r.headers.get("Content-Length")), len(r.body))
        else:
            self.assertEqual(r.headers.get("Transfer-Encoding"), "chunked", r.headers)
        self.assertEqual(r.body[:2], b"\x1f\x8b", "gzip magic")
        text = gzip.decompress(r.body).decode("utf-8")
        samples = harness.parse_metrics(text)
        self.assertTrue(select(samples, "proctree_process_memory_bytes", pid=self.pid, memtype="rss"))
        rc, out = harness.promtool_check_metrics(text.encode("utf-8"))
        self.assertEqual(rc, 0, out)

    def test_no_gzip_when_refused(self):
        r = harness.http(self.exporter.url("/metrics"), headers={"Accept-Encoding": "gzip;q=0, identity"})
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.headers.get("Content-Encoding"))
        harness.parse_metrics(r.body.decode("utf-8"))


if __name__ == "__main__":
    harness.main()
