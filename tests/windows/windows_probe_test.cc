// The Windows module against a real child process, under Wine in CI. Wine
// gives real enumeration, pids, names, thread counts, working set, image
// paths, memory regions and privilege adjustment: those are asserted by
// value. It answers zeros for IO counters, handle counts, page faults,
// private bytes and other processes' CPU times: those only "read without error".
#include <windows.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <set>

#include "child_process.h"
#include "probes/os/native_probe.h"
#include "probes/os/windows/win_text.h"

namespace proctree {
namespace {

using testing::ChildProcess;
using std::chrono::seconds;

constexpr std::uint64_t kTouched = 64u << 20;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Utf8(const std::wstring& w) {
  return win::Utf16ToUtf8(std::u16string_view(reinterpret_cast<const char16_t*>(w.data()), w.size()));
}

class WindowsProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    probe_ = OpenNativeProbe("", &error);
    ASSERT_TRUE(probe_) << error;
    exe_ = ChildProcess::BesideSelf(L"touch_memory_child.exe");
    ASSERT_TRUE(child_.Start(exe_)) << "CreateProcessW: " << ::GetLastError();
    ASSERT_TRUE(child_.WaitForLine("started", seconds(30)));
  }

  // The child as this scan saw it; errors about it are collected in child_errors_.
  std::optional<ProcessSample> ScanChild() {
    ScanErrors errors([this](std::int64_t pid, std::string_view syscall, std::string_view, std::string_view err) {
      if (pid == child_.pid()) child_errors_.push_back(std::string(syscall) + " " + std::string(err));
    });
    ScanResult r = probe_->Scan(ScanRequest(), errors);
    for (ProcessSample& s : r.processes)
      if (s.pid == static_cast<std::int64_t>(child_.pid())) return s;
    return std::nullopt;
  }

  std::unique_ptr<Probe> probe_;
  std::wstring exe_;
  ChildProcess child_;
  std::vector<std::string> child_errors_;
};

TEST_F(WindowsProbeTest, EnumerationFindsTheChildWithItsParentNameAndImage) {
  const auto s = ScanChild();
  ASSERT_TRUE(s) << "pid " << child_.pid() << " not in the process list";
  EXPECT_EQ(s->ppid, static_cast<std::int64_t>(::GetCurrentProcessId()));
  EXPECT_EQ(Lower(s->comm), "touch_memory_child.exe");
  ASSERT_TRUE(s->exe.has_value());
  EXPECT_EQ(Lower(s->exe.value), Lower(Utf8(exe_)));
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_GT(s->start_time_seconds, now - 120);
  EXPECT_LE(s->start_time_seconds, now + 1);
  ASSERT_TRUE(s->threads.has_value());
  EXPECT_GE(s->threads.value, 1);
  EXPECT_TRUE(child_errors_.empty()) << child_errors_.front();
}

TEST_F(WindowsProbeTest, WorkingSetGrowsByWhatTheChildTouches) {
  const auto before = ScanChild();
  ASSERT_TRUE(before && before->memory_rss_bytes.has_value());
  ASSERT_TRUE(child_.Send('\n'));
  ASSERT_TRUE(child_.WaitForLine("touched", seconds(30)));
  const auto after = ScanChild();
  ASSERT_TRUE(after && after->memory_rss_bytes.has_value());
  EXPECT_GE(after->memory_rss_bytes.value, before->memory_rss_bytes.value + kTouched * 3 / 4)
      << "before " << before->memory_rss_bytes.value << " after " << after->memory_rss_bytes.value;
  EXPECT_GE(after->memory_vms_bytes.value, kTouched);
}

// Wine answers zeros here; on Windows these are real. Either way: values, no errors.
TEST_F(WindowsProbeTest, CountersWineZeroesAreReadWithoutError) {
  const auto s = ScanChild();
  ASSERT_TRUE(s);
  for (const Field<std::uint64_t>* f : {&s->io_read_chars, &s->io_write_chars, &s->io_read_syscalls,
                                        &s->io_write_syscalls, &s->handles, &s->minor_faults, &s->major_faults,
                                        &s->memory_data_bytes})
    EXPECT_TRUE(f->has_value());
  EXPECT_TRUE(s->cpu_user_seconds.has_value());
  EXPECT_TRUE(s->cpu_system_seconds.has_value());
  // What Windows has no per-process figure for is unsupported, never a zero.
  EXPECT_EQ(s->open_fds.state, FieldState::kUnsupported);
  EXPECT_EQ(s->io_read_bytes.state, FieldState::kUnsupported);
  EXPECT_EQ(s->uid.state, FieldState::kUnsupported);
  EXPECT_TRUE(child_errors_.empty()) << child_errors_.front();
}

TEST_F(WindowsProbeTest, MemoryMapsHoldTheChildsOwnImageWithDriveLetterPaths) {
  const auto s = ScanChild();
  ASSERT_TRUE(s);
  ScanErrors errors;
  MemoryDetails d;
  ASSERT_EQ(probe_->ReadMemoryDetails(KeyOf(*s), true, &d, errors), DetailOutcome::kOk);
  ASSERT_TRUE(d.has_maps);
  EXPECT_TRUE(d.maps_size_only);
  std::set<std::string> paths;
  for (const MemoryMap& m : d.maps) {
    paths.insert(Lower(m.path));
    // \Device\HarddiskVolumeN\ translated: a drive letter, a UNC path or [anon].
    const bool dos = m.path.size() > 3 && std::isalpha(static_cast<unsigned char>(m.path[0])) && m.path[1] == ':';
    EXPECT_TRUE(dos || m.path == "[anon]" || m.path.rfind("\\\\", 0) == 0) << m.path;
    EXPECT_GT(m.figures.size, 0u) << m.path;
  }
  EXPECT_EQ(paths.count(Lower(Utf8(exe_))), 1u);
  EXPECT_GE(d.map_count, d.maps.size());
  EXPECT_TRUE(errors.syscall_errors().empty());
}

// A pid names a process only with its create time: another time is a
// process that is gone (the pid may be reused at once on Windows).
TEST_F(WindowsProbeTest, DetailsOfAnotherCreateTimeOrAnExitedChildAreVanished) {
  const auto s = ScanChild();
  ASSERT_TRUE(s);
  ScanErrors errors;
  MemoryDetails d;
  EXPECT_EQ(probe_->ReadMemoryDetails({s->pid, s->start_time_ticks + 1}, true, &d, errors), DetailOutcome::kVanished);
  child_.Stop();
  EXPECT_EQ(probe_->ReadMemoryDetails(KeyOf(*s), true, &d, errors), DetailOutcome::kVanished);
}

TEST_F(WindowsProbeTest, SelfSampleIsThisProcess) {
  ScanErrors errors;
  const auto self = probe_->SampleSelf(ScanRequest(), errors);
  ASSERT_TRUE(self);
  EXPECT_EQ(self->pid, static_cast<std::int64_t>(::GetCurrentProcessId()));
  ASSERT_TRUE(self->memory_rss_bytes.has_value());
  EXPECT_GT(self->memory_rss_bytes.value, 0u);
}

TEST(WindowsProbeFeatures, TableIsHonest) {
  std::string error;
  auto probe = OpenNativeProbe("", &error);
  ASSERT_TRUE(probe) << error;
  EXPECT_EQ(probe->os(), "windows");
  for (Feature f : {Feature::kCpuTimes, Feature::kMemoryInfo, Feature::kNumThreads, Feature::kNumHandles,
                    Feature::kMemoryMaps, Feature::kIoCounters, Feature::kPageFaults})
    EXPECT_TRUE(probe->Supports(f)) << FeatureName(f);
  for (Feature f : {Feature::kNumFds, Feature::kMaxFds, Feature::kUss, Feature::kPss, Feature::kSwapPss,
                    Feature::kUids, Feature::kNice, Feature::kCtxSwitches, Feature::kChildrenCpuTimes,
                    Feature::kSwap, Feature::kBlkioDelay})
    EXPECT_FALSE(probe->Supports(f)) << FeatureName(f);
}

// Wine grants the adjustment; Windows without the privilege must say why.
TEST(WindowsSelf, SeDebugPrivilegeIsReportedAsACapability) {
  const SelfView v = InspectSelf("");
  ASSERT_EQ(v.capabilities.size(), 1u);
  EXPECT_EQ(v.capabilities[0].first, "SeDebugPrivilege");
  if (!v.capabilities[0].second) {
    ASSERT_FALSE(v.privilege_notes.empty());
    EXPECT_NE(v.privilege_notes[0].message.find("SeDebugPrivilege"), std::string::npos);
  }
}

}  // namespace
}  // namespace proctree
