// ProcessTree::Build on synthetic scans: no /proc access.
#include "probes/tree/process_tree.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace proctree {
namespace {

ProcessSample P(std::int64_t pid, std::int64_t ppid, std::uint64_t start = 100, std::string comm = "p") {
  ProcessSample s;
  s.pid = pid;
  s.ppid = ppid;
  s.start_time_ticks = start;
  s.comm = std::move(comm);
  return s;
}

// Invariants every tree must satisfy, whatever the input: roots have no
// parent and depth 0, every other node has depth parent+1, children lists
// mirror parent links, and every parent chain ends at a root within n steps.
void ExpectConsistent(const ProcessTree& t) {
  const int n = static_cast<int>(t.size());
  std::vector<int> child_count(static_cast<std::size_t>(n), 0);
  int roots = 0;
  for (int i = 0; i < n; ++i) {
    const int p = t.parent(i);
    if (p == ProcessTree::kNone) {
      ++roots;
      EXPECT_EQ(t.depth(i), 0) << "root " << i;
    } else {
      ASSERT_GE(p, 0);
      ASSERT_LT(p, n);
      EXPECT_EQ(t.depth(i), t.depth(p) + 1) << "node " << i;
      ++child_count[static_cast<std::size_t>(p)];
    }
    EXPECT_GE(t.depth(i), 0);
    EXPECT_LT(t.depth(i), n);
    int steps = 0;
    for (int q = i; q != ProcessTree::kNone; q = t.parent(q)) {
      ASSERT_LE(++steps, n) << "parent chain of " << i << " does not end";
    }
  }
  EXPECT_EQ(static_cast<int>(t.roots().size()), roots);
  for (int r : t.roots()) EXPECT_EQ(t.parent(r), ProcessTree::kNone);
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(static_cast<int>(t.children(i).size()), child_count[static_cast<std::size_t>(i)]);
    for (int c : t.children(i)) EXPECT_EQ(t.parent(c), i);
  }
}

TEST(ProcessTreeTest, EmptyScan) {
  ProcessTree t = ProcessTree::Build({});
  EXPECT_EQ(t.size(), 0u);
  EXPECT_TRUE(t.roots().empty());
}

TEST(ProcessTreeTest, DeepChain500) {
  // pid 1000+k has ppid 1000+k-1; pid 1000 has ppid 0 (absent). Stored
  // leaf first so the depth walk starts at the deepest node.
  constexpr int kLevels = 500;
  std::vector<ProcessSample> ps;
  for (int k = kLevels - 1; k >= 0; --k) ps.push_back(P(1000 + k, k == 0 ? 0 : 1000 + k - 1, 100 + k));
  auto idx = [](int level) { return kLevels - 1 - level; };  // level k sits at index 499-k

  ProcessTree t = ProcessTree::Build(ps);
  ExpectConsistent(t);
  ASSERT_EQ(t.roots(), std::vector<int>{idx(0)});
  for (int k = 0; k < kLevels; ++k) {
    EXPECT_EQ(t.depth(idx(k)), k);
    EXPECT_EQ(t.parent(idx(k)), k == 0 ? ProcessTree::kNone : idx(k - 1));
  }

  // Ancestors of the leaf: nearest first, i.e. levels 498, 497, ..., 0.
  std::vector<int> anc = t.Ancestors(idx(kLevels - 1));
  ASSERT_EQ(anc.size(), static_cast<std::size_t>(kLevels - 1));
  for (int j = 0; j < kLevels - 1; ++j) EXPECT_EQ(anc[static_cast<std::size_t>(j)], idx(kLevels - 2 - j));
  EXPECT_TRUE(t.Ancestors(idx(0)).empty());

  // Descendants of the root: every other node, top-down (levels 1..499).
  std::vector<int> desc = t.Descendants(idx(0));
  ASSERT_EQ(desc.size(), static_cast<std::size_t>(kLevels - 1));
  for (int j = 0; j < kLevels - 1; ++j) EXPECT_EQ(desc[static_cast<std::size_t>(j)], idx(j + 1));
  EXPECT_TRUE(t.Descendants(idx(kLevels - 1)).empty());
}

TEST(ProcessTreeTest, WideFan1000) {
  std::vector<ProcessSample> ps;
  ps.push_back(P(1, 0, 1, "init"));
  for (int k = 0; k < 1000; ++k) ps.push_back(P(2 + k, 1, 10 + k));
  ProcessTree t = ProcessTree::Build(ps);
  ExpectConsistent(t);
  EXPECT_EQ(t.roots(), std::vector<int>{0});
  ASSERT_EQ(t.children(0).size(), 1000u);
  for (int k = 0; k < 1000; ++k) {
    EXPECT_EQ(t.children(0)[static_cast<std::size_t>(k)], k + 1);
    EXPECT_EQ(t.depth(k + 1), 1);
    EXPECT_EQ(t.Ancestors(k + 1), std::vector<int>{0});
  }
  std::vector<int> desc = t.Descendants(0);
  ASSERT_EQ(desc.size(), 1000u);
  for (int k = 0; k < 1000; ++k) EXPECT_EQ(desc[static_cast<std::size_t>(k)], k + 1);
}

TEST(ProcessTreeTest, PidReuseChildOlderThanParentIsRoot) {
  // 20 claims ppid 10, but the process now holding pid 10 started after 20:
  // 20's real parent died and pid 10 was reused.
  std::vector<ProcessSample> ps = {
      P(1, 0, 1),
      P(10, 1, 500),  // started at 500
      P(20, 10, 300),  // started at 300, before its "parent"
      P(30, 10, 500),  // same start tick as the parent: still its child
      P(40, 10, 501),  // started after: its child
  };
  ProcessTree t = ProcessTree::Build(ps);
  ExpectConsistent(t);
  EXPECT_EQ(t.parent(2), ProcessTree::kNone);
  EXPECT_EQ(t.depth(2), 0);
  EXPECT_EQ(t.parent(3), 1);
  EXPECT_EQ(t.parent(4), 1);
  EXPECT_EQ(t.children(1), (std::vector<int>{3, 4}));
  EXPECT_EQ(t.roots(), (std::vector<int>{0, 2}));
  EXPECT_EQ(t.Descendants(0), (std::vector<int>{1, 3, 4}));
}

TEST(ProcessTreeTest, TwoCycleIsCut) {
  // a (pid 5) says its parent is b (pid 6), b says a: a torn snapshot.
  std::vector<ProcessSample> ps = {P(5, 6, 100), P(6, 5, 100)};
  ProcessTree t = ProcessTree::Build(ps);
  ExpectConsistent(t);
  ASSERT_EQ(t.roots().size(), 1u);
  const int r = t.roots()[0];
  const int other = 1 - r;
  EXPECT_EQ(t.parent(other), r);
  EXPECT_EQ(t.depth(r), 0);
  EXPECT_EQ(t.depth(other), 1);
  EXPECT_EQ(t.Descendants(r), std::vector<int>{other});
  EXPECT_EQ(t.Ancestors(other), std::vector<int>{r});
}

TEST(ProcessTreeTest, ThreeCycleIsCut) {
  // 7 -> 8 -> 9 -> 7 (each names the next as parent).
  std::vector<ProcessSample> ps = {P(7, 8, 100), P(8, 9, 100), P(9, 7, 100)};
  ProcessTree t = ProcessTree::Build(ps);
  ExpectConsistent(t);
  ASSERT_EQ(t.roots().size(), 1u);
  const int r = t.roots()[0];
  // Cut at one node: the other two hang below it as a chain of depth 1 and 2.
  std::vector<int> depths = {t.depth(0), t.depth(1), t.depth(2)};
  std::sort(depths.begin(), depths.end());
  EXPECT_EQ(depths, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(t.Descendants(r).size(), 2u);
  // The parent links that survive are the input's: i's parent is the one with pid == ppid.
  for (int i = 0; i < 3; ++i) {
    if (i == r) continue;
    EXPECT_EQ(ps[static_cast<std::size_t>(t.parent(i))].pid, ps[static_cast<std::size_t>(i)].ppid);
  }
}

TEST(ProcessTreeTest, TailLeadingIntoCycle) {
  // x (pid 3) -> a (pid 5) <-> b (pid 6); x is first so the walk enters the
  // cycle from outside.
  std::vector<ProcessSample> ps = {P(3, 5, 100), P(5, 6, 100), P(6, 5, 100), P(1, 0, 1), P(2, 1, 50)};
  ProcessTree t = ProcessTree::Build(ps);
  ExpectConsistent(t);
  ASSERT_EQ(t.roots().size(), 2u);  // pid 1 and one of the cycle
  EXPECT_EQ(t.parent(0), 1);        // x keeps its parent a
  EXPECT_EQ(t.parent(4), 3);
  const int r = t.roots()[0] == 3 ? t.roots()[1] : t.roots()[0];
  EXPECT_TRUE(r == 1 || r == 2);
  EXPECT_EQ(t.Descendants(r).size(), 2u);
}

TEST(ProcessTreeTest, RandomGraphsKeepInputLinksAndCutEachCycleOnce) {
  // Random ppids over a small pid space (some absent, some self, many
  // cycles since all starts are equal or close). Expected: every input link
  // that passes the start-time rule survives, except exactly one per cycle
  // of the input graph.
  std::mt19937 rng(12345);
  for (int round = 0; round < 300; ++round) {
    const int n = 1 + static_cast<int>(rng() % 40);
    std::vector<ProcessSample> ps;
    for (int i = 0; i < n; ++i) {
      // pids 1..n+5 shuffled in: ppid may name an absent pid.
      ps.push_back(P(i + 1, 1 + static_cast<std::int64_t>(rng() % static_cast<unsigned>(n + 5)), rng() % 3));
    }
    // The input links after the rules (missing, self, parent started later).
    std::vector<int> f(static_cast<std::size_t>(n), ProcessTree::kNone);
    for (int i = 0; i < n; ++i) {
      const auto& s = ps[static_cast<std::size_t>(i)];
      const std::int64_t pp = s.ppid;
      if (pp == s.pid || pp < 1 || pp > n) continue;
      const auto& par = ps[static_cast<std::size_t>(pp - 1)];
      if (par.start_time_ticks > s.start_time_ticks) continue;
      f[static_cast<std::size_t>(i)] = static_cast<int>(pp - 1);
    }
    // on_cycle[i]: following f from i returns to i.
    std::vector<bool> on_cycle(static_cast<std::size_t>(n), false);
    for (int i = 0; i < n; ++i) {
      int q = f[static_cast<std::size_t>(i)];
      for (int steps = 0; q != ProcessTree::kNone && steps < n; ++steps) {
        if (q == i) {
          on_cycle[static_cast<std::size_t>(i)] = true;
          break;
        }
        q = f[static_cast<std::size_t>(q)];
      }
    }
    ProcessTree t = ProcessTree::Build(ps);
    ExpectConsistent(t);
    if (HasFailure()) {
      ADD_FAILURE() << "round " << round;
      return;
    }
    for (int i = 0; i < n; ++i) {
      const int p = t.parent(i);
      if (p != ProcessTree::kNone) {
        EXPECT_EQ(p, f[static_cast<std::size_t>(i)]) << "round " << round << " node " << i;
      } else if (f[static_cast<std::size_t>(i)] != ProcessTree::kNone) {
        EXPECT_TRUE(on_cycle[static_cast<std::size_t>(i)]) << "round " << round << " node " << i << " lost its parent";
      }
    }
    // Exactly one cut per cycle: each cycle node's root (following the tree)
    // is a cycle node of the same cycle, so count roots that are cycle nodes
    // and compare with the number of distinct cycles.
    std::vector<bool> seen(static_cast<std::size_t>(n), false);
    int cycles = 0;
    for (int i = 0; i < n; ++i) {
      if (!on_cycle[static_cast<std::size_t>(i)] || seen[static_cast<std::size_t>(i)]) continue;
      ++cycles;
      for (int q = i; !seen[static_cast<std::size_t>(q)]; q = f[static_cast<std::size_t>(q)])
        seen[static_cast<std::size_t>(q)] = true;
    }
    int cut = 0;
    for (int r : t.roots())
      if (on_cycle[static_cast<std::size_t>(r)]) ++cut;
    EXPECT_EQ(cut, cycles) << "round " << round;
  }
}

TEST(ProcessTreeTest, MissingParentIsRoot) {
  std::vector<ProcessSample> ps = {P(1, 0, 1), P(50, 49, 100), P(51, 50, 101)};
  ProcessTree t = ProcessTree::Build(ps);
  ExpectConsistent(t);
  EXPECT_EQ(t.parent(1), ProcessTree::kNone);
  EXPECT_EQ(t.parent(2), 1);
  EXPECT_EQ(t.depth(2), 1);
  EXPECT_EQ(t.roots(), (std::vector<int>{0, 1}));
}

TEST(ProcessTreeTest, SelfParentIsRoot) {
  std::vector<ProcessSample> ps = {P(0, 0, 0, "swapper"), P(77, 77, 100), P(78, 77, 101)};
  ProcessTree t = ProcessTree::Build(ps);
  ExpectConsistent(t);
  EXPECT_EQ(t.parent(0), ProcessTree::kNone);
  EXPECT_EQ(t.parent(1), ProcessTree::kNone);
  EXPECT_EQ(t.parent(2), 1);
  EXPECT_EQ(t.roots(), (std::vector<int>{0, 1}));
  EXPECT_TRUE(t.children(0).empty());
}

TEST(ProcessTreeTest, OrphansReparentedToInit) {
  // The middle process exited; its children now name pid 1.
  std::vector<ProcessSample> ps = {P(1, 0, 1, "systemd"), P(200, 1, 300), P(300, 1, 400), P(301, 300, 401)};
  ProcessTree t = ProcessTree::Build(ps);
  ExpectConsistent(t);
  EXPECT_EQ(t.roots(), std::vector<int>{0});
  EXPECT_EQ(t.children(0), (std::vector<int>{1, 2}));
  EXPECT_EQ(t.depth(1), 1);
  EXPECT_EQ(t.depth(3), 2);
  EXPECT_EQ(t.Ancestors(3), (std::vector<int>{2, 0}));
}

TEST(ProcessTreeTest, PidZeroParentsAreRoots) {
  // init and kthreadd both have ppid 0, which no scan lists.
  std::vector<ProcessSample> ps = {P(1, 0, 1, "systemd"), P(2, 0, 1, "kthreadd"), P(3, 2, 2, "rcu_gp"),
                                   P(400, 1, 50, "sshd")};
  ProcessTree t = ProcessTree::Build(ps);
  ExpectConsistent(t);
  EXPECT_EQ(t.roots(), (std::vector<int>{0, 1}));
  EXPECT_EQ(t.children(0), std::vector<int>{3});
  EXPECT_EQ(t.children(1), std::vector<int>{2});
}

TEST(ProcessTreeTest, DescendantsDepthFirstPreorder) {
  // R(1) has children X(2), Y(3); X has X1(4), X2(5); Y has Y1(6);
  // X1 has X1a(7).
  // Stored in a scrambled order; children keep scan order.
  std::vector<ProcessSample> ps = {
      P(6, 3, 10),  // 0: Y1
      P(2, 1, 10),  // 1: X
      P(7, 4, 10),  // 2: X1a
      P(1, 0, 1),   // 3: R
      P(4, 2, 10),  // 4: X1
      P(3, 1, 10),  // 5: Y
      P(5, 2, 10),  // 6: X2
  };
  ProcessTree t = ProcessTree::Build(ps);
  ExpectConsistent(t);
  EXPECT_EQ(t.roots(), std::vector<int>{3});
  EXPECT_EQ(t.children(3), (std::vector<int>{1, 5}));
  EXPECT_EQ(t.children(1), (std::vector<int>{4, 6}));
  // X, X1, X1a, X2, Y, Y1
  EXPECT_EQ(t.Descendants(3), (std::vector<int>{1, 4, 2, 6, 5, 0}));
  EXPECT_EQ(t.Descendants(1), (std::vector<int>{4, 2, 6}));
  EXPECT_EQ(t.Ancestors(2), (std::vector<int>{4, 1, 3}));
  EXPECT_EQ(t.depth(2), 3);
  EXPECT_EQ(t.depth(0), 2);
}

}  // namespace
}  // namespace proctree
