#pragma once
// limits.max_series: a hard cap on the samples one scrape serves.
//
// What goes first when it cuts: per-process series (a process loses all of
// them, ancestry and memory maps included: the lightest by rss, then CPU,
// first), then subtree totals (last root first), then group totals (last
// name first). Those totals are bounded by the config and say the most per
// series; a process left out still counts in them. The exporter's own
// families (proctree_scrape_*, proctree_probe_*, proctree_exporter_*,
// proctree_config_*, process_*, proctree_build_info), proctree_processes
// and the tree truncation gauges are always served, even past the cap.
// proctree_scrape_series_limit_dropped and
// proctree_scrape_series_limit_cuts_total say what was cut.
#include <cstddef>
#include <functional>
#include <vector>

#include "exporter/metrics/metric_catalog.h"
#include "exporter/metrics/text_writer.h"
#include "probes/tree/tree_aggregation.h"

namespace proctree {

// Which items fit in `room` samples, given each one's samples in order of
// priority: each is kept when it still fits (a large item does not stop
// smaller ones after it).
std::vector<bool> KeepWithin(std::size_t room, const std::vector<std::size_t>& sizes);

struct SeriesParts {
  // The per-process families of rows and the tree families of totals, with
  // the families `enabled` allows.
  std::function<void(const std::vector<int>& rows, const TreeAggregator::Result& totals,
                     const EnabledFamilies& enabled, TextWriter& w)>
      processes;
  // The exporter's own families.
  std::function<void(TextWriter& w)> own;
};

struct SeriesCut {
  std::vector<int> rows;  // kept, ascending
  TreeAggregator::Result totals;
  std::size_t dropped = 0;  // samples left out
};

// What of `rows` (processes with per-process series, heaviest first) and
// `totals` fits in max_series (0: no cap); everything, with dropped 0, when
// it all fits. Counts with TextWriter::CountOnly, formatting nothing, and
// item by item only when the whole does not fit.
SeriesCut FitSeriesBudget(std::size_t max_series, const SeriesParts& parts, const EnabledFamilies& enabled,
                          const std::vector<int>& rows, const TreeAggregator::Result& totals);

}  // namespace proctree
