"""Scrape payloads pass `promtool check metrics` and are valid UTF-8, even for hostile process names."""

import os
import pwd

import harness
from harness import one, select

# A process name with the characters the text format must escape (" \ newline),
# the ')' and space that trip naive /proc/<pid>/stat parsers, and a byte that
# is not UTF-8. The exporter replaces each invalid byte with U+FFFD.
HOSTILE_COMM = b'x) "q\\\n\xff'
HOSTILE_COMM_LABEL = 'x) "q\\\n\ufffd'


class PromtoolTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        cls.exporter = cls.start_class_exporter(harness.EVERY_PROCESS)

    def check(self, body):
        text = body.decode("utf-8")  # strict: raises on invalid UTF-8
        rc, out = harness.promtool_check_metrics(body)
        self.assertEqual(rc, 0, f"promtool check metrics failed:\n{out}")
        self.assertEqual(out.strip(), "", "promtool printed lint problems")
        return harness.parse_metrics(text)

    def test_payload_passes_promtool(self):
        r = harness.http(self.exporter.url("/metrics"))
        self.assertEqual(r.status, 200)
        samples = self.check(r.body)
        for name in ("proctree_process_info", "proctree_process_memory_bytes", "proctree_processes",
                     "proctree_exporter_build_info", "proctree_scrape_duration_seconds", "process_open_fds"):
            with self.subTest(family=name):
                self.assertTrue(select(samples, name), f"no {name} series")

    def test_hostile_process_name(self):
        workload = self.start_workload(self.make_tmpdir(), b"--write-mib", b"0", b"--mem-mib", b"0",
                                       b"--comm", HOSTILE_COMM)
        with open(f"/proc/{workload.pid}/comm", "rb") as f:
            self.assertEqual(f.read(), HOSTILE_COMM + b"\n", "the kernel kept the name as set")
        r = harness.http(self.exporter.url("/metrics"))
        self.assertEqual(r.status, 200)
        samples = self.check(r.body)
        info = one(samples, "proctree_process_info", pid=str(workload.pid))
        self.assertEqual(info.labels["comm"], HOSTILE_COMM_LABEL)
        self.assertEqual(info.labels["ppid"], str(os.getpid()))
        threads = one(samples, "proctree_process_threads", pid=str(workload.pid))
        self.assertEqual(threads.labels["comm"], HOSTILE_COMM_LABEL)
        self.assertEqual(threads.value, 5)

    def test_uid_without_user_name(self):
        uid = 54321
        if os.geteuid() != 0:
            self.skipTest("switching the workload's uid needs root")
        try:
            pwd.getpwuid(uid)
            self.skipTest(f"uid {uid} has a user name on this machine")
        except KeyError:
            pass
        workload = self.start_workload(self.make_tmpdir(), "--write-mib", "0", "--mem-mib", "0",
                                       "--uid", str(uid))
        r = harness.http(self.exporter.url("/metrics"))
        self.assertEqual(r.status, 200)
        samples = self.check(r.body)
        info = one(samples, "proctree_process_info", pid=str(workload.pid))
        self.assertEqual(info.labels["user"], str(uid), "the numeric uid stands in for a missing name")


if __name__ == "__main__":
    harness.main()
