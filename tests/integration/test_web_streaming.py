"""The scrape response is written as it is produced (issue 15).

Over a real socket, against a procfs of copies of one fixture process
(1,000: enough that even gzip's output spans several chunks;
web_harness.HeldProcfs, nothing held), so that two scrapes give the same
payload byte for byte (--web.disable-exporter-metrics drops the timings):
- a payload larger than one buffer goes out with Transfer-Encoding: chunked,
  in chunks of at most about 64 KiB, and ends with the terminating chunk;
- gzip streamed the same way decompresses to exactly the plain payload;
- HEAD gives the payload's Content-Length and no body; an HTTP/1.0 request
  gets the whole payload with a Content-Length (it knows no chunks);
- a small payload (collect[]) keeps its Content-Length;
- limits.max_series cuts per-process series first, keeps the group totals and
  the exporter's own families, counts the cut, and stays valid for promtool.
"""

import gzip
import os
import socket

import harness
import web_harness

PIDS = list(range(1000, 2000))
CHUNK_MAX = 64 * 1024 + 4096  # a writer's buffer, or zlib's, plus a fragment


def raw_request(port, request, timeout=60):
    """Sends request (str) and reads to EOF: (head text, body bytes as sent)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request.encode())
        data = b""
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            data += chunk
    head, sep, body = data.partition(b"\r\n\r\n")
    assert sep, data[:300]
    return head.decode("latin-1"), body


def dechunk(body):
    """The chunks of a chunked body; fails unless it ends with the terminating chunk."""
    chunks = []
    while True:
        line, sep, body = body.partition(b"\r\n")
        assert sep, "body ends without the terminating chunk"
        size = int(line, 16)
        if size == 0:
            assert body == b"\r\n", body[:100]
            return chunks
        chunks.append(body[:size])
        assert body[size:size + 2] == b"\r\n"
        body = body[size + 2:]


def get(port, path="/metrics", method="GET", version="1.1", extra=""):
    return raw_request(port, f"{method} {path} HTTP/{version}\r\nHost: x\r\nConnection: close\r\n{extra}\r\n")


class StreamingTest(harness.IntegrationTest):
    @classmethod
    def setUpClass(cls):
        root = os.path.join(cls.make_class_tmpdir(), "proc")
        web_harness.HeldProcfs(root, PIDS, held=())
        cls.exporter = cls.start_class_exporter(f"--path.procfs={root}", "--web.disable-exporter-metrics",
                                                harness.EVERY_PROCESS)

    def plain(self):
        head, body = get(self.exporter.port)
        self.assertIn("Transfer-Encoding: chunked", head)
        self.assertNotIn("Content-Length", head)
        return dechunk(body)

    def test_a_large_payload_is_sent_in_chunks_as_written(self):
        chunks = self.plain()
        payload = b"".join(chunks)
        self.assertGreater(len(chunks), 4)
        self.assertLessEqual(max(len(c) for c in chunks), CHUNK_MAX)
        samples = harness.parse_metrics(payload.decode())
        self.assertEqual(len(harness.select(samples, "proctree_process_info")), len(PIDS))
        rc, out = harness.promtool_check_metrics(payload)
        self.assertEqual(rc, 0, out)

    def test_gzip_streams_to_the_same_payload(self):
        plain = b"".join(self.plain())
        head, body = get(self.exporter.port, extra="Accept-Encoding: gzip\r\n")
        self.assertIn("Content-Encoding: gzip", head)
        self.assertIn("Transfer-Encoding: chunked", head)
        self.assertEqual(gzip.decompress(b"".join(dechunk(body))), plain)

    def test_head_and_http10_get_a_content_length(self):
        plain = b"".join(self.plain())
        head, body = get(self.exporter.port, method="HEAD")
        self.assertIn(f"Content-Length: {len(plain)}\r\n", head + "\r\n")
        self.assertEqual(body, b"")
        head, body = get(self.exporter.port, version="1.0")
        self.assertNotIn("chunked", head)
        self.assertIn(f"Content-Length: {len(plain)}", head)
        self.assertEqual(body, plain)

    def test_a_small_payload_keeps_its_content_length(self):
        head, body = get(self.exporter.port, path="/metrics?collect[]=proctree_processes")
        self.assertNotIn("chunked", head)
        self.assertIn(f"Content-Length: {len(body)}", head)
        self.assertIn(b"proctree_processes{", body)


class SeriesBudgetTest(harness.IntegrationTest):
    def test_the_cap_cuts_processes_first_and_says_so(self):
        tmp = self.make_tmpdir()
        root = os.path.join(tmp, "proc")
        web_harness.HeldProcfs(root, PIDS[:400], held=())
        config = web_harness.write_file(tmp, "config.yml", "limits:\n  max_series: 2000\n")
        e = self.start_exporter(f"--path.procfs={root}", f"--config.file={config}")
        for scrape in (1, 2):
            r, samples = self.scrape(e)
            self.assertLessEqual(len(samples), 2000)
            self.assertGreater(harness.one(samples, "proctree_scrape_series_limit_dropped").value, 0)
            self.assertEqual(harness.one(samples, "proctree_scrape_series_limit_cuts_total").value, scrape)
            rc, out = harness.promtool_check_metrics(r.body)
            self.assertEqual(rc, 0, out)
        names = {s.name for s in samples}
        for own in ("proctree_scrape_duration_seconds", "proctree_exporter_build_info", "process_open_fds",
                    "proctree_group_processes", "proctree_processes"):
            self.assertIn(own, names)
        kept = len(harness.select(samples, "proctree_process_info"))
        self.assertGreater(kept, 0)
        self.assertLess(kept, 400)
        # A process kept has all its series: as many cpu series as info series.
        self.assertEqual(len(harness.select(samples, "proctree_process_cpu_seconds_total")), 2 * kept)


if __name__ == "__main__":
    harness.main()
