"""Helpers for the HTTP-edge tests (test_web_*.py): certificates and bcrypt
hashes made in the test, web config files, HTTPS requests, a procfs tree whose
reads can be held, and Prometheus with a scrape config of the test's own.

Standard library plus the openssl CLI (package openssl) and curl. Like
harness.py: every wait is a poll with a deadline, everything listens on
127.0.0.1 with ephemeral ports, every process and directory is cleaned up.
"""

import errno
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
import warnings

import harness

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")


# --------------------------------------------------------------------------
# Certificates and hashes


def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)} failed:\n{r.stdout.decode(errors='replace')}")


class Certs:
    """A CA, a server certificate for 127.0.0.1 signed by it, a client
    certificate signed by it, and a self-signed client certificate it did not sign."""

    def __init__(self, directory):
        self.dir = directory
        p = lambda name: os.path.join(directory, name)  # noqa: E731
        self.ca_key, self.ca_cert = p("ca.key"), p("ca.crt")
        self.server_key, self.server_cert = p("server.key"), p("server.crt")
        self.client_key, self.client_cert = p("client.key"), p("client.crt")
        self.rogue_key, self.rogue_cert = p("rogue.key"), p("rogue.crt")
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.ca_key, "-out", self.ca_cert,
                "-days", "2", "-subj", "/CN=proctree test CA", cwd=directory)
        self._signed("server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost")
        self._signed("client", "/CN=prometheus", "subjectAltName=DNS:prometheus.test")
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.rogue_key, "-out", self.rogue_cert,
                "-days", "2", "-subj", "/CN=rogue", "-addext", "subjectAltName=DNS:prometheus.test", cwd=directory)

    def _signed(self, name, subject, san):
        key, csr, crt, ext = (os.path.join(self.dir, f"{name}.{x}") for x in ("key", "csr", "crt", "ext"))
        with open(ext, "w") as f:
            f.write(san + "\n")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", subject, cwd=self.dir)
        openssl("x509", "-req", "-in", csr, "-CA", self.ca_cert, "-CAkey", self.ca_key, "-CAcreateserial",
                "-out", crt, "-days", "2", "-extfile", ext, cwd=self.dir)


def bcrypt(password, cost=10):
    """A bcrypt ($2b$) hash made here with the system's crypt(3) (libxcrypt)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt  # deprecated in 3.11, still there; libxcrypt does the work
    h = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << cost))
    if not h or not h.startswith("$2"):
        raise AssertionError(f"crypt(3) made no bcrypt hash: {h!r}")
    return h


def write_file(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


# --------------------------------------------------------------------------
# Requests

_NO_PROXY = urllib.request.ProxyHandler({})


def tls_context(cafile=None, cert=None, key=None):
    ctx = ssl.create_default_context(cafile=cafile)
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


def request(url, method="GET", headers=None, data=None, timeout=15, context=None, auth=None):
    """Like harness.http, over HTTPS too (with `context`), with optional basic auth (user, password)."""
    import base64
    hdrs = dict(headers or {})
    if auth is not None:
        hdrs["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
    handlers = [_NO_PROXY]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    req = urllib.request.Request(url, method=method, headers=hdrs, data=data)
    try:
        with opener.open(req, timeout=timeout) as r:
            return harness.Response(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        with e:
            return harness.Response(e.code, e.headers, e.read())


def curl(*args, timeout=30):
    """Runs curl (no proxy, silent, status code on the last line); returns (exit code, status, body text)."""
    r = subprocess.run(["curl", "--noproxy", "*", "-sS", "-w", "\n%{http_code}", *args], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    out = r.stdout.decode("utf-8", "replace")
    body, _, code = out.rpartition("\n")
    return r.returncode, int(code or 0), body, r.stderr.decode("utf-8", "replace")


def run_exporter(*args, timeout=20):
    """Runs the exporter to completion (for start-up failures); returns CompletedProcess with text."""
    return subprocess.run([harness.exporter_binary(), "--web.listen-address=127.0.0.1:0", *args],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, text=True)


# --------------------------------------------------------------------------
# A procfs tree whose reads can be held


class HeldProcfs:
    """A procfs tree of copies of the fixture process 101 (tests/fixtures/proc-broken),
    some of whose `stat` files are FIFOs: a scrape that opens one waits there
    until release() lets every waiting reader through (they read an empty
    file: a parse error, the process is dropped). Nothing else changes."""

    def __init__(self, root, pids, held):
        self.root = root
        src = os.path.join(FIXTURES, "proc-broken")
        os.makedirs(root)
        shutil.copy(os.path.join(src, "stat"), os.path.join(root, "stat"))
        with open(os.path.join(src, "101", "stat"), "rb") as f:
            stat = f.read()
        rest = stat[stat.index(b" "):]
        self.fifos = []
        for pid in pids:
            d = os.path.join(root, str(pid))
            shutil.copytree(os.path.join(src, "101"), d, symlinks=True)
            os.makedirs(os.path.join(d, "fd"), exist_ok=True)
            os.remove(os.path.join(d, "stat"))
            if pid in held:
                os.mkfifo(os.path.join(d, "stat"))
                self.fifos.append(os.path.join(d, "stat"))
            else:
                with open(os.path.join(d, "stat"), "wb") as f:
                    f.write(str(pid).encode() + rest)

    def release(self):
        """Opens and closes each FIFO's write end: readers blocked in open() go
        on and read end-of-file. Call again for readers that arrived since."""
        for path in self.fifos:
            try:
                fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)  # never blocks on Linux
            except OSError as e:
                if e.errno != errno.ENOENT:
                    raise
                continue
            os.close(fd)


class Background:
    """Runs fn(*args) in a daemon thread; result() waits for it."""

    def __init__(self, fn, *args):
        self.value = None
        self.error = None
        self.done_at = None
        self._thread = threading.Thread(target=self._run, args=(fn, args), daemon=True)
        self._thread.start()

    def _run(self, fn, args):
        try:
            self.value = fn(*args)
        except BaseException as e:  # noqa: BLE001 - reported by result()
            self.error = e
        self.done_at = time.monotonic()

    def done(self):
        return self.done_at is not None

    def result(self, timeout):
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise AssertionError(f"background call still running after {timeout}s")
        if self.error:
            raise self.error
        return self.value


# --------------------------------------------------------------------------
# Prometheus with the test's own scrape config


def start_prometheus(test, workdir, scrape_config, **kwargs):
    """Starts Prometheus with the test's own scrape_configs items (TLS, basic auth, params);
    stopped at cleanup."""
    p = harness.Prometheus(workdir, scrape_config=scrape_config, **kwargs)
    test.addCleanup(p.stop)
    return p


def port_closed_by_peer(sock, timeout):
    """Waits for the server to close `sock` (EOF or reset); returns what it sent before."""
    sock.settimeout(timeout)
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        return data
    except socket.timeout:
        raise AssertionError(f"the server kept the connection open for {timeout}s; got {data[:200]!r}") from None
