#pragma once
// One scrape: probe every process, select and group them, read the memory
// details a selector asked for, aggregate the tree, serialize. Nothing is
// collected between requests. One scrape at a time: the exporter runs them
// on its ScrapeThread, which owns the Scraper's state between scrapes.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "exporter/metrics/exporter_families.h"
#include "exporter/metrics/text_writer.h"
#include "exporter/scrape/runtime_config.h"
#include "exporter/scrape/top_n_selector.h"
#include "probes/probe.h"
#include "probes/smaps_cache.h"
#include "probes/tree/tree_aggregation.h"
#include "probes/user_names.h"

namespace proctree {

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

  // Writes the payload in the text exposition format 0.0.4 to `out`, a
  // TextWriter::kFlushBytes piece at a time, through a buffer kept from one
  // scrape to the next.
  void Scrape(const RuntimeConfig& rc, const ReloadStatus& reload, const ScrapeOptions& opts, ByteSink& out);
  // The whole payload in one string.
  std::string Scrape(const RuntimeConfig& rc, const ReloadStatus& reload = {}, const ScrapeOptions& opts = {});

  const ErrorTotals& error_totals() const { return errors_; }

 private:
  struct Scanned;
  struct Selected;
  struct Details;
  Scanned ScanStage(const RuntimeConfig& rc, const EnabledFamilies& enabled, const ScrapeOptions& opts);
  Selected SelectStage(const RuntimeConfig& rc, const Scanned& scanned);
  bool CompleteStage(const RuntimeConfig& rc, const EnabledFamilies& enabled, const Selected& selected,
                     const ScrapeOptions& opts, Scanned* scanned);
  bool Complete(FieldGroups groups, const std::vector<int>& which, const ScrapeOptions& opts, Scanned* scanned);
  static bool Aggregates(const EnabledFamilies& enabled, const Scanned& scanned);
  std::vector<int> SubtreeRoots(const RuntimeConfig& rc, const EnabledFamilies& enabled, const Scanned& scanned,
                                const Selected& selected) const;
  Details MemoryDetailsStage(const RuntimeConfig& rc, const EnabledFamilies& enabled, const Scanned& scanned,
                             const Selected& selected, const ScrapeOptions& opts);
  TreeAggregator::Result AggregateStage(const RuntimeConfig& rc, const EnabledFamilies& enabled,
                                        const Scanned& scanned, const Selected& selected);
  ExporterState State(const Scanned& scanned, const Selected& selected, const ReloadStatus& reload);

  const Probe& probe_;
  const BuildInfo build_;
  const ExporterFacts facts_;
  ErrorTotals errors_;
  UserNames users_;
  TreeAggregator aggregator_;  // subtree and group carries, kept between scrapes
  ExitBook exit_book_;         // threads of live processes that exited, kept until their process is gone
  ExitStats exit_stats_;       // cumulative, from the probe
  std::vector<ExitRecord> held_exits_;  // drained by a scrape that did not aggregate
  std::uint64_t held_dropped_ = 0;      // records beyond what held_exits_ may hold
  SmapsCache smaps_;           // memory details, kept between scrapes
  SmapsCache::Skips skips_;    // cumulative
  TopNSelector top_n_;         // top_n's rates and holds, kept between scrapes
  std::uint64_t deadline_exceeded_ = 0;
  bool two_phase_ = true;  // whether the last scrape had few rows (CompleteStage)
  std::uint64_t series_cuts_ = 0;  // scrapes limits.max_series cut
  std::string write_buffer_;   // the TextWriter's, reused
};

}  // namespace proctree
