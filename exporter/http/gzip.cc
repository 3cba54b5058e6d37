#include "exporter/http/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace proctree {

bool GzipCompress(std::string_view in, std::string* out) {
  if (in.size() > std::numeric_limits<uInt>::max()) return false;
  z_stream zs{};
  // Level 1: a scrape payload is repetitive text that compresses ~10x even at
  // the fastest level, and every millisecond here is CPU on the host we watch.
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  // The output starts at an eighth of the input and doubles when full. It
  // used to be sized to deflateBound (a little more than the input): 5 MB
  // allocated and zero-filled per gzip scrape at 2,000 processes for ~0.3 MB
  // of output, and on the benchmark VM touching fresh pages costs more than
  // compressing them (docs/benchmarks.md, 2026-11-27).
  out->assign(std::max<std::size_t>(in.size() / 8, 4096), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::size_t used = 0;
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (used == out->size()) out->resize(out->size() * 2);
    const std::size_t room = std::min<std::size_t>(out->size() - used, std::numeric_limits<uInt>::max());
    zs.next_out = reinterpret_cast<Bytef*>(out->data() + used);
    zs.avail_out = static_cast<uInt>(room);
    rc = deflate(&zs, Z_FINISH);
    used += room - zs.avail_out;
  }
  out->resize(used);
  deflateEnd(&zs);
  return rc == Z_STREAM_END;
}

}  // namespace proctree
