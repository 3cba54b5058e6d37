// maps_workload: two processes with known memory maps for the memory-maps
// integration test (tests/integration/test_memory_maps.py).
//
//   maps_workload --dir DIR
//
// 1. Creates an 8 MiB memfd named "proctree-shared" (smaps path
//    "/memfd:proctree-shared (deleted)"), maps it MAP_SHARED and writes every
//    page.
// 2. Forks a sibling, comm "maps_sibling", that writes every page of the same
//    shared region: each page is mapped by both, so each one's Pss for the
//    region is 4 MiB. The sibling touches nothing else and exits when its
//    parent does (PR_SET_PDEATHSIG) or when the pipe from its parent closes.
// 3. Then, in the parent only (comm "maps_workload"): writes DIR/maps-file.bin
//    (32 MiB), maps it MAP_SHARED read-only and reads every page; maps 16 MiB
//    anonymous (MAP_PRIVATE, MADV_NOHUGEPAGE) and writes every page.
// 4. Prints "child <pid>", "file <path>", "ready <pid>" and waits for stdin
//    to close, then stops the sibling, removes the file and exits 0.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kMiB = 1 << 20;
constexpr std::size_t kShared = 8 * kMiB, kFile = 32 * kMiB, kAnon = 16 * kMiB;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "maps_workload: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

void TouchWrite(char* p, std::size_t len, char v) {
  const long page = ::sysconf(_SC_PAGESIZE);
  for (std::size_t off = 0; off < len; off += static_cast<std::size_t>(page)) p[off] = v;
}

unsigned long TouchRead(const volatile char* p, std::size_t len) {
  const long page = ::sysconf(_SC_PAGESIZE);
  unsigned long sum = 0;
  for (std::size_t off = 0; off < len; off += static_cast<std::size_t>(page)) sum += static_cast<unsigned char>(p[off]);
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc) dir = argv[++i];
  }
  if (dir.empty()) {
    std::fprintf(stderr, "usage: maps_workload --dir DIR\n");
    return 2;
  }
  ::prctl(PR_SET_NAME, "maps_workload", 0, 0, 0);

  int mfd = ::memfd_create("proctree-shared", MFD_CLOEXEC);
  if (mfd < 0) Die("memfd_create");
  if (::ftruncate(mfd, static_cast<off_t>(kShared)) != 0) Die("ftruncate memfd");
  char* shared = static_cast<char*>(::mmap(nullptr, kShared, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0));
  if (shared == MAP_FAILED) Die("mmap memfd");
  TouchWrite(shared, kShared, 1);

  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) Die("pipe2");
  const pid_t parent = ::getpid();
  pid_t child = ::fork();
  if (child < 0) Die("fork");
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (::getppid() != parent) _exit(0);
    ::prctl(PR_SET_NAME, "maps_sibling", 0, 0, 0);
    ::close(pipefd[1]);
    TouchWrite(shared, kShared, 2);
    char c;
    while (::read(pipefd[0], &c, 1) < 0 && errno == EINTR) {
    }
    _exit(0);
  }
  ::close(pipefd[0]);

  const std::string path = dir + "/maps-file.bin";
  {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) Die("open file");
    std::vector<char> chunk(kMiB, 'x');
    for (std::size_t done = 0; done < kFile; done += chunk.size()) {
      if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) Die("write file");
    }
    ::close(fd);
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) Die("open file for mmap");
  const char* file = static_cast<const char*>(::mmap(nullptr, kFile, PROT_READ, MAP_SHARED, fd, 0));
  if (file == MAP_FAILED) Die("mmap file");
  ::close(fd);
  volatile unsigned long sink = TouchRead(file, kFile);
  (void)sink;

  char* anon = static_cast<char*>(::mmap(nullptr, kAnon, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (anon == MAP_FAILED) Die("mmap anon");
  ::madvise(anon, kAnon, MADV_NOHUGEPAGE);
  TouchWrite(anon, kAnon, 3);

  std::printf("child %d\nfile %s\nready %d\n", static_cast<int>(child), path.c_str(), static_cast<int>(::getpid()));
  std::fflush(stdout);

  char buf[256];
  while (true) {
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  ::close(pipefd[1]);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  ::unlink(path.c_str());
  return 0;
}
