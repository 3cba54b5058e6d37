#include "probes/tree/exit_book.h"

#include <algorithm>

namespace proctree {

namespace {

std::uint64_t Distance(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : b - a; }

// Index into the sorted keys of the one with this pid whose start is nearest
// `start`, within the tolerance; -1 for none.
int Near(const std::vector<ProcessKey>& keys, std::int64_t pid, std::uint64_t start) {
  int best = -1;
  std::uint64_t best_d = kExitStartToleranceTicks + 1;
  for (auto it = std::lower_bound(keys.begin(), keys.end(), ProcessKey{pid, 0}); it != keys.end() && it->pid == pid;
       ++it) {
    const std::uint64_t d = Distance(it->start, start);
    if (d < best_d) best = static_cast<int>(it - keys.begin()), best_d = d;
  }
  return best;
}

// The latest-started key with this pid that started no later than `start`
// (give or take the tolerance): a parent is older than its child.
int StartedBefore(const std::vector<ProcessKey>& keys, std::int64_t pid, std::uint64_t start) {
  int best = -1;
  for (auto it = std::lower_bound(keys.begin(), keys.end(), ProcessKey{pid, 0});
       it != keys.end() && it->pid == pid && it->start <= start + kExitStartToleranceTicks; ++it)
    best = static_cast<int>(it - keys.begin());
  return best;
}

}  // namespace

TreeCounters CountersOf(const ExitRecord& r) {
  TreeCounters c;
  c.cpu_user = r.cpu_user_seconds;
  c.cpu_system = r.cpu_system_seconds;
  c.io_read = static_cast<double>(r.read_bytes);
  c.io_write = static_cast<double>(r.write_bytes);
  c.minor_faults = static_cast<double>(r.minor_faults);
  c.major_faults = static_cast<double>(r.major_faults);
  c.ctx_voluntary = static_cast<double>(r.ctx_voluntary);
  c.ctx_involuntary = static_cast<double>(r.ctx_involuntary);
  c.io_read_chars = static_cast<double>(r.read_chars);
  c.io_write_chars = static_cast<double>(r.write_chars);
  c.io_read_syscalls = static_cast<double>(r.read_syscalls);
  c.io_write_syscalls = static_cast<double>(r.write_syscalls);
  return c;
}

std::vector<ExitedProcess> ExitBook::Take(std::vector<ExitRecord> records, const std::vector<ProcessSample>& ps) {
  std::vector<std::pair<ProcessKey, int>> live_idx;
  live_idx.reserve(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) live_idx.emplace_back(KeyOf(ps[i]), static_cast<int>(i));
  std::sort(live_idx.begin(), live_idx.end());
  std::vector<ProcessKey> live;
  live.reserve(live_idx.size());
  for (const auto& [k, i] : live_idx) live.push_back(k);

  // Per process: its threads' records summed.
  std::vector<ProcessKey> gone_keys;
  std::vector<Pending> gone;
  std::unordered_multimap<std::int64_t, std::size_t> gone_by_pid;
  auto add = [](Pending& p, ExitRecord&& r) {
    p.own += CountersOf(r);
    if (r.pid == r.tgid || !p.has_leader) {
      p.has_leader = r.pid == r.tgid;
      p.leader = std::move(r);
    }
  };
  for (ExitRecord& r : records) {
    if (r.tgid <= 0) continue;
    const int l = Near(live, r.tgid, r.start_time_ticks);
    if (l >= 0) {
      add(pending_[live[static_cast<std::size_t>(l)]], std::move(r));
      continue;
    }
    std::size_t g = gone.size();
    for (auto [it, end] = gone_by_pid.equal_range(r.tgid); it != end; ++it)
      if (Distance(gone_keys[it->second].start, r.start_time_ticks) <= kExitStartToleranceTicks) g = it->second;
    if (g == gone.size()) {
      const int prev = Near(previous_, r.tgid, r.start_time_ticks);
      gone_keys.push_back(prev >= 0 ? previous_[static_cast<std::size_t>(prev)] : ProcessKey{r.tgid, r.start_time_ticks});
      gone.emplace_back();
      gone_by_pid.emplace(r.tgid, g);
    }
    add(gone[g], std::move(r));
  }
  // A process gone now takes the threads that exited before it.
  for (std::size_t g = 0; g < gone.size(); ++g) {
    auto it = pending_.find(gone_keys[g]);
    if (it == pending_.end()) continue;
    gone[g].own += it->second.own;
    if (!gone[g].has_leader && it->second.has_leader) gone[g].leader = it->second.leader;
    pending_.erase(it);
  }
  // Threads of processes that are gone without a record of their own (lost): nothing more will come.
  for (auto it = pending_.begin(); it != pending_.end();)
    it = std::binary_search(live.begin(), live.end(), it->first) ? std::next(it) : pending_.erase(it);

  std::vector<ExitedProcess> out(gone.size());
  std::vector<int> parent_exit(gone.size(), -1);
  std::vector<ProcessKey> sorted_gone = gone_keys;
  std::sort(sorted_gone.begin(), sorted_gone.end());
  for (std::size_t g = 0; g < gone.size(); ++g) {
    ExitedProcess& e = out[g];
    const ExitRecord& r = gone[g].leader;
    e.key = gone_keys[g];
    e.own = gone[g].own;
    e.reason = r.reason;
    e.comm = r.comm;
    e.uid = r.uid;
    e.seen_before = std::binary_search(previous_.begin(), previous_.end(), e.key);
    if (const int l = StartedBefore(live, r.ppid, e.key.start); l >= 0) {
      e.parent = live[static_cast<std::size_t>(l)];
      e.live_ancestor = live_idx[static_cast<std::size_t>(l)].second;
    } else if (const int x = StartedBefore(sorted_gone, r.ppid, e.key.start); x >= 0 && r.ppid != e.key.pid) {
      e.parent = sorted_gone[static_cast<std::size_t>(x)];
      for (auto [it, end] = gone_by_pid.equal_range(e.parent.pid); it != end; ++it)
        if (gone_keys[it->second] == e.parent) parent_exit[g] = static_cast<int>(it->second);
    } else if (const int p = StartedBefore(previous_, r.ppid, e.key.start); p >= 0) {
      e.parent = previous_[static_cast<std::size_t>(p)];
    }
  }
  // Through parents that exited too, to the nearest live ancestor (bounded: a cycle stops).
  for (std::size_t g = 0; g < out.size(); ++g) {
    int up = parent_exit[g];
    for (std::size_t steps = 0; up >= 0 && steps < out.size(); ++steps) {
      const auto u = static_cast<std::size_t>(up);
      if (out[u].live_ancestor != ProcessTree::kNone) {
        out[g].live_ancestor = out[u].live_ancestor;
        break;
      }
      up = parent_exit[u];
    }
  }
  previous_ = std::move(live);
  return out;
}

}  // namespace proctree
