"""The manifests' privileges, on the real exporter: what each grant reads and what is lost without it.

The exporter runs once (--once) under setpriv with the uid, gid, capabilities and no_new_privs that a
manifest's securityContext gives it, next to a process of the sidecar's app user. With the grant, that
process's io and open fds are exported; without it they are absent and every denial is counted as
proctree_probe_errors_total{errno="EACCES"}; cpu and memory (stat, status) are there either way.
Needs root, to switch users and drop capabilities (CI runs as root); skipped otherwise.
"""

import os
import shutil
import stat
import subprocess
import tempfile
import unittest

import deploy_common as dc
import harness


def workload_security(directory):
    """(pod spec, the exporter's securityContext with the pod's beneath it) of a deployment directory."""
    workload = next(o for _, o in dc.objects_in(os.path.join(dc.K8S_DIR, directory)) if dc.pod_template(o))
    spec = workload["spec"]["template"]["spec"]
    exporter = dc.container(spec, dc.EXPORTER_CONTAINER)
    return spec, {**spec.get("securityContext", {}), **exporter["securityContext"]}


@unittest.skipUnless(os.geteuid() == 0, "needs root to run the exporter as other users and with fewer capabilities")
@unittest.skipUnless(shutil.which("setpriv"), "needs setpriv (util-linux)")
class PrivilegesTest(unittest.TestCase):
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        pod, _ = workload_security("sidecar")
        cls.app_uid = pod["securityContext"]["runAsUser"]
        cls.app_gid = pod["securityContext"]["runAsGroup"]
        # A copy other users can execute wherever the build directory is (CI's may be under /root).
        cls.tmp = tempfile.mkdtemp(prefix="deploy-priv-", dir="/tmp")
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        os.chmod(cls.tmp, 0o755)
        cls.exporter = os.path.join(cls.tmp, "proctree_exporter")
        shutil.copy(harness.exporter_binary(), cls.exporter)
        os.chmod(cls.exporter, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        cls.config = os.path.join(cls.tmp, "every-process.yml")
        shutil.copy(harness.EVERY_PROCESS_CONFIG, cls.config)
        os.chmod(cls.config, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
        # The app: a process of the app's user holding its stdin until we close it.
        cls.app = subprocess.Popen(
            ["setpriv", f"--reuid={cls.app_uid}", f"--regid={cls.app_gid}", "--clear-groups", "--",
             "/usr/bin/python3", "-c", "import sys; print('ready', flush=True); sys.stdin.read()"],
            cwd="/", stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        cls.addClassCleanup(harness.close_stdin_and_wait, cls.app)
        harness.read_lines_until(cls.app.stdout, r"^ready$", 30, "the app process")
        cls.app_pid = str(cls.app.pid)

    def scrape_as(self, uid, gid, caps, no_new_privs=True):
        """One scrape by the exporter as uid:gid holding only `caps` (Kubernetes names, e.g. SYS_PTRACE)."""
        bounding = ",".join(["-all"] + [f"+{c.lower()}" for c in caps])
        cmd = ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--inh-caps=-all",
               f"--bounding-set={bounding}"]
        if no_new_privs:
            cmd.append("--no-new-privs")
        # Every process has series, so the app's show what each grant reads.
        cmd += ["--", self.exporter, "--once", f"--config.file={self.config}"]
        r = subprocess.run(cmd, cwd="/", stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode("utf-8", "replace")[-3000:])
        samples = harness.parse_metrics(r.stdout.decode("utf-8"))
        errors = {(s.labels["source"], s.labels["errno"]): s.value
                  for s in harness.select(samples, "proctree_probe_errors_total")}
        return samples, errors

    def app_series(self, samples, name):
        return harness.select(samples, name, pid=self.app_pid)

    def assertReads(self, samples, io, fds):
        self.assertTrue(self.app_series(samples, "proctree_process_cpu_seconds_total"), "stat is readable by all")
        self.assertTrue(self.app_series(samples, "proctree_process_memory_bytes"), "status is readable by all")
        self.assertTrue(self.app_series(samples, "proctree_process_sched_wait_seconds_total"),
                        "schedstat is readable by all (docs/privileges.md)")
        self.assertEqual(bool(self.app_series(samples, "proctree_process_io_bytes_total")), io, "io")
        self.assertEqual(bool(self.app_series(samples, "proctree_process_open_fds")), fds, "open fds")

    def test_sidecar_as_the_apps_user_reads_everything_without_capabilities(self):
        _, sc = workload_security("sidecar")
        self.assertEqual(sc["capabilities"], {"drop": ["ALL"]})
        samples, _ = self.scrape_as(sc["runAsUser"], sc["runAsGroup"], [], not sc["allowPrivilegeEscalation"])
        self.assertReads(samples, io=True, fds=True)

    def test_app_of_another_user_loses_io_and_fds_counted_as_eacces(self):
        _, sc = workload_security("sidecar")
        samples, errors = self.scrape_as(self.app_uid + 1, self.app_gid + 1, [])
        self.assertReads(samples, io=False, fds=False)
        self.assertGreater(errors.get(("io", "EACCES"), 0), 0, errors)
        self.assertGreater(errors.get(("fd", "EACCES"), 0), 0, errors)

    def test_daemonset_capabilities_read_other_users_io_and_fds(self):
        _, sc = workload_security("daemonset")
        caps = sc["capabilities"]["add"]
        samples, errors = self.scrape_as(sc["runAsUser"], sc["runAsGroup"], caps, not sc["allowPrivilegeEscalation"])
        self.assertReads(samples, io=True, fds=True)
        self.assertNotIn(("fd", "EACCES"), errors)
        # What the overview dashboard's Capabilities panel shows for this grant.
        held = {s.labels["capability"]: s.value for s in harness.select(samples, "proctree_exporter_capability")}
        self.assertEqual(held, {"CAP_SYS_PTRACE": 1, "CAP_DAC_READ_SEARCH": 1, "CAP_DAC_OVERRIDE": 0,
                                "CAP_NET_ADMIN": 1 if "NET_ADMIN" in caps else 0})

    def test_each_daemonset_capability_is_needed(self):
        _, sc = workload_security("daemonset")
        # NET_ADMIN is for exit accounting (taskstats), which its own tests hold; the two read capabilities here.
        self.assertEqual(sorted(sc["capabilities"]["add"]), ["DAC_READ_SEARCH", "NET_ADMIN", "SYS_PTRACE"])
        for caps, io, fds in (([], False, False), (["SYS_PTRACE"], False, False), (["DAC_READ_SEARCH"], False, True)):
            with self.subTest(caps=caps):
                samples, errors = self.scrape_as(0, 0, caps)
                self.assertReads(samples, io=io, fds=fds)
                self.assertGreater(errors.get(("io", "EACCES"), 0), 0, errors)

    def test_daemonset_non_root_variant_loses_io_and_fds_counted_as_eacces(self):
        # The variant the DaemonSet's comment offers: uid 65534, no capabilities.
        samples, errors = self.scrape_as(65534, 65534, [])
        self.assertReads(samples, io=False, fds=False)
        self.assertGreater(errors.get(("io", "EACCES"), 0), 0, errors)
        self.assertGreater(errors.get(("fd", "EACCES"), 0), 0, errors)


if __name__ == "__main__":
    harness.main()
