// The two-phase scan over a copy of tests/fixtures/proc: phase 1 reads what
// every process must give (stat, and the uid from the directory's owner),
// Probe::Complete the rest for the rows only, and never from a process that
// took a row's pid since phase 1.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "probes/os/linux/linux_probe.h"
#include "probes/probe_errors.h"
#include "tests/unit/fixture_proc.h"
#include "tests/unit/probe_scan_util.h"

namespace proctree {
namespace {

namespace fs = std::filesystem;
using proctree::testing::ExpectState;
using proctree::testing::ExpectValue;
using proctree::testing::FixtureProc;
using proctree::testing::RuntimeFrom;
using proctree::testing::ScrapeOnce;
using proctree::testing::Series;

const std::uint64_t kPage = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
constexpr std::int64_t kNormal = 8444;  // uid 65534 in status, 6 fds, io counters (tests/fixtures/README.md)

// The groups a row gets in phase 2 that phase 1 left out.
const FieldGroups kRowGroups =
    FieldGroups(FieldGroup::kStatus) | FieldGroup::kMemory | FieldGroup::kIo | FieldGroup::kFds | FieldGroup::kLimits;

// The owner the pid directory has in the copy: another uid than status' 65534
// where the test may chown, so the two sources cannot be confused.
std::uint32_t OwnerOf(const fs::path& dir) {
  if (::geteuid() == 0) {
    EXPECT_EQ(::chown(dir.c_str(), 4242, 4242), 0);
  }
  struct stat st {};
  EXPECT_EQ(::stat(dir.c_str(), &st), 0);
  return static_cast<std::uint32_t>(st.st_uid);
}

ScanResult PhaseOne(const LinuxProbe& probe, ScanErrors& errors) {
  ScanRequest req;
  req.groups = FieldGroup::kStat;
  return probe.Scan(req, errors);
}

int IndexOf(const ScanResult& r, std::int64_t pid) {
  for (std::size_t i = 0; i < r.processes.size(); ++i)
    if (r.processes[i].pid == pid) return static_cast<int>(i);
  ADD_FAILURE() << "no pid " << pid;
  return 0;
}

void ExpectPhaseOneOnly(const ProcessSample& s) {
  ExpectState(FieldState::kNotRequested, "status, memory beyond stat, io, fds, limits, exe, cmdline, cgroup",
              s.voluntary_ctxt_switches, s.involuntary_ctxt_switches, s.memory_shared_bytes, s.memory_text_bytes,
              s.memory_data_bytes, s.memory_swap_bytes, s.io_read_bytes, s.io_write_chars, s.io_read_syscalls,
              s.open_fds, s.max_fds, s.exe, s.cmdline, s.cgroup);
}

TEST(TwoPhaseScan, PhaseOneHasTheStatFieldsAndTheDirectoryOwner) {
  FixtureProc proc;
  const std::uint32_t owner = OwnerOf(proc.root() / "8444");
  ASSERT_NE(owner, 65534u) << "run the test as another user than nobody";
  auto probe = proc.Probe();
  ScanErrors errors;
  const ScanResult r = PhaseOne(*probe, errors);
  const ProcessSample& s = r.processes[static_cast<std::size_t>(IndexOf(r, kNormal))];

  ExpectValue(s.uid, owner, "uid from the owner of /proc/8444, not status");
  ExpectValue(s.memory_rss_bytes, 3092 * kPage, "rss: stat field 24, pages");
  ExpectValue(s.memory_vms_bytes, 94593024u, "vms: stat field 23, bytes");
  ExpectValue(s.threads, 2, "threads");
  ExpectValue(s.minor_faults, 590u, "minflt");
  EXPECT_EQ(s.start_time_ticks, 162464u);
  ExpectPhaseOneOnly(s);

  // No address space, no made-up 0 from stat: a kernel thread and a zombie.
  for (std::int64_t pid : {2, 8689}) {
    const ProcessSample& k = r.processes[static_cast<std::size_t>(IndexOf(r, pid))];
    ExpectState(FieldState::kNotRequested, "pid " + std::to_string(pid), k.memory_rss_bytes, k.memory_vms_bytes);
  }
  EXPECT_TRUE(errors.syscall_errors().empty());
}

TEST(TwoPhaseScan, CompleteReadsTheRowsOnly) {
  FixtureProc proc;
  auto probe = proc.Probe();
  ScanErrors errors;
  ScanResult r = PhaseOne(*probe, errors);
  const int row = IndexOf(r, kNormal);
  ScanRequest req;
  req.groups = kRowGroups;
  EXPECT_TRUE(probe->Complete(req, {row}, &r, errors));

  const ProcessSample& s = r.processes[static_cast<std::size_t>(row)];
  ExpectValue(s.uid, 65534u, "real uid from status replaces the owner");
  ExpectValue(s.memory_rss_bytes, 12552u * 1024, "VmRSS");
  ExpectValue(s.io_read_chars, 126976u, "rchar");
  ExpectValue(s.open_fds, 6u, "fd entries");
  EXPECT_TRUE(s.max_fds.has_value());
  ExpectState(FieldState::kNotRequested, "groups not asked for", s.exe, s.cmdline, s.cgroup);
  for (const ProcessSample& other : r.processes)
    if (other.pid != kNormal) ExpectPhaseOneOnly(other);
  EXPECT_TRUE(errors.syscall_errors().empty());
}

// Between the phases 8444 exits and a new process takes its pid: same pid,
// another start time, other counters. Neither LinuxProbe's Complete nor the
// default (a second scan matched by key) may complete the row with its data.
TEST(TwoPhaseScan, ReusedPidIsNotMixedIn) {
  for (bool base_default : {false, true}) {
    SCOPED_TRACE(base_default ? "Probe::Complete" : "LinuxProbe::Complete");
    FixtureProc proc;
    const std::uint32_t owner = OwnerOf(proc.root() / "8444");
    auto probe = proc.Probe();
    ScanErrors errors;
    ScanResult r = PhaseOne(*probe, errors);
    const int row = IndexOf(r, kNormal);

    std::string stat = proctree::testing::ReadAll(proc.root() / "8444" / "stat");
    const auto at = stat.find(" 162464 ");
    ASSERT_NE(at, std::string::npos);
    stat.replace(at, 8, " 999999 ");
    std::ofstream(proc.root() / "8444" / "stat", std::ios::binary | std::ios::trunc) << stat;

    ScanRequest req;
    req.groups = kRowGroups;
    if (base_default) probe->Probe::Complete(req, {row}, &r, errors);
    else probe->Complete(req, {row}, &r, errors);

    const ProcessSample& s = r.processes[static_cast<std::size_t>(row)];
    EXPECT_EQ(s.start_time_ticks, 162464u);
    ExpectValue(s.uid, owner, "uid stays phase 1's");
    ExpectValue(s.memory_rss_bytes, 3092 * kPage, "rss stays stat's");
    ExpectPhaseOneOnly(s);
  }
}

TEST(TwoPhaseScan, RowGoneBetweenPhasesKeepsPhaseOneAndIsNoError) {
  FixtureProc proc;
  auto probe = proc.Probe();
  ScanErrors errors;
  ScanResult r = PhaseOne(*probe, errors);
  const int row = IndexOf(r, kNormal);
  fs::remove_all(proc.root() / "8444");
  ScanRequest req;
  req.groups = kRowGroups;
  EXPECT_TRUE(probe->Complete(req, {row}, &r, errors));
  ExpectPhaseOneOnly(r.processes[static_cast<std::size_t>(row)]);
  EXPECT_TRUE(errors.syscall_errors().empty());
}

// A scrape where one selected process has per-process series: the io and fd
// directories of every other process are unreadable (EISDIR, ENOTDIR), and
// the scrape never touches them, since no family counting every process needs
// them. The totals it keeps are there; the row has its io and fd series.
TEST(TwoPhaseScan, ScrapeReadsRowOnlyFilesForRowsOnly) {
  FixtureProc proc;
  for (const auto& e : fs::directory_iterator(proc.root())) {
    if (!proctree::testing::IsPidDir(e) || e.path().filename() == "8444") continue;
    if (fs::is_regular_file(e.path() / "io")) {
      fs::remove(e.path() / "io");
      fs::create_directory(e.path() / "io");
    }
    fs::remove_all(e.path() / "fd");
    std::ofstream(e.path() / "fd") << "not a directory";
  }
  auto probe = proc.Probe();
  const auto rc = RuntimeFrom(R"(
metrics:
  deny: [proctree_subtree_io_*, proctree_group_io_*, proctree_subtree_open_fds, proctree_group_open_fds]
processes:
  - name: normal
    match: {comm: [fixture-normal]}
    group: normal
unmatched: {per_process: false, group: auto}
)");
  const std::string payload = ScrapeOnce(*probe, *rc);
  EXPECT_TRUE(Series(payload, "proctree_probe_errors_total").empty()) << payload;
  EXPECT_EQ(Series(payload, "proctree_process_io_chars_total").size(), 2u) << payload;
  EXPECT_EQ(Series(payload, "proctree_process_open_fds").size(), 1u) << payload;
  EXPECT_EQ(Series(payload, "proctree_process_open_fds", {"pid=\"8444\""}).size(), 1u) << payload;
  EXPECT_EQ(Series(payload, "proctree_group_memory_bytes", {"group=\"normal\"", "memtype=\"rss\""}).size(), 1u);
  EXPECT_FALSE(Series(payload, "proctree_group_cpu_seconds_total").empty());
  EXPECT_TRUE(Series(payload, "proctree_group_open_fds").empty());
}

}  // namespace
}  // namespace proctree
