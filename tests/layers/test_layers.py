#!/usr/bin/env python3
"""A wrong #include fails the layer's check, and so the build.

    test_layers.py --cmake cmake --build-dir build

Each case copies a real source of a layer to a temporary directory, plants
one include across the layering, and runs the same check the build runs
before compiling that layer (cmake/check_layer_includes.cmake, with the
layer's own parameters from <build>/layers/<layer>.cmake). The unmodified
copy must pass, the planted one fail, naming the header.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
ARGS = None

# (layer, a real source of it, the include planted, why it must be refused)
BAD = [
    ("proctree_tree", "probes/tree/monotonic_sum.cc", '#include "exporter/http/http_server.h"',
     "tree logic includes the HTTP edge"),
    ("proctree_tree", "probes/tree/tree_aggregation.cc", "#include <yaml-cpp/yaml.h>", "tree logic includes YAML"),
    ("proctree_model", "probes/probe.cc", "#include <civetweb.h>", "the model includes CivetWeb"),
    ("proctree_model", "probes/process_sample.cc", "#include <prometheus/check_names.h>",
     "the model includes Prometheus"),
    ("proctree_model", "probes/probe.cc", "#include <openssl/ssl.h>", "the model includes TLS"),
    ("proctree_model", "probes/probe.cc", '#include "probes/os/linux/proc_files.h"',
     "the model reaches into the OS module"),
    ("proctree_model", "probes/process_sample.cc", "#include <dirent.h>", "the model lists directories"),
    ("proctree_config", "config/process_selection.cc", '#include "probes/os/linux/proc_files.h"',
     "config reads /proc"),
    ("proctree_metrics", "exporter/metrics/text_writer.cc", '#include "exporter/scrape/scraper.h"',
     "serialization includes the scrape above it"),
    ("proctree_http", "exporter/http/http_server.cc", '#include "exporter/metrics/query_filter.h"',
     "the HTTP edge knows the metric catalog"),
    ("proctree_http", "exporter/http/gzip.cc", '#include "probes/probe.h"', "the HTTP edge knows processes"),
    ("proctree_util", "probes/util/log.cc", '#include "probes/probe.h"', "util depends on a layer"),
]


def run_check(layer, source):
    layer_file = os.path.join(ARGS.build_dir, "layers", layer + ".cmake")
    return subprocess.run([ARGS.cmake, "-DLAYER_FILE=" + layer_file, "-DSOURCES=" + source, "-P",
                           os.path.join(ROOT, "cmake", "check_layer_includes.cmake")],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)


class LayerIncludes(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="layers-")
        self.addCleanup(shutil.rmtree, self.tmp)

    def copy(self, rel, planted=None):
        with open(os.path.join(ROOT, rel)) as f:
            text = f.read()
        if planted:
            text = planted + "\n" + text
        path = os.path.join(self.tmp, os.path.basename(rel))
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_the_build_ran_every_layer_check(self):
        layers = sorted(f[:-len(".cmake")] for f in os.listdir(os.path.join(ARGS.build_dir, "layers"))
                        if f.endswith(".cmake"))
        self.assertIn("proctree_tree", layers)
        for layer in layers:
            self.assertTrue(os.path.exists(os.path.join(ARGS.build_dir, "layers", layer + ".ok")),
                            layer + ": its include check has not passed in this build")

    def test_real_sources_pass(self):
        for layer, rel, _, _ in BAD:
            with self.subTest(layer=layer, source=rel):
                r = run_check(layer, self.copy(rel))
                self.assertEqual(r.returncode, 0, r.stdout.decode())

    def test_planted_includes_fail(self):
        for layer, rel, planted, why in BAD:
            with self.subTest(why=why):
                r = run_check(layer, self.copy(rel, planted))
                out = r.stdout.decode()
                self.assertNotEqual(r.returncode, 0, why + ": the check let it through\n" + out)
                header = planted.split(None, 1)[1].strip('"<>')
                self.assertIn(header, out)
                self.assertIn("layer " + layer, out)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--cmake", required=True)
    p.add_argument("--build-dir", required=True)
    ARGS, rest = p.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest)
