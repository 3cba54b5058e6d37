// LinuxProbe over odd /proc trees: older kernels' formats
// (tests/fixtures/proc-old-kernel), empty, garbage, oversized and unreadable
// files built from tests/fixtures/files, and processes that vanish between
// the listing and the reads (fixtures and real short-lived children). What
// must hold: no crash, a broken file fails only its own fields (a broken stat
// drops the process), and every failure is counted with the syscall, the
// source file and the errno, or as a parse error of that source.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "probes/os/linux/linux_probe.h"
#include "probes/probe_errors.h"
#include "tests/unit/fixture_util.h"
#include "tests/unit/probe_scan_util.h"
#include "tests/unit/temp_dir.h"

namespace proctree {
namespace {

namespace fs = std::filesystem;
using proctree::testing::FixturePath;
using proctree::testing::ReadFixture;

const double kTicks = static_cast<double>(::sysconf(_SC_CLK_TCK));
constexpr std::uint64_t kKiB = 1024;
constexpr std::size_t kMiB = 1 << 20;

using proctree::testing::TempDir;
using proctree::testing::ExpectState;
using proctree::testing::ExpectValue;
using proctree::testing::Pids;
using proctree::testing::Scanned;
using proctree::testing::ScanWith;
using proctree::testing::WriteFile;


// A proc root holding the fixture machine's /proc/stat (for btime).
fs::path NewRoot(const TempDir& tmp) {
  fs::path root = tmp.path() / "proc";
  fs::create_directories(root);
  fs::copy_file(FixturePath("proc/stat"), root / "stat");
  return root;
}

// proc/8444 as pid `pid` (its stat says so too), with an empty fd/ made sure of.
fs::path AddNormalPid(const fs::path& root, int pid) {
  const fs::path dir = root / std::to_string(pid);
  fs::copy(FixturePath("proc/8444"), dir, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  fs::create_directories(dir / "fd");
  std::string stat = ReadFixture("proc/8444/stat");
  stat.replace(0, 4, std::to_string(pid));
  WriteFile(dir / "stat", stat);
  return dir;
}

Scanned Scan(const std::string& root, ScanRequest req = {}) {
  auto probe = proctree::testing::OpenProbe(root);
  return probe ? ScanWith(*probe, req) : Scanned{};
}

TEST(OldKernelTree, OlderFormatsKeepEveryProcessAndCountNothing) {
  TempDir tmp;
  const fs::path root = tmp.path() / "proc";
  fs::copy(FixturePath("proc-old-kernel"), root, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  Scanned scan = Scan(root.string());
  EXPECT_EQ(Pids(scan), (std::set<std::int64_t>{301, 302, 303, 304, 305}));
  EXPECT_TRUE(scan.syscall_errors.empty());
  EXPECT_TRUE(scan.parse_errors.empty());
  if (scan.by_pid.size() != 5) return;

  const ProcessSample& s301 = scan.by_pid[301];  // no VmSwap, no Rss* lines
  ExpectState(FieldState::kUnsupported, "301 swap/shared", s301.memory_swap_bytes, s301.memory_shared_bytes);
  ExpectValue(s301.memory_rss_bytes, 12552 * kKiB, "301 rss");
  ExpectValue(s301.memory_vms_bytes, 92376 * kKiB, "301 vms");
  ExpectValue(s301.memory_text_bytes, 4 * kKiB, "301 text");
  ExpectValue(s301.memory_data_bytes, (18188 + 132) * kKiB, "301 data");
  ExpectValue(s301.uid, 65534, "301 uid");

  const ProcessSample& s302 = scan.by_pid[302];  // 41 stat fields
  EXPECT_EQ(s302.blkio_delay_seconds.state, FieldState::kUnsupported);
  ExpectValue(s302.cpu_user_seconds, 27 / kTicks, "302 utime");
  ExpectValue(s302.threads, 2, "302 threads");
  EXPECT_EQ(s302.start_time_ticks, 162464u);

  ExpectValue(scan.by_pid[303].blkio_delay_seconds, 7 / kTicks, "303 blkio (field 42 of 44)");

  const ProcessSample& s304 = scan.by_pid[304];  // no ctxt switch lines
  ExpectState(FieldState::kUnsupported, "304 ctx", s304.voluntary_ctxt_switches, s304.involuntary_ctxt_switches);
  ExpectValue(s304.uid, 65534, "304 uid");
  ExpectValue(s304.memory_swap_bytes, 0, "304 swap");

  const ProcessSample& s305 = scan.by_pid[305];  // io without cancelled_write_bytes
  ExpectValue(s305.io_read_chars, 126976, "305 rchar");
  ExpectValue(s305.io_write_bytes, 0, "305 write_bytes");
}

// One broken file per pid: which file, its bytes, and whether the process survives.
struct Broken {
  int pid;
  const char* file;
  std::string bytes;
  bool kept;
};

TEST(BrokenProcTree, EmptyGarbageAndMalformedFilesAreParseErrorsOfTheirSource) {
  const std::vector<Broken> cases = {
      {401, "status", ReadFixture("files/status/empty"), true},
      {402, "io", ReadFixture("files/io/empty"), true},
      {403, "limits", ReadFixture("files/limits/empty"), true},
      {404, "io", ReadFixture("files/io/garbage"), true},
      {405, "limits", ReadFixture("files/limits/garbage"), true},
      {406, "stat", ReadFixture("files/stat/binary"), false},
      {407, "stat", ReadFixture("files/stat/garbage"), false},
      {408, "stat", ReadFixture("files/stat/truncated_in_comm"), false},
      {409, "stat", ReadFixture("files/stat/non_numeric_utime"), false},
      {410, "status", ReadFixture("files/status/bad_uid"), true},
      // Figures no kernel writes: bytes past 64 bits, negative or huge numbers.
      {411, "status", "Uid:\t0\t0\t0\t0\nVmSwap:\t18446744073709551615 kB\n", true},
      {412, "io", "rchar: 99999999999999999999\nwchar: 0\nsyscr: 0\nsyscw: 0\nread_bytes: 0\nwrite_bytes: 0\n", true},
      {413, "limits", "Max open files            -5                   20000                files\n", true},
      {414, "stat", "99999999999999999999 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n", false},
      {415, "status", std::string("Uid:\t\0\t0\t0\t0\n", 13), true},
      {416, "stat", std::string(4096, '\0'), false},
      {417, "schedstat", ReadFixture("files/schedstat/empty"), true},
      {418, "schedstat", ReadFixture("files/schedstat/garbage"), true},
      {419, "schedstat", ReadFixture("files/schedstat/negative"), true},
      {420, "oom_score_adj", ReadFixture("files/oom_score_adj/empty"), true},
      {421, "oom_score_adj", ReadFixture("files/oom_score_adj/out_of_range"), true},
  };
  TempDir tmp;
  const fs::path root = NewRoot(tmp);
  AddNormalPid(root, 400);
  std::set<std::int64_t> want_pids = {400};
  std::map<std::string, std::uint64_t> want_parse;
  for (const auto& c : cases) {
    WriteFile(AddNormalPid(root, c.pid) / c.file, c.bytes);
    if (c.kept) want_pids.insert(c.pid);
    ++want_parse[c.file];
  }
  Scanned scan = Scan(root.string());
  EXPECT_EQ(Pids(scan), want_pids);
  EXPECT_EQ(scan.parse_errors, want_parse);
  EXPECT_TRUE(scan.syscall_errors.empty());
  for (const auto& c : cases) {
    if (!c.kept || !scan.by_pid.count(c.pid)) continue;
    const ProcessSample& s = scan.by_pid[c.pid];
    const std::string what = std::to_string(c.pid) + " " + c.file;
    const std::string f = c.file;
    if (f == "status")
      ExpectState(FieldState::kFailed, what, s.uid, s.voluntary_ctxt_switches, s.memory_rss_bytes, s.memory_swap_bytes);
    if (f == "io") ExpectState(FieldState::kFailed, what, s.io_read_bytes, s.io_read_chars, s.io_write_syscalls);
    if (f == "limits") ExpectState(FieldState::kFailed, what, s.max_fds);
    if (f == "schedstat") ExpectState(FieldState::kFailed, what, s.sched_run_seconds, s.sched_wait_seconds);
    if (f == "oom_score_adj") ExpectState(FieldState::kFailed, what, s.oom_score_adj);
    // The other files of the process are still read.
    ExpectValue(s.cpu_user_seconds, 27 / kTicks, what + ": utime");
    ExpectValue(s.open_fds, 6, what + ": open_fds");
    if (f != "status") ExpectValue(s.uid, 65534, what + ": uid");
    if (f != "io") ExpectValue(s.io_read_chars, 126976, what + ": rchar");
    if (f != "schedstat") ExpectValue(s.sched_wait_seconds, 4.130033979, what + ": sched wait");
    if (f != "oom_score_adj") ExpectValue(s.oom_score_adj, 500, what + ": oom_score_adj");
  }
}

TEST(BrokenProcTree, OversizedFilesAreCutAtOneMiBAndCountedNotParsed) {
  TempDir tmp;
  const fs::path root = NewRoot(tmp);
  // status: a valid head (Uid is in it), then a 10 MiB Groups line.
  const std::string status = ReadFixture("proc/8444/status");
  const std::size_t groups = status.find("Groups:");
  const std::string big_status = status.substr(0, groups) + "Groups:\t" + std::string(10 * kMiB, ' ') + "\n" +
                                 status.substr(status.find('\n', groups) + 1);
  WriteFile(AddNormalPid(root, 501) / "status", big_status);
  // limits: the real table, then a 10 MiB line.
  WriteFile(AddNormalPid(root, 502) / "limits", ReadFixture("proc/8444/limits") + std::string(10 * kMiB, 'x') + "\n");
  // stat: a 1 MiB comm-like field; the fields after it are past the cut.
  std::string big_stat = ReadFixture("proc/8444/stat");
  big_stat.replace(0, 4, "503");
  big_stat.insert(big_stat.find('(') + 1, std::string(kMiB, 'x'));
  WriteFile(AddNormalPid(root, 503) / "stat", big_stat);
  // io: valid lines, then 10 MiB of blank lines.
  WriteFile(AddNormalPid(root, 504) / "io", ReadFixture("proc/8444/io") + std::string(10 * kMiB, '\n'));
  // cmdline: 10 MiB of arguments is kept, cut at 1 MiB; it is not parsed.
  WriteFile(AddNormalPid(root, 505) / "cmdline", std::string(10 * kMiB, 'a') + '\0');
  // Exactly 1 MiB is not cut: a stat padded with trailing blanks to the limit.
  std::string full_stat = ReadFixture("proc/8444/stat");
  full_stat.replace(0, 4, "506");
  full_stat.insert(full_stat.size() - 1, std::string(kMiB - full_stat.size(), ' '));
  ASSERT_EQ(full_stat.size(), kMiB);
  WriteFile(AddNormalPid(root, 506) / "stat", full_stat);

  Scanned scan = Scan(root.string());
  EXPECT_EQ(Pids(scan), (std::set<std::int64_t>{501, 502, 504, 505, 506}));
  EXPECT_EQ(scan.parse_errors,
            (std::map<std::string, std::uint64_t>{{"io", 1}, {"limits", 1}, {"stat", 1}, {"status", 1}}));
  EXPECT_TRUE(scan.syscall_errors.empty());
  if (scan.by_pid.size() != 5) return;
  ExpectState(FieldState::kFailed, "501 status", scan.by_pid[501].uid, scan.by_pid[501].memory_rss_bytes);
  ExpectValue(scan.by_pid[501].cpu_user_seconds, 27 / kTicks, "501 utime");
  EXPECT_EQ(scan.by_pid[502].max_fds.state, FieldState::kFailed);
  ExpectValue(scan.by_pid[502].uid, 65534, "502 uid");
  ExpectState(FieldState::kFailed, "504 io", scan.by_pid[504].io_read_chars);
  ASSERT_TRUE(scan.by_pid[505].cmdline.has_value());
  EXPECT_EQ(scan.by_pid[505].cmdline.value.size(), kMiB);
  ExpectValue(scan.by_pid[506].cpu_user_seconds, 27 / kTicks, "506 utime");
}

TEST(BrokenProcTree, UnreadableEntriesAreCountedWithSyscallSourceAndErrno) {
  TempDir tmp;
  const fs::path root = NewRoot(tmp);
  AddNormalPid(root, 600);
  fs::path d = AddNormalPid(root, 601);  // io is a directory: read fails
  fs::remove(d / "io");
  fs::create_directory(d / "io");
  d = AddNormalPid(root, 602);  // fd is a file: not a directory
  fs::remove_all(d / "fd");
  WriteFile(d / "fd", "");
  d = AddNormalPid(root, 603);  // stat is a directory: no identity, dropped
  fs::remove(d / "stat");
  fs::create_directory(d / "stat");
  WriteFile(root / "604", "a pid entry that is not a directory");
  // Listed, gone by the time it is opened: a pid entry pointing nowhere.
  fs::create_symlink(tmp.path() / "exited", root / "605");
  // status answers ENOENT but stat is still there: the process lives, its
  // status fields are unsupported (a process that really exited mid-read:
  // VanishingMidRead.*).
  d = AddNormalPid(root, 606);
  fs::remove(d / "status");
  fs::create_symlink(tmp.path() / "exited", d / "status");

  Scanned scan = Scan(root.string());
  EXPECT_EQ(Pids(scan), (std::set<std::int64_t>{600, 601, 602, 606}));
  EXPECT_EQ(scan.syscall_errors, (std::map<std::string, std::uint64_t>{{"openat/fd/ENOTDIR", 1},
                                                                      {"openat/proc/ENOENT", 1},
                                                                      {"openat/proc/ENOTDIR", 1},
                                                                      {"openat/status/ENOENT", 1},
                                                                      {"read/io/EISDIR", 1},
                                                                      {"read/stat/EISDIR", 1}}));
  EXPECT_TRUE(scan.parse_errors.empty());
  if (scan.by_pid.size() != 4) return;
  ExpectState(FieldState::kUnsupported, "606 status", scan.by_pid[606].uid, scan.by_pid[606].memory_rss_bytes);
  ExpectValue(scan.by_pid[606].io_read_chars, 126976, "606 rchar");
  ExpectState(FieldState::kFailed, "601 io", scan.by_pid[601].io_read_chars, scan.by_pid[601].io_write_bytes);
  ExpectValue(scan.by_pid[601].open_fds, 6, "601 fds");
  EXPECT_EQ(scan.by_pid[602].open_fds.state, FieldState::kFailed);
  ExpectValue(scan.by_pid[602].io_read_chars, 126976, "602 rchar");
}

// A child that waits for its stdin to close; reaped by the destructor.
class Child {
 public:
  explicit Child(bool exit_now) {
    int p[2];
    if (::pipe(p) != 0) ADD_FAILURE() << "pipe: " << std::strerror(errno);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(p[1]);
      if (!exit_now) {
        char c;
        while (::read(p[0], &c, 1) < 0 && errno == EINTR) {
        }
      }
      ::_exit(0);
    }
    ::close(p[0]);
    wfd_ = p[1];
  }
  ~Child() {
    ::close(wfd_);
    Reap();
  }
  void Reap() {
    if (pid_ <= 0) return;
    ::waitpid(pid_, nullptr, 0);
    pid_ = -pid_;  // remembered for pid(), never waited for again
  }
  // Waits (with a deadline) until the child is a zombie.
  bool WaitZombie() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) == 0 && info.si_pid == pid_) return true;
    }
    return false;
  }
  pid_t pid() const { return pid_ > 0 ? pid_ : -pid_; }

 private:
  pid_t pid_ = 0;
  int wfd_ = -1;
};

TEST(VanishingProcesses, RealChildrenListedThenReapedAreDroppedAndCounted) {
  TempDir tmp;
  const fs::path root = NewRoot(tmp);
  Child live(false), zombie(true), reaped(true);
  ASSERT_TRUE(zombie.WaitZombie());
  reaped.Reap();
  if (fs::exists("/proc/" + std::to_string(reaped.pid()))) GTEST_SKIP() << "pid reused already";
  // The probe lists the tree's entries and opens /proc/<pid> through them.
  for (const Child* c : {&live, &zombie, &reaped})
    fs::create_symlink("/proc/" + std::to_string(c->pid()), root / std::to_string(c->pid()));

  Scanned scan = Scan(root.string());
  EXPECT_EQ(Pids(scan), (std::set<std::int64_t>{live.pid(), zombie.pid()}));
  EXPECT_EQ(scan.syscall_errors, (std::map<std::string, std::uint64_t>{{"openat/proc/ENOENT", 1}}));
  EXPECT_TRUE(scan.parse_errors.empty());
  if (scan.by_pid.size() != 2) return;
  EXPECT_EQ(scan.by_pid[live.pid()].ppid, ::getpid());
  EXPECT_EQ(scan.by_pid[zombie.pid()].state, ProcessState::kZombie);
  ExpectState(FieldState::kUnsupported, "zombie", scan.by_pid[zombie.pid()].io_read_chars,
              scan.by_pid[zombie.pid()].open_fds);
  ExpectValue(scan.by_pid[zombie.pid()].uid, ::getuid(), "zombie uid, from its status");
}

TEST(VanishingProcesses, ScanningTheRealProcWhileChildrenComeAndGo) {
  std::string error;
  auto probe = LinuxProbe::Open("/proc", &error);
  ASSERT_NE(probe, nullptr) << error;
  std::atomic<bool> stop{false};
  std::atomic<int> spawned{0};
  std::thread churn([&] {
    while (!stop.load()) {
      pid_t pid = ::fork();
      if (pid == 0) ::_exit(0);
      if (pid > 0) {
        ::waitpid(pid, nullptr, 0);
        spawned.fetch_add(1);
      }
    }
  });
  const std::set<std::string> vanished = {"ENOENT", "ESRCH"};
  const std::set<std::string> denied = {"EACCES", "EPERM"};
  std::map<std::string, std::uint64_t> seen;
  int scans = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (std::chrono::steady_clock::now() < until || scans < 3) {
    ScanErrors errors;
    ScanResult r = probe->Scan(ScanRequest{}, errors);
    ++scans;
    std::set<std::int64_t> pids;
    for (const auto& s : r.processes) EXPECT_TRUE(pids.insert(s.pid).second) << "duplicate pid " << s.pid;
    EXPECT_EQ(pids.count(::getpid()), 1u);
    EXPECT_TRUE(errors.parse_errors().empty());
    for (const auto& [k, n] : errors.syscall_errors()) {
      EXPECT_TRUE(vanished.count(k.err) || denied.count(k.err)) << k.syscall << "/" << k.source << "/" << k.err;
      seen[k.syscall + "/" + k.source + "/" + k.err] += n;
    }
  }
  stop = true;
  churn.join();
  EXPECT_GT(spawned.load(), 0);
  std::string summary;
  for (const auto& [k, n] : seen) summary += k + "=" + std::to_string(n) + " ";
  RecordProperty("errors", summary);
  std::printf("%d scans, %d short-lived children, errors: %s\n", scans, spawned.load(), summary.c_str());
}

}  // namespace
}  // namespace proctree
