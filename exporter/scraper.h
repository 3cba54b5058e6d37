#pragma once
// One scrape: probe every process, turn samples into families, serialize.
// Nothing is collected between requests. Safe for concurrent scrapes.
#include <string>

#include "exporter/metric_catalog.h"
#include "probes/probe.h"
#include "probes/tree_aggregation.h"
#include "probes/user_names.h"

namespace proctree {

struct BuildInfo {
  std::string version;
  std::string revision;
  std::string os;
};

class Scraper {
 public:
  Scraper(const Probe& probe, BuildInfo build) : probe_(probe), build_(std::move(build)) {}

  // The payload in the text exposition format 0.0.4.
  std::string Scrape(const EnabledFamilies& enabled);

  const ErrorTotals& error_totals() const { return errors_; }

 private:
  const Probe& probe_;
  const BuildInfo build_;
  ErrorTotals errors_;
  UserNames users_;
  TreeAggregator aggregator_;  // subtree and group carries, kept between scrapes
};

}  // namespace proctree
