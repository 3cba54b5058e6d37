// Starts N idle children for the fleet benchmark, fast: fork() without exec, which costs a small
// fraction of Python's Popen of `sleep` (1,500 of those took 70 s on a loaded 2-core machine; the
// benchmark needs 20,000). Prints "ready N" once all exist, then lives until its stdin closes, kills
// and reaps them, and exits. Children and this process die with their parent (PR_SET_PDEATHSIG),
// so a SIGKILLed benchmark leaves nothing behind.
// Usage: idle_children N      Build: cc -O2 -o idle_children idle_children.c
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void reap_all(pid_t* kids, long n) {
  for (long i = 0; i < n; i++) kill(kids[i], SIGKILL);
  for (long i = 0; i < n; i++) waitpid(kids[i], NULL, 0);
}

static pid_t start_child(pid_t parent) {
  pid_t p = fork();
  if (p != 0) return p;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(0);  // the parent died before the prctl
  for (;;) pause();
}

int main(int argc, char** argv) {
  long n = argc > 1 ? atol(argv[1]) : 0;
  pid_t* kids = calloc(n > 0 ? n : 1, sizeof *kids);
  if (!kids) return 1;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  pid_t self = getpid();
  for (long i = 0; i < n; i++) {
    kids[i] = start_child(self);
    if (kids[i] < 0) {
      perror("idle_children: fork");
      reap_all(kids, i);
      return 1;
    }
  }
  printf("ready %ld\n", n);
  fflush(stdout);
  char c;
  while (read(0, &c, 1) > 0) {
  }
  reap_all(kids, n);
  return 0;
}
