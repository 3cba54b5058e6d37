// --health-check's URL parsing; the check itself runs against a real
// exporter in tests/integration/test_health_check.py.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exporter/cmd/flags.h"
#include "exporter/http/health_check.h"

namespace proctree {
namespace {

HealthCheckUrl Parsed(const std::string& url) {
  HealthCheckUrl u;
  std::string error;
  EXPECT_TRUE(ParseHealthCheckUrl(url, &u, &error)) << url << ": " << error;
  return u;
}

std::string Refused(const std::string& url) {
  HealthCheckUrl u;
  std::string error;
  EXPECT_FALSE(ParseHealthCheckUrl(url, &u, &error)) << url;
  EXPECT_FALSE(error.empty()) << url;
  return error;
}

TEST(HealthCheckUrl, HostPortAndTarget) {
  HealthCheckUrl u = Parsed("http://127.0.0.1:9818/-/healthy");
  EXPECT_FALSE(u.tls);
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.port, 9818);
  EXPECT_EQ(u.target, "/-/healthy");
  EXPECT_FALSE(u.has_userinfo);
  EXPECT_EQ(u.redacted, "http://127.0.0.1:9818/-/healthy");
}

TEST(HealthCheckUrl, DefaultsPortAndPathByScheme) {
  HealthCheckUrl h = Parsed("HTTP://localhost");
  EXPECT_EQ(h.port, 80);
  EXPECT_EQ(h.target, "/");
  HealthCheckUrl s = Parsed("https://exporter.example");
  EXPECT_TRUE(s.tls);
  EXPECT_EQ(s.port, 443);
  EXPECT_EQ(s.host, "exporter.example");
}

TEST(HealthCheckUrl, QueryKeptFragmentDropped) {
  EXPECT_EQ(Parsed("http://h:1/metrics?collect[]=proctree_processes#top").target,
            "/metrics?collect[]=proctree_processes");
  EXPECT_EQ(Parsed("http://h:1?x=1").target, "/?x=1");
  EXPECT_EQ(Parsed("http://h:1#frag").target, "/");
}

TEST(HealthCheckUrl, UserinfoIsDecodedAndRedacted) {
  HealthCheckUrl u = Parsed("http://prom%40eus:s%3Ac@ret@127.0.0.1:9818/-/healthy");
  EXPECT_TRUE(u.has_userinfo);
  EXPECT_EQ(u.user, "prom@eus");
  EXPECT_EQ(u.password, "s:c@ret");
  EXPECT_EQ(u.host, "127.0.0.1");
  EXPECT_EQ(u.redacted, "http://prom%40eus:xxxxx@127.0.0.1:9818/-/healthy");
  EXPECT_EQ(u.redacted.find("ret"), std::string::npos);
  HealthCheckUrl no_password = Parsed("http://alone@h:1/");
  EXPECT_EQ(no_password.user, "alone");
  EXPECT_EQ(no_password.password, "");
  EXPECT_EQ(no_password.redacted, "http://alone@h:1/");
}

TEST(HealthCheckUrl, IPv6) {
  HealthCheckUrl u = Parsed("http://[::1]:9818/-/healthy");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.host_header, "[::1]");
  EXPECT_EQ(u.port, 9818);
  EXPECT_EQ(u.target, "/-/healthy");
  EXPECT_EQ(u.redacted, "http://[::1]:9818/-/healthy");
  HealthCheckUrl tls = Parsed("https://u:p@[fe80::1:2]/");
  EXPECT_EQ(tls.host, "fe80::1:2");
  EXPECT_EQ(tls.port, 443);
  EXPECT_EQ(tls.redacted, "https://u:xxxxx@[fe80::1:2]/");
}

TEST(HealthCheckUrl, Refusals) {
  EXPECT_NE(Refused("").find("http://"), std::string::npos);
  EXPECT_NE(Refused("127.0.0.1:9818/-/healthy").find("http://"), std::string::npos);
  EXPECT_NE(Refused("ftp://h/").find("http://"), std::string::npos);
  EXPECT_NE(Refused("http:///path").find("no host"), std::string::npos);
  EXPECT_NE(Refused("http://:9818/").find("no host"), std::string::npos);
  EXPECT_NE(Refused("http://[::1/").find("IPv6"), std::string::npos);
  EXPECT_NE(Refused("http://[::1x]:9818/").find("IPv6"), std::string::npos);
  EXPECT_NE(Refused("http://[127.0.0.1]:9818/").find("IPv6"), std::string::npos);
  EXPECT_NE(Refused("http://[::1]x:9818/").find("after its IPv6 address"), std::string::npos);
  EXPECT_NE(Refused("http://::1:9818/").find("host"), std::string::npos);
  EXPECT_NE(Refused("http://h:/").find("port"), std::string::npos);
  EXPECT_NE(Refused("http://h:0/").find("port"), std::string::npos);
  EXPECT_NE(Refused("http://h:65536/").find("port"), std::string::npos);
  EXPECT_NE(Refused("http://h:99999999999/").find("port"), std::string::npos);
  EXPECT_NE(Refused("http://h:80x/").find("port"), std::string::npos);
  EXPECT_NE(Refused("http://h%41/").find("host"), std::string::npos);
  EXPECT_NE(Refused("http://bad%zz:pw@h/").find("escape"), std::string::npos);
  EXPECT_NE(Refused("http://bad:pw%4@h/").find("escape"), std::string::npos);
  // Nothing that could end the request line or add a header gets through.
  EXPECT_NE(Refused("http://h/a b").find("spaces"), std::string::npos);
  EXPECT_NE(Refused("http://h/a\r\nX-Injected: 1").find("control"), std::string::npos);
}

TEST(HealthCheck, MalformedUrlIsUnhealthyWithTheReason) {
  HealthCheckResult r = RunHealthCheck("localhost:9818", std::chrono::milliseconds(100));
  EXPECT_FALSE(r.healthy);
  EXPECT_NE(r.message.find("malformed URL"), std::string::npos) << r.message;
}

FlagsOutcome ParseArgs(std::vector<const char*> args, Flags* flags, std::string* message) {
  args.insert(args.begin(), "proctree_exporter");
  return ParseFlags(static_cast<int>(args.size()), args.data(), "v", flags, message);
}

TEST(HealthCheckFlags, BothFormsAndTimeout) {
  Flags a, b;
  std::string m;
  ASSERT_EQ(ParseArgs({"--health-check=http://127.0.0.1:9818/-/healthy"}, &a, &m), FlagsOutcome::kRun) << m;
  ASSERT_EQ(ParseArgs({"--health-check", "http://127.0.0.1:9818/-/healthy", "--health-check.timeout", "250ms"}, &b,
                      &m),
            FlagsOutcome::kRun)
      << m;
  EXPECT_EQ(a.health_check_url, "http://127.0.0.1:9818/-/healthy");
  EXPECT_EQ(a.health_check_timeout_seconds, 5);
  EXPECT_EQ(b.health_check_url, a.health_check_url);
  EXPECT_DOUBLE_EQ(b.health_check_timeout_seconds, 0.25);
  Flags none;
  ASSERT_EQ(ParseArgs({}, &none, &m), FlagsOutcome::kRun);
  EXPECT_FALSE(none.health_check_url.has_value());
  // An empty URL is still the health-check mode (which then reports it), never a server start.
  Flags empty;
  ASSERT_EQ(ParseArgs({"--health-check="}, &empty, &m), FlagsOutcome::kRun);
  EXPECT_EQ(empty.health_check_url, "");
  Flags bad;
  EXPECT_EQ(ParseArgs({"--health-check.timeout=0s"}, &bad, &m), FlagsOutcome::kUsageError);
  EXPECT_NE(m.find("--health-check.timeout"), std::string::npos);
  EXPECT_EQ(ParseArgs({"--health-check"}, &bad, &m), FlagsOutcome::kUsageError);
}

TEST(PathProcfsFlag, IsTheProcfsFlagsNodeExporterName) {
  Flags a, b;
  std::string m;
  ASSERT_EQ(ParseArgs({"--path.procfs=/host/proc"}, &a, &m), FlagsOutcome::kRun) << m;
  ASSERT_EQ(ParseArgs({"--procfs", "/host/proc"}, &b, &m), FlagsOutcome::kRun) << m;
  EXPECT_EQ(a.procfs, "/host/proc");
  EXPECT_EQ(b.procfs, "/host/proc");
  EXPECT_NE(Usage().find("--path.procfs"), std::string::npos);
  EXPECT_NE(Usage().find("--health-check=URL"), std::string::npos);
}

}  // namespace
}  // namespace proctree
