#pragma once
#include <string>
#include <string_view>

namespace proctree {

// gzip-compresses `in` (RFC 1952). Returns false only if zlib fails.
bool GzipCompress(std::string_view in, std::string* out);

}  // namespace proctree
