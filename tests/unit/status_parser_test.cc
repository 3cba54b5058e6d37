// ParseStatus against captured /proc/[pid]/status files and broken ones.
#include <gtest/gtest.h>

#include "probes/os/linux/proc_parsers.h"
#include "tests/unit/fixture_util.h"

namespace proctree::linux_proc {
namespace {

using proctree::testing::ReadFixture;

TEST(StatusParser, NormalProcess) {
  StatusFields f;
  ASSERT_TRUE(ParseStatus(ReadFixture("proc/8444/status"), &f));
  EXPECT_EQ(f.real_uid, 65534u);
  EXPECT_EQ(f.voluntary_ctxt_switches, 6u);
  EXPECT_EQ(f.nonvoluntary_ctxt_switches, 124u);
  EXPECT_EQ(f.vm_swap_bytes, 0u);
}

TEST(StatusParser, KernelThreadHasNoVmSwap) {
  StatusFields f;
  ASSERT_TRUE(ParseStatus(ReadFixture("proc/2/status"), &f));
  EXPECT_EQ(f.real_uid, 0u);
  EXPECT_EQ(f.voluntary_ctxt_switches, 63u);
  EXPECT_EQ(f.nonvoluntary_ctxt_switches, 0u);
  EXPECT_FALSE(f.vm_swap_bytes.has_value());
}

TEST(StatusParser, ZombieHasNoVmSwap) {
  StatusFields f;
  ASSERT_TRUE(ParseStatus(ReadFixture("proc/8689/status"), &f));
  EXPECT_EQ(f.real_uid, 0u);
  EXPECT_EQ(f.voluntary_ctxt_switches, 1u);
  EXPECT_EQ(f.nonvoluntary_ctxt_switches, 10u);
  EXPECT_FALSE(f.vm_swap_bytes.has_value());
}

TEST(StatusParser, NameSpoofingAUidLineIsEscapedByTheKernel) {
  // comm is "a\nUid:\t0\t0\t0\t0"; status escapes the newline, so the only
  // Uid line is the real one.
  StatusFields f;
  ASSERT_TRUE(ParseStatus(ReadFixture("proc/8625/status"), &f));
  EXPECT_EQ(f.real_uid, 1004u);
  EXPECT_EQ(f.voluntary_ctxt_switches, 1u);
  EXPECT_EQ(f.nonvoluntary_ctxt_switches, 6u);
}

TEST(StatusParser, HostileNamesDoNotDisturbOtherLines) {
  struct Case {
    const char* rel;
    std::uint32_t uid;
    std::uint64_t nonvoluntary;
  };
  for (const Case& c : {Case{"proc/8609/status", 1001, 5}, Case{"proc/8614/status", 1002, 6},
                        Case{"proc/8620/status", 1003, 5}, Case{"proc/8631/status", 1005, 7},
                        Case{"proc/8642/status", 1006, 6}, Case{"proc/8650/status", 1007, 7},
                        Case{"proc/8660/status", 1008, 5}, Case{"proc/8667/status", 1009, 3}}) {
    StatusFields f;
    ASSERT_TRUE(ParseStatus(ReadFixture(c.rel), &f)) << c.rel;
    EXPECT_EQ(f.real_uid, c.uid) << c.rel;
    EXPECT_EQ(f.voluntary_ctxt_switches, 1u) << c.rel;
    EXPECT_EQ(f.nonvoluntary_ctxt_switches, c.nonvoluntary) << c.rel;
    EXPECT_EQ(f.vm_swap_bytes, 0u) << c.rel;
  }
}

TEST(StatusParser, OversizedStatusWithHugeGroupsLine) {
  // 85435 bytes: 12000 supplementary groups; VmSwap and the context switch
  // lines come after byte 84000.
  std::string text = ReadFixture("proc/8672/status");
  ASSERT_EQ(text.size(), 85435u);
  StatusFields f;
  ASSERT_TRUE(ParseStatus(text, &f));
  EXPECT_EQ(f.real_uid, 2000u);
  EXPECT_EQ(f.vm_swap_bytes, 0u);
  EXPECT_EQ(f.voluntary_ctxt_switches, 1u);
  EXPECT_EQ(f.nonvoluntary_ctxt_switches, 5u);
}

TEST(StatusParser, VmSwapIsScaledFromKiB) {
  StatusFields f;
  ASSERT_TRUE(ParseStatus(ReadFixture("files/status/swapped"), &f));
  EXPECT_EQ(f.vm_swap_bytes, 1234u * 1024u);
}

TEST(StatusParser, TruncatedAfterUidKeepsUidOnly) {
  StatusFields f;
  ASSERT_TRUE(ParseStatus(ReadFixture("files/status/truncated_after_uid"), &f));
  EXPECT_EQ(f.real_uid, 65534u);
  EXPECT_FALSE(f.voluntary_ctxt_switches.has_value());
  EXPECT_FALSE(f.nonvoluntary_ctxt_switches.has_value());
  EXPECT_FALSE(f.vm_swap_bytes.has_value());
}

TEST(StatusParser, RejectsBrokenFiles) {
  for (const char* rel : {"files/status/empty", "files/status/garbage", "files/status/missing_uid",
                          "files/status/bad_uid"}) {
    StatusFields f;
    EXPECT_FALSE(ParseStatus(ReadFixture(rel), &f)) << rel;
  }
}

TEST(StatusParser, RejectsOtherProcFiles) {
  StatusFields f;
  EXPECT_FALSE(ParseStatus(ReadFixture("proc/8444/stat"), &f));
  EXPECT_FALSE(ParseStatus(ReadFixture("proc/8444/limits"), &f));
}


// The memory sizes statm has, read from status instead (fixture 8444:
// VmSize 92376 kB, VmRSS 12552, RssFile 4196, RssShmem 0, VmExe 4, VmData
// 18188, VmStk 132; its statm says 23094 3138 1049 1 0 4580 pages of 4 KiB).
TEST(StatusParser, MemorySizesInBytes) {
  StatusFields f;
  ASSERT_TRUE(ParseStatus(ReadFixture("proc/8444/status"), &f));
  EXPECT_EQ(f.vm_size_bytes, std::optional<std::uint64_t>(92376ull * 1024));
  EXPECT_EQ(f.vm_rss_bytes, std::optional<std::uint64_t>(12552ull * 1024));
  EXPECT_EQ(f.rss_file_bytes, std::optional<std::uint64_t>(4196ull * 1024));
  EXPECT_EQ(f.rss_shmem_bytes, std::optional<std::uint64_t>(0));
  EXPECT_EQ(f.vm_exe_bytes, std::optional<std::uint64_t>(4ull * 1024));
  EXPECT_EQ(f.vm_data_bytes, std::optional<std::uint64_t>(18188ull * 1024));
  EXPECT_EQ(f.vm_stk_bytes, std::optional<std::uint64_t>(132ull * 1024));
}

TEST(StatusParser, KernelThreadHasNoMemoryLines) {
  StatusFields f;
  ASSERT_TRUE(ParseStatus(ReadFixture("proc/2/status"), &f));
  EXPECT_FALSE(f.vm_size_bytes.has_value());
  EXPECT_FALSE(f.vm_rss_bytes.has_value());
  EXPECT_FALSE(f.rss_file_bytes.has_value());
}

}  // namespace
}  // namespace proctree::linux_proc
