#pragma once
// Which processes keep per-process series under top_n (TopNPolicy in
// config/config.h): the union of the first N candidates by CPU rate, by
// resident memory and by IO rate, each held for hold_seconds after it last
// ranked there, so a process does not flap in and out between scrapes.
//
// Rates are over the time since the previous scrape; a process the previous
// scrape did not see is ranked by its rate over its lifetime (at least 1 s,
// so a process started a moment ago with a few ticks of CPU does not outrank
// a steady burner), so a CPU burner qualifies at the first scrape that sees
// it. Only a positive rate (or a resident size) ranks: on an idle host the
// CPU and IO rankings may hold fewer than N processes.
//
// State between scrapes: one entry per candidate of the last scrape, keyed
// by (pid, start time), so a reused pid inherits nothing and an exited
// process is forgotten at the next scrape.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "config/config.h"
#include "probes/process_sample.h"
#include "probes/scan_request.h"

namespace proctree {

class TopNSelector {
 public:
  using Clock = std::chrono::steady_clock;

  // The probe field groups the ranking reads for every candidate, not only
  // for the processes that end up with series: stat (identity, CPU, start
  // time), memory when by_memory ranks (resident size), io when by_io ranks.
  // Nothing when the policy is off.
  static FieldGroups GroupsNeededForAll(const TopNPolicy& policy);

  // candidates: indices into ps of the processes that would have series
  // without top_n (ascending). Returns those that keep them (ascending).
  // now: this scrape's steady time (the rates' interval); now_unix: its wall
  // time (a new process's age, from ProcessSample::start_time_seconds).
  // partial: the scan stopped early (a deadline), so a process it did not
  // reach is not gone: its entry and hold stay for the next scrape.
  std::vector<int> Select(const TopNPolicy& policy, const std::vector<ProcessSample>& ps,
                          const std::vector<int>& candidates, Clock::time_point now, double now_unix,
                          bool partial = false);

  // Forgets everything (top_n turned off by a reload).
  void Clear();
  std::size_t tracked() const { return seen_.size(); }

 private:
  struct Seen {
    std::optional<double> cpu_seconds;
    std::optional<std::uint64_t> io_bytes;
    std::optional<Clock::time_point> qualified;  // when it last ranked
  };
  struct Rates;
  Rates RatesOf(const std::vector<ProcessSample>& ps, const std::vector<int>& candidates, Clock::time_point now,
                double now_unix) const;

  std::unordered_map<ProcessKey, Seen, ProcessKeyHash> seen_;
  std::optional<Clock::time_point> last_;  // the previous Select
};

}  // namespace proctree
