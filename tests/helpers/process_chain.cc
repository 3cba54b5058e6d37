// process_chain: a chain of N sleeping processes, each the parent of the
// next, for tests/robustness/test_deep_chain.py (what an unprivileged user
// can start to make the process tree as deep as the pid space allows).
//
//   process_chain --depth N [--fanout] [--user NAME]
//
// --fanout: N sleeping siblings instead, all children of this process (many
// idle processes, for tests/integration/test_top_n.py), started the same way.
//
// This process (a child subreaper) starts member 1, member 1 starts member
// 2, ... member N. --user drops to that user (and its group) first, so the
// chain belongs to an unprivileged user as in the attack. Members are
// clone(CLONE_VM) children without exec: each costs the kernel's task and
// /proc bookkeeping, which is what the exporter sees, but no address space
// of its own (a fork each would cost the test ~200 KB and 2-4 ms apiece).
// Every member blocks reading a pipe whose only writer is this process.
// Prints "ready <pid> <deepest member's pid>" once all N exist, then waits
// until stdin reaches EOF; then it closes the pipe (every member's read
// returns and it exits), reaps all N (orphans come back to it as the
// subreaper) and prints "done reaped=<n>". Setup failures exit 1 with a
// message on stderr. Run it in its own process group, so the harness can
// kill what is left with one killpg.
#include <grp.h>
#include <pwd.h>
#include <sched.h>
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

namespace {

constexpr std::size_t kStackBytes = 16 * 1024;  // a member only calls clone, read and write

// Shared by every member (CLONE_VM): read-only once the chain starts.
struct Chain {
  long depth = 0;
  char* stacks = nullptr;  // depth slices of kStackBytes
  int hold_read = -1;      // members block on it; EOF when this process closes the write end
  int hold_write = -1;     // held by this process only
  int ready_write = -1;    // the deepest member writes its pid here (a member that cannot go on: -its index)
  bool fanout = false;     // members start no next one: this process starts them all
};
Chain g_chain;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "process_chain: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

int StartMember(long index);

// Member `index` (1-based): starts the next one, then waits for EOF. Only
// raw system calls and clone: the members share this process's memory.
int Member(void* arg) {
  const long index = reinterpret_cast<long>(arg);
  close(g_chain.hold_write);  // a copy of the fd table came with clone
  prctl(PR_SET_NAME, "chain-member", 0, 0, 0);
  pid_t report = 0;
  if (g_chain.fanout) report = 0;
  else if (index == g_chain.depth) report = getpid();
  else if (StartMember(index + 1) < 0) report = static_cast<pid_t>(-index);
  if (report != 0 && write(g_chain.ready_write, &report, sizeof report) != sizeof report) _exit(3);
  char c;
  while (read(g_chain.hold_read, &c, 1) < 0 && errno == EINTR) {
  }
  _exit(0);
}

int StartMember(long index) {
  char* top = g_chain.stacks + static_cast<std::size_t>(index) * kStackBytes;  // stacks grow down
  return clone(Member, top, CLONE_VM | SIGCHLD, reinterpret_cast<void*>(index));
}

void DropTo(const char* user) {
  const passwd* pw = getpwnam(user);
  if (!pw) {
    errno = ENOENT;
    Die("getpwnam");
  }
  if (setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) Die("dropping privileges");
}

void WaitForStdinEof() {
  char buf[256];
  for (;;) {
    const ssize_t n = read(0, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EINTR)) return;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const char* user = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--depth" && i + 1 < argc) g_chain.depth = std::strtol(argv[++i], nullptr, 10);
    else if (a == "--user" && i + 1 < argc) user = argv[++i];
    else if (a == "--fanout") g_chain.fanout = true;
    else {
      std::fprintf(stderr, "usage: process_chain --depth N [--fanout] [--user NAME]\n");
      return 1;
    }
  }
  if (g_chain.depth < 1 || g_chain.depth > 100000) {
    std::fprintf(stderr, "process_chain: --depth must be 1 to 100000\n");
    return 1;
  }
  if (user) DropTo(user);
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) Die("PR_SET_CHILD_SUBREAPER");
  int hold[2], ready[2];
  if (pipe(hold) != 0 || pipe(ready) != 0) Die("pipe");
  g_chain.hold_read = hold[0];
  g_chain.hold_write = hold[1];
  g_chain.ready_write = ready[1];
  const std::size_t bytes = static_cast<std::size_t>(g_chain.depth + 1) * kStackBytes;
  void* stacks = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                      -1, 0);
  if (stacks == MAP_FAILED) Die("mmap");
  g_chain.stacks = static_cast<char*>(stacks);

  pid_t deepest = 0;
  if (g_chain.fanout) {
    for (long i = 1; i <= g_chain.depth; ++i)
      if ((deepest = StartMember(i)) < 0) Die("clone");
  } else {
    if (StartMember(1) < 0) Die("clone");
    if (read(ready[0], &deepest, sizeof deepest) != sizeof deepest) Die("read");
  }
  if (deepest <= 0) {
    std::fprintf(stderr, "process_chain: member %d could not start the next (a pid or memory limit?)\n",
                 static_cast<int>(-deepest));
    return 1;  // the members see EOF on the hold pipe when this process exits
  }
  std::printf("ready %d %d\n", static_cast<int>(getpid()), static_cast<int>(deepest));
  std::fflush(stdout);

  WaitForStdinEof();
  close(hold[1]);
  long reaped = 0;
  for (;;) {
    const pid_t p = waitpid(-1, nullptr, 0);
    if (p > 0) ++reaped;
    else if (errno != EINTR) break;
  }
  std::printf("done reaped=%ld\n", reaped);
  return 0;
}
