#include "probes/tree/tree_aggregation.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <unordered_set>

namespace proctree {

const char* MemTypeName(MemType m) {
  switch (m) {
    case MemType::kRss: return "rss";
    case MemType::kVms: return "vms";
    case MemType::kShared: return "shared";
    case MemType::kText: return "text";
    case MemType::kData: return "data";
    case MemType::kSwap: return "swap";
    case MemType::kCount: break;
  }
  return "unknown";
}

namespace {

template <typename T>
double Val(const Field<T>& f) {
  return f.has_value() ? static_cast<double>(f.value) : 0.0;
}

void AddGauges(const ProcessSample& s, AggregateTotals* t) {
  ++t->processes;
  t->threads += Val(s.threads);
  t->open_fds += Val(s.open_fds);
  t->has_open_fds = t->has_open_fds || s.open_fds.has_value();
  auto add = [&](MemType m, const Field<std::uint64_t>& f) {
    const auto i = static_cast<std::size_t>(m);
    t->memory[i] += Val(f);
    t->has_memory[i] = t->has_memory[i] || f.has_value();
  };
  add(MemType::kRss, s.memory_rss_bytes);
  add(MemType::kVms, s.memory_vms_bytes);
  add(MemType::kShared, s.memory_shared_bytes);
  add(MemType::kText, s.memory_text_bytes);
  add(MemType::kData, s.memory_data_bytes);
  add(MemType::kSwap, s.memory_swap_bytes);
  t->has_io_bytes = t->has_io_bytes || s.io_read_bytes.has_value() || s.io_write_bytes.has_value();
  t->has_io_chars = t->has_io_chars || s.io_read_chars.has_value() || s.io_write_chars.has_value();
  t->has_io_syscalls = t->has_io_syscalls || s.io_read_syscalls.has_value() || s.io_write_syscalls.has_value();
  t->has_ctx_switches =
      t->has_ctx_switches || s.voluntary_ctxt_switches.has_value() || s.involuntary_ctxt_switches.has_value();
  t->has_sched = t->has_sched || s.sched_run_seconds.has_value() || s.sched_wait_seconds.has_value();
}

// Counters holding what past members left are provided, whatever the live members lack.
void MarkCarried(AggregateTotals* t) {
  const TreeCounters& c = t->counters;
  t->has_io_bytes = t->has_io_bytes || c.io_read > 0 || c.io_write > 0;
  t->has_io_chars = t->has_io_chars || c.io_read_chars > 0 || c.io_write_chars > 0;
  t->has_io_syscalls = t->has_io_syscalls || c.io_read_syscalls > 0 || c.io_write_syscalls > 0;
  t->has_ctx_switches = t->has_ctx_switches || c.ctx_voluntary > 0 || c.ctx_involuntary > 0;
  t->has_sched = t->has_sched || c.sched_run > 0 || c.sched_wait > 0;
}

// A group with no members: every figure is a true 0 (or what past members left).
void MarkAllProvided(AggregateTotals* t) {
  t->has_open_fds = t->has_io_bytes = t->has_io_chars = t->has_io_syscalls = t->has_ctx_switches = true;
  t->has_sched = true;
  t->has_memory.fill(true);
}

SumMember Member(const std::vector<ProcessSample>& ps, const ProcessTree& tree, int i) {
  const ProcessSample& s = ps[static_cast<std::size_t>(i)];
  SumMember m;
  m.key = KeyOf(s);
  int p = tree.parent(i);
  if (p != ProcessTree::kNone) m.parent = KeyOf(ps[static_cast<std::size_t>(p)]);
  m.value = MemberCounters(s, &m.reaped);
  return m;
}

// Leaves out the roots that max_nesting other roots enclose; returns how many.
std::size_t KeepShallowRoots(const ProcessTree& tree, std::size_t max_nesting, std::vector<int>* roots) {
  std::vector<char> is_root(tree.size(), 0);
  for (int r : *roots) is_root[static_cast<std::size_t>(r)] = 1;
  std::vector<std::size_t> enclosing(tree.size(), 0);  // selected roots among the proper ancestors
  for (int i : tree.ParentsFirst()) {
    const int p = tree.parent(i);
    if (p != ProcessTree::kNone)
      enclosing[static_cast<std::size_t>(i)] =
          enclosing[static_cast<std::size_t>(p)] + static_cast<std::size_t>(is_root[static_cast<std::size_t>(p)]);
  }
  const auto kept_end = std::remove_if(roots->begin(), roots->end(), [&](int r) {
    return enclosing[static_cast<std::size_t>(r)] >= max_nesting;
  });
  const auto cut = static_cast<std::size_t>(roots->end() - kept_end);
  roots->erase(kept_end, roots->end());
  return cut;
}

}  // namespace

std::vector<int> RootsWithChildren(const ProcessTree& tree) {
  std::vector<int> roots;
  for (std::size_t i = 0; i < tree.size(); ++i)
    if (!tree.children(static_cast<int>(i)).empty()) roots.push_back(static_cast<int>(i));
  return roots;
}

namespace {

// This scan's member table, and each process's index in it.
struct ScanMembers {
  MemberTable table;
  std::vector<MemberTable::Index> at;  // by scan index
};

ScanMembers BuildMembers(const std::vector<ProcessSample>& ps, const ProcessTree& tree) {
  ScanMembers out;
  std::vector<SumMember> rows;
  rows.reserve(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) rows.push_back(Member(ps, tree, static_cast<int>(i)));
  out.table.Assign(std::move(rows));
  out.at.reserve(ps.size());
  for (const ProcessSample& s : ps) out.at.push_back(out.table.IndexOf(KeyOf(s)));
  return out;
}

// One subtree or group: its members' gauges summed, its counters moved on
// from what the same unit showed last scrape.
AggregateTotals Totals(const std::vector<ProcessSample>& ps, const ScanMembers& now, const MemberTable& before,
                       const std::vector<int>& members, MonotonicSum& sum,
                       const std::function<bool(const ProcessKey&)>& alive,
                       std::vector<MemberTable::Index>& scratch, const std::vector<const ExitedProcess*>& exits = {},
                       ExitCredit* credit = nullptr) {
  AggregateTotals t;
  scratch.clear();
  for (int i : members) {
    AddGauges(ps[static_cast<std::size_t>(i)], &t);
    scratch.push_back(now.at[static_cast<std::size_t>(i)]);
  }
  t.counters = sum.Update(scratch, now.table, before, alive, exits, credit);
  MarkCarried(&t);
  return t;
}

// A unit that is gone takes its carry with it.
template <typename Map, typename Seen>
void DropUnseen(Map& sums, const Seen& seen) {
  for (auto it = sums.begin(); it != sums.end();) it = seen.count(it->first) ? std::next(it) : sums.erase(it);
}

// The exits of processes an earlier scan saw (each sum finds its own among
// them), and those never seen by the index of their nearest live ancestor.
struct ExitIndex {
  std::vector<const ExitedProcess*> seen;
  std::unordered_map<int, std::vector<const ExitedProcess*>> new_by_ancestor;
  std::map<std::string, std::vector<const ExitedProcess*>> new_by_group;

  explicit ExitIndex(const std::vector<ExitedProcess>& exits) {
    for (const ExitedProcess& e : exits) {
      if (e.seen_before) {
        seen.push_back(&e);
        continue;
      }
      if (e.live_ancestor != ProcessTree::kNone) new_by_ancestor[e.live_ancestor].push_back(&e);
      if (!e.group.empty()) new_by_group[e.group].push_back(&e);
    }
  }
  std::vector<const ExitedProcess*> ForSubtree(const std::vector<int>& members) const {
    std::vector<const ExitedProcess*> out = seen;
    if (new_by_ancestor.empty()) return out;
    for (int m : members)
      if (auto it = new_by_ancestor.find(m); it != new_by_ancestor.end())
        out.insert(out.end(), it->second.begin(), it->second.end());
    return out;
  }
  std::vector<const ExitedProcess*> ForGroup(const std::string& name) const {
    std::vector<const ExitedProcess*> out = seen;
    if (auto it = new_by_group.find(name); it != new_by_group.end())
      out.insert(out.end(), it->second.begin(), it->second.end());
    return out;
  }
};

}  // namespace

// A root stays selected for as long as it lives, even after its last child
// is gone, so its counters do not vanish and come back reset.
std::vector<int> TreeAggregator::RootsToSum(const std::vector<ProcessSample>& ps, const std::vector<int>& roots) const {
  std::vector<int> all = roots;
  std::unordered_set<int> selected(roots.begin(), roots.end());
  for (std::size_t i = 0; i < ps.size(); ++i)
    if (!selected.count(static_cast<int>(i)) && subtree_sums_.count(KeyOf(ps[i]))) all.push_back(static_cast<int>(i));
  std::sort(all.begin(), all.end());
  return all;
}

std::vector<int> TreeAggregator::SubtreeRoots(const std::vector<ProcessSample>& ps, const ProcessTree& tree,
                                              const std::vector<int>& roots, std::size_t max_nesting) const {
  std::vector<int> all = RootsToSum(ps, roots);
  KeepShallowRoots(tree, max_nesting, &all);
  return all;
}

TreeAggregator::Result TreeAggregator::Aggregate(const std::vector<ProcessSample>& ps, const ProcessTree& tree,
                                                 const std::vector<int>& roots,
                                                 const std::vector<std::string>& group_of,
                                                 const std::vector<std::string>& always_groups,
                                                 std::size_t max_nesting,
                                                 const std::vector<ExitedProcess>& exits) {
  const ExitIndex exit_index(exits);
  ScanMembers now = BuildMembers(ps, tree);
  // The member table holds every process of the scan, sorted by key.
  const std::function<bool(const ProcessKey&)> alive = [&](const ProcessKey& k) {
    return now.table.IndexOf(k) != MemberTable::kNone;
  };

  Result result;
  std::vector<int> all_roots = RootsToSum(ps, roots);
  result.roots_cut = KeepShallowRoots(tree, max_nesting, &all_roots);
  std::vector<MemberTable::Index> scratch;
  std::unordered_set<ProcessKey, ProcessKeyHash> roots_seen;
  for (int r : all_roots) {
    std::vector<int> members{r};
    for (int d : tree.Descendants(r)) members.push_back(d);
    const ProcessKey key = KeyOf(ps[static_cast<std::size_t>(r)]);
    roots_seen.insert(key);
    result.subtrees.push_back(
        {r, Totals(ps, now, before_, members, subtree_sums_[key], alive, scratch, exit_index.ForSubtree(members))});
  }

  std::map<std::string, std::vector<int>> by_group;
  for (std::size_t i = 0; i < group_of.size() && i < ps.size(); ++i)
    if (!group_of[i].empty()) by_group[group_of[i]].push_back(static_cast<int>(i));
  for (const auto& g : always_groups) by_group[g];
  for (const auto& [g, unused] : exit_index.new_by_group) by_group[g];
  // A group whose last members exited since the last scrape: once more, with what their records add.
  for (const auto& [g, sum] : group_sums_)
    if (!by_group.count(g) && sum.HadAnyOf(exit_index.seen, before_)) by_group[g];
  for (const auto& [name, members] : by_group) {
    ExitCredit& credit = group_exits_[name];
    AggregateTotals t = Totals(ps, now, before_, members, group_sums_[name], alive, scratch,
                               exit_index.ForGroup(name), &credit);
    result.groups.push_back({name, t, credit});
    if (members.empty()) MarkAllProvided(&result.groups.back().totals);
  }

  DropUnseen(subtree_sums_, roots_seen);
  DropUnseen(group_sums_, by_group);
  DropUnseen(group_exits_, by_group);
  before_ = std::move(now.table);
  return result;
}

}  // namespace proctree
