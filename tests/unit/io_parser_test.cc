// ParseIo against captured /proc/[pid]/io files and broken ones.
#include <gtest/gtest.h>

#include "probes/os/linux/proc_parsers.h"
#include "tests/unit/fixture_util.h"

namespace proctree::linux_proc {
namespace {

using proctree::testing::ReadFixture;

TEST(IoParser, NormalProcess) {
  IoFields f;
  ASSERT_TRUE(ParseIo(ReadFixture("proc/8444/io"), &f));
  EXPECT_EQ(f.rchar, 126976u);
  EXPECT_EQ(f.wchar, 65433u);
  EXPECT_EQ(f.syscr, 2u);
  EXPECT_EQ(f.syscw, 2u);
  EXPECT_EQ(f.read_bytes, 0u);
  EXPECT_EQ(f.write_bytes, 0u);
  EXPECT_EQ(f.cancelled_write_bytes, 0u);
}

TEST(IoParser, StoppedProcess) {
  IoFields f;
  ASSERT_TRUE(ParseIo(ReadFixture("proc/8683/io"), &f));
  EXPECT_EQ(f.rchar, 0u);
  EXPECT_EQ(f.wchar, 1u);
  EXPECT_EQ(f.syscr, 0u);
  EXPECT_EQ(f.syscw, 1u);
}

TEST(IoParser, KernelThreadIsAllZero) {
  IoFields f;
  f.rchar = f.wchar = 7;
  ASSERT_TRUE(ParseIo(ReadFixture("proc/2/io"), &f));
  EXPECT_EQ(f.rchar, 0u);
  EXPECT_EQ(f.wchar, 0u);
}

TEST(IoParser, CancelledWriteBytesIsOptional) {
  IoFields f;
  ASSERT_TRUE(ParseIo(ReadFixture("files/io/no_cancelled"), &f));
  EXPECT_EQ(f.rchar, 126976u);
  EXPECT_EQ(f.write_bytes, 0u);
}

TEST(IoParser, RejectsBrokenFiles) {
  for (const char* rel : {"files/io/empty", "files/io/garbage", "files/io/partial"}) {
    IoFields f;
    EXPECT_FALSE(ParseIo(ReadFixture(rel), &f)) << rel;
  }
  IoFields f;
  EXPECT_FALSE(ParseIo(ReadFixture("proc/8444/statm"), &f));
}

}  // namespace
}  // namespace proctree::linux_proc
