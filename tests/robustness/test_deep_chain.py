# ctest: TIMEOUT 600 RUN_SERIAL
"""A 10,000-deep chain of sleeping processes, started by an unprivileged user (issue 13).

Found by an attack run: with one series per (process, ancestor), a 2,000-deep
chain gave over 2 million series, a 167 MB scrape, and exporter memory from
35 MB to 766 MB that stayed after the chain was gone. The subtree totals were
quadratic too: every member of the chain is a default root (it has children),
so a member counted in the subtree of each of its ancestors.

tests/helpers/process_chain starts the chain: CHAIN_DEPTH members (10,000;
2,000 in a sanitizer build, which is 5-10x slower), each the parent of the
next, as the user nobody when the test runs as root (else as the test's own
user). Measured at 10,000: 44 series and 3.6 KB per process (every family
on: ~28 per-process series, 16 ancestors), a 36 MB scrape of ~5 s, exporter
RSS 9 MB before, ~135 MB at the peak, 9 MB after. An exporter with the embedded default config scrapes before,
during and after it. During: the scrape passes promtool and scrape_checks;
its series and bytes are linear in the processes it read; no process has
more than tree.max_ancestor_depth (16) ancestor series, and a deep member's
are exactly its 16 nearest; no more than 16 of the chain's members are
subtree roots; both truncation gauges count what was cut. After the chain is
stopped and one more scrape, the exporter's RSS is back within
max(2 x baseline, baseline + 20 MB) (plain builds: a sanitizer's allocator
keeps its own memory).

It runs alone (RUN_SERIAL): 10,000 processes slow every other test's scrapes.
While the chain is scraped a watchdog kills the exporter past 2 GB RSS, so
a regression fails the test rather than the host.
"""

import os
import re
import subprocess
import threading
import time

import harness
import scrape_checks

MAX_ANCESTOR_DEPTH = 16        # the embedded default's tree.max_ancestor_depth
SERIES_PER_PROCESS = 60        # measured: 44 (~28 per-process, 16 ancestors, a share of subtrees); was 990 at 2,000 deep
BYTES_PER_PROCESS = 8192       # measured: 3.6 KB; was 81 KB at 2,000 deep
RSS_WATCHDOG = 2 << 30
SCRAPE_TIMEOUT = 300           # a 10,000-process scrape, sanitized, on a loaded 2-core machine
CHAIN_USER = "nobody"


def build_sanitizer():
    """PROCTREE_SANITIZE of the build under test ('' for a plain build)."""
    cache = os.path.join(harness.env_path("PROCTREE_BUILD_DIR"), "CMakeCache.txt")
    with open(cache, encoding="utf-8") as f:
        m = re.search(r"^PROCTREE_SANITIZE:[A-Z]+=(.*)$", f.read(), re.M)
    value = m.group(1).strip() if m else ""
    return value if value in ("address", "thread", "fuzz") else ""  # an option() left unset reads OFF


def rss_bytes(pid):
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


def ppid_of(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        stat = f.read().decode("utf-8", "replace")
    return int(stat[stat.rindex(")") + 2:].split()[1])


class Chain:
    """process_chain in its own process group; stop() ends and reaps every member."""

    def __init__(self, depth):
        # As root the chain drops to an unprivileged user; otherwise it already runs as one.
        user = ["--user", CHAIN_USER] if os.geteuid() == 0 else []
        self.proc = subprocess.Popen([harness.env_path("PROCTREE_CHAIN"), "--depth", str(depth), *user],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, process_group=0)
        self.out = harness.LineCollector(self.proc.stdout)
        self.pid = self.deepest = None

    def wait_ready(self):
        m = self.out.wait_for(r"^ready ([0-9]+) ([0-9]+)", 120, "process_chain's 'ready' line")
        self.pid, self.deepest = int(m.group(1)), int(m.group(2))

    def stop(self):
        """Closes stdin (the chain's cue to end) and waits for 'done'; kills the group in any case."""
        try:
            self.proc.stdin.close()
            return self.out.wait_for(r"^done reaped=([0-9]+)", 120, "process_chain's 'done' line")
        finally:
            harness.close_stdin_and_wait(self.proc, 30)
            try:
                os.killpg(self.proc.pid, 9)
            except ProcessLookupError:
                pass


class RssWatchdog:
    """Kills `pid` if its RSS passes `limit` while running; `peak` is the largest RSS seen."""

    def __init__(self, pid, limit):
        self.pid, self.limit, self.peak, self.killed = pid, limit, 0, False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.wait(0.05):
            try:
                rss = rss_bytes(self.pid)
            except (OSError, AssertionError):
                return
            self.peak = max(self.peak, rss)
            if rss > self.limit:
                self.killed = True
                os.kill(self.pid, 9)
                return

    def stop(self):
        self._stop.set()
        self._thread.join(5)


class DeepChainTest(harness.IntegrationTest):
    def scrape_checked(self, exporter):
        t0 = time.monotonic()
        r = harness.http(exporter.url("/metrics"), timeout=SCRAPE_TIMEOUT)
        self.scrape_seconds = time.monotonic() - t0
        self.assertEqual(r.status, 200, r.body[:500])
        return r.body, scrape_checks.check(r.body)

    def assert_ancestry_cut(self, s, chain):
        """Every chain member has at most 16 ancestor series; the deepest has exactly its 16 nearest."""
        per_pid = {}
        for labels, gen in s.family("proctree_process_ancestor"):
            per_pid.setdefault(labels["pid"], {})[int(gen)] = int(labels["ancestor_pid"])
        worst = max(len(a) for a in per_pid.values())
        self.assertLessEqual(worst, MAX_ANCESTOR_DEPTH)
        expected, p = {}, chain.deepest
        for gen in range(1, MAX_ANCESTOR_DEPTH + 1):
            p = ppid_of(p)
            expected[gen] = p
        self.assertEqual(per_pid[str(chain.deepest)], expected)
        cut = s.family("proctree_tree_ancestors_truncated_processes")
        self.assertEqual(len(cut), 1, cut)
        self.assertGreaterEqual(cut[0][1], self.depth - MAX_ANCESTOR_DEPTH)

    def assert_subtrees_cut(self, s, members):
        roots = {labels["pid"] for labels, _ in s.family("proctree_subtree_processes")}
        self.assertLessEqual(len(roots & members), MAX_ANCESTOR_DEPTH)
        cut = s.family("proctree_tree_subtrees_truncated_roots")
        self.assertEqual(len(cut), 1, cut)
        # Every member but the deepest has a child; at most 16 of them keep their subtree.
        self.assertGreaterEqual(cut[0][1], self.depth - 1 - MAX_ANCESTOR_DEPTH)

    def test_deep_chain_scrape_is_linear_and_memory_returns(self):
        sanitizer = build_sanitizer()
        self.depth = int(os.environ.get("CHAIN_DEPTH", "2000" if sanitizer else "10000"))
        exporter = self.start_exporter(harness.EVERY_PROCESS)  # every chain member has series: the worst case
        pid = exporter.proc.pid
        for _ in range(3):
            self.scrape_checked(exporter)
        baseline = rss_bytes(pid)

        t0 = time.monotonic()
        chain = Chain(self.depth)
        self.addCleanup(chain.stop)
        chain.wait_ready()
        started = time.monotonic() - t0
        members = {str(chain.deepest)}
        p = chain.deepest
        while p != chain.pid:
            p = ppid_of(p)
            members.add(str(p))
        members.discard(str(chain.pid))
        self.assertEqual(len(members), self.depth, "the chain's members, walked up from the deepest")

        watchdog = RssWatchdog(pid, RSS_WATCHDOG)
        try:
            body, s = self.scrape_checked(exporter)
        finally:
            watchdog.stop()
        self.assertFalse(watchdog.killed, f"exporter RSS passed {RSS_WATCHDOG >> 20} MB during the chain's scrape")
        processes = int(s.family("proctree_scrape_processes")[0][1])
        self.assertGreaterEqual(processes, self.depth)
        phases = {labels["phase"]: round(v, 1) for labels, v in s.family("proctree_scrape_duration_seconds")}
        print(f"chain of {self.depth} started in {started:.1f} s; scrape: {processes} processes, "
              f"{len(s.series)} series, {len(body)} bytes, {self.scrape_seconds:.1f} s {phases}, "
              f"exporter RSS baseline {baseline >> 20} MB, peak {watchdog.peak >> 20} MB")
        self.assertLess(len(s.series), SERIES_PER_PROCESS * processes)
        self.assertLess(len(body), BYTES_PER_PROCESS * processes)
        self.assert_ancestry_cut(s, chain)
        self.assert_subtrees_cut(s, members)
        rc, out = harness.promtool_check_metrics(body)
        self.assertEqual(rc, 0, out[:2000])

        done = chain.stop()
        self.assertEqual(int(done.group(1)), self.depth)
        harness.poll(lambda: not any(os.path.exists(f"/proc/{m}") for m in (chain.deepest, chain.pid)), 30,
                     "the chain to be gone")
        _, after = self.scrape_checked(exporter)
        self.assertLess(int(after.family("proctree_scrape_processes")[0][1]), self.depth)
        if sanitizer:
            print(f"RSS not checked: {sanitizer} sanitizer build (its allocator, not glibc's, holds the memory)")
            return
        bound = max(2 * baseline, baseline + (20 << 20))
        # The trim runs on the scrape thread just after the payload is handed over.
        try:
            rss = harness.poll(lambda: [r for r in [rss_bytes(pid)] if r < bound], 10, "the exporter's RSS")[0]
        except AssertionError:
            self.fail(f"exporter RSS {rss_bytes(pid) >> 20} MB after the chain, not below {bound >> 20} MB "
                      f"(baseline {baseline >> 20} MB, peak {watchdog.peak >> 20} MB)")
        print(f"exporter RSS after the chain: {rss >> 20} MB")


if __name__ == "__main__":
    harness.main()
