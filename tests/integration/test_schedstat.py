"""Run-queue delay (proctree_process_sched_wait_seconds_total, from /proc/<pid>/schedstat) on
real processes: two busy loops pinned to the same CPU compete for it, so each waits on its run
queue about half the time and its counter rises; an idle (sleeping) process never waits on a run
queue, so its counter stays where it was. The test's own process is a subtree root (it has
children), so its subtree total rises with them.
"""

import os
import subprocess
import sys
import time

import harness
from harness import select

BUSY = "import os, sys; os.sched_setaffinity(0, {int(sys.argv[1])})\nwhile True: pass\n"
# Says when it is past the interpreter's start-up (which does wait on a busy machine's run queue).
IDLE = "import time; print('sleeping', flush=True); time.sleep(600)\n"
RISE = 0.3    # seconds of run-queue wait each busy loop must show (it gets ~0.5 s per second)
IDLE_SLACK = 0.01  # an idle process may be woken once (e.g. by a signal); it never competes


class SchedWaitTest(harness.IntegrationTest):

    def spawn(self, code, *args):
        p = subprocess.Popen([sys.executable, "-c", code, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        self.addCleanup(harness.stop_process, p, 9)
        return p

    def waits(self, exporter, pids):
        """{pid: sched wait seconds} of `pids` and the test's own subtree total from one scrape."""
        _, samples = self.scrape(exporter)
        got = {int(s.labels["pid"]): s.value for s in select(samples, "proctree_process_sched_wait_seconds_total")
               if int(s.labels["pid"]) in pids}
        mine = [s.value for s in select(samples, "proctree_subtree_sched_wait_seconds_total")
                if int(s.labels["pid"]) == os.getpid()]
        return got, (mine[0] if mine else None)

    def test_competing_processes_wait_an_idle_one_does_not(self):
        cpu = min(os.sched_getaffinity(0))
        busy = [self.spawn(BUSY, str(cpu)).pid for _ in range(2)]
        idle_proc = self.spawn(IDLE)
        harness.read_lines_until(idle_proc.stdout, r"^sleeping$", 30, "the idle process asleep")
        idle = idle_proc.pid
        pids = set(busy) | {idle}
        # Only the two families the test reads: a shared CI host may run thousands of processes.
        config = os.path.join(self.make_tmpdir(), "config.yml")
        with open(config, "w") as f:
            f.write("metrics:\n  allow: [proctree_process_sched_wait_seconds_total, "
                    "proctree_subtree_sched_wait_seconds_total]\n")
        e = self.start_exporter(f"--config.file={config}")

        first, subtree_first = harness.poll(lambda: (lambda w: w if len(w[0]) == 3 else None)(self.waits(e, pids)),
                                            10, "sched wait series of the three processes")
        self.assertIsNotNone(subtree_first, "the test's process is a subtree root")

        def risen():
            now, subtree = self.waits(e, pids)
            return (now, subtree) if all(now[p] - first[p] >= RISE for p in busy) else None
        now, subtree_now = harness.poll(risen, 12, f"both busy loops' run-queue wait to rise by {RISE} s",
                                        interval=0.5)
        self.assertLessEqual(now[idle] - first[idle], IDLE_SLACK, (first, now))
        self.assertGreaterEqual(subtree_now - subtree_first, 2 * RISE, (subtree_first, subtree_now))


if __name__ == "__main__":
    harness.main()
