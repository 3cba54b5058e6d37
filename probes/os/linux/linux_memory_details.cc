#include "probes/os/linux/linux_probe.h"

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
#include "probes/os/linux/smaps_parser.h"

namespace proctree {

using linux_proc::ReadBuffer;
using linux_proc::SyscallFailure;

namespace {

// Streams smaps through the grouper in chunks: a process with 100k mappings
// has a smaps file of ~100 MB, which must not be held in memory at once.
bool StreamSmaps(int pid_fd, linux_proc::SmapsGrouper* g, SyscallFailure* fail, bool* malformed) {
  int fd = ::openat(pid_fd, "smaps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *fail = {"openat", errno};
    return false;
  }
  std::vector<char> buf(256 * 1024);
  std::string carry;
  *malformed = false;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      *fail = {"read", errno};
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
    while (!chunk.empty()) {
      std::size_t nl = chunk.find('\n');
      if (nl == std::string_view::npos) {
        carry.append(chunk);
        break;
      }
      std::string_view line = chunk.substr(0, nl);
      chunk.remove_prefix(nl + 1);
      if (!carry.empty()) {
        carry.append(line);
        *malformed = *malformed || !g->Line(carry);
        carry.clear();
      } else {
        *malformed = *malformed || !g->Line(line);
      }
    }
  }
  if (!carry.empty()) *malformed = *malformed || !g->Line(carry);
  ::close(fd);
  return true;
}

// The probe boundary for memory details: psutil's three outcomes (no such
// process, access denied, other) from one errno.
DetailOutcome DetailOutcomeOf(int err) {
  switch (TranslateErrno(err)) {
    case ErrorKind::kVanished: return DetailOutcome::kVanished;
    case ErrorKind::kAccessDenied: return DetailOutcome::kAccessDenied;
    case ErrorKind::kOther: break;
  }
  return DetailOutcome::kFailed;
}

}  // namespace

DetailOutcome LinuxProbe::ReadMemoryDetails(const ProcessKey& key, bool maps, MemoryDetails* out,
                                            ScanErrors& errors) const {
  // Without smaps nothing can be read; without smaps_rollup, smaps is read directly.
  if (maps ? missing_.smaps : (missing_.smaps && missing_.smaps_rollup)) return DetailOutcome::kUnsupported;
  const std::string name = std::to_string(key.pid);
  int pid_fd = ::openat(root_fd_, name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (pid_fd < 0) {
    errors.Syscall(key.pid, "openat", "smaps", name, errno);
    return DetailOutcome::kVanished;
  }
  auto done = [&](DetailOutcome o) {
    ::close(pid_fd);
    return o;
  };
  auto fail = [&](const SyscallFailure& f, const char* file) {
    errors.Syscall(key.pid, f.syscall, file, name + "/" + file, f.err);
    return done(DetailOutcomeOf(f.err));
  };
  // The pid must still name the process that was scanned.
  ReadBuffer buf(4096);
  std::string_view text;
  SyscallFailure f;
  if (!buf.ReadAt(pid_fd, "stat", &text, &f)) return fail(f, "stat");
  linux_proc::StatFields st;
  if (!linux_proc::ParseStat(text, &st) || st.starttime != key.start) return done(DetailOutcome::kVanished);

  *out = MemoryDetails{};
  if (!maps && !missing_.smaps_rollup) {
    if (buf.ReadAt(pid_fd, "smaps_rollup", &text, &f)) {
      if (linux_proc::ParseSmapsRollup(text, out)) return done(DetailOutcome::kOk);
      errors.Parse(key.pid, "smaps_rollup", name + "/smaps_rollup");
      return done(DetailOutcome::kFailed);
    }
    // psutil's fallback: no smaps_rollup (before Linux 4.14), or ENOENT/ESRCH
    // from it for a process that is still there.
    if (TranslateErrno(f.err) != ErrorKind::kVanished) return fail(f, "smaps_rollup");
    errors.Syscall(key.pid, f.syscall, "smaps_rollup", name + "/smaps_rollup", f.err);
  }
  linux_proc::SmapsGrouper g;
  bool malformed = false;
  if (!StreamSmaps(pid_fd, &g, &f, &malformed)) return fail(f, "smaps");
  if (malformed) {
    errors.Parse(key.pid, "smaps", name + "/smaps");
    return done(DetailOutcome::kFailed);
  }
  g.Finish(out);
  if (!maps) {
    out->has_maps = false;
    out->maps.clear();
  }
  return done(DetailOutcome::kOk);
}

}  // namespace proctree
