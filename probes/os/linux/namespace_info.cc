#include "probes/os/linux/namespace_info.h"

#include <sys/statfs.h>
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <sstream>

#include "probes/util/utf8.h"
#include "probes/os/linux/proc_files.h"
#include "probes/util/strings.h"

namespace proctree {

namespace {

constexpr long kProcSuperMagic = 0x9fa0;  // linux/magic.h PROC_SUPER_MAGIC

// Only what the kernel writes ("pid:[4026531836]") becomes a label; a
// captured tree's link could say anything.
std::string ReadNamespaceLink(const std::string& path) {
  char buf[64];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n <= 0 || static_cast<std::size_t>(n) >= sizeof buf) return "unknown";
  const std::string s(buf, static_cast<std::size_t>(n));
  // The inode number is an unsigned int: 1 to 10 digits.
  if (s.size() < 7 || s.size() > 16 || s.compare(0, 5, "pid:[") != 0 || s.back() != ']') return "unknown";
  for (std::size_t i = 5; i + 1 < s.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return "unknown";
  return s;
}

// Pids in the NSpid line of a status text; 0 when there is none.
int NspidCount(std::string_view status) {
  while (!status.empty()) {
    const std::string_view line = TakeLine(status);
    if (!StartsWith(line, "NSpid:")) continue;
    std::istringstream fields(std::string(line.substr(6)));
    int n = 0;
    std::string f;
    while (fields >> f) ++n;
    return n;
  }
  return 0;
}

}  // namespace

PidNamespaceInfo ReadPidNamespaceInfo(const std::string& procfs, const std::string& own_proc) {
  PidNamespaceInfo info;
  info.procfs = SanitizeUtf8(procfs);
  info.exporter_pid_namespace = ReadNamespaceLink(own_proc + "/self/ns/pid");
  info.procfs_pid_namespace = ReadNamespaceLink(procfs + "/1/ns/pid");

  struct statfs fs {};
  if (::statfs(procfs.c_str(), &fs) != 0) return info;
  if (static_cast<long>(fs.f_type) != kProcSuperMagic) {
    info.view = ProcfsView::kNotProcfs;
    return info;
  }
  // <procfs>/self resolves only for a reader the namespace can number.
  char self[32];
  const ssize_t n = ::readlink((procfs + "/self").c_str(), self, sizeof self - 1);
  if (n <= 0) {
    if (errno == ENOENT) info.view = ProcfsView::kOther;
    return info;
  }
  const std::string status_path = procfs + "/" + std::string(self, static_cast<std::size_t>(n)) + "/status";
  linux_proc::ReadBuffer buf;
  linux_proc::SyscallFailure fail;
  std::string_view status;
  if (!buf.ReadAt(AT_FDCWD, status_path.c_str(), &status, &fail)) status = {};
  const int levels = NspidCount(status);
  if (levels == 1) {
    info.view = ProcfsView::kOwn;
    if (info.procfs_pid_namespace == "unknown") info.procfs_pid_namespace = info.exporter_pid_namespace;
  } else if (levels > 1) {
    info.view = ProcfsView::kAncestor;
    info.levels_up = levels - 1;
  } else if (info.procfs_pid_namespace != "unknown" && info.procfs_pid_namespace == info.exporter_pid_namespace) {
    info.view = ProcfsView::kOwn;  // a kernel before 4.1 has no NSpid line
  }
  return info;
}

std::string DescribePidNamespaceInfo(const PidNamespaceInfo& info) {
  switch (info.view) {
    case ProcfsView::kOwn:
      return "the procfs shows the exporter's own pid namespace: the processes of its container when it runs in "
             "one (give it the host's /proc, or the host's pid namespace, to see the host's)";
    case ProcfsView::kAncestor:
      return "the procfs shows a pid namespace " + std::to_string(info.levels_up) +
             " level(s) above the exporter's (the host's, for a container given the host's /proc): its processes "
             "and those of every namespace below it, with pids as that namespace numbers them";
    case ProcfsView::kOther:
      return "the exporter is not in the pid namespace the procfs shows (another container's?): it sees those "
             "processes, not its own";
    case ProcfsView::kNotProcfs:
      return "the procfs path is not a procfs mount (a captured tree?): it shows whatever was captured there";
    case ProcfsView::kUnknown:
      break;
  }
  return "cannot tell which pid namespace the procfs shows";
}

}  // namespace proctree
