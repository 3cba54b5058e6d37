// TopNSelector over synthetic samples and an injected clock: the union of the
// rankings, rates since the previous call (lifetime for a new process), the
// hold after a process stops ranking, pid reuse, and pruning of the gone.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "exporter/scrape/top_n_selector.h"

namespace proctree {
namespace {

using Clock = TopNSelector::Clock;
constexpr double kNowUnix = 1'800'000'000;  // wall time of the first call

ProcessSample Proc(std::int64_t pid, double cpu, std::uint64_t rss = 0, std::uint64_t io = 0, double age = 1000) {
  ProcessSample s;
  s.pid = pid;
  s.start_time_ticks = static_cast<std::uint64_t>(pid) * 7;
  s.start_time_seconds = kNowUnix - age;
  s.cpu_user_seconds.set(cpu);
  s.cpu_system_seconds.set(0);
  s.memory_rss_bytes.set(rss);
  s.io_read_bytes.set(io);
  s.io_write_bytes.set(0);
  return s;
}

std::vector<int> All(const std::vector<ProcessSample>& ps) {
  std::vector<int> rows(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) rows[i] = static_cast<int>(i);
  return rows;
}

std::vector<std::int64_t> Pids(const std::vector<ProcessSample>& ps, const std::vector<int>& rows) {
  std::vector<std::int64_t> out;
  for (int r : rows) out.push_back(ps[static_cast<std::size_t>(r)].pid);
  return out;
}

// One scrape at t seconds after t0.
struct Scrapes {
  TopNSelector sel;
  TopNPolicy policy;
  Clock::time_point t0 = Clock::time_point() + std::chrono::hours(1);
  std::vector<std::int64_t> At(double t, const std::vector<ProcessSample>& ps) {
    const auto now = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(t));
    return Pids(ps, sel.Select(policy, ps, All(ps), now, kNowUnix + t));
  }
};

TEST(TopNSelector, GroupsNeededForAll) {
  TopNPolicy p;
  EXPECT_TRUE(TopNSelector::GroupsNeededForAll(p).empty());
  p.by_cpu = 3;
  EXPECT_EQ(TopNSelector::GroupsNeededForAll(p), FieldGroups(FieldGroup::kStat));
  p.by_io = 1;
  EXPECT_EQ(TopNSelector::GroupsNeededForAll(p), FieldGroups(FieldGroup::kStat) | FieldGroup::kIo);
  p.by_memory = 1;  // rss is in stat: status is not read for every process for it
  EXPECT_EQ(TopNSelector::GroupsNeededForAll(p), FieldGroups(FieldGroup::kStat) | FieldGroup::kIo);
}

TEST(TopNSelector, UnionOfTheRankingsOnlyPositiveValuesRank) {
  Scrapes s;
  s.policy = {1, 1, 1, 0};
  // Lifetime rates at the first call: 10 has the most CPU, 11 the most rss, 12 the most IO.
  std::vector<ProcessSample> ps = {Proc(10, 500, 5), Proc(11, 1, 900), Proc(12, 0, 5, 4000), Proc(13, 0, 0)};
  EXPECT_EQ(s.At(0, ps), (std::vector<std::int64_t>{10, 11, 12}));
  // Nothing burns CPU or does IO since: only the memory ranking has a process.
  EXPECT_EQ(s.At(10, ps), (std::vector<std::int64_t>{11}));
}

TEST(TopNSelector, RateSinceThePreviousCallNotTheTotal) {
  Scrapes s;
  s.policy = {1, 0, 0, 0};
  std::vector<ProcessSample> ps = {Proc(10, 5000), Proc(11, 10)};
  EXPECT_EQ(s.At(0, ps), (std::vector<std::int64_t>{10}));
  ps[0] = Proc(10, 5001);  // 0.1 CPU over the next 10 s
  ps[1] = Proc(11, 15);    // 0.5
  EXPECT_EQ(s.At(10, ps), (std::vector<std::int64_t>{11}));
}

TEST(TopNSelector, NewBurnerQualifiesAtItsFirstScrape) {
  Scrapes s;
  s.policy = {1, 0, 0, 0};
  std::vector<ProcessSample> ps = {Proc(10, 100), Proc(11, 2)};
  EXPECT_EQ(s.At(0, ps), (std::vector<std::int64_t>{10}));
  ps[0] = Proc(10, 103);                      // 0.3 CPU over 10 s
  ps.push_back(Proc(20, 4, 0, 0, 5 - 10.0));  // born 5 s ago (at t=5), 4 s of CPU: 0.8
  EXPECT_EQ(s.At(10, ps), (std::vector<std::int64_t>{20}));
  // A process a moment old with a tick of CPU is ranked over 1 s (0.01), not
  // its age (10), below one that burnt 5% of its 10 s.
  Scrapes t;
  t.policy = {1, 0, 0, 0};
  EXPECT_EQ(t.At(0, {Proc(30, 0.5, 0, 0, 10), Proc(31, 0.01, 0, 0, 0.001)}), (std::vector<std::int64_t>{30}));
}

TEST(TopNSelector, HeldForHoldSecondsAfterItLastRanked) {
  Scrapes s;
  s.policy = {1, 0, 0, 30};
  std::vector<ProcessSample> ps = {Proc(10, 100), Proc(11, 0)};
  EXPECT_EQ(s.At(0, ps), (std::vector<std::int64_t>{10}));
  ps[1] = Proc(11, 10);  // 11 burns from now on, 10 goes idle
  EXPECT_EQ(s.At(10, ps), (std::vector<std::int64_t>{10, 11}));  // 10 held (ranked at 0)
  ps[1] = Proc(11, 20);
  EXPECT_EQ(s.At(30, ps), (std::vector<std::int64_t>{10, 11}));  // 30 s after: still held
  ps[1] = Proc(11, 30);
  EXPECT_EQ(s.At(30.5, ps), (std::vector<std::int64_t>{11}));  // past the hold
  ps[0] = Proc(10, 110);                                       // burns again, more than 11
  EXPECT_EQ(s.At(31, ps), (std::vector<std::int64_t>{10, 11}));
}

TEST(TopNSelector, ZeroHoldKeepsOnlyThisScrapesRanking) {
  Scrapes s;
  s.policy = {1, 0, 0, 0};
  std::vector<ProcessSample> ps = {Proc(10, 100), Proc(11, 0)};
  EXPECT_EQ(s.At(0, ps), (std::vector<std::int64_t>{10}));
  ps[1] = Proc(11, 1);
  EXPECT_EQ(s.At(1, ps), (std::vector<std::int64_t>{11}));
}

TEST(TopNSelector, ReusedPidInheritsNothingAndTheGoneAreForgotten) {
  Scrapes s;
  s.policy = {1, 0, 0, 300};
  std::vector<ProcessSample> ps = {Proc(10, 100), Proc(11, 50)};
  EXPECT_EQ(s.At(0, ps), (std::vector<std::int64_t>{10}));
  EXPECT_EQ(s.sel.tracked(), 2u);
  // 10 exits; its pid comes back as another, idle process; 11 burns.
  ProcessSample reused = Proc(10, 0, 0, 0, 1);
  reused.start_time_ticks += 1;
  ps = {reused, Proc(11, 60)};
  EXPECT_EQ(s.At(10, ps), (std::vector<std::int64_t>{11}));
  ps = {Proc(11, 70)};
  EXPECT_EQ(s.At(20, ps), (std::vector<std::int64_t>{11}));
  EXPECT_EQ(s.sel.tracked(), 1u);
  s.sel.Clear();
  EXPECT_EQ(s.sel.tracked(), 0u);
}

// A scan cut short by a deadline did not reach some processes: they are not
// gone, so their hold and counters stay.
TEST(TopNSelector, PartialScanKeepsWhatItDidNotReach) {
  Scrapes s;
  s.policy = {1, 0, 0, 300};
  std::vector<ProcessSample> ps = {Proc(10, 100), Proc(11, 0)};
  EXPECT_EQ(s.At(0, ps), (std::vector<std::int64_t>{10}));
  const std::vector<ProcessSample> part = {Proc(11, 0)};
  const auto now = s.t0 + std::chrono::seconds(10);
  EXPECT_TRUE(s.sel.Select(s.policy, part, All(part), now, kNowUnix + 10, /*partial=*/true).empty());
  EXPECT_EQ(s.sel.tracked(), 2u);
  EXPECT_EQ(s.At(20, ps), (std::vector<std::int64_t>{10}));  // still held: ranked at 0
}

TEST(TopNSelector, CandidatesOnlyAndTiesToTheLowerPid) {
  Scrapes s;
  s.policy = {0, 2, 0, 0};
  std::vector<ProcessSample> ps = {Proc(5, 0, 100), Proc(4, 0, 100), Proc(3, 0, 100), Proc(9, 0, 999)};
  const auto now = s.t0;
  // 9 is no candidate (a selector names it, say): the ranking is among the rest.
  const std::vector<int> kept = s.sel.Select(s.policy, ps, {0, 1, 2}, now, kNowUnix);
  EXPECT_EQ(Pids(ps, kept), (std::vector<std::int64_t>{4, 3}));
}

TEST(TopNSelector, CounterGoingBackwardsOrUnreadableRanksZero) {
  Scrapes s;
  s.policy = {1, 0, 1, 0};
  std::vector<ProcessSample> ps = {Proc(10, 100, 0, 100), Proc(11, 0)};
  EXPECT_EQ(s.At(0, ps), (std::vector<std::int64_t>{10}));
  ps[0] = Proc(10, 50, 0, 50);
  ps[1].io_read_bytes = {};
  ps[1].io_write_bytes = {};
  EXPECT_TRUE(s.At(1, ps).empty());
}

}  // namespace
}  // namespace proctree
