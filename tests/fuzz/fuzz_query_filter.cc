// libFuzzer target: collect[]/exclude[] query strings, as CivetWeb hands them
// over (raw, up to the first NUL). Checked against a plain reading of the same
// string: which names were asked for, and whether every %-escape is well
// formed. A refusal becomes the 400 body (text/plain; charset=utf-8), so its
// reason must be valid UTF-8 whatever bytes the escapes decoded to; an
// acceptance keeps only catalog families.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "exporter/metrics/metric_catalog.h"
#include "exporter/metrics/query_filter.h"
#include "probes/util/utf8.h"

namespace {

using namespace proctree;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The reading the filter must agree with: '&'-separated pairs, '=' splits
// name from value, %XX and '+' decoded; nullopt-like false on a bad escape.
bool Decode(std::string_view in, std::string* out) {
  out->clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (in.size() - i < 3 || HexDigit(in[i + 1]) < 0 || HexDigit(in[i + 2]) < 0) return false;
      out->push_back(static_cast<char>(HexDigit(in[i + 1]) * 16 + HexDigit(in[i + 2])));
      i += 2;
    } else {
      out->push_back(in[i] == '+' ? ' ' : in[i]);
    }
  }
  return true;
}

struct Reading {
  bool malformed = false;
  std::set<std::string> collect, exclude;
};

Reading Read(std::string_view q) {
  Reading r;
  std::size_t start = 0;
  while (start <= q.size()) {
    const std::size_t amp = std::min(q.find('&', start), q.size());
    const std::string_view pair = q.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    std::string name, value;
    if (!Decode(pair.substr(0, eq), &name)) {
      r.malformed = true;
      return r;
    }
    if (name != "collect[]" && name != "exclude[]") continue;
    if (!Decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), &value)) {
      r.malformed = true;
      return r;
    }
    (name == "collect[]" ? r.collect : r.exclude).insert(value);
  }
  return r;
}

bool InCatalog(const std::string& name) {
  for (const auto& d : Catalog())
    if (d.name == name) return true;
  return false;
}

// Every byte as %XX: what a client that escapes everything sends.
std::string Encode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string raw(reinterpret_cast<const char*>(data), size);
  const std::string_view q(raw.c_str());  // CivetWeb's query_string is a C string

  // The decoder alone: escaping every byte and decoding gives the bytes back.
  std::string decoded;
  Check(UrlDecodeQueryComponent(Encode(raw), &decoded) && decoded == raw);
  std::string mine;
  Check(UrlDecodeQueryComponent(q, &decoded) == Decode(q, &mine));

  FamilyFilter filter;
  filter.active = true;
  std::string error;
  const bool ok = ParseFamilyFilter(raw.c_str(), &filter, &error);
  const Reading want = Read(q);
  if (!ok) {
    Check(!error.empty() && IsValidUtf8(error) && error.find('\n') == std::string::npos);
    bool unknown = false;
    for (const auto* set : {&want.collect, &want.exclude})
      for (const auto& n : *set) unknown = unknown || !InCatalog(n);
    Check(want.malformed || unknown || (!want.collect.empty() && !want.exclude.empty()));
    return 0;
  }
  Check(!want.malformed);
  Check(want.collect.empty() || want.exclude.empty());
  Check(filter.active == (!want.collect.empty() || !want.exclude.empty()));
  for (const auto& d : Catalog()) {
    const std::string name(d.name);
    if (!want.collect.empty()) Check(filter.keep.has(d.id) == (want.collect.count(name) == 1));
    else if (!want.exclude.empty()) Check(filter.keep.has(d.id) == (want.exclude.count(name) == 0));
    else Check(filter.keep.has(d.id));
  }
  for (const auto* set : {&want.collect, &want.exclude})
    for (const auto& n : *set) Check(InCatalog(n) && IsValidUtf8(n));
  return 0;
}
