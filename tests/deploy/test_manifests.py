"""deploy/ and dashboards/provisioning: every file parses and passes a real validator, the pieces fit
together, and the configs the ConfigMaps and the compose file carry load in the real binary.

Validators: kubernetes-models (Kubernetes 1.27 OpenAPI schemas, ajv) and
@kubernetes-models/prometheus-operator (prometheus-operator v0.65 CRDs) with TypeScript's excess
property check for unknown fields (tests/deploy/validate_k8s.js, versions pinned in
package-lock.json); Debian's docker-compose 1.29 (`config -q`, the Compose schema) for compose.yaml;
`promtool check config` for prometheus.yml.
"""

import copy
import os
import shutil
import subprocess
import tempfile
import unittest
import urllib.parse

import yaml

import deploy_common as dc
import harness


def node_prefix():
    prefix = os.environ.get("PROCTREE_DEPLOY_NODE")
    if not prefix or not os.path.isdir(os.path.join(prefix, "node_modules")):
        raise AssertionError("PROCTREE_DEPLOY_NODE/node_modules missing: run through ctest (fixture deploy.npm_setup)")
    return prefix


def run_k8s_validator(files, workdir):
    r = subprocess.run(["node", os.path.join(os.path.dirname(os.path.abspath(__file__)), "validate_k8s.js"),
                        node_prefix(), workdir, *files],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    return r.returncode, r.stdout.decode("utf-8", "replace")


class DeployTest(unittest.TestCase):
    maxDiff = 4000

    def tmpdir(self):
        d = tempfile.mkdtemp(prefix="deploy-", dir=harness.tmp_root())
        self.addCleanup(shutil.rmtree, d, True)
        return d


class YamlFilesTest(DeployTest):

    def test_every_yaml_file_parses(self):
        files = dc.yaml_files(dc.DEPLOY_DIR, dc.DASHBOARDS_DIR)
        self.assertGreaterEqual(len(files), 12, files)
        for path in files:
            with self.subTest(path=os.path.relpath(path, dc.SOURCE_DIR)):
                docs = dc.load_yaml_documents(path)
                self.assertTrue(docs, "no document")
                for d in docs:
                    self.assertIsInstance(d, dict)

    def test_strict_loader_rejects_a_repeated_key(self):
        with self.assertRaisesRegex(yaml.constructor.ConstructorError, "duplicate key 'name'"):
            dc.load_yaml_documents("metadata:\n  name: a\n  name: b\n", is_text=True)


class KubernetesSchemaTest(DeployTest):
    """One validator run (TypeScript takes seconds to start) over the manifests and, in a file of its
    own, broken copies of them: the mistakes the API server would reject or silently drop."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="deploy-", dir=harness.tmp_root())
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        cls.files = dc.kubernetes_files()
        cls.broken = os.path.join(cls.tmp, "broken.yaml")
        with open(cls.broken, "w") as f:
            yaml.safe_dump_all(cls.broken_manifests(), f)
        cls.rc, cls.out = run_k8s_validator(cls.files + [cls.broken], os.path.join(cls.tmp, "work"))
        cls.problems = [line for line in cls.out.splitlines() if not line.startswith("checked ")]

    @staticmethod
    def broken_manifests():
        daemonset = next(o for _, o in dc.objects_in(os.path.join(dc.K8S_DIR, "daemonset")) if o["kind"] == "DaemonSet")
        monitor = next(o for _, o in dc.objects_in(os.path.join(dc.K8S_DIR, "daemonset")) if o["kind"] == "PodMonitor")
        service = next(o for _, o in dc.objects_in(os.path.join(dc.K8S_DIR, "sidecar")) if o["kind"] == "Service")
        misspelt = copy.deepcopy(daemonset)
        sc = dc.container(misspelt["spec"]["template"]["spec"], dc.EXPORTER_CONTAINER)["securityContext"]
        sc["readOnlyRootFileSystem"] = sc.pop("readOnlyRootFilesystem")
        no_selector = copy.deepcopy(monitor)
        del no_selector["spec"]["selector"]
        bad_port = copy.deepcopy(service)
        bad_port["spec"]["ports"][0]["port"] = "eighty"
        bad_cap = copy.deepcopy(daemonset)
        dc.container(bad_cap["spec"]["template"]["spec"], dc.EXPORTER_CONTAINER)["securityContext"][
            "capabilities"] = {"drop": "ALL"}
        return [misspelt, no_selector, bad_port, bad_cap]

    def test_manifests_pass_the_schemas(self):
        ours = [p for p in self.problems if not p.startswith(self.broken)]
        self.assertEqual(ours, [], self.out)
        expected = sum(len(dc.load_yaml_documents(p)) for p in self.files) + 4
        self.assertIn(f"checked {expected} documents in {len(self.files) + 1} files", self.out)
        kinds = sorted(o["kind"] for d in dc.deployment_dirs() for _, o in dc.objects_in(d))
        self.assertEqual(kinds, sorted(["ConfigMap", "ConfigMap", "DaemonSet", "Deployment", "PodMonitor",
                                        "PodMonitor", "Service", "Service", "ServiceAccount"]))

    def test_validator_rejects_broken_manifests(self):
        self.assertEqual(self.rc, 1, self.out)
        for document, expected in ((1, "'\"readOnlyRootFileSystem\"' does not exist in type"),
                                   (2, "must have required property selector"),
                                   (3, "port must be integer"),
                                   (4, "capabilities/drop must be array")):
            with self.subTest(expected=expected):
                self.assertTrue(any(p.startswith(f"{self.broken}: document {document} ") and expected in p
                                    for p in self.problems), self.out)


class KubernetesWiringTest(DeployTest):
    """What no schema knows: selectors, ports, mounts and flags that must agree across objects."""

    def each_deployment(self):
        for directory in dc.deployment_dirs():
            objs = [o for _, o in dc.objects_in(directory)]
            workloads = [o for o in objs if dc.pod_template(o)]
            self.assertEqual(len(workloads), 1, directory)
            yield os.path.basename(directory), objs, workloads[0]

    def test_both_deployments_exist(self):
        self.assertEqual([name for name, _, _ in self.each_deployment()], ["daemonset", "sidecar"])

    def test_selectors_and_ports_agree(self):
        for name, objs, workload in self.each_deployment():
            template = workload["spec"]["template"]
            labels = template["metadata"]["labels"]
            exporter = dc.container(template["spec"], dc.EXPORTER_CONTAINER)
            ports = {p["name"]: p["containerPort"] for c in template["spec"]["containers"] for p in c.get("ports", [])}
            with self.subTest(deployment=name, what="workload selector"):
                self.assertLessEqual(workload["spec"]["selector"]["matchLabels"].items(), labels.items())
            with self.subTest(deployment=name, what="exporter port"):
                self.assertEqual({p["name"]: p["containerPort"] for p in exporter["ports"]}, {"metrics": dc.METRICS_PORT})
            for svc in (o for o in objs if o["kind"] == "Service"):
                with self.subTest(deployment=name, what="Service"):
                    self.assertLessEqual(svc["spec"]["selector"].items(), labels.items())
                    for p in svc["spec"]["ports"]:
                        self.assertIn(p["targetPort"], ports)
                        self.assertEqual(p["port"], ports[p["targetPort"]])
            monitors = [o for o in objs if o["kind"] == "PodMonitor"]
            self.assertEqual(len(monitors), 1, name)
            with self.subTest(deployment=name, what="PodMonitor"):
                spec = monitors[0]["spec"]
                self.assertLessEqual(spec["selector"]["matchLabels"].items(), labels.items())
                self.assertEqual([(e["port"], e["path"]) for e in spec["podMetricsEndpoints"]], [("metrics", "/metrics")])
            with self.subTest(deployment=name, what="prometheus.io annotations"):
                a = template["metadata"]["annotations"]
                self.assertEqual((a["prometheus.io/scrape"], a["prometheus.io/port"], a["prometheus.io/path"]),
                                 ("true", str(dc.METRICS_PORT), "/metrics"))
            with self.subTest(deployment=name, what="probes"):
                for probe in ("readinessProbe", "livenessProbe"):
                    self.assertEqual(exporter[probe]["httpGet"], {"path": "/-/healthy", "port": "metrics"})

    def test_exporter_flags_and_config_mount(self):
        known = dc.exporter_flag_names()
        self.assertIn("config.file", known)
        for name, objs, workload in self.each_deployment():
            spec = workload["spec"]["template"]["spec"]
            exporter = dc.container(spec, dc.EXPORTER_CONTAINER)
            args = exporter["args"]
            with self.subTest(deployment=name, what="image"):
                self.assertEqual((exporter["image"], exporter["imagePullPolicy"]), ("proctree_exporter:latest", "IfNotPresent"))
            with self.subTest(deployment=name, what="flags the binary knows"):
                for a in args:
                    self.assertTrue(a.startswith("--"), a)
                    self.assertIn(a[2:].split("=", 1)[0], known, a)
                self.assertTrue(dc.flag_value(args, "web.listen-address").endswith(f":{dc.METRICS_PORT}"))
            with self.subTest(deployment=name, what="config file mounted from the ConfigMap"):
                config_file = dc.flag_value(args, "config.file")
                mount = next(m for m in exporter["volumeMounts"] if config_file.startswith(m["mountPath"].rstrip("/") + "/"))
                self.assertTrue(mount.get("readOnly"), mount)
                self.assertNotIn("subPath", mount, "a subPath mount never sees the ConfigMap's updates")
                volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
                cm = next(o for o in objs if o["kind"] == "ConfigMap" and o["metadata"]["name"] == volume["configMap"]["name"])
                self.assertIn(os.path.relpath(config_file, mount["mountPath"]), cm["data"])

    def test_exporter_privileges(self):
        for name, objs, workload in self.each_deployment():
            spec = workload["spec"]["template"]["spec"]
            exporter = dc.container(spec, dc.EXPORTER_CONTAINER)
            sc = {**spec.get("securityContext", {}), **exporter["securityContext"]}
            with self.subTest(deployment=name):
                self.assertIs(sc["readOnlyRootFilesystem"], True)
                self.assertIs(sc["allowPrivilegeEscalation"], False)
                self.assertEqual(sc["capabilities"]["drop"], ["ALL"])
                added = set(sc["capabilities"].get("add", []))
                self.assertLessEqual(added, {"SYS_PTRACE", "DAC_READ_SEARCH", "NET_ADMIN"})
                if "NET_ADMIN" in added:
                    # taskstats exit records: only in the initial pid namespace.
                    self.assertIs(spec.get("hostPID"), True)
                if added:
                    # Kubernetes sets no ambient capabilities: only uid 0 holds what `add` lists.
                    self.assertEqual((sc.get("runAsUser"), sc.get("runAsNonRoot")), (0, False))
                else:
                    self.assertIs(sc["runAsNonRoot"], True)
                self.assertFalse(exporter["securityContext"].get("privileged", False))
                self.assertFalse(spec.get("hostNetwork", False))
            if name == "sidecar":
                with self.subTest(deployment=name, what="one pid namespace, the app's user"):
                    self.assertIs(spec["shareProcessNamespace"], True)
                    for c in spec["containers"]:
                        self.assertNotIn("runAsUser", c.get("securityContext", {}), c["name"])
                    self.assertIsInstance(spec["securityContext"]["runAsUser"], int)
            if name == "daemonset":
                with self.subTest(deployment=name, what="the node's processes"):
                    procfs = dc.flag_value(exporter["args"], "procfs")
                    if procfs:
                        mount = next(m for m in exporter["volumeMounts"] if m["mountPath"] == procfs)
                        volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
                        self.assertEqual((volume["hostPath"]["path"], mount.get("readOnly")), ("/proc", True))
                    else:
                        self.assertIs(spec["hostPID"], True)
                with self.subTest(deployment=name, what="every node, own account, bounded resources"):
                    self.assertIn({"operator": "Exists"}, spec["tolerations"])
                    self.assertIn(spec["serviceAccountName"],
                                  [o["metadata"]["name"] for o in objs if o["kind"] == "ServiceAccount"])
                    for kind in ("requests", "limits"):
                        self.assertEqual(set(exporter["resources"][kind]), {"cpu", "memory"})


class ConfigCheckTest(DeployTest):

    def configmap_configs(self):
        found = []
        for path in dc.kubernetes_files():
            for obj in dc.load_yaml_documents(path):
                if obj["kind"] == "ConfigMap":
                    found.append((f"{os.path.relpath(path, dc.SOURCE_DIR)}:{obj['metadata']['name']}", obj["data"]["config.yml"]))
        self.assertEqual(len(found), 2, found)
        return found

    def test_configmap_configs_pass_config_check(self):
        d = self.tmpdir()
        for i, (name, text) in enumerate(self.configmap_configs()):
            with self.subTest(configmap=name):
                path = os.path.join(d, f"config-{i}.yml")
                with open(path, "w") as f:
                    f.write(text)
                rc, out = dc.config_check(path)
                self.assertEqual(rc, 0, out)
                # The check is live: the same config with an unknown key is rejected, naming it.
                with open(path, "a") as f:
                    f.write("colour: red\n")
                rc, out = dc.config_check(path)
                self.assertEqual(rc, 1, out)
                self.assertRegex(out, r'unknown key \\*"colour')


class ComposeTest(DeployTest):

    def compose(self, *args, compose_file=None):
        binary = shutil.which("docker-compose")
        if not binary:
            raise AssertionError("docker-compose not found (Debian package docker-compose; see scripts/install-deps.sh)")
        return subprocess.run([binary, "-f", compose_file or os.path.join(dc.COMPOSE_DIR, "compose.yaml"),
                               "--project-directory", dc.COMPOSE_DIR, *args],
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60,
                              env={k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "COMPOSE_"))})

    @classmethod
    def setUpClass(cls):
        cls.resolved = None

    def resolved_config(self):
        if ComposeTest.resolved is None:
            r = self.compose("config")
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            ComposeTest.resolved = yaml.safe_load(r.stdout)
        return ComposeTest.resolved

    def test_compose_file_passes_the_schema(self):
        # `config` validates as `config -q` does, then prints the resolved file.
        self.assertIn("services", self.resolved_config())
        # ... and the schema check is live.
        d = self.tmpdir()
        broken = os.path.join(d, "compose.yaml")
        with open(os.path.join(dc.COMPOSE_DIR, "compose.yaml")) as f:
            text = f.read()
        with open(broken, "w") as f:
            f.write(text.replace("    pid: host\n", "    pid: host\n    pids: host\n"))
        r = self.compose("config", "-q", compose_file=broken)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Unsupported config option for services.proctree-exporter: 'pids'", r.stderr.decode())

    def test_bind_mounts_exist_and_configs_load(self):
        services = self.resolved_config()["services"]
        self.assertEqual(set(services), {"proctree-exporter", "prometheus", "grafana"})
        mounts = {}
        for name, svc in services.items():
            for v in svc.get("volumes", []):
                source, target = v.split(":")[:2]
                if source.startswith("/"):
                    with self.subTest(service=name, mount=v):
                        self.assertTrue(os.path.exists(source), source)
                        self.assertTrue(os.path.realpath(source).startswith(os.path.realpath(dc.SOURCE_DIR) + os.sep))
                    mounts[(name, target)] = source
        exporter = services["proctree-exporter"]
        config = mounts[("proctree-exporter", dc.flag_value(exporter["command"], "config.file"))]
        rc, out = dc.config_check(config)
        self.assertEqual(rc, 0, out)
        r = subprocess.run([harness.tool("promtool"), "check", "config",
                            mounts[("prometheus", dc.flag_value(services["prometheus"]["command"], "config.file"))]],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout.decode())

    def test_exporter_service(self):
        exporter = self.resolved_config()["services"]["proctree-exporter"]
        known = dc.exporter_flag_names()
        for a in exporter["command"]:
            self.assertIn(a[2:].split("=", 1)[0], known, a)
        self.assertTrue(os.path.isfile(os.path.join(exporter["build"]["context"], exporter["build"]["dockerfile"])),
                        "the compose file builds from the repository's Dockerfile")
        self.assertEqual(exporter["image"], "proctree_exporter:latest")
        procfs = dc.flag_value(exporter["command"], "procfs")
        if procfs:
            self.assertTrue(any(v.startswith(f"/proc:{procfs}:ro") for v in exporter["volumes"]), exporter["volumes"])
        else:
            self.assertEqual(exporter["pid"], "host")
        self.assertEqual(exporter["cap_drop"], ["ALL"])
        self.assertLessEqual(set(exporter.get("cap_add", [])), {"SYS_PTRACE", "DAC_READ_SEARCH", "NET_ADMIN"})
        if "NET_ADMIN" in exporter.get("cap_add", []):
            # taskstats exit records: only in the host's pid namespace.
            self.assertEqual(exporter.get("pid"), "host")
        if exporter.get("cap_add"):
            self.assertEqual(str(exporter["user"]).split(":")[0], "0")
        self.assertIs(exporter["read_only"], True)
        self.assertIn("no-new-privileges:true", exporter["security_opt"])

    def test_prometheus_scrapes_the_exporter_and_grafana_finds_both(self):
        services = self.resolved_config()["services"]
        exporter = services["proctree-exporter"]
        port = dc.flag_value(exporter["command"], "web.listen-address").rsplit(":", 1)[1]
        with open(os.path.join(dc.COMPOSE_DIR, "prometheus.yml")) as f:
            prom = yaml.safe_load(f)
        targets = [t for job in prom["scrape_configs"] for sc in job.get("static_configs", []) for t in sc["targets"]]
        self.assertIn(f"proctree-exporter:{port}", targets)

        grafana_mounts = dict(reversed(v.split(":")[:2]) for v in services["grafana"]["volumes"])
        provisioning = os.path.join(dc.DASHBOARDS_DIR, "provisioning")
        for kind in ("datasources", "dashboards"):
            self.assertEqual(os.path.realpath(grafana_mounts[f"/etc/grafana/provisioning/{kind}"]),
                             os.path.realpath(os.path.join(provisioning, kind)))
        [(_, datasources)] = [(p, d) for p in dc.yaml_files(os.path.join(provisioning, "datasources"))
                              for d in dc.load_yaml_documents(p)]
        self.assertEqual(datasources["apiVersion"], 1)
        [ds] = datasources["datasources"]
        self.assertEqual((ds["type"], ds["access"]), ("prometheus", "proxy"))
        url = urllib.parse.urlsplit(ds["url"])
        self.assertEqual(url.hostname, "prometheus")
        self.assertIn(f"127.0.0.1:{url.port}:{url.port}", [p.split("/")[0] for p in services["prometheus"]["ports"]])
        self.assertEqual(ds["jsonData"]["timeInterval"], prom["global"]["scrape_interval"])

        [(_, providers)] = [(p, d) for p in dc.yaml_files(os.path.join(provisioning, "dashboards"))
                            for d in dc.load_yaml_documents(p)]
        self.assertEqual(providers["apiVersion"], 1)
        [provider] = providers["providers"]
        self.assertEqual(provider["type"], "file")
        self.assertEqual(os.path.realpath(grafana_mounts[provider["options"]["path"]]), os.path.realpath(dc.DASHBOARDS_DIR))


if __name__ == "__main__":
    harness.main()
