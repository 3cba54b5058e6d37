#include "probes/probe_errors.h"

#include <cerrno>
#include <cstdio>

namespace proctree {

ErrorKind TranslateErrno(int err) {
  switch (err) {
    case ENOENT:
    case ESRCH:
      return ErrorKind::kVanished;
    case EACCES:
    case EPERM:
      return ErrorKind::kAccessDenied;
    default:
      return ErrorKind::kOther;
  }
}

std::string_view ErrnoName(int err) {
  switch (err) {
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EIO: return "EIO";
    case EINVAL: return "EINVAL";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case EINTR: return "EINTR";
    case EAGAIN: return "EAGAIN";
    case ELOOP: return "ELOOP";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EFAULT: return "EFAULT";
    case EBADF: return "EBADF";
    case EOVERFLOW: return "EOVERFLOW";
    case EFBIG: return "EFBIG";
    case ENODEV: return "ENODEV";
    case ENXIO: return "ENXIO";
    default: break;
  }
  // Unnamed errnos are rare; a fixed table of names keeps label values bounded.
  static thread_local char buf[16];
  std::snprintf(buf, sizeof buf, "E%d", err);
  return buf;
}

void ScanErrors::Syscall(std::int64_t pid, std::string_view syscall, std::string_view source,
                         std::string_view path, int err) {
  SyscallNamed(pid, syscall, source, path, ErrnoName(err));
}

void ScanErrors::SyscallNamed(std::int64_t pid, std::string_view syscall, std::string_view source,
                              std::string_view path, std::string_view name) {
  ++syscall_[SyscallErrorKey{std::string(syscall), std::string(source), std::string(name)}];
  if (sink_) sink_(pid, syscall, path, name);
}

void ScanErrors::Parse(std::int64_t pid, std::string_view source, std::string_view path) {
  ++parse_[std::string(source)];
  if (sink_) sink_(pid, "parse", path, "malformed");
}

void ErrorTotals::Merge(const ScanErrors& scan) {
  if (scan.syscall_errors().empty() && scan.parse_errors().empty()) return;
  for (const auto& [k, v] : scan.syscall_errors()) syscall_[k] += v;
  for (const auto& [k, v] : scan.parse_errors()) parse_[k] += v;
}

std::map<SyscallErrorKey, std::uint64_t> ErrorTotals::syscall_errors() const {
  return syscall_;
}

std::map<std::string, std::uint64_t> ErrorTotals::parse_errors() const {
  return parse_;
}

}  // namespace proctree
