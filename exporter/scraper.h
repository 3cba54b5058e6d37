#pragma once
// One scrape: probe every process, select and group them, turn samples into
// families, serialize. Nothing is collected between requests. Safe for
// concurrent scrapes.
#include <mutex>
#include <string>

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

// What the scrape reports about the exporter's own config state.
struct ReloadStatus {
  bool successful = true;
  double timestamp = 0;
};

class Scraper {
 public:
  Scraper(const Probe& probe, BuildInfo build) : probe_(probe), build_(std::move(build)) {}

  // The payload in the text exposition format 0.0.4.
  std::string Scrape(const RuntimeConfig& rc, const ReloadStatus& reload = {});

  const ErrorTotals& error_totals() const { return errors_; }

 private:
  const Probe& probe_;
  const BuildInfo build_;
  ErrorTotals errors_;
  UserNames users_;
  TreeAggregator aggregator_;  // subtree and group carries, kept between scrapes
  SmapsCache smaps_;           // memory details, kept between scrapes
  std::mutex skips_mu_;
  SmapsCache::Skips skips_;    // cumulative
};

}  // namespace proctree
