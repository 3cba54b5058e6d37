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

// The scan's processes by key, sorted, with their index into the scan.
struct ExitBook::Live {
  std::vector<ProcessKey> keys;
  std::vector<int> index;  // parallel to keys
};

// Processes gone since the scan before, their threads' records summed.
struct ExitBook::Gone {
  std::vector<ProcessKey> keys;
  std::vector<Pending> records;  // parallel to keys
  std::unordered_multimap<std::int64_t, std::size_t> by_pid;
};

namespace {

void AddRecord(ExitBook::Pending& p, ExitRecord&& r) {
  p.own += CountersOf(r);
  if (r.pid == r.tgid || !p.has_leader) {
    p.has_leader = r.pid == r.tgid;
    p.leader = std::move(r);
  }
}

}  // namespace

ExitBook::Live ExitBook::IndexLive(const std::vector<ProcessSample>& ps) {
  std::vector<std::pair<ProcessKey, int>> by_key;
  by_key.reserve(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) by_key.emplace_back(KeyOf(ps[i]), static_cast<int>(i));
  std::sort(by_key.begin(), by_key.end());
  Live live;
  live.keys.reserve(by_key.size());
  live.index.reserve(by_key.size());
  for (const auto& [k, i] : by_key) {
    live.keys.push_back(k);
    live.index.push_back(i);
  }
  return live;
}

// A record of a live process (a thread, or a zombie) waits in pending_; one
// of a process gone joins its process's other records.
ExitBook::Gone ExitBook::SumByProcess(std::vector<ExitRecord> records, const Live& live) {
  Gone gone;
  for (ExitRecord& r : records) {
    if (r.tgid <= 0) continue;
    const int l = Near(live.keys, r.tgid, r.start_time_ticks);
    if (l >= 0) {
      AddRecord(pending_[live.keys[static_cast<std::size_t>(l)]], std::move(r));
      continue;
    }
    std::size_t g = gone.records.size();
    for (auto [it, end] = gone.by_pid.equal_range(r.tgid); it != end; ++it)
      if (Distance(gone.keys[it->second].start, r.start_time_ticks) <= kExitStartToleranceTicks) g = it->second;
    if (g == gone.records.size()) {
      const int prev = Near(previous_, r.tgid, r.start_time_ticks);
      gone.keys.push_back(prev >= 0 ? previous_[static_cast<std::size_t>(prev)] : ProcessKey{r.tgid, r.start_time_ticks});
      gone.records.emplace_back();
      gone.by_pid.emplace(r.tgid, g);
    }
    AddRecord(gone.records[g], std::move(r));
  }
  return gone;
}

// A process gone now takes the threads that exited before it; threads of
// processes gone without a record of their own (lost) are dropped: nothing
// more will come for them.
void ExitBook::SettlePending(const Live& live, Gone* gone) {
  for (std::size_t g = 0; g < gone->records.size(); ++g) {
    auto it = pending_.find(gone->keys[g]);
    if (it == pending_.end()) continue;
    gone->records[g].own += it->second.own;
    if (!gone->records[g].has_leader && it->second.has_leader) gone->records[g].leader = it->second.leader;
    pending_.erase(it);
  }
  for (auto it = pending_.begin(); it != pending_.end();)
    it = std::binary_search(live.keys.begin(), live.keys.end(), it->first) ? std::next(it) : pending_.erase(it);
}

// Each exited process with its parent: a live one (then also its live
// ancestor), one that exited too (*parent_exit: its index in gone), or one
// the scan before saw.
std::vector<ExitedProcess> ExitBook::WithParents(const Gone& gone, const Live& live,
                                                 std::vector<int>* parent_exit) const {
  std::vector<ExitedProcess> out(gone.records.size());
  parent_exit->assign(out.size(), -1);
  std::vector<ProcessKey> sorted_gone = gone.keys;
  std::sort(sorted_gone.begin(), sorted_gone.end());
  for (std::size_t g = 0; g < out.size(); ++g) {
    ExitedProcess& e = out[g];
    const ExitRecord& r = gone.records[g].leader;
    e.key = gone.keys[g];
    e.own = gone.records[g].own;
    e.reason = r.reason;
    e.comm = r.comm;
    e.uid = r.uid;
    e.seen_before = std::binary_search(previous_.begin(), previous_.end(), e.key);
    if (const int l = StartedBefore(live.keys, r.ppid, e.key.start); l >= 0) {
      e.parent = live.keys[static_cast<std::size_t>(l)];
      e.live_ancestor = live.index[static_cast<std::size_t>(l)];
    } else if (const int x = StartedBefore(sorted_gone, r.ppid, e.key.start); x >= 0 && r.ppid != e.key.pid) {
      e.parent = sorted_gone[static_cast<std::size_t>(x)];
      for (auto [it, end] = gone.by_pid.equal_range(e.parent.pid); it != end; ++it)
        if (gone.keys[it->second] == e.parent) (*parent_exit)[g] = static_cast<int>(it->second);
    } else if (const int p = StartedBefore(previous_, r.ppid, e.key.start); p >= 0) {
      e.parent = previous_[static_cast<std::size_t>(p)];
    }
  }
  return out;
}

// Through parents that exited too, to the nearest live ancestor (bounded: a
// cycle stops).
void ExitBook::InheritLiveAncestors(const std::vector<int>& parent_exit, std::vector<ExitedProcess>* out) {
  for (std::size_t g = 0; g < out->size(); ++g) {
    int up = parent_exit[g];
    for (std::size_t steps = 0; up >= 0 && steps < out->size(); ++steps) {
      const auto u = static_cast<std::size_t>(up);
      if ((*out)[u].live_ancestor != ProcessTree::kNone) {
        (*out)[g].live_ancestor = (*out)[u].live_ancestor;
        break;
      }
      up = parent_exit[u];
    }
  }
}

std::vector<ExitedProcess> ExitBook::Take(std::vector<ExitRecord> records, const std::vector<ProcessSample>& ps) {
  Live live = IndexLive(ps);
  Gone gone = SumByProcess(std::move(records), live);
  SettlePending(live, &gone);
  std::vector<int> parent_exit;
  std::vector<ExitedProcess> out = WithParents(gone, live, &parent_exit);
  InheritLiveAncestors(parent_exit, &out);
  previous_ = std::move(live.keys);
  return out;
}

}  // namespace proctree
