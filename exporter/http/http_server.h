#pragma once
// The HTTP edge: CivetWeb (its C API, mg_start2), with one begin_request
// callback that sees every request (any method, any path), so nothing is
// ever served from disk. In order, as exporter-toolkit and node_exporter do it: the web
// config's rate limit (429) and headers, basic auth (401), routing (404, 405),
// collect[]/exclude[] (400), the concurrent scrape limit (503), the scrape.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/http/web_config.h"

namespace proctree {

struct HttpOptions {
  std::vector<std::string> listen_addresses;  // ":9818", "127.0.0.1:0", ...
  std::string telemetry_path = "/metrics";
  std::string version;
  WebConfig web;  // --web.config.file; the default is plain HTTP without auth
  // Concurrent scrapes; one more is answered 503 at once. 0: no limit.
  int max_requests = 40;
  // How long a client may take to send a request's line and headers (and,
  // on a kept-alive connection, to start the next one); also bounds each
  // network write. Slow or idle clients are dropped after it.
  std::chrono::milliseconds request_timeout{10000};
  // Checks a scrape's query string before it takes a slot: false with the
  // reason is answered 400. Unset: every query string is accepted.
  std::function<bool(const std::string& query, std::string* error)> check_query;
  // Connections one client address may hold while fewer than
  // kReservedWorkers workers are free (ClientConnectionLimit); 0: no limit.
  int max_connections_per_client = 16;
};

// The request header block may be at most this big (431/413 beyond), and a
// request body (only /-/reload takes one, and ignores it) at most kMaxBody.
inline constexpr std::size_t kMaxRequestHeaderBytes = 16 * 1024;
inline constexpr long long kMaxRequestBodyBytes = 64 * 1024;
// Worker threads beyond --web.max-requests: for 503s, health checks and 401s
// while every scrape slot is taken.
inline constexpr int kSpareWorkers = 16;
// Workers kept for clients under --web.max-connections-per-client: while
// fewer are free, a client at its limit gets no more (ClientConnectionLimit).
inline constexpr int kReservedWorkers = 8;

// What one scrape request asks for. The edge passes the query string on
// uninterpreted: what its parameters mean is the scrape's business.
struct ScrapeRequest {
  std::string query;  // the raw query string, "" when there is none
  // From X-Prometheus-Scrape-Timeout-Seconds: when to stop starting reads.
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

// Receives a scrape's payload a piece at a time, in order; false: the
// client is gone, the rest is not wanted.
using PayloadConsumer = std::function<bool(std::string_view)>;
// Produces the payload of one scrape, handing it to `consume` as it is
// written, on the calling thread. An exception before the first piece is
// answered 500; one after it cuts the response short, visibly: the
// connection closes without the terminating chunk.
using MetricsFn = std::function<void(const ScrapeRequest&, const PayloadConsumer& consume)>;
// Reloads the config; false with the reason when the new one is rejected.
using ReloadFn = std::function<bool(std::string* error)>;

class HttpServer {
 public:
  // Starts serving; nullptr with *error naming the address and reason on failure.
  static std::unique_ptr<HttpServer> Start(const HttpOptions& opts, MetricsFn metrics, ReloadFn reload,
                                           std::string* error);
  virtual ~HttpServer() = default;
  // The bound addresses, "127.0.0.1:9818" or "[::]:9818" (with the real
  // port when 0 was asked for).
  virtual std::vector<std::string> BoundAddresses() const = 0;
};

// A --web.listen-address in CivetWeb's listening_ports syntax, as Go's
// net.Listen reads it: ":9818" and "[::]:9818" are every address of both
// families ("+9818"; only IPv4's, "9818", when `ipv6_available` is false),
// "[::1]:9818" is IPv6 only, "0.0.0.0:9818" and "127.0.0.1:9818" IPv4 only,
// a host name resolves as CivetWeb resolves it (IPv4).
bool ToCivetListeningPort(const std::string& addr, bool ipv6_available, std::string* out, std::string* error);
// The same, asking the host whether it has IPv6 (an AF_INET6 socket can be made).
bool ToCivetListeningPort(const std::string& addr, std::string* out, std::string* error);

// Text for HTML: & < > " ' as character references.
std::string HtmlEscape(const std::string& s);

// True when an Accept-Encoding header value accepts gzip.
bool AcceptsGzip(const char* accept_encoding);

// The point a scrape should stop starting reads, from the value of
// X-Prometheus-Scrape-Timeout-Seconds (nullptr or unusable: no deadline):
// the timeout less a margin for serializing and sending what was read, of a
// quarter of the timeout up to half a second.
std::optional<std::chrono::steady_clock::time_point> ScrapeDeadline(const char* timeout_header,
                                                                    std::chrono::steady_clock::time_point start);

}  // namespace proctree
