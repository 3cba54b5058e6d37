# ctest: TIMEOUT 240
"""Request smuggling against the real exporter, over raw sockets and TLS.

CivetWeb keeps the first 64 header lines of a request and drops the rest
unseen, stops at a folded line, and lets Transfer-Encoding win over a
Content-Length beside it: a body that a proxy in front counts as a body was
answered as a second request (a POST /-/reload went through). Each case here
must get exactly one answer, a refusal with Connection: close, and the
request inside the body must never be answered or reach the reload.
"""

import socket
import ssl

import harness
import web_harness as wh
from test_bad_http import exchange, parse_responses

SMUGGLED = b"POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
FILLER = b"".join(b"X-Filler-%d: y\r\n" % i for i in range(64))

# (name, request with SMUGGLED as what a proxy would take for its body, status)
CASES = [
    ("Content-Length after 64 headers",
     b"POST /-/healthy HTTP/1.1\r\nHost: x\r\n" + FILLER + b"Content-Length: %d\r\n\r\n" % len(SMUGGLED) + SMUGGLED,
     431),
    ("Content-Length and Transfer-Encoding",
     b"POST /-/reload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: %d\r\n\r\n"
     % (len(SMUGGLED) + 5) + b"0\r\n\r\n" + SMUGGLED, 400),
    ("Content-Length behind a folded line",
     b"POST /-/healthy HTTP/1.1\r\nHost: x\r\nX-A: a\r\n folded\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED)
     + SMUGGLED, 400),
    ("Transfer-Encoding behind whitespace before the first header",
     b"POST /-/healthy HTTP/1.1\r\n Transfer-Encoding: chunked\r\nHost: x\r\n\r\n0\r\n\r\n" + SMUGGLED, 400),
]


class SmugglingTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        cls.exporter = cls.start_class_exporter()

    def assert_one_refusal(self, raw, status):
        responses = parse_responses(raw)
        self.assertEqual([r.status for r in responses], [status], raw[:600])
        self.assertEqual(responses[0].headers.get("connection"), "close")

    def test_cases(self):
        for name, request, status in CASES:
            with self.subTest(case=name):
                self.assert_one_refusal(exchange(self.exporter.port, request), status)
        self.assertNotIn("configuration reload", self.exporter.log.text())

    def test_63_headers_and_a_body_are_one_request(self):
        # Below the limit the Content-Length is seen: one answer, the body never a request.
        filler = b"".join(b"X-Filler-%d: y\r\n" % i for i in range(61))
        raw = exchange(self.exporter.port, b"POST /-/healthy HTTP/1.1\r\nHost: x\r\n" + filler +
                       b"Content-Length: %d\r\n\r\n" % len(SMUGGLED) + SMUGGLED)
        self.assertEqual([r.status for r in parse_responses(raw)], [405], raw[:600])


class TlsSmugglingTest(harness.IntegrationTest):
    """The same over TLS with basic auth: the header block is checked as
    decrypted, before credentials are."""

    @classmethod
    def setUpClass(cls):
        d = cls.make_class_tmpdir()
        cls.certs = wh.Certs(d)
        web = wh.write_file(d, "web.yml", f"tls_server_config:\n  cert_file: {cls.certs.server_cert}\n"
                                          f"  key_file: {cls.certs.server_key}\n"
                                          f"basic_auth_users:\n  prometheus: {wh.bcrypt('secret')}\n")
        cls.exporter = cls.start_class_exporter(f"--web.config.file={web}")

    def tls_exchange(self, request):
        ctx = wh.tls_context(self.certs.ca_cert)
        with socket.create_connection(("127.0.0.1", self.exporter.port), timeout=60) as raw_sock:
            with ctx.wrap_socket(raw_sock, server_hostname="127.0.0.1") as s:
                s.sendall(request)
                chunks = []
                while True:
                    try:
                        chunk = s.recv(65536)
                    except (ConnectionResetError, ssl.SSLError):
                        break
                    if not chunk:
                        break
                    chunks.append(chunk)
                return b"".join(chunks)

    def test_content_length_after_64_headers(self):
        auth = b"Authorization: Basic cHJvbWV0aGV1czpzZWNyZXQ=\r\n"  # prometheus:secret
        request = (b"POST /-/healthy HTTP/1.1\r\nHost: x\r\n" + auth + FILLER +
                   b"Content-Length: %d\r\n\r\n" % (len(SMUGGLED) + len(auth)) +
                   SMUGGLED.replace(b"Host: x\r\n", b"Host: x\r\n" + auth))
        responses = parse_responses(self.tls_exchange(request))
        self.assertEqual([r.status for r in responses], [431])
        self.assertNotIn("configuration reload", self.exporter.log.text())


if __name__ == "__main__":
    harness.main()
