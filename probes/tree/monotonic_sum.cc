#include "probes/tree/monotonic_sum.h"

#include <algorithm>
#include <iterator>
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

TreeCounters MemberCounters(const ProcessSample& s, ReapedPart* reaped) {
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
  reaped->cpu_user = Get(s.children_user_seconds);
  reaped->cpu_system = Get(s.children_system_seconds);
  reaped->minor_faults = GetU(s.children_minor_faults);
  reaped->major_faults = GetU(s.children_major_faults);
  return v;
}

TreeCounters Absorbed(const TreeCounters& value, const ReapedPart& reaped) {
  TreeCounters a;
  a.cpu_user = reaped.cpu_user;
  a.cpu_system = reaped.cpu_system;
  a.minor_faults = reaped.minor_faults;
  a.major_faults = reaped.major_faults;
  a.io_read = value.io_read;
  a.io_write = value.io_write;
  a.io_read_chars = value.io_read_chars;
  a.io_write_chars = value.io_write_chars;
  a.io_read_syscalls = value.io_read_syscalls;
  a.io_write_syscalls = value.io_write_syscalls;
  return a;
}

void MemberTable::Assign(std::vector<SumMember> rows) {
  std::sort(rows.begin(), rows.end(), [](const SumMember& a, const SumMember& b) { return a.key < b.key; });
  rows_ = std::move(rows);
}

MemberTable::Index MemberTable::IndexOf(const ProcessKey& key) const {
  const auto it = std::lower_bound(rows_.begin(), rows_.end(), key,
                                   [](const SumMember& m, const ProcessKey& k) { return m.key < k; });
  return it != rows_.end() && it->key == key ? static_cast<Index>(it - rows_.begin()) : kNone;
}

const SumMember* MemberTable::Find(const ProcessKey& key) const {
  const Index i = IndexOf(key);
  return i == kNone ? nullptr : &rows_[i];
}

namespace {

using Indexes = std::vector<MemberTable::Index>;

// A member's index in a key-sorted table, by key, among sorted indexes.
const SumMember* FindIn(const Indexes& sorted, const MemberTable& table, const ProcessKey& key) {
  const auto it = std::lower_bound(sorted.begin(), sorted.end(), key,
                                   [&](MemberTable::Index i, const ProcessKey& k) { return table[i].key < k; });
  return it != sorted.end() && table[*it].key == key ? &table[*it] : nullptr;
}

}  // namespace

bool MonotonicSum::WasMember(const ProcessKey& key, const MemberTable& before) const {
  return FindIn(members_, before, key) != nullptr;
}

bool MonotonicSum::HadAnyOf(const std::vector<const ExitedProcess*>& exits, const MemberTable& before) const {
  return std::any_of(exits.begin(), exits.end(), [&](const ExitedProcess* e) { return WasMember(e->key, before); });
}

MonotonicSum::DepartedMap MonotonicSum::FindDeparted(const Indexes& now_members, const MemberTable& now,
                                                     const MemberTable& before) const {
  DepartedMap departed;
  auto j = now_members.begin();
  for (MemberTable::Index i : members_) {
    const SumMember& last = before[i];
    while (j != now_members.end() && now[*j].key < last.key) ++j;
    if (j != now_members.end() && now[*j].key == last.key) continue;  // still a member
    Departed d;
    d.parent = last.parent;
    d.value = last.value;
    d.absorbed = Absorbed(last);
    d.base = d.value;
    departed.emplace(last.key, d);
  }
  return departed;
}

ProcessKey MonotonicSum::NearestNotExited(ProcessKey up, const DepartedMap& departed, const KeySet& exited,
                                          KeyMap* memo) {
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
    up = departed.at(up).parent;
  }
  for (const ProcessKey& k : path) (*memo)[k] = up;
  return up;
}

// A departed member's own part of its last value: io (which holds reaped
// children's io too, unsaid how much) counts whole, so what is added is
// never more than the process did; CPU and faults without the c* parts.
void MonotonicSum::ApplyExits(const Indexes& now_members, const MemberTable& now,
                              const std::vector<const ExitedProcess*>& exits, DepartedMap* departed,
                              ExitCredit* credit) const {
  static constexpr double TreeCounters::*kWholeIo[] = {
      &TreeCounters::io_read, &TreeCounters::io_write, &TreeCounters::io_read_chars,
      &TreeCounters::io_write_chars, &TreeCounters::io_read_syscalls, &TreeCounters::io_write_syscalls};
  for (const ExitedProcess* e : exits) {
    auto it = departed->find(e->key);
    if (it == departed->end()) {
      // Still a member (not gone), or in another set.
      if (e->seen_before || FindIn(now_members, now, e->key)) continue;
      it = departed->emplace(e->key, Departed{}).first;
      it->second.parent = e->parent;
    }
    Departed& d = it->second;
    TreeCounters own_last = d.value;
    for (auto f : TreeCounters::kAll) own_last.*f -= d.absorbed.*f;
    for (auto f : kWholeIo) own_last.*f = d.value.*f;
    for (auto f : TreeCounters::kAll) d.value.*f += std::max(0.0, e->own.*f - own_last.*f);
    if (credit) ++credit->exited[static_cast<std::size_t>(e->reason)];
  }
}

// Departed members. An exited one is attributed to its nearest ancestor
// that is still a member, following the last parents of members that
// exited too (make -> sh -> gcc, where sh and gcc both finished between two
// scrapes: gcc's time went into sh's cutime and then into make's). The
// rest are carried at their last seen value.
void MonotonicSum::CarryDeparted(const Indexes& now_members, const MemberTable& now, const MemberTable& before,
                                 const DepartedMap& departed, const std::function<bool(const ProcessKey&)>& alive,
                                 ExitCredit* credit) {
  KeySet exited;
  for (const auto& [key, d] : departed)
    if (!alive(key)) exited.insert(key);
  struct Reaped {
    TreeCounters gone, without_exits;  // without: what gone would be without exit records
  };
  std::unordered_map<ProcessKey, Reaped, ProcessKeyHash> reaped_by;
  KeyMap nearest;
  for (const auto& [key, d] : departed) {
    if (!exited.count(key)) {
      carry_ += d.value;  // moved out alive: its counters left with it
      continue;
    }
    const ProcessKey up = NearestNotExited(d.parent, departed, exited, &nearest);
    if (FindIn(now_members, now, up)) {
      reaped_by[up].gone += d.value;
      reaped_by[up].without_exits += d.base;
      continue;
    }
    carry_ += d.value;  // nobody inside can have absorbed it
    if (credit)
      for (auto f : TreeCounters::kAll) credit->counters.*f += d.value.*f - d.base.*f;
  }
  auto shortfall = [](double gone_v, double now_v, double before_v) {
    return std::max(0.0, gone_v - std::max(0.0, now_v - before_v));
  };
  for (const auto& [parent, r] : reaped_by) {
    const SumMember* p = FindIn(now_members, now, parent);
    // A member new to the set may bring reaped children's time with it; all of it counts as absorbed before.
    const SumMember* last = WasMember(parent, before) ? before.Find(parent) : nullptr;
    const TreeCounters absorbed = Absorbed(*p);
    const TreeCounters absorbed_before = last ? Absorbed(*last) : absorbed;
    for (auto f : TreeCounters::kAll) {
      const double added = shortfall(r.gone.*f, absorbed.*f, absorbed_before.*f);
      carry_.*f += added;
      if (credit) credit->counters.*f += added - shortfall(r.without_exits.*f, absorbed.*f, absorbed_before.*f);
    }
  }
}

TreeCounters MonotonicSum::Update(const Indexes& members, const MemberTable& now, const MemberTable& before,
                                  const std::function<bool(const ProcessKey&)>& alive,
                                  const std::vector<const ExitedProcess*>& exits, ExitCredit* credit) {
  Indexes now_members = members;  // ascending indexes of a key-sorted table: in key order
  std::sort(now_members.begin(), now_members.end());
  now_members.erase(std::unique(now_members.begin(), now_members.end()), now_members.end());
  DepartedMap departed = FindDeparted(now_members, now, before);
  ApplyExits(now_members, now, exits, &departed, credit);
  CarryDeparted(now_members, now, before, departed, alive, credit);

  TreeCounters total = carry_;
  for (MemberTable::Index i : now_members) total += now[i].value;
  members_ = std::move(now_members);
  if (!first_) {
    for (auto f : TreeCounters::kAll) ClampUp(total.*f, carry_.*f, total_.*f);
  }
  first_ = false;
  total_ = total;
  return total_;
}

}  // namespace proctree
