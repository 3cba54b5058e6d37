#include "probes/os/linux/process_reader.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>

#include "probes/os/linux/proc_files.h"
#include "probes/os/linux/proc_parsers.h"
#include "probes/os/linux/cgroup_path.h"

namespace proctree {

namespace {

using linux_proc::ReadBuffer;
using linux_proc::SyscallFailure;

constexpr std::uint64_t kPfKthread = 0x00200000;  // include/linux/sched.h
// The most read of one /proc/[pid] file. status is the largest the probe
// parses: 65536 supplementary groups make about 720 KiB.
constexpr std::size_t kMaxFileBytes = 1 << 20;

ProcessState StateFromChar(char c) {
  switch (c) {
    case 'R': return ProcessState::kRunning;
    case 'S': return ProcessState::kSleeping;
    case 'D': return ProcessState::kDiskSleep;
    case 'T': return ProcessState::kStopped;
    case 't': return ProcessState::kTracingStop;
    case 'Z': return ProcessState::kZombie;
    case 'X':
    case 'x': return ProcessState::kDead;
    case 'K': return ProcessState::kWakeKill;
    case 'W': return ProcessState::kWaking;
    case 'P': return ProcessState::kParked;
    case 'I': return ProcessState::kIdle;
    default: return ProcessState::kUnknown;
  }
}


std::uint64_t PageSize() {
  const long n = ::sysconf(_SC_PAGESIZE);
  return n > 0 ? static_cast<std::uint64_t>(n) : 4096;
}

template <typename... Fields>
void Mark(FieldState st, Fields&... f) {
  (f.mark(st), ...);
}

void MarkIo(FieldState st, ProcessSample* s) {
  Mark(st, s->io_read_bytes, s->io_write_bytes, s->io_read_chars, s->io_write_chars, s->io_read_syscalls,
       s->io_write_syscalls);
}

}  // namespace

class ProcessReader::Impl {
 public:
  Impl(ScanErrors& errors, double ticks, double boot_time, LinuxProbe::MissingFiles missing)
      : errors_(errors), ticks_(ticks), boot_time_(boot_time), missing_(missing) {}

  using Outcome = ProcessReader::Outcome;

  Outcome Read(int pid_fd, std::int64_t pid, std::string_view dir_path, const ScanRequest& req,
               ProcessSample* s) {
    pid_ = pid;
    dir_path_ = dir_path;
    std::string_view text;

    // No identity without stat: any failure there drops the process.
    bool cut = false;
    if (ReadFile(pid_fd, "stat", "stat", &text, &cut, kMaxFileBytes, true) != FileRead::kOk) return Outcome::kVanished;
    linux_proc::StatFields st;
    if (cut || !linux_proc::ParseStat(text, &st)) {
      errors_.Parse(pid_, "stat", Path("stat"));
      return Outcome::kVanished;
    }
    FillStat(st, s);
    if (!req.groups.has(FieldGroup::kMemory)) StatMemory(st, s);

    const bool status = req.groups.has(FieldGroup::kStatus);
    if (!status) OwnerUid(pid_fd, s);
    const bool memory = req.groups.has(FieldGroup::kMemory);
    if (s->state == ProcessState::kZombie || s->state == ProcessState::kDead) {
      // A zombie has released its memory, files and io accounting, but its
      // status still names its owner (and its context switches, which are
      // the dead task's own): psutil reads uids of zombies too.
      MarkZombie(req, s);
      if (status && !ReadStatus(pid_fd, true, false, s)) return Outcome::kVanished;
      // Its run and wait times are the dead task's own, final figures.
      if (req.groups.has(FieldGroup::kSchedstat) && !ReadSchedstat(pid_fd, s)) return Outcome::kVanished;
      return Outcome::kOk;
    }
    if ((status || memory) && !ReadStatus(pid_fd, status, memory, s)) return Outcome::kVanished;
    if (req.groups.has(FieldGroup::kIo)) {
      if (missing_.io) MarkIo(FieldState::kUnsupported, s);
      else if (!ReadIo(pid_fd, s)) return Outcome::kVanished;
    }
    if (req.groups.has(FieldGroup::kFds) && !ReadFds(pid_fd, s)) return Outcome::kVanished;
    if (req.groups.has(FieldGroup::kLimits)) {
      if (missing_.limits) s->max_fds.mark(FieldState::kUnsupported);
      else if (!ReadLimits(pid_fd, s)) return Outcome::kVanished;
    }
    if (req.groups.has(FieldGroup::kExe) && !ReadExe(pid_fd, s)) return Outcome::kVanished;
    if (req.groups.has(FieldGroup::kCmdline) &&
        !ReadRaw(pid_fd, "cmdline", &s->cmdline, std::min(req.cmdline_max_bytes, kMaxFileBytes), &s->cmdline_cut))
      return Outcome::kVanished;
    if (req.groups.has(FieldGroup::kCgroup) && !ReadCgroup(pid_fd, s)) return Outcome::kVanished;
    if (req.groups.has(FieldGroup::kSchedstat) && !ReadSchedstat(pid_fd, s)) return Outcome::kVanished;
    if (req.groups.has(FieldGroup::kOomScoreAdj) && !ReadOomScoreAdj(pid_fd, s)) return Outcome::kVanished;
    return Outcome::kOk;
  }

 private:
  // kMissing: ENOENT for a process that is still there, so this kernel
  // has no such file for it; its fields are unsupported, not failed.
  // kDenied: psutil's AccessDenied; the process is kept, the fields that
  // file feeds are absent (failed) and the error was counted.
  enum class FileRead { kOk, kFailed, kDenied, kMissing, kVanished };

  static FieldState StateAfter(FileRead r) {
    return r == FileRead::kMissing ? FieldState::kUnsupported : FieldState::kFailed;
  }

  // What a failed syscall on one of the process' files means; counted by the caller.
  // ENOENT on the pid's directory means the process is gone only if stat
  // is gone too: a kernel can lack io, limits or cgroup for a live process.
  // A process that exits mid-read fails the check and is dropped whole.
  static FileRead Classify(int pid_fd, int err) {
    if (err == ENOENT) return linux_proc::PidDirGone(pid_fd) ? FileRead::kVanished : FileRead::kMissing;
    switch (TranslateErrno(err)) {
      case ErrorKind::kVanished: return FileRead::kVanished;
      case ErrorKind::kAccessDenied: return FileRead::kDenied;
      case ErrorKind::kOther: break;
    }
    return FileRead::kFailed;
  }

  std::string Path(std::string_view file) const {
    std::string p(dir_path_);
    p += '/';
    p += file;
    return p;
  }

  // Every failed syscall is counted here, once. *cut (when given) says the
  // file went on past max_bytes; past the 1 MiB default that is more than the
  // kernel writes in a stat, status, io or limits file, so those count it as malformed.
  // one_show: see ReadBuffer::ReadAt; the files parsed here (stat, status,
  // io, limits) are all single_open files. Skipping each one's read that
  // returns 0 takes one syscall of four per file: at 2,000 processes with
  // stat, status and io read, 6,000 fewer reads a scrape (strace -c: 14 to
  // 11 syscalls per process): 211 to 197 ms CPU per scrape at 4,200 processes.
  FileRead ReadFile(int pid_fd, const char* name, std::string_view source, std::string_view* text,
                    bool* cut = nullptr, std::size_t max_bytes = kMaxFileBytes, bool one_show = false) {
    SyscallFailure fail;
    if (buf_.ReadAt(pid_fd, name, text, &fail, max_bytes, cut, one_show)) return FileRead::kOk;
    Record(fail, source, name);
    *text = {};
    return Classify(pid_fd, fail.err);
  }

  // Reads and parses one file: kOk with *parsed filled, or why not (a file
  // that does not parse is kFailed, counted as a parse error of its source).
  template <typename Parsed, typename ParseFn>
  FileRead ReadParsed(int pid_fd, const char* name, ParseFn parse, Parsed* parsed) {
    std::string_view text;
    bool cut = false;
    FileRead r = ReadFile(pid_fd, name, name, &text, &cut, kMaxFileBytes, true);
    if (r != FileRead::kOk) return r;
    if (!cut && parse(text, parsed)) return FileRead::kOk;
    errors_.Parse(pid_, name, Path(name));
    return FileRead::kFailed;
  }

  void Record(const SyscallFailure& fail, std::string_view source, const char* name) {
    errors_.Syscall(pid_, fail.syscall, source, Path(name), fail.err);
  }

  double Ticks(std::uint64_t t) const { return static_cast<double>(t) / ticks_; }

  void FillStat(const linux_proc::StatFields& st, ProcessSample* s) {
    s->pid = st.pid;
    s->ppid = st.ppid;
    s->comm = st.comm;
    s->state = StateFromChar(st.state);
    s->kernel_thread = (st.flags & kPfKthread) != 0;
    s->start_time_ticks = st.starttime;
    s->start_time_seconds = boot_time_ + Ticks(st.starttime);
    s->cpu_user_seconds.set(Ticks(st.utime));
    s->cpu_system_seconds.set(Ticks(st.stime));
    // cutime/cstime are signed in the kernel's format but never negative in practice.
    s->children_user_seconds.set(Ticks(static_cast<std::uint64_t>(std::max<std::int64_t>(st.cutime, 0))));
    s->children_system_seconds.set(Ticks(static_cast<std::uint64_t>(std::max<std::int64_t>(st.cstime, 0))));
    if (st.delayacct_blkio_ticks) s->blkio_delay_seconds.set(Ticks(*st.delayacct_blkio_ticks));
    else s->blkio_delay_seconds.mark(FieldState::kUnsupported);
    s->minor_faults.set(st.minflt);
    s->major_faults.set(st.majflt);
    s->children_minor_faults.set(st.cminflt);
    s->children_major_faults.set(st.cmajflt);
    s->threads.set(st.num_threads);
    s->nice.set(st.nice);
  }

  // Without the memory group, rss and vms from stat: the same figures as
  // status' VmRSS and VmSize (both from the mm), so a process read without
  // status still has them for ranking and totals. Kernel threads and
  // zombies have no address space: their stat's 0 would be a made-up value.
  void StatMemory(const linux_proc::StatFields& st, ProcessSample* s) const {
    if (s->kernel_thread || s->state == ProcessState::kZombie || s->state == ProcessState::kDead) return;
    s->memory_rss_bytes.set(st.rss_pages * page_size_);
    s->memory_vms_bytes.set(st.vsize);
  }

  // Without status, the uid is the owner of /proc/[pid]: one fstat of the fd
  // already open instead of reading and parsing status (at 2,000 processes
  // status costs the floor reader about 18 ms a pass, the fstat well under
  // 1 ms). procfs gives the directory the effective uid, or root for a
  // process that is not dumpable (setuid programs, PR_SET_DUMPABLE 0), where
  // status' first Uid field is the real uid; a read with status keeps that.
  void OwnerUid(int pid_fd, ProcessSample* s) {
    struct stat st;
    if (::fstat(pid_fd, &st) == 0) {
      s->uid.set(static_cast<std::uint32_t>(st.st_uid));
      return;
    }
    errors_.Syscall(pid_, "fstat", "owner", dir_path_, errno);
    s->uid.mark(FieldState::kFailed);
  }

  // Everything but status (read by the caller): gone with the zombie's memory and files.
  static void MarkZombie(const ScanRequest& req, ProcessSample* s) {
    constexpr FieldState kNone = FieldState::kUnsupported;
    if (req.groups.has(FieldGroup::kMemory))
      Mark(kNone, s->memory_rss_bytes, s->memory_vms_bytes, s->memory_shared_bytes, s->memory_text_bytes,
           s->memory_data_bytes, s->memory_swap_bytes);
    if (req.groups.has(FieldGroup::kIo)) MarkIo(kNone, s);
    if (req.groups.has(FieldGroup::kFds)) s->open_fds.mark(kNone);
    if (req.groups.has(FieldGroup::kLimits)) s->max_fds.mark(kNone);
    if (req.groups.has(FieldGroup::kExe)) s->exe.mark(kNone);
    if (req.groups.has(FieldGroup::kCmdline)) s->cmdline.mark(kNone);
    if (req.groups.has(FieldGroup::kCgroup)) s->cgroup.mark(kNone);
    if (req.groups.has(FieldGroup::kOomScoreAdj)) s->oom_score_adj.mark(kNone);
  }

  template <typename T>
  static void SetOr(Field<T>& field, const std::optional<T>& v, FieldState otherwise) {
    if (v) field.set(*v);
    else field.mark(otherwise);
  }

  // status feeds the status group (uid, context switches) and the memory
  // group; `status`/`memory` say which of them to fill.
  bool ReadStatus(int pid_fd, bool status, bool memory, ProcessSample* s) {
    linux_proc::StatusFields f;
    const FileRead r = ReadParsed(pid_fd, "status", linux_proc::ParseStatus, &f);
    if (r == FileRead::kVanished) return false;
    if (r != FileRead::kOk) {
      const FieldState st = StateAfter(r);
      if (status) Mark(st, s->uid, s->voluntary_ctxt_switches, s->involuntary_ctxt_switches);
      if (memory)
        Mark(st, s->memory_swap_bytes, s->memory_rss_bytes, s->memory_vms_bytes, s->memory_shared_bytes,
             s->memory_text_bytes, s->memory_data_bytes);
      return true;
    }
    if (status) {
      SetOr(s->uid, f.real_uid, FieldState::kFailed);
      SetOr(s->voluntary_ctxt_switches, f.voluntary_ctxt_switches, FieldState::kUnsupported);
      SetOr(s->involuntary_ctxt_switches, f.nonvoluntary_ctxt_switches, FieldState::kUnsupported);
    }
    if (memory) {
      // Kernel threads have no address space and no Vm*/Rss* lines.
      SetOr(s->memory_swap_bytes, f.vm_swap_bytes, FieldState::kUnsupported);
      SetOr(s->memory_rss_bytes, f.vm_rss_bytes, FieldState::kUnsupported);
      SetOr(s->memory_vms_bytes, f.vm_size_bytes, FieldState::kUnsupported);
      SetOr(s->memory_text_bytes, f.vm_exe_bytes, FieldState::kUnsupported);
      if (f.rss_file_bytes && f.rss_shmem_bytes) s->memory_shared_bytes.set(*f.rss_file_bytes + *f.rss_shmem_bytes);
      else s->memory_shared_bytes.mark(FieldState::kUnsupported);
      if (f.vm_data_bytes && f.vm_stk_bytes) s->memory_data_bytes.set(*f.vm_data_bytes + *f.vm_stk_bytes);
      else s->memory_data_bytes.mark(FieldState::kUnsupported);
    }
    return true;
  }

  bool ReadIo(int pid_fd, ProcessSample* s) {
    linux_proc::IoFields f;
    const FileRead r = ReadParsed(pid_fd, "io", linux_proc::ParseIo, &f);
    if (r == FileRead::kVanished) return false;
    if (r != FileRead::kOk) {
      MarkIo(StateAfter(r), s);
      return true;
    }
    s->io_read_bytes.set(f.read_bytes);
    s->io_write_bytes.set(f.write_bytes);
    s->io_read_chars.set(f.rchar);
    s->io_write_chars.set(f.wchar);
    s->io_read_syscalls.set(f.syscr);
    s->io_write_syscalls.set(f.syscw);
    return true;
  }

  bool ReadFds(int pid_fd, ProcessSample* s) {
    SyscallFailure fail;
    std::uint64_t n = 0;
    if (buf_.CountDirEntries(pid_fd, "fd", &n, &fail)) {
      s->open_fds.set(n);
      return true;
    }
    Record(fail, "fd", "fd");
    const FileRead r = Classify(pid_fd, fail.err);
    if (r == FileRead::kVanished) return false;
    s->open_fds.mark(StateAfter(r));
    return true;
  }

  // Kernel threads have no executable: readlink answers ENOENT for a live
  // process, which is not a vanished one, so that case is checked via stat's flags.
  bool ReadExe(int pid_fd, ProcessSample* s) {
    char target[4096];
    ssize_t n = ::readlinkat(pid_fd, "exe", target, sizeof target);
    if (n >= 0) {
      s->exe.set(std::string(target, static_cast<std::size_t>(n)));
      return true;
    }
    const int err = errno;
    if (err == ENOENT && s->kernel_thread) {
      s->exe.mark(FieldState::kUnsupported);
      return true;
    }
    Record({"readlinkat", err}, "exe", "exe");
    const FileRead r = Classify(pid_fd, err);
    if (r == FileRead::kVanished) return false;
    s->exe.mark(StateAfter(r));
    return true;
  }

  // A file kept as raw bytes (cmdline, cgroup); at most max_bytes are read,
  // and *cut (when given) says the file went on.
  bool ReadRaw(int pid_fd, const char* name, Field<std::string>* field, std::size_t max_bytes = kMaxFileBytes,
               bool* cut = nullptr) {
    std::string_view text;
    FileRead r = ReadFile(pid_fd, name, name, &text, cut, max_bytes);
    if (r == FileRead::kVanished) return false;
    if (r == FileRead::kOk) field->set(std::string(text));
    else field->mark(StateAfter(r));
    return true;
  }

  // The model holds the cgroup path, not the file's format.
  bool ReadCgroup(int pid_fd, ProcessSample* s) {
    std::string_view text;
    const FileRead r = ReadFile(pid_fd, "cgroup", "cgroup", &text, nullptr, kMaxFileBytes);
    if (r == FileRead::kVanished) return false;
    if (r == FileRead::kOk) s->cgroup.set(CgroupPath(text));
    else s->cgroup.mark(StateAfter(r));
    return true;
  }

  bool ReadLimits(int pid_fd, ProcessSample* s) {
    std::optional<std::uint64_t> soft;
    const FileRead r = ReadParsed(pid_fd, "limits", linux_proc::ParseLimitsMaxOpenFiles, &soft);
    if (r == FileRead::kVanished) return false;
    if (r == FileRead::kOk) s->max_fds.set(soft ? static_cast<double>(*soft) : std::numeric_limits<double>::infinity());
    else s->max_fds.mark(StateAfter(r));
    return true;
  }

  // A kernel without CONFIG_SCHED_INFO has no schedstat: unsupported, told
  // once at open (MissingFiles), not an error per process.
  bool ReadSchedstat(int pid_fd, ProcessSample* s) {
    if (missing_.schedstat) {
      Mark(FieldState::kUnsupported, s->sched_run_seconds, s->sched_wait_seconds);
      return true;
    }
    linux_proc::SchedstatFields f;
    const FileRead r = ReadParsed(pid_fd, "schedstat", linux_proc::ParseSchedstat, &f);
    if (r == FileRead::kVanished) return false;
    if (r != FileRead::kOk) {
      Mark(StateAfter(r), s->sched_run_seconds, s->sched_wait_seconds);
      return true;
    }
    s->sched_run_seconds.set(static_cast<double>(f.run_ns) / 1e9);
    s->sched_wait_seconds.set(static_cast<double>(f.wait_ns) / 1e9);
    return true;
  }

  bool ReadOomScoreAdj(int pid_fd, ProcessSample* s) {
    std::int64_t v = 0;
    const FileRead r = ReadParsed(pid_fd, "oom_score_adj", linux_proc::ParseOomScoreAdj, &v);
    if (r == FileRead::kVanished) return false;
    if (r == FileRead::kOk) s->oom_score_adj.set(v);
    else s->oom_score_adj.mark(StateAfter(r));
    return true;
  }

  ScanErrors& errors_;
  double ticks_;
  double boot_time_;
  LinuxProbe::MissingFiles missing_;
  std::uint64_t page_size_ = PageSize();
  ReadBuffer buf_;
  std::int64_t pid_ = 0;
  std::string_view dir_path_;
};

ProcessReader::ProcessReader(ScanErrors& errors, double ticks, double boot_time, LinuxProbe::MissingFiles missing)
    : impl_(std::make_unique<Impl>(errors, ticks, boot_time, missing)) {}

ProcessReader::~ProcessReader() = default;

ProcessReader::Outcome ProcessReader::Read(int pid_fd, std::int64_t pid, std::string_view dir_path,
                                           const ScanRequest& req, ProcessSample* s) {
  return impl_->Read(pid_fd, pid, dir_path, req, s);
}

}  // namespace proctree
