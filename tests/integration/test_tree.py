"""The process tree on real processes: edges, depth, ancestors, subtree totals,
counters that never drop when members exit or move out, and the README's PromQL
through a real Prometheus.

The trees are real processes. A keeper process (KEEPER below, written to a
temporary directory and run by python3) makes itself a child subreaper, then on
command forks a tree from a spec such as "A:-:0.3 B:A:0.3 C:B:0.3 D:A:0.3"
(name:parent:cpu seconds): each node forks its children, burns its CPU seconds
in a busy loop, prints "ready NAME PID PPID" and then obeys line commands on
its own pipe, which the keeper routes ("send NAME exit" / "send NAME reap
CHILD" / "send NAME burn S"). The keeper is outside every tree it builds (the
roots are its children), and as subreaper it adopts an orphan: C2 below moves
to the keeper, out of A2's subtree. On stdin EOF the keeper kills its whole
process group and reaps everything; the test falls back to SIGKILL on the group.
"""

import os
import signal
import subprocess
import sys
import time

import harness
from harness import one, select

JOB = "proctree"
BURN = 0.3      # CPU seconds each node burns at start
MIN_CPU = 0.2   # what the exporter must see of it
SLACK = 0.05    # seconds: tick rounding and what an idle process spends

KEEPER = r'''
import ctypes, os, signal, sys, time

libc = ctypes.CDLL(None, use_errno=True)
PR_SET_NAME, PR_SET_CHILD_SUBREAPER = 15, 36


def say(line):
    os.write(1, (line + "\n").encode())


def burn(seconds):
    end = time.process_time() + seconds
    x = 0
    while time.process_time() < end:
        for _ in range(2000):
            x += 1


def subtree(name, spec):
    out, todo = [], [name]
    while todo:
        n = todo.pop()
        out.append(n)
        todo.extend(c for c, (p, _) in spec.items() if p == n)
    return out


def node(name, spec, rfds):
    """Runs in the forked process; never returns. rfds: read ends of name's subtree."""
    try:
        libc.prctl(PR_SET_NAME, ctypes.c_char_p(("tree-" + name).encode()[:15]), 0, 0, 0)
        children = {}
        for c in [n for n, (p, _) in spec.items() if p == name]:
            pid = os.fork()
            if pid == 0:
                mine = subtree(c, spec)
                for n, fd in rfds.items():
                    if n not in mine:
                        os.close(fd)
                node(c, spec, {n: rfds[n] for n in mine})
            children[c] = pid
        for n, fd in rfds.items():
            if n != name:
                os.close(fd)
        burn(spec[name][1])
        say(f"ready {name} {os.getpid()} {os.getppid()}")
        with os.fdopen(rfds[name], "rb") as commands:
            for line in commands:
                words = line.decode().split()
                if not words:
                    continue
                if words[0] == "exit":          # exits without reaping its children
                    os._exit(0)
                elif words[0] == "reap":
                    _, status = os.waitpid(children[words[1]], 0)
                    say(f"reaped {name} {words[1]} {status}")
                elif words[0] == "burn":
                    burn(float(words[1]))
                    say(f"burned {name} {words[1]}")
                else:
                    say(f"error {name} unknown command {line!r}")
    except BaseException as e:
        say(f"error {name} {type(e).__name__}: {e}")
        os._exit(70)
    os._exit(0)


def main():
    subreaper = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    say(f"keeper {os.getpid()} {int(subreaper)}")
    writers = {}
    for line in sys.stdin.buffer:
        words = line.decode().split()
        try:
            if words and words[0] == "tree":
                spec = {}
                for item in words[1:]:
                    name, parent, seconds = item.split(":")
                    spec[name] = (parent, float(seconds))
                roots = [n for n, (p, _) in spec.items() if p == "-"]
                pipes = {n: os.pipe() for n in spec}
                for root in roots:
                    pid = os.fork()
                    if pid == 0:
                        for fd in writers.values():
                            os.close(fd)
                        mine = subtree(root, spec)
                        for n, (r, w) in pipes.items():
                            os.close(w)
                            if n not in mine:
                                os.close(r)
                        node(root, spec, {n: pipes[n][0] for n in mine})
                for n, (r, w) in pipes.items():
                    os.close(r)
                    writers[n] = w
            elif words and words[0] == "send":
                os.write(writers[words[1]], (" ".join(words[2:]) + "\n").encode())
            elif words:
                say(f"error keeper unknown command {line!r}")
        except Exception as e:
            say(f"error keeper {type(e).__name__}: {e}")
    # stdin closed: stop every node (they are in our process group) and reap all.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.killpg(0, signal.SIGTERM)
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    say("bye")


main()
'''


class Keeper:
    """The keeper process and the trees it builds (see the module docstring)."""

    def __init__(self, directory, timeout=15):
        script = os.path.join(directory, "tree_keeper.py")
        with open(script, "w") as f:
            f.write(KEEPER)
        self.proc = subprocess.Popen([sys.executable, "-I", script], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, start_new_session=True)
        self.out = harness.LineCollector(self.proc.stdout)
        try:
            m = self.wait_line(r"^keeper ([0-9]+) ([01])$", timeout, "the keeper's first line")
        except BaseException:
            self.stop()
            raise
        self.pid = int(m.group(1))
        self.subreaper = m.group(2) == "1"

    def wait_line(self, pattern, timeout, what):
        m = self.out.wait_for(f"(?:{pattern})|^(error .*)$", timeout, what)
        if m.group(m.re.groups):
            raise AssertionError(f"keeper reported {m.group(m.re.groups)!r} while waiting for {what}; "
                                 f"output:\n{self.out.text()}")
        return m

    def command(self, line):
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def tree(self, spec, timeout=30):
        """spec: [(name, parent name or '-', cpu seconds)]. Returns {name: pid} once every node is ready."""
        self.command("tree " + " ".join(f"{n}:{p}:{s}" for n, p, s in spec))
        pids = {}
        for name, parent, _ in spec:
            m = self.wait_line(rf"^ready {name} ([0-9]+) ([0-9]+)$", timeout, f"node {name} ready")
            pids[name] = int(m.group(1))
            expected_ppid = self.pid if parent == "-" else pids[parent]
            if int(m.group(2)) != expected_ppid:
                raise AssertionError(f"node {name}: ppid {m.group(2)}, expected {expected_ppid}")
        return pids

    def send(self, name, *words):
        self.command(" ".join(("send", name) + words))

    def stop(self, timeout=10):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            # Not reaped yet, so the group id cannot have been reused.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        harness.stop_process(self.proc, signal.SIGKILL)
        self.out.join()


def proc_state(pid):
    """The state letter of /proc/<pid>/stat, or None when the pid is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("utf-8", "replace")
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat[stat.rindex(")") + 2:].split()[0]


def proc_ppid(pid):
    with open(f"/proc/{pid}/stat", "rb") as f:
        stat = f.read().decode("utf-8", "replace")
    return int(stat[stat.rindex(")") + 2:].split()[1])


def proc_ancestors(pid):
    """[ppid, its ppid, ...] from /proc, nearest first."""
    out = []
    p = proc_ppid(pid)
    while p > 0:
        out.append(p)
        p = proc_ppid(p)
    return out


def by_mode(samples, name, pid):
    found = {s.labels["mode"]: s.value for s in select(samples, name, pid=str(pid))}
    if set(found) != {"user", "system"}:
        raise AssertionError(f"{name}{{pid={pid}}}: expected modes user and system, found {found}")
    return found


def pids_of(result, label="pid"):
    return sorted(int(labels[label]) for labels, _ in result)


class TreeTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        cls.exporter = cls.start_class_exporter(harness.EVERY_PROCESS)

    def setUp(self):
        self.keeper = Keeper(self.make_tmpdir())
        self.addCleanup(self.keeper.stop)

    def payload(self):
        _, samples = self.scrape(self.exporter)
        return samples

    # Every subtree counter family and its label values: none may drop while its root lives.
    SUBTREE_COUNTERS = [
        ("proctree_subtree_cpu_seconds_total", "mode", ("user", "system")),
        ("proctree_subtree_page_faults_total", "kind", ("minor", "major")),
        ("proctree_subtree_context_switches_total", "kind", ("voluntary", "involuntary")),
        ("proctree_subtree_io_bytes_total", "direction", ("read", "write")),
        ("proctree_subtree_io_chars_total", "direction", ("read", "write")),
        ("proctree_subtree_io_syscalls_total", "direction", ("read", "write")),
    ]

    def assert_never_drops(self, history, pids):
        """history: [(step, samples)]; each pid's subtree counters never decrease."""
        for pid in pids:
            for family, label, values in self.SUBTREE_COUNTERS:
                for v in values:
                    seq = [(step, one(s, family, pid=str(pid), **{label: v}).value) for step, s in history]
                    for (step0, v0), (step1, v1) in zip(seq, seq[1:]):
                        self.assertGreaterEqual(
                            v1, v0, f"{family}{{pid={pid},{label}={v}}} dropped "
                                    f"from {v0} ({step0}) to {v1} ({step1}); all: {seq}")

    def wait_scrapes(self, prom, series, after, at_least, what):
        """Waits until Prometheus holds at least `at_least` samples of the one series `series`
        from scrapes that started after time `after`; returns them as [(timestamp, value)].

        Queries are then evaluated at the last sample's timestamp, so they all see that one
        successful scrape: a scrape that times out on a loaded machine marks every series
        stale at "now", which would empty an instant query at "now".
        """
        def enough():
            r = prom.api("query", query=f"{series}[5m]")["result"]
            if len(r) != 1:
                return False
            values = [(float(t), float(v)) for t, v in r[0]["values"] if float(t) > after]
            return len(values) >= at_least and values
        try:
            return harness.poll(enough, 30, what, interval=0.2)
        except AssertionError as e:
            targets = [{k: t.get(k) for k in ("health", "lastError", "lastScrapeDuration")}
                       for t in prom.api("targets")["activeTargets"]]
            raise AssertionError(f"{e}; Prometheus targets: {targets}") from None

    @staticmethod
    def query_at(prom, expr, t):
        """Instant query evaluated at time t; the result vector as [(labels, value)]."""
        data = prom.api("query", query=expr, time=repr(t))
        if data["resultType"] != "vector":
            raise AssertionError(f"query {expr!r}: expected a vector, got {data['resultType']}")
        return [(r["metric"], float(r["value"][1])) for r in data["result"]]

    def test_tree_and_promql(self):
        tmp = self.make_tmpdir()
        prom = self.start_prometheus(tmp, {JOB: self.exporter.address})
        p = self.keeper.tree([("A", "-", BURN), ("B", "A", BURN), ("C", "B", BURN), ("D", "A", BURN)])
        tree_ready = time.time()
        A, B, C, D = p["A"], p["B"], p["C"], p["D"]
        node_names = {A: "A", B: "B", C: "C", D: "D"}

        # 1. The payload.
        s = self.payload()
        for child, parent in ((B, A), (C, B), (D, A)):
            info = one(s, "proctree_process_info", pid=str(child))
            self.assertEqual(info.labels["ppid"], str(parent), info)
            self.assertEqual(info.labels["comm"], "tree-" + node_names[child], info)
        self.assertEqual(one(s, "proctree_process_info", pid=str(A)).labels["ppid"], str(self.keeper.pid))
        depth_a = one(s, "proctree_process_depth", pid=str(A)).value
        self.assertEqual(one(s, "proctree_process_depth", pid=str(B)).value, depth_a + 1)
        self.assertEqual(one(s, "proctree_process_depth", pid=str(D)).value, depth_a + 1)
        self.assertEqual(one(s, "proctree_process_depth", pid=str(C)).value, depth_a + 2)
        anc_c = {a.labels["ancestor_pid"]: a.value for a in select(s, "proctree_process_ancestor", pid=str(C))}
        self.assertEqual(anc_c.get(str(B)), 1, anc_c)
        self.assertEqual(anc_c.get(str(A)), 2, anc_c)
        self.assertEqual(len(anc_c), depth_a + 2, anc_c)
        self.assertEqual(one(s, "proctree_subtree_processes", pid=str(A)).value, 4)
        self.assertEqual(one(s, "proctree_subtree_processes", pid=str(B)).value, 2)
        self.assertEqual(select(s, "proctree_subtree_processes", pid=str(D)), [], "D has no children")
        own = {pid: by_mode(s, "proctree_process_cpu_seconds_total", pid) for pid in (A, B, C, D)}
        for pid, cpu in own.items():
            self.assertGreaterEqual(sum(cpu.values()), MIN_CPU, f"node {node_names[pid]} cpu {cpu}")
        own_sum = sum(sum(cpu.values()) for cpu in own.values())
        sub_a = by_mode(s, "proctree_subtree_cpu_seconds_total", A)
        # Nothing has exited yet: the subtree is exactly its members' own time (no carry, no cutime).
        self.assertGreaterEqual(sum(sub_a.values()), own_sum - SLACK, (sub_a, own))
        self.assertLessEqual(sum(sub_a.values()), own_sum + SLACK, (sub_a, own))

        # 4. The README's PromQL, once Prometheus has scraped the whole tree twice.
        t = self.wait_scrapes(prom, f'proctree_process_depth{{pid="{C}"}}', tree_ready, 2,
                              "two scrapes of the whole tree")[-1][0]

        def query(expr):  # at the current t
            return self.query_at(prom, expr, t)

        parents_expr = f'label_replace(proctree_process_ancestor{{pid="{C}"}}, "pid", "$1", "ancestor_pid", "(.+)")'
        expected_parents = {B: 1, A: 2}
        for g, anc in enumerate(proc_ancestors(A), 3):
            expected_parents[anc] = g
        parents = query(parents_expr)
        self.assertEqual({int(l["pid"]): v for l, v in parents}, expected_parents, parents)
        info = query(f"proctree_process_info\n  and on(pid)\n{parents_expr}")
        self.assertEqual(pids_of(info), sorted(expected_parents), info)
        ppid_of = {int(l["pid"]): l["ppid"] for l, _ in info}
        self.assertEqual(ppid_of[B], str(A))
        self.assertEqual(ppid_of[A], str(self.keeper.pid))
        children = query(f'proctree_process_info and on(pid) proctree_process_ancestor{{ancestor_pid="{A}"}}')
        self.assertEqual(pids_of(children), sorted([B, C, D]), children)
        direct = query(f'proctree_process_ancestor{{ancestor_pid="{A}"}} == 1')
        self.assertEqual(pids_of(direct), sorted([B, D]), direct)
        self.assertEqual(pids_of(query(f'proctree_process_info{{ppid="{A}"}}')), sorted([B, D]))
        rss_expr = 'proctree_process_memory_bytes{memtype="rss"}'
        rss = query(f'sum({rss_expr} and on(pid) proctree_process_ancestor{{ancestor_pid="{A}"}})')
        each = query(f'{rss_expr[:-1]},pid=~"{B}|{C}|{D}"}}')
        self.assertEqual(len(rss), 1, rss)
        self.assertEqual(len(each), 3, each)
        self.assertEqual(rss[0][1], sum(v for _, v in each))

        # 2. C exits (a zombie for one scrape) and B reaps it.
        before = self.payload()
        self.assertTrue(select(before, "proctree_process_info", pid=str(C)), "C alive before its exit")
        history = [("C alive", before)]
        c_cpu = sum(by_mode(before, "proctree_process_cpu_seconds_total", C).values())
        b_children = sum(by_mode(before, "proctree_process_children_cpu_seconds_total", B).values())
        self.keeper.send("C", "exit")
        harness.poll(lambda: proc_state(C) == "Z", 10, f"C ({C}) to become a zombie")
        history.append(("C zombie", self.payload()))
        self.keeper.send("B", "reap", "C")
        self.keeper.wait_line(r"^reaped B C 0$", 10, "B to reap C")

        def c_gone():
            s = self.payload()
            history.append(("C reaped", s))
            return not select(s, "proctree_process_info", pid=str(C)) and s
        after = harness.poll(c_gone, 10, "C to leave the payload")
        c_left = time.time()
        history.append(("C reaped, again", self.payload()))
        self.assert_never_drops(history, [A, B])
        for pid in (A, B):
            b4 = by_mode(before, "proctree_subtree_cpu_seconds_total", pid)
            now = by_mode(after, "proctree_subtree_cpu_seconds_total", pid)
            for mode in ("user", "system"):
                self.assertGreaterEqual(now[mode], b4[mode], f"subtree {node_names[pid]} {mode}: {b4} -> {now}")
            # Idle members: C's time moved into B's cutime, it is not counted twice.
            self.assertLessEqual(sum(now.values()), sum(b4.values()) + SLACK,
                                 f"subtree {node_names[pid]} grew while idle: {b4} -> {now}")
        b_children_now = sum(by_mode(after, "proctree_process_children_cpu_seconds_total", B).values())
        self.assertGreaterEqual(b_children_now - b_children, c_cpu - 0.02,
                                f"B's children cpu {b_children} -> {b_children_now}, C had {c_cpu}")
        self.assertEqual(one(after, "proctree_subtree_processes", pid=str(A)).value, 3)
        # B keeps its subtree series while it lives, though its last child is gone.
        self.assertEqual(one(after, "proctree_subtree_processes", pid=str(B)).value, 1)

        # 4, after C's exit: Prometheus' view of A's subtree CPU never resets.
        t = self.wait_scrapes(prom, f'proctree_subtree_cpu_seconds_total{{pid="{A}",mode="user"}}', c_left, 2,
                              "two scrapes after C left")[-1][0]
        self.assertEqual(query(f'proctree_process_depth{{pid="{C}"}}'), [])
        children = query(f'proctree_process_info and on(pid) proctree_process_ancestor{{ancestor_pid="{A}"}}')
        self.assertEqual(pids_of(children), sorted([B, D]), children)
        for pid in (A, B):
            resets = query(f'resets(proctree_subtree_cpu_seconds_total{{pid="{pid}"}}[5m])')
            raw = prom.api("query", query=f'proctree_subtree_cpu_seconds_total{{pid="{pid}"}}[5m]',
                           time=repr(t))["result"]
            self.assertEqual(len(resets), 2, resets)
            self.assertEqual([v for _, v in resets], [0, 0],
                             f"subtree {node_names[pid]} reset in Prometheus: "
                             + repr([(r["metric"]["mode"], [v for _, v in r["values"]]) for r in raw]))

    def test_orphan_leaves_subtree_without_a_drop(self):
        p = self.keeper.tree([("A2", "-", BURN), ("B2", "A2", BURN), ("C2", "B2", BURN)])
        A2, B2, C2 = p["A2"], p["B2"], p["C2"]
        history = []

        def step(name):
            s = self.payload()
            history.append((name, s))
            return s

        first = step("tree alive")
        self.assertEqual(one(first, "proctree_subtree_processes", pid=str(A2)).value, 3)
        self.assertEqual(one(first, "proctree_process_info", pid=str(C2)).labels["ppid"], str(B2))
        before = step("tree alive, again")

        # B2 exits without reaping C2: C2 is re-parented at once (to the keeper,
        # the nearest subreaper, or else init), out of A2's subtree.
        self.keeper.send("B2", "exit")
        harness.poll(lambda: proc_state(B2) == "Z", 10, f"B2 ({B2}) to become a zombie")
        new_ppid = proc_ppid(C2)
        self.assertNotEqual(new_ppid, B2)
        self.assertNotEqual(new_ppid, A2, "A2 is no subreaper")
        if self.keeper.subreaper:
            self.assertEqual(new_ppid, self.keeper.pid)
        zombie = step("B2 zombie, C2 re-parented")
        self.assertEqual(one(zombie, "proctree_process_info", pid=str(C2)).labels["ppid"], str(new_ppid))
        self.keeper.send("A2", "reap", "B2")
        self.keeper.wait_line(r"^reaped A2 B2 0$", 10, "A2 to reap B2")
        harness.poll(lambda: not select(step("B2 reaped"), "proctree_process_info", pid=str(B2)), 10,
                     "B2 to leave the payload")
        after = step("B2 reaped, again")

        self.assert_never_drops(history, [A2])
        info = one(after, "proctree_process_info", pid=str(C2))
        self.assertEqual(info.labels["ppid"], str(new_ppid), info)
        anc = {a.labels["ancestor_pid"] for a in select(after, "proctree_process_ancestor", pid=str(C2))}
        self.assertNotIn(str(A2), anc)
        self.assertNotIn(str(B2), anc)
        self.assertEqual(one(after, "proctree_subtree_processes", pid=str(A2)).value, 1)
        b4 = by_mode(before, "proctree_subtree_cpu_seconds_total", A2)
        now = by_mode(after, "proctree_subtree_cpu_seconds_total", A2)
        # B2's time is in A2's cutime now, C2's is carried: nothing lost, nothing counted twice.
        self.assertLessEqual(sum(now.values()), sum(b4.values()) + SLACK, f"A2 grew while idle: {b4} -> {now}")
        self.assertGreaterEqual(sum(by_mode(after, "proctree_process_children_cpu_seconds_total", A2).values()),
                                MIN_CPU, "B2's time moved into A2's cutime")


if __name__ == "__main__":
    harness.main()
