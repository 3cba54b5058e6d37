// Short-lived children with known figures for tests/robustness/test_exit_accounting.py.
//
//   exit_burst <children> <cpu_ms> <write_bytes> <dir>
//
// Becomes a child subreaper, keeps one sleeping child (so it has children at
// every scrape), prints "ready <pid>" and waits for a line on stdin. Then
// starts the children, each named "exitburn": it burns cpu_ms of CPU, writes
// write_bytes to a file of its own in dir, and exits (every 5th with code 3,
// every 7th killed by SIGTERM). Even ones are its own children; odd ones are
// started by a short-lived intermediate and orphaned to it (the subreaper).
// It reaps them all with wait4 and prints
//   "done <children> <cpu_seconds> <write_bytes> <normal> <nonzero> <signal> <self_cpu> <own_cpu>
//         <all_children_cpu> <self_write_bytes>"
// (cpu_seconds from the burners' wait4 rusage; self_cpu what the burners read
// of their own CPU just before exiting; own_cpu its own; all_children_cpu
// RUSAGE_CHILDREN, the intermediates included; self_write_bytes the
// burners' own /proc/self/io write_bytes just before exiting), then waits for
// stdin to close.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

namespace {

double ThreadCpu() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int g_report = -1;  // write end of the pipe each child reports its last readings on
struct Report {
  double cpu;
  std::uint64_t write_bytes;
};

// write_bytes of /proc/self/io: what the page cache charged the process
// (the written pages, and sometimes a filesystem's metadata page).
std::uint64_t OwnWriteBytes() {
  char buf[512];
  const int fd = open("/proc/self/io", O_RDONLY | O_CLOEXEC);
  const ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (fd >= 0) close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char* p = std::strstr(buf, "\nwrite_bytes: ");
  return p ? std::strtoull(p + 14, nullptr, 10) : 0;
}

[[noreturn]] void Burn(int i, double cpu_s, long bytes, const std::string& dir) {
  prctl(PR_SET_NAME, "exitburn", 0, 0, 0);
  volatile unsigned long x = 0;
  while (ThreadCpu() < cpu_s) x = x + 1;
  const std::string path = dir + "/burn." + std::to_string(getpid()) + "." + std::to_string(i);
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  std::vector<char> block(4096, 'x');
  for (long done = 0; fd >= 0 && done < bytes; done += 4096)
    if (write(fd, block.data(), block.size()) < 0) break;
  if (fd >= 0) close(fd);
  // As late as they can be read: what the kernel's exit record must hold at least.
  const Report r{ThreadCpu(), OwnWriteBytes()};
  if (write(g_report, &r, sizeof r) != sizeof r) _exit(1);
  if (i % 7 == 0) kill(getpid(), SIGTERM);
  _exit(i % 5 == 0 ? 3 : 0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: exit_burst <children> <cpu_ms> <write_bytes> <dir>\n");
    return 2;
  }
  const int n = std::atoi(argv[1]);
  const double cpu_s = std::atof(argv[2]) / 1000.0;
  const long bytes = std::atol(argv[3]);
  const std::string dir = argv[4];
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  int hold[2];
  if (pipe(hold) != 0) return 1;
  const pid_t sleeper = fork();
  if (sleeper == 0) {
    char c;
    close(hold[1]);
    while (read(hold[0], &c, 1) > 0) {}
    _exit(0);
  }
  close(hold[0]);
  std::printf("ready %d\n", getpid());
  std::fflush(stdout);
  char line[64];
  if (!std::fgets(line, sizeof line, stdin)) return 1;

  int report[2];
  if (pipe(report) != 0) return 1;
  g_report = report[1];
  std::set<pid_t> intermediates;
  for (int i = 0; i < n; ++i) {
    const pid_t p = fork();
    if (p == 0) {
      if (i % 2 == 0) Burn(i, cpu_s, bytes, dir);
      if (fork() == 0) Burn(i, cpu_s, bytes, dir);
      _exit(0);  // the burner is orphaned to the subreaper
    }
    if (i % 2 == 1) intermediates.insert(p);
  }
  int reaped = 0, normal = 0, nonzero = 0, signaled = 0;
  double cpu = 0;
  while (reaped < n) {
    int status = 0;
    rusage ru{};
    const pid_t p = wait4(-1, &status, 0, &ru);
    if (p < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p == sleeper || intermediates.count(p)) continue;
    ++reaped;
    cpu += static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    if (WIFSIGNALED(status)) ++signaled;
    else if (WEXITSTATUS(status) != 0) ++nonzero;
    else ++normal;
  }
  close(report[1]);
  double self_cpu = 0;
  std::uint64_t self_write_bytes = 0;
  Report one{};
  while (read(report[0], &one, sizeof one) == sizeof one) {
    self_cpu += one.cpu;
    self_write_bytes += one.write_bytes & ~std::uint64_t{1023};  // taskstats reports whole KiB
  }
  rusage self{};
  getrusage(RUSAGE_SELF, &self);
  const double own = static_cast<double>(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
                     static_cast<double>(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6;
  rusage all{};
  getrusage(RUSAGE_CHILDREN, &all);
  const double children = static_cast<double>(all.ru_utime.tv_sec + all.ru_stime.tv_sec) +
                          static_cast<double>(all.ru_utime.tv_usec + all.ru_stime.tv_usec) / 1e6;
  std::printf("done %d %.6f %ld %d %d %d %.6f %.6f %.6f %llu\n", reaped, cpu, bytes * reaped, normal, nonzero,
              signaled, self_cpu, own, children, static_cast<unsigned long long>(self_write_bytes));
  std::fflush(stdout);
  while (std::fgets(line, sizeof line, stdin)) {}
  close(hold[1]);
  waitpid(sleeper, nullptr, 0);
  return 0;
}
