"""Shared helpers for the integration tests (python3 standard library only).

The tests start real processes: the exporter, the workload helper, promtool
and Prometheus. Every process and temporary directory a test starts is
registered with unittest's addCleanup, so it is stopped or removed whether the
test passes, fails or errors. Nothing here synchronizes with fixed sleeps:
every wait is a poll with a deadline that fails with a description of what it
was waiting for. Everything listens on 127.0.0.1 with ephemeral ports.

Environment (set by tests/integration/CMakeLists.txt):
  PROCTREE_EXPORTER  path to the proctree_exporter binary
  PROCTREE_WORKLOAD  path to the workload helper binary
  PROCTREE_TMP_ROOT  directory for temporary directories (on a real disk,
                     so the workload's write reaches storage; not tmpfs)
  PROMETHEUS, PROMTOOL  optional overrides of the binaries on PATH
"""

import os
import re
import selectors
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# The embedded default gives per-process series only to its top_n ranking; a
# test that looks for the series of a process it started (idle, so it need
# not rank) runs the exporter with this, today's "every process" behaviour.
EVERY_PROCESS_CONFIG = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "config",
                                                     "examples", "every-process.yml"))
EVERY_PROCESS = f"--config.file={EVERY_PROCESS_CONFIG}"
MIB = 1 << 20


def env_path(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"environment variable {name} is not set; run the tests through ctest")
    return value


def exporter_binary():
    return env_path("PROCTREE_EXPORTER")


def exporter_command():
    """The exporter's argv[0..]: PROCTREE_EMULATOR (the Windows build's wine64) before the binary."""
    return shlex.split(os.environ.get("PROCTREE_EMULATOR", "")) + [exporter_binary()]


def workload_binary():
    return env_path("PROCTREE_WORKLOAD")


def tmp_root():
    return os.environ.get("PROCTREE_TMP_ROOT") or os.getcwd()


def tool(name):
    override = os.environ.get(name.upper())
    path = override or shutil.which(name)
    if not path:
        raise RuntimeError(f"{name} not found on PATH (Debian package 'prometheus'; see scripts/install-deps.sh)")
    return path


# --------------------------------------------------------------------------
# Polling


def poll(fn, timeout, what, interval=0.05):
    """Calls fn until it returns a truthy value; returns that value.

    Exceptions from fn count as "not yet". Raises AssertionError naming
    `what` and the last result or exception when `timeout` seconds pass.
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            result = fn()
            if result:
                return result
            last = repr(result)
        except Exception as e:  # noqa: BLE001 - retried until the deadline
            last = f"{type(e).__name__}: {e}"
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last}")
        time.sleep(interval)


def free_port():
    """A port that was free on 127.0.0.1 a moment ago (bind to port 0, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------
# Processes


def close_stdin_and_wait(proc, timeout=10):
    """For helpers that exit when their stdin closes: closes it, waits, kills on timeout.
    Returns the exit code."""
    if proc.stdin:
        try:
            proc.stdin.close()
        except OSError:
            pass
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        pass
    return stop_process(proc, signal.SIGKILL)


def stop_process_group(proc, timeout):
    """For a helper in its own process group that exits when its stdin closes: closes it, waits,
    then kills whatever is left of the group."""
    close_stdin_and_wait(proc, timeout)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def start_idle_processes(count, add_cleanup, timeout=120):
    """count sleeping children of one process (tests/helpers/process_chain --fanout: clone(CLONE_VM)
    children without exec, in their own process group); add_cleanup(fn) registers their end.
    Returns (their parent's Popen, the pid of the last one started)."""
    chain = subprocess.Popen([env_path("PROCTREE_CHAIN"), "--depth", str(count), "--fanout"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, process_group=0)

    add_cleanup(lambda: stop_process_group(chain, 60))
    lines = read_lines_until(chain.stdout, r"^ready ([0-9]+) ([0-9]+)$", timeout, f"{count} idle processes")
    return chain, int(lines[-1].split()[2])


def stop_process(proc, sig=signal.SIGTERM, timeout=10):
    """Signals proc and waits; kills it when it does not exit in time. Returns the exit code."""
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream:
            try:
                stream.close()
            except OSError:
                pass
    return proc.returncode


class LineCollector:
    """Reads a pipe in a background thread so the child never blocks on a full pipe."""

    def __init__(self, stream):
        self._lines = []
        self._cond = threading.Condition()
        self._eof = False
        self._thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self._thread.start()

    def _run(self, stream):
        for raw in iter(stream.readline, b""):
            with self._cond:
                self._lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def lines(self):
        with self._cond:
            return list(self._lines)

    def text(self):
        return "\n".join(self.lines())

    def wait_for(self, pattern, timeout, what):
        """Returns the first match of regex `pattern` in a line; fails at EOF or the deadline."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self._lines:
                    m = rx.search(line)
                    if m:
                        return m
                if self._eof:
                    raise AssertionError(f"stream ended before {what}; output:\n" + "\n".join(self._lines))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}; output:\n"
                                         + "\n".join(self._lines))
                self._cond.wait(left)

    def join(self, timeout=5):
        self._thread.join(timeout)


class Exporter:
    """A running proctree_exporter on 127.0.0.1 with an ephemeral port."""

    def __init__(self, extra_args=(), timeout=15):
        self.args = [*exporter_command(), "--web.listen-address=127.0.0.1:0", *extra_args]
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.log = LineCollector(self.proc.stderr)
        try:
            m = self.log.wait_for(r'msg="?listening"?\s.*\baddress="?(?:[^\s",]*:)?([0-9]+)', timeout,
                                  "the exporter's 'listening' log line")
        except BaseException:
            self.stop()
            raise
        self.port = int(m.group(1))
        self.address = f"127.0.0.1:{self.port}"
        self.base_url = f"http://{self.address}"

    def url(self, path="/metrics"):
        return self.base_url + path

    def stop(self):
        rc = stop_process(self.proc)
        self.log.join()
        return rc


class Workload:
    """The workload helper: known memory, IO, fds and threads until stdin closes."""

    def __init__(self, directory, extra_args=(), timeout=30):
        self.started_at = time.time()
        self.proc = subprocess.Popen([workload_binary(), "--dir", directory, *extra_args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            lines = read_lines_until(self.proc.stdout, r"^ready ([0-9]+)$", timeout, "workload 'ready' line")
        except BaseException:
            self.stop()
            raise
        self.children = [int(l.split()[1]) for l in lines if l.startswith("child ")]
        self.pid = int(lines[-1].split()[1])
        if self.pid != self.proc.pid:
            self.stop()
            raise AssertionError(f"workload reported pid {self.pid}, Popen says {self.proc.pid}")

    def stop(self, timeout=10):
        """Closes stdin (the workload's signal to exit) and waits; kills on timeout."""
        return close_stdin_and_wait(self.proc, timeout)


def read_lines_until(stream, pattern, timeout, what):
    """Reads lines from a binary pipe until one matches `pattern`; returns all lines read."""
    rx = re.compile(pattern)
    fd = stream.fileno()
    buf = b""
    lines = []
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while True:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode("utf-8", "replace")
                lines.append(text)
                if rx.search(text):
                    return lines
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}; read: {lines!r} {buf!r}")
            if not sel.select(left):
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                raise AssertionError(f"EOF before {what}; read: {lines!r} {buf!r}")
            buf += chunk


# --------------------------------------------------------------------------
# HTTP

# Never use a proxy from the environment: everything is on loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # http.client.HTTPMessage: case-insensitive get()
        self.body = body

    def text(self):
        return self.body.decode("utf-8")


def http(url, method="GET", headers=None, data=None, timeout=60):
    """One request with urllib; HTTP error statuses are returned, not raised. Body is not decoded.

    The default timeout is generous on purpose: a TSan build scraping every
    process on a loaded 2-core machine took over 10 s once. It only bounds a
    failing test; a passing one never waits for it."""
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with _OPENER.open(req, timeout=timeout) as r:
            return Response(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        with e:
            return Response(e.code, e.headers, e.read())


def raw_http(port, request_bytes, timeout=10):
    """Sends request_bytes verbatim and reads until the server closes.

    Returns (status, headers dict with lower-case names, body bytes, raw bytes).
    The request should carry 'Connection: close'.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request_bytes)
        chunks = []
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        raise AssertionError(f"no end of headers in response: {raw[:500]!r}")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        hdrs[name.strip().lower()] = value.strip()
    return status, hdrs, body, raw


# --------------------------------------------------------------------------
# Text exposition format


class Sample:
    __slots__ = ("name", "labels", "value")

    def __init__(self, name, labels, value):
        self.name = name
        self.labels = labels
        self.value = value

    def __repr__(self):
        return f"Sample({self.name!r}, {self.labels!r}, {self.value!r})"


_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_ESCAPES = {"\\": "\\", '"': '"', "n": "\n"}


class ParseError(ValueError):
    pass


def _parse_labels(line, i, lineno):
    """Parses '{a="x",b="y"}' starting at line[i] == '{'; returns (labels, index after '}')."""
    labels = {}
    i += 1
    while True:
        while i < len(line) and line[i] in " \t":
            i += 1
        if i < len(line) and line[i] == "}":
            return labels, i + 1
        m = _LABEL.match(line, i)
        if not m:
            raise ParseError(f"line {lineno}: bad label name at column {i}: {line!r}")
        name = m.group(0)
        i = m.end()
        if line[i:i + 2] != '="':
            raise ParseError(f"line {lineno}: expected '=\"' after label {name}: {line!r}")
        i += 2
        value = []
        while True:
            if i >= len(line):
                raise ParseError(f"line {lineno}: unterminated value of label {name}: {line!r}")
            c = line[i]
            if c == "\\":
                if i + 1 >= len(line) or line[i + 1] not in _ESCAPES:
                    raise ParseError(f"line {lineno}: bad escape in label {name}: {line!r}")
                value.append(_ESCAPES[line[i + 1]])
                i += 2
            elif c == '"':
                i += 1
                break
            else:
                value.append(c)
                i += 1
        if name in labels:
            raise ParseError(f"line {lineno}: duplicate label {name}: {line!r}")
        labels[name] = "".join(value)
        if i < len(line) and line[i] == ",":
            i += 1
        elif i < len(line) and line[i] == "}":
            return labels, i + 1
        else:
            raise ParseError(f"line {lineno}: expected ',' or '}}' after label {name}: {line!r}")


def parse_metrics(text, prefix=""):
    """Parses the Prometheus text format (0.0.4) into a list of Samples.

    Strict about what it understands: raises ParseError on malformed lines,
    on a duplicate series, and on a sample whose family has no # TYPE.
    With `prefix`, sample lines whose name does not start with it are skipped
    unparsed (fast path for big payloads).
    """
    samples = []
    seen = set()
    types = {}
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        if line.startswith("#"):
            parts = line.split(None, 3)
            if len(parts) >= 3 and parts[1] == "TYPE":
                types[parts[2]] = parts[3] if len(parts) > 3 else ""
            continue
        if prefix and not line.startswith(prefix):
            continue
        m = _NAME.match(line)
        if not m:
            raise ParseError(f"line {lineno}: bad metric name: {line!r}")
        name = m.group(0)
        i = m.end()
        labels = {}
        if i < len(line) and line[i] == "{":
            labels, i = _parse_labels(line, i, lineno)
        rest = line[i:].split()
        if len(rest) not in (1, 2) or line[i:i + 1] not in (" ", "\t"):
            raise ParseError(f"line {lineno}: expected ' value [timestamp]': {line!r}")
        try:
            value = float(rest[0])
        except ValueError:
            raise ParseError(f"line {lineno}: bad value {rest[0]!r}: {line!r}") from None
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            raise ParseError(f"line {lineno}: duplicate series: {line!r}")
        seen.add(key)
        family = name
        for suffix in ("_bucket", "_sum", "_count"):
            if name not in types and name.endswith(suffix):
                family = name[: -len(suffix)]
        if family not in types:
            raise ParseError(f"line {lineno}: sample without a # TYPE line for {name}: {line!r}")
        samples.append(Sample(name, labels, value))
    return samples


def select(samples, name, **labels):
    """Samples of metric `name` whose labels include all of `labels`."""
    return [s for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())]


def one(samples, name, **labels):
    """The single sample of `name` matching `labels`; fails when there are none or several."""
    found = select(samples, name, **labels)
    if len(found) != 1:
        raise AssertionError(f"expected exactly one {name}{labels}, found {found}")
    return found[0]


# --------------------------------------------------------------------------
# promtool and Prometheus


def promtool_check_metrics(payload):
    """Runs `promtool check metrics` on payload (bytes); returns (exit code, combined output)."""
    r = subprocess.run([tool("promtool"), "check", "metrics"], input=payload, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=30)
    return r.returncode, r.stdout.decode("utf-8", "replace")


class Prometheus:
    """A real Prometheus server on 127.0.0.1 scraping `targets` (job name -> host:port)."""

    def __init__(self, workdir, targets=None, scrape_interval="2s", timeout=30, attempts=3, scrape_config=None):
        """targets: job name -> host:port; or scrape_config: the scrape_configs list items as
        YAML text (indented two spaces), for scrapes with TLS, basic auth or params."""
        self.workdir = workdir
        self.proc = None
        config = os.path.join(workdir, "prometheus.yml")
        if scrape_config is None:
            scrape_config = "".join(f"  - job_name: {job}\n"
                                    "    static_configs:\n"
                                    f"      - targets: ['{address}']\n" for job, address in targets.items())
        with open(config, "w") as f:
            f.write("global:\n"
                    f"  scrape_interval: {scrape_interval}\n"
                    f"  scrape_timeout: {scrape_interval}\n"
                    f"  evaluation_interval: {scrape_interval}\n"
                    "scrape_configs:\n" + scrape_config)
        # The free port can be taken between the probe and Prometheus' bind: retry then.
        for attempt in range(1, attempts + 1):
            self.port = free_port()
            self.base_url = f"http://127.0.0.1:{self.port}"
            self.log_path = os.path.join(workdir, f"prometheus-{attempt}.log")
            with open(self.log_path, "wb") as log:
                self.proc = subprocess.Popen(
                    [tool("prometheus"), f"--config.file={config}",
                     f"--storage.tsdb.path={os.path.join(workdir, 'data')}",
                     f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

            def ready():
                if self.proc.poll() is not None:
                    return "exited"
                return http(self.base_url + "/-/ready", timeout=2).status == 200

            try:
                state = poll(ready, timeout, "Prometheus /-/ready")
            except BaseException:
                self.stop()
                raise
            if state is True:
                return
            if "address already in use" not in self.log().lower() or attempt == attempts:
                raise AssertionError(f"Prometheus exited with {self.proc.returncode}; log:\n{self.log()}")

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def api(self, path, **params):
        """GET /api/v1/<path>; returns the 'data' member of a successful answer."""
        import json
        import urllib.parse
        url = f"{self.base_url}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        r = http(url)
        doc = json.loads(r.body)
        if r.status != 200 or doc.get("status") != "success":
            raise AssertionError(f"GET {url}: {r.status} {doc}")
        return doc["data"]

    def query(self, expr):
        """Instant query; returns the result vector as a list of (labels dict, float value)."""
        data = self.api("query", query=expr)
        if data["resultType"] != "vector":
            raise AssertionError(f"query {expr!r}: expected a vector, got {data['resultType']}")
        return [(r["metric"], float(r["value"][1])) for r in data["result"]]

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)


# --------------------------------------------------------------------------
# Test base class


class IntegrationTest(unittest.TestCase):
    """Starts helpers through methods that register their cleanup."""

    maxDiff = 4000

    def make_tmpdir(self):
        d = tempfile.mkdtemp(prefix="integ-", dir=tmp_root())
        self.addCleanup(shutil.rmtree, d, True)
        return d

    def start_exporter(self, *args):
        e = Exporter(args)
        self.addCleanup(self._stop_exporter, e)
        return e

    def start_process_storm(self, *args):
        """Starts tests/helpers/process_storm (PROCTREE_STORM) in its own process group with
        args, waits for its 'ready <pid>' line and registers its stop (stdin closed, then the
        group killed). Returns (its output's LineCollector, the match of the ready line)."""
        proc = subprocess.Popen([env_path("PROCTREE_STORM"), *args], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, process_group=0)
        out = LineCollector(proc.stdout)
        self.addCleanup(stop_process_group, proc, 30)
        return out, out.wait_for(r"^ready ([0-9]+)", 30, "process_storm's 'ready' line")

    def _stop_exporter(self, e):
        rc = e.stop()
        # A clean SIGTERM shutdown exits 0; anything else is worth seeing.
        if rc != 0:
            sys.stderr.write(f"--- exporter on port {e.port} exited {rc}; log:\n{e.log.text()}\n")

    @classmethod
    def start_class_exporter(cls, *args):
        """An exporter shared by the class's tests (stopping one takes CivetWeb up to 2 s)."""
        e = Exporter(args)
        cls.addClassCleanup(e.stop)
        return e

    @classmethod
    def make_class_tmpdir(cls):
        d = tempfile.mkdtemp(prefix="integ-", dir=tmp_root())
        cls.addClassCleanup(shutil.rmtree, d, True)
        return d

    def start_workload(self, directory, *args):
        w = Workload(directory, args)
        self.addCleanup(w.stop)
        return w

    def start_prometheus(self, workdir, targets, **kwargs):
        p = Prometheus(workdir, targets, **kwargs)
        self.addCleanup(p.stop)
        return p

    def scrape(self, exporter, headers=None):
        """GETs /metrics, asserts 200 and returns (Response, samples)."""
        r = http(exporter.url("/metrics"), headers=headers)
        self.assertEqual(r.status, 200, r.body[:500])
        return r, parse_metrics(r.body.decode("utf-8"))


def main():
    # On SIGTERM (e.g. a ctest timeout) raise SystemExit in the running test,
    # so unittest still runs the cleanups that stop what the test started.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    unittest.main(verbosity=2)
