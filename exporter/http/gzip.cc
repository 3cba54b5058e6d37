#include "exporter/http/gzip.h"

#include <algorithm>
#include <limits>

namespace proctree {

GzipStream::GzipStream() : buf_(kBufferBytes, '\0') {
  // Level 1: a scrape payload is repetitive text that compresses ~10x even at
  // the fastest level, and every millisecond here is CPU on the host we watch.
  ok_ = deflateInit2(&zs_, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
}

GzipStream::~GzipStream() {
  if (ok_) deflateEnd(&zs_);
}

bool GzipStream::Write(std::string_view in, const Out& out) {
  while (ok_ && !in.empty()) {
    const std::size_t n = std::min<std::size_t>(in.size(), std::numeric_limits<uInt>::max());
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs_.avail_in = static_cast<uInt>(n);
    if (!Pump(Z_NO_FLUSH, out)) return false;
    in.remove_prefix(n);
  }
  return ok_;
}

bool GzipStream::Finish(const Out& out) {
  if (!ok_) return false;
  zs_.next_in = nullptr;
  zs_.avail_in = 0;
  if (!Pump(Z_FINISH, out)) return false;
  if (used_ != 0 && !out(std::string_view(buf_.data(), used_))) return false;
  used_ = 0;
  return true;
}

// Deflates until the input is taken (or, finishing, the stream ends),
// handing the buffer on each time it fills.
bool GzipStream::Pump(int flush, const Out& out) {
  for (;;) {
    zs_.next_out = reinterpret_cast<Bytef*>(buf_.data() + used_);
    zs_.avail_out = static_cast<uInt>(buf_.size() - used_);
    const int rc = deflate(&zs_, flush);
    used_ = buf_.size() - zs_.avail_out;
    if (rc == Z_STREAM_ERROR) return ok_ = false;
    if (used_ == buf_.size()) {
      if (!out(std::string_view(buf_.data(), used_))) return ok_ = false;
      used_ = 0;
      continue;
    }
    // Room left: deflate took all the input, or (finishing) wrote the trailer.
    if (flush == Z_FINISH && rc != Z_STREAM_END) return ok_ = false;
    return true;
  }
}

bool GzipCompress(std::string_view in, std::string* out) {
  out->clear();
  GzipStream gz;
  const GzipStream::Out append = [out](std::string_view b) {
    out->append(b);
    return true;
  };
  return gz.Write(in, append) && gz.Finish(append);
}

}  // namespace proctree
