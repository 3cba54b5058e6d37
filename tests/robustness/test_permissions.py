# ctest: TIMEOUT 300
"""The exporter as an unprivileged user (uid/gid 65534) against root's processes (issue #8).

As another user, a root process's stat, status, cmdline and limits stay
readable (mode 0444) while io, smaps_rollup (0400) and the fd directory (0500)
are not, and neither is the exe link: the exporter must serve what it could
read, leave the rest absent (never a made-up zero), and count each refusal in
proctree_probe_errors_total{syscall,source,errno="EACCES"}, on every scrape.

Needs root: the test starts the exporter as 65534 and a workload as root, and
one as 65534 for contrast (its own user's process is fully readable).
"""

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import unittest

import harness

UID = GID = 65534
SCRAPES = 3
SCRAPE_TIMEOUT = 60  # seconds; generous for ASan/TSan builds on a loaded 2-core machine
# What uid 65534 cannot open of a root process, as (syscall, source) in proctree_probe_errors_total.
DENIED = [("openat", "io"), ("openat", "fd"), ("readlinkat", "exe"), ("openat", "smaps_rollup")]
STAT_FAMILIES = ["proctree_process_cpu_seconds_total", "proctree_process_start_time_seconds",
                 "proctree_process_threads", "proctree_process_page_faults_total", "proctree_process_nice"]
STATUS_FAMILIES = ["proctree_process_context_switches_total"]
IO_FAMILIES = ["proctree_process_io_bytes_total", "proctree_process_io_chars_total",
               "proctree_process_io_syscalls_total"]


def user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def drop_privileges():
    return {"user": UID, "group": GID, "extra_groups": []}


class UnprivilegedExporter:
    """proctree_exporter run as 65534 (like harness.Exporter, which runs it as the test's user)."""

    def __init__(self, binary, config, timeout=30):
        self.proc = subprocess.Popen([binary, "--web.listen-address=127.0.0.1:0", f"--config.file={config}"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     **drop_privileges())
        self.log = harness.LineCollector(self.proc.stderr)
        try:
            m = self.log.wait_for(r'msg="?listening"?\s.*\baddress="?(?:[^\s",]*:)?([0-9]+)', timeout,
                                  "the exporter's 'listening' log line")
        except BaseException:
            self.stop()
            raise
        self.port = int(m.group(1))
        self.address = f"127.0.0.1:{self.port}"

    def url(self, path="/metrics"):
        return f"http://{self.address}{path}"

    def stop(self):
        rc = harness.stop_process(self.proc)
        self.log.join()
        # A clean SIGTERM shutdown exits 0 (a sanitizer's report would not): worth seeing.
        if rc != 0:
            sys.stderr.write(f"--- unprivileged exporter exited {rc}; log:\n{self.log.text()}\n")
        return rc


def status_lines(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)


class PermissionsTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root: starts the exporter as uid 65534 against root-owned "
                                            "processes (CI runs the suite as root)")
        # The build tree may sit where 65534 cannot reach (a home directory): the binaries and
        # the config go to a directory everyone may read.
        cls.dir = tempfile.mkdtemp(prefix="perm-")
        cls.addClassCleanup(shutil.rmtree, cls.dir, True)
        os.chmod(cls.dir, 0o755)
        exporter = os.path.join(cls.dir, "proctree_exporter")
        workload = os.path.join(cls.dir, "workload")
        shutil.copy(harness.exporter_binary(), exporter)
        shutil.copy(harness.workload_binary(), workload)
        for path in (exporter, workload):
            os.chmod(path, 0o755)

        def start_workload(name, **privileges):
            proc = subprocess.Popen([workload, "--dir", cls.dir, "--write-mib", "0", "--mem-mib", "16"],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, **privileges)
            cls.addClassCleanup(harness.close_stdin_and_wait, proc)
            harness.read_lines_until(proc.stdout, r"^ready ([0-9]+)$", 30, f"'ready' from the {name} workload")
            with open(os.path.join(cls.dir, f"{name}.pid"), "w") as f:
                f.write(f"{proc.pid}\n")
            return proc.pid

        cls.root_pid = start_workload("root")
        cls.nobody_pid = start_workload("nobody", **drop_privileges())

        config = os.path.join(cls.dir, "config.yml")
        with open(config, "w") as f:
            # Both workloads ask for smaps_rollup; every process gets per-process series and
            # the exe label, so the exe link is read for each.
            f.write("processes:\n"
                    + "".join(f"  - group: {name}-workload\n"
                              "    memory: {rollup: true}\n"
                              "    match:\n"
                              f"      pid_file: {os.path.join(cls.dir, name + '.pid')}\n"
                              for name in ("root", "nobody"))
                    + "unmatched:\n  per_process: true\n  group: auto\nlabels:\n  exe: true\n")
        os.chmod(config, 0o644)
        cls.exporter = UnprivilegedExporter(exporter, config)
        cls.addClassCleanup(cls.exporter.stop)
        cls.exporter_binary = exporter
        cls.workload_binary = workload

        cls.responses = []
        for _ in range(SCRAPES):
            cls.responses.append(harness.http(cls.exporter.url(), timeout=SCRAPE_TIMEOUT))
        cls.samples = [harness.parse_metrics(r.body.decode("utf-8")) for r in cls.responses]

    def test_exporter_is_unprivileged(self):
        status = status_lines(self.exporter.proc.pid)
        self.assertEqual(status["Uid"].split(), [str(UID)] * 4)
        self.assertEqual(status["Gid"].split(), [str(GID)] * 4)
        self.assertEqual(status["Groups"].split(), [])
        self.assertEqual(int(status["CapEff"], 16), 0)
        self.assertEqual(status_lines(self.root_pid)["Uid"].split()[0], "0")
        self.assertEqual(status_lines(self.nobody_pid)["Uid"].split()[0], str(UID))

    def test_scrapes_are_valid(self):
        for i, r in enumerate(self.responses):
            self.assertEqual(r.status, 200, f"scrape {i}: {r.body[:300]!r}")
            r.body.decode("utf-8")  # strict
            rc, out = harness.promtool_check_metrics(r.body)
            self.assertEqual(rc, 0, f"scrape {i} fails promtool:\n{out}")
            self.assertIn(b"\nproctree_scrape_duration_seconds{", r.body, f"scrape {i}")

    def denied_count(self, samples, syscall, source):
        found = harness.select(samples, "proctree_probe_errors_total", syscall=syscall, source=source, errno="EACCES")
        return found[0].value if found else 0

    def test_denied_reads_are_counted_on_every_scrape(self):
        for syscall, source in DENIED:
            with self.subTest(syscall=syscall, source=source):
                counts = [self.denied_count(s, syscall, source) for s in self.samples]
                self.assertGreater(counts[0], 0, counts)
                # Counters, and each scrape tries again (the root workload is denied every time).
                for a, b in zip(counts, counts[1:]):
                    self.assertGreater(b, a, counts)

    def test_root_process_keeps_what_is_readable(self):
        samples = self.samples[-1]
        pid = str(self.root_pid)
        info = harness.one(samples, "proctree_process_info", pid=pid)
        self.assertEqual(info.labels["comm"], "workload")
        self.assertEqual(info.labels["user"], "root")
        self.assertNotIn("exe", info.labels)  # the exe link was denied: no label, not an empty one
        # stat, status and limits are world-readable.
        for family in STAT_FAMILIES + STATUS_FAMILIES + ["proctree_process_max_fds"]:
            self.assertTrue(harness.select(samples, family, pid=pid), family)
        self.assertEqual(len(harness.select(samples, "proctree_process_cpu_seconds_total", pid=pid)), 2)
        rss = harness.one(samples, "proctree_process_memory_bytes", pid=pid, memtype="rss").value
        self.assertGreaterEqual(rss, 16 * harness.MIB)
        self.assertEqual(harness.one(samples, "proctree_process_threads", pid=pid).value, 5)
        # io, the fd directory and smaps_rollup are not: absent, never 0.
        for family in IO_FAMILIES + ["proctree_process_open_fds"]:
            self.assertEqual(harness.select(samples, family, pid=pid), [], family)
        for memtype in ("uss", "pss", "swap_pss"):
            self.assertEqual(harness.select(samples, "proctree_process_memory_bytes", pid=pid, memtype=memtype), [])

    def test_own_users_process_is_fully_read(self):
        samples = self.samples[-1]
        pid = str(self.nobody_pid)
        info = harness.one(samples, "proctree_process_info", pid=pid)
        self.assertEqual(info.labels["user"], user_name(UID))
        self.assertEqual(info.labels["exe"], self.workload_binary)
        for family in IO_FAMILIES:
            self.assertEqual(len(harness.select(samples, family, pid=pid)), 2, family)
        self.assertEqual(harness.one(samples, "proctree_process_open_fds", pid=pid).value,
                         len(os.listdir(f"/proc/{pid}/fd")))
        uss = harness.one(samples, "proctree_process_memory_bytes", pid=pid, memtype="uss").value
        self.assertGreaterEqual(uss, 16 * harness.MIB)

    def test_group_totals_leave_out_what_no_member_provided(self):
        samples = self.samples[-1]
        group_io = ["proctree_group_io_bytes_total", "proctree_group_io_chars_total", "proctree_group_io_syscalls_total"]
        # The root workload's group: its one member's fds and io were denied, so its totals
        # for them are absent, not 0; what stat and status gave is summed as usual.
        for family in group_io + ["proctree_group_open_fds"]:
            self.assertEqual(harness.select(samples, family, group="root-workload"), [], family)
        self.assertEqual(harness.one(samples, "proctree_group_threads", group="root-workload").value, 5)
        self.assertEqual(len(harness.select(samples, "proctree_group_cpu_seconds_total", group="root-workload")), 2)
        self.assertGreaterEqual(harness.one(samples, "proctree_group_memory_bytes", group="root-workload",
                                            memtype="rss").value, 16 * harness.MIB)
        # The same workload as 65534: every total is there.
        for family in group_io:
            self.assertEqual(len(harness.select(samples, family, group="nobody-workload")), 2, family)
        self.assertEqual(harness.one(samples, "proctree_group_open_fds", group="nobody-workload").value,
                         len(os.listdir(f"/proc/{self.nobody_pid}/fd")))

    def test_every_root_process_is_served_without_denied_files(self):
        samples = self.samples[-1]
        root_pids = {s.labels["pid"] for s in samples
                     if s.name == "proctree_process_info" and s.labels.get("user") == "root"}
        self.assertIn(str(self.root_pid), root_pids)
        if status_lines(1)["Uid"].split()[0] == "0":
            self.assertIn("1", root_pids)
        cpu_pids = {s.labels["pid"] for s in harness.select(samples, "proctree_process_cpu_seconds_total")}
        self.assertLessEqual(root_pids, cpu_pids)
        for family in IO_FAMILIES + ["proctree_process_open_fds"]:
            leaked = root_pids & {s.labels["pid"] for s in harness.select(samples, family)}
            self.assertEqual(leaked, set(), f"{family} for root processes 65534 cannot read")

    def test_own_metrics(self):
        # The exporter reads itself (/proc/self) as its own user: its fd directory and limits too.
        samples = self.samples[-1]
        self.assertGreaterEqual(harness.one(samples, "process_open_fds").value, 3)
        self.assertGreater(harness.one(samples, "process_max_fds").value, 0)
        self.assertGreater(harness.one(samples, "process_resident_memory_bytes").value, 0)


if __name__ == "__main__":
    harness.main()
