"""A real Prometheus scrapes the exporter over TLS (with a client
certificate) and basic auth, with `params: collect[]`: the target is up and
only the collected families are stored; a job with a wrong password is down
with a 401."""

import harness
import web_harness as wh

JOB = "proctree_tls"
BAD_JOB = "proctree_wrong_password"
COLLECT = ["proctree_processes", "proctree_exporter_build_info"]


class PrometheusOverTlsTest(harness.IntegrationTest):

    def test_prometheus_scrapes_over_tls_with_basic_auth_and_collect(self):
        tmp = self.make_tmpdir()
        certs = wh.Certs(tmp)
        web = wh.write_file(tmp, "web.yml",
                            "tls_server_config:\n"
                            f"  cert_file: {certs.server_cert}\n"
                            f"  key_file: {certs.server_key}\n"
                            "  client_auth_type: RequireAndVerifyClientCert\n"
                            f"  client_ca_file: {certs.ca_cert}\n"
                            "basic_auth_users:\n"
                            f"  prometheus: {wh.bcrypt('scrape-me')}\n")
        exporter = self.start_exporter(f"--web.config.file={web}")

        def job(name, password):
            return (f"  - job_name: {name}\n"
                    "    scheme: https\n"
                    "    tls_config:\n"
                    f"      ca_file: {certs.ca_cert}\n"
                    f"      cert_file: {certs.client_cert}\n"
                    f"      key_file: {certs.client_key}\n"
                    "    basic_auth:\n"
                    "      username: prometheus\n"
                    f"      password: {password}\n"
                    "    params:\n"
                    f"      'collect[]': [{', '.join(COLLECT)}]\n"
                    "    static_configs:\n"
                    f"      - targets: ['{exporter.address}']\n")

        prom = wh.start_prometheus(self, tmp, job(JOB, "scrape-me") + job(BAD_JOB, "wrong"))

        def scraped_twice():
            up = prom.query(f'up{{job="{JOB}"}}')
            count = prom.query(f'count_over_time(up{{job="{JOB}"}}[1m])')
            return up and up[0][1] == 1 and count and count[0][1] >= 2

        try:
            harness.poll(scraped_twice, 30, f'two scrapes with up{{job="{JOB}"}} == 1', interval=0.2)
        except AssertionError as e:
            raise AssertionError(f"{e}\ntargets: {prom.api('targets')['activeTargets']}\n"
                                 f"exporter log:\n{exporter.log.text()}") from None

        targets = {t["labels"]["job"]: t for t in prom.api("targets")["activeTargets"]}
        ours = targets[JOB]
        self.assertEqual(ours["health"], "up", ours)
        self.assertEqual(ours["lastError"], "", ours)
        self.assertTrue(ours["scrapeUrl"].startswith(f"https://{exporter.address}/metrics?"), ours["scrapeUrl"])
        self.assertIn("collect%5B%5D=proctree_processes", ours["scrapeUrl"])

        # Only the collected families were served (besides Prometheus' own series).
        names = {labels["__name__"] for labels, _ in
                 prom.query(f'group by (__name__) ({{job="{JOB}", __name__!~"up|scrape_.*"}})')}
        self.assertEqual(names, set(COLLECT))
        total = prom.query(f'sum(proctree_processes{{job="{JOB}"}})')
        self.assertTrue(total and total[0][1] >= 2, total)  # at least this test and the exporter

        # The wrong password: down, with the 401 in the target's error.
        def bad_is_down():
            t = {t["labels"]["job"]: t for t in prom.api("targets")["activeTargets"]}[BAD_JOB]
            return t["health"] == "down" and t
        bad = harness.poll(bad_is_down, 30, f"job {BAD_JOB} down", interval=0.2)
        self.assertIn("401", bad["lastError"])
        self.assertEqual(prom.query(f'up{{job="{BAD_JOB}"}}')[0][1], 0)


if __name__ == "__main__":
    harness.main()
