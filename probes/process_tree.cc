#include "probes/process_tree.h"

#include <unordered_map>

namespace proctree {

ProcessTree ProcessTree::Build(const std::vector<ProcessSample>& ps) {
  ProcessTree t;
  const std::size_t n = ps.size();
  t.parent_.assign(n, kNone);
  t.depth_.assign(n, 0);
  t.children_.assign(n, {});

  std::unordered_map<std::int64_t, int> by_pid;
  by_pid.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) by_pid.emplace(ps[i].pid, static_cast<int>(i));

  for (std::size_t i = 0; i < n; ++i) {
    const ProcessSample& s = ps[i];
    if (s.ppid == s.pid) continue;
    auto it = by_pid.find(s.ppid);
    if (it == by_pid.end()) continue;
    const ProcessSample& p = ps[static_cast<std::size_t>(it->second)];
    // A parent that started after its supposed child holds a reused pid.
    if (p.start_time_ticks > s.start_time_ticks) continue;
    t.parent_[i] = it->second;
  }

  // Depths by walking up with memoization; a walk that meets itself is a
  // cycle (impossible in a consistent snapshot, possible in a torn one) and
  // is cut at the node where it was found.
  enum : char { kTodo, kActive, kDone };
  std::vector<char> mark(n, kTodo);
  std::vector<int> path;
  for (std::size_t start = 0; start < n; ++start) {
    if (mark[start] == kDone) continue;
    path.clear();
    int i = static_cast<int>(start);
    while (i != kNone && mark[static_cast<std::size_t>(i)] == kTodo) {
      mark[static_cast<std::size_t>(i)] = kActive;
      path.push_back(i);
      i = t.parent_[static_cast<std::size_t>(i)];
    }
    if (i != kNone && mark[static_cast<std::size_t>(i)] == kActive) {
      t.parent_[static_cast<std::size_t>(i)] = kNone;  // break the cycle here
      t.depth_[static_cast<std::size_t>(i)] = 0;
      mark[static_cast<std::size_t>(i)] = kDone;
      // Nodes above i on the path are i's descendants now, handled below.
    }
    for (auto it = path.rbegin(); it != path.rend(); ++it) {
      auto u = static_cast<std::size_t>(*it);
      if (mark[u] == kDone) continue;
      int p = t.parent_[u];
      t.depth_[u] = p == kNone ? 0 : t.depth_[static_cast<std::size_t>(p)] + 1;
      mark[u] = kDone;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    int p = t.parent_[i];
    if (p == kNone) t.roots_.push_back(static_cast<int>(i));
    else t.children_[static_cast<std::size_t>(p)].push_back(static_cast<int>(i));
  }
  return t;
}

std::vector<int> ProcessTree::Ancestors(int i) const {
  std::vector<int> out;
  for (int p = parent(i); p != kNone; p = parent(p)) out.push_back(p);
  return out;
}

std::vector<int> ProcessTree::Descendants(int i) const {
  std::vector<int> out;
  std::vector<int> stack(children(i).rbegin(), children(i).rend());
  while (!stack.empty()) {
    int u = stack.back();
    stack.pop_back();
    out.push_back(u);
    const auto& c = children(u);
    stack.insert(stack.end(), c.rbegin(), c.rend());
  }
  return out;
}

std::vector<int> ProcessTree::ParentsFirst() const {
  // A counting sort on depth; depths are below size().
  std::vector<std::size_t> start(size() + 1, 0);
  for (int d : depth_) ++start[static_cast<std::size_t>(d) + 1];
  for (std::size_t d = 1; d < start.size(); ++d) start[d] += start[d - 1];
  std::vector<int> out(size());
  for (std::size_t i = 0; i < size(); ++i) out[start[static_cast<std::size_t>(depth_[i])]++] = static_cast<int>(i);
  return out;
}

}  // namespace proctree
