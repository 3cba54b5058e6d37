#include "exporter/scrape/scrape_thread.h"

#include <exception>
#include <string>
#include <utility>

#include "exporter/scrape/heap_trim.h"
#include "probes/util/log.h"

namespace proctree {

struct ScrapeThread::Job {
  const ScrapeRequest& req;
  std::string payload;
  std::exception_ptr error;
  bool done = false;
};

ScrapeThread::ScrapeThread(MetricsFn scrape) : scrape_(std::move(scrape)), thread_([this] { Loop(); }) {}

ScrapeThread::~ScrapeThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  queued_.notify_one();
  thread_.join();
}

std::string ScrapeThread::Run(const ScrapeRequest& req) {
  Job job{req, {}, nullptr};
  std::unique_lock<std::mutex> lock(mu_);
  jobs_.push_back(&job);
  queued_.notify_one();
  finished_.wait(lock, [&] { return job.done; });
  if (job.error) std::rethrow_exception(job.error);
  return std::move(job.payload);
}

void ScrapeThread::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    queued_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, nothing left
    Job* job = jobs_.front();
    jobs_.pop_front();
    lock.unlock();
    try {
      job->payload = scrape_(job->req);
    } catch (...) {
      job->error = std::current_exception();
    }
    const std::size_t in_use = HeapInUseBytes();  // the payload still held: what a scrape this size needs
    lock.lock();
    job->done = true;
    finished_.notify_all();
    lock.unlock();
    TrimAfterScrape(in_use);
    lock.lock();
  }
}

// Runs after the payload was handed over, so the request does not wait for it.
void ScrapeThread::TrimAfterScrape(std::size_t in_use) {
  const HeapTrimResult r = TrimHeapIfBloated(in_use);
  if (!r.trimmed) {
    if (log::Enabled(log::Level::kDebug))
      log::Debug("heap after scrape", {{"heap_in_use_bytes", std::to_string(r.in_use_bytes)},
                                       {"resident_anon_bytes", std::to_string(r.resident_bytes)}});
    return;
  }
  log::Info("returned a scrape spike's free memory to the kernel",
            {{"heap_in_use_bytes", std::to_string(r.in_use_bytes)},
             {"resident_anon_bytes", std::to_string(r.resident_bytes)},
             {"resident_anon_bytes_after", std::to_string(r.resident_after)},
             {"trim_seconds", std::to_string(r.seconds)}});
}

}  // namespace proctree
