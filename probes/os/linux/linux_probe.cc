#include "probes/os/linux/linux_probe.h"
#include "probes/os/linux/process_reader.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>

#include "probes/os/linux/proc_files.h"
#include "probes/os/linux/proc_parsers.h"
#include "probes/os/linux/smaps_parser.h"
#include "probes/os/linux/taskstats_listener.h"

namespace proctree {

namespace {

using linux_proc::ReadBuffer;
using linux_proc::SyscallFailure;

bool ParsePid(const char* name, std::int64_t* pid) {
  if (*name < '1' || *name > '9') return false;
  std::int64_t v = 0;
  for (const char* p = name; *p; ++p) {
    if (*p < '0' || *p > '9') return false;
    v = v * 10 + (*p - '0');
    if (v > std::numeric_limits<std::int32_t>::max()) return false;
  }
  *pid = v;
  return true;
}

}  // namespace

// Which per-process files the kernel behind `dir_fd` lacks, told by one
// process's directory in it. The probe asks once, at open, instead of
// finding out from every process on every scrape: there an ENOENT costs a
// liveness check and is counted as an error, and a kernel built without
// CONFIG_TASK_IO_ACCOUNTING (or gVisor) is not an error an operator can fix
// or should be paged for, but a feature the kernel lacks (reported as 0 in
// proctree_probe_feature_supported). "self" is the exporter itself in that
// procfs; pid 1 covers a procfs of a pid namespace the exporter is not in. A
// tree with neither (a captured one) is taken to have every file, and each
// ENOENT on it is then checked and counted per process.
LinuxProbe::MissingFiles LinuxProbe::FindMissingFiles(int dir_fd) {
  for (const char* dir : {"self", "1"}) {
    int fd = ::openat(dir_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st;
    auto missing = [&](const char* name) { return ::fstatat(fd, name, &st, 0) != 0 && errno == ENOENT; };
    MissingFiles out;
    out.io = missing("io");
    out.limits = missing("limits");
    out.smaps_rollup = missing("smaps_rollup");
    out.smaps = missing("smaps");
    out.schedstat = missing("schedstat");
    // Only a directory that still is a process' (stat present after the checks) can tell.
    const bool alive = !linux_proc::PidDirGone(fd);
    ::close(fd);
    if (alive) return out;
  }
  return {};
}

std::unique_ptr<LinuxProbe> LinuxProbe::Open(const std::string& root, std::string* error) {
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot open procfs directory " + root + ": " + std::strerror(errno);
    return nullptr;
  }
  ReadBuffer buf(4096);
  std::string_view text;
  SyscallFailure fail;
  if (!buf.ReadAt(fd, "stat", &text, &fail)) {
    *error = "cannot read " + root + "/stat: " + std::strerror(fail.err);
    ::close(fd);
    return nullptr;
  }
  std::uint64_t btime = 0;
  if (!linux_proc::ParseBootTime(text, &btime)) {
    *error = root + "/stat has no btime line; is " + root + " a procfs mount?";
    ::close(fd);
    return nullptr;
  }
  long ticks = ::sysconf(_SC_CLK_TCK);
  if (ticks <= 0) ticks = 100;
  auto probe = std::unique_ptr<LinuxProbe>(new LinuxProbe(fd, static_cast<double>(btime), ticks));
  probe->missing_ = FindMissingFiles(fd);
  // SampleSelf reads the real /proc, whatever root is.
  int proc_fd = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc_fd >= 0) {
    probe->self_missing_ = FindMissingFiles(proc_fd);
    ::close(proc_fd);
  }
  return probe;
}

LinuxProbe::~LinuxProbe() { ::close(root_fd_); }

bool LinuxProbe::StartExitAccounting(const ExitAccountingOptions& opts, std::string* why) {
  // The records name pids as the exporter's pid namespace sees them (the
  // kernel accepts the registration only in the initial one); a procfs of
  // another namespace, or a captured tree, would match none or the wrong ones.
  char self[32] = {};
  const ssize_t n = ::readlinkat(root_fd_, "self", self, sizeof self - 1);
  if (n <= 0 || std::string(self, static_cast<std::size_t>(n)) != std::to_string(::getpid())) {
    *why = "--path.procfs is not a procfs of the exporter's pid namespace";
    return false;
  }
  exits_ = TaskstatsListener::Start(opts, ticks_, why);
  return exits_ != nullptr;
}

bool LinuxProbe::DrainExits(std::vector<ExitRecord>* out, ExitStats* stats) const {
  if (!exits_) return false;
  exits_->Drain(out, stats);
  return true;
}

bool LinuxProbe::Supports(Feature f) const {
  // Everything else in the Feature list comes from stat, status and fd/,
  // which every kernel we run on has.
  switch (f) {
    case Feature::kIoCounters: return !missing_.io;
    case Feature::kMaxFds: return !missing_.limits;
    case Feature::kUss:
    case Feature::kPss:
    case Feature::kSwapPss: return !missing_.smaps_rollup || !missing_.smaps;
    case Feature::kMemoryMaps: return !missing_.smaps;
    case Feature::kSchedstat: return !missing_.schedstat;
    case Feature::kNumHandles:  // a Windows notion; Linux has fds (num_fds)
    case Feature::kExitAccounting: return exits_ != nullptr;
    case Feature::kCount: return false;
    default: return true;
  }
}

ScanResult LinuxProbe::Scan(const ScanRequest& req, ScanErrors& errors) const {
  ScanResult result;
  ProcessReader reader(errors, ticks_, boot_time_, missing_);

  // A fresh fd for the listing: each scan reads the directory from its start.
  int list_fd = ::openat(root_fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (list_fd < 0) {
    errors.Syscall(0, "openat", "proc", ".", errno);
    return result;
  }
  // Pids first, then the reads: the listing buffer is reused for fd counts.
  std::vector<std::pair<std::int64_t, std::string>> pids;
  pids.reserve(1024);
  std::vector<char> dents(32 * 1024);
  linux_proc::SyscallFailure fail;
  if (!linux_proc::ForEachDirEntry(list_fd, dents, &fail, [&](const char* name) {
        std::int64_t pid = 0;
        if (ParsePid(name, &pid)) pids.emplace_back(pid, name);
      }))
    errors.Syscall(0, fail.syscall, "proc", ".", fail.err);
  ::close(list_fd);

  result.processes.reserve(pids.size());
  for (const auto& [pid, name] : pids) {
    if (req.deadline && std::chrono::steady_clock::now() >= *req.deadline) {
      result.deadline_exceeded = true;
      break;
    }
    int pid_fd = ::openat(root_fd_, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pid_fd < 0) {
      errors.Syscall(pid, "openat", "proc", name, errno);
      continue;
    }
    ProcessSample s;
    if (reader.Read(pid_fd, pid, name, req, &s) == ProcessReader::Outcome::kOk) {
      result.processes.push_back(std::move(s));
    }
    ::close(pid_fd);
  }
  return result;
}

// Each row again by its pid: a fresh directory fd, stat re-read for the
// identity (the start time tells a reused pid), then the remaining groups
// through that fd, which pins the process it was opened on. A process gone
// since phase 1 is not an error: it exited in between.
bool LinuxProbe::Complete(const ScanRequest& req, const std::vector<int>& rows, ScanResult* scan,
                          ScanErrors& errors) const {
  if (req.groups.empty()) return true;
  ProcessReader reader(errors, ticks_, boot_time_, missing_);
  ScanRequest again = req;
  again.groups |= FieldGroup::kStat;
  char name[24];
  for (int r : rows) {
    if (req.deadline && std::chrono::steady_clock::now() >= *req.deadline) return false;
    ProcessSample& row = scan->processes[static_cast<std::size_t>(r)];
    std::snprintf(name, sizeof name, "%lld", static_cast<long long>(row.pid));
    int pid_fd = ::openat(root_fd_, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pid_fd < 0) {
      if (errno != ENOENT && errno != ESRCH) errors.Syscall(row.pid, "openat", "proc", name, errno);
      continue;
    }
    ProcessSample fresh;
    if (reader.Read(pid_fd, row.pid, name, again, &fresh) == ProcessReader::Outcome::kOk && KeyOf(fresh) == KeyOf(row))
      CopyGroups(fresh, req.groups, &row);
    ::close(pid_fd);
  }
  return true;
}

std::optional<ProcessSample> LinuxProbe::SampleSelf(const ScanRequest& req, ScanErrors& errors) const {
  // Always the real /proc: --procfs may point at another namespace's mount or a fixture.
  int fd = ::open("/proc/self", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    errors.Syscall(0, "openat", "proc", "/proc/self", errno);
    return std::nullopt;
  }
  ProcessReader reader(errors, ticks_, boot_time_, self_missing_);
  ProcessSample s;
  auto outcome = reader.Read(fd, ::getpid(), "/proc/self", req, &s);
  ::close(fd);
  if (outcome != ProcessReader::Outcome::kOk) return std::nullopt;
  return s;
}

}  // namespace proctree
