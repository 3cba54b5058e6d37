#pragma once
// Subtree totals (per selected root) and group totals, with counters that
// never decrease while their root or group lives (see monotonic_sum.h).
// Keeps the carries between scrapes, so one instance lives as long as the
// exporter; one scrape at a time.
#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

#include "probes/tree/exit_book.h"
#include "probes/tree/monotonic_sum.h"
#include "probes/tree/process_tree.h"

namespace proctree {

enum class MemType { kRss, kVms, kShared, kText, kData, kSwap, kCount };
const char* MemTypeName(MemType m);

struct AggregateTotals {
  std::uint64_t processes = 0;
  double threads = 0;
  double open_fds = 0;
  std::array<double, static_cast<std::size_t>(MemType::kCount)> memory{};
  TreeCounters counters;  // monotonic

  // Which figures some member provided: a figure none could provide (the fd
  // directories or io files of processes the exporter may not read, a kernel
  // thread's memory) is left out, not exported as a made-up 0. A sum over
  // the members that could be read is exported as it is. A counter also
  // counts as provided while it holds what past members left, and a group
  // with no members at all provides true zeros. Threads, CPU and page faults
  // come from stat, which every scanned process has.
  bool has_open_fds = false;
  std::array<bool, static_cast<std::size_t>(MemType::kCount)> has_memory{};
  bool has_io_bytes = false, has_io_chars = false, has_io_syscalls = false, has_ctx_switches = false;
  bool has_sched = false;  // schedstat (a kernel without CONFIG_SCHED_INFO, or the family off)
};

class TreeAggregator {
 public:
  struct Subtree {
    int root;  // index into the scan
    AggregateTotals totals;
  };
  struct Group {
    std::string name;
    AggregateTotals totals;
    ExitCredit exits;  // what exit records added to totals.counters, running
  };
  struct Result {
    std::vector<Subtree> subtrees;
    std::vector<Group> groups;  // sorted by name
    std::size_t roots_cut = 0;  // roots left out by max_nesting
  };

  // always_groups are reported even with no member (at 0 processes, their
  // counters holding what their members left), so "is my service down" is
  // an alert on a series rather than on its absence. Scrapes take turns
  // (ScrapeThread), so each call moves the carries on from the last.
  // exits (ExitBook::Take on this scan): processes gone since the last
  // scrape, credited to the groups and subtrees they were in; one never seen
  // counts in its own group (ExitedProcess::group, which may bring a group
  // with no live member into the result) and in the subtrees that hold its
  // nearest live ancestor.
  // max_nesting (tree.max_ancestor_depth): a root that this many other
  // selected roots enclose is left out, so each process counts in at most
  // max_nesting subtrees. Without it every process of a chain N deep, each
  // a root (the default selects every process with children), would be a
  // member of up to N subtrees: N^2/2 members to sum and to keep carries for.
  Result Aggregate(const std::vector<ProcessSample>& ps, const ProcessTree& tree,
                   const std::vector<int>& roots, const std::vector<std::string>& group_of,
                   const std::vector<std::string>& always_groups = {},
                   std::size_t max_nesting = std::numeric_limits<std::size_t>::max(),
                   const std::vector<ExitedProcess>& exits = {});

  // The roots Aggregate would sum now (its Result::subtrees' roots, in
  // order), before it runs: the exporter reads their labels first.
  std::vector<int> SubtreeRoots(const std::vector<ProcessSample>& ps, const ProcessTree& tree,
                                const std::vector<int>& roots, std::size_t max_nesting) const;

 private:
  std::vector<int> RootsToSum(const std::vector<ProcessSample>& ps, const std::vector<int>& roots) const;

  MemberTable before_;  // the last scan's members, for every sum's departed ones
  std::unordered_map<ProcessKey, MonotonicSum, ProcessKeyHash> subtree_sums_;
  std::unordered_map<std::string, MonotonicSum> group_sums_;
  std::unordered_map<std::string, ExitCredit> group_exits_;
};

// The default roots until a config names them: every process with children.
std::vector<int> RootsWithChildren(const ProcessTree& tree);

}  // namespace proctree
