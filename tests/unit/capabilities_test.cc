// CapEff parsing (captured status files and hand-made lines), the real
// /proc/self/status against capget(2), and what the start-up log says.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "probes/os/linux/capabilities.h"
#include "tests/unit/fixture_util.h"

namespace proctree {
namespace {

using testing::ReadFixture;

constexpr int kPtrace = 19, kDacReadSearch = 2, kDacOverride = 1;

TEST(ParseCapEff, CapturedStatusFiles) {
  // A kernel thread (every capability of that kernel), a user process (none),
  // a root process of a container that dropped CAP_SYS_RESOURCE (bit 24).
  EXPECT_EQ(ParseCapEff(ReadFixture("proc/2/status")), 0x000001ffffffffffULL);
  EXPECT_EQ(ParseCapEff(ReadFixture("proc/8444/status")), 0ULL);
  EXPECT_EQ(ParseCapEff(ReadFixture("proc/8683/status")), 0x000001fffeffffffULL);
  // A status cut off before its capability lines.
  EXPECT_EQ(ParseCapEff(ReadFixture("proc-broken/103/status")), std::nullopt);
}

TEST(ParseCapEff, Lines) {
  EXPECT_EQ(ParseCapEff("Name:\tx\nCapPrm:\t00000000000000ff\nCapEff:\t0000000000080006\nCapBnd:\t0\n"), 0x80006ULL);
  EXPECT_EQ(ParseCapEff("CapEff:\t0000000000080006"), 0x80006ULL) << "no trailing newline";
  EXPECT_EQ(ParseCapEff("CapEff:  FFFFFFFFFFFFFFFF \r\n"), ~0ULL);
  EXPECT_EQ(ParseCapEff("CapEff:\t0\n"), 0ULL);
  EXPECT_EQ(ParseCapEff(""), std::nullopt);
  EXPECT_EQ(ParseCapEff("CapPrm:\t0000000000080006\n"), std::nullopt) << "only CapEff counts";
  EXPECT_EQ(ParseCapEff("XCapEff:\t1\n"), std::nullopt);
  EXPECT_EQ(ParseCapEff("CapEff:\n"), std::nullopt);
  EXPECT_EQ(ParseCapEff("CapEff:\t00000000000800zz\n"), std::nullopt);
  EXPECT_EQ(ParseCapEff("CapEff:\t1 2\n"), std::nullopt);
  EXPECT_EQ(ParseCapEff("CapEff:\t10000000000000000\n"), std::nullopt) << "17 digits overflow 64 bits";
}

TEST(Privileges, HasReadsTheBit) {
  Privileges p;
  EXPECT_FALSE(p.Has(kPtrace)) << "unknown is not held";
  p.cap_eff = 1ULL << kPtrace;
  EXPECT_TRUE(p.Has(kPtrace));
  EXPECT_FALSE(p.Has(kDacReadSearch));
  ASSERT_EQ(WatchedCapabilities().size(), 4u);
  EXPECT_STREQ(WatchedCapabilities()[0].name, "CAP_SYS_PTRACE");
  EXPECT_EQ(WatchedCapabilities()[0].bit, CAP_SYS_PTRACE);
  EXPECT_EQ(WatchedCapabilities()[1].bit, CAP_DAC_READ_SEARCH);
  EXPECT_EQ(WatchedCapabilities()[2].bit, CAP_DAC_OVERRIDE);
  EXPECT_EQ(WatchedCapabilities()[3].bit, CAP_NET_ADMIN);
}

TEST(Privileges, OwnStatusMatchesCapget) {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  ASSERT_EQ(syscall(SYS_capget, &hdr, data), 0);
  const std::uint64_t effective = (static_cast<std::uint64_t>(data[1].effective) << 32) | data[0].effective;
  const Privileges p = ReadOwnPrivileges();
  ASSERT_TRUE(p.cap_eff.has_value());
  EXPECT_EQ(*p.cap_eff, effective);
  EXPECT_EQ(p.euid, geteuid());
}

TEST(Privileges, UnreadableStatusIsUnknown) {
  const Privileges p = ReadOwnPrivileges("/nonexistent/status");
  EXPECT_FALSE(p.cap_eff.has_value());
  auto notes = DescribePrivileges(p);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_TRUE(notes[0].warn);
  EXPECT_NE(notes[0].message.find("unknown"), std::string::npos);
}

TEST(Privileges, StatusFileIsRead) {
  char path[] = "/tmp/proctree-capeff-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << "Name:\tx\nCapEff:\t0000000000000004\n";
  const Privileges p = ReadOwnPrivileges(path);
  std::remove(path);
  ASSERT_TRUE(p.cap_eff.has_value());
  EXPECT_TRUE(p.Has(kDacReadSearch));
  EXPECT_FALSE(p.Has(kPtrace));
}

std::string Joined(const std::vector<PrivilegeNote>& notes, bool warn) {
  std::string s;
  for (const auto& n : notes)
    if (n.warn == warn) s += n.message + "\n";
  return s;
}

TEST(DescribePrivileges, AllHeld) {
  Privileges p;
  p.cap_eff = (1ULL << kPtrace) | (1ULL << kDacReadSearch) | (1ULL << kDacOverride);
  auto notes = DescribePrivileges(p);
  EXPECT_EQ(Joined(notes, true), "");
  EXPECT_NE(Joined(notes, false).find("every process"), std::string::npos);
}

TEST(DescribePrivileges, NoneHeldByAnotherUser) {
  Privileges p;
  p.cap_eff = 0;
  p.euid = 65534;
  const std::string warn = Joined(DescribePrivileges(p), true);
  for (const char* what : {"CAP_SYS_PTRACE", "io, exe, smaps_rollup or smaps", "CAP_DAC_READ_SEARCH",
                           "fd directory", "EACCES"})
    EXPECT_NE(warn.find(what), std::string::npos) << what << " in " << warn;
  EXPECT_EQ(warn.find("uid 0"), std::string::npos);
}

TEST(DescribePrivileges, RootWithoutCapabilitiesIsCalledOut) {
  Privileges p;
  p.cap_eff = 1ULL << kDacOverride;  // Docker's default keeps this one
  p.euid = 0;
  auto notes = DescribePrivileges(p);
  const std::string warn = Joined(notes, true);
  EXPECT_NE(warn.find("CAP_SYS_PTRACE"), std::string::npos);
  EXPECT_EQ(warn.find("fd directory"), std::string::npos) << "CAP_DAC_OVERRIDE opens it";
  EXPECT_NE(warn.find("running as root (uid 0) without"), std::string::npos);
  EXPECT_NE(Joined(notes, false).find("CAP_DAC_OVERRIDE stands in"), std::string::npos);
}

TEST(DescribePrivileges, PtraceAloneStillMissesFdAndIo) {
  Privileges p;
  p.cap_eff = 1ULL << kPtrace;
  p.euid = 1000;
  const std::string warn = Joined(DescribePrivileges(p), true);
  EXPECT_EQ(warn.find("without CAP_SYS_PTRACE"), std::string::npos);
  EXPECT_NE(warn.find("without CAP_DAC_READ_SEARCH"), std::string::npos);
}

}  // namespace
}  // namespace proctree
