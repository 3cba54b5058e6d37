// Every file in config/examples/ is a valid config (the directory is listed at
// run time, so a new example is covered without touching this file), and the
// default compiled into the binary is config/examples/default.yml byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/process_selection.h"
#include "exporter/metrics/metric_catalog.h"

#ifndef PROCTREE_CONFIG_EXAMPLES
#error "PROCTREE_CONFIG_EXAMPLES must name config/examples (see tests/unit/CMakeLists.txt)"
#endif

namespace proctree {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> Examples() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(PROCTREE_CONFIG_EXAMPLES)) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".yml" || ext == ".yaml")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << p;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(ConfigExamples, DirectoryHasTheKnownExamples) {
  std::vector<std::string> names;
  for (const auto& p : Examples()) names.push_back(p.filename().string());
  // The README links these; more may be added.
  for (const char* want :
       {"default.yml", "every-process.yml", "sidecar.yml", "host-daemonset.yml", "process-exporter-compat.yml"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want << " missing from "
                                                                        << PROCTREE_CONFIG_EXAMPLES;
}

TEST(ConfigExamples, EveryExampleLoads) {
  const ConfigSchemaContext ctx{CatalogNames()};
  const auto examples = Examples();
  ASSERT_FALSE(examples.empty()) << "no *.yml in " << PROCTREE_CONFIG_EXAMPLES;
  for (const auto& path : examples) {
    SCOPED_TRACE(path.string());
    Config cfg;
    std::string error;
    EXPECT_TRUE(LoadConfigFile(path.string(), ctx, &cfg, &error)) << error;
    EXPECT_EQ(error, "");
    // What the exporter does next with a loaded config must work too.
    auto selection = ProcessSelection::Compile(cfg);
    ASSERT_NE(selection, nullptr);
    const EnabledFamilies enabled = EnabledFamilies::FromPolicy(cfg.metrics);
    bool any = false;
    for (const auto& d : Catalog()) any = any || enabled.has(d.id);
    EXPECT_TRUE(any) << "the example enables no family at all";
  }
}

TEST(ConfigExamples, EmbeddedDefaultIsDefaultYmlByteForByte) {
  const std::string file = ReadAll(fs::path(PROCTREE_CONFIG_EXAMPLES) / "default.yml");
  ASSERT_FALSE(file.empty());
  const std::string_view embedded = EmbeddedDefaultConfig();
  EXPECT_EQ(embedded.size(), file.size());
  EXPECT_TRUE(embedded == file) << "the embedded default differs from config/examples/default.yml; "
                                   "rebuild (config/embed_default.cmake)";
}

TEST(ConfigExamples, EmbeddedDefaultParsesToTheStructDefaults) {
  Config cfg;
  std::string error;
  ASSERT_TRUE(ParseConfig(EmbeddedDefaultConfig(), "<embedded default>", ConfigSchemaContext{CatalogNames()}, &cfg,
                          &error))
      << error;
  const Config defaults;
  EXPECT_EQ(cfg.metrics.allow, defaults.metrics.allow);
  // The one departure: the open fd totals, which would read every process's fd directory.
  std::vector<std::string> deny = defaults.metrics.deny;
  deny.insert(deny.end(), {"proctree_subtree_open_fds", "proctree_group_open_fds"});
  EXPECT_EQ(cfg.metrics.deny, deny);
  EXPECT_TRUE(cfg.processes.empty());
  EXPECT_EQ(cfg.unmatched.per_process, defaults.unmatched.per_process);
  EXPECT_EQ(cfg.unmatched.group, defaults.unmatched.group);
  EXPECT_EQ(cfg.labels.exe, defaults.labels.exe);
  EXPECT_EQ(cfg.labels.cgroup, defaults.labels.cgroup);
  EXPECT_EQ(cfg.labels.container_id, defaults.labels.container_id);
  EXPECT_EQ(cfg.labels.cmdline, defaults.labels.cmdline);
  EXPECT_EQ(cfg.labels.cmdline_max_length, defaults.labels.cmdline_max_length);
  EXPECT_EQ(cfg.limits.max_processes, defaults.limits.max_processes);
  EXPECT_EQ(cfg.limits.memory_maps_per_process, defaults.limits.memory_maps_per_process);
  // Every family on but the opt-in ones and the open fd totals (each would read every process's fd directory).
  const EnabledFamilies enabled = EnabledFamilies::FromPolicy(cfg.metrics);
  for (const auto& d : Catalog())
    EXPECT_EQ(enabled.has(d.id), d.id != Fam::kProcessOomScoreAdj && d.id != Fam::kSubtreeOpenFds && d.id != Fam::kGroupOpenFds) << d.name;
}

TEST(ConfigExamples, EmbeddedDefaultBoundsAncestorDepth) {
  Config cfg;
  std::string error;
  ASSERT_TRUE(ParseConfig(EmbeddedDefaultConfig(), "<embedded default>", ConfigSchemaContext{CatalogNames()}, &cfg,
                          &error))
      << error;
  EXPECT_EQ(cfg.tree_max_ancestor_depth, kDefaultMaxAncestorDepth);
  EXPECT_TRUE(cfg.tree_roots.empty()) << "every process with children stays a root";
}

// The default bounds per-process series by a top_n union; every-process.yml
// is the same config without it.
TEST(ConfigExamples, EmbeddedDefaultRanksEveryProcessDoesNot) {
  const ConfigSchemaContext ctx{CatalogNames()};
  Config def, every;
  std::string error;
  ASSERT_TRUE(ParseConfig(EmbeddedDefaultConfig(), "<embedded default>", ctx, &def, &error)) << error;
  EXPECT_TRUE(def.top_n.Enabled());
  EXPECT_EQ(def.top_n.by_cpu, 10u);
  EXPECT_EQ(def.top_n.by_memory, 10u);
  EXPECT_EQ(def.top_n.by_io, 10u);
  EXPECT_EQ(def.top_n.hold_seconds, 300);
  ASSERT_TRUE(LoadConfigFile((fs::path(PROCTREE_CONFIG_EXAMPLES) / "every-process.yml").string(), ctx, &every, &error))
      << error;
  EXPECT_FALSE(every.top_n.Enabled());
  EXPECT_TRUE(every.unmatched.per_process);
  EXPECT_TRUE(every.processes.empty());
  EXPECT_EQ(every.metrics.allow, def.metrics.allow);
  EXPECT_EQ(every.tree_max_ancestor_depth, def.tree_max_ancestor_depth);
}

}  // namespace
}  // namespace proctree
