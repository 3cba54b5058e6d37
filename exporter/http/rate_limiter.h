#pragma once
// The web config's rate_limit, checked before anything else of a request.
#include <algorithm>
#include <chrono>
#include <mutex>

namespace proctree {

// Go's rate.Limiter as exporter-toolkit uses it: a token every `interval`,
// at most `burst` saved up, starting full.
class RateLimiter {
 public:
  RateLimiter(double interval_seconds, int burst)
      : interval_(interval_seconds), burst_(burst), tokens_(burst), last_(std::chrono::steady_clock::now()) {}
  bool Allow() {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    tokens_ = std::min<double>(burst_, tokens_ + std::chrono::duration<double>(now - last_).count() / interval_);
    last_ = now;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  const double interval_;
  const int burst_;
  std::mutex mu_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace proctree
