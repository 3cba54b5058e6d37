"""Request limits at the HTTP edge: --web.max-requests (503 at once beyond
it), slow and idle clients dropped after --web.request-timeout so they cannot
hold every worker (slowloris), request size limits and methods."""

import os
import socket
import threading
import time

import harness
import web_harness as wh
from harness import http, raw_http


class MaxRequestsTest(harness.IntegrationTest):

    def test_41st_concurrent_scrape_gets_503_at_once(self):
        # Every scrape waits at pid 10's stat (a FIFO) until released.
        procfs = wh.HeldProcfs(os.path.join(self.make_tmpdir(), "proc"), [10, 20], held={10})
        self.addCleanup(procfs.release)
        e = self.start_exporter(f"--procfs={procfs.root}")  # default --web.max-requests=40
        started = time.monotonic()
        calls = [wh.Background(http, e.url("/metrics"), "GET", None, None, 60) for _ in range(41)]

        first = harness.poll(lambda: [c for c in calls if c.done()], 20, "the first answer")
        self.assertEqual(len(first), 1, "more than one answer while 40 scrapes were held")
        r = first[0].result(1)
        self.assertEqual(r.status, 503, r.body[:200])
        self.assertEqual(r.body, b"Limit of concurrent requests reached (40), try again later.\n")
        self.assertLess(first[0].done_at - started, 10)
        # The others are still held; health checks are still answered.
        self.assertEqual(http(e.url("/-/healthy")).status, 200)
        self.assertEqual(http(e.url("/metrics")).status, 503)
        self.assertEqual(sum(c.done() for c in calls), 1)

        harness.poll(lambda: procfs.release() or all(c.done() for c in calls), 60, "the held scrapes", interval=0.05)
        statuses = sorted(c.result(1).status for c in calls)
        self.assertEqual(statuses, [200] * 40 + [503])
        # Slots are given back: a scrape after them is served.
        procfs_release = threading.Event()

        def releaser():
            while not procfs_release.is_set():
                procfs.release()
                time.sleep(0.02)
        t = threading.Thread(target=releaser, daemon=True)
        t.start()
        try:
            self.assertEqual(http(e.url("/metrics"), timeout=30).status, 200)
        finally:
            procfs_release.set()
            t.join(5)

    def test_max_requests_flag(self):
        procfs = wh.HeldProcfs(os.path.join(self.make_tmpdir(), "proc"), [10], held={10})
        self.addCleanup(procfs.release)
        e = self.start_exporter(f"--procfs={procfs.root}", "--web.max-requests=2")
        calls = [wh.Background(http, e.url("/metrics"), "GET", None, None, 60) for _ in range(3)]
        first = harness.poll(lambda: [c for c in calls if c.done()], 20, "the first answer")
        self.assertEqual([c.result(1).status for c in first], [503])
        self.assertIn(b"(2)", first[0].result(1).body)
        harness.poll(lambda: procfs.release() or all(c.done() for c in calls), 60, "the held scrapes", interval=0.05)
        self.assertEqual(sorted(c.result(1).status for c in calls), [200, 200, 503])

    def test_bad_max_requests_exits_2(self):
        for v in ("-1", "x", "5000", ""):
            with self.subTest(value=v):
                r = wh.run_exporter(f"--web.max-requests={v}")
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("--web.max-requests", r.stderr)


class SlowClientsTest(harness.IntegrationTest):
    TIMEOUT = 2.0
    MAX_REQUESTS = 4
    WORKERS = MAX_REQUESTS + 16  # kSpareWorkers in exporter/http/http_server.h

    def test_slowloris_does_not_block_a_scrape_beyond_the_request_timeout(self):
        e = self.start_exporter("--web.request-timeout=2s", f"--web.max-requests={self.MAX_REQUESTS}")
        stop = threading.Event()
        socks = []
        self.addCleanup(lambda: [s.close() for s in socks])
        self.addCleanup(stop.set)
        # More slow clients than workers, each trickling a header line now and
        # then and never finishing the request.
        for _ in range(self.WORKERS + 5):
            s = socket.create_connection(("127.0.0.1", e.port), timeout=10)
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)

        def trickle():
            i = 0
            while not stop.wait(0.25):
                for s in socks:
                    try:
                        s.sendall(b"X-%d: y\r\n" % i)
                    except OSError:
                        pass
                i += 1
        threading.Thread(target=trickle, daemon=True).start()

        t0 = time.monotonic()
        r = http(e.url("/metrics"), timeout=30)
        took = time.monotonic() - t0
        self.assertEqual(r.status, 200)
        self.assertLess(took, self.TIMEOUT + 3.0, f"a scrape waited {took:.2f}s behind slow clients")
        # The slow clients were dropped, trickling or not.
        for s in socks[:self.WORKERS]:
            wh.port_closed_by_peer(s, 2 * self.TIMEOUT + 5)

    def test_idle_connections_are_closed(self):
        e = self.start_exporter("--web.request-timeout=1s")
        t0 = time.monotonic()
        with socket.create_connection(("127.0.0.1", e.port), timeout=10) as idle:
            wh.port_closed_by_peer(idle, 8)
        self.assertLess(time.monotonic() - t0, 6)
        # A kept-alive connection idle after its first request is closed too.
        with socket.create_connection(("127.0.0.1", e.port), timeout=10) as s:
            s.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n")
            data = wh.port_closed_by_peer(s, 8)
            self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:100])

    def test_bad_request_timeout_exits_2(self):
        for v in ("0", "10", "2x", "2h"):
            with self.subTest(value=v):
                r = wh.run_exporter(f"--web.request-timeout={v}")
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("--web.request-timeout", r.stderr)


class RequestHygieneTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        cls.exporter = cls.start_class_exporter()

    def test_only_get_and_head_on_metric_paths(self):
        for path in ("/metrics", "/", "/-/healthy"):
            for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND"):
                with self.subTest(path=path, method=method):
                    status, headers, body, raw = raw_http(
                        self.exporter.port,
                        f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
                    self.assertEqual(status, 405, raw[:300])
                    self.assertEqual(headers.get("allow"), "GET, HEAD")
        for method in ("GET", "HEAD", "DELETE"):
            with self.subTest(path="/-/reload", method=method):
                status, headers, _, raw = raw_http(
                    self.exporter.port, f"{method} /-/reload HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
                self.assertEqual(status, 405, raw[:300])
                self.assertEqual(headers.get("allow"), "POST, PUT")

    def test_trace_is_refused(self):
        status, _, body, raw = raw_http(self.exporter.port,
                                        b"TRACE /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertIn(status, (400, 405), raw[:300])
        self.assertNotIn(b"proctree_", body)

    def test_oversized_request_header_is_refused(self):
        status, _, body, raw = raw_http(
            self.exporter.port,
            b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\nConnection: close\r\n\r\n")
        self.assertIn(status, (400, 413, 431), raw[:300])
        self.assertNotIn(b"proctree_", body)
        self.assertEqual(http(self.exporter.url("/-/healthy")).status, 200)

    def test_oversized_reload_body_is_413(self):
        status, _, _, raw = raw_http(
            self.exporter.port,
            b"POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n" + b"x" * 70000)
        self.assertEqual(status, 413, raw[:300])

    def test_an_ignored_body_is_not_taken_for_a_request(self):
        smuggled = b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n"
        status, headers, body, raw = raw_http(
            self.exporter.port,
            b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(smuggled) + smuggled)
        self.assertEqual(status, 405)
        self.assertEqual(raw.count(b"HTTP/1.1 "), 1, raw)
        self.assertEqual(headers.get("connection"), "close")


if __name__ == "__main__":
    harness.main()
