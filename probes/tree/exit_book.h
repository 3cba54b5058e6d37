#pragma once
// Turns the exit records drained after a scan into whole processes that
// exited (per-thread records summed by process), matched to what earlier
// scans saw by pid and start time, each with its parent and nearest live
// ancestor, for TreeAggregator to credit (docs/exits.md).
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "probes/exit_record.h"
#include "probes/tree/monotonic_sum.h"
#include "probes/tree/process_tree.h"

namespace proctree {

struct ExitedProcess {
  ProcessKey key;
  ProcessKey parent;       // {0,0}: unknown
  TreeCounters own;        // its own counters at exit, every thread summed (never its children's)
  ExitReason reason = ExitReason::kNormal;
  std::string comm;
  std::uint32_t uid = 0;
  bool seen_before = false;  // an earlier scan had it: credit what it did since
  int live_ancestor = ProcessTree::kNone;  // index into the scan: the nearest ancestor still alive
  std::string group;       // for one never seen: filled by the caller (selectors), may stay empty
};

TreeCounters CountersOf(const ExitRecord& r);

class ExitBook {
 public:
  // records: drained after the scan ps (so a record whose process is in ps is
  // a thread of a live process, or a zombie: kept until the process is gone).
  std::vector<ExitedProcess> Take(std::vector<ExitRecord> records, const std::vector<ProcessSample>& ps);

 struct Pending {
    TreeCounters own;
    bool has_leader = false;
    ExitRecord leader;  // the record of the thread whose tid is the pid
  };

 private:
  struct Live;
  struct Gone;
  static Live IndexLive(const std::vector<ProcessSample>& ps);
  Gone SumByProcess(std::vector<ExitRecord> records, const Live& live);
  void SettlePending(const Live& live, Gone* gone);
  std::vector<ExitedProcess> WithParents(const Gone& gone, const Live& live, std::vector<int>* parent_exit) const;
  static void InheritLiveAncestors(const std::vector<int>& parent_exit, std::vector<ExitedProcess>* out);

  // Threads that exited while their process lived on, by process.
  std::unordered_map<ProcessKey, Pending, ProcessKeyHash> pending_;
  std::vector<ProcessKey> previous_;  // the last scan's processes, sorted
};

}  // namespace proctree
