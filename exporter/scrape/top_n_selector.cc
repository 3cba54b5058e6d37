#include "exporter/scrape/top_n_selector.h"

#include <algorithm>
#include <utility>

namespace proctree {

namespace {

constexpr double kMinAgeSeconds = 1;        // a new process's lifetime rate is over at least this
constexpr double kMinIntervalSeconds = 1e-3;  // two scrapes in the same instant still divide

std::optional<double> CpuSeconds(const ProcessSample& s) {
  if (!s.cpu_user_seconds.has_value() && !s.cpu_system_seconds.has_value()) return std::nullopt;
  return (s.cpu_user_seconds.has_value() ? s.cpu_user_seconds.value : 0) +
         (s.cpu_system_seconds.has_value() ? s.cpu_system_seconds.value : 0);
}

std::optional<std::uint64_t> IoBytes(const ProcessSample& s) {
  if (!s.io_read_bytes.has_value() && !s.io_write_bytes.has_value()) return std::nullopt;
  return (s.io_read_bytes.has_value() ? s.io_read_bytes.value : 0) +
         (s.io_write_bytes.has_value() ? s.io_write_bytes.value : 0);
}

// Per unit of time since `prev` was seen (interval), or over the process's
// lifetime when there is no `prev`. A counter that went backwards ranks as 0.
double Rate(std::optional<double> now_value, std::optional<double> prev, double interval, double age) {
  if (!now_value) return 0;
  if (prev) return std::max(0.0, *now_value - *prev) / interval;
  return *now_value / age;
}

// Marks the first n of (value, row) by value, highest first (ties: the
// lower pid), among positive values.
void MarkTop(std::vector<std::pair<double, int>> ranked, std::size_t n, const std::vector<ProcessSample>& ps,
             std::vector<char>* marked) {
  if (n == 0) return;
  ranked.erase(std::remove_if(ranked.begin(), ranked.end(), [](const auto& r) { return !(r.first > 0); }),
               ranked.end());
  const auto before = [&](const std::pair<double, int>& a, const std::pair<double, int>& b) {
    if (a.first != b.first) return a.first > b.first;
    return ps[static_cast<std::size_t>(a.second)].pid < ps[static_cast<std::size_t>(b.second)].pid;
  };
  if (ranked.size() > n) {
    std::nth_element(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(n), ranked.end(), before);
    ranked.resize(n);
  }
  for (const auto& r : ranked) (*marked)[static_cast<std::size_t>(r.second)] = 1;
}

}  // namespace

struct TopNSelector::Rates {
  std::vector<std::pair<double, int>> cpu, memory, io;  // (value, row), one per candidate
};

FieldGroups TopNSelector::GroupsNeededForAll(const TopNPolicy& policy) {
  FieldGroups g;
  if (!policy.Enabled()) return g;
  g |= FieldGroup::kStat;  // CPU, and rss too: stat holds it when status is not read
  if (policy.by_io > 0) g |= FieldGroup::kIo;
  return g;
}

TopNSelector::Rates TopNSelector::RatesOf(const std::vector<ProcessSample>& ps, const std::vector<int>& candidates,
                                          Clock::time_point now, double now_unix) const {
  const double interval =
      last_ ? std::max(kMinIntervalSeconds, std::chrono::duration<double>(now - *last_).count()) : 0;
  Rates out;
  for (int r : candidates) {
    const ProcessSample& s = ps[static_cast<std::size_t>(r)];
    const auto it = seen_.find(KeyOf(s));
    const bool known = it != seen_.end() && last_;
    const double age = std::max(kMinAgeSeconds, now_unix - s.start_time_seconds);
    std::optional<double> prev_cpu, prev_io;
    if (known) {
      prev_cpu = it->second.cpu_seconds;
      if (it->second.io_bytes) prev_io = static_cast<double>(*it->second.io_bytes);
    }
    // A counter first read now (it was unreadable before) has no interval: lifetime.
    const std::optional<double> cpu = CpuSeconds(s);
    const std::optional<std::uint64_t> io = IoBytes(s);
    const std::optional<double> io_d = io ? std::optional<double>(static_cast<double>(*io)) : std::nullopt;
    out.cpu.emplace_back(Rate(cpu, prev_cpu, prev_cpu ? interval : age, age), r);
    out.io.emplace_back(Rate(io_d, prev_io, prev_io ? interval : age, age), r);
    out.memory.emplace_back(
        s.memory_rss_bytes.has_value() ? static_cast<double>(s.memory_rss_bytes.value) : 0, r);
  }
  return out;
}

std::vector<int> TopNSelector::Select(const TopNPolicy& policy, const std::vector<ProcessSample>& ps,
                                      const std::vector<int>& candidates, Clock::time_point now, double now_unix,
                                      bool partial) {
  Rates rates = RatesOf(ps, candidates, now, now_unix);
  std::vector<char> ranked(ps.size(), 0);
  MarkTop(std::move(rates.cpu), policy.by_cpu, ps, &ranked);
  MarkTop(std::move(rates.memory), policy.by_memory, ps, &ranked);
  MarkTop(std::move(rates.io), policy.by_io, ps, &ranked);

  const auto hold = std::chrono::duration<double>(policy.hold_seconds);
  std::unordered_map<ProcessKey, Seen, ProcessKeyHash> next;
  next.reserve(candidates.size());
  std::vector<int> kept;
  for (int r : candidates) {
    const ProcessSample& s = ps[static_cast<std::size_t>(r)];
    Seen entry{CpuSeconds(s), IoBytes(s), std::nullopt};
    if (const auto it = seen_.find(KeyOf(s)); it != seen_.end()) entry.qualified = it->second.qualified;
    if (ranked[static_cast<std::size_t>(r)]) entry.qualified = now;
    if (entry.qualified && now - *entry.qualified <= hold) kept.push_back(r);
    next.emplace(KeyOf(s), entry);  // only this scrape's candidates: the gone are forgotten
  }
  if (partial) next.insert(seen_.begin(), seen_.end());  // keeps the unreached; emplace kept the new ones
  seen_ = std::move(next);
  last_ = now;
  return kept;
}

void TopNSelector::Clear() {
  seen_.clear();
  last_.reset();
}

}  // namespace proctree
