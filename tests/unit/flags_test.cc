// ParseFlags: both --flag=value and --flag value, validation, help/version.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exporter/cmd/flags.h"

namespace proctree {
namespace {

struct Parsed {
  FlagsOutcome outcome;
  Flags flags;
  std::string message;
};

Parsed Parse(std::vector<const char*> args) {
  args.insert(args.begin(), "proctree_exporter");
  Parsed p;
  p.outcome = ParseFlags(static_cast<int>(args.size()), args.data(), "proctree_exporter 1.2.3", &p.flags,
                         &p.message);
  return p;
}

TEST(Flags, Defaults) {
  Parsed p = Parse({});
  ASSERT_EQ(p.outcome, FlagsOutcome::kRun) << p.message;
  EXPECT_EQ(p.flags.listen_addresses, std::vector<std::string>{":9818"});
  EXPECT_EQ(p.flags.telemetry_path, "/metrics");
  EXPECT_EQ(p.flags.config_file, "");
  EXPECT_EQ(p.flags.procfs, "/proc");
  EXPECT_EQ(p.flags.log_level, "info");
  EXPECT_EQ(p.flags.log_format, "logfmt");
  EXPECT_FALSE(p.flags.once);
}

TEST(Flags, EqualsAndSeparateValues) {
  Parsed p = Parse({"--web.listen-address=127.0.0.1:9000", "--web.listen-address", ":9001",
                    "--web.telemetry-path=/m", "--config.file", "/etc/p.yml", "--procfs=/host/proc",
                    "--log.level", "debug", "--log.format=json", "--once"});
  ASSERT_EQ(p.outcome, FlagsOutcome::kRun) << p.message;
  EXPECT_EQ(p.flags.listen_addresses, (std::vector<std::string>{"127.0.0.1:9000", ":9001"}));
  EXPECT_EQ(p.flags.telemetry_path, "/m");
  EXPECT_EQ(p.flags.config_file, "/etc/p.yml");
  EXPECT_EQ(p.flags.procfs, "/host/proc");
  EXPECT_EQ(p.flags.log_level, "debug");
  EXPECT_EQ(p.flags.log_format, "json");
  EXPECT_TRUE(p.flags.once);
}

TEST(Flags, ValueMayContainEquals) {
  Parsed p = Parse({"--procfs=/a=b"});
  ASSERT_EQ(p.outcome, FlagsOutcome::kRun) << p.message;
  EXPECT_EQ(p.flags.procfs, "/a=b");
}

TEST(Flags, HelpAndVersion) {
  Parsed h = Parse({"--help"});
  EXPECT_EQ(h.outcome, FlagsOutcome::kExitOk);
  EXPECT_EQ(h.message, Usage());
  EXPECT_NE(h.message.find("--web.listen-address"), std::string::npos);
  Parsed v = Parse({"--version"});
  EXPECT_EQ(v.outcome, FlagsOutcome::kExitOk);
  EXPECT_EQ(v.message, "proctree_exporter 1.2.3");
}

TEST(Flags, TelemetryPathValidation) {
  for (const char* bad : {"--web.telemetry-path=", "--web.telemetry-path=metrics", "--web.telemetry-path=/",
                          "--web.telemetry-path=/-/healthy"}) {
    Parsed p = Parse({bad});
    EXPECT_EQ(p.outcome, FlagsOutcome::kUsageError) << bad;
    EXPECT_NE(p.message.find("--web.telemetry-path must start with '/'"), std::string::npos) << p.message;
  }
}

TEST(Flags, LogLevelAndFormatValidation) {
  Parsed l = Parse({"--log.level=verbose"});
  EXPECT_EQ(l.outcome, FlagsOutcome::kUsageError);
  EXPECT_EQ(l.message, "--log.level must be one of debug, info, warn, error: verbose");
  for (const char* ok : {"debug", "info", "warn", "error"}) {
    EXPECT_EQ(Parse({"--log.level", ok}).outcome, FlagsOutcome::kRun) << ok;
  }
  Parsed f = Parse({"--log.format=xml"});
  EXPECT_EQ(f.outcome, FlagsOutcome::kUsageError);
  EXPECT_EQ(f.message, "--log.format must be logfmt or json: xml");
}

TEST(Flags, MaxConnectionsPerClient) {
  EXPECT_EQ(Parse({}).flags.web_max_connections_per_client, 16);
  EXPECT_EQ(Parse({"--web.max-connections-per-client=0"}).flags.web_max_connections_per_client, 0);
  EXPECT_EQ(Parse({"--web.max-connections-per-client", "65535"}).flags.web_max_connections_per_client, 65535);
  for (const char* v : {"", "-1", "65536", "x", "1.5", "999999"}) {
    Parsed p = Parse({"--web.max-connections-per-client", v});
    EXPECT_EQ(p.outcome, FlagsOutcome::kUsageError) << v;
    EXPECT_EQ(p.message, std::string("--web.max-connections-per-client must be a whole number from 0 (no limit) "
                                     "to 65535: ") + v);
  }
}

TEST(Flags, UsageErrors) {
  struct Case {
    std::vector<const char*> args;
    const char* message;
  };
  for (const Case& c : {Case{{"--nope"}, "unknown flag: --nope"},
                        Case{{"-procfs=/x"}, "unexpected argument: -procfs=/x"},
                        Case{{"positional"}, "unexpected argument: positional"},
                        Case{{"--procfs"}, "flag --procfs needs a value"},
                        Case{{"--once=true"}, "--once takes no value"},
                        Case{{"--help=1"}, "--help takes no value"}}) {
    Parsed p = Parse(c.args);
    EXPECT_EQ(p.outcome, FlagsOutcome::kUsageError) << c.message;
    EXPECT_EQ(p.message, c.message);
  }
}

}  // namespace
}  // namespace proctree
