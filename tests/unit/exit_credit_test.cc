// Exit records credited by ExitBook and TreeAggregator over synthetic scans:
// what a process did after the last scrape saw it, or all of what one born
// and gone between scrapes did, counts once in its group and in the subtrees
// of its live ancestors, whether or not its parent waited for it.
#include "probes/tree/exit_book.h"
#include "probes/tree/tree_aggregation.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/unit/tree_samples.h"

namespace proctree {
namespace {

// With io known (0), so that written bytes credited from exit records show.
ProcessSample Proc(std::int64_t pid, std::int64_t ppid, std::uint64_t start, double utime, double cutime = 0) {
  ProcessSample s = testing::TreeProc(pid, ppid, start, utime, cutime);
  s.io_write_bytes.set(0);
  return s;
}

ExitRecord Exit(std::int64_t pid, std::int64_t tgid, std::int64_t ppid, std::uint64_t start, double utime,
                std::uint64_t write_bytes = 0) {
  ExitRecord r;
  r.pid = pid;
  r.tgid = tgid;
  r.ppid = ppid;
  r.start_time_ticks = start;
  r.comm = "child";
  r.cpu_user_seconds = utime;
  r.write_bytes = write_bytes;
  return r;
}

// One exporter's state: the book and the aggregator, scraped in turns.
struct Exporter {
  ExitBook book;
  TreeAggregator agg;
  TreeAggregator::Result last;

  // groups: pid -> group of live processes; exits never seen get new_group.
  void Scrape(const std::vector<ProcessSample>& ps, std::vector<ExitRecord> records,
              const std::map<std::int64_t, std::string>& groups, const std::string& new_group = "children") {
    std::vector<ExitedProcess> exits = book.Take(std::move(records), ps);
    for (ExitedProcess& e : exits)
      if (!e.seen_before) e.group = new_group;
    const ProcessTree tree = ProcessTree::Build(ps);
    std::vector<std::string> group_of(ps.size());
    for (std::size_t i = 0; i < ps.size(); ++i)
      if (auto it = groups.find(ps[i].pid); it != groups.end()) group_of[i] = it->second;
    std::vector<int> roots;
    for (std::size_t i = 0; i < ps.size(); ++i)
      if (ps[i].pid == 10) roots.push_back(static_cast<int>(i));
    // worker is listed (groups:), so it stays when its last member exits.
    last = agg.Aggregate(ps, tree, roots, group_of, {"worker"}, 16, exits);
  }
  double SubtreeCpu() const { return last.subtrees.at(0).totals.counters.cpu_user; }
  const TreeAggregator::Group* Group(const std::string& name) const {
    for (const auto& g : last.groups)
      if (g.name == name) return &g;
    return nullptr;
  }
};

TEST(ExitCredit, BornAndGoneChildNotWaitedForCountsInItsGroupAndTheParentsSubtree) {
  Exporter e;
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0)}, {}, {{10, "parent"}});
  // pid 20 lived and died between the scrapes; reaped by init (orphaned), so 10's cutime did not grow.
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0)}, {Exit(20, 20, 10, 150, 2.5, 8192)}, {{10, "parent"}});
  ASSERT_NE(e.Group("children"), nullptr);
  EXPECT_DOUBLE_EQ(e.Group("children")->totals.counters.cpu_user, 2.5);
  EXPECT_DOUBLE_EQ(e.Group("children")->totals.counters.io_write, 8192);
  EXPECT_DOUBLE_EQ(e.Group("children")->exits.counters.cpu_user, 2.5);
  EXPECT_EQ(e.Group("children")->exits.exited[static_cast<std::size_t>(ExitReason::kNormal)], 1u);
  EXPECT_EQ(e.Group("children")->totals.processes, 0u);
  EXPECT_DOUBLE_EQ(e.SubtreeCpu(), 3.5);
  EXPECT_DOUBLE_EQ(e.Group("parent")->totals.counters.cpu_user, 1.0);  // not the parent's group: not its child's CPU
}

TEST(ExitCredit, ChildTheParentWaitedForCountsOnceInTheSubtree) {
  Exporter e;
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0)}, {}, {});
  // 10 waited for 20: its cutime holds 20's 2.5 s; the record must not add them again.
  e.Scrape({Proc(10, 1, 100, 1.0, 2.5), Proc(11, 10, 101, 0)}, {Exit(20, 20, 10, 150, 2.5)}, {});
  EXPECT_DOUBLE_EQ(e.SubtreeCpu(), 3.5);
  EXPECT_DOUBLE_EQ(e.Group("children")->totals.counters.cpu_user, 2.5);  // its own group still gets it
  EXPECT_DOUBLE_EQ(e.Group("children")->exits.counters.cpu_user, 2.5);
}

TEST(ExitCredit, GrandchildReapedThroughAnExitedChildCountsOnce) {
  Exporter e;
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0)}, {}, {});
  // 20 (child of 10) waited for 21, then 10 waited for 20: 10's cutime holds both.
  e.Scrape({Proc(10, 1, 100, 1.0, 3.0), Proc(11, 10, 101, 0)},
           {Exit(21, 21, 20, 160, 2.0), Exit(20, 20, 10, 150, 1.0)}, {});
  EXPECT_DOUBLE_EQ(e.SubtreeCpu(), 4.0);
  EXPECT_DOUBLE_EQ(e.Group("children")->totals.counters.cpu_user, 3.0);
}

TEST(ExitCredit, MemberSeenAliveGetsOnlyWhatItDidSince) {
  Exporter e;
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0), Proc(30, 1, 120, 4.0)}, {}, {{30, "worker"}});
  EXPECT_DOUBLE_EQ(e.Group("worker")->totals.counters.cpu_user, 4.0);
  // 30 ran 0.5 s more after that scrape, then exited (reaped by init).
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0)}, {Exit(30, 30, 1, 120, 4.5)}, {});
  ASSERT_NE(e.Group("worker"), nullptr);
  EXPECT_DOUBLE_EQ(e.Group("worker")->totals.counters.cpu_user, 4.5);
  EXPECT_DOUBLE_EQ(e.Group("worker")->exits.counters.cpu_user, 0.5);
}

// A group not listed in groups: whose last member exited: reported once
// more with the record's credit, so its final counter is not lost; then gone.
TEST(ExitCredit, UnlistedGroupWhoseLastMemberExitedReportsItsCreditOnceMore) {
  Exporter e;
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0), Proc(30, 1, 120, 4.0)}, {}, {{30, "batch"}});
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0)}, {Exit(30, 30, 1, 120, 4.5)}, {});
  ASSERT_NE(e.Group("batch"), nullptr);
  EXPECT_EQ(e.Group("batch")->totals.processes, 0u);
  EXPECT_DOUBLE_EQ(e.Group("batch")->totals.counters.cpu_user, 4.5);
  EXPECT_DOUBLE_EQ(e.Group("batch")->exits.counters.cpu_user, 0.5);
  EXPECT_EQ(e.Group("batch")->exits.exited[static_cast<std::size_t>(ExitReason::kNormal)], 1u);
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0)}, {}, {});
  EXPECT_EQ(e.Group("batch"), nullptr);
}

// Without a record, a group whose members are gone is dropped at once, as before.
TEST(ExitCredit, UnlistedGroupWithoutRecordsIsDroppedWhenItsMembersAreGone) {
  Exporter e;
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0), Proc(30, 1, 120, 4.0)}, {}, {{30, "batch"}});
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0)}, {}, {});
  EXPECT_EQ(e.Group("batch"), nullptr);
}

TEST(ExitCredit, RecordBelowWhatWasSeenAddsNothing) {
  Exporter e;
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0), Proc(30, 10, 120, 4.0)}, {}, {{30, "worker"}});
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0)}, {Exit(30, 30, 10, 120, 3.0)}, {});
  EXPECT_DOUBLE_EQ(e.Group("worker")->totals.counters.cpu_user, 4.0);
  EXPECT_DOUBLE_EQ(e.Group("worker")->exits.counters.cpu_user, 0);
}

TEST(ExitCredit, ThreadsOfALiveProcessAddNothingUntilTheProcessIsGone) {
  Exporter e;
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0), Proc(30, 10, 120, 1.0)}, {}, {{30, "worker"}});
  // A thread of 30 exits: 30's own utime (now 2.0) already holds its 0.7 s.
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0), Proc(30, 10, 120, 2.0)}, {Exit(31, 30, 10, 120, 0.7)},
           {{30, "worker"}});
  EXPECT_DOUBLE_EQ(e.Group("worker")->totals.counters.cpu_user, 2.0);
  EXPECT_DOUBLE_EQ(e.SubtreeCpu(), 3.0);
  // Then the leader exits having run 1.6 s itself: 0.7 + 1.6 = 2.3, 0.3 more than last seen.
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0)}, {Exit(30, 30, 10, 120, 1.6)}, {});
  EXPECT_DOUBLE_EQ(e.Group("worker")->totals.counters.cpu_user, 2.3);
  EXPECT_DOUBLE_EQ(e.SubtreeCpu(), 3.3);
  EXPECT_EQ(e.Group("worker")->exits.exited[static_cast<std::size_t>(ExitReason::kNormal)], 1u);
}

TEST(ExitCredit, ReusedPidIsAnotherProcess) {
  Exporter e;
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0), Proc(30, 10, 120, 4.0)}, {}, {{30, "worker"}});
  // pid 30 again, started much later: a process never seen, not the worker.
  e.Scrape({Proc(10, 1, 100, 1.0), Proc(11, 10, 101, 0), Proc(30, 10, 120, 4.0)},
           {Exit(30, 30, 10, 120 + 10 * kExitStartToleranceTicks, 1.0)}, {{30, "worker"}});
  EXPECT_DOUBLE_EQ(e.Group("worker")->totals.counters.cpu_user, 4.0);
  EXPECT_DOUBLE_EQ(e.Group("children")->totals.counters.cpu_user, 1.0);
}

}  // namespace
}  // namespace proctree
