"""dashboards/*.json: well-formed Grafana dashboards whose every query is valid PromQL over metrics the
exporter has, and returns data from a real exporter scraped by a real Prometheus.

Two exporters run side by side as one job: one with the embedded default config, one with the
DaemonSet ConfigMap's config (deploy/kubernetes/daemonset/configmap.yaml), beside the workload helper
(a subtree root with children, IO and memory). Each panel query, with Grafana's variables replaced
the way Grafana's Prometheus datasource does it, goes through Prometheus' HTTP API: none may fail,
and each must return series except the ones listed in MAY_BE_EMPTY, with the reason.
"""

import json
import os
import re
import time
import unittest

import deploy_common as dc
import harness

JOB = "proctree"
# Also the scrape timeout: the exporter stops reading a quarter of it (at most 0.5 s) before, and on a
# loaded machine 1.5 s (of a 2 s timeout) cut too many scrapes short.
SCRAPE_INTERVAL = "3s"
# Grafana's $__rate_interval is max($__interval + scrape interval, 4 x scrape interval): 12 s for a 3 s
# scrape interval. More here, so that scrapes lost on a loaded machine still leave two samples.
BUILTINS = {"__rate_interval": "30s", "__interval": "3s", "__range": "1m", "__interval_ms": "3000",
            "__range_s": "60"}
# Series Prometheus makes for every target, beside what the exporter serves.
PROMETHEUS_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
                     "scrape_samples_post_metric_relabeling", "scrape_series_added"}
DEFAULT, NODE = "default config", "daemonset config"

# (dashboard uid, panel title) -> {config: why it may return nothing}. Every other panel must have data.
NOTHING_FAILED = "no system call failed: the exporter runs as root, or every process it met was readable"
MAY_BE_EMPTY = {
    ("proctree-overview", "Probe errors by syscall and errno"): {DEFAULT: NOTHING_FAILED, NODE: NOTHING_FAILED},
    ("proctree-overview", "Probe errors by source"): {DEFAULT: NOTHING_FAILED, NODE: NOTHING_FAILED},
    ("proctree-overview", "Parse errors"): {DEFAULT: "every /proc file parsed", NODE: "every /proc file parsed"},
    # Exit accounting (taskstats) needs CAP_NET_ADMIN in the initial namespaces, and a group member
    # that exits between scrapes while Prometheus watches.
    **{("proctree-groups", t): {c: "no process of a group exited while Prometheus watched, or no exit accounting here"
                                for c in (DEFAULT, NODE)}
       for t in ("Exits per group", "CPU from exited processes per group")},
    # The embedded default leaves the open fd totals out: they would read every process's fd directory.
    ("proctree-groups", "Open fds per group"): {DEFAULT: "proctree_group_open_fds is off in the embedded default"},
    # tree.roots in host-daemonset.yml selects container shims (containerd-shim, conmon); the test
    # machine runs no containers.
    **{("proctree-groups", t): {NODE: "no container shim runs here, so no subtree root"}
       for t in ("Subtree roots", "Processes per subtree", "CPU per subtree", "Resident memory per subtree",
                 "Threads and open fds per subtree", "Storage IO per subtree")},
}

_VAR = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")
_KEYWORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left",
             "group_right", "inf", "nan", "Inf", "NaN"}


def load_dashboards():
    out = {}
    for name in sorted(os.listdir(dc.DASHBOARDS_DIR)):
        if name.endswith(".json"):
            with open(os.path.join(dc.DASHBOARDS_DIR, name), encoding="utf-8") as f:
                out[name] = json.load(f)
    return out


def panels_of(dashboard):
    """Every panel, those inside collapsed rows included, without the rows themselves."""
    for p in dashboard["panels"]:
        if p["type"] == "row":
            yield from p.get("panels", [])
        else:
            yield p


def metric_names(expr):
    """Metric names a PromQL expression selects (strings, matchers, ranges and label lists removed)."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    s = re.sub(r"\{[^}]*\}", " ", s)
    s = re.sub(r"\[[^\]]*\]", " ", s)
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)
    s = re.sub(r"\$\{?\w+\}?", " 1 ", s)
    names = set()
    for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", s):
        if not m.group(2) and m.group(1) not in _KEYWORDS:
            names.add(m.group(1))
    return names


def label_values_query(query):
    m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\)\s*", query)
    if not m:
        raise AssertionError(f"not a label_values(metric, label) query: {query!r}")
    return m.group(1), m.group(2)


def regex_escape(value):
    """What Grafana's Prometheus datasource does to a multi-value variable's value (inside a PromQL string)."""
    return re.sub(r"([\\$^*+?.()|\[\]{}/])", r"\\\\\1", value)


class DashboardFilesTest(unittest.TestCase):
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.dashboards = load_dashboards()
        cls.catalog = dc.catalog_family_names()

    def test_the_two_dashboards(self):
        titles = sorted(d["title"] for d in self.dashboards.values())
        self.assertEqual(titles, ["proctree overview", "proctree process tree / groups"])
        uids = [d["uid"] for d in self.dashboards.values()]
        self.assertEqual(len(set(uids)), len(uids))

    def test_layout_and_datasources(self):
        for name, d in self.dashboards.items():
            with self.subTest(dashboard=name):
                self.assertEqual(d["schemaVersion"], 39)
                self.assertIsNone(d.get("id"))
                ids = [p["id"] for p in d["panels"]] + [q["id"] for p in d["panels"] for q in p.get("panels", [])]
                self.assertEqual(len(ids), len(set(ids)), "panel ids are unique")
                boxes = []
                for p in d["panels"]:
                    g = p["gridPos"]
                    self.assertTrue(g["w"] > 0 and g["h"] > 0 and g["x"] >= 0 and g["x"] + g["w"] <= 24, p["title"])
                    for other_title, o in boxes:
                        overlap = (g["x"] < o["x"] + o["w"] and o["x"] < g["x"] + g["w"]
                                   and g["y"] < o["y"] + o["h"] and o["y"] < g["y"] + g["h"])
                        self.assertFalse(overlap, f"{p['title']!r} overlaps {other_title!r}")
                    boxes.append((p["title"], g))
                for p in panels_of(d):
                    self.assertEqual(p["datasource"], {"type": "prometheus", "uid": "${datasource}"}, p["title"])
                    self.assertTrue(p["targets"], p["title"])
                    refs = [t["refId"] for t in p["targets"]]
                    self.assertEqual(len(refs), len(set(refs)), p["title"])
                    for t in p["targets"]:
                        self.assertEqual(t["datasource"], p["datasource"], p["title"])
                        self.assertTrue(t["expr"].strip(), p["title"])

    def test_variables_are_defined(self):
        for name, d in self.dashboards.items():
            variables = {v["name"]: v for v in d["templating"]["list"]}
            with self.subTest(dashboard=name):
                self.assertLessEqual({"datasource", "job", "instance"}, set(variables))
                self.assertEqual(variables["datasource"]["type"], "datasource")
                self.assertEqual(variables["datasource"]["query"], "prometheus")
                texts = [v["definition"] for v in variables.values() if v["type"] == "query"]
                for p in d["panels"]:
                    texts.append(p["title"])
                    for t in p.get("targets", []):
                        texts += [t["expr"], t.get("legendFormat", "")]
                for v in variables.values():
                    if v["type"] == "query":
                        self.assertEqual(v["definition"], v["query"]["query"])
                        self.assertEqual(v["datasource"], {"type": "prometheus", "uid": "${datasource}"})
                        label_values_query(v["definition"])
                for text in texts:
                    for m in _VAR.finditer(text):
                        var = next(g for g in m.groups() if g)
                        self.assertTrue(var in variables or var in BUILTINS, f"undefined ${var} in {text!r}")
        groups = {v["name"] for v in self.dashboards["proctree-groups.json"]["templating"]["list"]}
        self.assertLessEqual({"group", "root", "topn"}, groups)

    def test_only_metrics_the_exporter_has(self):
        allowed = self.catalog | PROMETHEUS_SERIES
        for name, d in self.dashboards.items():
            queries = [t["expr"] for p in panels_of(d) for t in p["targets"]]
            queries += [label_values_query(v["definition"])[0] for v in d["templating"]["list"] if v["type"] == "query"]
            for q in queries:
                with self.subTest(dashboard=name, query=q):
                    names = metric_names(q)
                    self.assertTrue(names, "selects no metric")
                    self.assertLessEqual(names, allowed)

    def test_metric_name_extraction(self):
        self.assertEqual(metric_names('topk($topn, sum by (pid, comm) (rate(proctree_process_cpu_seconds_total'
                                      '{job=~"$job",x="a b"}[$__rate_interval]))) * on (pid) group_left (user) '
                                      'proctree_process_info'),
                         {"proctree_process_cpu_seconds_total", "proctree_process_info"})
        self.assertEqual(metric_names('sum(up{instance=~"$instance"}) > bool 0.5'), {"up"})


class DashboardQueriesTest(harness.IntegrationTest):

    @classmethod
    def setUpClass(cls):
        cls.dashboards = load_dashboards()
        cls.tmp = cls.make_class_tmpdir()
        node_config = os.path.join(cls.tmp, "daemonset-config.yml")
        [cm] = [o for o in dc.load_yaml_documents(os.path.join(dc.K8S_DIR, "daemonset", "configmap.yaml"))]
        with open(node_config, "w") as f:
            f.write(cm["data"]["config.yml"])
        cls.workload = harness.Workload(cls.tmp, ["--write-mib", "1", "--children", "2"])
        cls.addClassCleanup(cls.workload.stop)
        cls.exporters = {DEFAULT: cls.start_class_exporter(), NODE: cls.start_class_exporter(f"--config.file={node_config}")}
        targets = ", ".join(f"'{e.address}'" for e in cls.exporters.values())
        cls.prom = harness.Prometheus(cls.tmp, scrape_interval=SCRAPE_INTERVAL, scrape_config=(
            f"  - job_name: {JOB}\n    static_configs:\n      - targets: [{targets}]\n"))
        cls.addClassCleanup(cls.prom.stop)
        cls.wait_for_scrapes()

    @classmethod
    def query_at(cls, expr, at):
        data = cls.prom.api("query", query=expr, time=at)
        return [(r["metric"], float(r["value"][1])) for r in data["result"]]

    @classmethod
    def wait_for_scrapes(cls):
        """Finds a moment `cls.at`, just past, that every query is evaluated at: each target up then, its
        last rate window holding three answered scrapes none of which the scrape deadline cut short, and
        the workload's subtree in. On a loaded machine a scrape can fail or be cut (Prometheus then
        marks the missing series stale); a moment in the past with none of that keeps every query
        answering what the dashboards would show on a healthy system."""
        window = BUILTINS["__rate_interval"]
        state = {}

        def ready():
            at = time.time() - 0.5
            for config, e in cls.exporters.items():
                sel = f'job="{JOB}",instance="{e.address}"'
                checks = {
                    "up": (f"up{{{sel}}}", lambda v: v == 1),
                    "answered scrapes": (f"count_over_time(proctree_scrape_processes{{{sel}}}[{window}])",
                                         lambda v: v >= 3),
                    "cut scrapes": (f"increase(proctree_scrape_deadline_exceeded_total{{{sel}}}[{window}])",
                                    lambda v: v == 0),
                    "groups": (f"count(proctree_group_processes{{{sel}}})", lambda v: v > 0),
                }
                for what, (expr, good) in checks.items():
                    result = cls.query_at(expr, at)
                    state[(config, what)] = result
                    if len(result) != 1 or not good(result[0][1]):
                        return False
            root = cls.query_at(f'proctree_subtree_processes{{instance="{cls.exporters[DEFAULT].address}",'
                                f'pid="{cls.workload.pid}"}}', at)
            state["workload subtree"] = root
            if root:
                cls.at = at
            return bool(root)

        try:
            # Seconds on an idle machine; the deadline is for one where a fork storm runs beside it.
            harness.poll(ready, 180, "three whole scrapes of both exporters and the workload's subtree",
                         interval=0.5)
        except AssertionError as e:
            raise AssertionError(f"{e}\nstate: {state}\nPrometheus log:\n{cls.prom.log()}") from None

    def label_values(self, query, substitutions):
        metric, label = label_values_query(query)
        return set(self.prom.api(f"label/{label}/values", **{"match[]": self.substitute(metric, substitutions),
                                                              "start": self.at - 300, "end": self.at}))

    @staticmethod
    def substitute(text, substitutions):
        def one(m):
            var = next(g for g in m.groups() if g)
            if var not in substitutions:
                raise AssertionError(f"no value for ${var} in {text!r}")
            return substitutions[var]
        return _VAR.sub(one, text)

    def variable_values(self, dashboard, config, root):
        """Grafana's variables for one instance: each query variable's own query must offer the value used."""
        instance = self.exporters[config].address
        variables = {v["name"]: v for v in dashboard["templating"]["list"]}
        subs = dict(BUILTINS)
        subs["job"] = JOB
        self.assertIn(JOB, self.label_values(variables["job"]["definition"], subs))
        self.assertLessEqual({e.address for e in self.exporters.values()},
                             self.label_values(variables["instance"]["definition"], subs))
        subs["instance"] = f"({regex_escape(instance)})"
        if "group" in variables:
            groups = self.label_values(variables["group"]["definition"], subs)
            # One group, as a user picks one: a busy one that has every kind of series (a group of
            # kernel threads has no swap, and one of unreadable processes no io).
            busiest = self.query_at(
                f'topk(1, sum by (group) (proctree_group_processes{{instance="{instance}"}})'
                f' and on (group) proctree_group_io_bytes_total{{instance="{instance}"}}'
                f' and on (group) proctree_group_memory_bytes{{instance="{instance}",memtype="swap"}})', self.at)
            self.assertEqual(len(busiest), 1, "no group with processes, io and swap")
            group = busiest[0][0]["group"]
            self.assertIn(group, groups)
            subs["group"] = f"({regex_escape(group)})"
        if "root" in variables:
            roots = self.label_values(variables["root"]["definition"], subs)
            if root:
                self.assertIn(root, roots)
                subs["root"] = f"({regex_escape(root)})"
            else:
                subs["root"] = variables["root"]["allValue"]
        if "topn" in variables:
            subs["topn"] = variables["topn"]["current"]["value"]
        return subs

    def run_target(self, target, subs):
        expr = self.substitute(target["expr"], subs)
        if target.get("instant"):
            data = self.prom.api("query", query=expr, time=self.at)
        else:
            data = self.prom.api("query_range", query=expr, start=self.at - 60, end=self.at,
                                 step=BUILTINS["__interval"])
        return expr, data["result"]

    def check_dashboard(self, file, config, root):
        dashboard = self.dashboards[file]
        subs = self.variable_values(dashboard, config, root)
        empty = []
        for p in panels_of(dashboard):
            results = []
            for t in p["targets"]:
                with self.subTest(dashboard=file, config=config, panel=p["title"], ref=t["refId"]):
                    try:
                        expr, result = self.run_target(t, subs)
                    except AssertionError as e:
                        self.fail(f"query failed: {e}")
                    results.append((expr, result))
            if not any(r for _, r in results) and config not in MAY_BE_EMPTY.get((dashboard["uid"], p["title"]), {}):
                empty.append((p["title"], [e for e, _ in results]))
        self.assertEqual(empty, [], f"panels without data under the {config}")

    def test_overview_default_config(self):
        self.check_dashboard("proctree-overview.json", DEFAULT, None)

    def test_overview_daemonset_config(self):
        self.check_dashboard("proctree-overview.json", NODE, None)

    def test_groups_default_config(self):
        # The workload helper has children, so it is a subtree root under the default config.
        self.check_dashboard("proctree-groups.json", DEFAULT, "workload")

    def test_groups_daemonset_config(self):
        self.check_dashboard("proctree-groups.json", NODE, None)

    def test_all_instances(self):
        # Grafana's "All" for instance, group and root (their allValue): both exporters at once.
        for file in self.dashboards:
            dashboard = self.dashboards[file]
            subs = self.variable_values(dashboard, DEFAULT, None)
            for v in dashboard["templating"]["list"]:
                if v.get("includeAll"):
                    subs[v["name"]] = v["allValue"]
            for p in panels_of(dashboard):
                for t in p["targets"]:
                    with self.subTest(dashboard=file, panel=p["title"], ref=t["refId"]):
                        self.run_target(t, subs)


if __name__ == "__main__":
    harness.main()
