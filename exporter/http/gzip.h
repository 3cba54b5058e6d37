#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <zlib.h>

namespace proctree {

// gzip (RFC 1952) as the input comes: compressed output is handed on a
// buffer's worth at a time, so memory stays the same whatever the input's
// size (zlib's own state, ~260 KiB at these settings, plus the buffer).
class GzipStream {
 public:
  // Receives compressed bytes; false stops the stream (the client is gone).
  using Out = std::function<bool(std::string_view)>;
  static constexpr std::size_t kBufferBytes = 64 * 1024;

  GzipStream();
  ~GzipStream();
  GzipStream(const GzipStream&) = delete;
  GzipStream& operator=(const GzipStream&) = delete;

  // False when zlib failed or `out` said stop.
  bool Write(std::string_view in, const Out& out);
  // Flushes the rest and the gzip trailer.
  bool Finish(const Out& out);

 private:
  bool Pump(int flush, const Out& out);

  z_stream zs_{};
  bool ok_ = false;
  std::string buf_;
  std::size_t used_ = 0;
};

// gzip-compresses `in` (RFC 1952) into *out. Returns false only if zlib fails.
bool GzipCompress(std::string_view in, std::string* out);

}  // namespace proctree
