#!/usr/bin/env python3
"""Memory details end to end: uss/pss and per-path memory maps from smaps.

The maps_workload helper (tests/helpers/maps_workload.cc) is two processes
with known maps: "maps_workload" maps a 32 MiB file (every page read) and
16 MiB anonymous memory (every page written); it and its forked sibling
"maps_sibling" both write every page of an 8 MiB memfd named
"proctree-shared", so each one's Pss for that region is half its Rss. The
exporter runs with a config selecting both by comm with memory: {maps: true}.
"""

import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import MIB, poll, select  # noqa: E402

SHARED_PATH = "/memfd:proctree-shared (deleted)"
MAP_BYTES = "proctree_process_memory_map_bytes"
MAP_COUNT = "proctree_process_memory_maps"
MEMORY = "proctree_process_memory_bytes"
SKIPPED = "proctree_probe_skipped_total"
MEMTYPES = ("rss", "size", "pss", "shared_clean", "shared_dirty", "private_clean", "private_dirty",
            "referenced", "anonymous", "swap")


def maps_workload_binary():
    return harness.env_path("PROCTREE_MAPS_WORKLOAD")


class MapsWorkload:
    """The helper: known maps until stdin closes."""

    def __init__(self, directory, timeout=30):
        self.proc = subprocess.Popen([maps_workload_binary(), "--dir", directory],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            lines = harness.read_lines_until(self.proc.stdout, r"^ready ([0-9]+)$", timeout,
                                             "maps_workload 'ready' line")
        except BaseException:
            self.stop()
            raise
        fields = dict(l.split(" ", 1) for l in lines)
        self.pid = int(fields["ready"])
        self.sibling = int(fields["child"])
        self.file = fields["file"]

    def stop(self, timeout=10):
        return harness.close_stdin_and_wait(self.proc, timeout)


def write_config(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def maps_config(directory, name, memory="", extra=""):
    """A config selecting both processes by comm for maps; `memory` adds lines to the memory: section."""
    return write_config(directory, name, f"""
processes:
  - name: maps
    match:
      comm: [maps_workload, maps_sibling]
    memory:
      maps: true
memory:
  budget_seconds: 10
  max_rss_bytes: 0
{memory}
{extra}""")


def by_path(samples, pid):
    """{path: {memtype: bytes}} of one process's proctree_process_memory_map_bytes."""
    out = {}
    for s in select(samples, MAP_BYTES, pid=str(pid)):
        out.setdefault(s.labels["path"], {})[s.labels["memtype"]] = s.value
    return out


def sums(paths):
    return {t: sum(v.get(t, 0) for v in paths.values()) for t in MEMTYPES}


class MemoryMapsTest(harness.IntegrationTest):

    def setUp(self):
        self.dir = self.make_tmpdir()
        self.workload = MapsWorkload(self.dir)
        self.addCleanup(self.workload.stop)

    def scrape_until(self, exporter, pred, what, timeout=20):
        """Scrapes until pred(samples) holds; returns those samples."""
        def attempt():
            _, samples = self.scrape(exporter)
            return samples if pred(samples) else None
        return poll(attempt, timeout, what, interval=0.2)

    def test_maps_and_rollup_figures(self):
        cfg = maps_config(self.dir, "maps.yml")
        e = self.start_exporter(f"--config.file={cfg}")
        w = self.workload
        samples = self.scrape_until(
            e, lambda s: by_path(s, w.pid) and by_path(s, w.sibling), "memory maps of both processes")

        main = by_path(samples, w.pid)
        sib = by_path(samples, w.sibling)
        for paths in (main, sib):
            for path, types in paths.items():
                self.assertEqual(set(types), set(MEMTYPES), path)

        # The 32 MiB file, every page read: all of it resident.
        self.assertIn(w.file, main, sorted(main))
        self.assertGreaterEqual(main[w.file]["rss"], 31 * MIB, main[w.file])
        self.assertLessEqual(main[w.file]["rss"], 32 * MIB, main[w.file])
        self.assertEqual(main[w.file]["size"], 32 * MIB)
        self.assertNotIn(w.file, sib, "the sibling forked before the file was mapped")

        # 16 MiB anonymous, every page written (plus the heap, stack, ... anonymous pages).
        self.assertGreaterEqual(sums(main)["anonymous"], 16 * MIB)
        self.assertIn("[anon]", main)
        self.assertGreaterEqual(main["[anon]"]["rss"], 16 * MIB)

        # The shared 8 MiB memfd, written by both: resident in both, Pss split in two.
        for name, paths in (("maps_workload", main), ("maps_sibling", sib)):
            self.assertIn(SHARED_PATH, paths, f"{name}: {sorted(paths)}")
            region = paths[SHARED_PATH]
            self.assertEqual(region["rss"], 8 * MIB, f"{name}: {region}")
            self.assertEqual(region["size"], 8 * MIB, f"{name}: {region}")
            self.assertAlmostEqual(region["pss"], 4 * MIB, delta=64 * 1024, msg=f"{name}: {region}")
            self.assertEqual(region["shared_dirty"] + region["shared_clean"], 8 * MIB, f"{name}: {region}")

        # Largest rss first is the order the limit cuts by; the file is the largest here.
        # uss/pss/swap_pss next to rss in proctree_process_memory_bytes.
        for pid in (w.pid, w.sibling):
            mem = {s.labels["memtype"]: s.value for s in select(samples, MEMORY, pid=str(pid))}
            for t in ("uss", "pss", "swap_pss", "rss"):
                self.assertIn(t, mem, f"pid {pid}: {mem}")
            self.assertLess(mem["uss"], mem["rss"], f"pid {pid}: {mem}")
            self.assertLessEqual(mem["uss"], mem["pss"], f"pid {pid}: {mem}")
            self.assertLessEqual(mem["pss"], mem["rss"], f"pid {pid}: {mem}")
        main_mem = {s.labels["memtype"]: s.value for s in select(samples, MEMORY, pid=str(w.pid))}
        # uss holds the private file pages and anonymous memory, not the shared region.
        self.assertGreaterEqual(main_mem["uss"], 16 * MIB)
        self.assertLessEqual(main_mem["uss"], main_mem["rss"] - 8 * MIB)

        for pid in (w.pid, w.sibling):
            count = select(samples, MAP_COUNT, pid=str(pid))
            self.assertEqual(len(count), 1, count)
            self.assertGreater(count[0].value, 0)
            self.assertGreaterEqual(count[0].value, len(by_path(samples, pid)))

    def test_limit_folds_the_rest_into_other(self):
        # Re-read on every scrape (intervals 0), so two exporters can be compared at the same moment.
        now = "  rollup_interval_seconds: 0\n  maps_interval_seconds: 0"
        unlimited = maps_config(self.dir, "unlimited.yml", now, "limits:\n  memory_maps_per_process: 1000\n")
        limited = maps_config(self.dir, "limited.yml", now, "limits:\n  memory_maps_per_process: 2\n")
        eu = self.start_exporter(f"--config.file={unlimited}")
        el = self.start_exporter(f"--config.file={limited}")
        pid = self.workload.pid

        last = {}

        def consistent():
            """Scrapes unlimited, limited, unlimited; the pair when the limited one adds up.

            Pss and the shared/private split of library pages move whenever any
            process on the host maps or unmaps the same library, so only a quiet
            moment (both unlimited scrapes equal) is compared; a systematic error
            never passes and fails the poll with the last difference.
            """
            _, su = self.scrape(eu)
            _, sl = self.scrape(el)
            _, su2 = self.scrape(eu)
            pu, pl, pu2 = by_path(su, pid), by_path(sl, pid), by_path(su2, pid)
            if not (pu and pl) or pu != pu2:
                last["quiet"] = False
                return None
            last["quiet"] = True
            su_, sl_ = sums(pu), sums(pl)
            last["sum differences (limited, unlimited)"] = {t: (sl_[t], su_[t]) for t in MEMTYPES if sl_[t] != su_[t]}
            last["limited paths"] = sorted(pl)
            return (pu, pl) if sl_ == su_ else None

        try:
            pu, pl = poll(consistent, 60, "limited and unlimited per-memtype sums to agree", interval=0.2)
        except AssertionError as err:
            self.fail(f"{err}; last: {last}")
        self.assertEqual(len(pl), 3, sorted(pl))
        self.assertIn("[other]", pl)
        top2 = sorted(pu, key=lambda p: (-pu[p]["rss"], p))[:2]
        self.assertEqual(set(pl) - {"[other]"}, set(top2))
        self.assertIn(self.workload.file, top2)
        self.assertIn("[anon]", top2)
        for p in top2:
            self.assertEqual(pl[p], pu[p], p)
        for t in MEMTYPES:
            rest = sum(v[t] for p, v in pu.items() if p not in top2)
            self.assertEqual(pl["[other]"][t], rest, t)
        self.assertGreater(len(pu), 3)

    def test_default_config_has_no_memory_details(self):
        e = self.start_exporter(harness.EVERY_PROCESS)
        w = self.workload
        samples = self.scrape_until(e, lambda s: select(s, MEMORY, pid=str(w.pid), memtype="rss"),
                                    "the workload's rss")
        for pid in (w.pid, w.sibling):
            self.assertEqual(select(samples, MAP_BYTES, pid=str(pid)), [])
            self.assertEqual(select(samples, MAP_COUNT, pid=str(pid)), [])
            for t in ("uss", "pss", "swap_pss"):
                self.assertEqual(select(samples, MEMORY, pid=str(pid), memtype=t), [], t)
        # Nothing is read for anyone, so nothing is skipped either.
        for reason in ("interval", "budget", "rss"):
            for s in select(samples, SKIPPED, source="smaps", reason=reason):
                self.assertEqual(s.value, 0, reason)

    def test_second_scrape_within_the_interval_counts_interval_skips(self):
        cfg = maps_config(self.dir, "interval.yml", "  rollup_interval_seconds: 600\n  maps_interval_seconds: 600")
        e = self.start_exporter(f"--config.file={cfg}")
        w = self.workload
        first = self.scrape_until(e, lambda s: by_path(s, w.pid) and by_path(s, w.sibling),
                                  "memory maps of both processes")
        before = harness.one(first, SKIPPED, source="smaps", reason="interval").value
        _, second = self.scrape(e)
        after = harness.one(second, SKIPPED, source="smaps", reason="interval").value
        self.assertGreaterEqual(after - before, 2, "both processes served from the cache")
        # Served from the cache: the same figures as the first scrape.
        self.assertEqual(by_path(second, w.pid), by_path(first, w.pid))
        self.assertEqual(harness.one(second, SKIPPED, source="smaps", reason="budget").value,
                         harness.one(first, SKIPPED, source="smaps", reason="budget").value)


BAD_PATHS_CHILD = r"""
import ctypes, mmap, os, sys
ctypes.CDLL(None).prctl(15, b"maps_badpaths", 0, 0, 0)
d = os.fsencode(sys.argv[1])
keep = []
for name in (b"x\xff.bin", b"x\xfe.bin"):  # invalid UTF-8, different bytes
    p = os.path.join(d, name)
    with open(p, "wb") as f:
        f.write(b"a" * 8192)
    fd = os.open(p, os.O_RDONLY)
    m = mmap.mmap(fd, 8192, prot=mmap.PROT_READ)
    os.close(fd)
    m[0], m[4096]
    keep.append(m)
print("ready", os.getpid(), flush=True)
sys.stdin.read()
"""


class InvalidUtf8PathsTest(harness.IntegrationTest):
    """Two mapped files whose names differ only in bytes that are not UTF-8."""

    def test_paths_that_sanitize_alike_do_not_duplicate_series(self):
        d = self.make_tmpdir()
        child = subprocess.Popen([sys.executable, "-c", BAD_PATHS_CHILD, d], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE)
        self.addCleanup(harness.stop_process, child, signal.SIGKILL)
        lines = harness.read_lines_until(child.stdout, r"^ready [0-9]+$", 30, "the child's 'ready' line")
        pid = lines[-1].split()[1]
        cfg = write_config(d, "c.yml", "processes:\n  - match: {comm: [maps_badpaths]}\n    memory: {maps: true}\n"
                           "memory: {budget_seconds: 10}\nlimits: {memory_maps_per_process: 1000}\n")
        e = self.start_exporter(f"--config.file={cfg}")

        def body():
            r = harness.http(e.url())
            text = r.body.decode("utf-8")
            return text if f'{MAP_BYTES}{{pid="{pid}"' in text else None
        text = poll(body, 20, "the child's memory maps")
        # Both kernel paths become ".../x\ufffd.bin" as a label value: that must be one
        # series (the two files' figures together), not two series with the same labels.
        try:
            samples = harness.parse_metrics(text)
        except harness.ParseError as err:
            self.fail(f"invalid exposition: {err}")
        bad = [s for s in select(samples, MAP_BYTES, pid=pid, memtype="rss") if s.labels["path"].endswith(".bin")]
        self.assertEqual(len(bad), 1, bad)
        self.assertEqual(bad[0].value, 2 * 8192)


if __name__ == "__main__":
    harness.main()
