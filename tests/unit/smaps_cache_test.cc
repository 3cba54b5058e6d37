// SmapsCache's cost control with a fake probe and a fake clock: the interval
// cache, the per-scrape budget, the rss cap, dropping entries of processes no
// longer requested, and pid reuse.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "probes/probe.h"
#include "probes/smaps_cache.h"

namespace proctree {
namespace {

using namespace std::chrono_literals;
using Clock = SmapsCache::Clock;
using Request = SmapsCache::Request;

// A clock the test (and the fake probe) moves by hand.
struct FakeClock {
  Clock::time_point now = Clock::time_point() + 1000h;
  SmapsCache::Now fn() {
    return [this] { return now; };
  }
};

// Details derived from the key, so a test can tell whose entry it was served.
MemoryDetails DetailsFor(const ProcessKey& k, bool maps) {
  MemoryDetails d;
  d.has_rollup = true;
  d.uss = static_cast<std::uint64_t>(k.pid) * 1000000 + k.start;
  d.pss = d.uss + 1;
  d.swap_pss = 7;
  if (maps) {
    d.has_maps = true;
    d.maps.push_back(MemoryMap{"[heap]", {}, 1});
    d.maps.back().figures.rss = d.uss;
    d.map_count = 1;
  }
  return d;
}

class FakeProbe final : public Probe {
 public:
  explicit FakeProbe(FakeClock* clock) : clock_(clock) {}

  struct Call {
    ProcessKey key;
    bool maps;
  };

  std::string_view os() const override { return "fake"; }
  bool Supports(Feature) const override { return true; }
  ScanResult Scan(const ScanRequest&, ScanErrors&) const override { return {}; }
  std::optional<ProcessSample> SampleSelf(const ScanRequest&, ScanErrors&) const override { return std::nullopt; }
  DetailOutcome ReadMemoryDetails(const ProcessKey& key, bool maps, MemoryDetails* out,
                                  ScanErrors&) const override {
    calls.push_back({key, maps});
    clock_->now += cost;
    if (vanished.count(key.pid)) return DetailOutcome::kVanished;
    *out = DetailsFor(key, maps);
    return DetailOutcome::kOk;
  }

  std::size_t reads() const { return calls.size(); }

  Clock::duration cost = 0ms;            // how far each read moves the clock
  std::set<std::int64_t> vanished;       // pids whose reads report kVanished
  mutable std::vector<Call> calls;

 private:
  FakeClock* clock_;
};

SmapsCache::Policy TestPolicy() {
  SmapsCache::Policy p;
  p.rollup_interval = 30s;
  p.maps_interval = 60s;
  p.budget = 200ms;
  p.max_rss_bytes = 8ull << 30;
  return p;
}

Request Rollup(std::int64_t pid, std::uint64_t start = 100, std::uint64_t rss = 1 << 20) {
  return Request{{pid, start}, false, false, rss};
}
Request Maps(std::int64_t pid, std::uint64_t start = 100, std::uint64_t rss = 1 << 20) {
  return Request{{pid, start}, true, false, rss};
}

struct Fixture {
  FakeClock clock;
  FakeProbe probe{&clock};
  SmapsCache cache{clock.fn()};
  SmapsCache::Policy policy = TestPolicy();
  ScanErrors errors;

  std::vector<std::optional<MemoryDetails>> Get(const std::vector<Request>& reqs, SmapsCache::Skips* skips,
                                                std::optional<Clock::time_point> deadline = std::nullopt) {
    return cache.Get(probe, reqs, policy, errors, skips, deadline);
  }
};

void ExpectServedFor(const std::optional<MemoryDetails>& d, const ProcessKey& k) {
  ASSERT_TRUE(d.has_value()) << "pid " << k.pid;
  EXPECT_EQ(d->uss, DetailsFor(k, false).uss) << "pid " << k.pid << " start " << k.start;
}

TEST(SmapsCacheTest, FirstGetReadsEachRequest) {
  Fixture f;
  SmapsCache::Skips skips;
  auto out = f.Get({Rollup(1), Rollup(2), Maps(3)}, &skips);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(f.probe.reads(), 3u);
  ExpectServedFor(out[0], {1, 100});
  ExpectServedFor(out[1], {2, 100});
  ExpectServedFor(out[2], {3, 100});
  EXPECT_FALSE(out[0]->has_maps);
  EXPECT_TRUE(out[2]->has_maps);
  ASSERT_EQ(f.probe.calls.size(), 3u);
  EXPECT_FALSE(f.probe.calls[0].maps);
  EXPECT_TRUE(f.probe.calls[2].maps);
  EXPECT_EQ(skips.interval, 0u);
  EXPECT_EQ(skips.budget, 0u);
  EXPECT_EQ(skips.rss, 0u);
}

TEST(SmapsCacheTest, WithinTheIntervalServedFromCache) {
  Fixture f;
  SmapsCache::Skips s1;
  f.Get({Rollup(1)}, &s1);
  ASSERT_EQ(f.probe.reads(), 1u);

  f.clock.now += 29s;  // rollup_interval is 30 s
  SmapsCache::Skips s2;
  auto out = f.Get({Rollup(1)}, &s2);
  EXPECT_EQ(f.probe.reads(), 1u) << "read again within the interval";
  EXPECT_EQ(s2.interval, 1u);
  EXPECT_EQ(s2.budget, 0u);
  ExpectServedFor(out[0], {1, 100});

  f.clock.now += 1s;  // 30 s after the read: due again
  SmapsCache::Skips s3;
  out = f.Get({Rollup(1)}, &s3);
  EXPECT_EQ(f.probe.reads(), 2u);
  EXPECT_EQ(s3.interval, 0u);
  ExpectServedFor(out[0], {1, 100});
}

TEST(SmapsCacheTest, MapsUseTheirOwnInterval) {
  Fixture f;
  SmapsCache::Skips s;
  f.Get({Maps(1)}, &s);
  f.clock.now += 45s;  // past rollup_interval (30 s), within maps_interval (60 s)
  SmapsCache::Skips s2;
  auto out = f.Get({Maps(1)}, &s2);
  EXPECT_EQ(f.probe.reads(), 1u);
  EXPECT_EQ(s2.interval, 1u);
  ASSERT_TRUE(out[0].has_value());
  EXPECT_TRUE(out[0]->has_maps);
  f.clock.now += 15s;
  SmapsCache::Skips s3;
  f.Get({Maps(1)}, &s3);
  EXPECT_EQ(f.probe.reads(), 2u);
}

TEST(SmapsCacheTest, MapsRequestNotServedByRollupOnlyEntry) {
  Fixture f;
  SmapsCache::Skips s1;
  f.Get({Rollup(1)}, &s1);
  f.clock.now += 1s;
  SmapsCache::Skips s2;
  auto out = f.Get({Maps(1)}, &s2);
  ASSERT_EQ(f.probe.reads(), 2u) << "the rollup-only entry served a maps request";
  EXPECT_TRUE(f.probe.calls[1].maps);
  EXPECT_EQ(s2.interval, 0u);
  ASSERT_TRUE(out[0].has_value());
  EXPECT_TRUE(out[0]->has_maps);
  EXPECT_EQ(out[0]->maps.size(), 1u);

  // The maps entry does serve a later rollup request (it has the rollup figures too).
  f.clock.now += 1s;
  SmapsCache::Skips s3;
  out = f.Get({Rollup(1)}, &s3);
  EXPECT_EQ(f.probe.reads(), 2u);
  EXPECT_EQ(s3.interval, 1u);
  ExpectServedFor(out[0], {1, 100});
}

TEST(SmapsCacheTest, BudgetStopsStartingReads) {
  Fixture f;
  f.probe.cost = 50ms;
  f.policy.budget = 120ms;
  std::vector<Request> reqs;
  for (int pid = 1; pid <= 6; ++pid) reqs.push_back(Rollup(pid));
  SmapsCache::Skips s;
  auto out = f.Get(reqs, &s);
  // Reads start at 0, 50 and 100 ms; at 150 ms the budget is spent.
  EXPECT_EQ(f.probe.reads(), 3u);
  EXPECT_EQ(s.budget, 3u);
  EXPECT_EQ(s.interval, 0u);
  for (int i = 0; i < 3; ++i) ExpectServedFor(out[i], {i + 1, 100});
  for (int i = 3; i < 6; ++i) EXPECT_FALSE(out[i].has_value()) << "pid " << i + 1 << ": nothing cached to serve";
}

TEST(SmapsCacheTest, BudgetSkipReturnsStaleEntries) {
  Fixture f;
  f.probe.cost = 50ms;
  f.policy.budget = 120ms;
  SmapsCache::Skips s1;
  f.Get({Rollup(1), Rollup(2), Rollup(3)}, &s1);
  ASSERT_EQ(f.probe.reads(), 3u);

  f.clock.now += 31s;  // every entry is past its interval
  SmapsCache::Skips s2;
  auto out = f.Get({Rollup(4), Rollup(5), Rollup(6), Rollup(1), Rollup(2), Rollup(3)}, &s2);
  EXPECT_EQ(f.probe.reads(), 6u);  // 4, 5, 6 read; the budget is spent before 1, 2, 3
  EXPECT_EQ(s2.budget, 3u);
  EXPECT_EQ(s2.interval, 0u);
  for (int i = 0; i < 3; ++i) ExpectServedFor(out[i], {i + 4, 100});
  for (int i = 3; i < 6; ++i) ExpectServedFor(out[i], {i - 2, 100});  // stale beats absent

  // The stale entries kept their age: the next scrape re-reads them first.
  SmapsCache::Skips s3;
  f.Get({Rollup(1), Rollup(2), Rollup(3), Rollup(4), Rollup(5), Rollup(6)}, &s3);
  EXPECT_EQ(f.probe.reads(), 9u);
  EXPECT_EQ(s3.interval, 3u);  // 4, 5, 6 fresh
  EXPECT_EQ(s3.budget, 0u);
  for (std::size_t i = 6; i < 9; ++i) EXPECT_EQ(f.probe.calls[i].key.pid, static_cast<std::int64_t>(i - 5));
}

TEST(SmapsCacheTest, BudgetDoesNotHideFreshCacheHits) {
  Fixture f;
  f.probe.cost = 50ms;
  f.policy.budget = 120ms;
  SmapsCache::Skips s1;
  f.Get({Rollup(1), Rollup(2)}, &s1);
  f.clock.now += 1s;
  SmapsCache::Skips s2;
  // 1 and 2 are cached; 3, 4, 5 read (0, 50, 100 ms); 6 over budget.
  auto out = f.Get({Rollup(1), Rollup(3), Rollup(4), Rollup(5), Rollup(6), Rollup(2)}, &s2);
  EXPECT_EQ(f.probe.reads(), 5u);
  EXPECT_EQ(s2.interval, 2u);
  EXPECT_EQ(s2.budget, 1u);
  ExpectServedFor(out[5], {2, 100});
  EXPECT_FALSE(out[4].has_value());
}

TEST(SmapsCacheTest, DeadlineEndsReadingLikeTheBudget) {
  Fixture f;
  f.probe.cost = 50ms;
  SmapsCache::Skips s;
  auto out = f.Get({Rollup(1), Rollup(2), Rollup(3)}, &s, f.clock.now + 60ms);
  EXPECT_EQ(f.probe.reads(), 2u);  // at 0 and 50 ms; at 100 ms the deadline passed
  EXPECT_EQ(s.budget, 1u);
  EXPECT_FALSE(out[2].has_value());
}

TEST(SmapsCacheTest, RssCapSkipsUnlessForced) {
  Fixture f;
  f.policy.max_rss_bytes = 1ull << 30;
  Request big = Rollup(1, 100, 2ull << 30);
  Request forced = Rollup(2, 100, 2ull << 30);
  forced.force = true;
  Request at_cap = Rollup(3, 100, 1ull << 30);  // not above the cap
  SmapsCache::Skips s;
  auto out = f.Get({big, forced, at_cap}, &s);
  EXPECT_EQ(s.rss, 1u);
  EXPECT_FALSE(out[0].has_value());
  ExpectServedFor(out[1], {2, 100});
  ExpectServedFor(out[2], {3, 100});
  ASSERT_EQ(f.probe.reads(), 2u);
  EXPECT_EQ(f.probe.calls[0].key.pid, 2);
  EXPECT_EQ(f.probe.calls[1].key.pid, 3);

  f.policy.max_rss_bytes = 0;  // no cap
  f.clock.now += 1s;
  SmapsCache::Skips s2;
  out = f.Get({big}, &s2);
  EXPECT_EQ(s2.rss, 0u);
  ExpectServedFor(out[0], {1, 100});
}

TEST(SmapsCacheTest, EntriesOfProcessesNoLongerRequestedAreDropped) {
  Fixture f;
  SmapsCache::Skips s1;
  f.Get({Rollup(1), Rollup(2)}, &s1);
  ASSERT_EQ(f.probe.reads(), 2u);
  f.clock.now += 1s;
  SmapsCache::Skips s2;
  f.Get({Rollup(1)}, &s2);  // 2 not requested: its entry goes
  EXPECT_EQ(s2.interval, 1u);
  EXPECT_EQ(f.probe.reads(), 2u);
  f.clock.now += 1s;
  SmapsCache::Skips s3;
  auto out = f.Get({Rollup(1), Rollup(2)}, &s3);
  EXPECT_EQ(s3.interval, 1u);  // only 1
  ASSERT_EQ(f.probe.reads(), 3u) << "pid 2 was served from an entry that should have been dropped";
  EXPECT_EQ(f.probe.calls[2].key.pid, 2);
  ExpectServedFor(out[1], {2, 100});

  // An empty request list drops everything.
  SmapsCache::Skips s4;
  f.Get({}, &s4);
  SmapsCache::Skips s5;
  f.Get({Rollup(1)}, &s5);
  EXPECT_EQ(s5.interval, 0u);
  EXPECT_EQ(f.probe.reads(), 4u);
}

TEST(SmapsCacheTest, PidReuseIsNotServedTheOldEntry) {
  Fixture f;
  SmapsCache::Skips s1;
  f.Get({Rollup(7, 100)}, &s1);
  f.clock.now += 1s;
  SmapsCache::Skips s2;
  auto out = f.Get({Rollup(7, 200)}, &s2);  // same pid, another start time: another process
  EXPECT_EQ(s2.interval, 0u);
  ASSERT_EQ(f.probe.reads(), 2u);
  EXPECT_EQ(f.probe.calls[1].key.start, 200u);
  ExpectServedFor(out[0], {7, 200});
  // And the old process's entry is gone with it (it was not requested).
  f.clock.now += 1s;
  SmapsCache::Skips s3;
  out = f.Get({Rollup(7, 100)}, &s3);
  EXPECT_EQ(s3.interval, 0u);
  EXPECT_EQ(f.probe.reads(), 3u);
}

TEST(SmapsCacheTest, FailedReadIsNotCachedAndKeepsTheOldEntryOut) {
  Fixture f;
  f.probe.vanished.insert(5);
  SmapsCache::Skips s;
  auto out = f.Get({Rollup(5), Rollup(6)}, &s);
  EXPECT_FALSE(out[0].has_value());
  ExpectServedFor(out[1], {6, 100});
  f.clock.now += 1s;
  SmapsCache::Skips s2;
  out = f.Get({Rollup(5)}, &s2);
  EXPECT_EQ(f.probe.reads(), 3u);  // tried again: nothing was cached
  EXPECT_EQ(s2.interval, 0u);
  EXPECT_FALSE(out[0].has_value());
}

}  // namespace
}  // namespace proctree
