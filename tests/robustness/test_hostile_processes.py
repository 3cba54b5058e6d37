# ctest: TIMEOUT 300
"""Hostile processes, started for real, under exporters that expose them (issue #8).

Started at once and kept for the whole class: processes named (by exec of a
symlink with the name, and by prctl(PR_SET_NAME)) with spaces, parentheses,
") (", a newline, a backslash, a double quote, control characters, invalid
UTF-8 and a multi-byte character the kernel's 15-byte comm limit cuts; a
command line of more than 1 MiB; a zombie; a stopped process; a process with
1,000 threads and one with 10,000 open descriptors. Every process the test
starts is selected by an `ancestor: {pid_file: <the test's pid>}` selector, and
nothing else gets per-process series.

Two exporters scrape them: one with labels.cmdline on (redacted, cut to
CMDLINE_MAX bytes), one with it off, which must not open any cmdline file
(watched with fanotify, which names the opener). Every scrape must answer 200,
be valid UTF-8 and pass promtool; the hostile series carry the values the
kernel shows the test. Then a real Prometheus scrapes the first exporter.
"""

import ctypes
import os
import pwd
import resource
import select
import signal
import struct
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import harness

CMDLINE_MAX = 200
THREADS = 1000
FDS = 10000
HUGE_ARGS = 1100  # of 1,000 bytes each: a command line over 1 MiB, each argument far below MAX_ARG_STRLEN
SECRET = b"hunter2"
HUGE_SECRET = b"s3cr3t-token-value"
SCRAPE_TIMEOUT = 60  # seconds; generous for ASan/TSan builds on a loaded 2-core machine
SLOW_SCRAPE = 20  # seconds; a scrape of a few hundred processes takes well under one, even sanitized
FFFD = "\ufffd"

# name bytes -> the comm label the exporter must show: the kernel keeps 15
# bytes, and probes/util/utf8.cc turns each invalid byte, and each cut sequence,
# into one U+FFFD.
HOSTILE_NAMES = {
    b"sp ace name": "sp ace name",
    b"par(en": "par(en",
    b"par)en": "par)en",
    b"a) (b": "a) (b",
    b"x) R 1 2 (y": "x) R 1 2 (y",  # looks like the fields that follow comm in stat
    b"new\nline": "new\nline",
    b"new\\nline": "new\\nline",  # a backslash and an n: must stay apart from the newline
    b'quo"te': 'quo"te',
    b"back\\slash": "back\\slash",
    b"ctl\t\r\x01\x7f": "ctl\t\r\x01\x7f",
    b"bad\xff\xfeutf8": "bad" + FFFD + FFFD + "utf8",
    b"abcdefghijklmn\xe2\x82\xac": "abcdefghijklmn" + FFFD,  # 14 ASCII + the lead byte of a 3-byte "€"
    b"abcdefghijklm\xe2\x82\xac": "abcdefghijklm" + FFFD,  # 13 ASCII + 2 of its 3 bytes
    b"abcdefghijkl\xf0\x9f\x98\x80": "abcdefghijkl" + FFFD,  # 12 ASCII + 3 of a 4-byte emoji
    b"a-name-longer-than-15-bytes": "a-name-longer-t",
}


def hostile_binary():
    return harness.env_path("PROCTREE_HOSTILE")


def read_stat(pid):
    """(comm bytes, fields from 3 on) of /proc/<pid>/stat: fields[0] is the state, fields[17] num_threads."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read()
    close = data.rindex(b")")
    return data[data.index(b"(") + 1:close], data[close + 2:].split()


def user_label(uid):
    """The user label the exporter gives a uid: the name, or the number when it has none."""
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def state_of(pid):
    return read_stat(pid)[1][0].decode()


def expected_cmdline_label(argv):
    """The label for a command line: secrets redacted, invalid bytes replaced, elements joined by spaces."""
    raw = b" ".join(argv).replace(b"=" + SECRET, b"=<redacted>").replace(HUGE_SECRET, b"<redacted>")
    return raw.decode("utf-8", "replace")


class CmdlineOpens:
    """fanotify on one /proc/<pid>/cmdline: the pids of the processes that open it."""

    FAN_CLOEXEC, FAN_NONBLOCK, FAN_CLASS_NOTIF = 0x1, 0x2, 0x0
    FAN_MARK_ADD, FAN_OPEN, AT_FDCWD = 0x1, 0x20, -100
    EVENT = struct.Struct("IBBHQii")  # struct fanotify_event_metadata

    def __init__(self, path):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint, ctypes.c_uint64, ctypes.c_int, ctypes.c_char_p]
        self.fd = libc.fanotify_init(self.FAN_CLOEXEC | self.FAN_NONBLOCK | self.FAN_CLASS_NOTIF,
                                     os.O_RDONLY | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "fanotify_init")
        if libc.fanotify_mark(self.fd, self.FAN_MARK_ADD, self.FAN_OPEN, self.AT_FDCWD, path.encode()) != 0:
            err = ctypes.get_errno()
            os.close(self.fd)
            raise OSError(err, f"fanotify_mark {path}")

    def drain(self):
        """Pids that opened the file since the last call."""
        pids = []
        while select.select([self.fd], [], [], 0)[0]:
            try:
                data = os.read(self.fd, 65536)
            except BlockingIOError:
                break
            i = 0
            while i + self.EVENT.size <= len(data):
                length, _, _, _, _, fd, pid = self.EVENT.unpack_from(data, i)
                if fd >= 0:
                    os.close(fd)
                pids.append(pid)
                i += length
        return pids

    def close(self):
        os.close(self.fd)


def config_yaml(pid_file, cmdline):
    return ("processes:\n"
            "  - group: hostile\n"
            "    match:\n"
            "      ancestor:\n"
            f"        pid_file: {pid_file}\n"
            "unmatched:\n"
            "  per_process: false\n"
            "  group: none\n"
            "labels:\n"
            f"  cmdline: {'true' if cmdline else 'false'}\n"
            f"  cmdline_max_length: {CMDLINE_MAX}\n")


class HostileProcessesTest(harness.IntegrationTest):

    @classmethod
    def start(cls, what, argv, executable=None):
        """Starts the helper; returns (Popen, pid). Stopped at class cleanup whatever happens."""
        proc = subprocess.Popen(argv, executable=executable, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        cls.addClassCleanup(cls.stop_helper, proc)
        harness.read_lines_until(proc.stdout, r"^ready ([0-9]+)$", 60, f"'ready' from the {what} process")
        return proc, proc.pid

    @staticmethod
    def stop_helper(proc):
        # SIGKILL ends a stopped process too; waiting reaps the zombie (the test is its parent).
        harness.stop_process(proc, signal.SIGKILL)

    @classmethod
    def setUpClass(cls):
        cls.tmp = cls.make_class_tmpdir()
        helper = hostile_binary()
        pid_file = os.path.join(cls.tmp, "test.pid")
        with open(pid_file, "w") as f:
            f.write(f"{os.getpid()}\n")

        # name -> [(pid, argv)], one started through a symlink named `name`
        # (the kernel sets comm at exec), one that sets it with prctl.
        cls.named = {}
        links = os.path.join(cls.tmp, "links").encode()
        os.mkdir(links)
        for i, name in enumerate(HOSTILE_NAMES):
            link = os.path.join(links, name)
            os.symlink(helper.encode(), link)
            tail = [b"--", b"--password=" + SECRET, b"plain"]
            by_exec = [name] + tail
            by_prctl = [helper.encode(), b"--comm", name] + tail
            cls.named[name] = [(cls.start(f"exec-named #{i}", by_exec, executable=link)[1], by_exec),
                               (cls.start(f"prctl-named #{i}", by_prctl)[1], by_prctl)]

        # More than 1 MiB of command line, invalid bytes and a secret in its first bytes.
        cls.huge_argv = ([b"huge\xff\xfe-cmdline", b"--", b"--token", HUGE_SECRET]
                         + [b"pad\xff%05d" % i + b"x" * 991 for i in range(HUGE_ARGS)])
        arg_bytes = sum(len(a) + 1 for a in cls.huge_argv)
        env_bytes = sum(len(k) + len(v) + 2 for k, v in os.environb.items())
        cls.huge_skip = None
        cls.huge = None
        if arg_bytes + env_bytes + 64 * 1024 > os.sysconf("SC_ARG_MAX"):
            cls.huge_skip = (f"ARG_MAX {os.sysconf('SC_ARG_MAX')} is too small for a {arg_bytes}-byte command "
                             "line (it is a quarter of the stack limit: ulimit -s)")
        else:
            cls.huge = cls.start("huge-cmdline", cls.huge_argv, executable=helper)[1]

        cls.threads = cls.start("threads", [helper, "--comm", "threads", "--threads", str(THREADS)])[1]

        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        cls.fds_skip = None
        cls.fds = None
        if hard != resource.RLIM_INFINITY and hard < FDS + 64:
            cls.fds_skip = f"the hard RLIMIT_NOFILE ({hard}) is below {FDS + 64}: cannot open {FDS} descriptors"
        else:
            cls.fds = cls.start("fds", [helper, "--comm", "fds", "--fds", str(FDS)])[1]

        cls.stopped = cls.start("stopped", [helper, "--comm", "stopped) T (x"])[1]
        os.kill(cls.stopped, signal.SIGSTOP)
        harness.poll(lambda: state_of(cls.stopped) == "T", 30, "the stopped process in state T")

        # The test is the zombie's parent and does not wait for it until cleanup.
        zombie_link = os.path.join(links, b"zombie) Z 1 (")
        os.symlink(helper.encode(), zombie_link)
        cls.zombie = cls.start("zombie", [b"zombie) Z 1 (", b"--exit"], executable=zombie_link)[1]
        harness.poll(lambda: state_of(cls.zombie) == "Z", 30, "the exited child in state Z")

        cls.exporters = {}
        for labelled in (True, False):
            path = os.path.join(cls.tmp, f"cmdline-{'on' if labelled else 'off'}.yml")
            with open(path, "w") as f:
                f.write(config_yaml(pid_file, labelled))
            cls.exporters[labelled] = cls.start_class_exporter(f"--config.file={path}")

        # A few scrapes of each, kept for the tests; each must be complete and valid.
        cls.payloads = {True: [], False: []}
        cls.scrape_seconds = {True: [], False: []}
        for _ in range(3):
            for labelled, exporter in cls.exporters.items():
                t0 = time.monotonic()
                r = harness.http(exporter.url(), timeout=SCRAPE_TIMEOUT)
                cls.scrape_seconds[labelled].append(time.monotonic() - t0)
                cls.payloads[labelled].append(r)

    # ------------------------------------------------------------------

    def samples(self, labelled=True, index=-1):
        return harness.parse_metrics(self.payloads[labelled][index].body.decode("utf-8"))

    def of_pid(self, samples, name, pid):
        return harness.select(samples, name, pid=str(pid))

    def test_every_scrape_is_valid(self):
        bodies = []
        for labelled, responses in self.payloads.items():
            for i, r in enumerate(responses):
                what = f"scrape {i} (cmdline labels {'on' if labelled else 'off'})"
                self.assertEqual(r.status, 200, f"{what}: {r.body[:300]!r}")
                self.assertEqual(r.headers.get("Content-Type"), harness.METRICS_CONTENT_TYPE, what)
                try:
                    text = r.body.decode("utf-8")  # strict: any invalid byte fails
                except UnicodeDecodeError as e:
                    self.fail(f"{what} is not valid UTF-8: {e}: {r.body[max(0, e.start - 80):e.end + 80]!r}")
                harness.parse_metrics(text)  # no malformed line, no duplicate series
                self.assertIn("\nproctree_scrape_duration_seconds{", text, what)
                bodies.append((what, r.body))
        with ThreadPoolExecutor(max_workers=2) as pool:
            checks = list(pool.map(lambda b: harness.promtool_check_metrics(b[1]), bodies))
        for (what, _), (rc, out) in zip(bodies, checks):
            self.assertEqual(rc, 0, f"{what} fails promtool:\n{out}")
        # A scrape of a few hundred processes must not crawl because of these ones.
        for labelled, times in self.scrape_seconds.items():
            self.assertLess(max(times), SLOW_SCRAPE, f"cmdline labels {labelled}: scrape seconds {times}")
        print(f"\nhostile: scrape wall seconds, cmdline labels on: {[round(t, 3) for t in self.scrape_seconds[True]]}, "
              f"off: {[round(t, 3) for t in self.scrape_seconds[False]]}")

    def test_hostile_names(self):
        for labelled in (True, False):
            samples = self.samples(labelled)
            for name, started in self.named.items():
                for pid, argv in started:
                    with self.subTest(name=name, pid=pid, cmdline_labels=labelled):
                        # What the kernel holds: the first 15 bytes, whichever way it was set.
                        self.assertEqual(read_stat(pid)[0], name[:15])
                        info = harness.one(samples, "proctree_process_info", pid=str(pid))
                        self.assertEqual(info.labels["comm"], HOSTILE_NAMES[name])
                        self.assertEqual(info.labels["ppid"], str(os.getpid()))
                        # Every series of the process carries the same labels.
                        threads = harness.one(samples, "proctree_process_threads", pid=str(pid))
                        self.assertEqual(threads.value, 1)
                        self.assertEqual(threads.labels["comm"], HOSTILE_NAMES[name])
                        if not labelled:
                            self.assertNotIn("cmdline", info.labels)
                            continue
                        label = info.labels["cmdline"]
                        expected = expected_cmdline_label(argv)
                        if len(expected.encode()) <= CMDLINE_MAX:
                            self.assertEqual(label, expected)
                        else:  # the prctl ones carry the helper's path, which may be long
                            self.assertTrue(label.endswith("\u2026"), label)
                            self.assertTrue(expected.startswith(label[:-1]), label)
                            self.assertLessEqual(len(label.encode()), CMDLINE_MAX)
                        self.assertEqual(threads.labels["cmdline"], label)

    def test_secrets_never_served(self):
        for labelled, responses in self.payloads.items():
            for r in responses:
                self.assertNotIn(SECRET, r.body)
                self.assertNotIn(HUGE_SECRET, r.body)

    def test_huge_cmdline_is_cut(self):
        if self.huge_skip:
            self.skipTest(self.huge_skip)
        with open(f"/proc/{self.huge}/cmdline", "rb") as f:
            self.assertGreater(len(f.read()), 1 << 20, "the huge process's command line is over 1 MiB")
        info = harness.one(self.samples(True), "proctree_process_info", pid=str(self.huge))
        label = info.labels["cmdline"]
        # Cut to the configured bytes, counted after invalid bytes became U+FFFD, and not more
        # than a character short of it; ends in an ellipsis; the secret in it redacted.
        self.assertLessEqual(len(label.encode()), CMDLINE_MAX, label)
        self.assertGreaterEqual(len(label.encode()), CMDLINE_MAX - 2, label)
        self.assertTrue(label.endswith("\u2026"), label)
        self.assertTrue(label.startswith(f"huge{FFFD}{FFFD}-cmdline -- --token <redacted> pad{FFFD}00000xxx"), label)
        self.assertTrue(expected_cmdline_label(self.huge_argv[:8]).startswith(label[:-1]), label)
        self.assertEqual(info.labels["comm"], "hostile_process")
        off = harness.one(self.samples(False), "proctree_process_info", pid=str(self.huge))
        self.assertNotIn("cmdline", off.labels)

    def test_cmdline_opened_only_when_labelled(self):
        """With labels.cmdline off the exporter never opens a cmdline file: not even the 1 MiB one."""
        if self.huge_skip:
            self.skipTest(self.huge_skip)
        try:
            watch = CmdlineOpens(f"/proc/{self.huge}/cmdline")
        except OSError as e:
            self.skipTest(f"fanotify is not available here ({e}; it needs CAP_SYS_ADMIN): cannot see who opens "
                          "the cmdline file")
        self.addCleanup(watch.close)
        on, off = self.exporters[True], self.exporters[False]
        watch.drain()
        for i in range(2):
            for exporter in (off, on):
                r = harness.http(exporter.url(), timeout=SCRAPE_TIMEOUT)
                self.assertEqual(r.status, 200)
                # Drained after each scrape: fanotify merges queued opens by the same pid.
                openers = watch.drain()
                if exporter is off:
                    self.assertNotIn(off.proc.pid, openers, f"scrape {i}: the exporter without cmdline labels opened it")
                else:
                    # The watch works: the exporter with cmdline labels opened it in its scrape.
                    self.assertEqual(openers.count(on.proc.pid), 1, f"scrape {i}: openers {openers}")

    def test_threads(self):
        samples = self.samples(True)
        threads = harness.one(samples, "proctree_process_threads", pid=str(self.threads))
        self.assertEqual(threads.value, THREADS + 1)
        self.assertEqual(threads.value, int(read_stat(self.threads)[1][17]))
        self.assertEqual(threads.labels["comm"], "threads")

    def test_open_fds(self):
        if self.fds_skip:
            self.skipTest(self.fds_skip)
        samples = self.samples(True)
        open_fds = harness.one(samples, "proctree_process_open_fds", pid=str(self.fds))
        self.assertGreaterEqual(open_fds.value, FDS)
        self.assertEqual(open_fds.value, len(os.listdir(f"/proc/{self.fds}/fd")))  # + stdin, stdout, stderr
        self.assertEqual(harness.one(samples, "proctree_process_max_fds", pid=str(self.fds)).value, FDS + 64)

    def test_zombie(self):
        for labelled in (True, False):
            samples = self.samples(labelled)
            with self.subTest(cmdline_labels=labelled):
                info = harness.one(samples, "proctree_process_info", pid=str(self.zombie))
                self.assertEqual(info.labels["comm"], "zombie) Z 1 (")
                self.assertEqual(info.labels["ppid"], str(os.getpid()))
                self.assertNotIn("cmdline", info.labels)  # a zombie has no command line left
                # stat and status are all a zombie has: its CPU, its owner and its context switches
                # are there; memory, descriptors and io are absent, not 0.
                self.assertEqual(len(self.of_pid(samples, "proctree_process_cpu_seconds_total", self.zombie)), 2)
                self.assertEqual(harness.one(samples, "proctree_process_threads", pid=str(self.zombie)).value,
                                 int(read_stat(self.zombie)[1][17]))
                self.assertEqual(info.labels["user"], user_label(os.getuid()))
                with open(f"/proc/{self.zombie}/status") as f:
                    status = dict(line.split(":\t", 1) for line in f.read().splitlines() if ":\t" in line)
                for kind, key in (("voluntary", "voluntary_ctxt_switches"),
                                  ("involuntary", "nonvoluntary_ctxt_switches")):
                    self.assertEqual(harness.one(samples, "proctree_process_context_switches_total",
                                                 pid=str(self.zombie), kind=kind).value, int(status[key]), kind)
                for family in ("proctree_process_memory_bytes", "proctree_process_open_fds",
                               "proctree_process_max_fds", "proctree_process_io_bytes_total"):
                    self.assertEqual(self.of_pid(samples, family, self.zombie), [], family)
                self.assertGreaterEqual(harness.one(samples, "proctree_processes", state="zombie").value, 1)
        self.assertEqual(state_of(self.zombie), "Z", "scrapes left the zombie as it was")

    def test_stopped(self):
        for labelled in (True, False):
            samples = self.samples(labelled)
            with self.subTest(cmdline_labels=labelled):
                info = harness.one(samples, "proctree_process_info", pid=str(self.stopped))
                self.assertEqual(info.labels["comm"], "stopped) T (x")
                # Everything reads as for a running process.
                rss = harness.one(samples, "proctree_process_memory_bytes", pid=str(self.stopped), memtype="rss")
                self.assertGreater(rss.value, 0)
                self.assertEqual(harness.one(samples, "proctree_process_open_fds", pid=str(self.stopped)).value,
                                 len(os.listdir(f"/proc/{self.stopped}/fd")))
                self.assertEqual(len(self.of_pid(samples, "proctree_process_io_bytes_total", self.stopped)), 2)
                self.assertEqual(harness.one(samples, "proctree_process_threads", pid=str(self.stopped)).value, 1)
                self.assertGreaterEqual(harness.one(samples, "proctree_processes", state="stopped").value, 1)
        # The exporter only reads: the process is still stopped after all the scrapes.
        self.assertEqual(state_of(self.stopped), "T")

    def test_prometheus_scrapes_hostile_series(self):
        exporter = self.exporters[True]
        tmp = self.make_tmpdir()
        # 15 s: the exporter stops reading processes 0.5 s before Prometheus' timeout, and a
        # sanitized exporter on a loaded machine needs the room to reach the newest pids
        # (a TSan build took 4-13 s per scrape with 2,000 other processes on the host).
        prom = self.start_prometheus(tmp, {"hostile": exporter.address}, scrape_interval="15s")
        newline_pid = self.named[b"new\nline"][0][0]
        invalid_pid, invalid_argv = self.named[b"bad\xff\xfeutf8"][0]
        state = {}

        def all_there():
            state.clear()
            state["up"] = prom.query('up{job="hostile"}')
            state["threads"] = prom.query(f'proctree_process_threads{{job="hostile",pid="{self.threads}"}}')
            state["newline"] = prom.query(f'proctree_process_info{{job="hostile",pid="{newline_pid}"}}')
            state["invalid"] = prom.query(f'proctree_process_info{{job="hostile",pid="{invalid_pid}"}}')
            return (len(state["up"]) == 1 and state["up"][0][1] == 1 and len(state["threads"]) == 1
                    and len(state["newline"]) == 1 and len(state["invalid"]) == 1)

        try:
            harness.poll(all_there, 180, "up == 1 and the hostile series in Prometheus", interval=0.5)
        except AssertionError as e:
            raise AssertionError(f"{e}\nlast state: {state}\nPrometheus log:\n{prom.log()}") from None
        self.assertEqual(state["threads"][0][1], THREADS + 1)
        self.assertEqual(state["newline"][0][0]["comm"], "new\nline")
        self.assertEqual(state["invalid"][0][0]["comm"], "bad" + FFFD + FFFD + "utf8")
        self.assertEqual(state["invalid"][0][0]["cmdline"], expected_cmdline_label(invalid_argv))


if __name__ == "__main__":
    harness.main()
