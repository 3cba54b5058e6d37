#include <gtest/gtest.h>

#include "probes/os/linux/proc_parsers.h"

using namespace proctree::linux_proc;

TEST(StatParser, NameWithParenthesesAndSpaces) {
  std::string text =
      "1234 (a) b (c)) S 1 1234 1234 0 -1 4194560 100 0 2 0 150 50 7 3 20 0 4 0 12345 1000 200 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 9 0 0 0 0 0 0 0 0 0 0\n";
  StatFields f;
  ASSERT_TRUE(ParseStat(text, &f));
  EXPECT_EQ(f.pid, 1234);
  EXPECT_EQ(f.comm, "a) b (c)");
  EXPECT_EQ(f.state, 'S');
  EXPECT_EQ(f.ppid, 1);
  EXPECT_EQ(f.utime, 150u);
  EXPECT_EQ(f.stime, 50u);
  EXPECT_EQ(f.cutime, 7);
  EXPECT_EQ(f.num_threads, 4);
  EXPECT_EQ(f.starttime, 12345u);
  ASSERT_TRUE(f.delayacct_blkio_ticks.has_value());
  EXPECT_EQ(*f.delayacct_blkio_ticks, 9u);
}
