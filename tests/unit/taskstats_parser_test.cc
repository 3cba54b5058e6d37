// The taskstats exit message parser against messages captured from a 6.18
// kernel (struct version 16; tests/fixtures/taskstats/README.md), and the
// layouts it must refuse.
#include "probes/os/linux/taskstats_parser.h"
#include "probes/os/linux/taskstats_listener.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace proctree {
namespace {

std::vector<std::vector<char>> Messages(const std::string& name) {
  std::ifstream in(std::string(PROCTREE_FIXTURES) + "/taskstats/" + name);
  std::vector<std::vector<char>> out;
  std::string hex;
  while (std::getline(in, hex)) {
    if (hex.empty()) continue;
    std::vector<char> bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
      bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    out.push_back(std::move(bytes));
  }
  EXPECT_FALSE(out.empty()) << name;
  return out;
}

// The stats attribute's payload starts after nlmsghdr, genlmsghdr, the
// AGGR_PID header, the PID attribute and the STATS header.
constexpr std::size_t kStats = 16 + 4 + 4 + 8 + 4;

TEST(TaskstatsParser, SingleThreadedProcessExitingWithCode3) {
  const auto msgs = Messages("single_exit3.hex");
  ParsedExit p;
  ASSERT_EQ(ParseTaskstatsMessage(msgs[0].data(), msgs[0].size(), &p), TaskstatsParse::kRecord);
  EXPECT_EQ(p.record.pid, 15221);
  EXPECT_EQ(p.record.tgid, 15221);
  EXPECT_GT(p.record.ppid, 0);
  EXPECT_EQ(p.record.comm, "sh");
  EXPECT_EQ(p.record.uid, 0u);
  EXPECT_EQ(p.record.reason, ExitReason::kNonzeroExit);
  EXPECT_GT(p.record.cpu_user_seconds + p.record.cpu_system_seconds, 0);
  EXPECT_LT(p.record.cpu_user_seconds + p.record.cpu_system_seconds, 1);
  EXPECT_GT(p.group_elapsed_us, 0u);
}

TEST(TaskstatsParser, KilledBySignal) {
  const auto msgs = Messages("killed.hex");
  ParsedExit p;
  ASSERT_EQ(ParseTaskstatsMessage(msgs[0].data(), msgs[0].size(), &p), TaskstatsParse::kRecord);
  EXPECT_EQ(p.record.comm, "sleep");
  EXPECT_EQ(p.record.reason, ExitReason::kSignal);
}

TEST(TaskstatsParser, ThreadRecordsNameTheirProcessAndTheGroupRecordIsSkipped) {
  const auto msgs = Messages("threads.hex");
  ASSERT_EQ(msgs.size(), 2u);
  // The leader exited first (os._exit while the joined thread was still
  // winding down); the last thread's message also carries the thread group's
  // record (delay sums only), and what is parsed is that thread's own.
  ParsedExit leader, thread;
  ASSERT_EQ(ParseTaskstatsMessage(msgs[0].data(), msgs[0].size(), &leader), TaskstatsParse::kRecord);
  ASSERT_EQ(ParseTaskstatsMessage(msgs[1].data(), msgs[1].size(), &thread), TaskstatsParse::kRecord);
  EXPECT_EQ(leader.record.pid, 17401);
  EXPECT_EQ(leader.record.tgid, 17401);
  EXPECT_EQ(leader.record.reason, ExitReason::kNormal);
  EXPECT_EQ(thread.record.pid, 17434);
  EXPECT_EQ(thread.record.tgid, 17401);
  // Both name the same group start, give or take the time between the two exits.
  EXPECT_NEAR(static_cast<double>(thread.group_elapsed_us), static_cast<double>(leader.group_elapsed_us), 1e5);
}

TEST(TaskstatsParser, RefusesLayoutsItCannotRead) {
  auto msg = Messages("single_exit3.hex")[0];
  ParsedExit p;
  for (std::uint16_t version : {11, 15}) {
    auto copy = msg;
    std::memcpy(copy.data() + kStats, &version, sizeof version);
    EXPECT_EQ(ParseTaskstatsMessage(copy.data(), copy.size(), &p), TaskstatsParse::kUnknownLayout) << version;
  }
  // A struct too short for ac_tgid/ac_tgetime (an old kernel's v8): the attribute says 200 bytes.
  auto shortened = msg;
  const std::uint16_t attr_len = 4 + 200;
  std::memcpy(shortened.data() + kStats - 4, &attr_len, sizeof attr_len);
  const std::uint16_t aggr_len = 4 + 8 + attr_len;
  std::memcpy(shortened.data() + 20, &aggr_len, sizeof aggr_len);
  EXPECT_EQ(ParseTaskstatsMessage(shortened.data(), shortened.size(), &p), TaskstatsParse::kUnknownLayout);
}

TEST(TaskstatsParser, MalformedMessagesYieldNoRecord) {
  const auto msg = Messages("single_exit3.hex")[0];
  ParsedExit p;
  for (std::size_t cut : {0, 10, 20, 40, 100}) EXPECT_NE(ParseTaskstatsMessage(msg.data(), cut, &p), TaskstatsParse::kRecord) << cut;
  auto bad = msg;
  const std::uint16_t huge = 0xffff;
  std::memcpy(bad.data() + 20, &huge, sizeof huge);  // the AGGR_PID attribute runs past the message
  EXPECT_EQ(ParseTaskstatsMessage(bad.data(), bad.size(), &p), TaskstatsParse::kNoRecord);
}

TEST(TaskstatsParser, StartTicksFromElapsedTime) {
  // Received 1000.5 s after boot, the group 400.25 s old: started at 600.25 s, 60025 ticks at 100 Hz.
  EXPECT_EQ(ExitStartTicks(1000500000000ull, 400250000ull, 100), 60025u);
  EXPECT_EQ(ExitStartTicks(1000000000ull, 2000000ull, 100), 0u);  // clock skew: never below boot
}

TEST(TaskstatsListener, DropsColumnOfOurSocket) {
  const std::string text =
      "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n"
      "ffff8ab1c0a3f000 0   1          00000000 0        0        0     2        0        1234\n"
      "ffff8ab1c0a3f800 16  4242       00000000 2304     0        0     2        187      98765\n";
  std::uint64_t drops = 0;
  ASSERT_TRUE(ParseNetlinkDrops(text, 98765, &drops));
  EXPECT_EQ(drops, 187u);
  EXPECT_FALSE(ParseNetlinkDrops(text, 5, &drops));
}

}  // namespace
}  // namespace proctree
