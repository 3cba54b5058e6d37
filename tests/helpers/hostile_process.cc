// hostile_process: a process that is awkward to observe, for tests/robustness.
//
//   hostile_process [--comm NAME] [--threads N] [--fds N] [--exit] [-- ARG...]
//
// --comm sets the process name with prctl(PR_SET_NAME): any bytes (the kernel
// keeps the first 15, even when that cuts a UTF-8 character). --fds N raises
// the soft RLIMIT_NOFILE to N + 64 (it must fit under the hard limit) and
// opens N descriptors on /dev/null. --threads N starts N threads (64 KiB
// stacks) that block until the process exits. Everything after "--" is
// ignored: it is there to make the command line hostile (huge, secrets).
// Then prints "ready <pid>" and waits until stdin reaches EOF, and exits 0;
// with --exit it exits at once after "ready", so a parent that does not wait
// keeps it as a zombie. Any setup failure exits 1 with a message on stderr.
// The comm may also come from exec: run it through a symlink named NAME.
#include <fcntl.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "hostile_process: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "hostile_process: %s\nusage: hostile_process [--comm NAME] [--threads N] [--fds N] [--exit] "
               "[-- ARG...]\n",
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

void* Block(void*) {
  for (;;) pause();
}

}  // namespace

int main(int argc, char** argv) {
  const char* comm = nullptr;
  long threads = 0, fds = 0;
  bool exit_now = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--") break;
    if (a == "--exit") {
      exit_now = true;
      continue;
    }
    if (i + 1 >= argc) Usage("flag " + a + " needs a value");
    const char* v = argv[++i];
    if (a == "--comm") comm = v;
    else if (a == "--threads") threads = ParseCount(a, v);
    else if (a == "--fds") fds = ParseCount(a, v);
    else Usage("unknown flag " + a);
  }

  if (comm && prctl(PR_SET_NAME, comm, 0, 0, 0) != 0) Die("prctl PR_SET_NAME");

  if (fds > 0) {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) Die("getrlimit RLIMIT_NOFILE");
    const rlim_t want = static_cast<rlim_t>(fds) + 64;
    if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < want) {
      errno = EPERM;
      Die("hard RLIMIT_NOFILE " + std::to_string(lim.rlim_max) + " is below " + std::to_string(want));
    }
    lim.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) Die("setrlimit RLIMIT_NOFILE");
    for (long i = 0; i < fds; ++i)
      if (open("/dev/null", O_RDONLY | O_CLOEXEC) < 0) Die("open /dev/null #" + std::to_string(i));
  }

  if (threads > 0) {
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0 || pthread_attr_setstacksize(&attr, 64 * 1024) != 0) Die("pthread_attr");
    for (long i = 0; i < threads; ++i) {
      pthread_t t;
      int err = pthread_create(&t, &attr, Block, nullptr);
      if (err != 0) {
        errno = err;
        Die("pthread_create #" + std::to_string(i));
      }
    }
    pthread_attr_destroy(&attr);
  }

  std::printf("ready %d\n", static_cast<int>(getpid()));
  if (std::fflush(stdout) != 0) Die("flush stdout");
  if (exit_now) return 0;

  char buf[256];
  for (;;) {
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EINTR)) break;
  }
  // The blocked threads end with the process.
  std::fflush(nullptr);
  _exit(0);
}
