#include "probes/smaps_cache.h"

#include <unordered_set>

namespace proctree {

std::vector<std::optional<MemoryDetails>> SmapsCache::Get(const Probe& probe, const std::vector<Request>& requests,
                                                           const Policy& policy, ScanErrors& errors, Skips* skips,
                                                           std::optional<Clock::time_point> deadline) {
  std::vector<std::optional<MemoryDetails>> out(requests.size());
  const Clock::time_point start = now_();
  std::unordered_set<ProcessKey, ProcessKeyHash> wanted;
  wanted.reserve(requests.size() * 2);

  for (std::size_t i = 0; i < requests.size(); ++i) {
    const Request& r = requests[i];
    wanted.insert(r.key);
    auto it = entries_.find(r.key);
    const bool usable = it != entries_.end() && (!r.maps || it->second.details.has_maps);
    const Clock::duration interval = r.maps ? policy.maps_interval : policy.rollup_interval;
    const Clock::time_point now = now_();
    if (usable && now - it->second.read_at < interval) {
      ++skips->interval;
      out[i] = it->second.details;
      continue;
    }
    if (policy.max_rss_bytes != 0 && r.rss_bytes > policy.max_rss_bytes && !r.force) {
      ++skips->rss;
      continue;
    }
    if (now - start >= policy.budget || (deadline && now >= *deadline)) {
      ++skips->budget;
      if (usable) out[i] = it->second.details;  // stale beats absent
      continue;
    }
    MemoryDetails d;
    if (probe.ReadMemoryDetails(r.key, r.maps, &d, errors) != DetailOutcome::kOk) continue;
    out[i] = d;
    entries_[r.key] = Entry{now_(), std::move(d)};
  }
  for (auto it = entries_.begin(); it != entries_.end();)
    it = wanted.count(it->first) ? std::next(it) : entries_.erase(it);
  return out;
}

}  // namespace proctree
