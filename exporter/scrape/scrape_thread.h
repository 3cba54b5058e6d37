#pragma once
// Every scrape runs on one thread of the exporter's own; the HTTP workers
// queue their request and wait for its payload.
//
// Why one thread:
// - Memory. glibc keeps the memory a scrape frees in the arena of the thread
//   that allocated it, for that thread's next scrape. When scrapes ran on the
//   HTTP workers, which worker (and so which arena) served a scrape depended
//   on the connection: Prometheus opens a new one whenever its scrape
//   interval is longer than --web.request-timeout, which is the usual case.
//   RSS then stepped between levels (40 and 47 MB at 2,000 processes, even
//   with two arenas) whenever a scrape first landed in the other arena. On
//   one thread a scrape reuses the last one's memory whoever asks for it
//   (docs/soak.md has the curves).
// - Cost. Two scrapes at once both walk all of /proc; with the walk done by
//   the kernel that doubles its CPU for no gain. process-exporter also
//   serializes its scrapes.
// A waiting request keeps its X-Prometheus-Scrape-Timeout-Seconds deadline:
// time spent queued counts against it. --web.max-requests still bounds how
// many wait.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "exporter/http/http_server.h"

namespace proctree {

class ScrapeThread {
 public:
  explicit ScrapeThread(MetricsFn scrape);
  // Finishes the scrape in progress and those queued, then joins.
  ~ScrapeThread();
  ScrapeThread(const ScrapeThread&) = delete;
  ScrapeThread& operator=(const ScrapeThread&) = delete;

  // Runs scrape(req) on the scrape thread and returns its payload; rethrows
  // what it threw. Safe to call from any number of threads.
  std::string Run(const ScrapeRequest& req);

 private:
  struct Job;
  void Loop();
  // malloc_trim after a scrape that left far more memory resident than it
  // had in use at its end, in_use (exporter/scrape/heap_trim.h); a normal scrape
  // pays one mallinfo2 and one read of /proc/self/statm.
  void TrimAfterScrape(std::size_t in_use);

  const MetricsFn scrape_;
  std::mutex mu_;
  std::condition_variable queued_;
  std::condition_variable finished_;
  std::deque<Job*> jobs_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace proctree
