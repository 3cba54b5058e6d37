// ParseStatm against captured /proc/[pid]/statm files and broken ones.
#include <gtest/gtest.h>

#include "probes/os/linux/proc_parsers.h"
#include "tests/unit/fixture_util.h"

namespace proctree::linux_proc {
namespace {

using proctree::testing::ReadFixture;

TEST(StatmParser, NormalProcess) {
  StatmFields f;
  ASSERT_TRUE(ParseStatm(ReadFixture("proc/8444/statm"), &f));  // "23094 3138 1049 1 0 4580 0"
  EXPECT_EQ(f.size, 23094u);
  EXPECT_EQ(f.resident, 3138u);
  EXPECT_EQ(f.shared, 1049u);
  EXPECT_EQ(f.text, 1u);
  EXPECT_EQ(f.lib, 0u);
  EXPECT_EQ(f.data, 4580u);
  EXPECT_EQ(f.dt, 0u);
}

TEST(StatmParser, OversizedStatusProcess) {
  StatmFields f;
  ASSERT_TRUE(ParseStatm(ReadFixture("proc/8672/statm"), &f));  // "4657 3156 986 1 0 2495 0"
  EXPECT_EQ(f.size, 4657u);
  EXPECT_EQ(f.resident, 3156u);
  EXPECT_EQ(f.shared, 986u);
  EXPECT_EQ(f.data, 2495u);
}

TEST(StatmParser, KernelThreadAndZombieAreAllZero) {
  for (const char* rel : {"proc/2/statm", "proc/8689/statm"}) {
    StatmFields f;
    f.size = f.resident = f.data = 99;
    ASSERT_TRUE(ParseStatm(ReadFixture(rel), &f)) << rel;
    EXPECT_EQ(f.size, 0u) << rel;
    EXPECT_EQ(f.resident, 0u) << rel;
    EXPECT_EQ(f.data, 0u) << rel;
  }
}

TEST(StatmParser, RejectsBrokenFiles) {
  for (const char* rel : {"files/statm/empty", "files/statm/garbage", "files/statm/short"}) {
    StatmFields f;
    EXPECT_FALSE(ParseStatm(ReadFixture(rel), &f)) << rel;
  }
  StatmFields f;
  EXPECT_FALSE(ParseStatm("1 2 3 4 5 6 -7\n", &f));
}

}  // namespace
}  // namespace proctree::linux_proc
