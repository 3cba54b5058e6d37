#!/usr/bin/env python3
"""Unit tests for the fleet benchmark's own logic: series counting, medians, ratios, the plot's data and
the generated section of docs/benchmarks.md. No servers, no children; well under a second."""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_report  # noqa: E402
import bench_servers  # noqa: E402
import fleet_bench  # noqa: E402
from bench_procs import CLK_TCK, ForkedChildren  # noqa: E402


def tool(cpu_ms, rss_mb=10.0, rounds=None, scrapes=6):
    return {"cpu_ms": cpu_ms, "rounds": rounds or [cpu_ms] * 3, "scrapes": scrapes, "resolution_ms": 5.0,
            "rss_mb": rss_mb, "series": 100, "bytes": 1000}


def results():
    return [
        {"count": 500, "pids": 500, "tools": {"default": tool(25.0), "floor": tool(20.0, None)}},
        {"count": 2000, "pids": 2000, "tools": {"default": tool(100.0), "floor": tool(80.0, None)}},
        {"count": 10000, "pids": 10000, "tools": {"default": tool(600.0), "floor": tool(400.0, None)}},
    ]


class Figures(unittest.TestCase):
    def test_series_are_sample_lines_only(self):
        body = b"# HELP a x\n# TYPE a gauge\na 1\na{b=\"#\"} 2\n\nc 3\n"
        self.assertEqual(fleet_bench.count_series(body), 3)

    def test_summary_is_the_median_of_the_rounds_with_the_worst_resolution(self):
        blocks = [{"cpu_ms": c, "scrapes": n, "ticks": int(c * n * CLK_TCK / 1000), "bytes": 7, "series": 3}
                  for c, n in ((100.0, 4), (300.0, 2), (120.0, 5))]
        s = fleet_bench.summarize(blocks, 2048)
        self.assertEqual(s["cpu_ms"], 120.0)
        self.assertEqual(s["scrapes"], 11)
        self.assertAlmostEqual(s["resolution_ms"], 1000.0 / CLK_TCK / 2)
        self.assertEqual(s["rss_mb"], 2.0)
        self.assertEqual((s["series"], s["bytes"]), (3, 7))

    def test_floor_blocks_have_no_tick_resolution(self):
        s = fleet_bench.summarize([{"cpu_ms": 5.0, "scrapes": 3, "ticks": None}], None)
        self.assertIsNone(s["resolution_ms"])
        self.assertIsNone(s["rss_mb"])

    def test_cpu_per_process_is_relative_to_2000(self):
        rel, ref = bench_report.per_process_relative(results(), "default")
        self.assertEqual(ref, 2000)
        self.assertAlmostEqual(rel[2000], 1.0)
        self.assertAlmostEqual(rel[500], 1.0)
        self.assertAlmostEqual(rel[10000], 1.2)

    def test_ratio_table_gives_exporter_over_floor(self):
        table = bench_report.ratio_table(results())
        self.assertIn("| 10,000 | 1.50x | - |", table)
        self.assertIn("| 2,000 | 1.25x |", table)

    def test_floor_output_is_parsed(self):
        f = bench_servers.parse_floor("floor: files=stat wall_ms_per_pass=90.5 cpu_ms_per_pass=81.25 procs_per_pass=2047 bytes_per_pass=9\n")
        self.assertEqual((f["cpu_ms"], f["procs"], f["wall_ms"]), (81.25, 2047, 90.5))
        with self.assertRaises(RuntimeError):
            bench_servers.parse_floor("nothing")


class Spawner(unittest.TestCase):
    @unittest.skipUnless(shutil.which(os.environ.get("CC", "cc")), "no C compiler")
    def test_forked_children_exist_until_stopped(self):
        with tempfile.TemporaryDirectory() as d:
            kids = ForkedChildren(d)
            try:
                self.assertEqual(kids.top_up(0), 0)
                self.assertEqual(kids.spawners, [])
                kids.start(18)
                spawner = kids.spawners[0].pid
                with open(f"/proc/{spawner}/task/{spawner}/children") as f:
                    self.assertEqual(len(f.read().split()), 18)
            finally:
                kids.stop()
            self.assertFalse(os.path.exists(f"/proc/{spawner}"))


class Documents(unittest.TestCase):
    def test_plot_data_has_a_block_per_tool_and_no_rss_line_for_the_floor(self):
        script = bench_report.plot_script(results(), "/tmp/x.png")
        self.assertIn("$d0 << EOD\n500 25.000 10.00\n2000 100.000 10.00\n10000 600.000 10.00\nEOD", script)
        self.assertIn("$d1 << EOD\n500 20.000 NaN\n", script)
        rss_plot = script.split("peak RSS")[1]
        self.assertNotIn("$d1", rss_plot)
        self.assertIn("$d0 using 1:3", rss_plot)
        self.assertIn("set logscale xy", script)

    @unittest.skipUnless(shutil.which("gnuplot"), "gnuplot not installed")
    def test_gnuplot_renders_a_png(self):
        with tempfile.TemporaryDirectory() as d:
            png = os.path.join(d, "p.png")
            self.assertIsNone(bench_report.render_plot(results(), png))
            with open(png, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    def test_generated_section_is_replaced_and_the_rest_kept(self):
        doc = "# Bench\nhand text\n\n## Later\nmore\n"
        once = bench_report.replace_section(doc, "## Results\nA\n")
        self.assertTrue(once.startswith(doc.rstrip()))
        self.assertIn(bench_report.BEGIN + "\n## Results\nA\n" + bench_report.END, once)
        twice = bench_report.replace_section(once.replace("## Later", "## Later (edited)"), "## Results\nB\n")
        self.assertIn("## Later (edited)", twice)
        self.assertIn("## Results\nB\n", twice)
        self.assertNotIn("## Results\nA", twice)


if __name__ == "__main__":
    unittest.main()
