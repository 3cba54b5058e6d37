#pragma once
// tests/fixtures/proc as a scrape sees it: a writable copy a test can break
// file by file, a config from a YAML string, one scrape, and the sample
// lines of its payload. Shared by the scrape-level fixture tests.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/process_selection.h"
#include "exporter/metrics/metric_catalog.h"
#include "exporter/scrape/runtime_config.h"
#include "exporter/scrape/scraper.h"
#include "probes/os/linux/linux_probe.h"
#include "tests/unit/temp_dir.h"

#ifndef PROCTREE_FIXTURES
#error "PROCTREE_FIXTURES must name tests/fixtures (see tests/unit/CMakeLists.txt)"
#endif

namespace proctree::testing {

namespace fixture_fs = std::filesystem;

inline bool IsPidDir(const fixture_fs::directory_entry& e) {
  const std::string n = e.path().filename().string();
  return e.is_directory() && !n.empty() && n.find_first_not_of("0123456789") == std::string::npos;
}

inline std::string ReadAll(const fixture_fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// tests/fixtures/proc copied to a temp dir (symlinks kept), with the empty fd/
// directories git cannot store (see tests/fixtures/README.md).
class FixtureProc {
 public:
  FixtureProc() {
    root_ = dir_.path() / "proc";
    fixture_fs::copy(fixture_fs::path(PROCTREE_FIXTURES) / "proc", root_, fixture_fs::copy_options::recursive | fixture_fs::copy_options::copy_symlinks);
    for (const auto& e : fixture_fs::directory_iterator(root_))
      if (IsPidDir(e) && !fixture_fs::exists(e.path() / "fd")) fixture_fs::create_directory(e.path() / "fd");
  }

  // Replaces <pid>/<name> with an empty directory in every pid directory that
  // has the file (or the link: exe); returns how many were replaced.
  int ReplaceWithDirectory(const std::string& name) {
    int n = 0;
    for (const auto& e : fixture_fs::directory_iterator(root_)) {
      if (!IsPidDir(e)) continue;
      const fixture_fs::path f = e.path() / name;
      const auto status = fixture_fs::symlink_status(f);
      if (!fixture_fs::is_regular_file(status) && !fixture_fs::is_symlink(status)) continue;
      fixture_fs::remove(f);
      fixture_fs::create_directory(f);
      ++n;
    }
    return n;
  }

  // Pid directories whose stat says the process is not a zombie (zombies read stat only).
  int LiveProcesses() const {
    int n = 0;
    for (const auto& e : fixture_fs::directory_iterator(root_)) {
      if (!IsPidDir(e)) continue;
      const std::string stat = ReadAll(e.path() / "stat");
      const auto close = stat.rfind(')');
      if (close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z') ++n;
    }
    return n;
  }

  const fixture_fs::path& root() const { return root_; }

  std::unique_ptr<LinuxProbe> Probe() const {
    std::string error;
    auto probe = LinuxProbe::Open(root_.string(), &error);
    EXPECT_NE(probe, nullptr) << error;
    return probe;
  }

 private:
  TempDir dir_;
  fixture_fs::path root_;
};

// As LoadRuntimeConfig does it, from a string.
inline std::shared_ptr<const RuntimeConfig> RuntimeFrom(const std::string& yaml) {
  auto rc = std::make_shared<RuntimeConfig>();
  std::string error;
  EXPECT_TRUE(ParseConfig(yaml, "test.yml", ConfigSchemaContext{CatalogNames()}, &rc->config, &error)) << error;
  rc->enabled = EnabledFamilies::FromPolicy(rc->config.metrics);
  rc->selection = ProcessSelection::Compile(rc->config);
  return rc;
}

inline std::string ScrapeOnce(const Probe& probe, const RuntimeConfig& rc) {
  Scraper scraper(probe, BuildInfo{"test", "test", "linux"});
  return scraper.Scrape(rc);
}

// The sample lines of `name` whose label set contains every `needle` (e.g. source="io").
inline std::vector<std::string> Series(const std::string& payload, const std::string& name,
                                const std::vector<std::string>& needles = {}) {
  std::vector<std::string> out;
  std::istringstream in(payload);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) != 0) continue;
    const char next = line.size() > name.size() ? line[name.size()] : '\0';
    if (next != '{' && next != ' ') continue;  // another metric with this prefix
    bool all = true;
    for (const auto& n : needles) all = all && line.find(n) != std::string::npos;
    if (all) out.push_back(line);
  }
  return out;
}

inline double ValueOf(const std::string& line) { return std::strtod(line.substr(line.rfind(' ') + 1).c_str(), nullptr); }

}  // namespace proctree::testing
