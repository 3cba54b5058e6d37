# ctest: TIMEOUT 300
"""Bad HTTP input against the real exporter over raw sockets.

Malformed request lines, huge headers, bad %-escapes, path traversal, odd
methods, HTTP versions, Content-Length/Transfer-Encoding conflicts and
pipelining. For every case: the answer is the expected status (or, for the few
requests CivetWeb drops without answering, documented below, no answer at
all), it is well-formed HTTP/1.1 whatever the request held, nothing is served
from disk, and afterwards GET /metrics still answers 200 with a valid payload.

Cases CivetWeb answers itself (before the exporter's handler runs) go through
the exporter's http_error callback, so they are well-formed too. Documented
CivetWeb behaviour pinned here:
  - unknown methods (TRACE, FOO) are 400: CivetWeb has no entry for them
    (RFC 9110 would prefer 501, a SHOULD);
  - a request line and headers over 16 KiB in all are 400 (not 414/431);
  - an absolute-form target naming another host ("GET http://example.com/...")
    and "OPTIONS *" are closed without an answer (CivetWeb takes them for
    proxy requests).
The exporter checks the header block as received (exporter/http/http_framing.h)
and refuses, closing the connection, what CivetWeb would misread: 64 header
lines or more (431; CivetWeb keeps 64 and drops the rest unseen), Content-Length
with Transfer-Encoding, obsolete line folding and malformed field names (400).
"""

import os
import re
import socket
import time

import harness

STATUS_LINE = re.compile(rb"HTTP/1\.1 ([1-5][0-9][0-9]) [A-Za-z][A-Za-z -]*\r\n")
HEADER_LINE = re.compile(rb"[A-Za-z0-9-]+: [\x20-\x7e]*")
# What a file or a directory listing served from disk would show.
DISK = (b"root:x:0:0", b"daemon:x:", b"Index of /", b"Directory listing", b"PATH=", b"<a href=\"../\">")

# A config that keeps the payload small: groups only, no per-process series.
CONFIG = """\
unmatched:
  per_process: false
  group: auto
"""


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body


def parse_responses(raw, heads=()):
    """Splits raw bytes into well-formed responses; raises AssertionError on anything else.
    heads[i] says the i-th answers a HEAD request (no body)."""
    out = []
    rest = raw
    while rest:
        head = len(out) < len(heads) and heads[len(out)]
        m = STATUS_LINE.match(rest)
        if not m:
            raise AssertionError(f"not an HTTP/1.1 status line: {rest[:200]!r}")
        head_end = rest.find(b"\r\n\r\n")
        if head_end < 0:
            raise AssertionError(f"no end of headers: {rest[:300]!r}")
        headers = {}
        for line in rest[m.end():head_end].split(b"\r\n") if head_end > m.end() else []:
            if not HEADER_LINE.fullmatch(line):
                raise AssertionError(f"malformed header line {line!r} in {rest[:300]!r}")
            name, _, value = line.decode("ascii").partition(": ")
            headers[name.lower()] = value
        if headers.get("transfer-encoding") == "chunked" and "content-length" not in headers and not head:
            body, rest = dechunk(rest[head_end + 4:], rest[:300])
            out.append(Response(int(m.group(1)), headers, body))
            continue
        if "content-length" not in headers:
            raise AssertionError(f"no Content-Length: {rest[:300]!r}")
        length = 0 if head else int(headers["content-length"])
        body = rest[head_end + 4:head_end + 4 + length]
        if len(body) != length:
            raise AssertionError(f"body is {len(body)} bytes, Content-Length {length}: {rest[:300]!r}")
        out.append(Response(int(m.group(1)), headers, body))
        rest = rest[head_end + 4 + length:]
    return out


def dechunk(data, context):
    """A chunked body (a large /metrics answer) up to its terminating chunk: (body, what follows)."""
    body = b""
    while True:
        line_end = data.find(b"\r\n")
        if line_end < 0 or not re.fullmatch(rb"[0-9a-f]+", data[:line_end]):
            raise AssertionError(f"malformed chunk size line in {context!r}: {data[:100]!r}")
        size = int(data[:line_end], 16)
        chunk_end = line_end + 2 + size
        if data[chunk_end:chunk_end + 2] != b"\r\n":
            raise AssertionError(f"chunk of {size} bytes not followed by CRLF in {context!r}")
        if size == 0:
            return body, data[chunk_end + 2:]
        body += data[line_end + 2:chunk_end]
        data = data[chunk_end + 2:]


def exchange(port, request, timeout=60):
    """Sends request, half-closes, and reads until the server closes. Returns the raw answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(request)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server refused early and closed (EPIPE, ECONNRESET, ENOTCONN); its answer is still readable
        chunks = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        else:
            raise AssertionError(f"the server kept the connection open for {timeout}s")
        return b"".join(chunks)


def req(line, *headers, host=True, close=True, body=b""):
    """A request from its line and header lines (bytes), CRLF-terminated."""
    lines = [line]
    if host:
        lines.append(b"Host: x")
    lines.extend(headers)
    if close:
        lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


CLOSED = "closed"  # CivetWeb drops the connection without an answer (documented above)

# (name, request bytes, allowed statuses or CLOSED)
CASES = [
    # Request lines
    ("missing version", b"GET /metrics\r\nHost: x\r\n\r\n", {400}),
    ("HTTP/0.9 style", b"GET /metrics\r\n", {400}),
    ("garbage method", req(b"FOO /metrics HTTP/1.1"), {400}),
    ("NUL in method", req(b"G\x00T /metrics HTTP/1.1"), {400}),
    ("NUL in path", req(b"GET /met\x00rics HTTP/1.1"), {400}),
    ("space in path", req(b"GET /met rics HTTP/1.1"), {400}),
    ("tabs as separators", req(b"GET\t/metrics\tHTTP/1.1"), {400}),
    ("lower-case version", req(b"GET /metrics http/1.1"), {400}),
    ("version HTTP/9.9", req(b"GET /metrics HTTP/9.9"), {505}),
    ("version HTTP/2.0", req(b"GET /metrics HTTP/2.0"), {505}),
    ("overlong path 20 KiB", req(b"GET /" + b"a" * 20000 + b" HTTP/1.1"), {400}),
    ("long path 15 KiB", req(b"GET /" + b"a" * 15000 + b" HTTP/1.1"), {404}),
    ("only blank lines", b"\r\n\r\n", {400}),
    ("binary", bytes(range(256)) * 4, {400}),
    ("TLS ClientHello on the plain port", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 600, {400}),
    ("absolute-form, other host", req(b"GET http://example.com/metrics HTTP/1.1"), CLOSED),
    ("OPTIONS *", req(b"OPTIONS * HTTP/1.1"), CLOSED),
    ("nothing at all", b"", CLOSED),
    # Headers
    ("1 MiB header", req(b"GET /metrics HTTP/1.1", b"X-Big: " + b"a" * (1 << 20)), {400}),
    ("10,000 headers", req(b"GET /metrics HTTP/1.1", *(b"X-%d: y" % i for i in range(10000))), {400}),
    ("70 headers (CivetWeb keeps 64)", req(b"GET /metrics HTTP/1.1", *(b"X-%d: y" % i for i in range(70))), {431}),
    ("64 headers (the limit)", req(b"GET /metrics HTTP/1.1", *(b"X-%d: y" % i for i in range(62))), {431}),
    ("63 headers", req(b"GET /metrics HTTP/1.1", *(b"X-%d: y" % i for i in range(61))), {200}),
    ("header without colon", req(b"GET /-/healthy HTTP/1.1", b"Bogus header"), {400}),
    ("NUL in a header value", req(b"GET /-/healthy HTTP/1.1", b"X-A: a\x00b"), {200, 400}),
    ("obsolete line folding", req(b"GET /-/healthy HTTP/1.1", b"X-A: a", b" folded"), {400}),
    ("whitespace before the first header", b"GET /-/healthy HTTP/1.1\r\n Host: x\r\nConnection: close\r\n\r\n",
     {400}),
    ("space before a header's colon", req(b"GET /-/healthy HTTP/1.1", b"X-A : a"), {400}),
    ("bare LF line ends", b"GET /-/healthy HTTP/1.1\nHost: x\nConnection: close\n\n", {200}),
    ("HTTP/1.1 without Host", req(b"GET /metrics HTTP/1.1", host=False), {400}),
    ("two Host headers", req(b"GET /metrics HTTP/1.1", b"Host: y"), {400}),
    ("HTTP/1.0 without Host", b"GET /-/healthy HTTP/1.0\r\n\r\n", {200}),
    # %-escapes in the path
    ("path %zz", req(b"GET /metrics%zz HTTP/1.1"), {400}),
    ("path ends in %", req(b"GET /metrics% HTTP/1.1"), {400}),
    ("path %0", req(b"GET /metrics%0 HTTP/1.1"), {400}),
    ("path %00", req(b"GET /metrics%00 HTTP/1.1"), {400}),
    ("path %00 then more", req(b"GET /metrics%00.txt HTTP/1.1"), {400}),
    ("path overlong UTF-8 %c0%af", req(b"GET /%c0%af HTTP/1.1"), {404}),
    ("path escaped but equal", req(b"GET /%6detrics HTTP/1.1"), {200}),
    ("path escaped slash", req(b"GET /metrics%2F HTTP/1.1"), {404}),
    # %-escapes in the query
    ("query %zz", req(b"GET /metrics?collect[]=%zz HTTP/1.1"), {400}),
    ("query ends in %", req(b"GET /metrics?collect[]=% HTTP/1.1"), {400}),
    ("query %00", req(b"GET /metrics?collect[]=%00 HTTP/1.1"), {400}),
    ("query overlong UTF-8 %c0%af", req(b"GET /metrics?collect[]=%c0%af HTTP/1.1"), {400}),
    ("query raw invalid UTF-8", req(b"GET /metrics?exclude[]=\xff\xfe HTTP/1.1"), {400}),
    ("query bad escape in a parameter name", req(b"GET /metrics?%zz=1 HTTP/1.1"), {400}),
    ("query bad escape elsewhere", req(b"GET /metrics?foo=%zz HTTP/1.1"), {200}),
    # Traversal
    ("/../etc/passwd", req(b"GET /../etc/passwd HTTP/1.1"), {404}),
    ("/%2e%2e/etc/passwd", req(b"GET /%2e%2e/etc/passwd HTTP/1.1"), {404}),
    ("all escaped", req(b"GET /%2e%2e%2f%2e%2e%2fetc%2fpasswd HTTP/1.1"), {404}),
    ("/metrics/../../etc/passwd", req(b"GET /metrics/../../etc/passwd HTTP/1.1"), {404}),
    ("//etc/passwd", req(b"GET //etc/passwd HTTP/1.1"), {404}),
    ("backslashes", req(b"GET /..\\..\\etc\\passwd HTTP/1.1"), {404}),
    ("/etc/passwd", req(b"GET /etc/passwd HTTP/1.1"), {404}),
    ("/proc/self/environ", req(b"GET /proc/self/environ HTTP/1.1"), {404}),
    ("dot segments to /metrics", req(b"GET /x/../metrics HTTP/1.1"), {200}),
    # Methods
    ("PUT /metrics", req(b"PUT /metrics HTTP/1.1", b"Content-Length: 0"), {405}),
    ("DELETE /metrics", req(b"DELETE /metrics HTTP/1.1"), {405}),
    ("PATCH /metrics", req(b"PATCH /metrics HTTP/1.1", b"Content-Length: 0"), {405}),
    ("OPTIONS /metrics", req(b"OPTIONS /metrics HTTP/1.1"), {405}),
    ("POST /metrics", req(b"POST /metrics HTTP/1.1", b"Content-Length: 3", body=b"a=b"), {405}),
    ("TRACE /metrics", req(b"TRACE /metrics HTTP/1.1"), {400}),
    ("CONNECT authority", req(b"CONNECT example.com:443 HTTP/1.1"), {400}),
    ("CONNECT /metrics", req(b"CONNECT /metrics HTTP/1.1"), {400, 405}),
    ("PROPFIND /metrics", req(b"PROPFIND /metrics HTTP/1.1"), {405}),
    # Framing
    ("Content-Length and Transfer-Encoding", req(b"POST /metrics HTTP/1.1", b"Content-Length: 5",
                                                 b"Transfer-Encoding: chunked", close=False,
                                                 body=b"0\r\n\r\nGET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n"), {400}),
    ("GET with a chunked body", req(b"GET /-/healthy HTTP/1.1", b"Transfer-Encoding: chunked", close=False,
                                    body=b"0\r\n\r\nGET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n"), {200}),
    ("two different Content-Lengths", req(b"GET /-/healthy HTTP/1.1", b"Content-Length: 0", b"Content-Length: 39",
                                          close=False, body=b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n"), {400}),
    ("two equal Content-Lengths", req(b"GET /-/healthy HTTP/1.1", b"Content-Length: 0", b"Content-Length: 0"), {200}),
    ("Content-Length not a number", req(b"GET /-/healthy HTTP/1.1", b"Content-Length: 5x"), {400}),
    ("Content-Length negative", req(b"GET /-/healthy HTTP/1.1", b"Content-Length: -1"), {400, 411}),
    ("Content-Length past 64 bits", req(b"GET /-/healthy HTTP/1.1", b"Content-Length: 99999999999999999999"), {400}),
    ("unknown Transfer-Encoding", req(b"GET /-/healthy HTTP/1.1", b"Transfer-Encoding: gzip, chunked"), {400}),
]


class BadHttpTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        cls.config = cls.make_class_tmpdir() + "/config.yml"
        with open(cls.config, "w") as f:
            f.write(CONFIG)
        cls.exporter = cls.start_class_exporter(f"--config.file={cls.config}")

    def assert_still_serving(self):
        # Generous: a scrape reads every process, and the test machine may be loaded.
        r = harness.http(self.exporter.url("/metrics"), timeout=60)
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(r.headers.get("Content-Type"), harness.METRICS_CONTENT_TYPE)
        samples = harness.parse_metrics(r.body.decode("utf-8"))
        self.assertTrue(harness.select(samples, "proctree_processes"), "no proctree_processes in the payload")

    def assert_nothing_from_disk(self, raw):
        for marker in DISK:
            self.assertNotIn(marker, raw)

    def test_cases(self):
        for name, request, allowed in CASES:
            with self.subTest(case=name):
                raw = exchange(self.exporter.port, request)
                self.assert_nothing_from_disk(raw)
                if allowed == CLOSED:
                    self.assertEqual(raw, b"", "expected the connection closed without an answer")
                else:
                    responses = parse_responses(raw)
                    # One answer: nothing after a body or a refusal is taken for a next request.
                    self.assertEqual(len(responses), 1, raw[:600])
                    r = responses[0]
                    self.assertIn(r.status, allowed, raw[:300])
                    self.assertEqual(r.headers.get("x-content-type-options"), "nosniff", raw[:300])
                    if r.status >= 400:
                        self.assertNotIn(b"proctree_", r.body)
                        r.body.decode("utf-8")  # error bodies are text/plain; charset=utf-8
                    if r.status == 405:
                        self.assertIn(r.headers.get("allow"), ("GET, HEAD", "POST, PUT"))
                self.assert_still_serving()

    def test_no_file_is_served_from_the_working_directory(self):
        # CivetWeb serves files only under a document_root, which the exporter
        # never sets; a file next to the running exporter stays unreachable.
        name = f"proctree-bad-http-{os.getpid()}.txt"
        path = os.path.join(os.getcwd(), name)
        with open(path, "wb") as f:
            f.write(b"served-from-disk-marker\n")
        self.addCleanup(os.unlink, path)
        for target in (b"/" + name.encode(), b"/./" + name.encode(), b"/metrics/../" + name.encode(),
                       b"/%2e/" + name.encode()):
            with self.subTest(target=target):
                (r,) = parse_responses(exchange(self.exporter.port, req(b"GET " + target + b" HTTP/1.1")))
                self.assertEqual(r.status, 404)
                self.assertNotIn(b"served-from-disk-marker", r.body)

    def test_refusal_does_not_echo_the_request(self):
        # CivetWeb's own 400 put the request's "version" into its status line.
        raw = exchange(self.exporter.port, b"GET /a b\r\nX-Injected: 1\r\n\r\n")
        self.assertTrue(raw.startswith(b"HTTP/1.1 400 Bad Request\r\n"), raw[:200])
        self.assertNotIn(b"X-Injected", raw)
        raw = exchange(self.exporter.port, req(b"GET /metrics HTTP/9.9"))
        self.assertTrue(raw.startswith(b"HTTP/1.1 505 "), raw[:200])
        self.assertNotIn(b"9.9", raw)

    def test_query_refusal_body_is_valid_utf8(self):
        raw = exchange(self.exporter.port, req(b"GET /metrics?collect[]=%c0%af HTTP/1.1"))
        (r,) = parse_responses(raw)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.body, b'collect[]: unknown metric family "\\xc0\\xaf"\n')

    def test_head(self):
        raw = exchange(self.exporter.port, req(b"HEAD /metrics HTTP/1.1"))
        (r,) = parse_responses(raw, heads=[True])
        self.assertEqual(r.status, 200)
        self.assertGreater(int(r.headers["content-length"]), 0)
        self.assertEqual(raw[raw.find(b"\r\n\r\n") + 4:], b"", "HEAD answered with a body")
        raw = exchange(self.exporter.port, req(b"HEAD /nowhere HTTP/1.1"))
        (r,) = parse_responses(raw, heads=[True])
        self.assertEqual(r.status, 404)
        self.assertEqual(raw[raw.find(b"\r\n\r\n") + 4:], b"")

    def test_http10_is_answered_and_closed(self):
        raw = exchange(self.exporter.port, b"GET /metrics HTTP/1.0\r\n\r\n")
        (r,) = parse_responses(raw)
        self.assertEqual(r.status, 200)
        harness.parse_metrics(r.body.decode("utf-8"))

    def test_pipelined_requests_are_answered_in_order(self):
        raw = exchange(self.exporter.port,
                       req(b"GET /-/healthy HTTP/1.1", close=False) + req(b"GET /foo HTTP/1.1", close=False) +
                       req(b"HEAD /metrics HTTP/1.1", close=False) + req(b"GET /metrics HTTP/1.1"))
        responses = parse_responses(raw, heads=[False, False, True, False])
        self.assertEqual([r.status for r in responses], [200, 404, 200, 200])
        self.assertEqual(responses[0].body, b"Healthy\n")
        harness.parse_metrics(responses[3].body.decode("utf-8"))

    def test_pipelining_stops_at_a_bad_request(self):
        raw = exchange(self.exporter.port,
                       req(b"GET /-/healthy HTTP/1.1", close=False) + b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n" +
                       req(b"GET /-/healthy HTTP/1.1"))
        responses = parse_responses(raw)
        self.assertEqual([r.status for r in responses], [200, 400])
        self.assertEqual(responses[1].headers.get("connection"), "close")

    def test_framing_refusals_close_the_connection(self):
        for request in (req(b"GET /-/healthy HTTP/1.1", b"Content-Length: 0", b"Content-Length: 1", close=False),
                        req(b"GET /-/healthy HTTP/1.1", host=False, close=False)):
            with self.subTest(request=request):
                (r,) = parse_responses(exchange(self.exporter.port, request))
                self.assertEqual(r.status, 400)
                self.assertEqual(r.headers.get("connection"), "close")


if __name__ == "__main__":
    harness.main()
