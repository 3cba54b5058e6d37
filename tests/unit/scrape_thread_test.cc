#include "exporter/scrape/scrape_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
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
    ScrapeThread st([&](const ScrapeRequest& r, ByteSink& out) {
      runs.fetch_add(1);
      std::lock_guard<std::mutex> lock(mu);
      ran_on.insert(std::this_thread::get_id());
      out.Write("payload " + std::to_string(TagOf(r)));
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
  ScrapeThread st([&](const ScrapeRequest& r, ByteSink& out) {
    const int now = in_flight.fetch_add(1) + 1;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    // Long enough for the other callers to queue up behind this scrape.
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    in_flight.fetch_sub(1);
    out.Write("payload " + std::to_string(TagOf(r)));
  });
  EXPECT_EQ(Hammer(st, &callers, &mu), std::vector<std::string>{});
  EXPECT_EQ(most.load(), 1);
}

TEST(ScrapeThread, AnExceptionReachesItsCallerOnlyAndTheThreadServesOn) {
  ScrapeThread st([](const ScrapeRequest& r, ByteSink& out) {
    if (TagOf(r) == 7) throw std::runtime_error("cannot scrape 7");
    out.Write("payload " + std::to_string(TagOf(r)));
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

// The caller gets the first piece while the scrape is still writing: the
// scrape waits here until the caller has seen it.
TEST(ScrapeThread, PiecesReachTheCallerWhileTheScrapeRuns) {
  std::mutex mu;
  std::condition_variable cv;
  bool first_seen = false;
  ScrapeThread st([&](const ScrapeRequest&, ByteSink& out) {
    out.Write("first ");
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return first_seen; }));
    out.Write("second");
  });
  std::string got;
  st.Run(ScrapeRequest{}, [&](std::string_view piece) {
    got.append(piece);
    std::lock_guard<std::mutex> lock(mu);
    first_seen = true;
    cv.notify_all();
    return true;
  });
  EXPECT_EQ(got, "first second");
}

// A caller that stops (its client left) gets no more pieces; the scrape
// finishes without waiting for it and the thread serves the next one.
TEST(ScrapeThread, ACallerThatStopsGetsNoMoreAndHoldsNothingUp) {
  ScrapeThread st([](const ScrapeRequest&, ByteSink& out) {
    for (int i = 0; i < 100; ++i) out.Write(std::to_string(i) + ";");
  });
  int calls = 0;
  st.Run(ScrapeRequest{}, [&](std::string_view) { return ++calls < 2; });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(st.Run(ScrapeRequest{}).size(), 290u);
}

// A caller that takes a piece and then sits on it (a client that stopped
// reading) holds the scrape thread up for about kStallLimit, not for as
// long as it sits: the rest is queued for it.
TEST(ScrapeThread, AStalledCallerDoesNotHoldTheScrapeThread) {
  std::atomic<bool> scrape_done{false};
  ScrapeThread st([&](const ScrapeRequest&, ByteSink& out) {
    for (std::size_t i = 0; i < 4 * ScrapeThread::kMaxQueued; ++i) out.Write("piece;");
    scrape_done = true;
  });
  const auto start = std::chrono::steady_clock::now();
  std::string got;
  st.Run(ScrapeRequest{}, [&](std::string_view piece) {
    if (got.empty()) {  // stall on the first piece until the scrape is done, at most 30 s
      while (!scrape_done && std::chrono::steady_clock::now() - start < std::chrono::seconds(30))
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    got.append(piece);
    return true;
  });
  EXPECT_TRUE(scrape_done);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_EQ(got.size(), 4 * ScrapeThread::kMaxQueued * 6);
}

// Stalled callers hold at most max_stalled_bytes queued, all together: a
// response that would pass it is abandoned, and its caller gets an error
// after the pieces it took, while a caller that reads goes on being served.
TEST(ScrapeThread, AStalledCallersQueueIsBoundedAndItsResponseAbandoned) {
  constexpr std::size_t kPiece = 1024, kPieces = 256, kBound = 16 * kPiece;
  std::atomic<int> scrapes_done{0};
  ScrapeThread st(
      [&](const ScrapeRequest&, ByteSink& out) {
        const std::string piece(kPiece, 'x');
        for (std::size_t i = 0; i < kPieces; ++i) out.Write(piece);
        ++scrapes_done;
      },
      kBound);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::size_t got = 0;
  EXPECT_THROW(st.Run(ScrapeRequest{}, [&](std::string_view piece) {
    // Sit on the first piece until the scrape is over (at most 30 s): a client that stopped reading.
    while (got == 0 && scrapes_done == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    got += piece.size();
    return true;
  }),
               std::runtime_error);
  EXPECT_EQ(scrapes_done, 1);
  EXPECT_GE(got, kPiece);
  EXPECT_LE(got, kBound + ScrapeThread::kMaxQueued * kPiece) << "only what was queued before the cut";
  EXPECT_EQ(st.Run(ScrapeRequest{}).size(), kPiece * kPieces) << "a caller that reads gets it all";
}

// The scrape learns how long it waited for a slow caller to take pieces (its
// client_wait phase), so that time is not counted as serializing.
TEST(ScrapeThread, TheScrapeLearnsHowLongItWaitedForTheCaller) {
  std::atomic<double> waited{-1};
  ScrapeThread st([&](const ScrapeRequest&, ByteSink& out) {
    for (std::size_t i = 0; i < ScrapeThread::kMaxQueued + 2; ++i) out.Write("piece;");
    waited = out.WaitedSeconds();
  });
  bool first = true;
  st.Run(ScrapeRequest{}, [&](std::string_view) {
    if (first) std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a client slow to read
    first = false;
    return true;
  });
  EXPECT_GE(waited, 0.15);
  EXPECT_LT(waited, 0.5 + 0.2) << "below the stall limit it waits, no longer";
}

TEST(ScrapeThread, AnExceptionAfterPiecesComesAfterThem) {
  ScrapeThread st([](const ScrapeRequest&, ByteSink& out) {
    out.Write("partial");
    throw std::runtime_error("late failure");
  });
  std::string got;
  EXPECT_THROW(st.Run(ScrapeRequest{}, [&](std::string_view p) {
    got.append(p);
    return true;
  }),
               std::runtime_error);
  EXPECT_EQ(got, "partial");
}

}  // namespace
}  // namespace proctree
