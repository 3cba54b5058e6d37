#pragma once
// Raw access to /proc files with one reusable buffer per scan: openat
// relative to a directory fd, read to EOF, report which syscall failed.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace proctree::linux_proc {

struct SyscallFailure {
  const char* syscall = nullptr;  // "openat", "read", "getdents64", "close"
  int err = 0;
};

// Whether the process whose /proc/<pid> directory `pid_fd` holds is gone
// (reaped, or the directory removed): stat, which every process has, zombies
// included, no longer answers through that fd. The fd pins the process, not
// its number, so a new process that reused the pid cannot answer for it.
// Call it after an ENOENT, which means either that or a file this kernel
// lacks; false when the check itself fails for another reason.
bool PidDirGone(int pid_fd);

// Reads the entries of the open directory `fd` (getdents64, in `buf`) and
// calls on_entry(name) for each, "." and ".." included. False with *fail when
// a read fails; the entries before it have been passed on.
template <typename OnEntry>
bool ForEachDirEntry(int fd, std::vector<char>& buf, SyscallFailure* fail, OnEntry on_entry);

class ReadBuffer {
 public:
  explicit ReadBuffer(std::size_t initial = 16 * 1024) : data_(initial) {}
  // Reads the whole file `name` under `dirfd` (up to max_bytes; a longer file
  // is cut there, and *cut, when given, says so). On failure returns false
  // and fills *fail. one_show: the file is a procfs single_open file (stat,
  // status, io, limits, statm, smaps_rollup), which the kernel formats whole
  // and hands out from the start, so a read that does not fill the buffer
  // has reached its end and the read that would return 0 is skipped. Not
  // for record-by-record files (maps, smaps, mountinfo), whose reads may
  // stop short of the end.
  bool ReadAt(int dirfd, const char* name, std::string_view* text, SyscallFailure* fail,
              std::size_t max_bytes = 1 << 20, bool* cut = nullptr, bool one_show = false);
  // Counts the entries of directory `name` under `dirfd`, skipping "." and "..".
  bool CountDirEntries(int dirfd, const char* name, std::uint64_t* count, SyscallFailure* fail);
  char* data() { return data_.data(); }
  std::size_t capacity() const { return data_.size(); }

 private:
  std::vector<char> data_;
};

// getdents64's record (linux_dirent64, which glibc does not declare).
struct LinuxDirent64 {
  std::uint64_t d_ino;
  std::int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};
long GetDents64(int fd, char* buf, std::size_t size);

template <typename OnEntry>
bool ForEachDirEntry(int fd, std::vector<char>& buf, SyscallFailure* fail, OnEntry on_entry) {
  for (;;) {
    const long n = GetDents64(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      *fail = {"getdents64", errno};
      return false;
    }
    if (n == 0) return true;
    for (long off = 0; off < n;) {
      const auto* d = reinterpret_cast<const LinuxDirent64*>(buf.data() + off);
      on_entry(static_cast<const char*>(d->d_name));
      off += d->d_reclen;
    }
  }
}

}  // namespace proctree::linux_proc
