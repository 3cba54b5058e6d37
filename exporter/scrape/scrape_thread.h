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
//
// The payload is not built whole: the scrape writes it through a ByteSink,
// and each piece (TextWriter::kFlushBytes) is handed to the waiting caller,
// which sends it while the scrape writes the next. At most kMaxQueued pieces
// wait; the scrape waits for room, but for a caller that takes no piece in
// kStallLimit (a client that stopped reading) it stops waiting and queues
// the rest, so a slow client costs memory, never the other scrapes' time.
// What stalled callers hold queued is bounded in all (max_stalled_bytes,
// across every stalled caller: --web.max-requests of them, each of a payload
// of tens of MB with every process exported, would hold gigabytes); a
// response that would pass it is abandoned: its caller gets an error after
// the pieces it took (the client sees a cut response, never a short one
// that looks whole). Piece buffers are kept for the next scrapes.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "exporter/http/http_server.h"
#include "exporter/metrics/text_writer.h"

namespace proctree {

class ScrapeThread {
 public:
  // Writes one scrape's payload to the sink.
  using ScrapeFn = std::function<void(const ScrapeRequest&, ByteSink&)>;
  static constexpr std::size_t kMaxQueued = 4;
  static constexpr std::chrono::milliseconds kStallLimit{500};
  static constexpr std::size_t kMaxStalledBytes = std::size_t{64} << 20;

  explicit ScrapeThread(ScrapeFn scrape, std::size_t max_stalled_bytes = kMaxStalledBytes);
  // Finishes the scrape in progress and those queued, then joins.
  ~ScrapeThread();
  ScrapeThread(const ScrapeThread&) = delete;
  ScrapeThread& operator=(const ScrapeThread&) = delete;

  // Runs scrape(req) on the scrape thread and hands its payload to consume,
  // piece by piece, on the calling thread; once consume returns false the
  // rest is dropped. Rethrows what the scrape threw, after the pieces
  // written before it. Safe to call from any number of threads.
  void Run(const ScrapeRequest& req, const PayloadConsumer& consume);
  // The whole payload in one string.
  std::string Run(const ScrapeRequest& req);

 private:
  struct Job;
  class JobSink;
  void Loop();
  // On the scrape thread: queues a copy of bytes for the job's caller;
  // returns the time it waited for room.
  std::chrono::steady_clock::duration Hand(Job& job, std::string_view bytes);
  // Under mu_: drops a stalled job's queued pieces, as its queue passed the bound.
  void Abandon(Job& job);
  // malloc_trim after a scrape that left far more memory resident than it
  // had in use at its end, in_use (exporter/scrape/heap_trim.h); a normal scrape
  // pays one mallinfo2 and one read of /proc/self/statm.
  void TrimAfterScrape(std::size_t in_use);

  const ScrapeFn scrape_;
  const std::size_t max_stalled_bytes_;
  std::mutex mu_;
  std::size_t stalled_bytes_ = 0;  // queued for stalled callers, all together
  std::condition_variable queued_;
  std::deque<Job*> jobs_;
  std::vector<std::string> spare_;  // piece buffers for reuse
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace proctree
