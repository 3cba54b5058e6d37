// ParseSchedstat against captured /proc/[pid]/schedstat files and broken ones.
#include <gtest/gtest.h>

#include "probes/os/linux/proc_parsers.h"
#include "tests/unit/fixture_util.h"

namespace proctree::linux_proc {
namespace {

using proctree::testing::ReadFixture;

TEST(SchedstatParser, NormalProcess) {
  SchedstatFields f;
  ASSERT_TRUE(ParseSchedstat(ReadFixture("proc/8444/schedstat"), &f));
  EXPECT_EQ(f.run_ns, 315253801u);
  EXPECT_EQ(f.wait_ns, 4130033979u);
  EXPECT_EQ(f.timeslices, 205u);
}

TEST(SchedstatParser, ZombieKeepsItsFigures) {
  SchedstatFields f;
  ASSERT_TRUE(ParseSchedstat(ReadFixture("proc/8689/schedstat"), &f));
  EXPECT_EQ(f.run_ns, 28984505u);
  EXPECT_EQ(f.wait_ns, 355033629u);
  EXPECT_EQ(f.timeslices, 20u);
}

TEST(SchedstatParser, KernelThreadThatNeverRanIsAllZeroButTimeslices) {
  SchedstatFields f;
  f.run_ns = f.wait_ns = 7;
  ASSERT_TRUE(ParseSchedstat(ReadFixture("proc/4/schedstat"), &f));
  EXPECT_EQ(f.run_ns, 0u);
  EXPECT_EQ(f.wait_ns, 0u);
  EXPECT_EQ(f.timeslices, 2u);
}

TEST(SchedstatParser, RejectsBrokenFilesAndLeavesTheOutputAlone) {
  for (const char* rel : {"files/schedstat/empty", "files/schedstat/garbage", "files/schedstat/two_numbers",
                          "files/schedstat/negative", "files/schedstat/four_numbers", "files/schedstat/overflow",
                          "files/stat/binary"}) {
    SchedstatFields f;
    f.run_ns = 11;
    EXPECT_FALSE(ParseSchedstat(ReadFixture(rel), &f)) << rel;
    EXPECT_EQ(f.run_ns, 11u) << rel;
  }
}

TEST(SchedstatParser, NewlineIsOptionalButNothingMayFollow) {
  SchedstatFields f;
  EXPECT_TRUE(ParseSchedstat("1 2 3", &f));
  EXPECT_EQ(f.timeslices, 3u);
  EXPECT_FALSE(ParseSchedstat("1 2 3\n4", &f));
  EXPECT_FALSE(ParseSchedstat(std::string_view("1 2 3\0", 6), &f));
}

TEST(OomScoreAdjParser, CapturedAndHandMade) {
  std::int64_t v = 7;
  ASSERT_TRUE(ParseOomScoreAdj(ReadFixture("proc/8444/oom_score_adj"), &v));
  EXPECT_EQ(v, 500);
  ASSERT_TRUE(ParseOomScoreAdj(ReadFixture("proc/2/oom_score_adj"), &v));
  EXPECT_EQ(v, 0);
  ASSERT_TRUE(ParseOomScoreAdj(ReadFixture("files/oom_score_adj/minus_1000"), &v));
  EXPECT_EQ(v, -1000);
}

TEST(OomScoreAdjParser, RejectsBrokenFiles) {
  for (const char* rel : {"files/oom_score_adj/empty", "files/oom_score_adj/garbage",
                          "files/oom_score_adj/out_of_range", "files/schedstat/garbage"}) {
    std::int64_t v = 7;
    EXPECT_FALSE(ParseOomScoreAdj(ReadFixture(rel), &v)) << rel;
    EXPECT_EQ(v, 7) << rel;
  }
}

}  // namespace
}  // namespace proctree::linux_proc
