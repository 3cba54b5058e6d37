// LinuxProbe where a per-process file is missing for a live process: kernels
// without io (CONFIG_TASK_IO_ACCOUNTING=n, some sandboxes such as gVisor) or
// limits (before 2.6.24), over tests/fixtures/proc-no-io-limits. ENOENT there
// must not drop the process; a process that really goes away mid-read must
// still be dropped. Also the zombie: its status still gives its owner.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "config/process_selection.h"
#include "exporter/metrics/metric_catalog.h"
#include "exporter/scrape/runtime_config.h"
#include "exporter/scrape/scraper.h"
#include "probes/os/linux/linux_probe.h"
#include "probes/os/linux/proc_files.h"
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
const std::uint64_t kPage = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
constexpr std::int64_t kNormal = 8444, kKthread = 2, kZombie = 5237;  // see the fixture's README

using proctree::testing::TempDir;
using proctree::testing::ExpectState;
using proctree::testing::ExpectValue;
using proctree::testing::Pids;
using proctree::testing::Scanned;
using proctree::testing::ScanWith;

// The fixture tree in a temp dir, with the empty fd/ directories git cannot store.
fs::path CopyNoIoLimitsTree(const TempDir& tmp) {
  const fs::path root = tmp.path() / "proc";
  fs::copy(FixturePath("proc-no-io-limits"), root, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  for (const char* pid : {"2", "5237", "8444"}) fs::create_directories(root / pid / "fd");
  return root;
}

std::unique_ptr<LinuxProbe> OpenProbe(const fs::path& root) { return proctree::testing::OpenProbe(root.string()); }

void ExpectNoIoNoMaxFds(const ProcessSample& s, const std::string& what) {
  ExpectState(FieldState::kUnsupported, what + ": io and max_fds", s.io_read_bytes, s.io_write_bytes,
              s.io_read_chars, s.io_write_chars, s.io_read_syscalls, s.io_write_syscalls, s.max_fds);
}

// The tree is also a kernel without CONFIG_SCHED_INFO: no schedstat anywhere.
void ExpectNoSchedstat(const ProcessSample& s, const std::string& what) {
  ExpectState(FieldState::kUnsupported, what + ": schedstat", s.sched_run_seconds, s.sched_wait_seconds);
}

// What stat and status give is all there, whichever way the missing files were found out.
void ExpectStatAndStatus(Scanned& scan) {
  ASSERT_EQ(Pids(scan), (std::set<std::int64_t>{kKthread, kZombie, kNormal}));
  const ProcessSample& n = scan.by_pid[kNormal];
  ExpectValue(n.cpu_user_seconds, 27 / kTicks, "utime");
  ExpectValue(n.threads, 2, "threads");
  ExpectValue(n.uid, 65534, "uid");
  ExpectValue(n.memory_rss_bytes, 3138 * kPage, "rss");
  ExpectValue(n.open_fds, 6, "open_fds");
  ASSERT_TRUE(n.exe.has_value());
  ExpectNoIoNoMaxFds(n, "normal");
  const ProcessSample& k = scan.by_pid[kKthread];
  EXPECT_TRUE(k.kernel_thread);
  ExpectValue(k.uid, 0, "kthread uid");
  ExpectNoIoNoMaxFds(k, "kthread");
  ExpectValue(scan.by_pid[kZombie].uid, 65534, "zombie uid");
  ExpectValue(n.oom_score_adj, 500, "oom_score_adj");  // a file every kernel since 2.6.36 has
}

void ExpectNoSchedstatAnywhere(Scanned& scan) {
  for (const auto& [pid, s] : scan.by_pid) ExpectNoSchedstat(s, std::to_string(pid));
}

TEST(NoIoNoLimitsTree, KernelWithoutTheFilesIsToldOnceAndTheyAreNeverOpened) {
  TempDir tmp;
  const fs::path root = CopyNoIoLimitsTree(tmp);
  // If the probe opened io or limits of pid 2 anyway, reading these would fail with EISDIR.
  fs::create_directory(root / "2" / "io");
  fs::create_directory(root / "2" / "limits");
  fs::create_directory(root / "2" / "schedstat");
  auto probe = OpenProbe(root);
  ASSERT_NE(probe, nullptr);
  EXPECT_FALSE(probe->Supports(Feature::kIoCounters));
  EXPECT_FALSE(probe->Supports(Feature::kMaxFds));
  EXPECT_FALSE(probe->Supports(Feature::kSchedstat));
  for (Feature f : {Feature::kCpuTimes, Feature::kMemoryInfo, Feature::kUids, Feature::kNumFds, Feature::kCtxSwitches})
    EXPECT_TRUE(probe->Supports(f)) << FeatureName(f);

  Scanned scan = ScanWith(*probe);
  ExpectStatAndStatus(scan);
  ExpectNoSchedstatAnywhere(scan);
  // Nothing failed: a kernel feature that is not there is no error.
  EXPECT_TRUE(scan.syscall_errors.empty());
  EXPECT_TRUE(scan.parse_errors.empty());
}

TEST(NoIoNoLimitsTree, WithoutSelfEachMissingFileIsCheckedKeptAndCounted) {
  // A tree the probe cannot ask ahead (no self, no pid 1, as a captured tree):
  // every ENOENT is checked against the process' stat and counted.
  TempDir tmp;
  const fs::path root = CopyNoIoLimitsTree(tmp);
  fs::remove(root / "self");
  auto probe = OpenProbe(root);
  ASSERT_NE(probe, nullptr);
  EXPECT_TRUE(probe->Supports(Feature::kIoCounters));  // nothing told it otherwise
  EXPECT_TRUE(probe->Supports(Feature::kMaxFds));
  EXPECT_TRUE(probe->Supports(Feature::kSchedstat));
  EXPECT_FALSE(probe->Supports(Feature::kNumHandles));  // Windows' handles: never on Linux

  Scanned scan = ScanWith(*probe);
  ExpectStatAndStatus(scan);
  ExpectNoSchedstatAnywhere(scan);
  // The normal process and the kernel thread; the zombie's io and limits are
  // not read (its schedstat is: a zombie keeps its run and wait times).
  EXPECT_EQ(scan.syscall_errors,
            (std::map<std::string, std::uint64_t>{
                {"openat/io/ENOENT", 2}, {"openat/limits/ENOENT", 2}, {"openat/schedstat/ENOENT", 3}}));
  EXPECT_TRUE(scan.parse_errors.empty());
}

TEST(NoIoNoLimitsTree, ProcessWithoutCgroupOrCmdlineFileIsKept) {
  // The same per-process check for the files read raw (no CONFIG_CGROUPS has no cgroup file).
  TempDir tmp;
  const fs::path root = CopyNoIoLimitsTree(tmp);
  fs::remove(root / "8444" / "cgroup");
  fs::remove(root / "8444" / "cmdline");
  auto probe = OpenProbe(root);
  ASSERT_NE(probe, nullptr);
  Scanned scan = ScanWith(*probe);
  ASSERT_EQ(scan.by_pid.count(kNormal), 1u);
  const ProcessSample& n = scan.by_pid[kNormal];
  ExpectState(FieldState::kUnsupported, "cgroup, cmdline", n.cgroup, n.cmdline);
  ExpectValue(n.uid, 65534, "uid");
  EXPECT_TRUE(scan.by_pid[kKthread].cgroup.has_value());
  EXPECT_EQ(scan.syscall_errors,
            (std::map<std::string, std::uint64_t>{{"openat/cgroup/ENOENT", 1}, {"openat/cmdline/ENOENT", 1}}));
}

std::vector<std::string> Lines(const std::string& payload, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(payload);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  return out;
}

TEST(NoIoNoLimitsTree, ScrapeSaysUnsupportedAndLeavesTheFamiliesOut) {
  TempDir tmp;
  const fs::path root = CopyNoIoLimitsTree(tmp);
  auto probe = OpenProbe(root);
  ASSERT_NE(probe, nullptr);
  auto rc = std::make_shared<RuntimeConfig>();
  std::string error;
  ASSERT_TRUE(ParseConfig(EmbeddedDefaultConfig(), "default.yml", ConfigSchemaContext{CatalogNames()}, &rc->config,
                          &error))
      << error;
  rc->config.top_n = TopNPolicy{};  // every process with series, as every-process.yml: all three are looked at
  rc->enabled = EnabledFamilies::FromPolicy(rc->config.metrics);
  rc->selection = ProcessSelection::Compile(rc->config);
  Scraper scraper(*probe, BuildInfo{"test", "test", "linux"});
  const std::string payload = scraper.Scrape(*rc);

  EXPECT_EQ(Lines(payload, "proctree_probe_feature_supported{feature=\"io_counters\"}"),
            std::vector<std::string>{"proctree_probe_feature_supported{feature=\"io_counters\"} 0"});
  EXPECT_EQ(Lines(payload, "proctree_probe_feature_supported{feature=\"max_fds\"}"),
            std::vector<std::string>{"proctree_probe_feature_supported{feature=\"max_fds\"} 0"});
  EXPECT_EQ(Lines(payload, "proctree_probe_feature_supported{feature=\"schedstat\"}"),
            std::vector<std::string>{"proctree_probe_feature_supported{feature=\"schedstat\"} 0"});
  EXPECT_EQ(Lines(payload, "proctree_probe_feature_supported{feature=\"num_fds\"}"),
            std::vector<std::string>{"proctree_probe_feature_supported{feature=\"num_fds\"} 1"});
  EXPECT_EQ(Lines(payload, "proctree_scrape_processes "), std::vector<std::string>{"proctree_scrape_processes 3"});
  // Absent, never 0; the families that do not need io or limits are there.
  for (const char* absent : {"proctree_process_io_", "proctree_process_max_fds{", "proctree_subtree_io_",
                             "proctree_group_io_", "proctree_probe_errors_total{", "proctree_process_sched_",
                             "proctree_subtree_sched_", "proctree_group_sched_",
                             "proctree_process_oom_score_adj"})  // the last: off in the default config
    EXPECT_TRUE(Lines(payload, absent).empty()) << absent << "\n" << payload;
  EXPECT_EQ(Lines(payload, "proctree_process_open_fds{").size(), 2u) << payload;  // not the zombie's
  EXPECT_EQ(Lines(payload, "proctree_process_info{").size(), 3u) << payload;
  // The zombie's owner, from its status.
  const passwd* pw = ::getpwuid(65534);
  const std::string nobody = pw ? pw->pw_name : "65534";
  const auto zombie = Lines(payload, "proctree_process_info{pid=\"5237\"");
  ASSERT_EQ(zombie.size(), 1u) << payload;
  EXPECT_NE(zombie[0].find("user=\"" + nobody + "\""), std::string::npos) << zombie[0];
}

// The probe's status read of pid 700 blocks on a FIFO until the test has
// removed the whole pid directory: the process exits while the probe is
// between its files. Its next file (io) then answers ENOENT, and so does stat.
TEST(VanishingMidRead, ProcessWhoseDirectoryGoesAfterStatIsDroppedAndCounted) {
  TempDir tmp;
  const fs::path root = tmp.path() / "proc";
  fs::create_directories(root);
  fs::copy_file(FixturePath("proc/stat"), root / "stat");
  for (int pid : {700, 701}) {
    const fs::path dir = root / std::to_string(pid);
    fs::copy(FixturePath("proc/8444"), dir, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    std::string stat = ReadFixture("proc/8444/stat");
    stat.replace(0, 4, std::to_string(pid));
    std::ofstream(dir / "stat", std::ios::binary | std::ios::trunc) << stat;
  }
  const fs::path dir = root / "700";
  const fs::path fifo = dir / "status";
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);

  bool held = false;
  std::thread exit_process([&] {
    // A writer can open the FIFO without blocking only once a reader has it open.
    int w = -1;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      w = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (w >= 0 || errno != ENXIO) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (w < 0) {
      // Never opened: release a reader that may come late (O_RDWR does not block) and give up.
      int rw = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
      if (rw >= 0) ::close(rw);
      return;
    }
    held = true;
    std::error_code ec;
    fs::remove_all(dir, ec);
    const std::string status = ReadFixture("proc/8444/status");
    EXPECT_EQ(::write(w, status.data(), status.size()), static_cast<ssize_t>(status.size()));
    ::close(w);
  });
  auto probe = OpenProbe(root);
  Scanned scan;
  if (probe) scan = ScanWith(*probe);
  exit_process.join();
  ASSERT_TRUE(held) << "the probe never opened 700/status";
  EXPECT_EQ(Pids(scan), (std::set<std::int64_t>{701}));
  EXPECT_EQ(scan.syscall_errors, (std::map<std::string, std::uint64_t>{{"openat/io/ENOENT", 1}}));
  EXPECT_TRUE(scan.parse_errors.empty());
  ExpectValue(scan.by_pid[701].io_read_chars, 126976, "701 rchar");
}

// What the probe relies on, asked of the running kernel: through a /proc/<pid>
// fd, a missing name answers ENOENT while the process lives (zombie too), and
// once it is reaped stat is gone as well.
TEST(PidDirGone, RealProcessLiveZombieReaped) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(p[1]);
    char c;
    while (::read(p[0], &c, 1) < 0 && errno == EINTR) {
    }
    ::_exit(0);
  }
  ::close(p[0]);
  const std::string dir = "/proc/" + std::to_string(child);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << std::strerror(errno);

  EXPECT_FALSE(linux_proc::PidDirGone(fd));
  struct stat st;
  EXPECT_NE(::fstatat(fd, "no-such-file", &st, 0), 0);
  EXPECT_EQ(errno, ENOENT);  // the shape of a file this kernel lacks
  EXPECT_FALSE(linux_proc::PidDirGone(fd));

  ::close(p[1]);  // the child exits
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child), &info, WEXITED | WNOWAIT), 0);
  EXPECT_FALSE(linux_proc::PidDirGone(fd)) << "a zombie still has its stat";

  ::waitpid(child, nullptr, 0);
  EXPECT_TRUE(linux_proc::PidDirGone(fd));
  // Linux 6.18 answers ESRCH through a reaped process' directory fd, which
  // the probe takes as vanished at once; other kernels answer ENOENT, which
  // PidDirGone then confirms.
  EXPECT_LT(::openat(fd, "io", O_RDONLY | O_CLOEXEC), 0);
  EXPECT_TRUE(errno == ENOENT || errno == ESRCH) << std::strerror(errno);
  ::close(fd);
}

TEST(Zombie, StatusGivesItsOwnerAndContextSwitchesNothingElse) {
  TempDir tmp;
  const fs::path root = CopyNoIoLimitsTree(tmp);
  auto probe = OpenProbe(root);
  ASSERT_NE(probe, nullptr);
  Scanned scan = ScanWith(*probe);
  ASSERT_EQ(scan.by_pid.count(kZombie), 1u);
  const ProcessSample& z = scan.by_pid[kZombie];
  EXPECT_EQ(z.state, ProcessState::kZombie);
  ExpectValue(z.uid, 65534, "uid");
  ExpectValue(z.voluntary_ctxt_switches, 1, "voluntary");
  ExpectValue(z.involuntary_ctxt_switches, 40, "nonvoluntary");
  ExpectValue(z.cpu_user_seconds, 18 / kTicks, "utime");
  ExpectState(FieldState::kUnsupported, "memory", z.memory_rss_bytes, z.memory_vms_bytes, z.memory_swap_bytes,
              z.memory_shared_bytes, z.memory_text_bytes, z.memory_data_bytes);
  ExpectState(FieldState::kUnsupported, "files", z.open_fds, z.max_fds, z.io_read_chars);
  ExpectState(FieldState::kUnsupported, "exe, cmdline, cgroup", z.exe, z.cmdline, z.cgroup);

  // status is read for the status group only: memory alone leaves it closed.
  ScanRequest memory_only;
  memory_only.groups = FieldGroups(FieldGroup::kStat) | FieldGroup::kMemory;
  Scanned m = ScanWith(*probe, memory_only);
  ASSERT_EQ(m.by_pid.count(kZombie), 1u);
  EXPECT_EQ(m.by_pid[kZombie].voluntary_ctxt_switches.state, FieldState::kNotRequested);
  EXPECT_TRUE(m.by_pid[kZombie].uid.has_value());  // the directory's owner, not status' Uid
  EXPECT_EQ(m.by_pid[kZombie].memory_rss_bytes.state, FieldState::kUnsupported);
}

TEST(Zombie, WithoutAStatusFileIsKeptWithoutItsOwner) {
  // stat still there: the zombie lives on and only its status fields are missing.
  TempDir tmp;
  const fs::path root = CopyNoIoLimitsTree(tmp);
  fs::remove(root / "5237" / "status");
  auto probe = OpenProbe(root);
  ASSERT_NE(probe, nullptr);
  Scanned scan = ScanWith(*probe);
  ASSERT_EQ(scan.by_pid.count(kZombie), 1u);
  ExpectState(FieldState::kUnsupported, "status", scan.by_pid[kZombie].uid,
              scan.by_pid[kZombie].voluntary_ctxt_switches);
  EXPECT_EQ(scan.syscall_errors, (std::map<std::string, std::uint64_t>{{"openat/status/ENOENT", 1}}));
}

}  // namespace
}  // namespace proctree
