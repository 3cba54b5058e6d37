"""TLS from --web.config.file (exporter-toolkit format): certificates made in
the test with the openssl CLI, scrapes over https with curl and Python's ssl,
client-certificate modes, versions, and start-up errors."""

import os
import re
import shutil
import ssl
import stat
import subprocess

import harness
import web_harness as wh


class TlsTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        cls.tmp = cls.make_class_tmpdir()
        cls.certs = wh.Certs(cls.tmp)

    def web_config(self, text):
        d = self.make_tmpdir()
        return wh.write_file(d, "web.yml", text)

    def start_tls_exporter(self, tls_lines):
        path = self.web_config("tls_server_config:\n" + tls_lines)
        e = self.start_exporter(f"--web.config.file={path}")
        self.assertRegex(e.log.text(), r'msg="?TLS is enabled"?')
        return e

    def test_scrape_over_https_with_curl(self):
        c = self.certs
        e = self.start_tls_exporter(f"  cert_file: {c.server_cert}\n  key_file: {c.server_key}\n")
        rc, status, body, err = wh.curl("--cacert", c.ca_cert, f"https://{e.address}/metrics")
        self.assertEqual((rc, status), (0, 200), err)
        samples = harness.parse_metrics(body)
        self.assertTrue(harness.select(samples, "proctree_exporter_build_info"))
        # Plain HTTP to the TLS port gets no metrics.
        rc, status, body, err = wh.curl(f"http://{e.address}/metrics", timeout=30)
        self.assertNotEqual(status, 200)
        # And a client that does not trust the certificate refuses it.
        rc, status, body, err = wh.curl(f"https://{e.address}/metrics")
        self.assertEqual(rc, 60, err)  # CURLE_PEER_FAILED_VERIFICATION

    def test_relative_paths_and_inline_pem(self):
        c = self.certs
        d = self.make_tmpdir()
        for src, name in ((c.server_cert, "s.crt"), (c.server_key, "s.key")):
            with open(src) as f:
                wh.write_file(d, name, f.read())
        # Paths relative to the web config file's directory, as exporter-toolkit has them.
        path = wh.write_file(d, "web.yml", "tls_server_config:\n  cert_file: s.crt\n  key_file: s.key\n")
        e = harness.Exporter([f"--web.config.file={path}"])
        self.addCleanup(e.stop)
        r = wh.request(f"https://{e.address}/-/healthy", context=wh.tls_context(c.ca_cert))
        self.assertEqual(r.status, 200)
        # The certificate and key inline.
        with open(c.server_cert) as f:
            cert = f.read()
        with open(c.server_key) as f:
            key = f.read()
        indent = lambda pem: "\n".join("    " + l for l in pem.strip().splitlines())  # noqa: E731
        e2 = self.start_tls_exporter(f"  cert: |\n{indent(cert)}\n  key: |\n{indent(key)}\n")
        r = wh.request(f"https://{e2.address}/metrics", context=wh.tls_context(c.ca_cert))
        self.assertEqual(r.status, 200)

    def test_require_and_verify_client_cert(self):
        c = self.certs
        e = self.start_tls_exporter(
            f"  cert_file: {c.server_cert}\n  key_file: {c.server_key}\n"
            f"  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {c.ca_cert}\n")
        url = f"https://{e.address}/metrics"
        # No client certificate: the handshake fails, no HTTP status at all.
        rc, status, body, err = wh.curl("--cacert", c.ca_cert, url)
        self.assertNotEqual(rc, 0, body[:200])
        self.assertEqual(status, 0)
        # A self-signed client certificate the CA did not sign: refused too.
        rc, status, body, err = wh.curl("--cacert", c.ca_cert, "--cert", c.rogue_cert, "--key", c.rogue_key, url)
        self.assertNotEqual(rc, 0, body[:200])
        self.assertEqual(status, 0)
        # The CA-signed one: served.
        rc, status, body, err = wh.curl("--cacert", c.ca_cert, "--cert", c.client_cert, "--key", c.client_key, url)
        self.assertEqual((rc, status), (0, 200), err)
        harness.parse_metrics(body, prefix="proctree_exporter_")
        # The exporter is still serving after the refused handshakes.
        r = wh.request(url, context=wh.tls_context(c.ca_cert, c.client_cert, c.client_key))
        self.assertEqual(r.status, 200)

    def test_client_allowed_sans(self):
        c = self.certs
        e = self.start_tls_exporter(
            f"  cert_file: {c.server_cert}\n  key_file: {c.server_key}\n"
            f"  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {c.ca_cert}\n"
            "  client_allowed_sans: [someone.else]\n")
        rc, status, body, err = wh.curl("--cacert", c.ca_cert, "--cert", c.client_cert, "--key", c.client_key,
                                        f"https://{e.address}/metrics")
        self.assertNotEqual(rc, 0)
        e2 = self.start_tls_exporter(
            f"  cert_file: {c.server_cert}\n  key_file: {c.server_key}\n"
            f"  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {c.ca_cert}\n"
            "  client_allowed_sans: [someone.else, prometheus.test]\n")
        rc, status, body, err = wh.curl("--cacert", c.ca_cert, "--cert", c.client_cert, "--key", c.client_key,
                                        f"https://{e2.address}/metrics")
        self.assertEqual((rc, status), (0, 200), err)

    def test_require_any_client_cert_takes_unverified_ones(self):
        c = self.certs
        e = self.start_tls_exporter(
            f"  cert_file: {c.server_cert}\n  key_file: {c.server_key}\n  client_auth_type: RequireAnyClientCert\n")
        url = f"https://{e.address}/-/healthy"
        rc, status, body, err = wh.curl("--cacert", c.ca_cert, url)
        self.assertNotEqual(rc, 0)
        rc, status, body, err = wh.curl("--cacert", c.ca_cert, "--cert", c.rogue_cert, "--key", c.rogue_key, url)
        self.assertEqual((rc, status), (0, 200), err)

    def test_tls_versions(self):
        c = self.certs
        e = self.start_tls_exporter(f"  cert_file: {c.server_cert}\n  key_file: {c.server_key}\n"
                                    "  min_version: TLS13\n")
        url = f"https://{e.address}/-/healthy"
        rc, status, body, err = wh.curl("--cacert", c.ca_cert, "--tls-max", "1.2", url)
        self.assertNotEqual(rc, 0)
        rc, status, body, err = wh.curl("--cacert", c.ca_cert, "--tlsv1.3", url)
        self.assertEqual((rc, status), (0, 200), err)
        e2 = self.start_tls_exporter(f"  cert_file: {c.server_cert}\n  key_file: {c.server_key}\n"
                                     "  max_version: TLS12\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]\n")
        ctx = wh.tls_context(c.ca_cert)
        r = wh.request(f"https://{e2.address}/-/healthy", context=ctx)
        self.assertEqual(r.status, 200)
        with ssl.create_connection(("127.0.0.1", e2.port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                self.assertEqual(s.version(), "TLSv1.2")
                self.assertEqual(s.cipher()[0], "ECDHE-RSA-AES256-GCM-SHA384")

    def handshake(self, e, *args):
        """The suite `openssl s_client` agrees on with `args` (-tls1_2, -cipher ...), or None when refused."""
        r = subprocess.run(["openssl", "s_client", "-brief", "-connect", e.address, *args],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=30)
        m = re.search(r"^Ciphersuite: (\S+)$", r.stdout, re.M)
        return m.group(1) if r.returncode == 0 and m else None

    def test_tls12_default_suites_are_ecdhe_with_aead(self):
        # As exporter-toolkit's Go refuses by default: RSA key exchange (no
        # forward secrecy), CBC with SHA-256/384; and CBC at all here.
        c = self.certs
        e = self.start_tls_exporter(f"  cert_file: {c.server_cert}\n  key_file: {c.server_key}\n")
        for suite in ("AES128-SHA", "AES256-SHA", "AES128-SHA256", "AES256-SHA256", "AES128-GCM-SHA256",
                      "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA256", "ECDHE-RSA-AES256-SHA384",
                      "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA"):
            with self.subTest(refused=suite):
                self.assertIsNone(self.handshake(e, "-tls1_2", "-cipher", suite))
        for suite in ("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"):
            with self.subTest(accepted=suite):
                self.assertEqual(self.handshake(e, "-tls1_2", "-cipher", suite), suite)
        # TLS 1.3 and its suites are untouched.
        self.assertEqual(self.handshake(e, "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"),
                         "TLS_AES_128_GCM_SHA256")
        self.assertEqual(self.handshake(e, "-tls1_3"), "TLS_AES_256_GCM_SHA384")

    def test_cipher_suites_replace_the_defaults(self):
        # An explicit list is taken as it is, even a suite the defaults leave out.
        c = self.certs
        e = self.start_tls_exporter(f"  cert_file: {c.server_cert}\n  key_file: {c.server_key}\n"
                                    "  cipher_suites: [TLS_RSA_WITH_AES_128_GCM_SHA256, "
                                    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA]\n")
        self.assertEqual(self.handshake(e, "-tls1_2", "-cipher", "AES128-GCM-SHA256"), "AES128-GCM-SHA256")
        self.assertEqual(self.handshake(e, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA"), "ECDHE-RSA-AES128-SHA")
        self.assertIsNone(self.handshake(e, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"))
        # A client offering only the default suites finds none in common.
        self.assertIsNone(self.handshake(e, "-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:"
                                         "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305"))
        self.assertEqual(self.handshake(e, "-tls1_3"), "TLS_AES_256_GCM_SHA384")

    def test_bad_tls_files_exit_1_naming_them(self):
        c = self.certs
        cases = [
            (f"  cert_file: {c.server_cert}\n  key_file: {c.client_key}\n", "private key does not match public key"),
            (f"  cert_file: {self.tmp}/missing.crt\n  key_file: {c.server_key}\n",
             f"failed to read cert_file ({self.tmp}/missing.crt): No such file or directory"),
            (f"  cert_file: {c.server_key}\n  key_file: {c.server_key}\n", "no PEM certificate in cert_file"),
            (f"  cert_file: {c.server_cert}\n  key_file: {c.server_key}\n"
             f"  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {c.server_key}\n",
             f"no PEM certificates found in client_ca_file ({c.server_key})"),
            (f"  cert_file: {c.server_cert}\n", "missing one of key or key_file in tls_server_config"),
            (f"  cert_file: {c.server_cert}\n  key_file: {c.server_key}\n  client_auth_type: Maybe\n",
             "invalid ClientAuth: Maybe"),
        ]
        for tls, want in cases:
            with self.subTest(want=want):
                path = self.web_config("tls_server_config:\n" + tls)
                r = wh.run_exporter(f"--web.config.file={path}")
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("invalid web configuration", r.stderr)
                self.assertIn(want, r.stderr)
                # --config.check reports the same.
                r = wh.run_exporter(f"--web.config.file={path}", "--config.check")
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn(want, r.stderr)

    def test_config_check_accepts_a_good_web_config(self):
        c = self.certs
        path = self.web_config(f"tls_server_config:\n  cert_file: {c.server_cert}\n  key_file: {c.server_key}\n")
        r = wh.run_exporter(f"--web.config.file={path}", "--config.check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"{path}: web configuration is valid", r.stdout)

    def test_openssl_is_linked_directly(self):
        # CivetWeb is compiled into the exporter against OpenSSL 3 (no dlopen()
        # of "libssl.so", no stand-ins loaded from memory): libssl.so.3 is a
        # plain dependency.
        c = self.certs
        e = self.start_tls_exporter(f"  cert_file: {c.server_cert}\n  key_file: {c.server_key}\n")
        rc, status, body, err = wh.curl("--cacert", c.ca_cert, f"https://{e.address}/-/healthy")
        self.assertEqual((rc, status), (0, 200), err)
        with open(f"/proc/{e.proc.pid}/maps") as f:
            maps = [line.split()[-1] for line in f if len(line.split()) >= 6]
        self.assertTrue(any(m.endswith("/libssl.so.3") for m in maps), "libssl.so.3 is not mapped")
        self.assertFalse([m for m in maps if "memfd:" in m], "a library was loaded from memory")


class WithoutLibrariesTest(harness.IntegrationTest):
    """The exporter in a mount namespace whose library directory hides some
    files (an overlay with whiteouts): TLS needs libssl3 only, not the
    libssl.so and libcrypto.so names of libssl-dev; without libssl3 the
    failure names the library. Needs root and overlayfs; skipped otherwise."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = cls.make_class_tmpdir()
        cls.certs = wh.Certs(cls.tmp)
        ldd = subprocess.run(["ldd", harness.exporter_binary()], capture_output=True, text=True).stdout
        path = next((l.split("=>")[1].split()[0] for l in ldd.splitlines() if "libssl.so.3" in l), None)
        cls.libdir = os.path.dirname(os.path.realpath(path)) if path else None

    def namespace(self, hidden):
        """The command prefix running a command with `hidden` missing from the library directory."""
        if os.geteuid() != 0 or not shutil.which("unshare") or not self.libdir:
            self.skipTest("needs root, unshare(1) and the exporter linked to libssl.so.3")
        d = self.make_tmpdir()
        upper, work = os.path.join(d, "upper"), os.path.join(d, "work")
        os.makedirs(upper)
        os.makedirs(work)
        for name in hidden:
            os.mknod(os.path.join(upper, name), stat.S_IFCHR | 0o600, os.makedev(0, 0))  # a whiteout
        mount = f"mount -t overlay overlay -o lowerdir={self.libdir},upperdir={upper},workdir={work} {self.libdir}"
        probe = subprocess.run(["unshare", "-m", "sh", "-c", f"{mount} && test ! -e {self.libdir}/{hidden[0]}"],
                               capture_output=True, text=True, timeout=30)
        if probe.returncode != 0:
            self.skipTest(f"cannot mount an overlay in a mount namespace here: {probe.stderr.strip()}")
        return ["unshare", "-m", "sh", "-c", f"{mount} && exec \"$0\" \"$@\""]

    def test_tls_without_libssl_dev(self):
        c = self.certs
        prefix = self.namespace(["libssl.so", "libcrypto.so"])
        web = wh.write_file(self.make_tmpdir(), "web.yml",
                            f"tls_server_config:\n  cert_file: {c.server_cert}\n  key_file: {c.server_key}\n"
                            f"  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {c.ca_cert}\n")
        proc = subprocess.Popen([*prefix, harness.exporter_binary(), "--web.listen-address=127.0.0.1:0",
                                 f"--web.config.file={web}"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        log = harness.LineCollector(proc.stderr)
        self.addCleanup(log.join)
        self.addCleanup(harness.stop_process, proc)
        port = int(log.wait_for(r'msg="?listening"?\s.*\baddress="?(?:[^\s",]*:)?([0-9]+)', 15, "the listening line").group(1))
        rc, status, body, err = wh.curl("--cacert", c.ca_cert, "--cert", c.client_cert, "--key", c.client_key,
                                        f"https://127.0.0.1:{port}/metrics")
        self.assertEqual((rc, status), (0, 200), err + log.text())
        harness.parse_metrics(body, prefix="proctree_exporter_")

    def test_without_libssl3_the_failure_names_it(self):
        prefix = self.namespace(["libssl.so.3", "libssl.so"])
        r = subprocess.run([*prefix, harness.exporter_binary(), "--version"], capture_output=True, text=True,
                           timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("libssl.so.3: cannot open shared object file", r.stderr)


if __name__ == "__main__":
    harness.main()
