#include "probes/os/linux/proc_files.h"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace proctree::linux_proc {

bool PidDirGone(int pid_fd) {
  // fstatat opens nothing and reads nothing: one lookup in the pid directory,
  // which procfs refuses once the task is reaped (ESRCH on Linux 6.18;
  // ENOENT when the directory itself is gone).
  struct stat st;
  if (::fstatat(pid_fd, "stat", &st, AT_SYMLINK_NOFOLLOW) == 0) return false;
  return errno == ENOENT || errno == ESRCH;
}

bool ReadBuffer::ReadAt(int dirfd, const char* name, std::string_view* text, SyscallFailure* fail,
                        std::size_t max_bytes, bool* cut, bool one_show) {
  int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    *fail = {"openat", errno};
    return false;
  }
  if (cut) *cut = false;
  std::size_t used = 0;
  for (;;) {
    if (used >= max_bytes) {  // oversized: keep the first max_bytes
      char more;
      if (cut) *cut = ::read(fd, &more, 1) > 0;
      break;
    }
    if (used == data_.size()) data_.resize(std::min(data_.size() * 2, max_bytes));
    // The buffer may have grown past max_bytes in an earlier call.
    const std::size_t room = std::min(data_.size(), max_bytes) - used;
    ssize_t n = ::read(fd, data_.data() + used, room);
    if (n < 0) {
      if (errno == EINTR) continue;
      *fail = {"read", errno};
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
    if (one_show && static_cast<std::size_t>(n) < room) break;
  }
  ::close(fd);
  *text = std::string_view(data_.data(), used);
  return true;
}

bool ReadBuffer::CountDirEntries(int dirfd, const char* name, std::uint64_t* count,
                                 SyscallFailure* fail) {
  int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    *fail = {"openat", errno};
    return false;
  }
  std::uint64_t n_entries = 0;
  const bool ok = ForEachDirEntry(fd, data_, fail, [&](const char* nm) {
    const bool dot = nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0));
    if (!dot) ++n_entries;
  });
  if (!ok) {
    ::close(fd);
    return false;
  }
  ::close(fd);
  *count = n_entries;
  return true;
}

long GetDents64(int fd, char* buf, std::size_t size) { return ::syscall(SYS_getdents64, fd, buf, size); }

}  // namespace proctree::linux_proc
