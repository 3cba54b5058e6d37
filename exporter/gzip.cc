#include "exporter/gzip.h"

#include <zlib.h>

namespace proctree {

bool GzipCompress(std::string_view in, std::string* out) {
  z_stream zs{};
  // Level 1: a scrape payload is repetitive text that compresses ~10x even at
  // the fastest level, and every millisecond here is CPU on the host we watch.
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  out->resize(deflateBound(&zs, in.size()));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  int rc = deflate(&zs, Z_FINISH);
  out->resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END;
}

}  // namespace proctree
