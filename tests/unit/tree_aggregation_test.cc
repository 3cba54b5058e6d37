// TreeAggregator::Aggregate over successive synthetic scans: no /proc access.
#include "probes/tree/tree_aggregation.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/unit/tree_samples.h"

namespace proctree {
namespace {

using testing::TreeProc;

int IndexOf(const std::vector<ProcessSample>& ps, std::int64_t pid) {
  for (std::size_t i = 0; i < ps.size(); ++i)
    if (ps[i].pid == pid) return static_cast<int>(i);
  ADD_FAILURE() << "pid " << pid << " not in scan";
  return -1;
}

struct Scan {
  std::vector<ProcessSample> ps;
  ProcessTree tree;
  TreeAggregator::Result result;

  const AggregateTotals* Subtree(std::int64_t root_pid) const {
    for (const auto& st : result.subtrees)
      if (ps[static_cast<std::size_t>(st.root)].pid == root_pid) return &st.totals;
    return nullptr;
  }
  const AggregateTotals* Group(const std::string& name) const {
    for (const auto& g : result.groups)
      if (g.name == name) return &g.totals;
    return nullptr;
  }
};

// roots: pids to select; nullopt selects RootsWithChildren. groups: pid -> group name.
Scan RunScan(TreeAggregator& agg, std::vector<ProcessSample> ps,
             std::optional<std::vector<std::int64_t>> root_pids, const std::map<std::int64_t, std::string>& groups) {
  Scan s;
  s.ps = std::move(ps);
  s.tree = ProcessTree::Build(s.ps);
  std::vector<int> roots;
  if (root_pids) {
    for (auto pid : *root_pids) roots.push_back(IndexOf(s.ps, pid));
  } else {
    roots = RootsWithChildren(s.tree);
  }
  std::vector<std::string> group_of(s.ps.size());
  for (std::size_t i = 0; i < s.ps.size(); ++i)
    if (auto it = groups.find(s.ps[i].pid); it != groups.end()) group_of[i] = it->second;
  s.result = agg.Aggregate(s.ps, s.tree, roots, group_of);
  return s;
}

double Mem(const AggregateTotals& t, MemType m) { return t.memory[static_cast<std::size_t>(m)]; }

// Identities: init 1; A 100 -> B 101 -> C 102; A -> D 103.
constexpr std::uint64_t kStartA = 1000, kStartB = 1100, kStartC = 1200, kStartD = 1300;

TEST(TreeAggregationTest, SubtreeAndGroupGauges) {
  auto with = [](ProcessSample s, std::int64_t threads, std::optional<std::uint64_t> fds, std::uint64_t rss,
                 std::uint64_t vms, std::uint64_t shared, std::uint64_t text, std::uint64_t data,
                 std::uint64_t swap) {
    s.threads.set(threads);
    if (fds) s.open_fds.set(*fds);
    else s.open_fds.mark(FieldState::kFailed);
    s.memory_rss_bytes.set(rss);
    s.memory_vms_bytes.set(vms);
    s.memory_shared_bytes.set(shared);
    s.memory_text_bytes.set(text);
    s.memory_data_bytes.set(data);
    s.memory_swap_bytes.set(swap);
    return s;
  };
  std::vector<ProcessSample> ps = {
      with(TreeProc(1, 0, 1, 0), 1, 50, 9000, 90000, 900, 90, 900, 0),
      with(TreeProc(100, 1, kStartA, 0), 2, 10, 1000, 5000, 100, 50, 300, 7),
      with(TreeProc(101, 100, kStartB, 0), 3, 5, 2000, 6000, 200, 60, 400, 0),
      with(TreeProc(102, 101, kStartC, 0), 1, 3, 500, 1000, 10, 5, 20, 1),
      with(TreeProc(103, 100, kStartD, 0), 4, std::nullopt, 100, 700, 30, 40, 50, 2),  // fds read failed
  };
  TreeAggregator agg;
  Scan s = RunScan(agg, ps, std::vector<std::int64_t>{100, 101}, {{100, "web"}, {101, "web"}, {102, "db"}, {103, "db"}});
  ASSERT_EQ(s.result.subtrees.size(), 2u);

  const AggregateTotals* a = s.Subtree(100);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->processes, 4u);
  EXPECT_DOUBLE_EQ(a->threads, 10);
  EXPECT_DOUBLE_EQ(a->open_fds, 18);
  EXPECT_DOUBLE_EQ(Mem(*a, MemType::kRss), 3600);
  EXPECT_DOUBLE_EQ(Mem(*a, MemType::kVms), 12700);
  EXPECT_DOUBLE_EQ(Mem(*a, MemType::kShared), 340);
  EXPECT_DOUBLE_EQ(Mem(*a, MemType::kText), 155);
  EXPECT_DOUBLE_EQ(Mem(*a, MemType::kData), 770);
  EXPECT_DOUBLE_EQ(Mem(*a, MemType::kSwap), 10);

  const AggregateTotals* b = s.Subtree(101);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->processes, 2u);
  EXPECT_DOUBLE_EQ(b->threads, 4);
  EXPECT_DOUBLE_EQ(b->open_fds, 8);
  EXPECT_DOUBLE_EQ(Mem(*b, MemType::kRss), 2500);
  EXPECT_DOUBLE_EQ(Mem(*b, MemType::kVms), 7000);
  EXPECT_DOUBLE_EQ(Mem(*b, MemType::kShared), 210);
  EXPECT_DOUBLE_EQ(Mem(*b, MemType::kText), 65);
  EXPECT_DOUBLE_EQ(Mem(*b, MemType::kData), 420);
  EXPECT_DOUBLE_EQ(Mem(*b, MemType::kSwap), 1);

  EXPECT_EQ(s.Subtree(1), nullptr);  // not selected

  ASSERT_EQ(s.result.groups.size(), 2u);
  EXPECT_EQ(s.result.groups[0].name, "db");  // sorted by name
  EXPECT_EQ(s.result.groups[1].name, "web");
  const AggregateTotals* db = s.Group("db");
  EXPECT_EQ(db->processes, 2u);
  EXPECT_DOUBLE_EQ(db->threads, 5);
  EXPECT_DOUBLE_EQ(db->open_fds, 3);
  EXPECT_DOUBLE_EQ(Mem(*db, MemType::kRss), 600);
  EXPECT_DOUBLE_EQ(Mem(*db, MemType::kSwap), 3);
  const AggregateTotals* web = s.Group("web");
  EXPECT_EQ(web->processes, 2u);
  EXPECT_DOUBLE_EQ(web->threads, 5);
  EXPECT_DOUBLE_EQ(web->open_fds, 15);
  EXPECT_DOUBLE_EQ(Mem(*web, MemType::kVms), 11000);
  EXPECT_DOUBLE_EQ(Mem(*web, MemType::kData), 700);
}

TEST(TreeAggregationTest, RootsWithChildrenSelectsParents) {
  std::vector<ProcessSample> ps = {TreeProc(1, 0, 1, 0), TreeProc(100, 1, kStartA, 0), TreeProc(101, 100, kStartB, 0),
                                   TreeProc(102, 101, kStartC, 0), TreeProc(103, 100, kStartD, 0)};
  ProcessTree t = ProcessTree::Build(ps);
  EXPECT_EQ(RootsWithChildren(t), (std::vector<int>{0, 1, 2}));
}

std::vector<ProcessSample> FullTree(double a_cutime = 0) {
  return {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 10, a_cutime), TreeProc(101, 100, kStartB, 5, 0, 1),
          TreeProc(102, 101, kStartC, 3, 0, 2), TreeProc(103, 100, kStartD, 2)};
}

TEST(TreeAggregationTest, GrandchildReapedByMemberDoesNotDropSubtreeCpu) {
  TreeAggregator agg;
  Scan s1 = RunScan(agg, FullTree(), std::vector<std::int64_t>{100}, {});
  ASSERT_NE(s1.Subtree(100), nullptr);
  EXPECT_DOUBLE_EQ(s1.Subtree(100)->counters.cpu_user, 20);  // 10 + 5 + 3 + 2
  EXPECT_DOUBLE_EQ(s1.Subtree(100)->counters.cpu_system, 3);

  // C exits; B waits for it: B's children times grow by C's 3 user / 2 system.
  Scan s2 = RunScan(agg,
                {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 10), TreeProc(101, 100, kStartB, 5, 3, 1, 2),
                 TreeProc(103, 100, kStartD, 2)},
                std::vector<std::int64_t>{100}, {});
  ASSERT_NE(s2.Subtree(100), nullptr);
  EXPECT_EQ(s2.Subtree(100)->processes, 3u);
  EXPECT_DOUBLE_EQ(s2.Subtree(100)->counters.cpu_user, 20);
  EXPECT_DOUBLE_EQ(s2.Subtree(100)->counters.cpu_system, 3);

  // Growth afterwards is plain growth (nothing was double counted).
  Scan s3 = RunScan(agg,
                {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 11), TreeProc(101, 100, kStartB, 6, 3, 1, 2),
                 TreeProc(103, 100, kStartD, 2)},
                std::vector<std::int64_t>{100}, {});
  EXPECT_DOUBLE_EQ(s3.Subtree(100)->counters.cpu_user, 22);
  EXPECT_DOUBLE_EQ(s3.Subtree(100)->counters.cpu_system, 3);
}

TEST(TreeAggregationTest, ChildAndParentReapedInChainAreNotDoubleCounted) {
  TreeAggregator agg;
  Scan s1 = RunScan(agg, FullTree(), std::vector<std::int64_t>{100}, {});
  EXPECT_DOUBLE_EQ(s1.Subtree(100)->counters.cpu_user, 20);
  EXPECT_DOUBLE_EQ(s1.Subtree(100)->counters.cpu_system, 3);
  // Between scans C exits and B waits for it, then B exits and A waits for
  // B: A's children times grow by B's own plus C's (user 5 + 3, system
  // 1 + 2). Nothing else ran, so the subtree's CPU is still 20 / 3.
  Scan s2 = RunScan(agg, {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 10, 8, 0, 3), TreeProc(103, 100, kStartD, 2)},
                    std::vector<std::int64_t>{100}, {});
  ASSERT_NE(s2.Subtree(100), nullptr);
  EXPECT_DOUBLE_EQ(s2.Subtree(100)->counters.cpu_user, 20);
  EXPECT_DOUBLE_EQ(s2.Subtree(100)->counters.cpu_system, 3);
}

TEST(TreeAggregationTest, OrphanReparentedOutsideDoesNotDropSubtreeCpu) {
  TreeAggregator agg;
  Scan s1 = RunScan(agg, FullTree(), std::vector<std::int64_t>{100}, {});
  EXPECT_DOUBLE_EQ(s1.Subtree(100)->counters.cpu_user, 20);

  // B exits first and A waits for it (A's cutime += B's 5, cstime += 1); C
  // is re-parented to init, outside A's subtree.
  Scan s2 = RunScan(agg,
                {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 10, 5, 0, 1), TreeProc(102, 1, kStartC, 3, 0, 2),
                 TreeProc(103, 100, kStartD, 2)},
                std::vector<std::int64_t>{100}, {});
  ASSERT_NE(s2.Subtree(100), nullptr);
  EXPECT_EQ(s2.Subtree(100)->processes, 2u);
  EXPECT_DOUBLE_EQ(s2.Subtree(100)->counters.cpu_user, 20);
  EXPECT_DOUBLE_EQ(s2.Subtree(100)->counters.cpu_system, 3);

  // C keeps running under init: its growth is no longer A's.
  Scan s3 = RunScan(agg,
                {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 10, 5, 0, 1), TreeProc(102, 1, kStartC, 30, 0, 2),
                 TreeProc(103, 100, kStartD, 2)},
                std::vector<std::int64_t>{100}, {});
  EXPECT_DOUBLE_EQ(s3.Subtree(100)->counters.cpu_user, 20);
}

TEST(TreeAggregationTest, OrphanCaseWithAutoReapedParent) {
  TreeAggregator agg;
  RunScan(agg, FullTree(), std::vector<std::int64_t>{100}, {});
  // B exits and is auto-reaped (A's children times unchanged); C goes to init.
  Scan s2 = RunScan(agg,
                {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 10), TreeProc(102, 1, kStartC, 3, 0, 2),
                 TreeProc(103, 100, kStartD, 2)},
                std::vector<std::int64_t>{100}, {});
  EXPECT_DOUBLE_EQ(s2.Subtree(100)->counters.cpu_user, 20);
  EXPECT_DOUBLE_EQ(s2.Subtree(100)->counters.cpu_system, 3);
}

TEST(TreeAggregationTest, GoneRootDropsStateAndReusedPidStartsFresh) {
  TreeAggregator agg;
  Scan s1 = RunScan(agg, {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 10), TreeProc(104, 100, 1400, 4)},
                std::vector<std::int64_t>{100}, {});
  EXPECT_DOUBLE_EQ(s1.Subtree(100)->counters.cpu_user, 14);
  // The child is auto-reaped: A's subtree carries 4.
  Scan s2 = RunScan(agg, {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 10)}, std::vector<std::int64_t>{100}, {});
  EXPECT_DOUBLE_EQ(s2.Subtree(100)->counters.cpu_user, 14);
  // A is gone.
  Scan s3 = RunScan(agg, {TreeProc(1, 0, 1, 100)}, std::vector<std::int64_t>{}, {});
  EXPECT_TRUE(s3.result.subtrees.empty());
  // A new process reuses pid 100 (different start time): its own values only.
  Scan s4 = RunScan(agg, {TreeProc(1, 0, 1, 100), TreeProc(100, 1, 9000, 1), TreeProc(105, 100, 9100, 0.5)},
                std::vector<std::int64_t>{100}, {});
  ASSERT_NE(s4.Subtree(100), nullptr);
  EXPECT_DOUBLE_EQ(s4.Subtree(100)->counters.cpu_user, 1.5);
}

TEST(TreeAggregationTest, GoneRootTakesItsCarryWithIt) {
  // Same as above, but the identity that comes back is the old one (a torn
  // scan that missed A): the carry was dropped with the state, so the
  // counters restart from A's own value.
  TreeAggregator agg;
  RunScan(agg, {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 10), TreeProc(104, 100, 1400, 4)}, std::vector<std::int64_t>{100},
      {});
  Scan s2 = RunScan(agg, {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 10)}, std::vector<std::int64_t>{100}, {});
  EXPECT_DOUBLE_EQ(s2.Subtree(100)->counters.cpu_user, 14);
  RunScan(agg, {TreeProc(1, 0, 1, 100)}, std::vector<std::int64_t>{}, {});
  Scan s4 = RunScan(agg, {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 10)}, std::vector<std::int64_t>{100}, {});
  EXPECT_DOUBLE_EQ(s4.Subtree(100)->counters.cpu_user, 10);
}

TEST(TreeAggregationTest, RootThatLosesLastChildStaysReported) {
  TreeAggregator agg;
  // Default selection: every process with children (init and A).
  Scan s1 = RunScan(agg, {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 10), TreeProc(104, 100, 1400, 4)}, std::nullopt, {});
  ASSERT_EQ(s1.result.subtrees.size(), 2u);
  EXPECT_DOUBLE_EQ(s1.Subtree(1)->counters.cpu_user, 114);
  EXPECT_DOUBLE_EQ(s1.Subtree(100)->counters.cpu_user, 14);

  // The child exits and A waits for it; A has no children, so the default
  // selection no longer names it, but it lives and stays reported.
  Scan s2 = RunScan(agg, {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 10, 4)}, std::nullopt, {});
  ASSERT_EQ(s2.result.subtrees.size(), 2u);
  ASSERT_NE(s2.Subtree(100), nullptr);
  EXPECT_EQ(s2.Subtree(100)->processes, 1u);
  EXPECT_DOUBLE_EQ(s2.Subtree(100)->counters.cpu_user, 14);
  EXPECT_DOUBLE_EQ(s2.Subtree(1)->counters.cpu_user, 114);

  Scan s3 = RunScan(agg, {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 12, 4)}, std::nullopt, {});
  ASSERT_NE(s3.Subtree(100), nullptr);
  EXPECT_DOUBLE_EQ(s3.Subtree(100)->counters.cpu_user, 16);
}

std::vector<int> RootsOf(const TreeAggregator::Result& r) {
  std::vector<int> out;
  for (const auto& st : r.subtrees) out.push_back(st.root);
  return out;
}

// SubtreeRoots tells before Aggregate runs which roots it will sum (the
// exporter reads the label-only files of those first): the selected ones,
// the ones kept from earlier scans, less those max_nesting leaves out.
TEST(TreeAggregationTest, SubtreeRootsAreTheRootsAggregateSums) {
  TreeAggregator agg;
  RunScan(agg, {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 10), TreeProc(104, 100, 1400, 4)}, std::nullopt, {});
  // A lost its last child: not selected any more, but still summed.
  const std::vector<ProcessSample> ps = {TreeProc(1, 0, 1, 100), TreeProc(100, 1, kStartA, 10, 4)};
  const ProcessTree tree = ProcessTree::Build(ps);
  const std::vector<int> selected = RootsWithChildren(tree);
  ASSERT_EQ(selected, (std::vector<int>{0}));
  const std::vector<int> told = agg.SubtreeRoots(ps, tree, selected, 5);
  EXPECT_EQ(told, (std::vector<int>{0, 1}));
  EXPECT_EQ(RootsOf(agg.Aggregate(ps, tree, selected, {}, {}, 5)), told);
  // A chain of roots 3 deep, at most 1 enclosing root: the deepest is left out.
  TreeAggregator fresh;
  const std::vector<ProcessSample> chain = FullTree();
  const ProcessTree chain_tree = ProcessTree::Build(chain);
  const std::vector<int> all = RootsWithChildren(chain_tree);
  const std::vector<int> kept = fresh.SubtreeRoots(chain, chain_tree, all, 2);
  EXPECT_EQ(kept.size(), 2u);
  EXPECT_EQ(RootsOf(fresh.Aggregate(chain, chain_tree, all, {}, {}, 2)), kept);
}

TEST(TreeAggregationTest, GroupCountersMonotonicAcrossMemberExits) {
  TreeAggregator agg;
  std::map<std::int64_t, std::string> groups = {{100, "app"}, {101, "app"}, {102, "app"}, {103, "db"}};
  auto with_io = [](ProcessSample s, std::uint64_t r, std::uint64_t w) {
    s.io_read_bytes.set(r);
    s.io_write_bytes.set(w);
    return s;
  };
  // A 10, B 5, C 3 in "app"; D 2 in "db".
  Scan s1 = RunScan(agg,
                {TreeProc(1, 0, 1, 100), with_io(TreeProc(100, 1, kStartA, 10), 1000, 100),
                 with_io(TreeProc(101, 100, kStartB, 5), 500, 50), with_io(TreeProc(102, 101, kStartC, 3), 300, 30),
                 TreeProc(103, 100, kStartD, 2)},
                std::vector<std::int64_t>{}, groups);
  ASSERT_EQ(s1.result.groups.size(), 2u);
  EXPECT_DOUBLE_EQ(s1.Group("app")->counters.cpu_user, 18);
  EXPECT_DOUBLE_EQ(s1.Group("app")->counters.io_read, 1800);
  EXPECT_DOUBLE_EQ(s1.Group("app")->counters.io_write, 180);
  EXPECT_DOUBLE_EQ(s1.Group("db")->counters.cpu_user, 2);

  // C exits, reaped by B: B's cutime and io absorb C's.
  Scan s2 = RunScan(agg,
                {TreeProc(1, 0, 1, 100), with_io(TreeProc(100, 1, kStartA, 10), 1000, 100),
                 with_io(TreeProc(101, 100, kStartB, 5, 3), 800, 80), TreeProc(103, 100, kStartD, 2)},
                std::vector<std::int64_t>{}, groups);
  EXPECT_EQ(s2.Group("app")->processes, 2u);
  EXPECT_DOUBLE_EQ(s2.Group("app")->counters.cpu_user, 18);
  EXPECT_DOUBLE_EQ(s2.Group("app")->counters.io_read, 1800);
  EXPECT_DOUBLE_EQ(s2.Group("app")->counters.io_write, 180);

  // B exits and is auto-reaped (A absorbs nothing): B's last 8 s / 800 B are carried.
  Scan s3 = RunScan(agg,
                {TreeProc(1, 0, 1, 100), with_io(TreeProc(100, 1, kStartA, 10), 1000, 100), TreeProc(103, 100, kStartD, 2)},
                std::vector<std::int64_t>{}, groups);
  EXPECT_EQ(s3.Group("app")->processes, 1u);
  EXPECT_DOUBLE_EQ(s3.Group("app")->counters.cpu_user, 18);
  EXPECT_DOUBLE_EQ(s3.Group("app")->counters.io_read, 1800);
  EXPECT_DOUBLE_EQ(s3.Group("app")->counters.io_write, 180);

  // Growth after that adds on top.
  Scan s4 = RunScan(agg,
                {TreeProc(1, 0, 1, 100), with_io(TreeProc(100, 1, kStartA, 12), 1100, 100), TreeProc(103, 100, kStartD, 3)},
                std::vector<std::int64_t>{}, groups);
  EXPECT_DOUBLE_EQ(s4.Group("app")->counters.cpu_user, 20);
  EXPECT_DOUBLE_EQ(s4.Group("app")->counters.io_read, 1900);
  EXPECT_DOUBLE_EQ(s4.Group("db")->counters.cpu_user, 3);

  // The only member moves to "db" alive: the emptied "app" is dropped, and
  // "db" now sums A's counters as well (3 + 12).
  groups[100] = "db";
  Scan s5 = RunScan(agg,
                {TreeProc(1, 0, 1, 100), with_io(TreeProc(100, 1, kStartA, 12), 1100, 100), TreeProc(103, 100, kStartD, 3)},
                std::vector<std::int64_t>{}, groups);
  EXPECT_EQ(s5.Group("app"), nullptr);  // empty group: not reported
  EXPECT_DOUBLE_EQ(s5.Group("db")->counters.cpu_user, 15);
}

// A figure no member could provide is absent from the totals, not a made-up
// 0; a sum over the members that could be read stays (found by
// tests/robustness/test_permissions.py: as uid 65534, a group of root
// processes showed 0 open fds and 0 io).
TEST(TreeAggregationTest, FiguresNoMemberProvidedAreLeftOut) {
  auto common = [](ProcessSample s) {  // what any user may read: stat, status
    s.threads.set(1);
    s.memory_rss_bytes.set(1000);
    s.voluntary_ctxt_switches.set(5);
    s.involuntary_ctxt_switches.set(1);
    return s;
  };
  auto denied = [&](ProcessSample s) {  // the fd directory and io file were refused
    s = common(std::move(s));
    s.open_fds.mark(FieldState::kFailed);
    for (Field<std::uint64_t>* f : {&s.io_read_bytes, &s.io_write_bytes, &s.io_read_chars, &s.io_write_chars,
                                    &s.io_read_syscalls, &s.io_write_syscalls})
      f->mark(FieldState::kFailed);
    return s;
  };
  auto readable = [&](ProcessSample s) {
    s = common(std::move(s));
    s.open_fds.set(7);
    for (Field<std::uint64_t>* f : {&s.io_read_bytes, &s.io_write_bytes, &s.io_read_chars, &s.io_write_chars,
                                    &s.io_read_syscalls, &s.io_write_syscalls})
      f->set(500);
    return s;
  };
  auto io_figures = [](const AggregateTotals& t) {
    return std::vector<bool>{t.has_open_fds, t.has_io_bytes, t.has_io_chars, t.has_io_syscalls};
  };
  const std::vector<bool> none(4, false), all(4, true);
  // A (denied) -> B (readable), A -> D (denied); groups: mixed = {A, B}, denied = {D}.
  std::map<std::int64_t, std::string> groups = {{100, "mixed"}, {101, "mixed"}, {103, "denied"}};
  TreeAggregator agg;
  Scan s1 = RunScan(agg,
                    {readable(TreeProc(1, 0, 1, 0)), denied(TreeProc(100, 1, kStartA, 1)), readable(TreeProc(101, 100, kStartB, 1)),
                     denied(TreeProc(103, 100, kStartD, 1))},
                    std::vector<std::int64_t>{100, 103}, groups);
  EXPECT_EQ(io_figures(*s1.Group("denied")), none);
  EXPECT_EQ(io_figures(*s1.Subtree(103)), none);
  EXPECT_EQ(io_figures(*s1.Group("mixed")), all);
  EXPECT_EQ(io_figures(*s1.Subtree(100)), all);
  EXPECT_DOUBLE_EQ(s1.Group("mixed")->open_fds, 7);  // what could be read
  EXPECT_DOUBLE_EQ(s1.Subtree(100)->counters.io_read, 500);
  // What every process has is there for all of them.
  for (const AggregateTotals* t : {s1.Group("denied"), s1.Subtree(103), s1.Group("mixed")}) {
    EXPECT_TRUE(t->has_ctx_switches);
    EXPECT_TRUE(t->has_memory[static_cast<std::size_t>(MemType::kRss)]);
    EXPECT_FALSE(t->has_memory[static_cast<std::size_t>(MemType::kSwap)]);  // read by no one here
  }

  // B exits unabsorbed (A's io is unknown): its io is carried, so the counter stays,
  // while the gauge has no live member left to provide it.
  Scan s2 = RunScan(agg, {readable(TreeProc(1, 0, 1, 0)), denied(TreeProc(100, 1, kStartA, 1)), denied(TreeProc(103, 100, kStartD, 1))},
                    std::vector<std::int64_t>{100, 103}, groups);
  const AggregateTotals* mixed = s2.Group("mixed");
  ASSERT_NE(mixed, nullptr);
  EXPECT_FALSE(mixed->has_open_fds);
  EXPECT_TRUE(mixed->has_io_bytes);
  EXPECT_DOUBLE_EQ(mixed->counters.io_read, 500);

  // A group the config always exports, with no member: true zeros.
  std::vector<ProcessSample> ps = {readable(TreeProc(1, 0, 1, 0))};
  ProcessTree tree = ProcessTree::Build(ps);
  TreeAggregator::Result r = agg.Aggregate(ps, tree, {}, {""}, {"idle"});
  ASSERT_EQ(r.groups.size(), 1u);
  EXPECT_EQ(io_figures(r.groups[0].totals), all);
  EXPECT_TRUE(r.groups[0].totals.has_memory[static_cast<std::size_t>(MemType::kSwap)]);
  EXPECT_DOUBLE_EQ(r.groups[0].totals.open_fds, 0);
}

// Run-queue delay (schedstat) is the exited task's own, never folded into a
// parent: a member that exits is carried at its last seen figures, so the
// subtree and group totals do not drop; a unit none of whose members has a
// readable schedstat leaves the figure out.
TEST(TreeAggregationTest, SchedTimesCarryOnExitAndAreLeftOutWhenUnreadable) {
  auto sched = [](ProcessSample s, double run, double wait) {
    s.sched_run_seconds.set(run);
    s.sched_wait_seconds.set(wait);
    return s;
  };
  auto unreadable = [](ProcessSample s) {
    s.sched_run_seconds.mark(FieldState::kUnsupported);
    s.sched_wait_seconds.mark(FieldState::kUnsupported);
    return s;
  };
  std::map<std::int64_t, std::string> groups = {{100, "app"}, {101, "app"}, {103, "dark"}};
  TreeAggregator agg;
  Scan s1 = RunScan(agg,
                    {TreeProc(1, 0, 1, 0), sched(TreeProc(100, 1, kStartA, 1), 2, 0.5), sched(TreeProc(101, 100, kStartB, 1), 3, 4),
                     unreadable(TreeProc(103, 1, kStartD, 1))},
                    std::vector<std::int64_t>{100, 103}, groups);
  ASSERT_NE(s1.Group("app"), nullptr);
  EXPECT_TRUE(s1.Group("app")->has_sched);
  EXPECT_DOUBLE_EQ(s1.Group("app")->counters.sched_wait, 4.5);
  EXPECT_DOUBLE_EQ(s1.Group("app")->counters.sched_run, 5);
  EXPECT_DOUBLE_EQ(s1.Subtree(100)->counters.sched_wait, 4.5);
  EXPECT_FALSE(s1.Group("dark")->has_sched);
  EXPECT_FALSE(s1.Subtree(103)->has_sched);

  // B exits (its parent reaps it, but no schedstat figure moves into A): all
  // of B's wait is carried; A's own grows by 1.
  Scan s2 = RunScan(agg, {TreeProc(1, 0, 1, 0), sched(TreeProc(100, 1, kStartA, 1, 1), 2.5, 1.5), unreadable(TreeProc(103, 1, kStartD, 1))},
                    std::vector<std::int64_t>{100, 103}, groups);
  EXPECT_DOUBLE_EQ(s2.Group("app")->counters.sched_wait, 1.5 + 4);
  EXPECT_DOUBLE_EQ(s2.Group("app")->counters.sched_run, 2.5 + 3);
  EXPECT_DOUBLE_EQ(s2.Subtree(100)->counters.sched_wait, 1.5 + 4);
  EXPECT_FALSE(s2.Group("dark")->has_sched);
}

}  // namespace
}  // namespace proctree
