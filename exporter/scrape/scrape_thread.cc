#include "exporter/scrape/scrape_thread.h"

#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

#include "exporter/scrape/heap_trim.h"
#include "probes/util/log.h"

namespace proctree {

struct ScrapeThread::Job {
  const ScrapeRequest& req;
  std::deque<std::string> ready;  // pieces written, not yet taken
  std::condition_variable changed;  // a piece queued or taken, or the scrape done
  std::exception_ptr error;
  bool done = false;
  bool cancelled = false;  // the caller wants no more
  bool stalled = false;    // the caller took nothing for kStallLimit: queue without waiting
  bool abandoned = false;  // its stalled queue passed the bound: the caller gets an error
  std::size_t queued_bytes = 0;  // in ready
};

class ScrapeThread::JobSink : public ByteSink {
 public:
  JobSink(ScrapeThread& st, Job& job) : st_(st), job_(job) {}
  void Write(std::string_view bytes) override { waited_ += st_.Hand(job_, bytes); }
  double WaitedSeconds() const override { return std::chrono::duration<double>(waited_).count(); }

 private:
  ScrapeThread& st_;
  Job& job_;
  std::chrono::steady_clock::duration waited_{};
};

ScrapeThread::ScrapeThread(ScrapeFn scrape, std::size_t max_stalled_bytes)
    : scrape_(std::move(scrape)), max_stalled_bytes_(max_stalled_bytes), thread_([this] { Loop(); }) {}

ScrapeThread::~ScrapeThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  queued_.notify_one();
  thread_.join();
}

std::chrono::steady_clock::duration ScrapeThread::Hand(Job& job, std::string_view bytes) {
  std::unique_lock<std::mutex> lock(mu_);
  const auto room = [&] { return job.cancelled || job.ready.size() < kMaxQueued; };
  std::chrono::steady_clock::duration waited{};
  if (!job.stalled && !room()) {
    const auto start = std::chrono::steady_clock::now();
    if (!job.changed.wait_for(lock, kStallLimit, room)) {
      job.stalled = true;
      stalled_bytes_ += job.queued_bytes;
    }
    waited = std::chrono::steady_clock::now() - start;
  }
  if (job.cancelled) return waited;
  if (job.stalled && stalled_bytes_ + bytes.size() > max_stalled_bytes_) {
    Abandon(job);
    return waited;
  }
  std::string piece;
  if (!spare_.empty()) {
    piece = std::move(spare_.back());
    spare_.pop_back();
  }
  piece.assign(bytes.data(), bytes.size());
  job.queued_bytes += piece.size();
  if (job.stalled) stalled_bytes_ += piece.size();
  job.ready.push_back(std::move(piece));
  job.changed.notify_all();
  return waited;
}

void ScrapeThread::Abandon(Job& job) {
  stalled_bytes_ -= job.queued_bytes;
  job.queued_bytes = 0;
  job.ready.clear();
  job.cancelled = job.abandoned = true;
  job.changed.notify_all();
  log::Warn("abandoned a response its client stopped reading",
            {{"stalled_queue_limit_bytes", std::to_string(max_stalled_bytes_)}});
}

void ScrapeThread::Run(const ScrapeRequest& req, const PayloadConsumer& consume) {
  Job job{req, {}, {}, nullptr};
  std::unique_lock<std::mutex> lock(mu_);
  jobs_.push_back(&job);
  queued_.notify_one();
  for (;;) {
    job.changed.wait(lock, [&] { return job.done || !job.ready.empty(); });
    if (job.ready.empty()) break;  // done, and every piece taken
    std::string piece = std::move(job.ready.front());
    job.ready.pop_front();
    job.queued_bytes -= piece.size();
    if (job.stalled) stalled_bytes_ -= piece.size();
    job.changed.notify_all();  // room for the scrape's next piece
    const bool wanted = !job.cancelled;
    lock.unlock();
    const bool more = !wanted || consume(piece);
    lock.lock();
    if (!more) {
      job.cancelled = true;
      job.changed.notify_all();
    }
    // Kept for later pieces unless a stalled client's spill made it large.
    piece.clear();
    if (spare_.size() < kMaxQueued + 1 && piece.capacity() <= 2 * TextWriter::kFlushBytes)
      spare_.push_back(std::move(piece));
  }
  if (job.error) std::rethrow_exception(job.error);
  if (job.abandoned)
    throw std::runtime_error("response abandoned: its client stopped reading and its queue passed the bound");
}

std::string ScrapeThread::Run(const ScrapeRequest& req) {
  std::string payload;
  Run(req, [&payload](std::string_view piece) {
    payload.append(piece);
    return true;
  });
  return payload;
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
      JobSink sink(*this, *job);
      scrape_(job->req, sink);
    } catch (...) {
      job->error = std::current_exception();
    }
    const std::size_t in_use = HeapInUseBytes();  // what a scrape this size needs, its queued pieces included
    lock.lock();
    job->done = true;
    job->changed.notify_all();  // under the lock: once it is released the caller may return and free the job
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
