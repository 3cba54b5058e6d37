"""--health-check=URL: the binary as a container HEALTHCHECK. One GET with
CivetWeb's client against real servers: a running exporter (plain, TLS, basic
auth), a closed port, a server that never answers and one whose accept queue is
full (connect itself hangs). Exit 0 only on 2xx, else 1 with one line saying why."""

import socket
import subprocess
import time

import harness
import web_harness as wh


def health_check(url, *extra, timeout=30):
    """Runs the check; returns (exit code, stdout, stderr, seconds taken)."""
    start = time.monotonic()
    r = subprocess.run([harness.exporter_binary(), *extra, f"--health-check={url}"], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr, time.monotonic() - start


class HealthCheckTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        cls.exporter = cls.start_class_exporter()

    def assert_unhealthy(self, rc, out, err, *needles):
        self.assertEqual(rc, 1, f"stdout={out!r} stderr={err!r}")
        self.assertEqual(out, "")
        lines = err.splitlines()
        self.assertEqual(len(lines), 1, f"one line on failure, got {err!r}")
        self.assertTrue(lines[0].startswith("proctree_exporter: health check failed: "), lines[0])
        for n in needles:
            self.assertIn(n, lines[0])

    def test_healthy_exporter(self):
        rc, out, err, _ = health_check(self.exporter.url("/-/healthy"))
        self.assertEqual((rc, err), (0, ""), out)
        self.assertEqual(out, f"proctree_exporter: healthy: GET {self.exporter.url('/-/healthy')}: 200 OK\n")
        # The space-separated form, a host name, and the metrics path (any 2xx).
        r = subprocess.run([harness.exporter_binary(), "--health-check", f"http://localhost:{self.exporter.port}/metrics"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_not_found_path(self):
        rc, out, err, _ = health_check(self.exporter.url("/no-such-path"))
        self.assert_unhealthy(rc, out, err, "404 Not Found", self.exporter.url("/no-such-path"))

    def test_method_not_allowed_path_is_unhealthy_too(self):
        # /-/reload takes POST only: the GET is answered 405, not 2xx.
        rc, out, err, _ = health_check(self.exporter.url("/-/reload"))
        self.assert_unhealthy(rc, out, err, "405")

    def test_closed_port(self):
        port = harness.free_port()
        rc, out, err, _ = health_check(f"http://127.0.0.1:{port}/-/healthy")
        self.assert_unhealthy(rc, out, err, "cannot connect", "Connection refused")

    def test_malformed_urls(self):
        for url, needle in (("127.0.0.1:9818/-/healthy", "must start with http:// or https://"),
                            ("http://[::1x]:9818/", "IPv6"),
                            ("http://127.0.0.1:70000/", "port"),
                            ("http://127.0.0.1:1/a b", "spaces"),
                            ("", "must start with")):
            with self.subTest(url=url):
                rc, out, err, _ = health_check(url)
                self.assert_unhealthy(rc, out, err, "malformed URL", needle)

    def test_bad_timeout_is_a_usage_error(self):
        rc, out, err, _ = health_check(self.exporter.url("/-/healthy"), "--health-check.timeout=soon")
        self.assertEqual(rc, 2, err)
        self.assertIn("--health-check.timeout", err)

    def test_server_that_never_answers(self):
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(8)
            url = f"http://127.0.0.1:{listener.getsockname()[1]}/-/healthy"
            rc, out, err, took = health_check(url, "--health-check.timeout=500ms")
        self.assert_unhealthy(rc, out, err, "no valid HTTP answer within 500ms")
        self.assertLess(took, 10, "bounded by the timeout, with room for a loaded machine")

    def test_connect_that_hangs(self):
        # A listener that never accepts, its queue full: Linux drops further
        # SYNs, so connect() itself waits (as for a host that drops packets).
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen(0)
            port = listener.getsockname()[1]
            fillers = []
            try:
                for _ in range(4):
                    s = socket.socket()
                    fillers.append(s)
                    s.setblocking(False)
                    try:
                        s.connect(("127.0.0.1", port))
                    except BlockingIOError:
                        pass
                rc, out, err, took = health_check(f"http://127.0.0.1:{port}/-/healthy", "--health-check.timeout=500ms")
            finally:
                for s in fillers:
                    s.close()
        self.assert_unhealthy(rc, out, err, "500ms")
        self.assertLess(took, 10, "the timer ends the check, not TCP's SYN retries (minutes)")

    def test_https_and_basic_auth(self):
        d = self.make_tmpdir()
        certs = wh.Certs(d)
        web = wh.write_file(d, "web.yml",
                            "tls_server_config:\n"
                            f"  cert_file: {certs.server_cert}\n  key_file: {certs.server_key}\n"
                            "basic_auth_users:\n"
                            f"  prom: {wh.bcrypt('s3cr:t', cost=4)}\n")
        e = self.start_exporter(f"--web.config.file={web}")
        rc, out, err, _ = health_check(f"https://prom:s3cr%3At@127.0.0.1:{e.port}/-/healthy")
        self.assertEqual(rc, 0, err)
        self.assertIn("200 OK", out)
        self.assertNotIn("s3cr", out, "the password is not printed")
        # Without credentials: 401. With the wrong ones: 401, password redacted.
        rc, out, err, _ = health_check(f"https://127.0.0.1:{e.port}/-/healthy")
        self.assert_unhealthy(rc, out, err, "401")
        rc, out, err, _ = health_check(f"https://prom:wrong@127.0.0.1:{e.port}/-/healthy")
        self.assert_unhealthy(rc, out, err, "401", "prom:xxxxx@")
        self.assertNotIn("wrong", err)
        # Plain HTTP to the TLS port gets no HTTP answer.
        rc, out, err, _ = health_check(f"http://127.0.0.1:{e.port}/-/healthy", "--health-check.timeout=1s")
        self.assert_unhealthy(rc, out, err)

    def test_does_not_start_a_server(self):
        # The mode only checks: it neither binds the default port nor reads the config.
        rc, out, err, _ = health_check(self.exporter.url("/-/healthy"), "--config.file=/nonexistent.yml",
                                       "--web.listen-address=127.0.0.1:1")
        self.assertEqual(rc, 0, err)


if __name__ == "__main__":
    harness.main()
