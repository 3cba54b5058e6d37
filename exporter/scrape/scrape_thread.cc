#include "exporter/scrape/scrape_thread.h"

#include <exception>
#include <utility>

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
    lock.lock();
    job->done = true;
    finished_.notify_all();
  }
}

}  // namespace proctree
