#pragma once
// Counters summed over a changing set of processes (a subtree, a group)
// that must never decrease while the set is watched, even as members exit,
// are reaped, or move out.
//
// How: the total is the live members' counters plus a carry of what left.
// A member's CPU counter is utime+cutime (user) and stime+cstime (system);
// its io counters already include its reaped children (the kernel folds a
// reaped child's io into the parent's). When a member exits and its last
// parent is still a member, the parent's children-part grew by what the
// child took with it, so nothing is carried; whatever the parent did not
// absorb (auto-reaped children, parent gone too, reaped by an outsider) is
// carried at its last seen value. A member that moves out alive is carried
// at its last seen value. Finally a guard clamps the total to the previous
// one, so no path can make it drop.
#include <array>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "probes/exit_record.h"
#include "probes/tree/process_tree.h"

namespace proctree {

struct TreeCounters {
  double cpu_user = 0, cpu_system = 0, io_read = 0, io_write = 0;
  double minor_faults = 0, major_faults = 0;        // own + reaped children's (cminflt, cmajflt)
  double ctx_voluntary = 0, ctx_involuntary = 0;    // never folded into a parent: all carried on exit
  double io_read_chars = 0, io_write_chars = 0, io_read_syscalls = 0, io_write_syscalls = 0;
  double sched_run = 0, sched_wait = 0;             // schedstat: never folded into a parent, all carried on exit

  // Every counter, for code that treats them alike.
  static constexpr double TreeCounters::*kAll[] = {
      &TreeCounters::cpu_user,         &TreeCounters::cpu_system,        &TreeCounters::io_read,
      &TreeCounters::io_write,         &TreeCounters::minor_faults,      &TreeCounters::major_faults,
      &TreeCounters::ctx_voluntary,    &TreeCounters::ctx_involuntary,   &TreeCounters::io_read_chars,
      &TreeCounters::io_write_chars,   &TreeCounters::io_read_syscalls,  &TreeCounters::io_write_syscalls,
      &TreeCounters::sched_run,        &TreeCounters::sched_wait};

  TreeCounters& operator+=(const TreeCounters& o) {
    for (auto f : kAll) this->*f += o.*f;
    return *this;
  }
};

// What reaped children moved into a process's CPU times and faults (the
// kernel's c* figures). Their io went into its own io, unsaid how much.
struct ReapedPart {
  double cpu_user = 0, cpu_system = 0, minor_faults = 0, major_faults = 0;
};

struct SumMember {
  ProcessKey key;
  ProcessKey parent;   // {0,0} when it has none
  TreeCounters value;  // what the member contributes to the sum
  ReapedPart reaped;   // see Absorbed()
};

// The part of value that reaped children may have moved into it: the c*
// figures and, since the kernel does not say which part of io came from
// children, all of its io. An over-estimate only means less is carried, and
// the clamp still keeps the total from dropping. Context switches and
// schedstat times are never folded into a parent.
TreeCounters Absorbed(const TreeCounters& value, const ReapedPart& reaped);
inline TreeCounters Absorbed(const SumMember& m) { return Absorbed(m.value, m.reaped); }

// Every process of one scan as a member of any sum, sorted by key. One table
// per scan serves every subtree and group: a sum keeps only the indexes of
// its last members in the table of their scan. Keeping the values per sum
// instead (one hash node per (sum, member)) took 31 MB at 10,000 processes,
// where each process is a member of up to max_ancestor_depth subtrees.
class MemberTable {
 public:
  using Index = std::uint32_t;
  static constexpr Index kNone = ~Index{0};

  void Assign(std::vector<SumMember> rows);  // sorts them by key
  const SumMember& operator[](Index i) const { return rows_[i]; }
  Index IndexOf(const ProcessKey& key) const;  // kNone when absent
  const SumMember* Find(const ProcessKey& key) const;

 private:
  std::vector<SumMember> rows_;
};

TreeCounters MemberCounters(const ProcessSample& s, ReapedPart* reaped);

struct ExitedProcess;  // exit_book.h

// What exit records added to a sum beyond what it would have carried without
// them, and how many of its processes exited, by reason; running totals.
struct ExitCredit {
  TreeCounters counters;
  std::array<std::uint64_t, static_cast<std::size_t>(ExitReason::kCount)> exited{};
};

class MonotonicSum {
 public:
  // members: the set now, as indexes into now, the table of this scan.
  // before: the previous scan's table (every sum is updated once per scan,
  // or dropped), where the members of the last update are.
  // alive(key): whether that process still exists anywhere.
  // exits (exit_book.h), for sums that get exit records: a departed member
  // with one is carried at its last value plus what it did since (its own
  // counters at exit minus those last seen, never less than 0); one never a
  // member (the caller passes only those that belong to this set) departs
  // from 0 with all of its own counters. Either is then absorbed by a
  // member parent (cutime) or carried, like any departed member, so a reaped
  // child counts once. credit (may be null) accumulates what they added.
  TreeCounters Update(const std::vector<MemberTable::Index>& members, const MemberTable& now,
                      const MemberTable& before, const std::function<bool(const ProcessKey&)>& alive,
                      const std::vector<const ExitedProcess*>& exits = {}, ExitCredit* credit = nullptr);

  const TreeCounters& carry() const { return carry_; }
  // Whether one of these processes was a member at the last update (before:
  // that update's table).
  bool HadAnyOf(const std::vector<const ExitedProcess*>& exits, const MemberTable& before) const;

 private:
  // A member of the last update that is not one now: its last seen values,
  // plus what its exit record says it did since.
  struct Departed {
    ProcessKey parent;
    TreeCounters value;
    TreeCounters absorbed;
    TreeCounters base;  // value before the exit record's part was added
  };
  using DepartedMap = std::unordered_map<ProcessKey, Departed, ProcessKeyHash>;
  using KeySet = std::unordered_set<ProcessKey, ProcessKeyHash>;
  using KeyMap = std::unordered_map<ProcessKey, ProcessKey, ProcessKeyHash>;

  using Indexes = std::vector<MemberTable::Index>;
  // The members of the last update that are not members now.
  DepartedMap FindDeparted(const Indexes& now_members, const MemberTable& now, const MemberTable& before) const;
  void ApplyExits(const Indexes& now_members, const MemberTable& now, const std::vector<const ExitedProcess*>& exits,
                  DepartedMap* departed, ExitCredit* credit) const;
  // From an exited member's parent up: the nearest, by last seen parents,
  // that did not exit too (the one that may have absorbed it).
  static ProcessKey NearestNotExited(ProcessKey up, const DepartedMap& departed, const KeySet& exited, KeyMap* memo);
  void CarryDeparted(const Indexes& now_members, const MemberTable& now, const MemberTable& before,
                     const DepartedMap& departed, const std::function<bool(const ProcessKey&)>& alive,
                     ExitCredit* credit);
  bool WasMember(const ProcessKey& key, const MemberTable& before) const;

  Indexes members_;  // the last update's, ascending (so by key), in that scan's table
  TreeCounters carry_;
  TreeCounters total_;
  bool first_ = true;
};

}  // namespace proctree
