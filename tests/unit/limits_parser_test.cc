// ParseLimitsMaxOpenFiles against captured /proc/[pid]/limits files and
// hand-edited ones ("unlimited" is not settable for RLIMIT_NOFILE on Linux,
// whose maximum is fs.nr_open, but the table format allows it).
#include <gtest/gtest.h>

#include "probes/os/linux/proc_parsers.h"
#include "tests/unit/fixture_util.h"

namespace proctree::linux_proc {
namespace {

using proctree::testing::ReadFixture;

TEST(LimitsParser, NormalProcess) {
  std::optional<std::uint64_t> soft;
  ASSERT_TRUE(ParseLimitsMaxOpenFiles(ReadFixture("proc/8444/limits"), &soft));
  EXPECT_EQ(soft, 20000u);
}

TEST(LimitsParser, KernelThreadSoftNotHard) {
  // "Max open files            1024                 4096                 files"
  std::optional<std::uint64_t> soft;
  ASSERT_TRUE(ParseLimitsMaxOpenFiles(ReadFixture("proc/2/limits"), &soft));
  EXPECT_EQ(soft, 1024u);
}

TEST(LimitsParser, SoftUnlimitedIsNullopt) {
  std::optional<std::uint64_t> soft = 5;
  ASSERT_TRUE(ParseLimitsMaxOpenFiles(ReadFixture("files/limits/unlimited"), &soft));
  EXPECT_FALSE(soft.has_value());
}

TEST(LimitsParser, OnlyHardUnlimited) {
  std::optional<std::uint64_t> soft;
  ASSERT_TRUE(ParseLimitsMaxOpenFiles(ReadFixture("files/limits/soft_1024_hard_unlimited"), &soft));
  EXPECT_EQ(soft, 1024u);
}

TEST(LimitsParser, RejectsBrokenFiles) {
  for (const char* rel : {"files/limits/empty", "files/limits/garbage", "files/limits/missing_open_files"}) {
    std::optional<std::uint64_t> soft;
    EXPECT_FALSE(ParseLimitsMaxOpenFiles(ReadFixture(rel), &soft)) << rel;
  }
}

}  // namespace
}  // namespace proctree::linux_proc
