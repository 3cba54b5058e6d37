#pragma once
// One scrape: probe every process, select and group them, turn samples into
// families, serialize. Nothing is collected between requests. Safe for
// concurrent scrapes.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "exporter/namespace_info.h"
#include "exporter/runtime_config.h"
#include "probes/probe.h"
#include "probes/smaps_cache.h"
#include "probes/tree_aggregation.h"
#include "probes/user_names.h"

namespace proctree {

struct BuildInfo {
  std::string version;
  std::string revision;
  std::string os;
};

// What the exporter learnt about itself at start-up: its capabilities (empty
// when unknown: the family is then absent) and pid namespace.
struct ExporterFacts {
  std::vector<std::pair<std::string, bool>> capabilities;
  std::optional<PidNamespaceInfo> pid_namespace;
};

// What the scrape reports about the exporter's own config state.
struct ReloadStatus {
  bool successful = true;
  double timestamp = 0;
};

// What one request asks of a scrape beyond the config.
struct ScrapeOptions {
  // The families to serve instead of the config's (collect[]/exclude[],
  // --web.disable-exporter-metrics); already narrowed to the config's.
  std::optional<EnabledFamilies> families;
  // From X-Prometheus-Scrape-Timeout-Seconds: past it, no new process or
  // memory-details read starts. A scrape cut short serves what it read,
  // without the tree families (a partial tree would misstate depths and move
  // the subtree and group carries), and counts in
  // proctree_scrape_deadline_exceeded_total.
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

class Scraper {
 public:
  Scraper(const Probe& probe, BuildInfo build, ExporterFacts facts = {})
      : probe_(probe), build_(std::move(build)), facts_(std::move(facts)) {}

  // The payload in the text exposition format 0.0.4.
  std::string Scrape(const RuntimeConfig& rc, const ReloadStatus& reload = {}, const ScrapeOptions& opts = {});

  const ErrorTotals& error_totals() const { return errors_; }

 private:
  const Probe& probe_;
  const BuildInfo build_;
  const ExporterFacts facts_;
  ErrorTotals errors_;
  UserNames users_;
  TreeAggregator aggregator_;  // subtree and group carries, kept between scrapes
  SmapsCache smaps_;           // memory details, kept between scrapes
  std::mutex skips_mu_;
  SmapsCache::Skips skips_;    // cumulative
  std::atomic<std::uint64_t> deadline_exceeded_{0};
};

}  // namespace proctree
