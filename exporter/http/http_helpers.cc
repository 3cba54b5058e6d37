// The pure helpers http_server.h declares: listening addresses as CivetWeb
// takes them, Accept-Encoding, the scrape deadline, HTML escaping.
#include "exporter/http/http_server.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <strings.h>

#include "exporter/http/net_os.h"
#include "exporter/http/socket_headers.h"

namespace proctree {

using Clock = std::chrono::steady_clock;

bool ToCivetListeningPort(const std::string& addr, bool ipv6_available, std::string* out, std::string* error) {
  const auto colon = addr.rfind(':');
  if (colon == std::string::npos) {
    *error = "listen address " + addr + " must be host:port, [IPv6]:port or :port";
    return false;
  }
  const std::string host = addr.substr(0, colon);
  const std::string port = addr.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
    *error = "listen address " + addr + " has no valid port";
    return false;
  }
  if (std::stoi(port) > 65535) {
    *error = "listen address " + addr + " has a port above 65535";
    return false;
  }
  const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
  const std::string ip6 = bracketed ? host.substr(1, host.size() - 2) : "";
  in6_addr a6{};
  if (bracketed && inet_pton(AF_INET6, ip6.c_str(), &a6) != 1) {
    *error = "listen address " + addr + ": " + host + " is not an IPv6 address";
    return false;
  }
  if (!bracketed && (host.find(':') != std::string::npos || host.find('[') != std::string::npos)) {
    *error = "listen address " + addr + ": an IPv6 address must be in brackets, as in [::1]:9818";
    return false;
  }
  // Go listens on both families for "" and "::"; CivetWeb's "+port" does.
  if (host.empty() || (bracketed && IN6_IS_ADDR_UNSPECIFIED(&a6))) {
    *out = (ipv6_available ? "+" : "") + port;
    return true;
  }
  *out = host + ":" + port;
  return true;
}

bool ToCivetListeningPort(const std::string& addr, std::string* out, std::string* error) {
  return ToCivetListeningPort(addr, HostHasIPv6(), out, error);
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// RFC 9110 12.5.3: codings by exact name with an optional q; an explicit
// "gzip;q=0" refuses gzip even when "*" would allow it.
bool AcceptsGzip(const char* header) {
  if (!header) return false;
  std::string h(header);
  for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto trim = [](std::string s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  std::optional<bool> gzip, star;
  std::size_t pos = 0;
  while (pos <= h.size()) {
    const std::size_t end = std::min(h.find(',', pos), h.size());
    const std::string item = h.substr(pos, end - pos);
    pos = end + 1;
    const std::size_t semi = item.find(';');
    const std::string coding = trim(item.substr(0, semi));
    bool allowed = true;
    if (semi != std::string::npos) {
      const std::string param = trim(item.substr(semi + 1));
      if (param.rfind("q=", 0) == 0) allowed = std::strtod(param.c_str() + 2, nullptr) > 0.0;
    }
    if (coding == "gzip" || coding == "x-gzip") gzip = allowed;
    else if (coding == "*") star = allowed;
  }
  if (gzip) return *gzip;
  return star.value_or(false);
}

std::optional<Clock::time_point> ScrapeDeadline(const char* header, Clock::time_point start) {
  if (!header || !*header) return std::nullopt;
  char* end = nullptr;
  const double timeout = std::strtod(header, &end);
  while (end && (*end == ' ' || *end == '\t')) ++end;
  if (!end || *end != '\0' || !std::isfinite(timeout) || timeout <= 0 || timeout > 86400) return std::nullopt;
  const double margin = std::min(0.5, timeout / 4);
  return start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout - margin));
}

}  // namespace proctree
