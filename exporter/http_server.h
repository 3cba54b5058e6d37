#pragma once
// The HTTP edge: CivetWeb's CivetServer with one handler that owns every
// path, so nothing is ever served from disk.
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace proctree {

struct HttpOptions {
  std::vector<std::string> listen_addresses;  // ":9818", "127.0.0.1:0", ...
  std::string telemetry_path = "/metrics";
  std::string version;
};

// Produces the payload of one scrape.
using MetricsFn = std::function<std::string()>;
// Reloads the config; false with the reason when the new one is rejected.
using ReloadFn = std::function<bool(std::string* error)>;

class HttpServer {
 public:
  // Starts serving; nullptr with *error naming the address and reason on failure.
  static std::unique_ptr<HttpServer> Start(const HttpOptions& opts, MetricsFn metrics, ReloadFn reload,
                                           std::string* error);
  virtual ~HttpServer() = default;
  // The bound "host:port" strings (with real ports when 0 was asked for).
  virtual std::vector<std::string> BoundAddresses() const = 0;
};

// ":9818" -> "9818", "0.0.0.0:9818" -> "0.0.0.0:9818"; IPv6 is refused with
// a reason, since Debian's CivetWeb is built without it.
bool ToCivetListeningPort(const std::string& addr, std::string* out, std::string* error);

// True when an Accept-Encoding header value accepts gzip.
bool AcceptsGzip(const char* accept_encoding);

}  // namespace proctree
