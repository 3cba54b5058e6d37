#pragma once
// The families about the exporter itself rather than the processes it reads:
// probe errors and features, skipped reads, this scrape's size, the config
// state, the build, the capabilities and pid namespace it runs with.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "exporter/metrics/metric_catalog.h"
#include "exporter/metrics/text_writer.h"
#include "probes/probe.h"
#include "probes/self_view.h"
#include "probes/smaps_cache.h"

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

// Everything those families show, as of this scrape.
struct ExporterState {
  const Probe& probe;
  const ErrorTotals& errors;
  SmapsCache::Skips skips;      // cumulative
  std::size_t processes = 0;    // read in this scrape
  std::size_t truncated = 0;    // beyond limits.max_processes in this scrape
  std::size_t truncated_top_n = 0;  // left out by top_n in this scrape
  std::uint64_t deadline_exceeded = 0;  // cumulative
  ReloadStatus reload;
  const BuildInfo& build;
  const ExporterFacts& facts;
  std::size_t series_dropped = 0;  // by limits.max_series in this scrape
  std::uint64_t series_cuts = 0;   // scrapes limits.max_series cut, cumulative
};

void WriteExporterFamilies(const ExporterState& s, const EnabledFamilies& enabled, TextWriter& w);

}  // namespace proctree
