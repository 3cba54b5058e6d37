"""--config.file, its reload (SIGHUP and POST /-/reload) and --config.check.

A rejected reload keeps the last good config serving and reports itself in
proctree_config_last_reload_successful; scrapes during reloads always answer
200 with a payload promtool accepts.
"""

import glob
import os
import signal
import subprocess
import threading

import harness
from harness import one, select

EXAMPLES_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "config",
                                             "examples"))

DENY_NICE = "metrics:\n  deny: [proctree_process_nice]\n"
ALLOW_ALL = "metrics:\n  allow: ['*']\n  deny: []\n"
# Line 2, column 10: the unknown family name.
BAD = "metrics:\n  deny: [proctree_process_nicety]\n"
BAD_REASON = '"proctree_process_nicety" in metrics.deny matches no metric family'


def write_config(path, text):
    """Replaces the file whole, as an editor or a ConfigMap update does."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def run_exporter(args, timeout=30):
    """Runs the exporter to completion; returns (exit code, stdout, stderr)."""
    r = subprocess.run([harness.exporter_binary(), *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def unescape_log(text):
    """Undoes logfmt's quoting of \" and \\ so messages can be compared verbatim."""
    return text.replace('\\"', '"').replace("\\\\", "\\")


class ConfigFileMixin:
    """An exporter started on a config file of the test's own (self.config)."""

    def setUp(self):
        self.dir = self.make_tmpdir()
        self.config = os.path.join(self.dir, "config.yml")

    def start(self, text):
        write_config(self.config, text)
        return self.start_exporter(f"--config.file={self.config}")


class ConfigReloadTest(ConfigFileMixin, harness.IntegrationTest):

    def samples(self, exporter):
        _, samples = self.scrape(exporter)
        return samples

    def reload_state(self, samples):
        ok = one(samples, "proctree_config_last_reload_successful").value
        ts = one(samples, "proctree_config_last_reload_success_timestamp_seconds").value
        return ok, ts

    def post_reload(self, exporter):
        return harness.http(exporter.url("/-/reload"), method="POST", data=b"")

    # ----------------------------------------------------------------------

    def test_sighup_applies_a_new_config(self):
        exporter = self.start(DENY_NICE)
        samples = self.samples(exporter)
        self.assertTrue(select(samples, "proctree_process_info"), "no per-process series at all")
        self.assertEqual(select(samples, "proctree_process_nice"), [], "denied family is served")
        ok, ts = self.reload_state(samples)
        self.assertEqual(ok, 1)
        self.assertGreater(ts, 1.6e9)

        write_config(self.config, ALLOW_ALL)
        exporter.proc.send_signal(signal.SIGHUP)
        def nice_served():
            s = self.samples(exporter)
            return s if select(s, "proctree_process_nice") else None

        samples = harness.poll(nice_served, 15, "proctree_process_nice after SIGHUP")
        ok2, ts2 = self.reload_state(samples)
        self.assertEqual(ok2, 1)
        self.assertGreater(ts2, ts)
        exporter.log.wait_for(r"configuration reloaded", 10, "the 'configuration reloaded' log line")

    def test_sighup_with_bad_file_keeps_old_config(self):
        exporter = self.start(ALLOW_ALL)
        _, ts = self.reload_state(self.samples(exporter))
        write_config(self.config, BAD)
        exporter.proc.send_signal(signal.SIGHUP)
        m = exporter.log.wait_for(r"configuration reload rejected.*", 15, "the rejected-reload log line")
        self.assertIn(f"{self.config}:2:10: {BAD_REASON}", unescape_log(m.group(0)))
        samples = self.samples(exporter)
        self.assertEqual(self.reload_state(samples), (0, ts))
        self.assertTrue(select(samples, "proctree_process_nice"), "the old config stopped serving")
        self.assertEqual(exporter.proc.poll(), None, "the exporter exited on a bad reload")

    def test_post_reload(self):
        exporter = self.start(ALLOW_ALL)
        samples = self.samples(exporter)
        self.assertTrue(select(samples, "proctree_process_nice"))
        _, ts = self.reload_state(samples)

        # Bad file: 500 naming the reason; the old config serves on.
        write_config(self.config, BAD)
        r = self.post_reload(exporter)
        self.assertEqual(r.status, 500, r.body)
        body = r.text()
        self.assertIn("previous config still in force", body)
        self.assertIn(f"{self.config}:2:10: {BAD_REASON}", body)
        samples = self.samples(exporter)
        self.assertTrue(select(samples, "proctree_process_nice"), "the old config stopped serving")
        self.assertEqual(self.reload_state(samples), (0, ts))

        # PUT works the same way (as in Prometheus).
        r = harness.http(exporter.url("/-/reload"), method="PUT", data=b"")
        self.assertEqual(r.status, 500, r.body)

        # Fixed: 200, the new config is in force, the gauge is back to 1.
        write_config(self.config, DENY_NICE)
        r = self.post_reload(exporter)
        self.assertEqual(r.status, 200, r.body)
        samples = self.samples(exporter)
        self.assertEqual(select(samples, "proctree_process_nice"), [])
        self.assertTrue(select(samples, "proctree_process_info"))
        ok, ts2 = self.reload_state(samples)
        self.assertEqual(ok, 1)
        self.assertGreater(ts2, ts)

        # GET is not a reload.
        r = harness.http(exporter.url("/-/reload"))
        self.assertEqual(r.status, 405, r.body)

    def test_scrapes_during_reloads(self):
        exporter = self.start(DENY_NICE)
        stop = threading.Event()
        lock = threading.Lock()
        results = []  # (thread, status, promtool rc, promtool output)
        errors = []

        def scrape_loop(k):
            try:
                while not stop.is_set():
                    r = harness.http(exporter.url("/metrics"), timeout=30)
                    rc, out = harness.promtool_check_metrics(r.body) if r.status == 200 else (None, "")
                    with lock:
                        results.append((k, r.status, rc, out))
            except Exception as e:  # noqa: BLE001 - reported below
                with lock:
                    errors.append(f"thread {k}: {type(e).__name__}: {e}")

        threads = [threading.Thread(target=scrape_loop, args=(k,), daemon=True) for k in range(4)]
        for t in threads:
            t.start()
        try:
            def count():
                with lock:
                    return len(results)

            reload_statuses = []
            for i in range(20):
                good = i % 2 == 0
                write_config(self.config, (ALLOW_ALL if i % 4 == 0 else DENY_NICE) if good else BAD)
                before = count()
                r = self.post_reload(exporter)
                reload_statuses.append((i, good, r.status))
                # Let at least one scrape finish under this config before the next reload.
                harness.poll(lambda: count() > before or errors, 60, f"a scrape after reload {i}")
        finally:
            stop.set()
            for t in threads:
                t.join(60)
        self.assertEqual(errors, [])
        self.assertFalse(any(t.is_alive() for t in threads), "a scrape thread hung")
        self.assertEqual([s for _, good, s in reload_statuses], [200 if good else 500 for _, good, _ in reload_statuses])
        self.assertGreaterEqual(len(results), 20)
        for k in range(4):
            self.assertTrue(any(t == k for t, _, _, _ in results), f"thread {k} never scraped")
        bad = [(k, status, rc, out[:500]) for k, status, rc, out in results if status != 200 or rc != 0]
        self.assertEqual(bad, [], "scrapes that did not answer 200 or failed promtool")
        # The last reload (i = 19) was bad: the config of i = 18 (deny nice) serves, reported as failed.
        samples = self.samples(exporter)
        self.assertEqual(select(samples, "proctree_process_nice"), [])
        self.assertEqual(one(samples, "proctree_config_last_reload_successful").value, 0)

    # ----------------------------------------------------------------------

    def test_config_check_accepts_every_example(self):
        examples = sorted(glob.glob(os.path.join(EXAMPLES_DIR, "*.yml")))
        self.assertTrue(examples, f"no examples in {EXAMPLES_DIR}")
        for path in examples:
            with self.subTest(example=os.path.basename(path)):
                rc, out, err = run_exporter(["--config.check", f"--config.file={path}"])
                self.assertEqual(rc, 0, err)
                self.assertIn(f"{path}: configuration is valid", out)
        # Without --config.file: the embedded default.
        rc, out, err = run_exporter(["--config.check"])
        self.assertEqual(rc, 0, err)
        self.assertIn("configuration is valid", out)

    def test_config_check_rejects_a_bad_file(self):
        write_config(self.config, BAD)
        rc, out, err = run_exporter(["--config.check", f"--config.file={self.config}"])
        self.assertEqual(rc, 1, out + err)
        self.assertIn(f"{self.config}:2:10: {BAD_REASON}", unescape_log(err))
        self.assertNotIn("configuration is valid", out)

        # A YAML syntax error, also with its position.
        write_config(self.config, "labels:\n  exe: true\n cgroup: true\n")
        rc, out, err = run_exporter(["--config.check", f"--config.file={self.config}"])
        self.assertEqual(rc, 1, out + err)
        self.assertRegex(unescape_log(err), rf"{self.config}:[0-9]+:[0-9]+: ")

        missing = os.path.join(self.dir, "missing.yml")
        rc, out, err = run_exporter(["--config.check", f"--config.file={missing}"])
        self.assertEqual(rc, 1, out + err)
        self.assertIn(f"{missing}: cannot open config file", unescape_log(err))

    def test_refuses_to_start_with_a_bad_config(self):
        write_config(self.config, "processes:\n  - match: {}\n")
        # Would serve forever if it started: the timeout turns that into a failure.
        rc, out, err = run_exporter(["--web.listen-address=127.0.0.1:0", f"--config.file={self.config}"])
        self.assertEqual(rc, 1, err)
        self.assertIn(f"{self.config}:2:12: processes[0].match has no conditions", unescape_log(err))
        self.assertNotIn("listening", err)


if __name__ == "__main__":
    harness.main()
