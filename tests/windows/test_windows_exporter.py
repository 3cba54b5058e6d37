"""proctree_exporter.exe end to end under Wine (make test-windows).

The Windows build, run through PROCTREE_EMULATOR (Debian's wine64 loader),
serves /metrics on 127.0.0.1 (an ephemeral port, learned from its
'listening' log line as every other test does), the payload passes
`promtool check metrics` and describes the exporter's own process (the
'listening' line names no procfs, which Windows does not have); POST
/-/reload reloads (Windows has no SIGHUP); Ctrl+C (Wine turns SIGINT into
CTRL_C_EVENT) stops it cleanly; as a service (--windows.service) Wine's
service control manager starts it, it serves, and `sc stop` stops it; a web
config asking for TLS or basic auth, which the Windows build does not have,
is refused with its reason.
"""
import os
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402
import web_harness as wh  # noqa: E402
from harness import one  # noqa: E402

# A first start in a fresh Wine prefix, on a loaded machine, takes seconds.
START_TIMEOUT = 60


class WindowsExporterTest(harness.IntegrationTest):

    def start(self, *args):
        e = harness.Exporter(args, timeout=START_TIMEOUT)
        self.addCleanup(e.stop)
        return e

    def test_serves_metrics_that_pass_promtool(self):
        e = self.start()
        r = harness.http(e.url("/metrics"))
        self.assertEqual(r.status, 200, r.body[:500])
        self.assertEqual(r.headers["Content-Type"], harness.METRICS_CONTENT_TYPE)
        rc, out = harness.promtool_check_metrics(r.body)
        self.assertEqual(rc, 0, out)
        samples = harness.parse_metrics(r.body.decode("utf-8"))
        # The exporter sees itself: its image name, its working set, its threads.
        info = [s for s in samples if s.name == "proctree_process_info" and s.labels["comm"] == "proctree_exporter.exe"]
        self.assertEqual(len(info), 1, [s.labels for s in samples if s.name == "proctree_process_info"])
        pid = info[0].labels["pid"]
        rss = one(samples, "proctree_process_memory_bytes", pid=pid, memtype="rss").value
        self.assertGreater(rss, harness.MIB)
        self.assertGreaterEqual(one(samples, "proctree_process_threads", pid=pid).value, 2)
        build = one(samples, "proctree_exporter_build_info")
        self.assertEqual(build.labels["os"], "windows", build.labels)
        # --path.procfs means nothing on Windows, so the listening line does not name it.
        listening = [l for l in e.log.text().splitlines() if "listening" in l]
        self.assertTrue(listening)
        self.assertNotIn("procfs=", listening[0])

    def test_reload_endpoint_and_ctrl_c_stop(self):
        e = self.start()
        r = harness.http(e.url("/-/reload"), method="POST", data=b"")
        self.assertEqual(r.status, 200, r.body[:500])
        e.log.wait_for(r'msg="?configuration reloaded"?', 30, "the reload's log line")
        e.proc.send_signal(signal.SIGINT)
        self.assertEqual(e.proc.wait(30), 0, e.log.text())
        e.log.wait_for(r'msg="?shutting down"? signal=CTRL_C_EVENT', 5, "the clean shutdown's log line")

    def sc(self, *args):
        """Wine's sc.exe; its output (sc exits 0 for most failures too)."""
        r = subprocess.run([*harness.shlex.split(os.environ["PROCTREE_EMULATOR"]), "sc", *args],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        return r.stdout.decode("utf-8", "replace")

    def test_runs_as_a_windows_service(self):
        name = f"proctree_test_{os.getpid()}"
        port = harness.free_port()
        exe = "Z:" + os.path.abspath(harness.exporter_binary()).replace("/", "\\")
        self.sc("create", name, "binPath=", f"{exe} --windows.service --web.listen-address=127.0.0.1:{port}")
        self.addCleanup(self.sc, "delete", name)
        self.addCleanup(self.sc, "stop", name)
        self.sc("start", name)
        url = f"http://127.0.0.1:{port}/metrics"

        def served():
            try:
                return harness.http(url, timeout=10).status == 200
            except OSError:
                return False
        harness.poll(served, START_TIMEOUT, "the service's /metrics")
        self.assertIn("RUNNING", self.sc("query", name))
        self.sc("stop", name)
        harness.poll(lambda: "STOPPED" in self.sc("query", name), 30, "the service to stop")

    def check_refused(self, web_config, reason):
        d = self.make_tmpdir()
        path = os.path.join(d, "web.yml")
        with open(path, "w") as f:
            f.write(web_config)
        r = subprocess.run([*harness.exporter_command(), "--web.config.file=" + path, "--config.check"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=START_TIMEOUT)
        err = r.stderr.decode("utf-8", "replace")
        self.assertEqual(r.returncode, 1, err)
        self.assertIn("invalid web configuration", err)
        self.assertIn(reason, err)

    def test_tls_is_refused_with_its_reason(self):
        self.check_refused("tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\n",
                           "TLS is not available in the Windows build")

    def test_basic_auth_is_refused_with_its_reason(self):
        # A valid entry, refused only for want of bcrypt.
        self.check_refused(f"basic_auth_users:\n  alice: {wh.bcrypt('secret', 4)}\n",
                           "basic_auth_users is not available in the Windows build")


if __name__ == "__main__":
    harness.main()
