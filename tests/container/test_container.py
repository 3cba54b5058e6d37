"""The container image (Dockerfile), built and run daemonless on this machine.

Builds the image with scripts/container-build.sh (buildah, vfs storage under
BUILD_DIR/container, a debootstrapped debian:bookworm-slim base kept there
between runs), then runs it as a host-wide DaemonSet would: the host's network
(on an ephemeral loopback port) and the host's /proc mounted at /host/proc.
Asserts what the image promises: a scrape that passes promtool and shows this
host's processes, a working HEALTHCHECK, a non-root exporter, the size.

    python3 tests/container/test_container.py        (`make container-test`)

Environment: BUILD_DIR (default build), PROCTREE_IMAGE_MAX_MB (default 40),
PROCTREE_IMAGE (test an image already in BUILD_DIR's storage instead of
building one; it is left in place).
Run as root (podman and buildah are rootful here). Every container and image
the test makes is removed at the end; the base image and its tarball stay.
"""

import json
import os
import re
import subprocess
import sys
import time
import unittest
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import harness  # noqa: E402  (poll, http, promtool, the metrics parser)

BUILD_DIR = os.path.abspath(os.environ.get("BUILD_DIR") or os.path.join(SRC, "build"))
ENV = os.path.join(SRC, "scripts", "container-env.sh")
MAX_MB = float(os.environ.get("PROCTREE_IMAGE_MAX_MB", "40"))
RUN_ID = uuid.uuid4().hex[:8]
IMAGE = os.environ.get("PROCTREE_IMAGE") or f"localhost/proctree_exporter:test-{RUN_ID}"
LISTENING = re.compile(r'msg="?listening"?\s.*\baddress="?(?:[^\s",]*:)?([0-9]+)')
HEALTHCHECK = ["/usr/bin/proctree_exporter", "--health-check=http://127.0.0.1:9818/-/healthy"]


def podman(*args, check=True, timeout=120):
    r = subprocess.run([ENV, BUILD_DIR, "podman", *args], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)}: exit {r.returncode}\n"
                             f"{r.stdout.decode(errors='replace')}{r.stderr.decode(errors='replace')}")
    return r


def inspect(kind, name):
    return json.loads(podman(kind, "inspect", name).stdout)[0]


class ContainerExited(AssertionError):
    pass


def check_running(name):
    """Raises ContainerExited, with the container's log, once it has stopped."""
    state = inspect("container", name)["State"]
    if not state["Running"]:
        logs = podman("logs", name, check=False)
        raise ContainerExited(f"container {name} exited ({state.get('ExitCode')}):\n"
                              f"{logs.stdout.decode(errors='replace')}{logs.stderr.decode(errors='replace')}")


def wait_for(fn, timeout, what, interval=0.2):
    """harness.poll, except that a stopped container fails at once."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            result = fn()
            if result:
                return result
            last = repr(result)
        except ContainerExited:
            raise
        except Exception as e:  # noqa: BLE001 - not serving yet: retried until the deadline
            last = f"{type(e).__name__}: {e}"
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last}")
        time.sleep(interval)


def log(message):
    print(f"container-test: {message}", file=sys.stderr, flush=True)


class ContainerImageTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root: podman and buildah run rootful here")
        cls.containers = []
        os.makedirs(os.path.join(BUILD_DIR, "container"), exist_ok=True)
        if not os.environ.get("PROCTREE_IMAGE"):
            cls.build_image()
        cls.image = inspect("image", IMAGE)

        # As a DaemonSet runs it: the host's network and /proc. An ephemeral
        # port (the host may run an exporter on 9818 already), read from the log.
        cls.main = cls.run_container(
            "--network", "host", "--volume", "/proc:/host/proc:ro", IMAGE,
            "--path.procfs=/host/proc", "--web.listen-address=127.0.0.1:0",
            "--config.file=/etc/proctree_exporter/config.yml")

        def listening():
            check_running(cls.main)
            r = podman("logs", cls.main)
            return LISTENING.search((r.stdout + r.stderr).decode(errors="replace"))
        cls.port = int(wait_for(listening, 60, "the exporter's 'listening' log line").group(1))
        cls.base_url = f"http://127.0.0.1:{cls.port}"

    @classmethod
    def build_image(cls):
        build_log = os.path.join(BUILD_DIR, "container", "build.log")
        started = time.monotonic()
        with open(build_log, "wb") as out:
            r = subprocess.run([os.path.join(SRC, "scripts", "container-build.sh"), BUILD_DIR, IMAGE],
                               stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, timeout=1800)
        if r.returncode != 0:
            with open(build_log, "rb") as f:
                tail = f.read()[-6000:].decode(errors="replace")
            raise AssertionError(f"image build failed (exit {r.returncode}); end of {build_log}:\n{tail}")
        log(f"image {IMAGE} built in {time.monotonic() - started:.0f}s (log: {build_log})")
        cls.addClassCleanup(cls.remove_image)

    @classmethod
    def run_container(cls, *args):
        """podman run -d; returns the container's name. Automatic health checks
        are off (they need systemd timers); the test runs them itself. rlimits:
        scripts/container-env.sh's containers.conf."""
        name = f"proctree-test-{RUN_ID}-{len(cls.containers)}"
        podman("run", "--detach", "--name", name, "--health-interval=disable", *args)
        cls.containers.append(name)
        cls.addClassCleanup(cls.remove_container, name)
        return name

    @classmethod
    def remove_container(cls, name):
        podman("rm", "--force", "--time", "10", name, check=False)

    @classmethod
    def remove_image(cls):
        podman("rmi", "--force", IMAGE, check=False)
        # The build stage's leftovers: untagged images and buildah's containers.
        podman("image", "prune", "--force", check=False)

    def scrape(self):
        def get():
            check_running(self.main)
            r = harness.http(self.base_url + "/metrics")
            return r if r.status == 200 else None
        return wait_for(get, 60, f"a 200 from {self.base_url}/metrics")

    def test_image_config(self):
        config = self.image["Config"]
        self.assertEqual(config["User"], "10001:10001")
        self.assertIn("9818/tcp", config["ExposedPorts"])
        self.assertEqual(config["Entrypoint"], ["/usr/bin/proctree_exporter"])
        self.assertEqual(self.image["Healthcheck"]["Test"], ["CMD", *HEALTHCHECK])

    def test_image_size(self):
        size_mb = self.image["Size"] / 1e6
        log(f"image size {size_mb:.1f} MB ({self.image['Size']} bytes)")
        self.assertLess(size_mb, MAX_MB, f"the image is {size_mb:.1f} MB")

    def test_scrape_passes_promtool_and_shows_host_processes(self):
        r = self.scrape()
        text = r.body.decode("utf-8")  # strict: raises on invalid UTF-8
        rc, out = harness.promtool_check_metrics(r.body)
        self.assertEqual(rc, 0, f"promtool check metrics failed:\n{out}")
        self.assertEqual(out.strip(), "", "promtool printed lint problems")
        samples = harness.parse_metrics(text)
        # The image's config is the embedded default: per-process series for
        # its top_n ranking only, every host process counted in the totals.
        self.assertTrue(harness.select(samples, "proctree_process_info"), "no process has per-process series")
        read = harness.one(samples, "proctree_scrape_processes").value
        host_pids = sum(1 for d in os.listdir("/proc") if d.isdigit())
        self.assertGreater(read, host_pids // 2, f"{read} processes read, the host has {host_pids}")
        revision = harness.select(samples, "proctree_exporter_build_info")[0].labels["revision"]
        self.assertNotEqual(revision, "unknown", "the image does not know its commit")

    def test_runs_as_non_root(self):
        self.scrape()  # running and serving
        pid = inspect("container", self.main)["State"]["Pid"]
        self.assertGreater(pid, 0)
        with open(f"/proc/{pid}/status") as f:
            status = dict(line.split(":", 1) for line in f if ":" in line)
        with open(f"/proc/{pid}/comm") as f:
            self.assertEqual(f.read().strip(), "proctree_export")
        # Real, effective, saved and filesystem ids, as the host sees them.
        self.assertEqual(status["Uid"].split(), ["10001"] * 4)
        self.assertEqual(status["Gid"].split(), ["10001"] * 4)
        self.assertEqual(int(status["CapEff"], 16), 0, "the exporter has effective capabilities")

    def test_healthcheck(self):
        # The image's own HEALTHCHECK probes the default port, which the host
        # network may have taken: a second container in a network namespace of
        # its own serves there.
        name = self.run_container("--network", "none", IMAGE)

        def healthy():
            check_running(name)
            r = podman("healthcheck", "run", name, check=False)
            if r.returncode != 0:  # retried; the last answer goes in the failure
                raise RuntimeError(f"exit {r.returncode}: {r.stdout.decode(errors='replace')}"
                                   f"{r.stderr.decode(errors='replace')}")
            return True
        wait_for(healthy, 60, "`podman healthcheck run` to pass", interval=0.5)
        self.assertEqual(inspect("container", name)["State"]["Health"]["Status"], "healthy")

        # And the check fails when the exporter does not answer 2xx: a 404 here.
        self.scrape()
        r = podman("exec", self.main, "/usr/bin/proctree_exporter",
                   f"--health-check=http://127.0.0.1:{self.port}/-/not-a-page", check=False)
        self.assertEqual(r.returncode, 1, r.stderr.decode(errors="replace"))
        r = podman("exec", self.main, "/usr/bin/proctree_exporter",
                   f"--health-check=http://127.0.0.1:{self.port}/-/healthy", check=False)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))

    def test_no_shell(self):
        self.scrape()
        r = podman("exec", self.main, "/bin/sh", "-c", "true", check=False)
        self.assertNotEqual(r.returncode, 0, "the image has a shell")


if __name__ == "__main__":
    unittest.main(verbosity=2)
