// The web config parser (exporter-toolkit format, strict), basic auth,
// collect[]/exclude[] parsing and the scrape deadline: the HTTP edge's pure parts.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "exporter/http/http_server.h"
#include "exporter/metrics/query_filter.h"
#include "exporter/http/web_auth.h"
#include "exporter/http/web_config.h"
#include "tests/unit/bcrypt_util.h"

namespace proctree {
namespace {

WebConfig Parse(const std::string& yaml, const std::string& dir = "/etc/proctree") {
  WebConfig c;
  std::string error;
  EXPECT_TRUE(ParseWebConfig(yaml, "web.yml", dir, &c, &error)) << yaml << "\n" << error;
  return c;
}

std::string Error(const std::string& yaml) {
  WebConfig c;
  std::string error;
  EXPECT_FALSE(ParseWebConfig(yaml, "web.yml", "/etc/proctree", &c, &error)) << yaml;
  return error;
}

using proctree::testing::BasicHeader;
using proctree::testing::Bcrypt;

constexpr const char* kHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";  // "fakepassword"

TEST(WebConfig, EmptyFileIsPlainHttpWithoutAuth) {
  for (const char* yaml : {"", "# nothing\n", "tls_server_config:\nbasic_auth_users:\n"}) {
    WebConfig c = Parse(yaml);
    EXPECT_FALSE(c.tls.Enabled()) << yaml;
    EXPECT_TRUE(c.users.empty());
    EXPECT_TRUE(c.headers.empty());
    EXPECT_TRUE(c.http2);
    EXPECT_EQ(c.rate_limit_interval_seconds, 0);
  }
}

TEST(WebConfig, FullFile) {
  WebConfig c = Parse(
      "tls_server_config:\n"
      "  cert_file: server.crt\n"
      "  key_file: /abs/server.key\n"
      "  client_auth_type: RequireAndVerifyClientCert\n"
      "  client_ca_file: ca/clients.pem\n"
      "  client_allowed_sans: [prometheus.example, 10.0.0.1]\n"
      "  min_version: TLS13\n"
      "  max_version: TLS13\n"
      "  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_256_CBC_SHA]\n"
      "  prefer_server_cipher_suites: false\n"
      "  curve_preferences: [X25519, CurveP256]\n"
      "http_server_config:\n"
      "  http2: false\n"
      "  headers:\n"
      "    X-Frame-Options: deny\n"
      "    Strict-Transport-Security: max-age=31536000\n"
      "    X-XSS-Protection: ''\n"
      "basic_auth_users:\n"
      "  alice: " + std::string(kHash) + "\n"
      "rate_limit:\n"
      "  interval: 250ms\n"
      "  burst: 5\n");
  EXPECT_TRUE(c.tls.Enabled());
  EXPECT_EQ(c.tls.cert_file, "/etc/proctree/server.crt");
  EXPECT_EQ(c.tls.key_file, "/abs/server.key");
  EXPECT_EQ(c.tls.client_ca_file, "/etc/proctree/ca/clients.pem");
  EXPECT_EQ(c.tls.client_auth, ClientAuth::kRequireAndVerifyClientCert);
  EXPECT_EQ(c.tls.client_allowed_sans, (std::vector<std::string>{"prometheus.example", "10.0.0.1"}));
  EXPECT_EQ(c.tls.min_version, kTls13);
  EXPECT_EQ(c.tls.max_version, kTls13);
  // TLS 1.3 suites are accepted but, as in Go, not configurable.
  EXPECT_EQ(c.tls.cipher_suites, (std::vector<std::string>{"ECDHE-RSA-AES128-GCM-SHA256", "AES256-SHA"}));
  EXPECT_FALSE(c.tls.prefer_server_cipher_suites);
  EXPECT_EQ(c.tls.curve_groups, (std::vector<std::string>{"X25519", "P-256"}));
  EXPECT_FALSE(c.http2);
  // Blank values are unset, as exporter-toolkit documents.
  EXPECT_EQ(c.headers, (std::vector<std::pair<std::string, std::string>>{
                           {"X-Frame-Options", "deny"}, {"Strict-Transport-Security", "max-age=31536000"}}));
  EXPECT_EQ(c.users.at("alice"), kHash);
  EXPECT_DOUBLE_EQ(c.rate_limit_interval_seconds, 0.25);
  EXPECT_EQ(c.rate_limit_burst, 5);
}

TEST(WebConfig, DefaultsMatchExporterToolkit) {
  WebConfig c = Parse("tls_server_config:\n  cert: x\n  key: y\n");
  EXPECT_EQ(c.tls.min_version, kTls12);
  EXPECT_EQ(c.tls.max_version, kTls13);
  EXPECT_TRUE(c.tls.prefer_server_cipher_suites);
  EXPECT_EQ(c.tls.client_auth, ClientAuth::kNoClientCert);
  EXPECT_EQ(c.tls.cert, "x");
  EXPECT_EQ(c.tls.key, "y");
}

TEST(WebConfig, RelativePathsAreRelativeToTheFilesDirectory) {
  EXPECT_EQ(Parse("tls_server_config: {cert_file: a.crt, key_file: a.key}\n", "").tls.cert_file, "a.crt");
  EXPECT_EQ(Parse("tls_server_config: {cert_file: a.crt, key_file: a.key}\n", "/").tls.cert_file, "/a.crt");
  EXPECT_EQ(Parse("tls_server_config: {cert_file: a.crt, key_file: a.key}\n", "conf").tls.key_file, "conf/a.key");
}

TEST(WebConfig, ClientAuthTypes) {
  const std::pair<const char*, ClientAuth> cases[] = {
      {"NoClientCert", ClientAuth::kNoClientCert},
      {"RequestClientCert", ClientAuth::kRequestClientCert},
      {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
      {"RequireClientCert", ClientAuth::kRequireAnyClientCert},
      {"VerifyClientCertIfGiven", ClientAuth::kVerifyClientCertIfGiven},
      {"RequireAndVerifyClientCert", ClientAuth::kRequireAndVerifyClientCert},
  };
  for (const auto& [name, want] : cases) {
    WebConfig c = Parse(std::string("tls_server_config:\n  cert: x\n  key: y\n  client_auth_type: ") + name + "\n");
    EXPECT_EQ(c.tls.client_auth, want) << name;
  }
}

TEST(WebConfig, UnknownKeysAreErrors) {
  EXPECT_EQ(Error("tls_config:\n  cert_file: x\n"),
            "web.yml:1:1: unknown key \"tls_config\" in the web config (allowed: tls_server_config, "
            "http_server_config, basic_auth_users, rate_limit)");
  EXPECT_EQ(Error("tls_server_config:\n  cert_file: x\n  key_file: y\n  certfile: z\n"),
            "web.yml:4:3: unknown key \"certfile\" in tls_server_config (allowed: cert, key, client_ca, cert_file, "
            "key_file, client_auth_type, client_ca_file, client_allowed_sans, min_version, max_version, "
            "cipher_suites, prefer_server_cipher_suites, curve_preferences)");
  EXPECT_EQ(Error("http_server_config:\n  http3: true\n"),
            "web.yml:2:3: unknown key \"http3\" in http_server_config (allowed: http2, headers)");
  EXPECT_EQ(Error("rate_limit:\n  every: 1s\n"),
            "web.yml:2:3: unknown key \"every\" in rate_limit (allowed: interval, burst)");
}

TEST(WebConfig, DuplicateKeysAreErrors) {
  EXPECT_EQ(Error("basic_auth_users:\nbasic_auth_users:\n"),
            "web.yml:2:1: key \"basic_auth_users\" appears twice in the web config");
  EXPECT_EQ(Error(std::string("basic_auth_users:\n  bob: ") + kHash + "\n  bob: " + kHash + "\n"),
            "web.yml:3:3: basic_auth_users: user \"bob\" appears twice");
}

TEST(WebConfig, ShapeErrors) {
  EXPECT_EQ(Error("- a\n"), "web.yml:1:1: the web config must be a mapping");
  EXPECT_EQ(Error("tls_server_config: [a]\n"), "web.yml:1:20: tls_server_config must be a mapping");
  EXPECT_EQ(Error("basic_auth_users: [a]\n"),
            "web.yml:1:19: basic_auth_users must be a mapping of user names to bcrypt hashes");
  EXPECT_EQ(Error("http_server_config:\n  headers: [a]\n"),
            "web.yml:2:12: http_server_config.headers must be a mapping of header names to values");
  EXPECT_EQ(Error("http_server_config:\n  http2: maybe\n"),
            "web.yml:2:10: http_server_config.http2 must be true or false");
  EXPECT_EQ(Error("tls_server_config:\n  cert: x\n  key: y\n  cipher_suites: TLS_AES_128_GCM_SHA256\n"),
            "web.yml:4:18: tls_server_config.cipher_suites must be a list of strings");
  EXPECT_EQ(Error("tls_server_config: {cert: [x], key: y}\n"), "web.yml:1:27: tls_server_config.cert must be a string");
  EXPECT_NE(Error("tls_server_config: {cert: x\n").find("web.yml:"), std::string::npos);  // YAML syntax
}

TEST(WebConfig, TlsErrorsInExporterToolkitsWords) {
  EXPECT_EQ(Error("tls_server_config:\n  key_file: y\n"),
            "web.yml:2:3: missing one of cert or cert_file in tls_server_config");
  EXPECT_EQ(Error("tls_server_config:\n  cert_file: x\n"),
            "web.yml:2:3: missing one of key or key_file in tls_server_config");
  EXPECT_EQ(Error("tls_server_config:\n  client_auth_type: RequireAndVerifyClientCert\n"),
            "web.yml:2:3: missing one of cert or cert_file in tls_server_config");
  EXPECT_EQ(Error("tls_server_config:\n  cert: x\n  key: y\n  client_auth_type: Sometimes\n"),
            "web.yml:4:21: invalid ClientAuth: Sometimes (tls_server_config.client_auth_type must be one of "
            "NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, "
            "RequireAndVerifyClientCert)");
  EXPECT_EQ(Error("tls_server_config:\n  cert: x\n  key: y\n  client_ca_file: ca.pem\n"),
            "web.yml:2:3: client CA's have been configured without a Client Auth Policy");
  EXPECT_EQ(Error("tls_server_config:\n  cert: x\n  key: y\n  client_auth_type: VerifyClientCertIfGiven\n"
                  "  client_allowed_sans: [a]\n"),
            "web.yml:5:24: client_allowed_sans requires client_auth_type to be one of RequireAnyClientCert or "
            "RequireAndVerifyClientCert");
  EXPECT_EQ(Error("tls_server_config:\n  cert: x\n  key: y\n  min_version: TLS14\n"),
            "web.yml:4:16: unknown TLS version: TLS14 (tls_server_config.min_version must be one of TLS10, "
            "TLS11, TLS12, TLS13)");
  EXPECT_EQ(Error("tls_server_config:\n  cert: x\n  key: y\n  min_version: TLS13\n  max_version: TLS12\n"),
            "web.yml:4:16: tls_server_config.min_version is above tls_server_config.max_version");
  EXPECT_EQ(Error("tls_server_config:\n  cert: x\n  key: y\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n"),
            "web.yml:4:19: unknown cipher: TLS_RSA_WITH_RC4_128_SHA");
  EXPECT_EQ(Error("tls_server_config:\n  cert: x\n  key: y\n  curve_preferences: [CurveP128]\n"),
            "web.yml:4:23: unknown curve: CurveP128 (one of CurveP256, CurveP384, CurveP521, X25519)");
}

TEST(WebConfig, HeadersAreTheFiveExporterToolkitAllows) {
  EXPECT_EQ(Error("http_server_config:\n  headers:\n    Server: proctree\n"),
            "web.yml:3:5: HTTP header \"Server\" can not be configured (allowed: Content-Security-Policy, "
            "Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, X-XSS-Protection)");
  EXPECT_EQ(Error("http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n"),
            "web.yml:3:29: invalid value for X-Content-Type-Options. Expected one of: [\"nosniff\"], but got: "
            "\"sniff\"");
  EXPECT_EQ(Error("http_server_config:\n  headers:\n    X-Frame-Options: allow\n"),
            "web.yml:3:22: invalid value for X-Frame-Options. Expected one of: [\"deny\" \"sameorigin\"], but got: "
            "\"allow\"");
  EXPECT_EQ(Error("http_server_config:\n  headers:\n    Content-Security-Policy: \"a\\r\\nSet-Cookie: x\"\n"),
            "web.yml:3:30: http_server_config.headers.Content-Security-Policy must be one line");
  WebConfig c = Parse("http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n"
                      "    Content-Security-Policy: default-src 'none'\n");
  EXPECT_EQ(c.headers.size(), 2u);
}

TEST(WebConfig, UsersNeedBcryptHashes) {
  EXPECT_EQ(Error("basic_auth_users:\n  alice: secret\n"),
            "web.yml:2:10: basic_auth_users: the password of user \"alice\" is not a bcrypt hash ($2a$, $2b$ or "
            "$2y$, cost 04-31, 60 characters)");
  EXPECT_EQ(Error("basic_auth_users:\n  alice:\n"),
            "web.yml:2:3: basic_auth_users: the password of user \"alice\" is not a bcrypt hash ($2a$, $2b$ or "
            "$2y$, cost 04-31, 60 characters)");
  EXPECT_EQ(Error(std::string("basic_auth_users:\n  'a:b': ") + kHash + "\n"),
            "web.yml:2:3: basic_auth_users: user name \"a:b\" contains ':', which basic auth cannot carry");
  WebConfig c = Parse("basic_auth_users:\n  alice: " + Bcrypt("x") + "\n  bob: " + Bcrypt("y", "$2y$") + "\n");
  EXPECT_EQ(c.users.size(), 2u);
}

TEST(WebConfig, RateLimit) {
  EXPECT_EQ(Error("rate_limit:\n  interval: fast\n"),
            "web.yml:2:13: rate_limit.interval must be a duration such as 100ms or 1s");
  EXPECT_EQ(Error("rate_limit:\n  burst: -1\n"), "web.yml:2:10: rate_limit.burst must be a whole number, 0 or more");
  EXPECT_DOUBLE_EQ(Parse("rate_limit:\n  interval: 1m30s\n").rate_limit_interval_seconds, 90);
}

TEST(WebConfig, LoadFileNamesItInErrors) {
  WebConfig c;
  std::string error;
  EXPECT_FALSE(LoadWebConfigFile("/nonexistent/web.yml", &c, &error));
  EXPECT_EQ(error, "/nonexistent/web.yml: cannot open web config file: No such file or directory");
}

TEST(WebConfig, IsBcryptHash) {
  EXPECT_TRUE(IsBcryptHash(kHash));
  EXPECT_TRUE(IsBcryptHash(Bcrypt("pw")));
  EXPECT_TRUE(IsBcryptHash(Bcrypt("pw", "$2a$")));
  EXPECT_FALSE(IsBcryptHash(""));
  EXPECT_FALSE(IsBcryptHash(std::string(kHash).substr(0, 59)));
  EXPECT_FALSE(IsBcryptHash("$2x$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"));
  EXPECT_FALSE(IsBcryptHash("$2y$03$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"));
  EXPECT_FALSE(IsBcryptHash("$2y$32$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"));
  EXPECT_FALSE(IsBcryptHash("$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeS!"));
  EXPECT_FALSE(IsBcryptHash("$6$saltsalt$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123"));
}

TEST(WebConfig, GoDurations) {
  double s = -1;
  EXPECT_TRUE(ParseGoDuration("0", &s));
  EXPECT_EQ(s, 0);
  EXPECT_TRUE(ParseGoDuration("10s", &s));
  EXPECT_DOUBLE_EQ(s, 10);
  EXPECT_TRUE(ParseGoDuration("1h2m3.5s", &s));
  EXPECT_DOUBLE_EQ(s, 3723.5);
  EXPECT_TRUE(ParseGoDuration("250ms", &s));
  EXPECT_DOUBLE_EQ(s, 0.25);
  EXPECT_TRUE(ParseGoDuration("1500us", &s));
  EXPECT_DOUBLE_EQ(s, 0.0015);
  for (const char* bad : {"", "10", "s", "1x", "1.2.3s", "-1s", "1s ", " 1s"}) EXPECT_FALSE(ParseGoDuration(bad, &s)) << bad;
}

TEST(BasicAuth, ParseAuthorization) {
  std::string u, p;
  ASSERT_TRUE(ParseBasicAuthorization("Basic YWxpY2U6c2VjcmV0", &u, &p));  // alice:secret
  EXPECT_EQ(u, "alice");
  EXPECT_EQ(p, "secret");
  ASSERT_TRUE(ParseBasicAuthorization("basic YTpiOmM=", &u, &p));  // a:b:c, scheme case-insensitive
  EXPECT_EQ(u, "a");
  EXPECT_EQ(p, "b:c");
  ASSERT_TRUE(ParseBasicAuthorization("Basic Og==", &u, &p));  // ":"
  EXPECT_EQ(u, "");
  EXPECT_EQ(p, "");
  for (const char* bad : {"", "Basic", "Basic ", "Bearer YWxpY2U6c2VjcmV0", "Basic YWxpY2U", "Basic YWxpY2U=",
                          "Basic YWxp Y2U6", "Basic ====", "Basic YQ=a", "BasicYWxpY2U6c2VjcmV0"})
    EXPECT_FALSE(ParseBasicAuthorization(bad, &u, &p)) << bad;
}

TEST(BasicAuth, BcryptMatches) {
  const std::string b = Bcrypt("correct horse");
  EXPECT_TRUE(BcryptMatches("correct horse", b));
  EXPECT_FALSE(BcryptMatches("correct horse ", b));
  EXPECT_FALSE(BcryptMatches("", b));
  EXPECT_FALSE(BcryptMatches(std::string("correct horse\0x", 15), b));
  // $2y$ and $2b$ are the same algorithm.
  std::string y = b;
  y[2] = 'y';
  EXPECT_TRUE(BcryptMatches("correct horse", y));
  EXPECT_TRUE(BcryptMatches("fakepassword", kHash));
  EXPECT_FALSE(BcryptMatches("x", "not a hash"));
}

TEST(BasicAuth, Check) {
  BasicAuth auth({{"alice", Bcrypt("secret")}, {"bob", Bcrypt("hunter2", "$2y$")}});
  ASSERT_TRUE(auth.enabled());
  const auto granted = [&](const char* header) { return auth.Check(header) == AuthResult::kGranted; };
  EXPECT_TRUE(granted("Basic YWxpY2U6c2VjcmV0"));   // alice:secret
  EXPECT_TRUE(granted("Basic YWxpY2U6c2VjcmV0"));   // cached
  EXPECT_TRUE(granted("Basic Ym9iOmh1bnRlcjI="));   // bob:hunter2
  EXPECT_FALSE(granted("Basic YWxpY2U6c2VjcmV4"));  // alice:secrex
  EXPECT_FALSE(granted("Basic YWxpY2U6c2VjcmV4"));  // cached failure
  EXPECT_FALSE(granted("Basic Ym9iOnNlY3JldA=="));  // bob:secret
  // An unknown user is checked against a configured user's hash: that
  // user's password does not let the unknown one in.
  EXPECT_FALSE(granted("Basic bWFsbG9yeTpzZWNyZXQ="));  // mallory:secret
  EXPECT_FALSE(granted("Basic bWFsbG9yeTpodW50ZXIy"));  // mallory:hunter2
  EXPECT_EQ(auth.Check(nullptr), AuthResult::kDenied);
  EXPECT_EQ(auth.Check("Bearer x"), AuthResult::kDenied);
  EXPECT_FALSE(BasicAuth({}).enabled());
}

TEST(BasicAuth, CacheIsBounded) {
  BasicAuth auth({{"alice", Bcrypt("secret")}});
  for (std::size_t i = 0; i < BasicAuth::kCacheSize + 20; ++i)
    EXPECT_EQ(auth.Check(BasicHeader("alice", "wrong" + std::to_string(i)).c_str()), AuthResult::kDenied);
  EXPECT_EQ(auth.Check("Basic YWxpY2U6c2VjcmV0"), AuthResult::kGranted);
}

TEST(QueryFilter, UrlDecode) {
  std::string out;
  ASSERT_TRUE(UrlDecodeQueryComponent("collect%5B%5D", &out));
  EXPECT_EQ(out, "collect[]");
  ASSERT_TRUE(UrlDecodeQueryComponent("collect%5b%5d", &out));
  EXPECT_EQ(out, "collect[]");
  ASSERT_TRUE(UrlDecodeQueryComponent("a+b%20c", &out));
  EXPECT_EQ(out, "a b c");
  for (const char* bad : {"%", "%5", "%zz", "a%5"}) EXPECT_FALSE(UrlDecodeQueryComponent(bad, &out)) << bad;
}

FamilyFilter Filter(const char* q) {
  FamilyFilter f;
  std::string error;
  EXPECT_TRUE(ParseFamilyFilter(q, &f, &error)) << q << ": " << error;
  return f;
}

std::string FilterError(const char* q) {
  FamilyFilter f;
  std::string error;
  EXPECT_FALSE(ParseFamilyFilter(q, &f, &error)) << q;
  return error;
}

TEST(QueryFilter, NoFilter) {
  for (const char* q : {static_cast<const char*>(nullptr), "", "foo=bar", "&&", "collect=proctree_processes"}) {
    FamilyFilter f = Filter(q);
    EXPECT_FALSE(f.active) << (q ? q : "null");
  }
}

TEST(QueryFilter, CollectEncodedOrNot) {
  for (const char* q : {"collect[]=proctree_processes&collect[]=process_open_fds",
                        "collect%5B%5D=proctree_processes&foo=1&collect%5b%5d=process_open_fds",
                        "collect%5B%5D=proctree%5Fprocesses&collect[]=process_open_fds&collect[]=proctree_processes"}) {
    FamilyFilter f = Filter(q);
    EXPECT_TRUE(f.active) << q;
    for (const auto& d : Catalog())
      EXPECT_EQ(f.keep.has(d.id), d.id == Fam::kProcesses || d.id == Fam::kSelfOpenFds) << q << " " << d.name;
  }
}

TEST(QueryFilter, Exclude) {
  FamilyFilter f = Filter("exclude%5B%5D=proctree_processes");
  EXPECT_TRUE(f.active);
  for (const auto& d : Catalog()) EXPECT_EQ(f.keep.has(d.id), d.id != Fam::kProcesses) << d.name;
}

TEST(QueryFilter, Errors) {
  EXPECT_EQ(FilterError("collect[]=nope"), "collect[]: unknown metric family \"nope\"");
  EXPECT_EQ(FilterError("collect%5B%5D=proctree_processes&collect%5B%5D=nope%22%0A"),
            "collect[]: unknown metric family \"nope\\\"\\x0a\"");
  EXPECT_EQ(FilterError("collect[]="), "collect[]: unknown metric family \"\"");
  EXPECT_EQ(FilterError("exclude[]=proctree_process"), "exclude[]: unknown metric family \"proctree_process\"");
  EXPECT_EQ(FilterError("collect[]=proctree_processes&exclude[]=process_open_fds"),
            "Combined collect and exclude queries are not allowed.");
  EXPECT_EQ(FilterError("collect%5=x"), "malformed query string: bad %-escape in a parameter name");
  EXPECT_EQ(FilterError("collect[]=%zz"), "malformed query string: bad %-escape in the value of collect[]");
}

TEST(QueryFilter, ScrapeFamiliesIntersectsWithTheConfig) {
  EnabledFamilies configured = EnabledFamilies::All();
  configured.set(Fam::kProcessIoBytes, false);
  FamilyFilter f = Filter("collect[]=proctree_process_io_bytes_total&collect[]=proctree_processes&"
                          "collect[]=process_open_fds&collect[]=proctree_scrape_deadline_exceeded_total");
  EnabledFamilies e = ScrapeFamilies(configured, f, true);
  for (const auto& d : Catalog())
    EXPECT_EQ(e.has(d.id), d.id == Fam::kProcesses || d.id == Fam::kSelfOpenFds ||
                               d.id == Fam::kScrapeDeadlineExceeded)
        << d.name;
  e = ScrapeFamilies(configured, f, false);
  for (const auto& d : Catalog()) EXPECT_EQ(e.has(d.id), d.id == Fam::kProcesses) << d.name;
  // Reading narrows with it: only stat for proctree_processes.
  EXPECT_EQ(e.RequiredGroups(), FieldGroups(FieldGroup::kStat));
}

TEST(QueryFilter, DisableExporterMetrics) {
  EnabledFamilies e = ScrapeFamilies(EnabledFamilies::All(), FamilyFilter{}, false);
  for (const auto& d : Catalog()) {
    const std::string name(d.name);
    const bool own = name.rfind("process_", 0) == 0 || name.rfind("proctree_scrape_", 0) == 0;
    EXPECT_EQ(e.has(d.id), !own) << name;
    EXPECT_EQ(IsExporterMetric(d.id), own) << name;
  }
}

TEST(ScrapeDeadline, FromPrometheusHeader) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point t0{};
  auto at = [&](const char* h) { return ScrapeDeadline(h, t0); };
  auto seconds = [&](Clock::time_point t) { return std::chrono::duration<double>(t - t0).count(); };
  EXPECT_NEAR(seconds(*at("10")), 9.5, 1e-9);     // half a second for the rest
  EXPECT_NEAR(seconds(*at("1.5")), 1.125, 1e-9);  // a quarter of a short timeout
  EXPECT_NEAR(seconds(*at("0.001")), 0.00075, 1e-9);
  EXPECT_NEAR(seconds(*at("2 ")), 1.5, 1e-9);
  for (const char* bad : {static_cast<const char*>(nullptr), "", "0", "-1", "ten", "1s", "nan", "inf", "1e9"})
    EXPECT_FALSE(at(bad).has_value()) << (bad ? bad : "null");
}

}  // namespace
}  // namespace proctree
