// tree.max_ancestor_depth on synthetic scans (issue 13): the ancestor series
// and the subtree memberships of a deep chain stop at the bound, and nothing
// over the tree costs more than linear time or recurses, however deep it is.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "exporter/metrics/text_writer.h"
#include "exporter/metrics/tree_families.h"
#include "probes/tree/monotonic_sum.h"
#include "tests/unit/driven_sum.h"
#include "probes/tree/process_tree.h"
#include "probes/tree/tree_aggregation.h"

namespace proctree {
namespace {

using Clock = std::chrono::steady_clock;

ProcessSample P(std::int64_t pid, std::int64_t ppid, std::uint64_t start, double utime = 0, double cutime = 0) {
  ProcessSample s;
  s.pid = pid;
  s.ppid = ppid;
  s.start_time_ticks = start;
  s.comm = "c";
  s.cpu_user_seconds.set(utime);
  s.children_user_seconds.set(cutime);
  s.cpu_system_seconds.set(0);
  s.children_system_seconds.set(0);
  return s;
}

// pid 1000+k is the child of 1000+k-1; 1000 is the root. Stored deepest
// first, as /proc lists a chain whose pids wrapped around.
std::vector<ProcessSample> Chain(int n) {
  std::vector<ProcessSample> ps;
  for (int k = n - 1; k >= 0; --k) ps.push_back(P(1000 + k, k == 0 ? 0 : 1000 + k - 1, 100 + static_cast<std::uint64_t>(k)));
  return ps;
}
int Level(const std::vector<ProcessSample>& ps, int index) { return static_cast<int>(ps[static_cast<std::size_t>(index)].pid - 1000); }

std::vector<int> AllRows(std::size_t n) {
  std::vector<int> rows(n);
  for (std::size_t i = 0; i < n; ++i) rows[i] = static_cast<int>(i);
  return rows;
}

TEST(TreeDepthBound, ParentsFirstPutsEveryParentBeforeItsChildren) {
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    const int n = 1 + static_cast<int>(rng() % 300);
    std::vector<ProcessSample> ps;
    for (int i = 0; i < n; ++i) {
      const std::int64_t ppid = i == 0 ? 0 : 1 + static_cast<std::int64_t>(rng() % static_cast<unsigned>(i));
      ps.push_back(P(i + 1, ppid, static_cast<std::uint64_t>(i)));
    }
    std::shuffle(ps.begin(), ps.end(), rng);
    const ProcessTree t = ProcessTree::Build(ps);
    const std::vector<int> order = t.ParentsFirst();
    ASSERT_EQ(order.size(), ps.size());
    std::vector<int> position(ps.size(), -1);
    for (std::size_t k = 0; k < order.size(); ++k) {
      ASSERT_EQ(position[static_cast<std::size_t>(order[k])], -1) << "index twice";
      position[static_cast<std::size_t>(order[k])] = static_cast<int>(k);
    }
    for (std::size_t i = 0; i < ps.size(); ++i) {
      const int p = t.parent(static_cast<int>(i));
      if (p != ProcessTree::kNone) {
        EXPECT_LT(position[static_cast<std::size_t>(p)], position[i]);
      }
    }
  }
}

// 100,000 levels: a recursive walk would need ~100,000 frames; everything
// here is a loop, so it finishes (and ASan would report a stack overflow).
TEST(TreeDepthBound, HundredThousandDeepChainNeedsNoRecursion) {
  constexpr int kLevels = 100000;
  const auto ps = Chain(kLevels);
  const ProcessTree t = ProcessTree::Build(ps);
  const int root = kLevels - 1, leaf = 0;
  EXPECT_EQ(t.depth(leaf), kLevels - 1);
  EXPECT_EQ(t.Descendants(root).size(), static_cast<std::size_t>(kLevels - 1));
  EXPECT_EQ(t.Ancestors(leaf).size(), static_cast<std::size_t>(kLevels - 1));
  const std::vector<int> order = t.ParentsFirst();
  EXPECT_EQ(order.front(), root);
  EXPECT_EQ(order.back(), leaf);
}

std::string WriteTree(const std::vector<ProcessSample>& ps, const ProcessTree& tree,
                      const TreeAggregator::Result& agg, std::size_t max_depth) {
  std::vector<std::string> prefixes;
  for (const auto& s : ps) {
    std::string p;
    AppendLabel(&p, "pid", std::to_string(s.pid));
    prefixes.push_back(p);
  }
  std::string out;
  {
    TextWriter w(&out);
    WriteTreeFamilies(ps, AllRows(ps.size()), prefixes, tree, agg, max_depth, EnabledFamilies::All(), w);
  }
  return out;
}

std::size_t Lines(const std::string& text, const std::string& start) {
  std::size_t n = 0;
  for (std::size_t at = text.find("\n" + start); at != std::string::npos; at = text.find("\n" + start, at + 1)) ++n;
  return n;
}

TEST(TreeDepthBound, AncestorSeriesStopAtTheNearestMaxAncestorDepth) {
  constexpr int kLevels = 40;
  const auto ps = Chain(kLevels);
  const ProcessTree tree = ProcessTree::Build(ps);
  const std::string out = WriteTree(ps, tree, {}, 16);
  // Levels 1..16 have all their ancestors (1+...+16); the 23 below have 16 each.
  EXPECT_EQ(Lines(out, "proctree_process_ancestor{"), 16u * 17 / 2 + 23u * 16);
  // The deepest (level 39, pid 1039): generations 1..16 are levels 38..23.
  for (int g = 1; g <= 16; ++g)
    EXPECT_NE(out.find("proctree_process_ancestor{pid=\"1039\",ancestor_pid=\"" + std::to_string(1039 - g) + "\"} " +
                       std::to_string(g) + "\n"),
              std::string::npos)
        << g;
  EXPECT_EQ(out.find("proctree_process_ancestor{pid=\"1039\",ancestor_pid=\"1022\"}"), std::string::npos);
  EXPECT_NE(out.find("\nproctree_tree_ancestors_truncated_processes 23\n"), std::string::npos) << out.substr(0, 2000);

  const std::string whole = WriteTree(ps, tree, {}, 1024);
  EXPECT_EQ(Lines(whole, "proctree_process_ancestor{"), 39u * 40 / 2);
  EXPECT_NE(whole.find("\nproctree_tree_ancestors_truncated_processes 0\n"), std::string::npos);
}

TEST(TreeDepthBound, EachProcessCountsInAtMostMaxAncestorDepthSubtrees) {
  constexpr int kLevels = 40;
  const auto ps = Chain(kLevels);
  const ProcessTree tree = ProcessTree::Build(ps);
  TreeAggregator agg;
  const auto r = agg.Aggregate(ps, tree, RootsWithChildren(tree), std::vector<std::string>(ps.size()), {}, 16);
  // The 39 members with a child are roots; the outermost 16 (levels 0..15) stay, exact.
  EXPECT_EQ(r.roots_cut, 39u - 16u);
  ASSERT_EQ(r.subtrees.size(), 16u);
  for (const auto& st : r.subtrees) {
    EXPECT_LT(Level(ps, st.root), 16);
    EXPECT_EQ(st.totals.processes, static_cast<std::uint64_t>(kLevels - Level(ps, st.root)));
  }
  const std::string out = WriteTree(ps, tree, r, 16);
  EXPECT_NE(out.find("\nproctree_tree_subtrees_truncated_roots 23\n"), std::string::npos);
  EXPECT_EQ(Lines(out, "proctree_subtree_processes{"), 16u);
}

TEST(TreeDepthBound, NestingCountsSelectedRootsNotGenerations) {
  // Roots every 10th level of a 100-deep chain: 10 roots, nested 0..9 deep.
  constexpr int kLevels = 100;
  const auto ps = Chain(kLevels);
  const ProcessTree tree = ProcessTree::Build(ps);
  std::vector<int> roots;
  for (std::size_t i = 0; i < ps.size(); ++i)
    if (Level(ps, static_cast<int>(i)) % 10 == 0) roots.push_back(static_cast<int>(i));
  TreeAggregator agg;
  const auto r = agg.Aggregate(ps, tree, roots, std::vector<std::string>(ps.size()), {}, 4);
  EXPECT_EQ(r.roots_cut, 6u);
  ASSERT_EQ(r.subtrees.size(), 4u);
  for (const auto& st : r.subtrees) EXPECT_LE(Level(ps, st.root), 30);  // levels 0, 10, 20 and 30
}

// The attack's shape with the default roots: without the bound, N nested
// subtrees of N/2 members on average (4.5 million members for this 3,000-deep
// chain, 50 million for a 10,000-deep one, each kept with its carries).
TEST(TreeDepthBound, DeepChainAggregatesLinearly) {
  constexpr int kLevels = 3000;
  const auto ps = Chain(kLevels);
  const ProcessTree tree = ProcessTree::Build(ps);
  TreeAggregator agg;
  const auto r = agg.Aggregate(ps, tree, RootsWithChildren(tree), std::vector<std::string>(ps.size()), {}, 16);
  std::uint64_t members = 0;
  for (const auto& st : r.subtrees) members += st.totals.processes;
  EXPECT_EQ(r.subtrees.size(), 16u);
  EXPECT_LE(members, 16u * kLevels);
  EXPECT_EQ(r.roots_cut, static_cast<std::size_t>(kLevels - 1 - 16));
}

// A whole chain that exits between two scrapes: each member's time is
// followed up through its exited parents to the one still there. Walking
// each member's path anew took N^2/2 steps (50 million for 10,000, seconds
// per subtree that holds the chain); memoized it is linear.
TEST(TreeDepthBound, WholeChainExitingAtOnceResolvesLinearly) {
  constexpr int kLevels = 30000;
  const ProcessKey keeper{1, 1};
  std::vector<SumMember> members;
  SumMember top;
  top.key = keeper;
  members.push_back(top);
  for (int k = 0; k < kLevels; ++k) {
    SumMember m;
    m.key = {1000 + k, 100 + static_cast<std::uint64_t>(k)};
    m.parent = k == 0 ? keeper : ProcessKey{1000 + k - 1, 100 + static_cast<std::uint64_t>(k - 1)};
    m.value.cpu_user = 1;
    members.push_back(m);
  }
  DrivenSum sum;
  const auto everyone = [](const ProcessKey&) { return true; };
  EXPECT_DOUBLE_EQ(sum.Update(members, everyone).cpu_user, kLevels);

  // The keeper reaped the chain's head, which took the whole chain's time along.
  SumMember after = top;
  after.value.cpu_user = kLevels;
  after.reaped.cpu_user = kLevels;
  const auto only_keeper = [&](const ProcessKey& k) { return k == keeper; };
  const auto t0 = Clock::now();
  const TreeCounters total = sum.Update({after}, only_keeper);
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_DOUBLE_EQ(total.cpu_user, kLevels);
  EXPECT_DOUBLE_EQ(sum.carry().cpu_user, 0) << "absorbed by the keeper: nothing to carry";
  // Linear: ~30,000 lookups, milliseconds even sanitized; the N^2/2 walk took 20-60 s.
  EXPECT_LT(seconds, 5.0);
}

}  // namespace
}  // namespace proctree
