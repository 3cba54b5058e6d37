"""Basic auth and headers from --web.config.file, as exporter-toolkit serves
them: bcrypt hashes made in the test, right/wrong/missing/unknown-user
credentials, 401 with WWW-Authenticate: Basic, the reload endpoint behind
auth, response headers, the rate limit, and config errors."""

import time

import harness
import web_harness as wh
from harness import raw_http


class BasicAuthTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        cls.tmp = cls.make_class_tmpdir()
        # Cost 10 for both: an unknown user is checked against the costliest
        # user's hash (robustness.auth_flood times it with cost 12).
        cls.web = wh.write_file(cls.tmp, "web.yml",
                                "basic_auth_users:\n"
                                f"  alice: {wh.bcrypt('s3cret', 10)}\n"
                                f"  bob: '{wh.bcrypt('p:ss w0rd', 10).replace('$2b$', '$2y$', 1)}'\n"
                                "http_server_config:\n"
                                "  headers:\n"
                                "    X-Frame-Options: deny\n"
                                "    Content-Security-Policy: default-src 'none'\n")
        cls.exporter = cls.start_class_exporter(f"--web.config.file={cls.web}")

    def get(self, path="/metrics", auth=None, method="GET", data=None):
        return wh.request(self.exporter.url(path), auth=auth, method=method, data=data)

    def assert_401(self, r):
        self.assertEqual(r.status, 401, r.body[:200])
        self.assertEqual(r.headers.get("WWW-Authenticate"), "Basic")
        self.assertEqual(r.body, b"Unauthorized\n")
        self.assertNotIn(b"proctree_", r.body)

    def test_right_password(self):
        r = self.get(auth=("alice", "s3cret"))
        self.assertEqual(r.status, 200, r.body[:200])
        self.assertEqual(r.headers.get("Content-Type"), harness.METRICS_CONTENT_TYPE)
        harness.parse_metrics(r.text(), prefix="proctree_exporter_")
        # $2y$ hashes and passwords with ':' and spaces work too.
        self.assertEqual(self.get(auth=("bob", "p:ss w0rd")).status, 200)

    def test_wrong_password(self):
        self.assert_401(self.get(auth=("alice", "s3cre")))
        self.assert_401(self.get(auth=("alice", "")))
        self.assert_401(self.get(auth=("bob", "s3cret")))  # alice's password for bob

    def test_missing_credentials(self):
        self.assert_401(self.get())
        for value in ("Bearer abc", "Basic", "Basic !!!", "Basic YWxpY2U="):  # the last: "alice", no colon
            with self.subTest(authorization=value):
                self.assert_401(wh.request(self.exporter.url(), headers={"Authorization": value}))

    def test_unknown_user(self):
        self.assert_401(self.get(auth=("mallory", "s3cret")))
        # The hash an unknown user is checked against is a real user's: that
        # user's password must not let anyone else in.
        self.assert_401(self.get(auth=("mallory", "fakepassword")))
        self.assert_401(self.get(auth=("mallory", "p:ss w0rd")))
        self.assert_401(self.get(auth=("", "")))

    def test_unknown_user_costs_a_bcrypt_too(self):
        # Fresh passwords each time (outcomes are cached). Without the dummy
        # check an unknown user would answer in well under a millisecond.
        def timed(user, i):
            t = time.monotonic()
            r = self.get(auth=(user, f"timing-{user}-{i}-{time.monotonic_ns()}"))
            self.assertEqual(r.status, 401)
            return time.monotonic() - t

        # Interleaved, and the fastest of each: the least disturbed by a busy machine.
        known, unknown = [], []
        for i in range(6):
            known.append(timed("alice", i))
            unknown.append(timed("nobody", i))
        k, u = min(known), min(unknown)
        self.assertGreater(u, k * 0.3, f"unknown user {u:.4f}s vs known user {k:.4f}s")
        self.assertGreater(u, 0.005, f"unknown user answered in {u:.4f}s: no bcrypt ran")

    def test_every_path_needs_auth(self):
        for path in ("/", "/-/healthy", "/nope"):
            with self.subTest(path=path):
                self.assert_401(self.get(path))
        self.assertEqual(self.get("/-/healthy", auth=("alice", "s3cret")).status, 200)
        self.assertEqual(self.get("/nope", auth=("alice", "s3cret")).status, 404)

    def test_reload_needs_auth(self):
        self.assert_401(self.get("/-/reload", method="POST", data=b""))
        r = self.get("/-/reload", auth=("alice", "s3cret"), method="POST", data=b"")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.body, b"config reloaded\n")

    def test_configured_headers_on_every_answer(self):
        for r in (self.get(auth=("alice", "s3cret")), self.get(), self.get("/x", auth=("alice", "s3cret"))):
            with self.subTest(status=r.status):
                self.assertEqual(r.headers.get("X-Frame-Options"), "deny")
                self.assertEqual(r.headers.get("Content-Security-Policy"), "default-src 'none'")
                self.assertEqual(r.headers.get("X-Content-Type-Options"), "nosniff")

    def test_keep_alive_after_401(self):
        # A refused request does not poison the connection for the next one.
        import base64
        good = base64.b64encode(b"alice:s3cret")
        req = (b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /-/healthy HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + good + b"\r\nConnection: close\r\n\r\n")
        _, _, _, raw = raw_http(self.exporter.port, req)
        statuses = [int(line.split()[1]) for line in raw.split(b"\r\n") if line.startswith(b"HTTP/1.")]
        self.assertIn(statuses, ([401, 200], [401]), raw[:500])


class WebConfigErrorsTest(harness.IntegrationTest):

    def run_with(self, text):
        d = self.make_tmpdir()
        path = wh.write_file(d, "web.yml", text)
        return path, wh.run_exporter(f"--web.config.file={path}")

    def test_unknown_key_exits_1_naming_it(self):
        path, r = self.run_with("basic_auth_users: {}\nbasic_auth:\n  alice: x\n")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f'{path}:2:1: unknown key \\"basic_auth\\" in the web config', r.stderr)

    def test_plain_password_exits_1(self):
        path, r = self.run_with("basic_auth_users:\n  alice: s3cret\n")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('the password of user \\"alice\\" is not a bcrypt hash', r.stderr)

    def test_header_not_allowed_exits_1(self):
        path, r = self.run_with("http_server_config:\n  headers:\n    Server: x\n")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn('HTTP header \\"Server\\" can not be configured', r.stderr)

    def test_missing_file_exits_1(self):
        r = wh.run_exporter("--web.config.file=/nonexistent/web.yml")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("/nonexistent/web.yml: cannot open web config file: No such file or directory", r.stderr)

    def test_rate_limit_answers_429(self):
        d = self.make_tmpdir()
        path = wh.write_file(d, "web.yml", "rate_limit:\n  interval: 1h\n  burst: 3\n")
        e = self.start_exporter(f"--web.config.file={path}")
        statuses = [harness.http(e.url("/-/healthy")).status for _ in range(5)]
        self.assertEqual(statuses, [200, 200, 200, 429, 429])


if __name__ == "__main__":
    harness.main()
