// Basic auth under hostile clients: the dummy hash unknown users are checked
// against costs what the costliest user does, a full bcrypt queue answers
// busy at once, and a flood of wrong passwords neither evicts cached good
// credentials nor makes them wait for bcrypt.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "exporter/http/web_auth.h"
#include "tests/unit/bcrypt_util.h"

namespace proctree {
namespace {

using proctree::testing::BasicHeader;
using proctree::testing::Bcrypt;

TEST(BasicAuthFlood, DummyHashIsTheCostliestUsersHash) {
  const std::string cost6 = Bcrypt("b", "$2y$", 6);
  EXPECT_EQ(BasicAuth::DummyHash({{"a", Bcrypt("a", "$2b$", 4)}, {"b", cost6}, {"c", Bcrypt("c", "$2a$", 5)}}),
            cost6);
  EXPECT_EQ(BasicAuth::DummyHash({{"only", cost6}}), cost6);
  EXPECT_EQ(BasicAuth::DummyHash({}).substr(0, 7), "$2y$10$");  // auth is off then; a valid hash all the same
}

// Waits (bounded) until `n` checks run or wait for bcrypt.
bool WaitForPending(const BasicAuth& auth, int n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (auth.bcrypt_pending() != n) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(BasicAuthFlood, GoodCredentialsOutliveAFloodAndSkipABusyQueue) {
  // Room for one check at a time; "slow" (cost 12, a few hundred ms) holds it.
  BasicAuth auth({{"alice", Bcrypt("secret")}, {"slow", Bcrypt("x", "$2b$", 12)}}, 1);
  ASSERT_EQ(auth.Check(BasicHeader("alice", "secret").c_str()), AuthResult::kGranted);
  // Three caches' worth of wrong guesses, each checked: none evicts the success.
  for (std::size_t i = 0; i < 3 * BasicAuth::kCacheSize; ++i)
    ASSERT_EQ(auth.Check(BasicHeader("alice", "guess" + std::to_string(i)).c_str()), AuthResult::kDenied);

  auto slow = std::async(std::launch::async, [&] { return auth.Check(BasicHeader("slow", "wrong").c_str()); });
  ASSERT_TRUE(WaitForPending(auth, 1));
  // The cached success is answered while bcrypt is busy; new guesses, for a
  // known user or an unknown one, are refused busy without being checked.
  EXPECT_EQ(auth.Check(BasicHeader("alice", "secret").c_str()), AuthResult::kGranted);
  EXPECT_EQ(auth.Check(BasicHeader("alice", "new guess").c_str()), AuthResult::kBusy);
  EXPECT_EQ(auth.Check(BasicHeader("nobody", "x").c_str()), AuthResult::kBusy);
  EXPECT_EQ(auth.bcrypt_pending(), 1) << "the slow check ended too soon for this test to mean anything";
  EXPECT_EQ(slow.get(), AuthResult::kDenied);
  EXPECT_EQ(auth.bcrypt_pending(), 0);
  // A busy answer is not remembered: the same guess is checked now.
  EXPECT_EQ(auth.Check(BasicHeader("alice", "new guess").c_str()), AuthResult::kDenied);
}

TEST(BasicAuthFlood, ChecksUpToTheBoundWaitTheirTurn) {
  BasicAuth auth({{"alice", Bcrypt("secret", "$2b$", 10)}}, 3);
  std::vector<std::future<AuthResult>> checks;
  for (int i = 0; i < 3; ++i)
    checks.push_back(std::async(std::launch::async, [&auth, i] {
      return auth.Check(BasicHeader("alice", i == 0 ? "secret" : "wrong" + std::to_string(i)).c_str());
    }));
  // Within the bound every check waits for bcrypt and is answered, none busy.
  EXPECT_EQ(checks[0].get(), AuthResult::kGranted);
  EXPECT_EQ(checks[1].get(), AuthResult::kDenied);
  EXPECT_EQ(checks[2].get(), AuthResult::kDenied);
  EXPECT_EQ(auth.bcrypt_pending(), 0);
}

}  // namespace
}  // namespace proctree
