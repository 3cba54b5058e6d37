"""Privileges and pid namespaces, stated: proctree_exporter_capability against
the CapEff of the running exporter's own /proc/<pid>/status (as root, as uid
65534, as root without capabilities), what each missing capability costs
(absent series, EACCES counts), and proctree_exporter_pid_namespace_info
against readlink /proc/<pid>/ns/pid, for the exporter's own procfs, an
enclosing namespace's (the host's, seen from a "container") and another's."""

import os
import shutil
import signal
import subprocess

import harness
from harness import one, select

CAPS = {"CAP_SYS_PTRACE": 19, "CAP_DAC_READ_SEARCH": 2, "CAP_DAC_OVERRIDE": 1, "CAP_NET_ADMIN": 12}
NOBODY = 65534
LISTENING = r'msg="?listening"?\s.*\baddress="?(?:[^\s",]*:)?([0-9]+)'


def cap_eff(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("CapEff:"):
                return int(line.split()[1], 16)
    raise AssertionError(f"no CapEff in /proc/{pid}/status")


def gauges(samples):
    return {s.labels["capability"]: s.value for s in select(samples, "proctree_exporter_capability")}


def kill_quietly(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def can_setpriv():
    return os.geteuid() == 0 and shutil.which("setpriv") is not None


class CapabilitiesTest(harness.IntegrationTest):

    def start_with_prefix(self, prefix, *args):
        """The exporter behind a command that execs it (setpriv): (Popen, log, base URL)."""
        proc = subprocess.Popen([*prefix, harness.exporter_binary(), "--web.listen-address=127.0.0.1:0", *args],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        log = harness.LineCollector(proc.stderr)
        self.addCleanup(log.join)
        self.addCleanup(harness.stop_process, proc)
        port = int(log.wait_for(LISTENING, 15, "the 'listening' log line").group(1))
        return proc, log, f"http://127.0.0.1:{port}"

    def scrape_url(self, base):
        r = harness.http(base + "/metrics")
        self.assertEqual(r.status, 200, r.body[:300])
        rc, out = harness.promtool_check_metrics(r.body)
        self.assertEqual(rc, 0, out)
        return harness.parse_metrics(r.body.decode("utf-8"))

    def assert_caps_match_status(self, samples, pid):
        mask = cap_eff(pid)
        expected = {name: float((mask >> bit) & 1) for name, bit in CAPS.items()}
        self.assertEqual(gauges(samples), expected, f"CapEff of pid {pid} is {mask:#x}")
        return expected

    def assert_namespace_of(self, samples, pid, procfs="/proc", view="own"):
        info = one(samples, "proctree_exporter_pid_namespace_info")
        self.assertEqual(info.value, 1)
        self.assertEqual(info.labels["exporter_pid_namespace"], os.readlink(f"/proc/{pid}/ns/pid"))
        self.assertEqual(info.labels["procfs"], procfs)
        self.assertEqual(info.labels["procfs_view"], view)
        return info

    def test_as_the_test_user(self):
        e = self.start_exporter()
        _, samples = self.scrape(e)
        held = self.assert_caps_match_status(samples, e.proc.pid)
        if os.geteuid() == 0 and cap_eff(os.getpid()) & (1 << 19) and cap_eff(os.getpid()) & (1 << 2):
            self.assertEqual((held["CAP_SYS_PTRACE"], held["CAP_DAC_READ_SEARCH"]), (1, 1), "root in CI")
        info = self.assert_namespace_of(samples, e.proc.pid)
        self.assertEqual(info.labels["procfs_pid_namespace"], info.labels["exporter_pid_namespace"])
        e.log.wait_for(rf'msg="?capabilities"? uid={os.geteuid()} CAP_SYS_PTRACE={int(held["CAP_SYS_PTRACE"])} ', 5,
                       "the capabilities log line")
        e.log.wait_for(r'msg="?pid namespace"? .*procfs_view=own', 5, "the pid namespace log line")

    def test_as_nobody(self):
        if not can_setpriv():
            self.skipTest("needs root and setpriv(1)")
        # Every process has series, so this test's own show what the exporter may read of it.
        proc, log, base = self.start_with_prefix(
            ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"], harness.EVERY_PROCESS)
        samples = self.scrape_url(base)
        self.assertEqual(self.assert_caps_match_status(samples, proc.pid),
                         {"CAP_SYS_PTRACE": 0, "CAP_DAC_READ_SEARCH": 0, "CAP_DAC_OVERRIDE": 0, "CAP_NET_ADMIN": 0})
        self.assert_namespace_of(samples, proc.pid)
        text = log.text()
        self.assertIn("without CAP_SYS_PTRACE", text)
        self.assertIn("without CAP_DAC_READ_SEARCH", text)
        self.assertNotIn("running as root", text)
        # What the warnings say, for real: this test (root) is another user's
        # process. Its stat and status are world-readable; its fd directory and
        # io file are not, and each denial is counted.
        me, exporter = str(os.getpid()), str(proc.pid)
        self.assertTrue(select(samples, "proctree_process_info", pid=me))
        self.assertEqual(select(samples, "proctree_process_open_fds", pid=me), [])
        self.assertEqual(select(samples, "proctree_process_io_bytes_total", pid=me), [])
        self.assertTrue(select(samples, "proctree_process_open_fds", pid=exporter), "its own fds are readable")
        self.assertTrue(select(samples, "proctree_process_io_bytes_total", pid=exporter))
        for source in ("fd", "io"):
            errors = select(samples, "proctree_probe_errors_total", source=source, errno="EACCES")
            self.assertTrue(errors and sum(s.value for s in errors) >= 1, f"EACCES counted for {source}")

    def test_root_without_capabilities(self):
        if not can_setpriv():
            self.skipTest("needs root and setpriv(1)")
        proc, log, base = self.start_with_prefix(["setpriv", "--inh-caps=-all", "--bounding-set=-all"],
                                                 harness.EVERY_PROCESS)
        samples = self.scrape_url(base)
        self.assertEqual(self.assert_caps_match_status(samples, proc.pid),
                         {"CAP_SYS_PTRACE": 0, "CAP_DAC_READ_SEARCH": 0, "CAP_DAC_OVERRIDE": 0, "CAP_NET_ADMIN": 0})
        self.assertIn("running as root (uid 0) without", log.text())
        self.assertRegex(log.text(), r'msg="?capabilities"? uid=0 ')
        # uid 0 still owns root's fd directories, but ptrace access to a root
        # process holding capabilities the exporter lacks (this test) is denied.
        me = str(os.getpid())
        self.assertTrue(select(samples, "proctree_process_open_fds", pid=me))
        self.assertEqual(select(samples, "proctree_process_io_bytes_total", pid=me), [])
        self.assertTrue(select(samples, "proctree_probe_errors_total", source="io", errno="EACCES"))

    def test_dac_override_stands_in(self):
        if not can_setpriv():
            self.skipTest("needs root and setpriv(1)")
        r = subprocess.run(["setpriv", "--inh-caps=-all", "--bounding-set=-all,+dac_override",
                            harness.exporter_binary(), "--once"], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        samples = harness.parse_metrics(r.stdout.decode("utf-8"))
        self.assertEqual(gauges(samples), {"CAP_SYS_PTRACE": 0, "CAP_DAC_READ_SEARCH": 0, "CAP_DAC_OVERRIDE": 1, "CAP_NET_ADMIN": 0})
        err = r.stderr.decode()
        self.assertIn("CAP_DAC_OVERRIDE stands in", err)
        self.assertNotIn("without CAP_DAC_READ_SEARCH", err)

    def test_disable_exporter_metrics_keeps_them(self):
        # Like build_info, they say what the other series cover, not what the exporter costs.
        r = subprocess.run([harness.exporter_binary(), "--once", "--web.disable-exporter-metrics"],
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        samples = harness.parse_metrics(r.stdout.decode("utf-8"))
        self.assertEqual(len(gauges(samples)), len(CAPS))
        self.assertTrue(select(samples, "proctree_exporter_pid_namespace_info"))
        self.assertEqual(select(samples, "process_open_fds"), [])


class PidNamespaceTest(harness.IntegrationTest):
    """Needs root and unshare(1); the exporter runs with --once inside the namespaces."""

    def setUp(self):
        if os.geteuid() != 0 or not shutil.which("unshare"):
            self.skipTest("needs root and unshare(1)")

    def run_in_new_pid_namespace(self, *args):
        """The exporter as pid 1 of a new pid namespace with its own /proc, the
        old (enclosing) procfs bound at a directory. Returns (own namespace as
        readlink shows it there, that directory, samples, stderr)."""
        hostproc = self.make_tmpdir()
        script = ('mount --bind /proc "$1" && mount -t proc proc /proc && readlink /proc/self/ns/pid && '
                  'shift && exec "$0" --once "$@"')
        r = subprocess.run(["unshare", "--pid", "--fork", "--mount", "sh", "-c", script, harness.exporter_binary(),
                            hostproc, *[a.replace("HOSTPROC", hostproc) for a in args]],
                           capture_output=True, timeout=60)
        if r.returncode != 0 and b"mount" in r.stderr and b"--once" not in r.stderr:
            self.skipTest(f"cannot make a pid and mount namespace here: {r.stderr.decode(errors='replace')}")
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        first, _, payload = r.stdout.decode("utf-8").partition("\n")
        return first, hostproc, harness.parse_metrics(payload), r.stderr.decode()

    def test_own_namespace_sees_only_itself(self):
        ns, _, samples, err = self.run_in_new_pid_namespace()
        info = one(samples, "proctree_exporter_pid_namespace_info")
        self.assertEqual(info.labels["exporter_pid_namespace"], ns)
        self.assertNotEqual(ns, os.readlink("/proc/self/ns/pid"), "a new namespace")
        self.assertEqual(info.labels["procfs_view"], "own")
        self.assertEqual(info.labels["procfs_pid_namespace"], ns)
        self.assertEqual({s.labels["pid"] for s in select(samples, "proctree_process_info")}, {"1"},
                         "only the exporter, pid 1 of its namespace")
        self.assertIn("procfs_view=own", err)

    def test_enclosing_namespace_from_a_container(self):
        ns, hostproc, samples, err = self.run_in_new_pid_namespace("--path.procfs=HOSTPROC")
        info = one(samples, "proctree_exporter_pid_namespace_info")
        self.assertEqual(info.labels["exporter_pid_namespace"], ns)
        self.assertEqual(info.labels["procfs"], hostproc)
        self.assertEqual(info.labels["procfs_view"], "ancestor")
        try:
            host = os.readlink("/proc/1/ns/pid")
        except PermissionError:  # pid 1 out of even root's ptrace reach (a sandbox)
            host = "unknown"
        self.assertEqual(info.labels["procfs_pid_namespace"], host)
        self.assertTrue(select(samples, "proctree_process_info", pid=str(os.getpid())),
                        "the enclosing namespace's processes, this test among them, numbered as it numbers them")
        self.assertIn("1 level(s) above", err)

    def test_another_namespace(self):
        proc = subprocess.Popen(["unshare", "--pid", "--fork", "--mount", "--mount-proc", "--kill-child",
                                 "sleep", "120"], stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(harness.stop_process, proc)

        def child():
            with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
                kids = f.read().split()
            return kids and os.path.exists(f"/proc/{kids[0]}/root/proc/1/stat") and kids[0]

        pid = harness.poll(child, 15, "the namespace's pid 1")
        # unshare blocks SIGTERM while it waits: end the namespace through its pid 1.
        self.addCleanup(kill_quietly, int(pid))
        procfs = f"/proc/{pid}/root/proc"
        r = subprocess.run([harness.exporter_binary(), "--once", f"--path.procfs={procfs}"], capture_output=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        samples = harness.parse_metrics(r.stdout.decode("utf-8"))
        info = one(samples, "proctree_exporter_pid_namespace_info")
        self.assertEqual(info.labels["exporter_pid_namespace"], os.readlink("/proc/self/ns/pid"))
        self.assertEqual(info.labels["procfs_view"], "other")
        self.assertEqual(info.labels["procfs_pid_namespace"], os.readlink(f"/proc/{pid}/ns/pid"))
        self.assertEqual({s.labels["pid"] for s in select(samples, "proctree_process_info")}, {"1"},
                         "that namespace's only process, its sleep")


if __name__ == "__main__":
    harness.main()
