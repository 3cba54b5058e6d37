// workload: a process with known figures for the integration tests.
//
//   workload --dir DIR [--mem-mib N] [--write-mib N] [--fds N] [--threads N] [--children N]
//            [--comm NAME] [--uid UID]
//
// Allocates and touches --mem-mib MiB (default 64), writes --write-mib MiB
// (default 8) to a file in DIR and fsyncs it, opens --fds extra descriptors on
// /dev/null (default 50), starts --threads extra blocked threads (default 4),
// forks --children children (default 0) that do nothing but wait, then prints
// "child <pid>" per child and "ready <pid>" on stdout and waits until stdin
// reaches EOF. --comm sets the process name (prctl PR_SET_NAME; any bytes,
// at most 15 are kept) after the children are forked. --uid switches the
// real, effective and saved uid and gid (needs root) just before "ready". Then it joins its threads, removes its file, reaps its
// children and exits 0. Any setup failure exits 1 with a message on stderr.
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "workload: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "workload: %s\nusage: workload --dir DIR [--mem-mib N] [--write-mib N] [--fds N] "
               "[--threads N] [--children N] [--comm NAME] [--uid UID]\n",
               why.c_str());
  std::exit(2);
}

long ParseCount(const std::string& flag, const char* v) {
  char* end = nullptr;
  errno = 0;
  long n = std::strtol(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || n < 0 || n > 1 << 20) Usage("bad value for " + flag + ": " + v);
  return n;
}

// Blocks until stdin reaches EOF (or fails); data read is discarded.
void WaitForStdinEof() {
  char buf[256];
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n == 0) return;
    if (n < 0 && errno != EINTR) return;
  }
}

bool WriteAll(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  const char* comm = nullptr;
  long mem_mib = 64, write_mib = 8, fds = 50, threads = 4, children = 0, uid = -1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) Usage("flag " + a + " needs a value");
    const char* v = argv[++i];
    if (a == "--dir") dir = v;
    else if (a == "--mem-mib") mem_mib = ParseCount(a, v);
    else if (a == "--write-mib") write_mib = ParseCount(a, v);
    else if (a == "--fds") fds = ParseCount(a, v);
    else if (a == "--threads") threads = ParseCount(a, v);
    else if (a == "--children") children = ParseCount(a, v);
    else if (a == "--comm") comm = v;
    else if (a == "--uid") uid = ParseCount(a, v);
    else Usage("unknown flag " + a);
  }
  if (dir.empty() && write_mib > 0) Usage("--dir is required when --write-mib > 0");

  // Children first, so they do not inherit the memory, file or threads.
  std::vector<pid_t> kids;
  for (long i = 0; i < children; ++i) {
    pid_t pid = fork();
    if (pid < 0) Die("fork");
    if (pid == 0) {
      WaitForStdinEof();
      _exit(0);
    }
    kids.push_back(pid);
  }

  if (comm && prctl(PR_SET_NAME, comm, 0, 0, 0) != 0) Die("prctl PR_SET_NAME");

  const std::size_t mem_bytes = static_cast<std::size_t>(mem_mib) << 20;
  char* mem = nullptr;
  if (mem_bytes > 0) {
    void* p = mmap(nullptr, mem_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) Die("mmap");
    mem = static_cast<char*>(p);
    const long page = sysconf(_SC_PAGESIZE);
    for (std::size_t off = 0; off < mem_bytes; off += static_cast<std::size_t>(page))
      static_cast<volatile char*>(mem)[off] = static_cast<char>(off / static_cast<std::size_t>(page) | 1);
  }

  std::string path;
  if (write_mib > 0) {
    path = dir + "/workload-" + std::to_string(getpid()) + ".dat";
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) Die("open " + path);
    std::vector<char> chunk(1 << 20, 'w');
    for (long i = 0; i < write_mib; ++i)
      if (!WriteAll(fd, chunk.data(), chunk.size())) Die("write " + path);
    if (fsync(fd) != 0) Die("fsync " + path);
    if (close(fd) != 0) Die("close " + path);
  }

  std::vector<int> extra_fds;
  for (long i = 0; i < fds; ++i) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) Die("open /dev/null");
    extra_fds.push_back(fd);
  }

  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::vector<std::thread> pool;
  for (long i = 0; i < threads; ++i)
    pool.emplace_back([&] {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return stop; });
    });

  if (uid >= 0) {
    const auto id = static_cast<uid_t>(uid);
    if (setresgid(id, id, id) != 0) Die("setresgid");
    if (setresuid(id, id, id) != 0) Die("setresuid");
  }

  for (pid_t k : kids) std::printf("child %d\n", static_cast<int>(k));
  std::printf("ready %d\n", static_cast<int>(getpid()));
  if (std::fflush(stdout) != 0) Die("flush stdout");

  WaitForStdinEof();

  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
  }
  cv.notify_all();
  for (auto& t : pool) t.join();
  for (int fd : extra_fds) close(fd);
  if (!path.empty()) unlink(path.c_str());
  if (mem) munmap(mem, mem_bytes);
  int rc = 0;
  for (pid_t k : kids) {
    int status = 0;
    while (waitpid(k, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) rc = 1;
  }
  return rc;
}
