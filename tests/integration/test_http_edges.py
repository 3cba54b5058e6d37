"""HTTP routing, methods and command-line edge cases of the exporter binary."""

import os
import signal
import socket
import subprocess
import unittest

import harness
from harness import http, raw_http


class HttpRoutesTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        cls.exporter = cls.start_class_exporter()

    def test_unknown_paths_are_404(self):
        for path in ("/foo", "/metrics/x", "/metrics/", "/metricsx", "/-/healthy/x", "/index.html"):
            with self.subTest(path=path):
                r = http(self.exporter.url(path))
                self.assertEqual(r.status, 404, r.body)
                self.assertEqual(r.body, b"404 page not found\n")

    def test_dot_dot_path_sent_raw_is_404(self):
        # urllib would normalize the path; send it verbatim.
        for target in (b"/../etc/passwd", b"/metrics/../../etc/passwd", b"/%2e%2e/etc/passwd"):
            with self.subTest(target=target):
                status, headers, body, raw = raw_http(
                    self.exporter.port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                self.assertEqual(status, 404, raw[:300])
                self.assertNotIn(b"root:", body)

    def test_query_string_is_ignored(self):
        r = http(self.exporter.url("/metrics?foo=bar&x=1"))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers.get("Content-Type"), harness.METRICS_CONTENT_TYPE)
        harness.parse_metrics(r.body.decode("utf-8"), prefix="proctree_exporter_")

    def test_post_metrics_is_405(self):
        r = http(self.exporter.url("/metrics"), method="POST", data=b"x=1")
        self.assertEqual(r.status, 405, r.body)
        self.assertEqual(r.headers.get("Allow"), "GET, HEAD")

    def test_other_methods_on_metrics_are_405(self):
        for method in ("PUT", "DELETE", "PATCH"):
            with self.subTest(method=method):
                self.assertEqual(http(self.exporter.url("/metrics"), method=method, data=b"").status, 405)

    def test_post_unknown_path_is_404(self):
        self.assertEqual(http(self.exporter.url("/foo"), method="POST", data=b"x").status, 404)

    def test_head_metrics_has_no_body(self):
        status, headers, body, raw = raw_http(
            self.exporter.port, b"HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(status, 200, raw[:300])
        self.assertEqual(headers.get("content-type"), harness.METRICS_CONTENT_TYPE)
        self.assertEqual(body, b"", "HEAD response carried a body")

    def test_landing_page_links_to_metrics(self):
        r = http(self.exporter.url("/"))
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers.get("Content-Type").startswith("text/html"), r.headers.get("Content-Type"))
        self.assertIn('href="/metrics"', r.text())

    def test_healthy(self):
        r = http(self.exporter.url("/-/healthy"))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"Healthy\n")

    def test_keep_alive_serves_several_requests(self):
        with socket.create_connection(("127.0.0.1", self.exporter.port), timeout=10) as s:
            f = s.makefile("rb")
            for path in (b"/-/healthy", b"/-/healthy", b"/foo"):
                s.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
                status = int(f.readline().split()[1])
                length = None
                while True:
                    line = f.readline()
                    if line in (b"\r\n", b""):
                        break
                    name, _, value = line.decode().partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                self.assertIsNotNone(length)
                f.read(length)
                self.assertEqual(status, 404 if path == b"/foo" else 200)


class CommandLineTest(harness.IntegrationTest):

    def run_exporter(self, *args, timeout=15):
        return subprocess.run([harness.exporter_binary(), *args], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=timeout, text=True)

    def test_port_in_use_exits_1(self):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            s.listen(1)
            address = f"127.0.0.1:{s.getsockname()[1]}"
            r = self.run_exporter(f"--web.listen-address={address}")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(address, r.stderr)
        self.assertIn("Address already in use", r.stderr)

    def test_unknown_flag_exits_2(self):
        r = self.run_exporter("--no-such-flag")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--no-such-flag", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_version_exits_0(self):
        r = self.run_exporter("--version")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^proctree_exporter, version \S+ \(revision: \S+\)\n$")

    def test_help_exits_0(self):
        r = self.run_exporter("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("--web.listen-address", r.stdout)

    def test_custom_telemetry_path(self):
        e = self.start_exporter("--web.telemetry-path=/custom/path")
        r = http(e.url("/custom/path"))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers.get("Content-Type"), harness.METRICS_CONTENT_TYPE)
        self.assertEqual(http(e.url("/metrics")).status, 404)
        self.assertIn('href="/custom/path"', http(e.url("/")).text())
        self.assertEqual(http(e.url("/-/healthy")).status, 200)

    def test_landing_page_escapes_the_telemetry_path(self):
        path = "/m\"><script>alert('x')</script>&y"
        e = self.start_exporter(f"--web.telemetry-path={path}")
        page = http(e.url("/")).text()
        self.assertNotIn("<script>", page)
        self.assertIn('href="/m&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;y"', page)

    def test_bad_telemetry_path_exits_2(self):
        for path in ("metrics", "/", "/-/healthy"):
            with self.subTest(path=path):
                r = self.run_exporter(f"--web.telemetry-path={path}", "--web.listen-address=127.0.0.1:0")
                self.assertEqual(r.returncode, 2, r.stderr)

    def test_every_thread_but_main_blocks_the_stop_signals(self):
        # main takes SIGINT, SIGTERM and SIGHUP with sigwait (which unblocks them while it waits);
        # any other thread that left one unblocked could be handed it, and its default action
        # ends the process without the clean shutdown. Exit accounting's thread, started
        # before the HTTP server, once did.
        e = self.start_exporter()
        self.assertEqual(http(e.url("/-/healthy")).status, 200)
        stop = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1)) | (1 << (signal.SIGHUP - 1))
        tasks = [t for t in os.listdir(f"/proc/{e.proc.pid}/task") if int(t) != e.proc.pid]
        self.assertGreater(len(tasks), 1)
        for tid in tasks:
            with open(f"/proc/{e.proc.pid}/task/{tid}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
            blocked = int(fields["SigBlk"].strip(), 16)
            self.assertEqual(blocked & stop, stop, f"thread {tid} ({fields['Name'].strip()}) SigBlk {blocked:x}")

    def test_sigterm_exits_0(self):
        e = self.start_exporter()
        self.assertEqual(http(e.url("/-/healthy")).status, 200)
        e.proc.send_signal(signal.SIGTERM)
        self.assertEqual(e.proc.wait(15), 0)
        e.log.join()
        self.assertRegex(e.log.text(), r'msg="?shutting down"?')


def has_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def listening_addresses(exporter):
    """The host:port list of the exporter's 'listening' log line."""
    m = exporter.log.wait_for(r'msg="?listening"?\s.*\baddress="?([^\s"]+)', 15, "the 'listening' log line")
    return m.group(1).split(",")


def get6(port, path):
    """GET over IPv6 loopback with a raw socket: (status, body)."""
    with socket.create_connection(("::1", port), timeout=60) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: [::1]:{port}\r\nConnection: close\r\n\r\n".encode())
        raw = b"".join(iter(lambda: s.recv(65536), b""))
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@unittest.skipUnless(has_ipv6_loopback(), "no IPv6 loopback on this host")
class IPv6Test(harness.IntegrationTest):

    def test_scrape_and_health_check_over_ipv6_loopback(self):
        e = self.start_exporter("--web.listen-address=[::1]:0")
        addresses = listening_addresses(e)
        self.assertEqual(addresses[0], f"127.0.0.1:{e.port}")
        self.assertRegex(addresses[1], r"^\[::1\]:[0-9]+$")
        port6 = int(addresses[1].rsplit(":", 1)[1])
        status, body = get6(port6, "/metrics")
        self.assertEqual(status, 200, body[:300])
        harness.parse_metrics(body.decode("utf-8"), prefix="proctree_exporter_")
        r = subprocess.run([harness.exporter_binary(), f"--health-check=http://[::1]:{port6}/-/healthy"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, f"proctree_exporter: healthy: GET http://[::1]:{port6}/-/healthy: 200 OK\n")

    def test_every_address_is_both_families(self):
        # ":port" and "[::]:port" as Go has them: one socket for IPv6 and IPv4.
        for spec in (":{}", "[::]:{}"):
            with self.subTest(spec=spec):
                port = harness.free_port()
                proc = subprocess.Popen([harness.exporter_binary(), f"--web.listen-address={spec.format(port)}"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                log = harness.LineCollector(proc.stderr)
                self.addCleanup(log.join)
                self.addCleanup(harness.stop_process, proc)
                m = log.wait_for(r'msg="?listening"?\s.*\baddress="?([^\s"]+)', 15, "the 'listening' log line")
                self.assertEqual(m.group(1), f"[::]:{port}")
                self.assertEqual(get6(port, "/-/healthy"), (200, b"Healthy\n"))
                self.assertEqual(http(f"http://127.0.0.1:{port}/-/healthy").status, 200)
                harness.stop_process(proc)

    def test_ipv6_listen_address_without_brackets_exits_1(self):
        r = subprocess.run([harness.exporter_binary(), "--web.listen-address=::1:9818"], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=15, text=True)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("an IPv6 address must be in brackets", r.stderr)


if __name__ == "__main__":
    harness.main()
