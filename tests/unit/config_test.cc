// ParseConfig / LoadConfigFile / MetricsPolicy: schema, globbing and the
// "<source>:<line>:<column>: <reason>" error format.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "config/config.h"
#include "exporter/metrics/metric_catalog.h"

namespace proctree {
namespace {

const ConfigSchemaContext kCtx{{"process_cpu_seconds_total", "process_memory_bytes", "process_open_fds",
                                "process_tree_cpu_seconds_total", "proctree_process_oom_score_adj"}};

bool Parse(const std::string& yaml, Config* cfg, std::string* error) {
  return ParseConfig(yaml, "test.yml", kCtx, cfg, error);
}

std::string ParseError(const std::string& yaml) {
  Config cfg;
  std::string error;
  EXPECT_FALSE(Parse(yaml, &cfg, &error)) << yaml;
  return error;
}

TEST(Config, EmptyMeansDefaults) {
  for (const char* yaml : {"", "# only a comment\n", "~\n"}) {
    Config cfg;
    std::string error;
    ASSERT_TRUE(Parse(yaml, &cfg, &error)) << error;
    EXPECT_EQ(cfg.metrics.allow, std::vector<std::string>{"*"});
    // Only the opt-in families are off.
    EXPECT_EQ(cfg.metrics.deny, std::vector<std::string>{"proctree_process_oom_score_adj"});
    EXPECT_TRUE(cfg.metrics.Allows("anything_at_all"));
    EXPECT_FALSE(cfg.metrics.Allows("proctree_process_oom_score_adj"));
  }
}

TEST(Config, EmbeddedDefaultParses) {
  Config cfg;
  std::string error;
  ASSERT_TRUE(ParseConfig(EmbeddedDefaultConfig(), "<embedded>", ConfigSchemaContext{CatalogNames()}, &cfg, &error))
      << error;
  EXPECT_EQ(cfg.metrics.allow, std::vector<std::string>{"*"});
  EXPECT_EQ(cfg.metrics.deny, (std::vector<std::string>{"proctree_process_oom_score_adj", "proctree_subtree_open_fds", "proctree_group_open_fds"}));
}

TEST(Config, AllowAndDenyGlobsDenyWins) {
  Config cfg;
  std::string error;
  ASSERT_TRUE(Parse("metrics:\n  allow: [\"process_*\"]\n  deny:\n    - process_tree_*\n    - process_open_fds\n",
                    &cfg, &error))
      << error;
  EXPECT_EQ(cfg.metrics.allow, std::vector<std::string>{"process_*"});
  EXPECT_EQ(cfg.metrics.deny, (std::vector<std::string>{"process_tree_*", "process_open_fds"}));
  EXPECT_TRUE(cfg.metrics.Allows("process_cpu_seconds_total"));
  EXPECT_TRUE(cfg.metrics.Allows("process_memory_bytes"));
  EXPECT_FALSE(cfg.metrics.Allows("process_open_fds"));
  EXPECT_FALSE(cfg.metrics.Allows("process_tree_cpu_seconds_total"));
  EXPECT_FALSE(cfg.metrics.Allows("node_cpu_seconds_total"));  // not allowed at all
}

TEST(Config, EmptyAllowListAllowsNothing) {
  Config cfg;
  std::string error;
  ASSERT_TRUE(Parse("metrics:\n  allow: []\n", &cfg, &error)) << error;
  EXPECT_FALSE(cfg.metrics.Allows("process_open_fds"));
}

// Messages start with "<source>:<line>:<column>: "; the wording after that
// is checked by its key phrases only, since the schema keeps growing.
void ExpectError(const std::string& yaml, const std::string& position, const std::string& phrase) {
  std::string e = ParseError(yaml);
  EXPECT_EQ(e.rfind("test.yml:" + position + ": ", 0), 0u) << e;
  EXPECT_NE(e.find(phrase), std::string::npos) << e;
}

TEST(Config, UnknownKeysNamePositionAndAllowedKeys) {
  EXPECT_EQ(ParseError("metrics:\n  allow: [\"*\"]\n  nope: 1\n"),
            "test.yml:3:3: unknown key \"nope\" in metrics (allowed: allow, deny)");
  ExpectError("scrape:\n  x: 1\n", "1:1", "unknown key \"scrape\" in the top level (allowed: ");
  ExpectError("scrape:\n  x: 1\n", "1:1", "metrics");
}

TEST(Config, PatternMustMatchAFamily) {
  EXPECT_EQ(ParseError("metrics:\n  deny:\n    - node_*\n"),
            "test.yml:3:7: \"node_*\" in metrics.deny matches no metric family");
  EXPECT_EQ(ParseError("metrics:\n  allow: [process_open_fds, procss_typo]\n"),
            "test.yml:2:29: \"procss_typo\" in metrics.allow matches no metric family");
}

TEST(Config, WrongShapes) {
  ExpectError("- metrics\n", "1:1", "the top level must be a mapping");
  ExpectError("metrics: [1]\n", "1:10", "metrics must be a mapping");
  ExpectError("metrics:\n  allow: process_*\n", "2:10", "metrics.allow must be a list");
  ExpectError("metrics:\n  allow:\n    - {a: b}\n", "3:7", "metrics.allow entries must be");
}

TEST(Config, YamlSyntaxErrorHasPosition) {
  std::string e = ParseError("metrics:\n  allow: [\"*\"\n");
  EXPECT_EQ(e.rfind("test.yml:", 0), 0u) << e;
  EXPECT_NE(e.find(": "), std::string::npos) << e;
}

TEST(Config, LoadConfigFile) {
  char path[] = "/tmp/proctree-config-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  {
    std::ofstream out(path);
    out << "metrics:\n  deny: [process_memory_bytes]\n";
  }
  Config cfg;
  std::string error;
  EXPECT_TRUE(LoadConfigFile(path, kCtx, &cfg, &error)) << error;
  EXPECT_FALSE(cfg.metrics.Allows("process_memory_bytes"));
  EXPECT_TRUE(cfg.metrics.Allows("process_open_fds"));
  {
    std::ofstream out(path);
    out << "metrics:\n  deny: [bogus]\n";
  }
  EXPECT_FALSE(LoadConfigFile(path, kCtx, &cfg, &error));
  EXPECT_EQ(error, std::string(path) + ":2:10: \"bogus\" in metrics.deny matches no metric family");
  std::remove(path);

  EXPECT_FALSE(LoadConfigFile("/nonexistent/proctree.yml", kCtx, &cfg, &error));
  EXPECT_EQ(error, "/nonexistent/proctree.yml: cannot open config file");
}

TEST(Config, FailedParseLeavesOutputUntouched) {
  Config cfg;
  cfg.metrics.deny = {"kept"};
  std::string error;
  EXPECT_FALSE(Parse("metrics:\n  deny: [nothing_matches]\n", &cfg, &error));
  EXPECT_EQ(cfg.metrics.deny, std::vector<std::string>{"kept"});
}

}  // namespace
}  // namespace proctree
