// "A disabled family's file is never opened": a scrape over a copy of the
// fixture proc tree whose io (or cmdline) files are directories, so reading
// one fails with EISDIR and shows up in proctree_probe_errors_total. With the
// families that need the file denied, no such error may appear; with them on,
// it must (so the test can fail).
//
// Also ConfigHolder reloads: a bad file keeps the last good config, and
// concurrent scrapes during reloads never see a torn config.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/process_selection.h"
#include "exporter/metrics/metric_catalog.h"
#include "exporter/scrape/runtime_config.h"
#include "exporter/scrape/scrape_thread.h"
#include "exporter/scrape/scraper.h"
#include "probes/os/linux/linux_probe.h"
#include "probes/probe_errors.h"
#include "tests/unit/fixture_proc.h"
#include "tests/unit/temp_dir.h"

#ifndef PROCTREE_FIXTURES
#error "PROCTREE_FIXTURES must name tests/fixtures (see tests/unit/CMakeLists.txt)"
#endif

namespace proctree {
namespace {

namespace fs = std::filesystem;

using proctree::testing::TempDir;

using proctree::testing::FixtureProc;
using proctree::testing::RuntimeFrom;
using proctree::testing::ScrapeOnce;
using proctree::testing::Series;
using proctree::testing::ValueOf;

// How the errno label spells EISDIR (the name, or "E21" where the table has none).
const std::string kEisdir = "errno=\"" + std::string(ErrnoName(EISDIR)) + "\"";

const char* const kDenyIo = R"(
metrics:
  deny:
    - proctree_process_io_*
    - proctree_subtree_io_*
    - proctree_group_io_*
)";

// ---------------------------------------------------------------------------
// io

TEST(AllowlistReads, DeniedIoFamiliesNeverOpenIo) {
  FixtureProc proc;
  ASSERT_GT(proc.ReplaceWithDirectory("io"), 0);
  auto probe = proc.Probe();
  ASSERT_NE(probe, nullptr);

  const auto rc = RuntimeFrom(kDenyIo);
  // The policy leaves no family that needs io.
  for (const auto& d : Catalog()) {
    if (d.needs.has(FieldGroup::kIo)) {
      EXPECT_FALSE(rc->enabled.has(d.id)) << d.name;
    }
  }

  const std::string payload = ScrapeOnce(*probe, *rc);
  EXPECT_TRUE(Series(payload, "proctree_probe_errors_total", {"source=\"io\""}).empty()) << payload;
  // The scrape itself did happen, with every process and other families intact.
  ASSERT_EQ(Series(payload, "proctree_scrape_processes").size(), 1u) << payload;
  EXPECT_EQ(ValueOf(Series(payload, "proctree_scrape_processes")[0]), 16);
  EXPECT_FALSE(Series(payload, "proctree_process_nice").empty());
  EXPECT_FALSE(Series(payload, "proctree_subtree_cpu_seconds_total").empty());
  EXPECT_TRUE(Series(payload, "proctree_process_io_bytes_total").empty());
  EXPECT_TRUE(Series(payload, "proctree_subtree_io_bytes_total").empty());
}

TEST(AllowlistReads, DefaultConfigReadsIo) {
  FixtureProc proc;
  ASSERT_GT(proc.ReplaceWithDirectory("io"), 0);
  auto probe = proc.Probe();
  ASSERT_NE(probe, nullptr);

  const auto rc = RuntimeFrom(std::string(EmbeddedDefaultConfig()));
  const std::string payload = ScrapeOnce(*probe, *rc);
  const auto errors = Series(payload, "proctree_probe_errors_total", {"source=\"io\""});
  ASSERT_EQ(errors.size(), 1u) << payload;
  EXPECT_NE(errors[0].find("syscall=\"read\""), std::string::npos) << errors[0];
  EXPECT_NE(errors[0].find(kEisdir), std::string::npos) << errors[0];
  // One failed read per live process (a zombie's io is not read).
  EXPECT_EQ(ValueOf(errors[0]), proc.LiveProcesses()) << errors[0];
}

TEST(AllowlistReads, AnyOneIoFamilyReadsIo) {
  // Denying all but one io family still reads io: the remaining one needs it.
  for (const char* keep : {"proctree_process_io_bytes_total", "proctree_process_io_syscalls_total",
                           "proctree_subtree_io_bytes_total", "proctree_group_io_bytes_total"}) {
    SCOPED_TRACE(keep);
    FixtureProc proc;
    ASSERT_GT(proc.ReplaceWithDirectory("io"), 0);
    auto probe = proc.Probe();
    ASSERT_NE(probe, nullptr);
    std::string yaml = "metrics:\n  deny:\n";
    for (const char* f : {"proctree_process_io_bytes_total", "proctree_process_io_chars_total",
                          "proctree_process_io_syscalls_total", "proctree_subtree_io_bytes_total",
                          "proctree_group_io_bytes_total"})
      if (std::string(f) != keep) yaml += std::string("    - ") + f + "\n";
    const std::string payload = ScrapeOnce(*probe, *RuntimeFrom(yaml));
    EXPECT_EQ(Series(payload, "proctree_probe_errors_total", {"source=\"io\""}).size(), 1u) << payload;
  }
}

// ---------------------------------------------------------------------------
// schedstat and oom_score_adj

// Read failures of `source` in one scrape (0 when none was counted).
double ErrorsOf(const std::string& payload, const std::string& source) {
  const auto errors = Series(payload, "proctree_probe_errors_total", {"source=\"" + source + "\""});
  EXPECT_LE(errors.size(), 1u) << payload;
  return errors.empty() ? 0 : ValueOf(errors[0]);
}

TEST(AllowlistReads, SchedstatReadOnlyWhileASchedFamilyIsOn) {
  FixtureProc proc;
  const int dirs = proc.ReplaceWithDirectory("schedstat");
  ASSERT_GT(dirs, 0);
  auto probe = proc.Probe();
  ASSERT_NE(probe, nullptr);
  const std::string deny_all = "metrics:\n  deny: [proctree_*_sched_*]\n";
  const auto denied = RuntimeFrom(deny_all);
  for (const auto& d : Catalog()) {
    if (d.needs.has(FieldGroup::kSchedstat)) {
      EXPECT_FALSE(denied->enabled.has(d.id)) << d.name;
    }
  }
  const std::string payload = ScrapeOnce(*probe, *denied);
  EXPECT_EQ(ErrorsOf(payload, "schedstat"), 0) << payload;
  EXPECT_FALSE(Series(payload, "proctree_subtree_cpu_seconds_total").empty());

  // On by default, and any one sched family alone reads it: every process's
  // (a zombie's too) fails, counted, and the families leave it out.
  for (const std::string& yaml :
       {std::string(EmbeddedDefaultConfig()),
        std::string("metrics:\n  allow: [proctree_group_sched_wait_seconds_total, proctree_probe_errors_total]\n"),
        std::string("metrics:\n  allow: [proctree_process_sched_run_seconds_total, proctree_probe_errors_total]\n")}) {
    const std::string on = ScrapeOnce(*probe, *RuntimeFrom(yaml));
    EXPECT_EQ(ErrorsOf(on, "schedstat"), dirs) << yaml;
    EXPECT_TRUE(Series(on, "proctree_process_sched_run_seconds_total").empty()) << on;
    EXPECT_TRUE(Series(on, "proctree_group_sched_wait_seconds_total").empty()) << on;
  }
}

TEST(AllowlistReads, OomScoreAdjIsOptIn) {
  FixtureProc proc;
  ASSERT_GT(proc.ReplaceWithDirectory("oom_score_adj"), 0);
  auto probe = proc.Probe();
  ASSERT_NE(probe, nullptr);
  const auto def = RuntimeFrom(std::string(EmbeddedDefaultConfig()));
  EXPECT_FALSE(def->enabled.has(Fam::kProcessOomScoreAdj));
  EXPECT_EQ(ErrorsOf(ScrapeOnce(*probe, *def), "oom_score_adj"), 0);
  // Opted in: read for every live process (a zombie's is not).
  const std::string payload = ScrapeOnce(*probe, *RuntimeFrom("metrics:\n  deny: []\n"));
  EXPECT_EQ(ErrorsOf(payload, "oom_score_adj"), proc.LiveProcesses()) << payload;
}

TEST(AllowlistReads, SchedAndOomFamiliesFromTheFixture) {
  FixtureProc proc;
  auto probe = proc.Probe();
  ASSERT_NE(probe, nullptr);
  const std::string payload = ScrapeOnce(*probe, *RuntimeFrom("metrics:\n  deny: []\n"));
  // proc/8444/schedstat "315253801 4130033979 205", oom_score_adj "500".
  for (const auto& [name, want] : std::vector<std::pair<std::string, double>>{
           {"proctree_process_sched_wait_seconds_total", 4.130033979},
           {"proctree_process_sched_run_seconds_total", 0.315253801},
           {"proctree_process_oom_score_adj", 500}}) {
    const auto lines = Series(payload, name, {"pid=\"8444\""});
    ASSERT_EQ(lines.size(), 1u) << name << "\n" << payload;
    EXPECT_DOUBLE_EQ(ValueOf(lines[0]), want) << name;
  }
  EXPECT_EQ(Series(payload, "proctree_probe_feature_supported", {"feature=\"schedstat\""}),
            std::vector<std::string>{"proctree_probe_feature_supported{feature=\"schedstat\"} 1"});
  EXPECT_FALSE(Series(payload, "proctree_group_sched_wait_seconds_total").empty()) << payload;
}

// ---------------------------------------------------------------------------
// cmdline

TEST(AllowlistReads, CmdlineReadOnlyWhenALabelOrSelectorNeedsIt) {
  FixtureProc proc;
  ASSERT_GT(proc.ReplaceWithDirectory("cmdline"), 0);
  auto probe = proc.Probe();
  ASSERT_NE(probe, nullptr);
  const std::vector<std::string> cmdline_errors = {"source=\"cmdline\""};

  // Default: every family on, labels.cmdline off, no cmdline selector.
  {
    const std::string payload = ScrapeOnce(*probe, *RuntimeFrom(std::string(EmbeddedDefaultConfig())));
    EXPECT_TRUE(Series(payload, "proctree_probe_errors_total", cmdline_errors).empty()) << payload;
    EXPECT_FALSE(Series(payload, "proctree_process_info").empty());
  }
  // Selectors that need other files only.
  {
    const std::string payload = ScrapeOnce(
        *probe, *RuntimeFrom("processes:\n  - match: {comm: [zombie]}\n    group: '{user}-{exe_base}'\n"
                             "labels: {exe: true, cgroup: true, container_id: true, cmdline: false}\n"));
    EXPECT_TRUE(Series(payload, "proctree_probe_errors_total", cmdline_errors).empty()) << payload;
  }
  // labels.cmdline on: read, and the failure counted.
  {
    const std::string payload = ScrapeOnce(*probe, *RuntimeFrom("labels: {cmdline: true}\n"));
    const auto errors = Series(payload, "proctree_probe_errors_total", cmdline_errors);
    ASSERT_EQ(errors.size(), 1u) << payload;
    EXPECT_NE(errors[0].find(kEisdir), std::string::npos) << errors[0];
    EXPECT_EQ(ValueOf(errors[0]), proc.LiveProcesses()) << errors[0];
  }
  // A cmdline selector, label off: read too.
  {
    const std::string payload = ScrapeOnce(*probe, *RuntimeFrom("processes:\n  - match: {cmdline: ['x']}\n"));
    EXPECT_EQ(Series(payload, "proctree_probe_errors_total", cmdline_errors).size(), 1u) << payload;
  }
  // A cmdline condition in tree.roots: read too.
  {
    const std::string payload = ScrapeOnce(*probe, *RuntimeFrom("tree:\n  roots: [{cmdline: ['x']}]\n"));
    EXPECT_EQ(Series(payload, "proctree_probe_errors_total", cmdline_errors).size(), 1u) << payload;
  }
}

// ---------------------------------------------------------------------------
// Label-only files: read for the labelled processes alone

// Two rows by memory (8672, 8444) and one subtree root that is not a row
// (8683, by comm): the processes whose label prefix is written.
const char* const kFewLabelled = R"(
top_n: {by_memory: 2, hold_seconds: 0}
tree:
  roots: [{comm: [stopped]}]
)";
const char* const kLabelledPids[] = {"8672", "8444", "8683"};

// Read failures of `source` with `labels_yaml` (plus `extra`) over a copy
// whose <pid>/<file> are directories.
double LabelFileErrors(const std::string& file, const std::string& source, const std::string& yaml) {
  FixtureProc proc;
  EXPECT_GT(proc.ReplaceWithDirectory(file), 0);
  auto probe = proc.Probe();
  if (probe == nullptr) return -1;
  return ErrorsOf(ScrapeOnce(*probe, *RuntimeFrom(yaml)), source);
}

// The series of `name` of each labelled pid, label prefix and value.
std::vector<std::string> LabelledSeries(const std::string& payload, const std::string& name) {
  std::vector<std::string> out;
  for (const char* pid : kLabelledPids)
    for (const auto& line : Series(payload, name, {"pid=\"" + std::string(pid) + "\""})) out.push_back(line);
  return out;
}

TEST(AllowlistReads, LabelOnlyFilesReadForTheLabelledOnly) {
  struct Case {
    const char *file, *source, *labels, *selector;
  };
  for (const Case& c : {Case{"exe", "exe", "labels: {exe: true}\n", "processes:\n  - match: {exe: [nomatch]}\n"},
                        Case{"cgroup", "cgroup", "labels: {cgroup: true}\n", "processes:\n  - match: {cgroup: [nomatch]}\n"},
                        Case{"cgroup", "cgroup", "labels: {container_id: true}\n",
                             "processes:\n  - match: {comm: [a]}\n    group: '{container_id}'\n"},
                        Case{"cmdline", "cmdline", "labels: {cmdline: true}\n", "processes:\n  - match: {cmdline: [nomatch]}\n"}}) {
    SCOPED_TRACE(c.labels);
    // The rows and the subtree root, not the 9 or 12 others.
    EXPECT_EQ(LabelFileErrors(c.file, c.source, std::string(kFewLabelled) + c.labels), 3);
    // A selector (or group template) needs the file of every process: phase 1 as before.
    FixtureProc proc;
    const int every = proc.ReplaceWithDirectory(c.file) - (std::string(c.file) == "exe" ? 0 : 1);  // not the zombie's
    EXPECT_EQ(LabelFileErrors(c.file, c.source, std::string(kFewLabelled) + c.labels + c.selector), every);
  }
}

TEST(AllowlistReads, LabelOnlyValuesAsInOnePhase) {
  // The same label values, read for the labelled processes in phase 2, as a
  // scrape that reads every process in one phase (every process a row; the
  // second scrape runs in one phase) writes for them.
  FixtureProc proc;
  auto probe = proc.Probe();
  ASSERT_NE(probe, nullptr);
  const std::string labels = "labels: {user: true, exe: true, cgroup: true, container_id: true, cmdline: true}\n";
  const std::string few = ScrapeOnce(*probe, *RuntimeFrom(std::string(kFewLabelled) + labels));
  Scraper every(*probe, BuildInfo{"test", "test", "linux"});
  const auto all_rows = RuntimeFrom("tree:\n  roots: [{comm: [stopped]}]\n" + labels);
  every.Scrape(*all_rows);
  const std::string one_phase = every.Scrape(*all_rows);
  for (const char* name : {"proctree_process_threads", "proctree_subtree_processes"}) {
    SCOPED_TRACE(name);
    const auto got = LabelledSeries(few, name);
    const auto want = LabelledSeries(one_phase, name);  // a superset: every process is a row there
    ASSERT_FALSE(got.empty());
    for (const auto& line : got) {
      EXPECT_NE(std::find(want.begin(), want.end(), line), want.end()) << line;
      EXPECT_NE(line.find("exe=\"/root/.pyenv/versions/3.11.7/bin/python3.11\""), std::string::npos) << line;
      EXPECT_NE(line.find("cmdline=\""), std::string::npos) << line;
      EXPECT_NE(line.find("cgroup=\""), std::string::npos) << line;
    }
  }
  EXPECT_EQ(LabelledSeries(few, "proctree_subtree_processes").size(), 1u);  // 8683's
  EXPECT_EQ(LabelledSeries(few, "proctree_process_threads").size(), 2u);    // the rows'
}

// A module without a by-pid Complete (Windows): Probe::Complete's default
// scans every process again, so phase 2 is one more scan, not one per set.
class RescanningProbe final : public Probe {
 public:
  explicit RescanningProbe(const Probe& inner) : inner_(inner) {}
  std::string_view os() const override { return inner_.os(); }
  bool Supports(Feature f) const override { return inner_.Supports(f); }
  ScanResult Scan(const ScanRequest& req, ScanErrors& errors) const override {
    ++scans;
    return inner_.Scan(req, errors);
  }
  std::optional<ProcessSample> SampleSelf(const ScanRequest& req, ScanErrors& errors) const override {
    return inner_.SampleSelf(req, errors);
  }
  DetailOutcome ReadMemoryDetails(const ProcessKey& key, bool maps, MemoryDetails* out,
                                  ScanErrors& errors) const override {
    return inner_.ReadMemoryDetails(key, maps, out, errors);
  }
  mutable int scans = 0;

 private:
  const Probe& inner_;
};

TEST(AllowlistReads, LabelOnlyGroupsWithTheDefaultCompleteScanOnceMore) {
  FixtureProc proc;
  auto probe = proc.Probe();
  ASSERT_NE(probe, nullptr);
  const auto rc = RuntimeFrom(std::string(kFewLabelled) + "labels: {exe: true, cmdline: true}\n");
  RescanningProbe rescanning(*probe);
  const std::string payload = ScrapeOnce(rescanning, *rc);
  EXPECT_EQ(rescanning.scans, 2);  // phase 1, then rows and the subtree root together
  EXPECT_EQ(LabelledSeries(payload, "proctree_subtree_processes"),
            LabelledSeries(ScrapeOnce(*probe, *rc), "proctree_subtree_processes"));
  EXPECT_EQ(LabelledSeries(payload, "proctree_process_threads"),
            LabelledSeries(ScrapeOnce(*probe, *rc), "proctree_process_threads"));
}

TEST(AllowlistReads, NoProcessFamilyNoScanAtAll) {
  // Only exporter-level families: no pid directory is read, so nothing fails.
  FixtureProc proc;
  ASSERT_GT(proc.ReplaceWithDirectory("io"), 0);
  ASSERT_GT(proc.ReplaceWithDirectory("cmdline"), 0);
  auto probe = proc.Probe();
  ASSERT_NE(probe, nullptr);
  const std::string payload = ScrapeOnce(
      *probe, *RuntimeFrom("metrics:\n  allow: [proctree_probe_errors_total, proctree_scrape_processes]\n"
                           "labels: {cmdline: true}\n"));
  EXPECT_TRUE(Series(payload, "proctree_probe_errors_total", {"source=\""}).empty()) << payload;
  ASSERT_EQ(Series(payload, "proctree_scrape_processes").size(), 1u) << payload;
  EXPECT_EQ(ValueOf(Series(payload, "proctree_scrape_processes")[0]), 0);
}

// ---------------------------------------------------------------------------
// ConfigHolder reloads

void WriteFile(const fs::path& p, const std::string& content) {
  // Whole-file replacement, as an editor or a ConfigMap update does it.
  const fs::path tmp = p.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
  }
  fs::rename(tmp, p);
}

const char* const kDenyNice = "metrics:\n  deny: [proctree_process_nice]\n";
const char* const kAllowAll = "metrics:\n  deny: []\n";
const char* const kBad = "metrics:\n  deny: [proctree_process_nicety]\n";

TEST(ConfigReload, BadFileKeepsTheLastGoodConfig) {
  TempDir dir;
  const fs::path path = dir.path() / "config.yml";
  WriteFile(path, kDenyNice);
  ConfigHolder holder(path.string());
  std::string error;
  ASSERT_TRUE(holder.Load(&error)) << error;
  const auto first = holder.Get();
  ASSERT_NE(first, nullptr);
  EXPECT_FALSE(first->enabled.has(Fam::kProcessNice));
  EXPECT_TRUE(holder.last_reload_successful());
  const double t1 = holder.last_success_timestamp();
  EXPECT_GT(t1, 1.6e9);

  WriteFile(path, kBad);
  error.clear();
  EXPECT_FALSE(holder.Reload(&error));
  EXPECT_EQ(error, path.string() + ":2:10: \"proctree_process_nicety\" in metrics.deny matches no metric family");
  EXPECT_EQ(holder.Get(), first);  // the same object, still in force
  EXPECT_FALSE(holder.last_reload_successful());
  EXPECT_EQ(holder.last_success_timestamp(), t1);

  // Still bad: still the old one.
  EXPECT_FALSE(holder.Reload(&error));
  EXPECT_EQ(holder.Get(), first);

  WriteFile(path, kAllowAll);
  error.clear();
  EXPECT_TRUE(holder.Reload(&error)) << error;
  const auto second = holder.Get();
  ASSERT_NE(second, nullptr);
  EXPECT_NE(second, first);
  EXPECT_TRUE(second->enabled.has(Fam::kProcessNice));
  EXPECT_TRUE(holder.last_reload_successful());
  EXPECT_GT(holder.last_success_timestamp(), t1);
  // The old config is still valid for whoever holds it.
  EXPECT_FALSE(first->enabled.has(Fam::kProcessNice));
}

TEST(ConfigReload, MissingFileAtLoadFails) {
  TempDir dir;
  const std::string path = (dir.path() / "nope.yml").string();
  ConfigHolder holder(path);
  std::string error;
  EXPECT_FALSE(holder.Load(&error));
  EXPECT_EQ(error, path + ": cannot open config file");
  EXPECT_EQ(holder.Get(), nullptr);
  EXPECT_FALSE(holder.last_reload_successful());
  // A deleted file at reload keeps the loaded config.
  WriteFile(path, kDenyNice);
  ASSERT_TRUE(holder.Load(&error)) << error;
  const auto loaded = holder.Get();
  fs::remove(path);
  EXPECT_FALSE(holder.Reload(&error));
  EXPECT_EQ(holder.Get(), loaded);
}

TEST(ConfigReload, EmptyPathIsTheEmbeddedDefault) {
  ConfigHolder holder("");
  std::string error;
  ASSERT_TRUE(holder.Load(&error)) << error;
  ASSERT_NE(holder.Get(), nullptr);
  EXPECT_TRUE(holder.Get()->enabled.has(Fam::kProcessNice));
}

TEST(ConfigReload, ConcurrentScrapesDuringReloads) {
  FixtureProc proc;
  auto probe = proc.Probe();
  ASSERT_NE(probe, nullptr);
  TempDir dir;
  const fs::path path = dir.path() / "config.yml";
  WriteFile(path, kDenyNice);
  ConfigHolder holder(path.string());
  std::string error;
  ASSERT_TRUE(holder.Load(&error)) << error;

  // As the exporter runs it: the callers queue on one ScrapeThread, each
  // scrape takes the config in force when it starts.
  Scraper scraper(*probe, BuildInfo{"test", "test", "linux"});
  struct NoConfig {};
  ScrapeThread scrape_thread([&](const ScrapeRequest&, ByteSink& out) {
    const auto rc = holder.Get();
    if (!rc) throw NoConfig{};
    scraper.Scrape(*rc, ReloadStatus{holder.last_reload_successful(), holder.last_success_timestamp()}, {}, out);
  });
  std::atomic<bool> done{false};
  std::atomic<int> scrapes{0}, empty{0}, malformed{0}, null_config{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      int mine = 0;
      // At least a few scrapes each, however fast the reloads finish.
      while (!done.load() || mine < 3) {
        std::string payload;
        try {
          payload = scrape_thread.Run(ScrapeRequest{});
        } catch (const NoConfig&) {
          null_config.fetch_add(1);
          continue;
        }
        ++mine;
        scrapes.fetch_add(1);
        if (payload.empty()) {
          empty.fetch_add(1);
          continue;
        }
        // Whole: ends in a newline, has the per-process and exporter families.
        if (payload.back() != '\n' || payload.find("\nproctree_process_info{") == std::string::npos ||
            payload.find("\nproctree_config_last_reload_successful ") == std::string::npos)
          malformed.fetch_add(1);
      }
    });
  }

  int wrong_result = 0;
  std::string last_error;
  for (int i = 0; i < 200; ++i) {
    const bool good = i % 2 == 0;
    WriteFile(path, good ? (i % 4 == 0 ? kAllowAll : kDenyNice) : kBad);
    std::string err;
    if (holder.Reload(&err) != good) {
      ++wrong_result;
      last_error = err;
    }
    if (holder.last_reload_successful() != good) ++wrong_result;
  }
  done = true;
  for (auto& t : threads) t.join();

  EXPECT_EQ(wrong_result, 0) << last_error;
  EXPECT_GE(scrapes.load(), 12);
  EXPECT_EQ(empty.load(), 0);
  EXPECT_EQ(malformed.load(), 0);
  EXPECT_EQ(null_config.load(), 0);
  // The last reload (i = 199) was bad: the config of i = 198 (deny nice) serves.
  EXPECT_FALSE(holder.last_reload_successful());
  EXPECT_FALSE(holder.Get()->enabled.has(Fam::kProcessNice));
}

// labels.user puts the user on every per-process series; proctree_process_info,
// which always has it, must then carry it once, not twice.
TEST(OptionalLabels, UserOnEverySeriesAndOnceOnInfo) {
  FixtureProc proc;
  auto probe = proc.Probe();
  ASSERT_NE(probe, nullptr);
  const std::string payload = ScrapeOnce(*probe, *RuntimeFrom("labels:\n  user: true\n"));
  const auto info = Series(payload, "proctree_process_info", {"pid=\"8444\""});
  ASSERT_EQ(info.size(), 1u) << payload.substr(0, 2000);
  std::size_t count = 0;
  for (std::size_t at = info[0].find("user=\""); at != std::string::npos; at = info[0].find("user=\"", at + 1)) ++count;
  EXPECT_EQ(count, 1u) << info[0];
  for (const auto& line : Series(payload, "proctree_process_threads", {"pid=\"8444\""}))
    EXPECT_NE(line.find("user=\"nobody\""), std::string::npos) << line;
  // Off by default.
  const std::string plain = ScrapeOnce(*probe, *RuntimeFrom(""));
  for (const auto& line : Series(plain, "proctree_process_threads", {"pid=\"8444\""}))
    EXPECT_EQ(line.find("user="), std::string::npos) << line;
}

// limits.max_processes keeps per-process series for the largest by rss (then
// CPU); the rest are counted only in their groups, and the scrape says how many.
TEST(Limits, MaxProcessesKeepsTheLargestAndFoldsTheRest) {
  FixtureProc proc;
  auto probe = proc.Probe();
  ASSERT_NE(probe, nullptr);
  const std::string payload = ScrapeOnce(*probe, *RuntimeFrom("limits:\n  max_processes: 2\n"));
  // Fixture rss (status VmRSS): 8672 12624 kB and 8444 12552 kB are the two largest.
  const auto threads = Series(payload, "proctree_process_threads", {});
  ASSERT_EQ(threads.size(), 2u) << payload.substr(0, 3000);
  EXPECT_EQ(Series(payload, "proctree_process_threads", {"pid=\"8672\""}).size(), 1u);
  EXPECT_EQ(Series(payload, "proctree_process_threads", {"pid=\"8444\""}).size(), 1u);

  auto value = [](const std::string& line) { return std::stod(line.substr(line.rfind(' ') + 1)); };
  const auto scraped = Series(payload, "proctree_scrape_processes", {});
  const auto truncated = Series(payload, "proctree_scrape_truncated_processes", {"reason=\"max_processes\""});
  ASSERT_EQ(scraped.size(), 1u);
  ASSERT_EQ(truncated.size(), 1u);
  EXPECT_EQ(value(truncated[0]), value(scraped[0]) - 2);
  EXPECT_EQ(ValueOf(Series(payload, "proctree_scrape_truncated_processes", {"reason=\"top_n\""}).at(0)), 0);
  // Every process still counts in a group.
  double in_groups = 0;
  for (const auto& line : Series(payload, "proctree_group_processes", {})) in_groups += value(line);
  EXPECT_EQ(in_groups, value(scraped[0]));

  const std::string unlimited = ScrapeOnce(*probe, *RuntimeFrom(""));
  EXPECT_EQ(Series(unlimited, "proctree_process_threads", {}).size(), static_cast<std::size_t>(value(scraped[0])));
  const auto none = Series(unlimited, "proctree_scrape_truncated_processes", {});
  ASSERT_EQ(none.size(), 2u);  // max_processes and top_n
  EXPECT_EQ(value(none[0]), 0);
  EXPECT_EQ(value(none[1]), 0);
}

// top_n: per-process series for the ranked and for what a selector names;
// the rest are counted in their groups and as truncated{reason="top_n"}.
TEST(Limits, TopNKeepsTheRankedAndTheNamedAndCountsTheRest) {
  FixtureProc proc;
  auto probe = proc.Probe();
  ASSERT_NE(probe, nullptr);
  const auto rc = RuntimeFrom(R"(
processes:
  - match: {comm: [kthreadd]}
    group: kernel
top_n: {by_memory: 2, hold_seconds: 0}
)");
  const std::string payload = ScrapeOnce(*probe, *rc);
  // The two largest by rss (8672, 8444) and kthreadd (named); its kworker
  // children join its group but compete in top_n, with no rss.
  const auto threads = Series(payload, "proctree_process_threads", {});
  ASSERT_EQ(threads.size(), 3u) << payload.substr(0, 3000);
  for (const char* pid : {"8672", "8444", "2"})
    EXPECT_EQ(Series(payload, "proctree_process_threads", {"pid=\"" + std::string(pid) + "\""}).size(), 1u) << pid;
  const double scraped = ValueOf(Series(payload, "proctree_scrape_processes", {}).at(0));
  EXPECT_EQ(ValueOf(Series(payload, "proctree_scrape_truncated_processes", {"reason=\"top_n\""}).at(0)), scraped - 3);
  EXPECT_EQ(ValueOf(Series(payload, "proctree_scrape_truncated_processes", {"reason=\"max_processes\""}).at(0)), 0);
  double in_groups = 0;
  for (const auto& line : Series(payload, "proctree_group_processes", {})) in_groups += ValueOf(line);
  EXPECT_EQ(in_groups, scraped);
  EXPECT_EQ(ValueOf(Series(payload, "proctree_group_processes", {"group=\"kernel\""}).at(0)), 3);
  // Ancestor and depth series only for those with per-process series.
  EXPECT_EQ(Series(payload, "proctree_process_depth", {}).size(), 3u);
}

}  // namespace
}  // namespace proctree
