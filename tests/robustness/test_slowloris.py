# ctest: TIMEOUT 240 RUN_SERIAL
"""Slowloris from one address must not stop scrapes from another.

An attacker on 127.0.0.2 keeps 1,000 connections open to the exporter, each
with a request line and part of its headers sent (or, against TLS, part of a
ClientHello), a byte every second after that, and opens a new one as soon as
the server drops one. Meanwhile a scraper on 127.0.0.1 scrapes /metrics;
every scrape must succeed within its usual latency plus
--web.request-timeout (2 s here). Before the per-client connection limit
(--web.max-connections-per-client, checked where CivetWeb accepts, before a
worker is taken), the attacker held every worker: 0 of 6 scrapes within 10 s.

Runs alone (RUN_SERIAL): its latency bound must not measure other tests' load.
"""

import errno
import resource
import selectors
import socket
import threading
import time

import harness
import web_harness as wh

CONNECTIONS = 1000
SCRAPES = 6
REQUEST_TIMEOUT = 2.0
ATTACKER = "127.0.0.2"
# Groups only: a small, quick scrape.
CONFIG = """\
unmatched:
  per_process: false
  group: auto
"""


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Slowloris:
    """CONNECTIONS sockets from ATTACKER, each sent `opening` then a byte of
    `drip` a second, reopened when the server drops them; a thread of its own.
    Reopens are paced (at most `reopen_per_s`) so the attacker's own CPU use
    stays modest on a small test machine."""

    def __init__(self, port, opening, drip=b"X", reopen_per_s=400):
        self.port, self.opening, self.drip, self.reopen_per_s = port, opening, drip, reopen_per_s
        self.sel = selectors.DefaultSelector()
        self.opened = self.dropped = 0
        self.peak_established = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join(30)

    def _open(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((ATTACKER, 0))
        rc = s.connect_ex(("127.0.0.1", self.port))
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            return
        self.sel.register(s, selectors.EVENT_WRITE, "connecting")
        self.opened += 1

    def _close(self, s):
        self.sel.unregister(s)
        # RST rather than FIN: no TIME_WAIT piling up on either side.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
        self.dropped += 1

    def _established(self):
        return [k.fileobj for k in self.sel.get_map().values() if k.data == "open"]

    def _run(self):
        next_drip = time.monotonic() + 1
        budget_at = time.monotonic()
        budget = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            budget = min(self.reopen_per_s, budget + (now - budget_at) * self.reopen_per_s)
            budget_at = now
            while len(self.sel.get_map()) < CONNECTIONS and (self.opened < CONNECTIONS or budget >= 1):
                if self.opened >= CONNECTIONS:
                    budget -= 1
                self._open()
            for key, _ in self.sel.select(0.05):
                self._event(key)
            self.peak_established = max(self.peak_established, len(self._established()))
            if time.monotonic() >= next_drip:
                next_drip += 1
                for s in self._established():
                    self._send(s, self.drip)
        for key in list(self.sel.get_map().values()):
            self._close(key.fileobj)

    def _event(self, key):
        s = key.fileobj
        if key.data == "connecting":
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                self._close(s)
                return
            self.sel.modify(s, selectors.EVENT_READ, "open")
            self._send(s, self.opening)
            return
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data:  # dropped by the server
            self._close(s)

    def _send(self, s, data):
        try:
            s.send(data)
        except OSError:
            if s.fileno() >= 0 and s in [k.fileobj for k in self.sel.get_map().values()]:
                self._close(s)


class SlowlorisTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        cls.nofile = raise_nofile(CONNECTIONS + 512)
        cls.tmp = cls.make_class_tmpdir()
        cls.config = wh.write_file(cls.tmp, "config.yml", CONFIG)

    def setUp(self):
        if self.nofile < CONNECTIONS + 100:
            self.skipTest(f"RLIMIT_NOFILE {self.nofile} is too low for {CONNECTIONS} connections")
        try:
            with socket.socket() as s:
                s.bind((ATTACKER, 0))
        except OSError as e:
            self.skipTest(f"cannot bind {ATTACKER}: {e}")

    def run_attack(self, exporter, opening, scrape):
        """Baseline latency, then SCRAPES scrapes under attack; returns (baseline, latencies, failures)."""
        baseline = max(self.timed(scrape)[0] for _ in range(3))
        attack = Slowloris(exporter.port, opening)
        attack.start()
        self.addCleanup(attack.stop)
        # Let the attacker reach its 1,000 connections (or be cut to the limit) first.
        deadline = time.monotonic() + 20
        while attack.opened < CONNECTIONS and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(REQUEST_TIMEOUT)
        limit = 2 * baseline + REQUEST_TIMEOUT + 1.0
        latencies, failures = [], []
        for _ in range(SCRAPES):
            elapsed, error = self.timed(scrape, timeout=limit)
            latencies.append(round(elapsed, 3))
            if error or elapsed > limit:
                failures.append(error or f"took {elapsed:.2f}s, more than {limit:.2f}s")
        attack.stop()
        self.assertGreaterEqual(attack.opened, CONNECTIONS, "the attacker never opened its connections")
        return limit, latencies, failures

    @staticmethod
    def timed(scrape, timeout=60):
        start = time.monotonic()
        try:
            scrape(timeout)
            return time.monotonic() - start, None
        except Exception as e:  # noqa: BLE001 - any failure of a scrape counts
            return time.monotonic() - start, f"{type(e).__name__}: {e}"

    def test_half_sent_requests_from_one_address(self):
        e = self.start_exporter(f"--config.file={self.config}", f"--web.request-timeout={REQUEST_TIMEOUT:g}s")

        def scrape(timeout):
            r = harness.http(e.url("/metrics"), timeout=timeout)
            if r.status != 200:
                raise AssertionError(f"status {r.status}")

        limit, latencies, failures = self.run_attack(e, b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-A: ", scrape)
        self.assertEqual(failures, [], f"scrapes under attack (limit {limit:.2f}s): {latencies}")

    def test_half_sent_tls_handshakes_from_one_address(self):
        certs = wh.Certs(self.make_tmpdir())
        web = wh.write_file(self.make_tmpdir(), "web.yml", f"tls_server_config:\n  cert_file: {certs.server_cert}\n"
                                                          f"  key_file: {certs.server_key}\n")
        e = self.start_exporter(f"--config.file={self.config}", f"--web.request-timeout={REQUEST_TIMEOUT:g}s",
                                f"--web.config.file={web}")
        context = wh.tls_context(certs.ca_cert)

        def scrape(timeout):
            r = wh.request(f"https://{e.address}/metrics", timeout=timeout, context=context)
            if r.status != 200:
                raise AssertionError(f"status {r.status}")

        # A TLS record header and the start of a ClientHello, then a byte a second.
        limit, latencies, failures = self.run_attack(e, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", scrape)
        self.assertEqual(failures, [], f"scrapes under attack (limit {limit:.2f}s): {latencies}")

    def test_request_timeout_is_a_total_deadline(self):
        # A byte every half second never lets a read wait out the timeout; the
        # request line and headers still get --web.request-timeout in all
        # (CivetWeb checks the total after each read, whose wait is the timeout
        # again: at most about twice it).
        e = self.start_exporter(f"--config.file={self.config}", f"--web.request-timeout={REQUEST_TIMEOUT:g}s")
        with socket.create_connection(("127.0.0.1", e.port), timeout=30) as s:
            start = time.monotonic()
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
            closed_after = None
            while time.monotonic() - start < 6 * REQUEST_TIMEOUT:
                try:
                    s.sendall(b"X")
                    s.settimeout(0.5)
                    if s.recv(4096) == b"":
                        closed_after = time.monotonic() - start
                        break
                except socket.timeout:
                    continue
                except OSError:
                    closed_after = time.monotonic() - start
                    break
        self.assertIsNotNone(closed_after, f"a dripping client kept its connection for {6 * REQUEST_TIMEOUT}s")
        self.assertLess(closed_after, 2 * REQUEST_TIMEOUT + 1.0)


if __name__ == "__main__":
    harness.main()
