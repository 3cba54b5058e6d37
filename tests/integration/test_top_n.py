"""top_n: per-process series for the busiest processes among thousands of idle ones.

2,000 sleeping processes (tests/helpers/process_chain --fanout, in their own process group) and
a CPU burner (`sh -c 'while :; do :; done'`, small resident size, no IO):
- under the embedded default, the burner has per-process series within two
  scrapes; the idle ones are counted in their groups and in
  proctree_scrape_truncated_processes{reason="top_n"}; the payload passes promtool;
- with hold_seconds: 4 (more where a scrape is slow) the burner keeps its series after it goes idle
  (SIGSTOP) and loses them once the hold has passed; a process a selector
  names has them all along;
- --config.check's series estimate is close to a real scrape's count.
"""

import math
import os
import re
import signal
import subprocess
import time

import harness
from harness import one, select

IDLE = 2000
HOLD = 4.0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def has_series(samples, pid):
    return bool(select(samples, "proctree_process_info", pid=str(pid)))


class TopNTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        cls.tmp = cls.make_class_tmpdir()
        # clone(CLONE_VM) children without exec: 2,000 `sleep`s took 46 s to start on a loaded 2-core machine.
        # The last one started is the one a selector names below.
        cls.sleepers, cls.named = harness.start_idle_processes(IDLE, cls.addClassCleanup, 60)
        cls.pid_file = os.path.join(cls.tmp, "named.pid")
        with open(cls.pid_file, "w") as f:
            f.write(f"{cls.named}\n")

    def start_burner(self):
        burner = subprocess.Popen(["sh", "-c", "while :; do :; done"], stdin=subprocess.DEVNULL)
        self.addCleanup(harness.stop_process, burner, signal.SIGKILL)
        return burner.pid

    def config(self, text):
        path = os.path.join(self.make_tmpdir(), "config.yml")
        with open(path, "w") as f:
            f.write(text)
        return f"--config.file={path}"

    def test_burner_gets_series_within_two_scrapes_under_the_default(self):
        e = self.start_exporter()
        burner = self.start_burner()
        r1, first = self.scrape(e)
        # A second scrape once the burner has burnt measurably since the first.
        spent = cpu_seconds(burner)
        harness.poll(lambda: cpu_seconds(burner) >= spent + 0.3, 30, "the burner to burn 0.3 s of CPU")
        r2, second = self.scrape(e)
        self.assertTrue(has_series(first, burner) or has_series(second, burner),
                        "the CPU burner has no per-process series after two scrapes")
        for samples in (first, second):
            read = one(samples, "proctree_scrape_processes").value
            self.assertGreaterEqual(read, IDLE)
            with_series = {s.labels["pid"] for s in select(samples, "proctree_process_info")}
            # The default ranks 10 by CPU, 10 by memory, 10 by IO; two scrapes' rankings may both be held.
            self.assertLessEqual(len(with_series), 60, sorted(with_series))
            left_out = one(samples, "proctree_scrape_truncated_processes", reason="top_n").value
            self.assertAlmostEqual(left_out, read - len(with_series), delta=2)  # a process may vanish mid-scan
            self.assertEqual(one(samples, "proctree_scrape_truncated_processes", reason="max_processes").value, 0)
            # The idle ones still count in their subtree's total.
            self.assertEqual(one(samples, "proctree_subtree_processes", pid=str(self.sleepers.pid)).value, IDLE + 1)
        rc, out = harness.promtool_check_metrics(r2.body)
        self.assertEqual(rc, 0, f"promtool check metrics failed:\n{out}")

    def test_hold_after_idle_then_released_and_named_always(self):
        # The CPU ranking alone: which processes the memory and IO rankings hold
        # depends on the host, and a hold is the same for each.
        def config(hold):
            return self.config(f"processes:\n  - match: {{pid_file: {self.pid_file}}}\n    group: named\n"
                               f"top_n: {{by_cpu: 10, by_memory: 0, by_io: 0, hold_seconds: {hold}}}\n")
        # Long enough for several scrapes in its first half: 4 s, more where a scrape is slow (a loaded machine).
        t = time.monotonic()
        subprocess.run([harness.exporter_binary(), "--once", config(HOLD)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120, check=True)
        hold = max(HOLD, math.ceil(8 * (time.monotonic() - t)))
        e = self.start_exporter(config(hold))
        burner = self.start_burner()

        def scrape():
            _, samples = self.scrape(e)
            self.assertTrue(has_series(samples, self.named), "the process a selector names lost its series")
            return samples

        harness.poll(lambda: has_series(scrape(), burner), 30, "the burner's per-process series")
        scrape()
        os.kill(burner, signal.SIGSTOP)
        stopped = time.monotonic()
        # Its CPU rate is 0 from the second scrape after the stop: without the
        # hold it would lose its series there.
        present = 0
        while time.monotonic() - stopped < hold / 2:
            samples = scrape()
            elapsed = time.monotonic() - stopped
            if elapsed < hold / 2:
                self.assertTrue(has_series(samples, burner),
                                f"the burner lost its series {elapsed:.1f} s after it went idle (hold {hold} s)")
                present += 1
        self.assertGreaterEqual(present, 2, "too few scrapes in the first half of the hold to tell")
        harness.poll(lambda: not has_series(scrape(), burner), hold + 15, "the burner to lose its series")
        released = time.monotonic() - stopped
        self.assertGreaterEqual(released, hold / 2)
        samples = scrape()
        self.assertGreaterEqual(one(samples, "proctree_scrape_truncated_processes", reason="top_n").value, IDLE - 1)
        os.kill(burner, signal.SIGCONT)

    def test_config_check_estimate_is_close_to_a_scrape(self):
        for config in (None, harness.EVERY_PROCESS_CONFIG):
            with self.subTest(config=config):
                args = [f"--config.file={config}"] if config else []
                r = subprocess.run([harness.exporter_binary(), "--config.check", *args], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, timeout=60, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("configuration is valid", r.stdout)
                m = re.search(r"^  total +([0-9]+)", r.stdout, re.M)
                self.assertTrue(m, r.stdout)
                estimate = int(m.group(1))
                once = subprocess.run([harness.exporter_binary(), "--once", *args], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, timeout=60, text=True)
                self.assertEqual(once.returncode, 0, once.stderr)
                lines = [l for l in once.stdout.splitlines() if l and not l.startswith("#")]
                real = len(lines)
                # Two scrapes of a live host a moment apart: processes come and go.
                self.assertLess(abs(estimate - real), 0.1 * real + 50, f"{r.stdout}\nreal scrape: {real} series")
                per = int(re.search(r"^  per-process +([0-9]+)", r.stdout, re.M).group(1))
                real_per = sum(1 for l in lines if l.startswith("proctree_process_"))
                self.assertLess(abs(per - real_per), 0.1 * real_per + 50, f"{r.stdout}\nreal: {real_per} per-process")


if __name__ == "__main__":
    harness.main()
