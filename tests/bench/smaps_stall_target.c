// Target process for tests/bench/smaps_stall.py: many distinct mappings plus
// a thread that measures how long its own mmap/munmap calls take.
//
//   smaps_stall_target N [GAP_US [FIFO]]
//
// Maps N anonymous pages as N distinct VMAs (one region, every other page
// mprotect'ed read-only so neighbours cannot merge; each page touched so the
// kernel has a page table entry to walk), then starts a thread that loops
// mmap(4 KiB) + touch + munmap and records each iteration's latency in a
// log2 histogram and a maximum. mmap and munmap take the mmap lock for
// writing, so they wait while a reader of /proc/<pid>/smaps holds it.
// GAP_US (default 100) is a sleep between iterations, outside the measured
// time; with FIFO=1 (default) the thread runs SCHED_FIFO when permitted, so
// on a busy machine a wakeup is not delayed by other tasks and what remains
// is time spent in (or waiting inside) mmap/munmap.
//
// stdin commands, one per line: "reset" (clear the histogram), "report"
// (print "report iterations=I max_ns=M p50_ns=.. p99_ns=.. p999_ns=.."),
// "quit". Prints "ready <pid> maps=<VMAs in /proc/self/maps> fifo=<0|1>" once set up.
// Build: cc -O2 -pthread -o smaps_stall_target smaps_stall_target.c
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define BUCKETS 64

static _Atomic uint64_t hist[BUCKETS];
static _Atomic uint64_t max_ns;
static _Atomic uint64_t iterations;
static atomic_int stop;
static long gap_us = 100;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *churn(void *arg) {
  (void)arg;
  long page = sysconf(_SC_PAGESIZE);
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
    uint64_t t0 = now_ns();
    char *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      perror("mmap");
      exit(1);
    }
    p[0] = 1;
    munmap(p, (size_t)page);
    uint64_t dt = now_ns() - t0;
    int b = dt ? 63 - __builtin_clzll(dt) : 0;
    atomic_fetch_add_explicit(&hist[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&iterations, 1, memory_order_relaxed);
    uint64_t m = atomic_load_explicit(&max_ns, memory_order_relaxed);
    while (dt > m && !atomic_compare_exchange_weak(&max_ns, &m, dt)) {
    }
    if (gap_us > 0) {
      struct timespec gap = {gap_us / 1000000, (gap_us % 1000000) * 1000};
      nanosleep(&gap, NULL);
    }
  }
  return NULL;
}

// Upper bound of the bucket holding the q-quantile.
static uint64_t quantile(const uint64_t *h, uint64_t n, double q) {
  uint64_t want = (uint64_t)(q * (double)n), seen = 0;
  for (int b = 0; b < BUCKETS; b++) {
    seen += h[b];
    if (seen > want) return (2ull << b) - 1;
  }
  return 0;
}

static int count_maps(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  if (!f) return -1;
  int n = 0, c;
  while ((c = fgetc(f)) != EOF) n += c == '\n';
  fclose(f);
  return n;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: smaps_stall_target N [GAP_US [FIFO]]\n");
    return 2;
  }
  long n = atol(argv[1]);
  if (argc > 2) gap_us = atol(argv[2]);
  int want_fifo = argc > 3 ? atoi(argv[3]) : 1;
  long page = sysconf(_SC_PAGESIZE);
  if (n > 0) {
    char *base = mmap(NULL, (size_t)(n * page), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
      perror("mmap region");
      return 1;
    }
    for (long i = 0; i < n; i++) base[i * page] = 1;
    for (long i = 1; i < n; i += 2) {
      if (mprotect(base + i * page, (size_t)page, PROT_READ) != 0) {
        perror("mprotect (vm.max_map_count?)");
        return 1;
      }
    }
  }
  pthread_t t;
  if (pthread_create(&t, NULL, churn, NULL) != 0) {
    perror("pthread_create");
    return 1;
  }
  int fifo = 0;
  if (want_fifo) {
    struct sched_param sp = {.sched_priority = 10};
    fifo = pthread_setschedparam(t, SCHED_FIFO, &sp) == 0;
  }
  printf("ready %d maps=%d fifo=%d\n", (int)getpid(), count_maps(), fifo);
  fflush(stdout);

  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    if (!strncmp(line, "reset", 5)) {
      for (int b = 0; b < BUCKETS; b++) atomic_store(&hist[b], 0);
      atomic_store(&max_ns, 0);
      atomic_store(&iterations, 0);
      printf("ok\n");
    } else if (!strncmp(line, "report", 6)) {
      uint64_t h[BUCKETS], total = 0;
      for (int b = 0; b < BUCKETS; b++) total += h[b] = atomic_load(&hist[b]);
      printf("report iterations=%llu max_ns=%llu p50_ns=%llu p99_ns=%llu p999_ns=%llu\n",
             (unsigned long long)total, (unsigned long long)atomic_load(&max_ns),
             (unsigned long long)quantile(h, total, 0.5), (unsigned long long)quantile(h, total, 0.99),
             (unsigned long long)quantile(h, total, 0.999));
    } else if (!strncmp(line, "quit", 4)) {
      break;
    }
    fflush(stdout);
  }
  atomic_store(&stop, 1);
  pthread_join(t, NULL);
  return 0;
}
