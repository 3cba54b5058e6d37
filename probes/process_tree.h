#pragma once
// The process tree of one scan, built from ppid: psutil's parent(),
// parents() and children(recursive=True), for every OS module at once.
#include <cstdint>
#include <functional>
#include <vector>

#include "probes/process_sample.h"

namespace proctree {

// (pid, start time) names a process for its whole life; a reused pid is a
// different process.
struct ProcessKey {
  std::int64_t pid = 0;
  std::uint64_t start = 0;
  bool operator==(const ProcessKey& o) const { return pid == o.pid && start == o.start; }
  bool operator<(const ProcessKey& o) const { return pid != o.pid ? pid < o.pid : start < o.start; }
};
struct ProcessKeyHash {
  std::size_t operator()(const ProcessKey& k) const {
    return std::hash<std::int64_t>()(k.pid) * 1000003u ^ std::hash<std::uint64_t>()(k.start);
  }
};
inline ProcessKey KeyOf(const ProcessSample& s) { return {s.pid, s.start_time_ticks}; }

// Indexes are positions in the scan's process vector.
class ProcessTree {
 public:
  static constexpr int kNone = -1;

  // A process is its ppid's child only if that parent exists in the scan and
  // did not start after it (psutil's rule against pid reuse). A missing
  // parent (vanished mid-scan, or outside this pid namespace) or a cycle
  // makes the process a root.
  static ProcessTree Build(const std::vector<ProcessSample>& processes);

  int parent(int i) const { return parent_[static_cast<std::size_t>(i)]; }
  int depth(int i) const { return depth_[static_cast<std::size_t>(i)]; }
  const std::vector<int>& children(int i) const { return children_[static_cast<std::size_t>(i)]; }
  const std::vector<int>& roots() const { return roots_; }
  std::size_t size() const { return parent_.size(); }

  // parents(): nearest first.
  std::vector<int> Ancestors(int i) const;
  // children(recursive=True): every descendant, in depth-first order.
  std::vector<int> Descendants(int i) const;
  // Every index, shallowest first (a parent before its children), in linear
  // time: for per-process figures that follow from the parent's.
  std::vector<int> ParentsFirst() const;

 private:
  std::vector<int> parent_;
  std::vector<int> depth_;
  std::vector<std::vector<int>> children_;
  std::vector<int> roots_;
};

}  // namespace proctree
