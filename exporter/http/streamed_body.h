#pragma once
// The body of a scrape's response, sent as the scrape writes it.
//
// The first kCommitBytes are held back: a payload that ends within them (an
// error page, a small host, collect[] of a few families) goes out whole with
// a Content-Length. A longer one goes out with Transfer-Encoding: chunked as
// it comes, through gzip when the client accepts it, so the exporter never
// holds more than a couple of buffers of it. A scrape that fails after the
// first chunk is cut short without the terminating chunk, so the client sees
// an incomplete response, never a truncated one that looks whole.
// HEAD counts the bytes and sends only the headers, with their
// Content-Length; an HTTP/1.0 client, which knows no chunks, gets the whole
// body held and sent with a Content-Length, as before.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "exporter/http/gzip.h"

namespace proctree {

class StreamedBody {
 public:
  static constexpr std::size_t kCommitBytes = 64 * 1024;
  struct Out {
    // The status line and headers: with this Content-Length, or chunked when -1.
    std::function<bool(std::int64_t content_length)> head;
    // Raw bytes onto the connection; false when the client is gone.
    std::function<bool(std::string_view)> write;
  };
  struct Mode {
    bool gzip = false;
    bool head_only = false;  // HEAD
    bool may_chunk = true;   // false for HTTP/1.0
  };
  StreamedBody(Out out, Mode mode);

  // A piece of the payload; false once the client is gone.
  bool Write(std::string_view piece);
  // The payload is complete: the rest, and the terminating chunk.
  bool Finish();
  // Whether bytes of the response went out already (an error can no longer
  // be a status of its own).
  bool started() const { return chunked_; }

 private:
  bool Emit(std::string_view bytes);
  bool SendChunk(std::string_view bytes);

  Out out_;
  Mode mode_;
  std::unique_ptr<GzipStream> gzip_;
  std::string pending_;  // held back until kCommitBytes
  std::int64_t counted_ = 0;  // HEAD
  bool chunked_ = false;
};

}  // namespace proctree
