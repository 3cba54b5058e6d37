#pragma once
// What --config.check prints besides validity: how many series the config
// gives on this host, from one scrape of the host's procfs with it, by kind.
#include <cstddef>
#include <string>
#include <string_view>

#include "config/config.h"

namespace proctree {

struct SeriesEstimate {
  std::size_t per_process = 0;  // proctree_process_* samples
  std::size_t processes_with_series = 0;  // distinct pids among them
  std::size_t group = 0;        // proctree_group_*
  std::size_t subtree = 0;      // proctree_subtree_*
  std::size_t other = 0;        // host-wide and the exporter's own (proctree_processes, proctree_scrape_*, process_*, ...)
  std::size_t processes = 0;    // proctree_scrape_processes: processes read
  std::size_t payload_bytes = 0;
  std::size_t total() const { return per_process + group + subtree + other; }
};

// Counts the samples of a text-format payload by kind of family.
SeriesEstimate CountSeries(std::string_view payload);

// The lines --config.check prints.
std::string FormatSeriesEstimate(const SeriesEstimate& e, const TopNPolicy& top_n);

}  // namespace proctree
