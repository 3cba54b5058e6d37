"""A real Prometheus scrapes the exporter: the target is up, error-free, and the workload is queryable."""

import harness
from harness import MIB

JOB = "proctree"


class PrometheusScrapeTest(harness.IntegrationTest):

    def test_prometheus_scrapes_exporter(self):
        tmp = self.make_tmpdir()
        exporter = self.start_exporter(harness.EVERY_PROCESS)
        workload = self.start_workload(tmp, "--write-mib", "1")
        prom = self.start_prometheus(tmp, {JOB: exporter.address})

        # Prometheus sends X-Prometheus-Scrape-Timeout-Seconds (the harness uses 2 s),
        # and the exporter serves what it has read shortly before it; on a loaded machine a scrape
        # may stop before the workload's pid. So wait, with a deadline, for a moment when
        # everything holds at once: at least two scrapes, the last one up and error-free,
        # and the workload's rss in it.
        rss_query = f'proctree_process_memory_bytes{{job="{JOB}",pid="{workload.pid}",memtype="rss"}}'
        state = {}

        def all_good():
            state.clear()
            state["up"] = prom.query(f'up{{job="{JOB}"}}')
            state["scrapes"] = prom.query(f'count_over_time(up{{job="{JOB}"}}[1m])')
            state["targets"] = [t for t in prom.api("targets")["activeTargets"] if t["labels"].get("job") == JOB]
            state["rss"] = prom.query(rss_query)
            return (len(state["up"]) == 1 and state["up"][0][1] == 1
                    and state["scrapes"] and state["scrapes"][0][1] >= 2
                    and len(state["targets"]) == 1 and state["targets"][0]["health"] == "up"
                    and state["targets"][0]["lastError"] == ""
                    and len(state["rss"]) == 1)

        try:
            harness.poll(all_good, 40, "two scrapes, target up without error, the workload's rss", interval=0.2)
        except AssertionError as e:
            raise AssertionError(f"{e}\nlast state: {state}\nPrometheus log:\n{prom.log()}") from None

        up = state["up"]
        self.assertEqual(up[0][0]["instance"], exporter.address)
        target = state["targets"][0]
        self.assertEqual(target["health"], "up", target)
        self.assertEqual(target["lastError"], "", target)
        self.assertEqual(target["scrapeUrl"], f"http://{exporter.address}/metrics")

        rss = state["rss"]
        labels, value = rss[0]
        self.assertEqual(labels["comm"], "workload")
        self.assertGreaterEqual(value, 64 * MIB)
        self.assertLessEqual(value, 104 * MIB)

        # Prometheus saw no sample it had to drop: the exposition is consistent.
        # scrape_series_added counts series new in the last scrape, 0 once nothing changes on a
        # quiet host, so the first scrape's count is what shows the series were taken in.
        for query in (f'scrape_samples_scraped{{job="{JOB}"}}', f'max_over_time(scrape_series_added{{job="{JOB}"}}[5m])'):
            with self.subTest(query=query):
                v = prom.query(query)
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
