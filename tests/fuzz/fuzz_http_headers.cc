// libFuzzer target: the request header values the exporter reads itself
// (CivetWeb has already split the request): Accept-Encoding,
// X-Prometheus-Scrape-Timeout-Seconds and Authorization, plus the Go
// durations of the web config's rate limit. The first byte picks the parser;
// the rest is the value, cut at a NUL as a C-string header is.
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "exporter/http/http_server.h"
#include "exporter/http/web_auth.h"
#include "exporter/http/web_config.h"

namespace {

using namespace proctree;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

std::string Base64(std::string_view in) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned n = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += kAlphabet[(n >> s) & 63];
  }
  if (in.size() - i == 1) {
    const unsigned n = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (in.size() - i == 2) {
    const unsigned n = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

void AcceptEncoding(const std::string& h) {
  const bool accepts = AcceptsGzip(h.c_str());
  // The last mention of gzip decides; "*" only counts without one.
  Check(!AcceptsGzip((h + ",gzip;q=0").c_str()));
  Check(AcceptsGzip((h + ", GZIP").c_str()));
  Check(AcceptsGzip((h + ",identity").c_str()) == accepts);
  if (accepts) Check(AcceptsGzip(("deflate, " + h).c_str()));
}

void ScrapeTimeout(const std::string& h) {
  const auto start = std::chrono::steady_clock::time_point(std::chrono::hours(1000));
  const auto deadline = ScrapeDeadline(h.c_str(), start);
  if (!deadline) return;
  // A deadline is not before the start, and at most a day (the cap) away;
  // at least 3/4 of the timeout is left to the scrape.
  Check(*deadline >= start && *deadline <= start + std::chrono::hours(24));
  const double timeout = std::strtod(h.c_str(), nullptr);
  const double used = std::chrono::duration<double>(*deadline - start).count();
  Check(used >= timeout * 0.75 - 1e-6 && used <= timeout);
  Check(ScrapeDeadline((h + " \t").c_str(), start) == deadline);  // trailing blanks are ignored
}

void Authorization(const std::string& h) {
  std::string user, password;
  if (ParseBasicAuthorization(h, &user, &password)) {
    Check(user.find(':') == std::string::npos);
    Check(h.size() >= 6 && (h.size() - 6) % 4 == 0);
    std::string u2, p2;
    Check(ParseBasicAuthorization("Basic " + Base64(user + ":" + password), &u2, &p2));
    Check(u2 == user && p2 == password);
  }
  // Whatever the bytes, a well-formed header carrying them reads back.
  const auto colon = h.find(':');
  if (colon != std::string::npos) {
    std::string u3, p3;
    Check(ParseBasicAuthorization("bAsIc " + Base64(h), &u3, &p3));
    Check(u3 == h.substr(0, colon) && p3 == h.substr(colon + 1));
  }
}

void GoDuration(const std::string& s) {
  double seconds = -1;
  if (!ParseGoDuration(s, &seconds)) return;
  Check(std::isfinite(seconds) && seconds >= 0);
  // A trailing "0s" adds nothing after a unit.
  const char last = s.back();
  if (!(last >= '0' && last <= '9') && last != '.') {
    double again = -1;
    Check(ParseGoDuration(s + "0s", &again) && again == seconds);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string value(std::string(reinterpret_cast<const char*>(data) + 1, size - 1).c_str());
  switch (data[0] % 4) {
    case 0: AcceptEncoding(value); break;
    case 1: ScrapeTimeout(value); break;
    case 2: Authorization(value); break;
    default: GoDuration(value); break;
  }
  return 0;
}
