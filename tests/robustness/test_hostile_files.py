# ctest: TIMEOUT 300
"""Hostile files where the exporter expects a config (issue 13, item 5).

--config.file, --web.config.file and the PEM files the web config names are
read only when they are regular files of at most 1 MiB (probes/util/regular_file.h),
opened without blocking: a directory, a FIFO, /dev/zero or a 2 MiB file is
refused at once with an error naming the path; a config whose YAML aliases
expand to more than 100,000 nodes or 1 MiB of scalars (or 1,000 selectors) is
refused too. A
reload to such a file is rejected promptly, the old config keeps serving and
SIGTERM still ends the exporter. After a reload from a large config back to a
small one, RSS is back near where it started (malloc_trim after each reload).
"""

import os
import signal
import subprocess
import time

import harness
import web_harness as wh
from harness import one, select
from test_config_reload import ConfigFileMixin, unescape_log, write_config

SMALL = "metrics:\n  deny: [proctree_process_nice]\n"
CHECK_TIMEOUT = 60    # seconds for a --config.check that must not hang (generous for sanitizer builds)
REJECT_TIMEOUT = 20   # seconds for a rejected reload to be logged
STOP_WITHIN = 6       # seconds from SIGTERM to exit: CivetWeb's stop takes up to 2
CAP = 1 << 20         # kMaxConfigFileBytes, kMaxPemFileBytes


def replace_with_fifo(path):
    """Puts a FIFO where the config was, atomically, as a hostile writer would."""
    tmp = path + ".fifo"
    os.mkfifo(tmp)
    os.replace(tmp, path)


def alias_selectors(count, selector="{match: {cmdline: ['^/usr/bin/(?P<name>[a-z]+) --mode=([0-9]+)']}}"):
    """`count` selectors in a few bytes each: one anchored, the rest aliases of it."""
    return "processes: [&s " + selector + ", *s" * (count - 1) + "]\n"


def regex_aliases(selectors):
    """Selectors that each name one long regex 99 times, by alias."""
    regex = "'^(" + "|".join(f"word{i:04d}[a-z]+" for i in range(60)) + ")$'"
    text = "processes:\n  - match: {cmdline: [&r " + regex + ", *r" * 98 + "]}\n"
    text += "  - match: &m {cmdline: [*r" + ", *r" * 98 + "]}\n"
    return text + "  - match: *m\n" * (selectors - 2)


def large_config(selectors=1000, comms=33):
    """~790 KB, ~45,000 YAML nodes: under every cap, and ~25 MB of parsed and compiled config."""
    lines = ["processes:"]
    for i in range(selectors):
        lines += [f"  - name: sel{i:04d}", "    match:",
                  "      comm: [" + ", ".join(f"c{i}_{j}_xxxxxxxxxx" for j in range(comms)) + "]",
                  f"      cmdline: ['^/usr/bin/prog{i} --(?P<mode>[a-z]+)=([0-9]+)']",
                  "    group: 'g{comm}_{match:mode}'"]
    return "\n".join(lines) + "\n"


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def sanitized(pid):
    """ASan and TSan keep freed memory in their own allocators: RSS says nothing about malloc_trim there."""
    with open(f"/proc/{pid}/maps") as f:
        return any("libasan" in line or "libtsan" in line for line in f)


class ConfigCheckTest(harness.IntegrationTest):
    """--config.check against files that are not small regular files."""

    def setUp(self):
        self.dir = self.make_tmpdir()

    def assert_refused(self, args, path, reason):
        t0 = time.monotonic()
        r = wh.run_exporter("--config.check", *args, timeout=CHECK_TIMEOUT)
        err = unescape_log(r.stderr)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(path, err)
        self.assertIn(reason, err)
        self.assertNotIn("configuration is valid", r.stdout)
        self.assertLess(time.monotonic() - t0, CHECK_TIMEOUT)

    def test_config_file_must_be_a_small_regular_file(self):
        fifo = os.path.join(self.dir, "fifo.yml")
        os.mkfifo(fifo)
        big = os.path.join(self.dir, "big.yml")
        with open(big, "w") as f:
            f.write("# padding\n" * (2 * CAP // 10))  # 2 MiB of comments: valid YAML, all defaults
        cases = [(self.dir, "config file is a directory, not a regular file"),
                 (fifo, "config file is a FIFO, not a regular file"),
                 ("/dev/zero", "config file is a character device, not a regular file"),
                 (big, f"config file is larger than {CAP} bytes")]
        for path, reason in cases:
            with self.subTest(path=path):
                self.assert_refused([f"--config.file={path}"], f"{path}: {reason}", reason)

    def test_a_config_of_exactly_the_cap_is_read(self):
        path = os.path.join(self.dir, "cap.yml")
        with open(path, "w") as f:
            f.write(SMALL + "#" * (CAP - len(SMALL) - 1) + "\n")
        self.assertEqual(os.path.getsize(path), CAP)
        r = wh.run_exporter("--config.check", f"--config.file={path}", timeout=CHECK_TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"{path}: configuration is valid", r.stdout)

    def test_yaml_alias_bombs_are_refused(self):
        cases = [
            # 20,000 selectors with a regex each, from 180 KB: 120,000 nodes.
            ("bomb.yml", alias_selectors(20000), "the config expands to more than 100000 YAML nodes"),
            # An alias inside its own anchor: an endless chain of ancestors.
            ("cycle.yml", "processes:\n  - match: &m {comm: [x], ancestor: *m}\n",
             "the config expands to more than 100000 YAML nodes"),
            # 99 aliases of a 900-byte regex in each of 200 selectors, from 14 KB: 18 MB of regexes
            # to compile (before the cap: 20 s and 600 MB; at 900 selectors 84 s and 2.8 GB).
            ("regexes.yml", regex_aliases(200), "the config expands to more than 1048576 bytes of YAML scalars"),
            ("selectors.yml", alias_selectors(1001), "processes has 1001 selectors; at most 1000 are allowed"),
            ("groups.yml", "groups: [&g web" + ", *g" * 1000 + "]\n", "groups has 1001 entries; at most 1000"),
        ]
        for name, text, reason in cases:
            with self.subTest(name=name):
                path = os.path.join(self.dir, name)
                write_config(path, text)
                self.assert_refused([f"--config.file={path}"], f"{path}:1:", reason)

    def test_web_config_file_must_be_a_small_regular_file(self):
        fifo = os.path.join(self.dir, "web-fifo.yml")
        os.mkfifo(fifo)
        cases = [(self.dir, "web config file is a directory, not a regular file"),
                 (fifo, "web config file is a FIFO, not a regular file"),
                 ("/dev/zero", "web config file is a character device, not a regular file")]
        for path, reason in cases:
            with self.subTest(path=path):
                self.assert_refused([f"--web.config.file={path}"], f"{path}: {reason}", reason)


class TlsFilesTest(harness.IntegrationTest):
    """cert_file, key_file and client_ca_file that are FIFOs or devices."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = cls.make_class_tmpdir()
        cls.certs = wh.Certs(cls.tmp)
        cls.fifo = os.path.join(cls.tmp, "fifo.pem")
        os.mkfifo(cls.fifo)

    def test_pem_files_must_be_small_regular_files(self):
        c = self.certs
        big = os.path.join(self.tmp, "big.crt")
        with open(c.server_cert) as src, open(big, "w") as f:
            pem = src.read()
            f.write(pem * (CAP // len(pem) + 1))
        ca = "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {}\n"
        cases = [
            (f"  cert_file: {self.fifo}\n  key_file: {c.server_key}\n",
             f"failed to read cert_file ({self.fifo}): is a FIFO, not a regular file"),
            ("  cert_file: /dev/zero\n" f"  key_file: {c.server_key}\n",
             "failed to read cert_file (/dev/zero): is a character device, not a regular file"),
            (f"  cert_file: {c.server_cert}\n  key_file: {self.fifo}\n",
             f"failed to read key_file ({self.fifo}): is a FIFO, not a regular file"),
            (f"  cert_file: {c.server_cert}\n  key_file: {c.server_key}\n" + ca.format(self.fifo),
             f"failed to read client_ca_file ({self.fifo}): is a FIFO, not a regular file"),
            (f"  cert_file: {big}\n  key_file: {c.server_key}\n",
             f"failed to read cert_file ({big}): is larger than {CAP} bytes"),
        ]
        for tls, want in cases:
            with self.subTest(want=want):
                path = wh.write_file(self.make_tmpdir(), "web.yml", "tls_server_config:\n" + tls)
                for extra in ((), ("--config.check",)):
                    r = wh.run_exporter(f"--web.config.file={path}", *extra, timeout=CHECK_TIMEOUT)
                    self.assertEqual(r.returncode, 1, r.stderr)
                    self.assertIn("invalid web configuration", r.stderr)
                    self.assertIn(want, unescape_log(r.stderr))
                    self.assertNotIn("listening", r.stderr)


class HostileReloadTest(ConfigFileMixin, harness.IntegrationTest):
    """Reloads (SIGHUP, POST /-/reload) of a config path that became hostile."""

    def assert_old_config_serves(self, exporter):
        _, samples = self.scrape(exporter)
        self.assertEqual(one(samples, "proctree_config_last_reload_successful").value, 0)
        self.assertTrue(select(samples, "proctree_process_info"), "no per-process series at all")
        self.assertEqual(select(samples, "proctree_process_nice"), [], "the old config's deny list is gone")

    def assert_sigterm_ends_it(self, exporter):
        t0 = time.monotonic()
        exporter.proc.send_signal(signal.SIGTERM)
        try:
            rc = exporter.proc.wait(STOP_WITHIN)
        except subprocess.TimeoutExpired:
            self.fail(f"the exporter was still running {STOP_WITHIN}s after SIGTERM")
        self.assertEqual(rc, 0, exporter.log.text())
        self.assertLess(time.monotonic() - t0, STOP_WITHIN)

    def test_sighup_to_a_fifo_is_rejected_and_sigterm_still_works(self):
        exporter = self.start(SMALL)
        self.scrape(exporter)
        replace_with_fifo(self.config)
        exporter.proc.send_signal(signal.SIGHUP)
        m = exporter.log.wait_for(r"configuration reload rejected.*", REJECT_TIMEOUT, "the rejected-reload log line")
        self.assertIn(f"{self.config}: config file is a FIFO, not a regular file", unescape_log(m.group(0)))
        self.assert_old_config_serves(exporter)
        self.assert_sigterm_ends_it(exporter)

    def test_post_reload_of_a_fifo_is_rejected_and_sigterm_still_works(self):
        exporter = self.start(SMALL)
        self.scrape(exporter)
        replace_with_fifo(self.config)
        r = harness.http(exporter.url("/-/reload"), method="POST", data=b"", timeout=REJECT_TIMEOUT)
        self.assertEqual(r.status, 500, r.body)
        self.assertIn(f"{self.config}: config file is a FIFO, not a regular file", r.text())
        self.assert_old_config_serves(exporter)
        self.assert_sigterm_ends_it(exporter)

    def test_rss_returns_near_baseline_after_a_large_config(self):
        exporter = self.start(SMALL)
        pid = exporter.proc.pid
        if sanitized(pid):
            self.skipTest("a sanitizer's allocator keeps freed memory; RSS says nothing about malloc_trim")
        for _ in range(3):  # the scrape buffers are part of the baseline
            self.scrape(exporter)
        baseline = rss_kib(pid)

        write_config(self.config, large_config())
        self.assertLess(os.path.getsize(self.config), CAP)
        r = harness.http(exporter.url("/-/reload"), method="POST", data=b"")
        self.assertEqual(r.status, 200, r.body)
        self.scrape(exporter)
        # The large config must have cost memory, or the test would prove nothing.
        self.assertGreater(rss_kib(pid, "VmHWM") - baseline, 16 * 1024)

        write_config(self.config, SMALL)
        r = harness.http(exporter.url("/-/reload"), method="POST", data=b"")
        self.assertEqual(r.status, 200, r.body)
        for _ in range(3):
            self.scrape(exporter)
        # Without malloc_trim all of it (~27 MB) stayed; with it, ~1 MB does.
        after = rss_kib(pid)
        self.assertLess(after - baseline, 8 * 1024, f"RSS {baseline} KiB before, {after} KiB after")


if __name__ == "__main__":
    harness.main()
