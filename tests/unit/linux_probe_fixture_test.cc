// LinuxProbe end to end over fixture proc trees (tests/fixtures/README.md):
// what a scan keeps, drops, scales and counts as an error.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "probes/os/linux/linux_probe.h"
#include "probes/os/linux/proc_files.h"
#include "probes/probe_errors.h"
#include "tests/unit/fixture_util.h"
#include "tests/unit/run_unprivileged.h"
#include "tests/unit/temp_dir.h"

namespace proctree {
namespace {

namespace fs = std::filesystem;
using proctree::testing::FixturePath;

const double kTicks = static_cast<double>(::sysconf(_SC_CLK_TCK));
const std::uint64_t kPage = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
constexpr double kBtime = 1795628567;  // tests/fixtures/proc/stat

using proctree::testing::TempDir;

bool IsPidName(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// Copies a fixture tree and recreates the empty fd/ directories git cannot
// store (kernel threads and the zombie had no open files at capture).
void CopyTree(const std::string& fixture, const fs::path& dst) {
  fs::copy(FixturePath(fixture), dst, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  for (const auto& e : fs::directory_iterator(dst)) {
    if (e.is_directory() && IsPidName(e.path().filename().string()))
      fs::create_directories(e.path() / "fd");
  }
}

void CopyPid(const std::string& fixture_pid_dir, const fs::path& dst) {
  fs::copy(FixturePath(fixture_pid_dir), dst, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  fs::create_directories(dst / "fd");
}

struct Scanned {
  std::map<std::int64_t, ProcessSample> by_pid;
  ScanErrors errors;
};

void ScanTree(const std::string& root, Scanned* out, ScanRequest req = {}) {
  std::string error;
  auto probe = LinuxProbe::Open(root, &error);
  ASSERT_NE(probe, nullptr) << error;
  ScanResult r = probe->Scan(req, out->errors);
  for (auto& s : r.processes) {
    std::int64_t pid = s.pid;
    EXPECT_TRUE(out->by_pid.emplace(pid, std::move(s)).second) << "duplicate pid " << pid;
  }
}

// syscall_errors() as "syscall/source/errno" -> count.
std::map<std::string, std::uint64_t> SyscallErrors(const ScanErrors& e) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& [k, n] : e.syscall_errors()) out[k.syscall + "/" + k.source + "/" + k.err] = n;
  return out;
}

std::set<std::int64_t> Pids(const Scanned& s) {
  std::set<std::int64_t> pids;
  for (const auto& [pid, _] : s.by_pid) pids.insert(pid);
  return pids;
}

template <typename T, typename U>
void ExpectValue(const Field<T>& f, U want, const char* what) {
  EXPECT_EQ(f.state, FieldState::kValue) << what;
  EXPECT_EQ(f.value, static_cast<T>(want)) << what;
}

void ExpectSeconds(const Field<double>& f, double ticks, const char* what) {
  EXPECT_EQ(f.state, FieldState::kValue) << what;
  EXPECT_DOUBLE_EQ(f.value, ticks / kTicks) << what;
}

template <typename... Fields>
void ExpectState(FieldState want, const char* what, const Fields&... fields) {
  int i = 0;
  for (FieldState got : {fields.state...}) EXPECT_EQ(got, want) << what << " #" << i++;
}

class LinuxProbeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    CopyTree("proc", tmp_.path() / "proc");
    ScanTree((tmp_.path() / "proc").string(), &scan_);
  }
  const ProcessSample& P(std::int64_t pid) {
    static const ProcessSample kMissing;
    auto it = scan_.by_pid.find(pid);
    if (it == scan_.by_pid.end()) {
      ADD_FAILURE() << "pid " << pid << " not scanned";
      return kMissing;
    }
    return it->second;
  }
  TempDir tmp_;
  Scanned scan_;
};

TEST_F(LinuxProbeFixture, ScansEveryCapturedProcessWithoutErrors) {
  EXPECT_EQ(Pids(scan_), (std::set<std::int64_t>{2, 4, 5, 8444, 8609, 8614, 8620, 8625, 8631, 8642,
                                                  8650, 8660, 8667, 8672, 8683, 8689}));
  EXPECT_TRUE(scan_.errors.syscall_errors().empty());
  EXPECT_TRUE(scan_.errors.parse_errors().empty());
}

TEST_F(LinuxProbeFixture, CommIsTheKernelsRawBytes) {
  const std::map<std::int64_t, std::string> want = {
      {2, "kthreadd"},
      {4, "kworker/R-rcu_gp"},
      {5, "kworker/R-sync_wq"},
      {8444, "fixture-normal"},
      {8609, "with space"},
      {8614, "a) b (c"},
      {8620, "new\nline"},
      {8625, "a\nUid:\t0\t0\t0\t0"},
      {8631, "q\"uote\\back"},
      {8642, "bad\xff\xfeutf8"},
      {8650, "abcdefghijklmn\xc3"},
      {8660, ""},
      {8667, "x) R 1 2 3)"},
      {8672, "many-groups"},
      {8683, "stopped"},
      {8689, "zombie"},
  };
  for (const auto& [pid, comm] : want) EXPECT_EQ(P(pid).comm, comm) << pid;
}

TEST_F(LinuxProbeFixture, StatesAndKernelThreads) {
  EXPECT_EQ(P(2).state, ProcessState::kSleeping);
  EXPECT_EQ(P(4).state, ProcessState::kIdle);
  EXPECT_EQ(P(5).state, ProcessState::kIdle);
  EXPECT_EQ(P(8444).state, ProcessState::kSleeping);
  EXPECT_EQ(P(8667).state, ProcessState::kSleeping);  // not the 'R' inside its name
  EXPECT_EQ(P(8683).state, ProcessState::kStopped);
  EXPECT_EQ(P(8689).state, ProcessState::kZombie);
  for (std::int64_t pid : {2, 4, 5}) EXPECT_TRUE(P(pid).kernel_thread) << pid;
  for (std::int64_t pid : {8444, 8667, 8683, 8689}) EXPECT_FALSE(P(pid).kernel_thread) << pid;
  EXPECT_EQ(P(2).ppid, 0);
  EXPECT_EQ(P(5).ppid, 2);
  EXPECT_EQ(P(8667).ppid, 8403);
}

TEST_F(LinuxProbeFixture, NormalProcessValuesScaled) {
  const ProcessSample& s = P(8444);
  EXPECT_EQ(s.pid, 8444);
  EXPECT_EQ(s.ppid, 8403);
  EXPECT_EQ(s.start_time_ticks, 162464u);
  EXPECT_DOUBLE_EQ(s.start_time_seconds, kBtime + 162464 / kTicks);
  ExpectSeconds(s.cpu_user_seconds, 27, "utime");
  ExpectSeconds(s.cpu_system_seconds, 35, "stime");
  ExpectSeconds(s.children_user_seconds, 20, "cutime");
  ExpectSeconds(s.children_system_seconds, 20, "cstime");
  ExpectSeconds(s.blkio_delay_seconds, 0, "blkio");
  ExpectValue(s.minor_faults, 590, "minflt");
  ExpectValue(s.major_faults, 0, "majflt");
  ExpectValue(s.threads, 2, "threads");
  ExpectValue(s.nice, 5, "nice");
  // status
  ExpectValue(s.uid, 65534, "uid");
  ExpectValue(s.voluntary_ctxt_switches, 6, "voluntary");
  ExpectValue(s.involuntary_ctxt_switches, 124, "nonvoluntary");
  ExpectValue(s.memory_swap_bytes, 0, "swap");
  // status VmSize 92376 kB, VmRSS 12552, RssFile 4196 + RssShmem 0, VmExe 4,
  // VmData 18188 + VmStk 132: the same figures as its statm
  // "23094 3138 1049 1 0 4580 0" (pages), which is no longer read.
  ExpectValue(s.memory_vms_bytes, 23094 * kPage, "vms");
  ExpectValue(s.memory_rss_bytes, 3138 * kPage, "rss");
  ExpectValue(s.memory_shared_bytes, 1049 * kPage, "shared");
  ExpectValue(s.memory_text_bytes, 1 * kPage, "text");
  ExpectValue(s.memory_data_bytes, 4580 * kPage, "data");
  // io
  ExpectValue(s.io_read_chars, 126976, "rchar");
  ExpectValue(s.io_write_chars, 65433, "wchar");
  ExpectValue(s.io_read_syscalls, 2, "syscr");
  ExpectValue(s.io_write_syscalls, 2, "syscw");
  ExpectValue(s.io_read_bytes, 0, "read_bytes");
  ExpectValue(s.io_write_bytes, 0, "write_bytes");
  // fd/ has 0 1 2 3 5 6; limits soft 20000
  ExpectValue(s.open_fds, 6, "open_fds");
  ExpectValue(s.max_fds, 20000.0, "max_fds");
  // schedstat "315253801 4130033979 205" (ns), oom_score_adj 500
  ExpectValue(s.sched_run_seconds, 0.315253801, "sched run");
  ExpectValue(s.sched_wait_seconds, 4.130033979, "sched wait");
  ExpectValue(s.oom_score_adj, 500, "oom_score_adj");
}

TEST_F(LinuxProbeFixture, KernelThreadHasNoSwapButEverythingElse) {
  const ProcessSample& s = P(2);
  EXPECT_EQ(s.memory_swap_bytes.state, FieldState::kUnsupported);
  ExpectValue(s.uid, 0, "uid");
  ExpectValue(s.voluntary_ctxt_switches, 63, "voluntary");
  ExpectValue(s.involuntary_ctxt_switches, 0, "nonvoluntary");
  // No address space: no Vm*/Rss* lines in status, so no memory figures at all.
  ExpectState(FieldState::kUnsupported, "kernel thread memory", s.memory_rss_bytes, s.memory_vms_bytes,
              s.memory_shared_bytes, s.memory_text_bytes, s.memory_data_bytes);
  ExpectValue(s.io_read_chars, 0, "rchar");
  ExpectValue(s.open_fds, 0, "open_fds");
  ExpectValue(s.max_fds, 1024.0, "max_fds");
  ExpectValue(s.nice, 0, "nice");
  EXPECT_DOUBLE_EQ(s.start_time_seconds, kBtime + 20 / kTicks);
  EXPECT_EQ(P(5).memory_swap_bytes.state, FieldState::kUnsupported);
  ExpectValue(P(5).nice, -20, "kworker nice");
}

TEST_F(LinuxProbeFixture, ZombieHasStatAndStatusFieldsOnly) {
  const ProcessSample& s = P(8689);
  EXPECT_EQ(s.start_time_ticks, 162685u);
  ExpectSeconds(s.cpu_user_seconds, 1, "utime");
  ExpectSeconds(s.cpu_system_seconds, 0, "stime");
  ExpectValue(s.minor_faults, 282, "minflt");
  ExpectValue(s.threads, 1, "threads");
  // status still names the owner (root: the capture's child exited before setuid).
  ExpectValue(s.uid, 0, "uid");
  ExpectValue(s.voluntary_ctxt_switches, 1, "voluntary");
  ExpectValue(s.involuntary_ctxt_switches, 10, "nonvoluntary");
  ExpectState(FieldState::kUnsupported, "zombie swap", s.memory_swap_bytes);
  ExpectState(FieldState::kUnsupported, "zombie statm", s.memory_rss_bytes, s.memory_vms_bytes,
              s.memory_shared_bytes, s.memory_text_bytes, s.memory_data_bytes);
  ExpectState(FieldState::kUnsupported, "zombie io", s.io_read_bytes, s.io_write_bytes, s.io_read_chars,
              s.io_write_chars, s.io_read_syscalls, s.io_write_syscalls);
  ExpectState(FieldState::kUnsupported, "zombie fds", s.open_fds, s.max_fds);
  // The dead task's own run and wait times are still there; its oom_score_adj went with its memory.
  ExpectValue(s.sched_run_seconds, 0.028984505, "zombie sched run");
  ExpectValue(s.sched_wait_seconds, 0.355033629, "zombie sched wait");
  ExpectState(FieldState::kUnsupported, "zombie oom_score_adj", s.oom_score_adj);
}

TEST_F(LinuxProbeFixture, HostileNamesKeepTheirOwnStatusValues) {
  ExpectValue(P(8625).uid, 1004, "spoofed Uid line in comm");
  ExpectValue(P(8614).uid, 1002, "parens");
  ExpectValue(P(8642).uid, 1006, "invalid utf8");
  ExpectValue(P(8650).uid, 1007, "cut utf8");
  ExpectValue(P(8660).uid, 1008, "empty");
  ExpectValue(P(8667).uid, 1009, "trailing paren");
  ExpectValue(P(8667).involuntary_ctxt_switches, 3, "trailing paren");
  ExpectValue(P(8667).open_fds, 4, "trailing paren");
  ExpectValue(P(8620).memory_rss_bytes, 3047 * kPage, "newline");
}

TEST_F(LinuxProbeFixture, OversizedStatusReadPast64KiB) {
  const ProcessSample& s = P(8672);
  ExpectValue(s.uid, 2000, "uid");
  ExpectValue(s.memory_swap_bytes, 0, "swap (byte 84511)");
  ExpectValue(s.voluntary_ctxt_switches, 1, "voluntary");
  ExpectValue(s.involuntary_ctxt_switches, 5, "nonvoluntary");
}

TEST(LinuxProbeBrokenFixture, BadStatDropsTheProcessOtherBadFilesFailTheirFields) {
  TempDir tmp;
  CopyTree("proc-broken", tmp.path() / "proc");
  Scanned scan;
  ScanTree((tmp.path() / "proc").string(), &scan);
  // 102 (truncated stat) and 108 (empty stat) are dropped.
  EXPECT_EQ(Pids(scan), (std::set<std::int64_t>{101, 103, 104, 105, 106, 107}));
  EXPECT_EQ(scan.errors.parse_errors(),
            (std::map<std::string, std::uint64_t>{
                {"io", 1}, {"limits", 1}, {"stat", 2}, {"status", 2}}));
  EXPECT_TRUE(scan.errors.syscall_errors().empty());

  const ProcessSample& ok = scan.by_pid[101];
  ExpectValue(ok.uid, 65534, "101 uid");
  ExpectValue(ok.memory_rss_bytes, 3138 * kPage, "101 rss");
  ExpectValue(ok.io_read_chars, 126976, "101 rchar");
  ExpectValue(ok.max_fds, 20000.0, "101 max_fds");
  ExpectValue(ok.open_fds, 6, "101 open_fds");

  for (std::int64_t pid : {103, 107}) {  // garbage status; status without Uid
    const ProcessSample& s = scan.by_pid[pid];
    ExpectState(FieldState::kFailed, "status", s.uid, s.voluntary_ctxt_switches,
                s.involuntary_ctxt_switches, s.memory_swap_bytes, s.memory_rss_bytes);
    ExpectSeconds(s.cpu_user_seconds, 27, "utime still read");
  }
  const ProcessSample& s104 = scan.by_pid[104];  // empty statm: not read, memory comes from status
  ExpectValue(s104.memory_rss_bytes, 3138 * kPage, "104 rss");
  ExpectValue(s104.uid, 65534, "104 uid");
  const ProcessSample& s105 = scan.by_pid[105];  // io without read_bytes/write_bytes
  ExpectState(FieldState::kFailed, "io", s105.io_read_bytes, s105.io_write_bytes, s105.io_read_chars,
              s105.io_write_chars, s105.io_read_syscalls, s105.io_write_syscalls);
  ExpectValue(s105.open_fds, 6, "105 open_fds");
  const ProcessSample& s106 = scan.by_pid[106];  // limits without "Max open files"
  EXPECT_EQ(s106.max_fds.state, FieldState::kFailed);
  ExpectValue(s106.open_fds, 6, "106 open_fds");
}

TEST(LinuxProbeBrokenFixture, UnrequestedGroupsAreNeverRead) {
  TempDir tmp;
  CopyTree("proc-broken", tmp.path() / "proc");
  Scanned scan;
  ScanRequest stat_only;
  stat_only.groups = FieldGroup::kStat;
  ScanTree((tmp.path() / "proc").string(), &scan, stat_only);
  EXPECT_EQ(Pids(scan), (std::set<std::int64_t>{101, 103, 104, 105, 106, 107}));
  EXPECT_EQ(scan.errors.parse_errors(), (std::map<std::string, std::uint64_t>{{"stat", 2}}));
  const ProcessSample& s = scan.by_pid[103];
  ExpectSeconds(s.cpu_user_seconds, 27, "utime");
  ExpectState(FieldState::kNotRequested, "not requested", s.voluntary_ctxt_switches, s.memory_shared_bytes,
              s.memory_swap_bytes, s.io_read_bytes, s.open_fds, s.max_fds);
  // stat's own rss and vms, and the uid from the directory's owner (no status read).
  ExpectValue(s.memory_rss_bytes, 3092 * kPage, "rss from stat (VmRSS was read apart)");
  EXPECT_TRUE(s.memory_vms_bytes.has_value());
  struct stat dir {};
  ASSERT_EQ(::stat((tmp.path() / "proc" / "103").c_str(), &dir), 0);
  ExpectValue(s.uid, dir.st_uid, "uid: owner of /proc/103");
}

TEST(LinuxProbeTempTree, VanishedFilesDropTheProcessAndCountENOENT) {
  TempDir tmp;
  fs::path root = tmp.path() / "proc";
  fs::create_directories(root);
  fs::copy_file(FixturePath("proc/stat"), root / "stat");
  CopyPid("proc/8444", root / "8444");
  CopyPid("proc/8609", root / "8609");
  fs::remove(root / "8609" / "stat");  // exited between the listing and the read
  // A process gone after its stat was read: VanishingMidRead.* (missing_proc_files_test.cc).
  Scanned scan;
  ScanTree(root.string(), &scan);
  EXPECT_EQ(Pids(scan), (std::set<std::int64_t>{8444}));
  EXPECT_EQ(SyscallErrors(scan.errors), (std::map<std::string, std::uint64_t>{{"openat/stat/ENOENT", 1}}));
  EXPECT_TRUE(scan.errors.parse_errors().empty());
}

TEST(LinuxProbeTempTree, NonPidEntriesAreIgnored) {
  TempDir tmp;
  fs::path root = tmp.path() / "proc";
  fs::create_directories(root);
  fs::copy_file(FixturePath("proc/stat"), root / "stat");
  CopyPid("proc/8444", root / "8444");
  for (const char* name : {"0", "08444", "self", "99999999999", "8444x", "-1"})
    CopyPid("proc/8609", root / name);
  Scanned scan;
  ScanTree(root.string(), &scan);
  EXPECT_EQ(Pids(scan), (std::set<std::int64_t>{8444}));
  EXPECT_TRUE(scan.errors.syscall_errors().empty());
  EXPECT_TRUE(scan.errors.parse_errors().empty());
}

// Runs a scan as uid/gid 65534 (forked, when we are root) over a tree where
// io and fd are mode 000; returns "pids=...;io=<state>;fds=<state>;uid=<state>;
// errors=<syscall/source/errno=count,...>".
std::string ScanUnprivileged(const fs::path& root, bool* skipped) {
  auto run = [&]() {
    ScanErrors errors;
    std::string error;
    auto probe = LinuxProbe::Open(root.string(), &error);
    if (!probe) return "open failed: " + error;
    ScanResult r = probe->Scan(ScanRequest{}, errors);
    std::ostringstream os;
    os << "pids=";
    for (const auto& s : r.processes) os << s.pid << ' ';
    if (r.processes.size() == 1) {
      const auto& s = r.processes[0];
      os << ";io=" << static_cast<int>(s.io_read_chars.state)
         << ";fds=" << static_cast<int>(s.open_fds.state) << ";uid=" << static_cast<int>(s.uid.state);
    }
    os << ";errors=";
    for (const auto& [k, n] : errors.syscall_errors())
      os << k.syscall << '/' << k.source << '/' << k.err << '=' << n << ',';
    return os.str();
  };
  return proctree::testing::RunUnprivileged(root.string(), run, skipped);
}

TEST(LinuxProbeTempTree, AccessDeniedKeepsTheProcessAndFailsTheFields) {
  TempDir tmp;
  fs::path root = tmp.path() / "proc";
  fs::create_directories(root);
  fs::copy_file(FixturePath("proc/stat"), root / "stat");
  CopyPid("proc/8444", root / "8444");
  // Readable for uid 65534 except io and fd/.
  fs::permissions(tmp.path(), fs::perms(0755));
  for (const auto& e : fs::recursive_directory_iterator(root))
    fs::permissions(e.path(), e.is_directory() ? fs::perms(0755) : fs::perms(0644));
  fs::permissions(root / "8444" / "io", fs::perms::none);
  fs::permissions(root / "8444" / "fd", fs::perms::none);

  bool skipped = false;
  std::string got = ScanUnprivileged(root, &skipped);
  if (skipped) GTEST_SKIP() << "cannot switch to uid 65534 here";
  const int failed = static_cast<int>(FieldState::kFailed);
  const int value = static_cast<int>(FieldState::kValue);
  EXPECT_EQ(got, "pids=8444 ;io=" + std::to_string(failed) + ";fds=" + std::to_string(failed) +
                     ";uid=" + std::to_string(value) +
                     ";errors=openat/fd/EACCES=1,openat/io/EACCES=1,");
}

TEST(ProbeErrors, TranslateErrno) {
  EXPECT_EQ(TranslateErrno(ENOENT), ErrorKind::kVanished);
  EXPECT_EQ(TranslateErrno(ESRCH), ErrorKind::kVanished);
  EXPECT_EQ(TranslateErrno(EACCES), ErrorKind::kAccessDenied);
  EXPECT_EQ(TranslateErrno(EPERM), ErrorKind::kAccessDenied);
  EXPECT_EQ(TranslateErrno(EIO), ErrorKind::kOther);
  EXPECT_EQ(TranslateErrno(EINVAL), ErrorKind::kOther);
}

TEST(ProbeErrors, ErrnoNames) {
  EXPECT_EQ(ErrnoName(ENOENT), "ENOENT");
  EXPECT_EQ(ErrnoName(ESRCH), "ESRCH");
  EXPECT_EQ(ErrnoName(EACCES), "EACCES");
  EXPECT_EQ(ErrnoName(EPERM), "EPERM");
  EXPECT_EQ(ErrnoName(EIO), "EIO");
  EXPECT_EQ(ErrnoName(12345), "E12345");
}

TEST(ProbeErrors, ScanErrorsCountAndTotalsMerge) {
  std::vector<std::string> sunk;
  ScanErrors e([&](std::int64_t pid, std::string_view syscall, std::string_view path, std::string_view err) {
    sunk.push_back(std::to_string(pid) + " " + std::string(syscall) + " " + std::string(path) + " " +
                   std::string(err));
  });
  e.Syscall(7, "openat", "io", "7/io", EACCES);
  e.Syscall(8, "openat", "io", "8/io", EACCES);
  e.Syscall(8, "read", "stat", "8/stat", EIO);
  e.Parse(9, "status", "9/status");
  EXPECT_EQ(SyscallErrors(e),
            (std::map<std::string, std::uint64_t>{{"openat/io/EACCES", 2}, {"read/stat/EIO", 1}}));
  EXPECT_EQ(e.parse_errors(), (std::map<std::string, std::uint64_t>{{"status", 1}}));
  EXPECT_EQ(sunk, (std::vector<std::string>{"7 openat 7/io EACCES", "8 openat 8/io EACCES",
                                            "8 read 8/stat EIO", "9 parse 9/status malformed"}));
  ErrorTotals totals;
  totals.Merge(e);
  totals.Merge(e);
  EXPECT_EQ(totals.syscall_errors().at({"openat", "io", "EACCES"}), 4u);
  EXPECT_EQ(totals.parse_errors().at("status"), 2u);
}

TEST(LinuxProbeOpen, ReadsBtimeFromTheFixture) {
  std::string error;
  auto probe = LinuxProbe::Open(FixturePath("proc"), &error);
  ASSERT_NE(probe, nullptr) << error;
  EXPECT_EQ(probe->boot_time(), kBtime);
  EXPECT_EQ(probe->os(), "linux");
}

TEST(LinuxProbeOpen, RefusesWhatIsNotAProcfs) {
  std::string error;
  EXPECT_EQ(LinuxProbe::Open("/nonexistent-proctree-root", &error), nullptr);
  EXPECT_NE(error.find("cannot open procfs directory /nonexistent-proctree-root"), std::string::npos)
      << error;

  TempDir tmp;
  error.clear();
  EXPECT_EQ(LinuxProbe::Open(tmp.path().string(), &error), nullptr);
  EXPECT_NE(error.find("cannot read " + tmp.path().string() + "/stat"), std::string::npos) << error;

  fs::copy_file(FixturePath("files/procstat/no_btime"), tmp.path() / "stat");
  error.clear();
  EXPECT_EQ(LinuxProbe::Open(tmp.path().string(), &error), nullptr);
  EXPECT_NE(error.find("has no btime line"), std::string::npos) << error;
}

TEST(LinuxProbeOpen, SampleSelfReadsTheRealProc) {
  std::string error;
  auto probe = LinuxProbe::Open(FixturePath("proc"), &error);
  ASSERT_NE(probe, nullptr) << error;
  ScanErrors errors;
  auto self = probe->SampleSelf(ScanRequest{}, errors);
  ASSERT_TRUE(self.has_value());
  EXPECT_EQ(self->pid, ::getpid());
  EXPECT_EQ(self->ppid, ::getppid());
  ExpectValue(self->uid, ::getuid(), "uid");
  EXPECT_TRUE(self->open_fds.has_value());
  EXPECT_GE(self->open_fds.value, 3u);
}

TEST(ProbeReadBuffer, GrowsPast64KiBAndCutsAtMaxBytes) {
  int dir = ::open(FixturePath("proc/8672").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dir, 0);
  linux_proc::ReadBuffer buf(4096);
  linux_proc::SyscallFailure fail;
  std::string_view text;
  ASSERT_TRUE(buf.ReadAt(dir, "status", &text, &fail));
  EXPECT_EQ(text.size(), 85435u);
  EXPECT_EQ(text.substr(text.size() - 30), "nonvoluntary_ctxt_switches:\t5\n");
  linux_proc::ReadBuffer fresh(4096);
  ASSERT_TRUE(fresh.ReadAt(dir, "status", &text, &fail, 65536));
  EXPECT_EQ(text.size(), 65536u);
  // The cut holds even when the buffer has already grown past max_bytes.
  ASSERT_TRUE(buf.ReadAt(dir, "status", &text, &fail, 65536));
  EXPECT_EQ(text.size(), 65536u);

  EXPECT_FALSE(buf.ReadAt(dir, "missing", &text, &fail));
  EXPECT_STREQ(fail.syscall, "openat");
  EXPECT_EQ(fail.err, ENOENT);
  EXPECT_FALSE(buf.ReadAt(dir, "fd", &text, &fail));  // fd/ is a directory: read fails
  EXPECT_STREQ(fail.syscall, "read");
  EXPECT_EQ(fail.err, EISDIR);

  std::uint64_t n = 0;
  ASSERT_TRUE(buf.CountDirEntries(dir, "fd", &n, &fail));
  EXPECT_EQ(n, 4u);  // 0 1 2 5
  ::close(dir);
}

}  // namespace
}  // namespace proctree
