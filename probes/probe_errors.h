#pragma once
// Error accounting for probes. psutil 5.6 put the failing syscall's name into
// every OSError; we count each failure by (syscall, source, errno) so an
// operator can see what the exporter could not read, and why.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace proctree {

// How the probe boundary translates an errno, once, for every OS module.
// ENOENT is ambiguous for a file under a process' directory: the process is
// gone, or the kernel has no such file for it (Linux without io accounting),
// so the Linux module confirms it against the process' stat before dropping
// the process (linux_proc::PidDirGone).
enum class ErrorKind {
  kVanished,      // the process is gone: drop it from this scrape
  kAccessDenied,  // keep what was read, omit what was not
  kOther,         // the read failed for another reason: omit the field
};

ErrorKind TranslateErrno(int err);
std::string_view ErrnoName(int err);  // "ENOENT", "EACCES", ... or "E<number>"

struct SyscallErrorKey {
  std::string syscall;
  std::string source;
  std::string err;
  bool operator<(const SyscallErrorKey& o) const {
    return std::tie(syscall, source, err) < std::tie(o.syscall, o.source, o.err);
  }
};

// Collects one scan's errors without locking; merged into the totals once.
class ScanErrors {
 public:
  using DebugSink = std::function<void(std::int64_t pid, std::string_view syscall,
                                       std::string_view path, std::string_view err)>;

  explicit ScanErrors(DebugSink sink = nullptr) : sink_(std::move(sink)) {}

  void Syscall(std::int64_t pid, std::string_view syscall, std::string_view source,
               std::string_view path, int err);
  // An error already named (an OS without errnos: "ERROR_ACCESS_DENIED",
  // "STATUS_ACCESS_DENIED"); the name must come from a bounded table.
  void SyscallNamed(std::int64_t pid, std::string_view syscall, std::string_view source,
                    std::string_view path, std::string_view err_name);
  void Parse(std::int64_t pid, std::string_view source, std::string_view path);

  const std::map<SyscallErrorKey, std::uint64_t>& syscall_errors() const { return syscall_; }
  const std::map<std::string, std::uint64_t>& parse_errors() const { return parse_; }

 private:
  DebugSink sink_;
  std::map<SyscallErrorKey, std::uint64_t> syscall_;
  std::map<std::string, std::uint64_t> parse_;
};

// Cumulative counts across scrapes, one scrape at a time.
class ErrorTotals {
 public:
  void Merge(const ScanErrors& scan);
  std::map<SyscallErrorKey, std::uint64_t> syscall_errors() const;
  std::map<std::string, std::uint64_t> parse_errors() const;

 private:
  std::map<SyscallErrorKey, std::uint64_t> syscall_;
  std::map<std::string, std::uint64_t> parse_;
};

}  // namespace proctree
