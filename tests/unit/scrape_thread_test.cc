#include "exporter/scrape/scrape_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace proctree {
namespace {

// A request tagged with a number, carried in its deadline.
ScrapeRequest Tagged(long n) {
  ScrapeRequest r;
  r.deadline = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(n));
  return r;
}
long TagOf(const ScrapeRequest& r) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(r.deadline->time_since_epoch()).count());
}

constexpr int kCallers = 8;
constexpr int kPerCaller = 25;

// Runs kCallers threads of kPerCaller Run() calls each; returns what went wrong.
std::vector<std::string> Hammer(ScrapeThread& st, std::set<std::thread::id>* caller_ids, std::mutex* mu) {
  std::vector<std::string> wrong;
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      {
        std::lock_guard<std::mutex> lock(*mu);
        caller_ids->insert(std::this_thread::get_id());
      }
      for (int k = 0; k < kPerCaller; ++k) {
        const long tag = c * 1000 + k;
        const std::string got = st.Run(Tagged(tag));
        if (got != "payload " + std::to_string(tag)) {
          std::lock_guard<std::mutex> lock(*mu);
          wrong.push_back("caller " + std::to_string(c) + " asked for " + std::to_string(tag) + ", got " + got);
        }
      }
    });
  }
  for (auto& t : callers) t.join();
  return wrong;
}

TEST(ScrapeThread, EveryScrapeRunsOnTheSameThreadNotTheCallers) {
  std::mutex mu;
  std::set<std::thread::id> ran_on, callers;
  std::atomic<int> runs{0};
  {
    ScrapeThread st([&](const ScrapeRequest& r) {
      runs.fetch_add(1);
      std::lock_guard<std::mutex> lock(mu);
      ran_on.insert(std::this_thread::get_id());
      return "payload " + std::to_string(TagOf(r));
    });
    EXPECT_EQ(Hammer(st, &callers, &mu), std::vector<std::string>{});
  }
  EXPECT_EQ(runs.load(), kCallers * kPerCaller);
  ASSERT_EQ(ran_on.size(), 1u);
  EXPECT_EQ(callers.count(*ran_on.begin()), 0u);
  EXPECT_NE(*ran_on.begin(), std::this_thread::get_id());
}

TEST(ScrapeThread, ScrapesNeverOverlap) {
  std::mutex mu;
  std::set<std::thread::id> callers;
  std::atomic<int> in_flight{0}, most{0};
  ScrapeThread st([&](const ScrapeRequest& r) {
    const int now = in_flight.fetch_add(1) + 1;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    // Long enough for the other callers to queue up behind this scrape.
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    in_flight.fetch_sub(1);
    return "payload " + std::to_string(TagOf(r));
  });
  EXPECT_EQ(Hammer(st, &callers, &mu), std::vector<std::string>{});
  EXPECT_EQ(most.load(), 1);
}

TEST(ScrapeThread, AnExceptionReachesItsCallerOnlyAndTheThreadServesOn) {
  ScrapeThread st([](const ScrapeRequest& r) -> std::string {
    if (TagOf(r) == 7) throw std::runtime_error("cannot scrape 7");
    return "payload " + std::to_string(TagOf(r));
  });
  EXPECT_EQ(st.Run(Tagged(6)), "payload 6");
  try {
    st.Run(Tagged(7));
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "cannot scrape 7");
  }
  EXPECT_EQ(st.Run(Tagged(8)), "payload 8");
}

}  // namespace
}  // namespace proctree
