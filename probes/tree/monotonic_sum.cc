#include "probes/tree/monotonic_sum.h"

#include <algorithm>
#include <unordered_set>

#include "probes/tree/exit_book.h"

namespace proctree {

namespace {
double Get(const Field<double>& f) { return f.has_value() ? f.value : 0.0; }
double GetU(const Field<std::uint64_t>& f) { return f.has_value() ? static_cast<double>(f.value) : 0.0; }

void ClampUp(double& total, double& carry, double previous) {
  if (total < previous) {
    carry += previous - total;
    total = previous;
  }
}
}  // namespace

TreeCounters MemberCounters(const ProcessSample& s, TreeCounters* absorbed) {
  TreeCounters v;
  v.cpu_user = Get(s.cpu_user_seconds) + Get(s.children_user_seconds);
  v.cpu_system = Get(s.cpu_system_seconds) + Get(s.children_system_seconds);
  v.minor_faults = GetU(s.minor_faults) + GetU(s.children_minor_faults);
  v.major_faults = GetU(s.major_faults) + GetU(s.children_major_faults);
  v.ctx_voluntary = GetU(s.voluntary_ctxt_switches);
  v.ctx_involuntary = GetU(s.involuntary_ctxt_switches);
  v.io_read = GetU(s.io_read_bytes);
  v.io_write = GetU(s.io_write_bytes);
  v.io_read_chars = GetU(s.io_read_chars);
  v.io_write_chars = GetU(s.io_write_chars);
  v.io_read_syscalls = GetU(s.io_read_syscalls);
  v.io_write_syscalls = GetU(s.io_write_syscalls);
  v.sched_run = Get(s.sched_run_seconds);
  v.sched_wait = Get(s.sched_wait_seconds);
  // What reaped children moved into this process. The kernel folds a reaped
  // child's times and faults into c*time/c*flt, and its io (all four io
  // figures) into the parent's own; it does not say which part of io came
  // from children, so all of it may have. An over-estimate only means less
  // is carried, and the clamp still keeps the total from dropping. Context
  // switches and schedstat times are never folded into a parent.
  *absorbed = TreeCounters{};
  absorbed->cpu_user = Get(s.children_user_seconds);
  absorbed->cpu_system = Get(s.children_system_seconds);
  absorbed->minor_faults = GetU(s.children_minor_faults);
  absorbed->major_faults = GetU(s.children_major_faults);
  absorbed->io_read = v.io_read;
  absorbed->io_write = v.io_write;
  absorbed->io_read_chars = v.io_read_chars;
  absorbed->io_write_chars = v.io_write_chars;
  absorbed->io_read_syscalls = v.io_read_syscalls;
  absorbed->io_write_syscalls = v.io_write_syscalls;
  return v;
}

ProcessKey MonotonicSum::NearestNotExited(ProcessKey up, const KeySet& exited, KeyMap* memo) const {
  // Memoized along each walk, so a whole chain that exited at once (N
  // members, each N-k exited parents up) costs N steps, not N^2/2. A key
  // maps to itself while its walk is under way: meeting it again is a cycle
  // (a torn snapshot), which ends at that exited key, so nobody absorbs it.
  std::vector<ProcessKey> path;
  while (exited.count(up)) {
    const auto [it, fresh] = memo->try_emplace(up, up);
    if (!fresh) {
      up = it->second;
      break;
    }
    path.push_back(up);
    up = last_.at(up).parent;
  }
  for (const ProcessKey& k : path) (*memo)[k] = up;
  return up;
}

// A departed member's own part of its last value: io (which holds reaped
// children's io too, unsaid how much) counts whole, so what is added is
// never more than the process did; CPU and faults without the c* parts.
MonotonicSum::BaseMap MonotonicSum::ApplyExits(const std::vector<const ExitedProcess*>& exits, ExitCredit* credit) {
  static constexpr double TreeCounters::*kWholeIo[] = {
      &TreeCounters::io_read, &TreeCounters::io_write, &TreeCounters::io_read_chars,
      &TreeCounters::io_write_chars, &TreeCounters::io_read_syscalls, &TreeCounters::io_write_syscalls};
  BaseMap base;
  for (const ExitedProcess* e : exits) {
    auto it = last_.find(e->key);
    if (it == last_.end() && e->seen_before) continue;  // it was in another set
    if (it != last_.end() && it->second.seen == epoch_) continue;  // still a member: not gone
    if (it == last_.end()) {
      it = last_.try_emplace(e->key).first;
      it->second.parent = e->parent;
      it->second.seen = 0;
    }
    Last& l = it->second;
    TreeCounters own_last = l.value;
    for (auto f : TreeCounters::kAll) own_last.*f -= l.absorbed.*f;
    for (auto f : kWholeIo) own_last.*f = l.value.*f;
    base[e->key] = l.value;
    for (auto f : TreeCounters::kAll) l.value.*f += std::max(0.0, e->own.*f - own_last.*f);
    if (credit) ++credit->exited[static_cast<std::size_t>(e->reason)];
  }
  return base;
}

TreeCounters MonotonicSum::Update(const std::vector<SumMember>& members,
                                  const std::function<bool(const ProcessKey&)>& alive,
                                  const std::vector<const ExitedProcess*>& exits, ExitCredit* credit) {
  const std::uint64_t epoch = ++epoch_;
  for (const auto& m : members) {
    auto [it, inserted] = last_.try_emplace(m.key);
    Last& l = it->second;
    // A member new to the set may bring reaped children's time with it; all of it counts as absorbed before.
    l.absorbed_before = inserted ? m.absorbed : l.absorbed;
    l.parent = m.parent;
    l.value = m.value;
    l.absorbed = m.absorbed;
    l.seen = epoch;
  }
  const BaseMap base = ApplyExits(exits, credit);
  auto is_member = [&](const ProcessKey& k) {
    auto it = last_.find(k);
    return it != last_.end() && it->second.seen == epoch;
  };

  // Departed members. An exited one is attributed to its nearest ancestor
  // that is still a member, following the last parents of members that
  // exited too (make -> sh -> gcc, where sh and gcc both finished between two
  // scrapes: gcc's time went into sh's cutime and then into make's). The
  // rest are carried at their last seen value.
  std::vector<std::pair<ProcessKey, bool>> departed;  // key, still alive
  for (const auto& [key, l] : last_)
    if (l.seen != epoch) departed.emplace_back(key, alive(key));
  KeySet exited;
  for (const auto& [key, is_alive] : departed)
    if (!is_alive) exited.insert(key);
  // reaped_base: what reaped_by would be without exit records, so that
  // credit gets only what the records added.
  std::unordered_map<ProcessKey, TreeCounters, ProcessKeyHash> reaped_by, reaped_base;
  KeyMap nearest;
  for (const auto& [key, is_alive] : departed) {
    const Last& l = last_.at(key);
    if (is_alive) {
      carry_ += l.value;  // moved out alive: its counters left with it
      continue;
    }
    const auto b = base.find(key);
    const ProcessKey up = NearestNotExited(l.parent, exited, &nearest);
    if (is_member(up)) {
      reaped_by[up] += l.value;
      reaped_base[up] += b != base.end() ? b->second : l.value;
      continue;
    }
    carry_ += l.value;  // nobody inside can have absorbed it
    if (credit && b != base.end())
      for (auto f : TreeCounters::kAll) credit->counters.*f += l.value.*f - b->second.*f;
  }
  for (const auto& [key, is_alive] : departed) last_.erase(key);
  auto shortfall = [](double gone_v, double now_v, double before_v) {
    return std::max(0.0, gone_v - std::max(0.0, now_v - before_v));
  };
  for (const auto& [parent, gone] : reaped_by) {
    const Last& p = last_.at(parent);
    const TreeCounters& without = reaped_base[parent];
    for (auto f : TreeCounters::kAll) {
      const double added = shortfall(gone.*f, p.absorbed.*f, p.absorbed_before.*f);
      carry_.*f += added;
      if (credit) credit->counters.*f += added - shortfall(without.*f, p.absorbed.*f, p.absorbed_before.*f);
    }
  }

  TreeCounters total = carry_;
  for (const auto& m : members) total += m.value;
  if (!first_) {
    for (auto f : TreeCounters::kAll) ClampUp(total.*f, carry_.*f, total_.*f);
  }
  first_ = false;
  total_ = total;
  return total_;
}

}  // namespace proctree
