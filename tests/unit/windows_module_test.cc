// The portable parts of the Windows module (probes/os/windows/win_text.cc,
// process_list.cc), run on Linux too: UTF-16 names, error names and what
// they mean, NT device paths, the process list's layout and units, and the
// tree's pid-reuse rule on the create times it yields.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "probes/os/windows/process_list.h"
#include "probes/os/windows/win_text.h"
#include "probes/tree/process_tree.h"
#include "probes/util/utf8.h"

namespace proctree {
namespace {

using win::SpiProcess;
using win::SpiThread;

TEST(WinUtf16, ConvertsBmpAndSurrogatePairs) {
  EXPECT_EQ(win::Utf16ToUtf8(u"notepad.exe"), "notepad.exe");
  EXPECT_EQ(win::Utf16ToUtf8(u"\u00e9\u4e2d"), "\xc3\xa9\xe4\xb8\xad");
  EXPECT_EQ(win::Utf16ToUtf8(u"\U0001F600"), "\xf0\x9f\x98\x80");  // a pair: one 4-byte character
  EXPECT_EQ(win::Utf16ToUtf8(std::u16string_view(u"a\0b", 3)), std::string("a\0b", 3));
}

TEST(WinUtf16, UnpairedSurrogatesBecomeReplacementCharacters) {
  const char16_t lone_high[] = {u'a', 0xD83D, u'b'};
  const char16_t lone_low[] = {0xDE00, u'x'};
  const char16_t high_at_end[] = {u'x', 0xD83D};
  const char16_t reversed[] = {0xDE00, 0xD83D};
  const char16_t two_highs_then_low[] = {0xD83D, 0xD83D, 0xDE00};
  EXPECT_EQ(win::Utf16ToUtf8({lone_high, 3}), "a\xef\xbf\xbd" "b");
  EXPECT_EQ(win::Utf16ToUtf8({lone_low, 2}), "\xef\xbf\xbdx");
  EXPECT_EQ(win::Utf16ToUtf8({high_at_end, 2}), "x\xef\xbf\xbd");
  EXPECT_EQ(win::Utf16ToUtf8({reversed, 2}), "\xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_EQ(win::Utf16ToUtf8({two_highs_then_low, 3}), "\xef\xbf\xbd\xf0\x9f\x98\x80");
  for (std::uint32_t c = 0xD800; c <= 0xDFFF; c += 0x7F) {
    const char16_t one[] = {static_cast<char16_t>(c)};
    EXPECT_TRUE(IsValidUtf8(win::Utf16ToUtf8({one, 1}))) << c;
  }
}

TEST(WinErrors, NamesFromTheTableAndBoundedFallbacks) {
  EXPECT_EQ(win::Win32ErrorName(5), "ERROR_ACCESS_DENIED");
  EXPECT_EQ(win::Win32ErrorName(87), "ERROR_INVALID_PARAMETER");
  EXPECT_EQ(win::Win32ErrorName(1300), "ERROR_NOT_ALL_ASSIGNED");
  EXPECT_EQ(win::Win32ErrorName(4242), "ERROR_4242");
  EXPECT_EQ(win::NtStatusName(0xC0000004u), "STATUS_INFO_LENGTH_MISMATCH");
  EXPECT_EQ(win::NtStatusName(0xC0000022u), "STATUS_ACCESS_DENIED");
  EXPECT_EQ(win::NtStatusName(0xC0001234u), "STATUS_0xC0001234");
}

TEST(WinErrors, TranslatedOnceIntoVanishedDeniedOrFailed) {
  EXPECT_EQ(win::TranslateWin32Error(87), ErrorKind::kVanished);  // OpenProcess of a pid nobody holds
  EXPECT_EQ(win::TranslateWin32Error(5), ErrorKind::kAccessDenied);
  EXPECT_EQ(win::TranslateWin32Error(299), ErrorKind::kOther);
  EXPECT_EQ(win::TranslateNtStatus(0xC000000Bu), ErrorKind::kVanished);
  EXPECT_EQ(win::TranslateNtStatus(0xC0000022u), ErrorKind::kAccessDenied);
  EXPECT_EQ(win::DetailOutcomeOf(ErrorKind::kVanished), DetailOutcome::kVanished);
  EXPECT_EQ(win::DetailOutcomeOf(ErrorKind::kAccessDenied), DetailOutcome::kAccessDenied);
  EXPECT_EQ(win::DetailOutcomeOf(ErrorKind::kOther), DetailOutcome::kFailed);
}

TEST(WinDevicePaths, LongestDeviceAtASeparatorBecomesItsDrive) {
  const win::DevicePaths d({{"\\Device\\HarddiskVolume1", "C:"},
                            {"\\Device\\HarddiskVolume10", "D:"},
                            {"\\Device\\CdRom0", "E:"}});
  EXPECT_EQ(d.ToDos("\\Device\\HarddiskVolume1\\Windows\\System32\\ntdll.dll"), "C:\\Windows\\System32\\ntdll.dll");
  EXPECT_EQ(d.ToDos("\\Device\\HarddiskVolume10\\data\\x.dat"), "D:\\data\\x.dat");
  EXPECT_EQ(d.ToDos("\\device\\harddiskvolume1\\a.dll"), "C:\\a.dll");  // the object manager ignores case
  EXPECT_EQ(d.ToDos("\\Device\\HarddiskVolume11\\a.dll"), "\\Device\\HarddiskVolume11\\a.dll");  // not Volume1's
  EXPECT_EQ(d.ToDos("\\Device\\Mup\\server\\share\\a.dll"), "\\\\server\\share\\a.dll");
  EXPECT_EQ(d.ToDos("\\??\\C:\\x.exe"), "C:\\x.exe");
  EXPECT_EQ(d.ToDos("\\??\\UNC\\srv\\s\\x.exe"), "\\\\srv\\s\\x.exe");
  EXPECT_EQ(d.ToDos("\\Device\\Unknown\\y"), "\\Device\\Unknown\\y");
  EXPECT_EQ(win::DevicePaths().ToDos("\\Device\\HarddiskVolume1\\a"), "\\Device\\HarddiskVolume1\\a");
}

// A process list built by hand in the kernel's layout: entries with their threads.
class ProcessListBuffer {
 public:
  // Appends an entry with `threads` thread records of state `thread_state`.
  SpiProcess& Add(std::uint32_t threads, std::uint32_t thread_state = 5, std::uint32_t wait_reason = 0) {
    const std::size_t at = bytes_.size();
    if (last_ != npos) Entry(last_).next_entry_offset = static_cast<std::uint32_t>(at - last_);
    bytes_.resize(at + sizeof(SpiProcess) + threads * sizeof(SpiThread));
    last_ = at;
    SpiProcess& e = Entry(at);
    e.number_of_threads = threads;
    for (std::uint32_t i = 0; i < threads; ++i) {
      auto* t = reinterpret_cast<SpiThread*>(&bytes_[at + sizeof(SpiProcess) + i * sizeof(SpiThread)]);
      t->thread_state = thread_state;
      t->wait_reason = wait_reason;
    }
    return e;
  }
  SpiProcess& Entry(std::size_t at) { return *reinterpret_cast<SpiProcess*>(&bytes_[at]); }
  const void* data() const { return bytes_.data(); }
  std::size_t size() const { return bytes_.size(); }

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);
  std::vector<unsigned char> bytes_;
  std::size_t last_ = npos;
};

std::vector<std::uintptr_t> Pids(const ProcessListBuffer& b, std::size_t size, bool* whole) {
  std::vector<std::uintptr_t> pids;
  *whole = win::ForEachProcess(b.data(), size,
                               [&](const win::SpiEntry& e) { pids.push_back(e.process.unique_process_id); });
  return pids;
}

// The entries as the probe sees them (thread records point into b).
std::vector<win::SpiEntry> Entries(const ProcessListBuffer& b) {
  std::vector<win::SpiEntry> out;
  EXPECT_TRUE(win::ForEachProcess(b.data(), b.size(), [&](const win::SpiEntry& e) { out.push_back(e); }));
  return out;
}

ProcessSample Fill(const ProcessListBuffer& b, double boot_time = 1.6e9) {
  ProcessSample s;
  win::FillSample(Entries(b).at(0), ScanRequest(), boot_time, &s);
  return s;
}

TEST(WinProcessList, WalksTheChainAndStopsWhereItLeavesTheBuffer) {
  ProcessListBuffer b;
  b.Add(2).unique_process_id = 4;
  b.Add(0).unique_process_id = 88;
  b.Add(1).unique_process_id = 1234;
  bool whole = false;
  EXPECT_EQ(Pids(b, b.size(), &whole), (std::vector<std::uintptr_t>{4, 88, 1234}));
  EXPECT_TRUE(whole);
  // Cut inside the last entry's thread records: the first two only, and said so.
  EXPECT_EQ(Pids(b, b.size() - 8, &whole), (std::vector<std::uintptr_t>{4, 88}));
  EXPECT_FALSE(whole);
  EXPECT_TRUE(Pids(b, 16, &whole).empty());
  EXPECT_FALSE(whole);
  b.Entry(0).next_entry_offset = static_cast<std::uint32_t>(b.size());  // past the end
  EXPECT_EQ(Pids(b, b.size(), &whole), (std::vector<std::uintptr_t>{4}));
  EXPECT_FALSE(whole);
}

TEST(WinProcessList, FillsTheModelsUnits) {
  ProcessListBuffer b;
  SpiProcess& e = b.Add(3);
  static const char16_t kName[] = u"svch\u00f6st.exe";
  e.image_name = {static_cast<std::uint16_t>(2 * (sizeof kName / 2 - 1)), sizeof kName, kName};
  e.unique_process_id = 4242;
  e.inherited_from_unique_process_id = 600;
  e.create_time = 116444736000000000LL + 17000000000000000LL;  // 1.7e9 s after the unix epoch
  e.user_time = 25000000;    // 2.5 s
  e.kernel_time = 5000000;   // 0.5 s
  e.page_fault_count = 1000;
  e.hard_fault_count = 30;
  e.handle_count = 77;
  e.working_set_size = 10 << 20;
  e.virtual_size = std::size_t{2} << 30;
  e.private_page_count = 6 << 20;
  e.read_transfer_count = 4096;
  e.write_operation_count = 9;
  const ProcessSample s = Fill(b);
  EXPECT_EQ(s.pid, 4242);
  EXPECT_EQ(s.ppid, 600);
  EXPECT_EQ(s.comm, "svch\xc3\xb6st.exe");
  EXPECT_DOUBLE_EQ(s.start_time_seconds, 1.7e9);
  EXPECT_DOUBLE_EQ(s.cpu_user_seconds.value, 2.5);
  EXPECT_DOUBLE_EQ(s.cpu_system_seconds.value, 0.5);
  EXPECT_EQ(s.minor_faults.value, 970u);
  EXPECT_EQ(s.major_faults.value, 30u);
  EXPECT_EQ(s.threads.value, 3);
  EXPECT_EQ(s.handles.value, 77u);
  EXPECT_EQ(s.memory_rss_bytes.value, 10u << 20);
  EXPECT_EQ(s.memory_vms_bytes.value, std::uint64_t{2} << 30);
  EXPECT_EQ(s.memory_data_bytes.value, 6u << 20);
  EXPECT_EQ(s.io_read_chars.value, 4096u);
  EXPECT_EQ(s.io_write_syscalls.value, 9u);
  EXPECT_EQ(s.state, ProcessState::kSleeping);  // every thread waiting, none suspended
  // Absent on Windows: unsupported, not zero.
  for (FieldState st : {s.open_fds.state, s.max_fds.state, s.uid.state, s.io_read_bytes.state,
                        s.memory_swap_bytes.state, s.nice.state, s.children_user_seconds.state,
                        s.voluntary_ctxt_switches.state, s.cmdline.state, s.cgroup.state})
    EXPECT_EQ(st, FieldState::kUnsupported);
  EXPECT_EQ(s.exe.state, FieldState::kNotRequested);  // the probe's, with OpenProcess
}

TEST(WinProcessList, IdleAndSystemStartAtBootAndTheIdleProcessHasItsName) {
  ProcessListBuffer b;
  b.Add(2);  // pid 0, no name, create time 0
  const ProcessSample s = Fill(b);
  EXPECT_EQ(s.pid, 0);
  EXPECT_EQ(s.comm, "System Idle Process");
  EXPECT_DOUBLE_EQ(s.start_time_seconds, 1.6e9);
}

TEST(WinProcessList, StateFromTheThreads) {
  ProcessListBuffer b;
  b.Add(2, 2);
  b.Add(2, 5, 5);  // all waiting, suspended
  b.Add(2, 5, 6);
  b.Add(0);  // exited, kept listed by a handle
  const std::vector<win::SpiEntry> e = Entries(b);
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(win::StateOf(e[0]), ProcessState::kRunning);
  EXPECT_EQ(win::StateOf(e[1]), ProcessState::kStopped);
  EXPECT_EQ(win::StateOf(e[2]), ProcessState::kSleeping);
  EXPECT_EQ(win::StateOf(e[3]), ProcessState::kZombie);
}

// Windows reuses a pid as soon as its process is gone and keeps the child's
// stale ppid: the create times the module fills make the tree drop such a link.
TEST(WinProcessList, ReusedParentPidIsNotTheParent) {
  constexpr std::int64_t t0 = 133000000000000000LL;  // a FILETIME in 2022
  ProcessListBuffer b;
  auto add = [&](std::uintptr_t pid, std::uintptr_t ppid, std::int64_t created) {
    SpiProcess& e = b.Add(1);
    e.unique_process_id = pid;
    e.inherited_from_unique_process_id = ppid;
    e.create_time = created;
  };
  add(600, 4, t0);
  add(700, 600, t0 + 10);       // child of 600
  add(800, 900, t0 + 20);       // its parent 900 exited...
  add(900, 600, t0 + 30);       // ...and 900 now names a newer process
  std::vector<ProcessSample> ps;
  for (const win::SpiEntry& e : Entries(b)) {
    ps.emplace_back();
    win::FillSample(e, ScanRequest(), 0, &ps.back());
  }
  ASSERT_EQ(ps.size(), 4u);
  const ProcessTree t = ProcessTree::Build(ps);
  EXPECT_EQ(t.parent(1), 0);
  EXPECT_EQ(t.parent(2), ProcessTree::kNone);
  EXPECT_EQ(t.parent(3), 0);
}

}  // namespace
}  // namespace proctree
