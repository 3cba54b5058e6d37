"""A real Prometheus scrapes the exporter: the target is up, error-free, and the workload is queryable."""

import harness
from harness import MIB

JOB = "proctree"


class PrometheusScrapeTest(harness.IntegrationTest):

    def test_prometheus_scrapes_exporter(self):
        tmp = self.make_tmpdir()
        exporter = self.start_exporter()
        workload = self.start_workload(tmp, "--write-mib", "1")
        prom = self.start_prometheus(tmp, {JOB: exporter.address})

        # At least two successful scrapes: up == 1 and two samples of up in the last minute.
        def scraped_twice():
            up = prom.query(f'up{{job="{JOB}"}}')
            count = prom.query(f'count_over_time(up{{job="{JOB}"}}[1m])')
            return up and up[0][1] == 1 and count and count[0][1] >= 2

        harness.poll(scraped_twice, 30, f'two scrapes with up{{job="{JOB}"}} == 1', interval=0.2)

        up = prom.query(f'up{{job="{JOB}"}}')
        self.assertEqual(len(up), 1, up)
        self.assertEqual(up[0][0]["instance"], exporter.address)

        targets = prom.api("targets")["activeTargets"]
        ours = [t for t in targets if t["labels"].get("job") == JOB]
        self.assertEqual(len(ours), 1, targets)
        self.assertEqual(ours[0]["health"], "up", ours[0])
        self.assertEqual(ours[0]["lastError"], "", ours[0])
        self.assertEqual(ours[0]["scrapeUrl"], f"http://{exporter.address}/metrics")

        rss = prom.query(f'proctree_process_memory_bytes{{job="{JOB}",pid="{workload.pid}",memtype="rss"}}')
        self.assertEqual(len(rss), 1, rss)
        labels, value = rss[0]
        self.assertEqual(labels["comm"], "workload")
        self.assertGreaterEqual(value, 64 * MIB)
        self.assertLessEqual(value, 104 * MIB)

        # Prometheus saw no sample it had to drop: the exposition is consistent.
        for metric in ("scrape_samples_scraped", "scrape_series_added"):
            with self.subTest(metric=metric):
                v = prom.query(f'{metric}{{job="{JOB}"}}')
                self.assertTrue(v and v[0][1] > 0, v)
        own = harness.http(prom.base_url + "/metrics")
        self.assertEqual(own.status, 200)
        own_samples = harness.parse_metrics(own.body.decode("utf-8"))
        for metric in ("prometheus_target_scrapes_sample_duplicate_timestamp_total",
                       "prometheus_target_scrapes_sample_out_of_order_total",
                       "prometheus_target_scrapes_sample_out_of_bounds_total"):
            with self.subTest(metric=metric):
                self.assertEqual(harness.one(own_samples, metric).value, 0)


if __name__ == "__main__":
    harness.main()
