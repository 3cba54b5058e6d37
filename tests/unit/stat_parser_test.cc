// ParseStat and ParseBootTime against real captured /proc files
// (tests/fixtures/proc) and hand-made broken ones (tests/fixtures/files/stat).
// Expected values were read off the fixture files by hand.
#include <gtest/gtest.h>

#include "probes/os/linux/proc_parsers.h"
#include "tests/unit/fixture_util.h"

namespace proctree::linux_proc {
namespace {

using proctree::testing::ReadFixture;

StatFields MustParse(std::string_view rel) {
  StatFields f;
  std::string text = ReadFixture(rel);
  EXPECT_TRUE(ParseStat(text, &f)) << rel;
  return f;
}

TEST(StatParser, NormalProcess) {
  StatFields f = MustParse("proc/8444/stat");
  EXPECT_EQ(f.pid, 8444);
  EXPECT_EQ(f.comm, "fixture-normal");
  EXPECT_EQ(f.state, 'S');
  EXPECT_EQ(f.ppid, 8403);
  EXPECT_EQ(f.flags, 4194624u);
  EXPECT_EQ(f.minflt, 590u);
  EXPECT_EQ(f.majflt, 0u);
  EXPECT_EQ(f.cminflt, 208u);  // field 11
  EXPECT_EQ(f.cmajflt, 0u);    // field 13
  EXPECT_EQ(f.utime, 27u);
  EXPECT_EQ(f.stime, 35u);
  EXPECT_EQ(f.cutime, 20);
  EXPECT_EQ(f.cstime, 20);
  EXPECT_EQ(f.nice, 5);
  EXPECT_EQ(f.num_threads, 2);
  EXPECT_EQ(f.starttime, 162464u);
  ASSERT_TRUE(f.delayacct_blkio_ticks.has_value());
  EXPECT_EQ(*f.delayacct_blkio_ticks, 0u);
}

TEST(StatParser, KernelThreadKthreadd) {
  StatFields f = MustParse("proc/2/stat");
  EXPECT_EQ(f.pid, 2);
  EXPECT_EQ(f.comm, "kthreadd");
  EXPECT_EQ(f.state, 'S');
  EXPECT_EQ(f.ppid, 0);
  EXPECT_EQ(f.flags, 2129984u);
  EXPECT_NE(f.flags & 0x00200000u, 0u) << "PF_KTHREAD";
  EXPECT_EQ(f.starttime, 20u);
  EXPECT_EQ(f.num_threads, 1);
}

TEST(StatParser, KernelThreadLongNameNegativeNice) {
  // Kernel threads' names are not cut at 15 bytes; nice -20 is signed.
  StatFields f = MustParse("proc/5/stat");
  EXPECT_EQ(f.pid, 5);
  EXPECT_EQ(f.comm, "kworker/R-sync_wq");
  EXPECT_EQ(f.comm.size(), 17u);
  EXPECT_EQ(f.state, 'I');
  EXPECT_EQ(f.ppid, 2);
  EXPECT_EQ(f.flags, 69238880u);
  EXPECT_EQ(f.nice, -20);
}

TEST(StatParser, Zombie) {
  StatFields f = MustParse("proc/8689/stat");
  EXPECT_EQ(f.pid, 8689);
  EXPECT_EQ(f.comm, "zombie");
  EXPECT_EQ(f.state, 'Z');
  EXPECT_EQ(f.flags, 4227148u);
  EXPECT_EQ(f.utime, 1u);
  EXPECT_EQ(f.starttime, 162685u);
  ASSERT_TRUE(f.delayacct_blkio_ticks.has_value());
  EXPECT_EQ(*f.delayacct_blkio_ticks, 0u);  // not field 52 (exit_code 768)
}

TEST(StatParser, Stopped) {
  StatFields f = MustParse("proc/8683/stat");
  EXPECT_EQ(f.comm, "stopped");
  EXPECT_EQ(f.state, 'T');
}

struct HostileName {
  const char* fixture;
  std::int64_t pid;
  std::string comm;
  std::uint64_t starttime;
};

void PrintTo(const HostileName& h, std::ostream* os) { *os << h.fixture; }

class StatParserHostileName : public ::testing::TestWithParam<HostileName> {};

TEST_P(StatParserHostileName, CommIsRawBytesAndFieldsAfterItParse) {
  const HostileName& h = GetParam();
  StatFields f = MustParse(h.fixture);
  EXPECT_EQ(f.pid, h.pid);
  EXPECT_EQ(f.comm, h.comm);
  EXPECT_EQ(f.state, 'S');
  EXPECT_EQ(f.ppid, 8403);
  EXPECT_EQ(f.flags, 4194624u);
  EXPECT_EQ(f.num_threads, 1);
  EXPECT_EQ(f.starttime, h.starttime);
}

INSTANTIATE_TEST_SUITE_P(
    Captured, StatParserHostileName,
    ::testing::Values(
        HostileName{"proc/8609/stat", 8609, "with space", 162632},
        HostileName{"proc/8614/stat", 8614, "a) b (c", 162636},
        HostileName{"proc/8620/stat", 8620, "new\nline", 162639},
        HostileName{"proc/8625/stat", 8625, "a\nUid:\t0\t0\t0\t0", 162643},
        HostileName{"proc/8631/stat", 8631, "q\"uote\\back", 162649},
        HostileName{"proc/8642/stat", 8642, "bad\xff\xfeutf8", 162657},
        // 14 ASCII bytes + "é" (C3 A9): the kernel kept 15 bytes, cutting é in half.
        HostileName{"proc/8650/stat", 8650, "abcdefghijklmn\xc3", 162663},
        HostileName{"proc/8660/stat", 8660, "", 162668},
        HostileName{"proc/8667/stat", 8667, "x) R 1 2 3)", 162671}),
    [](const ::testing::TestParamInfo<HostileName>& info) { return "pid" + std::to_string(info.param.pid); });

TEST(StatParser, HostileNameFieldsAfterComm) {
  // "x) R 1 2 3)" mimics stat fields; the real state and ppid follow the last ')'.
  StatFields f = MustParse("proc/8667/stat");
  EXPECT_EQ(f.state, 'S');
  EXPECT_EQ(f.ppid, 8403);
  EXPECT_EQ(f.minflt, 304u);
  EXPECT_EQ(f.utime, 1u);
  EXPECT_EQ(f.stime, 0u);
}

TEST(StatParser, Field42IsDelayacctBlkioTicks) {
  // Fields 23..52 hold their own field number.
  StatFields f = MustParse("files/stat/fields_numbered");
  EXPECT_EQ(f.starttime, 162464u);
  ASSERT_TRUE(f.delayacct_blkio_ticks.has_value());
  EXPECT_EQ(*f.delayacct_blkio_ticks, 42u);
}

// Every field holds its own number, so a swapped pair would show.
TEST(StatParser, FaultAndTimeFieldsInOrder) {
  std::string text = "1 (x) S";
  for (int field = 4; field <= 42; ++field) text += " " + std::to_string(field);
  StatFields f;
  ASSERT_TRUE(ParseStat(text, &f));
  EXPECT_EQ(f.minflt, 10u);
  EXPECT_EQ(f.cminflt, 11u);
  EXPECT_EQ(f.majflt, 12u);
  EXPECT_EQ(f.cmajflt, 13u);
  EXPECT_EQ(f.utime, 14u);
  EXPECT_EQ(f.cstime, 17);
  EXPECT_EQ(f.starttime, 22u);
}

TEST(StatParser, OldKernelWithoutField42) {
  StatFields f = MustParse("files/stat/old_kernel_41_fields");
  EXPECT_EQ(f.pid, 8444);
  EXPECT_EQ(f.utime, 27u);
  EXPECT_EQ(f.starttime, 162464u);
  EXPECT_FALSE(f.delayacct_blkio_ticks.has_value());
}

TEST(StatParser, OldKernelResetsField42FromPreviousParse) {
  StatFields f;
  ASSERT_TRUE(ParseStat(ReadFixture("files/stat/fields_numbered"), &f));
  ASSERT_TRUE(f.delayacct_blkio_ticks.has_value());
  ASSERT_TRUE(ParseStat(ReadFixture("files/stat/old_kernel_41_fields"), &f));
  EXPECT_FALSE(f.delayacct_blkio_ticks.has_value());
}

TEST(StatParser, RejectsBrokenFiles) {
  for (const char* rel : {"files/stat/truncated", "files/stat/truncated_in_comm", "files/stat/empty",
                          "files/stat/garbage", "files/stat/non_numeric_utime", "files/stat/binary"}) {
    StatFields f;
    EXPECT_FALSE(ParseStat(ReadFixture(rel), &f)) << rel;
  }
}

TEST(StatParser, RejectsNothingAfterComm) {
  StatFields f;
  EXPECT_FALSE(ParseStat("1 (x)", &f));
  EXPECT_FALSE(ParseStat("1 (x)  \n", &f));
  EXPECT_FALSE(ParseStat("1 )x( S 0", &f));
  EXPECT_FALSE(ParseStat("(x) S 0", &f));
}

TEST(StatParser, InlineNameWithParenthesesAndSpaces) {
  // Formerly tests/unit/parsers_test.cc.
  std::string text =
      "1234 (a) b (c)) S 1 1234 1234 0 -1 4194560 100 0 2 0 150 50 7 3 20 0 4 0 12345 1000 200 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 9 0 0 0 0 0 0 0 0 0 0\n";
  StatFields f;
  ASSERT_TRUE(ParseStat(text, &f));
  EXPECT_EQ(f.pid, 1234);
  EXPECT_EQ(f.comm, "a) b (c)");
  EXPECT_EQ(f.state, 'S');
  EXPECT_EQ(f.ppid, 1);
  EXPECT_EQ(f.majflt, 2u);
  EXPECT_EQ(f.utime, 150u);
  EXPECT_EQ(f.stime, 50u);
  EXPECT_EQ(f.cutime, 7);
  EXPECT_EQ(f.cstime, 3);
  EXPECT_EQ(f.nice, 0);
  EXPECT_EQ(f.num_threads, 4);
  EXPECT_EQ(f.starttime, 12345u);
  ASSERT_TRUE(f.delayacct_blkio_ticks.has_value());
  EXPECT_EQ(*f.delayacct_blkio_ticks, 9u);
}

TEST(BootTimeParser, CapturedProcStat) {
  std::uint64_t btime = 0;
  ASSERT_TRUE(ParseBootTime(ReadFixture("proc/stat"), &btime));
  EXPECT_EQ(btime, 1795628567u);
}

TEST(BootTimeParser, RejectsMissingBtime) {
  std::uint64_t btime = 0;
  EXPECT_FALSE(ParseBootTime(ReadFixture("files/procstat/no_btime"), &btime));
  EXPECT_FALSE(ParseBootTime("", &btime));
  EXPECT_FALSE(ParseBootTime("btime\n", &btime));
  EXPECT_FALSE(ParseBootTime("xbtime 12\n", &btime));
}

}  // namespace
}  // namespace proctree::linux_proc
