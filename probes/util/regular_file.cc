#include "probes/util/regular_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "probes/util/regular_file_os.h"

namespace proctree {

namespace {

std::string TooLarge(std::size_t max_bytes) {
  return "is larger than " + std::to_string(max_bytes) + " bytes, the limit";
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads to the end, but never more than max_bytes + 1 bytes: the file may
// grow after fstat, and the extra byte tells that it did.
bool ReadAll(int fd, std::size_t max_bytes, std::string* out, std::string* reason) {
  out->clear();
  char buf[16384];
  for (;;) {
    const std::size_t want = std::min(sizeof(buf), max_bytes + 1 - out->size());
    const ssize_t n = ::read(fd, buf, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *reason = std::string("cannot read: ") + std::strerror(errno);
      return false;
    }
    if (n == 0) return true;
    out->append(buf, static_cast<std::size_t>(n));
    if (out->size() > max_bytes) {
      *reason = TooLarge(max_bytes);
      return false;
    }
  }
}

}  // namespace

RegularFileRead ReadRegularFile(const std::string& path, std::size_t max_bytes, std::string* out,
                                std::string* reason) {
  Fd f{OpenForReading(path)};
  if (f.fd < 0) {
    const int e = errno;
    *reason = std::strerror(e);
    errno = e;
    return RegularFileRead::kCannotOpen;
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) {
    *reason = std::string("cannot stat: ") + std::strerror(errno);
    return RegularFileRead::kRejected;
  }
  if (!S_ISREG(st.st_mode)) {
    *reason = std::string("is ") + FileTypeName(st.st_mode) + ", not a regular file";
    return RegularFileRead::kRejected;
  }
  if (st.st_size < 0 || static_cast<std::uint64_t>(st.st_size) > max_bytes) {
    *reason = TooLarge(max_bytes);
    return RegularFileRead::kRejected;
  }
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  if (!ReadAll(f.fd, max_bytes, &text, reason)) return RegularFileRead::kRejected;
  *out = std::move(text);
  return RegularFileRead::kOk;
}

}  // namespace proctree
