# ctest: TIMEOUT 300 RUN_SERIAL
"""The exporter's memory does not grow with its payload (issue 15).

2,000 idle children, each with a 200-byte command line, scraped with every
family on, every process exported and the cmdline label on: ~30 series per
process that each repeat that label, a payload of over 12 MB. The response
is written as it is produced (TextWriter's 64 KiB buffer, chunked transfer,
streaming gzip), so the exporter's peak RSS (VmHWM) after a plain and a gzip
scrape stays under PEAK_BOUND_MB. Measured (plain build, 2 cores under
heavy load): the code that built the payload in one string, and gzipped it
whole, peaked at 122 MB; streaming peaks at 28 MB, most of it the tree
carries and the scan, which grow with the processes, not with the payload.

Peak RSS at 10,000 idle processes (issue 15's bounds), four scrapes each: at
most 25 MB under the embedded default config and 40 MB with every family on
and every process exported (config/examples/every-process.yml). What grows
with processes is the scan, the tree sums' member tables and top_n's rates;
before the shared member table the default peaked at 59 MB here.

It runs alone (RUN_SERIAL): 2,000 and 10,000 processes slow every other test's scrapes.
Skipped in sanitizer builds, whose allocators keep their own memory.
"""

import gzip
import os
import subprocess
import unittest

import harness
from harness import one
from test_deep_chain import build_sanitizer

CHILDREN = 2000
ARGV0 = "payload-memory-" + "x" * 185  # the cmdline label repeats it in every series
PEAK_BOUND_MB = 60
FLEET = 10000
FLEET_BOUNDS_MB = {"default": 25, "every-process": 40}
CONFIG = """metrics:
  allow: ["*"]
unmatched:
  per_process: true
  group: auto
labels:
  cmdline: true
  cmdline_max_length: 256
"""


def vm_hwm_mb(pid):
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


class PayloadMemoryTest(harness.IntegrationTest):
    def start_children(self):
        # setpriv: they die with this test even if it is killed; bash's exec -a names them ARGV0.
        argv = ["setpriv", "--pdeathsig", "KILL", "bash", "-c", 'exec -a "$0" sleep 100000', ARGV0]
        procs = []

        def stop():
            for p in procs:
                p.kill()
            for p in procs:
                p.wait(timeout=30)
        self.addCleanup(stop)
        for _ in range(CHILDREN):
            procs.append(subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL, close_fds=True))

    @unittest.skipIf(build_sanitizer(), "a sanitizer's allocator keeps its own memory")
    def test_peak_rss_stays_below_the_payload(self):
        tmp = self.make_tmpdir()
        config = os.path.join(tmp, "config.yml")
        with open(config, "w", encoding="utf-8") as f:
            f.write(CONFIG)
        self.start_children()
        e = self.start_exporter(f"--config.file={config}")
        r, samples = self.scrape(e)
        self.assertGreater(len(r.body), 12 << 20, "the payload should dwarf the bound")
        self.assertGreaterEqual(len(harness.select(samples, "proctree_process_info")), CHILDREN)
        r = harness.http(e.url(), headers={"Accept-Encoding": "gzip"})
        self.assertEqual(r.status, 200)
        self.assertGreater(len(gzip.decompress(r.body)), 12 << 20)
        peak = vm_hwm_mb(e.proc.pid)
        self.assertLess(peak, PEAK_BOUND_MB, f"exporter peak RSS {peak:.0f} MB for a "
                                             f"{len(r.body) >> 20} MB gzip payload")


    @unittest.skipIf(build_sanitizer(), "a sanitizer's allocator keeps its own memory")
    def test_peak_rss_at_10000_processes(self):
        harness.start_idle_processes(FLEET, self.addCleanup)
        every = os.path.join(harness.env_path("PROCTREE_SOURCE_DIR"), "config", "examples", "every-process.yml")
        for name, args in (("default", []), ("every-process", [f"--config.file={every}"])):
            with self.subTest(config=name):
                e = self.start_exporter(*args)
                for _ in range(4):
                    r, samples = self.scrape(e)
                    self.assertEqual(r.status, 200)
                scanned = one(samples, "proctree_scrape_processes").value
                self.assertGreaterEqual(scanned, FLEET)
                peak = vm_hwm_mb(e.proc.pid)
                # The bounds are for 10,000; processes others run beside the test add their share.
                bound = FLEET_BOUNDS_MB[name] * max(1.0, scanned / FLEET)
                self.assertLessEqual(peak, bound, f"{name} config: peak RSS {peak:.1f} MB at {scanned:.0f} processes")
                e.stop()


if __name__ == "__main__":
    harness.main()
