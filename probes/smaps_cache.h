#pragma once
// Cost control for memory details, which no peer has: a process's smaps data
// is re-read at most once per interval (cached by pid and start time), a
// per-scrape time budget stops starting new reads once spent, and processes
// above an rss cap are skipped unless a selector forces them. Each skip is
// counted by reason. One scrape at a time (the exporter's ScrapeThread).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "probes/probe.h"

namespace proctree {

class SmapsCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Now = std::function<Clock::time_point()>;

  struct Policy {
    Clock::duration rollup_interval = std::chrono::seconds(30);
    Clock::duration maps_interval = std::chrono::seconds(60);
    Clock::duration budget = std::chrono::milliseconds(200);  // per scrape
    std::uint64_t max_rss_bytes = 8ull << 30;                 // 0: no cap
  };
  struct Request {
    ProcessKey key;
    bool maps = false;   // per-path maps too, not only uss/pss
    bool force = false;  // read even above the rss cap
    std::uint64_t rss_bytes = 0;
  };
  struct Skips {
    std::uint64_t interval = 0, budget = 0, rss = 0;
  };

  explicit SmapsCache(Now now = [] { return Clock::now(); }) : now_(std::move(now)) {}

  // One entry per request: fresh, cached (within its interval, or stale when
  // the budget ran out), or nullopt. `deadline`, if set, ends reading early
  // like the budget does. Entries of processes not requested are dropped.
  std::vector<std::optional<MemoryDetails>> Get(const Probe& probe, const std::vector<Request>& requests,
                                                const Policy& policy, ScanErrors& errors, Skips* skips,
                                                std::optional<Clock::time_point> deadline = std::nullopt);

 private:
  struct Entry {
    Clock::time_point read_at;
    MemoryDetails details;
  };
  Now now_;
  std::unordered_map<ProcessKey, Entry, ProcessKeyHash> entries_;
};

}  // namespace proctree
