"""What the tests/deploy scripts share: paths, strict YAML, the manifests' pods.

Environment (set by tests/deploy/CMakeLists.txt):
  PROCTREE_SOURCE_DIR  the repository
  PROCTREE_EXPORTER    the proctree_exporter binary
  PROCTREE_DEPLOY_NODE the directory holding node_modules (tests/deploy/npm_setup.sh)
"""

import os
import re
import subprocess

import yaml

import harness

SOURCE_DIR = os.environ.get("PROCTREE_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DEPLOY_DIR = os.path.join(SOURCE_DIR, "deploy")
K8S_DIR = os.path.join(DEPLOY_DIR, "kubernetes")
COMPOSE_DIR = os.path.join(DEPLOY_DIR, "compose")
DASHBOARDS_DIR = os.path.join(SOURCE_DIR, "dashboards")
EXPORTER_CONTAINER = "proctree-exporter"
METRICS_PORT = 9818


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a repeated mapping key is an error (PyYAML keeps the last)."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
        except TypeError:  # an unhashable key: the base constructor reports it
            break
        if duplicate:
            raise yaml.constructor.ConstructorError("while constructing a mapping", node.start_mark,
                                                    f"found duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml_documents(path_or_text, is_text=False):
    """Every non-empty document of a YAML file (or text), parsed strictly."""
    if is_text:
        text = path_or_text
    else:
        with open(path_or_text, encoding="utf-8") as f:
            text = f.read()
    return [d for d in yaml.load_all(text, Loader=_StrictLoader) if d is not None]


def yaml_files(*roots):
    out = []
    for root in roots:
        for d, _, names in os.walk(root):
            out += [os.path.join(d, n) for n in names if n.endswith((".yaml", ".yml"))]
    return sorted(out)


def kubernetes_files():
    return yaml_files(K8S_DIR)


def deployment_dirs():
    """Each directory under deploy/kubernetes that is one deployment (its files and prometheus-operator/)."""
    return sorted(os.path.join(K8S_DIR, d) for d in os.listdir(K8S_DIR)
                  if os.path.isdir(os.path.join(K8S_DIR, d)))


def objects_in(directory):
    """(path, object) for every Kubernetes object in a deployment directory, subdirectories included."""
    return [(p, o) for p in yaml_files(directory) for o in load_yaml_documents(p)]


def pod_template(obj):
    """The pod template of a workload object, or None."""
    if obj.get("kind") in ("Deployment", "DaemonSet", "StatefulSet"):
        return obj["spec"]["template"]
    return None


def container(pod_spec, name):
    for c in pod_spec.get("containers", []):
        if c["name"] == name:
            return c
    raise AssertionError(f"no container {name!r} in {[c['name'] for c in pod_spec.get('containers', [])]}")


def flag_value(args, name):
    """The value of --name=VALUE or --name VALUE in an argument list, or None."""
    for i, a in enumerate(args):
        if a.startswith(f"--{name}="):
            return a.split("=", 1)[1]
        if a == f"--{name}" and i + 1 < len(args):
            return args[i + 1]
    return None


def exporter_flag_names():
    """Every flag `proctree_exporter --help` names."""
    r = subprocess.run([harness.exporter_binary(), "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=30)
    return set(re.findall(r"--([a-z][a-z0-9.\-]*)", r.stdout.decode("utf-8", "replace")))


def config_check(path):
    """Runs `proctree_exporter --config.check --config.file=path`; returns (exit code, output)."""
    r = subprocess.run([harness.exporter_binary(), "--config.check", f"--config.file={path}"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    return r.returncode, r.stdout.decode("utf-8", "replace")


def catalog_family_names():
    """Every family name in exporter/metrics/metric_catalog.cc."""
    with open(os.path.join(SOURCE_DIR, "exporter", "metrics", "metric_catalog.cc"), encoding="utf-8") as f:
        text = f.read()
    names = set(re.findall(r'\{Fam::k\w+,\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"', text))
    if len(names) < 40:
        raise AssertionError(f"found only {len(names)} families in metric_catalog.cc; has its layout changed?")
    return names
