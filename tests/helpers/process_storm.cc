// process_storm: starts and reaps short-lived processes as fast as it can (or
// at --rate per second in all), for tests/robustness/test_churn_storm.py.
//
//   process_storm [--workers N] [--rate N] [--max-zombies N] [--cycle KINDS]
//
// The storm is one tree: this process (a child subreaper, so orphans come
// back to it rather than to a pid 1 that might never reap them) and
// --workers (default 2) long-lived worker children, which start the
// short-lived ones. Each worker repeats --cycle, a string of kinds, each
// leaving the tree another way:
//   e  exec: clone(CLONE_VM|CLONE_VFORK) + exec /bin/true, reaped late by
//      the worker (a zombie for a while; its comm changes at exec);
//   x  exit: the same clone, burns ~0.1 ms of CPU and exits without exec
//      (its CPU moves into the worker's cutime when reaped);
//   o  orphan: fork; the child starts an exec grandchild and exits at once,
//      so the grandchild is orphaned and re-parented to this process.
// The default "eoxxxexxxxxx" starts 13 processes, 4 of which exec. Why
// clone(CLONE_VM) and so many exits without exec: on the VMs we test on, a
// new address space (fork's copy, exec's fresh one) costs ~2-4 ms of CPU,
// so 200 exec'd processes a second would take most of a CPU; a process
// without its own address space costs ~0.1 ms, and the kernel's process
// bookkeeping (/proc entries, reaping, re-parenting), which is what the
// exporter sees, is the same. --rate paces the kinds started per second
// (all workers together); without it, the workers run flat out.
// At most --max-zombies (default 32) children per worker are left unreaped.
// Prints "ready <pid> <worker pid>..." once started, then "spawned <n>"
// (processes started so far, grandchildren included) every 50 ms, until
// stdin reaches EOF; then it stops the workers, reaps everything, prints
// "done spawned=<n> failed=<m>" (m: processes that did not exit 0, e.g. a
// failed exec) and exits 0. Setup failures exit 1 with a message on stderr.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "process_storm: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "process_storm: %s\n"
               "usage: process_storm [--workers N] [--rate N] [--max-zombies N] [--cycle KINDS]\n",
               why.c_str());
  std::exit(2);
}

long ParseCount(const char* flag, const char* v, long min) {
  char* end = nullptr;
  errno = 0;
  long n = std::strtol(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || n < min || n > 1000000)
    Usage(std::string("bad value for ") + flag + ": " + v);
  return n;
}

std::int64_t NowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Shared between this process and the workers (MAP_SHARED, set up before fork).
struct Shared {
  std::atomic<long> spawned{0};
  std::atomic<long> failed{0};
  std::atomic<bool> stop{false};
};

Shared* g_shared = nullptr;
int g_devnull = -1;

// In every child: no inherited stdout (the test reads ours until EOF).
void QuietStdio() {
  dup2(g_devnull, 0);
  dup2(g_devnull, 1);
}

[[noreturn]] void ExecTrue() {
  char arg0[] = "true";
  char* argv[] = {arg0, nullptr};
  execv("/bin/true", argv);
  _exit(127);
}

int ExecChild(void*) {
  QuietStdio();
  ExecTrue();
}

int ExitChild(void*) {
  const std::int64_t until = NowNs() + 100000;
  volatile std::uint64_t x = 0;
  while (NowNs() < until) x = x + 1;
  _exit(0);
}

// CLONE_VFORK: we are suspended until the child execs or exits, so one
// stack per worker is enough.
alignas(64) char g_clone_stack[64 * 1024];

pid_t CloneVm(int (*fn)(void*)) {
  return clone(fn, g_clone_stack + sizeof g_clone_stack, CLONE_VM | CLONE_VFORK | SIGCHLD, nullptr);
}

void Reaped(int status) {
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) g_shared->failed.fetch_add(1);
}

// Reaps without blocking, then blocks while more than `keep` are unreaped.
void Reap(long keep, long* outstanding) {
  for (;;) {
    int status = 0;
    pid_t p = waitpid(-1, &status, *outstanding > keep ? 0 : WNOHANG);
    if (p == 0) return;
    if (p < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) {
        *outstanding = 0;
        return;
      }
      Die("waitpid");
    }
    --*outstanding;
    Reaped(status);
  }
}

[[noreturn]] void Worker(const std::string& cycle, long rate, long max_zombies) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  QuietStdio();
  long outstanding = 0;
  const std::int64_t start = NowNs();
  for (long i = 0; !g_shared->stop.load(std::memory_order_relaxed); ++i) {
    if (rate > 0) {
      // Paced: the i-th process starts no earlier than i/rate seconds in.
      const std::int64_t wait = start + i * (1000000000 / rate) - NowNs();
      if (wait > 0) {
        const std::int64_t step = std::min<std::int64_t>(wait, 20000000);
        timespec ts{0, static_cast<long>(step)};
        nanosleep(&ts, nullptr);
        --i;
        continue;
      }
    }
    const char kind = cycle[static_cast<std::size_t>(i) % cycle.size()];
    pid_t p;
    if (kind == 'e') {
      p = CloneVm(ExecChild);
    } else if (kind == 'x') {
      p = CloneVm(ExitChild);
    } else {
      p = fork();
      if (p == 0) {
        QuietStdio();
        _exit(CloneVm(ExecChild) < 0 ? 1 : 0);
      }
    }
    if (p < 0) {
      if (errno == EAGAIN) {  // at a process limit: make room, then go on
        Reap(0, &outstanding);
        continue;
      }
      Die(kind == 'o' ? "fork" : "clone");
    }
    ++outstanding;
    g_shared->spawned.fetch_add(kind == 'o' ? 2 : 1, std::memory_order_relaxed);
    Reap(max_zombies, &outstanding);
  }
  Reap(0, &outstanding);
  _exit(0);
}

bool StdinClosed(int timeout_ms) {
  pollfd p{0, POLLIN, 0};
  if (poll(&p, 1, timeout_ms) <= 0) return false;
  char buf[256];
  return read(0, buf, sizeof buf) <= 0;
}

}  // namespace

int main(int argc, char** argv) {
  long workers = 2, rate = 0, max_zombies = 32;
  std::string cycle = "eoxxxexxxxxx";  // exec, orphan, exit: 13 processes per cycle, 4 of them exec
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--workers" && i + 1 < argc) workers = ParseCount("--workers", argv[++i], 1);
    else if (a == "--rate" && i + 1 < argc) rate = ParseCount("--rate", argv[++i], 0);
    else if (a == "--max-zombies" && i + 1 < argc) max_zombies = ParseCount("--max-zombies", argv[++i], 0);
    else if (a == "--cycle" && i + 1 < argc) cycle = argv[++i];
    else Usage("unknown argument " + a);
  }
  g_devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (cycle.empty() || cycle.find_first_not_of("eox") != std::string::npos) Usage("bad --cycle " + cycle);
  if (g_devnull < 0) Die("open /dev/null");
  void* mem = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) Die("mmap");
  g_shared = new (mem) Shared;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) Die("prctl(PR_SET_CHILD_SUBREAPER)");
  // The test holds our stdin; should it die without closing it, die too.
  prctl(PR_SET_PDEATHSIG, SIGKILL);

  std::vector<pid_t> worker_pids;
  for (long w = 0; w < workers; ++w) {
    pid_t p = fork();
    if (p < 0) Die("fork");
    if (p == 0) Worker(cycle, rate / workers, max_zombies);
    worker_pids.push_back(p);
  }
  std::printf("ready %d", static_cast<int>(getpid()));
  for (pid_t p : worker_pids) std::printf(" %d", static_cast<int>(p));
  std::printf("\n");
  std::fflush(stdout);

  // Report, and reap the orphans that come to us, until stdin closes.
  auto reap_ready = [] {
    int status = 0;
    while (waitpid(-1, &status, WNOHANG) > 0) Reaped(status);
  };
  for (;;) {
    const bool closed = StdinClosed(50);
    std::printf("spawned %ld\n", g_shared->spawned.load());
    std::fflush(stdout);
    reap_ready();
    if (closed) break;
  }
  g_shared->stop.store(true);
  for (;;) {  // workers and orphans alike, until none is left
    int status = 0;
    pid_t p = waitpid(-1, &status, 0);
    if (p < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) break;
      Die("waitpid");
    }
    Reaped(status);
  }
  std::printf("done spawned=%ld failed=%ld\n", g_shared->spawned.load(), g_shared->failed.load());
  std::fflush(stdout);
  return 0;
}
