"""The things a benchmark scrapes: proctree_exporter, the peers (process-exporter, node_exporter), the floor.

Every server listens on 127.0.0.1 only. proctree_exporter takes port 0 and logs the port it got; the
peers cannot, so they get a port the kernel just handed out (bound and released) and are retried on
another if they fail to start. Shared by scrape_bench.py and fleet_bench.py.
"""
import http.client
import os
import re
import socket
import subprocess
import tempfile
import time

from bench_procs import compile_c, die_with_parent

START_SECONDS = 60  # a loaded host with tens of thousands of processes starts slowly
SCRAPE_TIMEOUT = 300  # process-exporter at 20,000 processes takes many seconds per scrape


class HttpServer:
    """A metrics server started as a child of this script, scraped one connection per scrape."""

    def __init__(self, argv):
        self.log = tempfile.NamedTemporaryFile(prefix="bench_server_", suffix=".log", delete=False)
        self.argv = argv
        self.port = None
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                     preexec_fn=die_with_parent)

    @property
    def pid(self):
        return self.proc.pid

    def _log_text(self):
        with open(self.log.name, "r", errors="replace") as f:
            return f.read()

    def _check_alive(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.argv[0]} exited with {self.proc.returncode}: {self._log_text()[-2000:]}")

    def scrape(self, use_gzip=False):
        """One GET /metrics; returns (wall seconds, body as received)."""
        headers = {"Accept-Encoding": "gzip" if use_gzip else "identity"}
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=SCRAPE_TIMEOUT)
        try:
            conn.request("GET", "/metrics", headers=headers)
            resp = conn.getresponse()
            body = resp.read()
        finally:
            conn.close()
        dt = time.perf_counter() - t0
        if resp.status != 200:
            raise RuntimeError(f"{self.argv[0]}: scrape returned HTTP {resp.status}: {body[:200]!r}")
        enc = resp.getheader("Content-Encoding", "")
        if use_gzip and enc != "gzip":
            raise RuntimeError("asked for gzip, got Content-Encoding: " + repr(enc))
        if not use_gzip and enc:
            raise RuntimeError("asked for no gzip, got Content-Encoding: " + repr(enc))
        return dt, body

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


class Exporter(HttpServer):
    """proctree_exporter on 127.0.0.1:0; the port comes from its `listening` log line."""

    def __init__(self, binary, extra_args):
        super().__init__([binary, "--web.listen-address=127.0.0.1:0"] + list(extra_args))
        deadline = time.monotonic() + START_SECONDS
        while self.port is None and time.monotonic() < deadline:
            self._check_alive()
            m = re.search(r'msg="?listening"?.*?\baddress="?(?:[^\s",]*:)?(\d+)', self._log_text())
            if m:
                self.port = int(m.group(1))
            else:
                time.sleep(0.05)
        if self.port is None:
            self.stop()
            raise RuntimeError(f"exporter did not log a listening address: {self._log_text()}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Peer(HttpServer):
    """A peer exporter given 127.0.0.1:<port>; ready once it accepts a connection. Retried on another
    port only if it exited (the port was taken meanwhile); process-exporter reads every process before it
    listens, which takes long on a big, busy host, hence the long wait."""

    START_SECONDS = 180

    def __init__(self, argv_for_address):
        for _ in range(3):
            port = free_port()
            super().__init__(argv_for_address(f"127.0.0.1:{port}"))
            state = self._wait_listening(port)
            if state == "listening":
                self.port = port
                return
            text = self._log_text()
            self.stop()
            if state != "exited":
                break
        raise RuntimeError(f"{self.argv[0]} did not start listening ({state}): {text[-2000:]}")

    def _wait_listening(self, port):
        deadline = time.monotonic() + self.START_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return "exited"
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return "listening"
            except OSError:
                time.sleep(0.05)
        return f"not within {self.START_SECONDS} s"


# A group per PID: every process matches (kernel threads too), each named by its pid.
PROCESS_EXPORTER_CONFIG = """process_names:
  - name: "{{.PID}}"
    cmdline:
      - '.*'
"""


def process_exporter(binary, config_path):
    return Peer(lambda addr: [binary, "-config.path", config_path, "-web.listen-address", addr])


def node_exporter(binary):
    return Peer(lambda addr: [binary, "--collector.disable-defaults", "--collector.processes",
                              "--web.listen-address=" + addr])


# ---------------------------------------------------------------------------------------------------
# Floor: ../shared/bench/floor.c


def build_floor(src, build_dir):
    return compile_c(src, os.path.join(build_dir, "floor"))


def run_floor(binary, passes, files):
    r = subprocess.run([binary, str(passes), files], check=True, capture_output=True, text=True)
    return parse_floor(r.stdout)


def parse_floor(stdout):
    m = re.search(r"cpu_ms_per_pass=([0-9.]+)", stdout)
    w = re.search(r"wall_ms_per_pass=([0-9.]+)", stdout)
    p = re.search(r"procs_per_pass=(\d+)", stdout)
    if not m:
        raise RuntimeError("floor printed no cpu_ms_per_pass: " + stdout)
    return {"cpu_ms": float(m.group(1)), "wall_ms": float(w.group(1)) if w else float("nan"),
            "procs": int(p.group(1)) if p else 0, "line": stdout.strip()}
