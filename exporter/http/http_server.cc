#include "exporter/http/http_server.h"

#include <civetweb.h>

#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <strings.h>

#include "exporter/http/civetweb_edge.h"
#include "exporter/http/client_limit.h"
#include "exporter/http/gzip.h"
#include "exporter/http/http_framing.h"
#include "exporter/http/rate_limiter.h"
#include "exporter/http/socket_headers.h"
#include "exporter/http/streamed_body.h"
#include "probes/util/log.h"
#include "probes/util/strings.h"
#include "exporter/http/web_auth.h"
#include "exporter/http/web_tls.h"

namespace proctree {

namespace {

using Clock = std::chrono::steady_clock;

static_assert(kMaxRequestHeaderBytes <= PROCTREE_CIVET_RAW_CAPACITY,
              "civetweb_edge.c mirrors at most PROCTREE_CIVET_RAW_CAPACITY bytes of a header block");

constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";
constexpr const char* kTextContentType = "text/plain; charset=utf-8";

bool Is(const char* a, const char* b) { return a && std::strcmp(a, b) == 0; }

// CivetWeb's worker threads: a scrape slot each, and kSpareWorkers more.
int Workers(const HttpOptions& opts) { return (opts.max_requests > 0 ? opts.max_requests : 40) + kSpareWorkers; }

// The request path, %-decoded here: CivetWeb is told not to (decode_url: no)
// because its decoding runs on past an encoded NUL, so "/metrics%00.txt"
// was routed as "/metrics". False for a malformed escape or an encoded NUL.
// Dot segments were removed by CivetWeb before decoding, so an encoded one
// ("/%2e%2e/") stays in the path and routes nowhere.
bool DecodePath(const char* raw, std::string* out) {
  return PercentDecode(raw, out, /*plus_is_space=*/false) && out->find('\0') == std::string::npos;
}

class Handler {
 public:
  Handler(const HttpOptions& opts, MetricsFn metrics, ReloadFn reload)
      : opts_(opts),
        metrics_(std::move(metrics)),
        reload_(std::move(reload)),
        auth_(opts.web.users),
        connections_(opts.max_connections_per_client, Workers(opts), kReservedWorkers) {
    for (const auto& [name, value] : opts_.web.headers) {
      config_headers_ += name + ": " + value + "\r\n";
      if (name == "X-Content-Type-Options") nosniff_configured_ = true;
    }
    if (opts_.web.rate_limit_interval_seconds > 0)
      limiter_ = std::make_unique<RateLimiter>(opts_.web.rate_limit_interval_seconds, opts_.web.rate_limit_burst);
  }

  const HttpOptions& options() const { return opts_; }
  ClientConnectionLimit& connections() { return connections_; }

  // A request CivetWeb refused before begin_request (see HttpError): its
  // status, a well-formed answer with the usual headers, and the connection
  // closed (CivetWeb closes it after an error in any case).
  void Refuse(mg_connection* conn, int status) const {
    const char* reason = mg_get_response_code_text(conn, status);
    Reply r{conn, false, true, this};
    r.Send(status, reason, kTextContentType, std::to_string(status) + " " + reason + "\n");
  }

  // begin_request: every request comes here; the return value is the status
  // for CivetWeb's access log, and tells it the request was answered.
  int Serve(mg_connection* conn) {
    const mg_request_info* ri = mg_get_request_info(conn);
    const char* method = ri->request_method ? ri->request_method : "";
    const bool head = Is(method, "HEAD");
    // A body is only ever ignored; close afterwards rather than read it, so
    // it cannot be taken for a next request.
    const bool body = ri->content_length > 0 || ChunkedBody(conn);
    Reply r{conn, head, body, this};

    if (const FramingProblem p = CheckRawFraming(conn); p.status != 0) {
      r.close = true;  // where the next request would start is unknown
      return r.Send(p.status, mg_get_response_code_text(conn, p.status), kTextContentType,
                    std::to_string(p.status) + " " + mg_get_response_code_text(conn, p.status) + ": " + p.reason +
                        "\n");
    }
    if (const char* bad = BadFraming(ri)) {
      r.close = true;  // where the next request would start is unknown
      return r.Send(400, "Bad Request", kTextContentType, std::string("400 Bad Request: ") + bad + "\n");
    }
    std::string path;
    if (!DecodePath(ri->local_uri ? ri->local_uri : "", &path))
      return r.Send(400, "Bad Request", kTextContentType, "400 Bad Request: malformed %-escape in the path\n");
    const char* uri = path.c_str();

    if (limiter_ && !limiter_->Allow()) return r.Send(429, "Too Many Requests", kTextContentType, "Too Many Requests\n");
    if (auth_.enabled()) {
      const AuthResult a = auth_.Check(mg_get_header(conn, "Authorization"));
      if (a == AuthResult::kBusy)  // not checked: too many checks wait for bcrypt
        return r.Send(429, "Too Many Requests", kTextContentType, "Too Many Requests\n", "Retry-After: 1\r\n");
      if (a != AuthResult::kGranted)
        return r.Send(401, "Unauthorized", kTextContentType, "Unauthorized\n", "WWW-Authenticate: Basic\r\n");
    }

    const bool get = Is(method, "GET") || head;
    if (opts_.telemetry_path == uri) {
      if (!get) return MethodNotAllowed(r, "GET, HEAD");
      return Metrics(r, ri);
    }
    if (Is(uri, "/") || Is(uri, "/-/healthy")) {
      if (!get) return MethodNotAllowed(r, "GET, HEAD");
      if (Is(uri, "/")) return r.Send(200, "OK", "text/html; charset=utf-8", Landing());
      return r.Send(200, "OK", kTextContentType, "Healthy\n");
    }
    if (Is(uri, "/-/reload")) {
      if (!Is(method, "POST") && !Is(method, "PUT")) return MethodNotAllowed(r, "POST, PUT");
      if (ri->content_length > kMaxRequestBodyBytes)
        return r.Send(413, "Payload Too Large", kTextContentType, "request body too large\n");
      return Reload(r);
    }
    return r.Send(404, "Not Found", kTextContentType, "404 page not found\n");
  }

 private:
  struct Reply {
    mg_connection* conn;
    bool head;
    bool close;
    const Handler* h = nullptr;

    int Send(int status, const char* reason, const char* content_type, const std::string& body,
             const std::string& extra_headers = "") const {
      return h->Write(*this, status, reason, content_type, body, extra_headers);
    }
  };

  // The header block as received (CivetWeb's parse of it may have dropped lines).
  static FramingProblem CheckRawFraming(const mg_connection* conn) {
    const char* raw = nullptr;
    std::size_t len = 0;
    if (!proctree_civet_raw_request(conn, &raw, &len)) return {400, "the header block could not be checked"};
    return CheckRequestFraming(std::string_view(raw, len), MG_MAX_HEADERS);
  }

  static bool ChunkedBody(mg_connection* conn) {
    const char* te = mg_get_header(conn, "Transfer-Encoding");
    return te && *te;
  }

  // The status line and headers, with a Content-Length, or chunked when content_length is -1.
  bool Head(const Reply& r, int status, const char* reason, const char* content_type, long long content_length,
            const std::string& extra_headers) const {
    if (r.close) mg_disable_connection_keep_alive(r.conn);
    const std::string length = content_length < 0 ? std::string("Transfer-Encoding: chunked\r\n")
                                                  : "Content-Length: " + std::to_string(content_length) + "\r\n";
    // Lengths as strings, not %zu: MinGW checks formats as msvcrt's printf.
    return mg_printf(r.conn,
                     "HTTP/1.1 %d %s\r\n"
                     "Content-Type: %s\r\n"
                     "%s%s%s%s%s\r\n",
                     status, reason, content_type, length.c_str(),
                     nosniff_configured_ ? "" : "X-Content-Type-Options: nosniff\r\n", config_headers_.c_str(),
                     extra_headers.c_str(), r.close ? "Connection: close\r\n" : "") > 0;
  }

  int Write(const Reply& r, int status, const char* reason, const char* content_type, const std::string& body,
            const std::string& extra_headers) const {
    Head(r, status, reason, content_type, static_cast<long long>(body.size()), extra_headers);
    if (!r.head && !body.empty()) mg_write(r.conn, body.data(), body.size());
    return status;
  }

  int MethodNotAllowed(const Reply& r, const char* allow) {
    return r.Send(405, "Method Not Allowed", kTextContentType, "method not allowed\n",
                  std::string("Allow: ") + allow + "\r\n");
  }

  // POST or PUT /-/reload, as Prometheus has it: 200 when the new config is
  // in force, 500 with the reason when it was rejected (the old one serves on).
  int Reload(const Reply& r) {
    std::string error;
    if (reload_(&error)) return r.Send(200, "OK", kTextContentType, "config reloaded\n");
    return r.Send(500, "Internal Server Error", kTextContentType,
                  "config rejected, previous config still in force: " + error + "\n");
  }

  int Metrics(const Reply& r, const mg_request_info* ri) {
    const auto start = Clock::now();
    ScrapeRequest req;
    if (ri->query_string) req.query = ri->query_string;
    std::string error;
    if (opts_.check_query && !opts_.check_query(req.query, &error))
      return r.Send(400, "Bad Request", kTextContentType, error + "\n");
    req.deadline = ScrapeDeadline(mg_get_header(r.conn, "X-Prometheus-Scrape-Timeout-Seconds"), start);

    // node_exporter's promhttp MaxRequestsInFlight: never queue, refuse at once.
    struct Slot {
      std::atomic<int>& n;
      ~Slot() { n.fetch_sub(1); }
    };
    const int now_in_flight = in_flight_.fetch_add(1) + 1;
    Slot slot{in_flight_};
    if (opts_.max_requests > 0 && now_in_flight > opts_.max_requests) {
      return r.Send(503, "Service Unavailable", kTextContentType,
                    "Limit of concurrent requests reached (" + std::to_string(opts_.max_requests) +
                        "), try again later.\n");
    }

    return Stream(r, ri, req);
  }

  // The scrape's payload as it is written (StreamedBody).
  int Stream(const Reply& r, const mg_request_info* ri, const ScrapeRequest& req) {
    const bool gzip = AcceptsGzip(mg_get_header(r.conn, "Accept-Encoding"));
    const std::string extra =
        gzip ? "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n" : "Vary: Accept-Encoding\r\n";
    StreamedBody body(
        {[&](std::int64_t length) { return Head(r, 200, "OK", kMetricsContentType, length, extra); },
         [&](std::string_view b) { return mg_write(r.conn, b.data(), b.size()) == static_cast<int>(b.size()); }},
        {gzip, r.head, !Is(ri->http_version, "1.0")});
    bool sent = true;
    try {
      metrics_(req, [&](std::string_view piece) { return sent = body.Write(piece); });
    } catch (const std::exception& e) {
      log::Error("scrape failed", {{"err", e.what()}});
      if (!body.started())
        return r.Send(500, "Internal Server Error", kTextContentType, std::string("scrape failed: ") + e.what() + "\n");
      sent = false;  // no terminating chunk: the client sees the body cut short
    }
    if (!sent || !body.Finish()) mg_disable_connection_keep_alive(r.conn);
    return 200;
  }

  std::string Landing() const {
    return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>proctree_exporter</title></head>\n"
           "<body><h1>proctree_exporter</h1>\n<p>Version " +
           HtmlEscape(opts_.version) + "</p>\n<p><a href=\"" + HtmlEscape(opts_.telemetry_path) +
           "\">Metrics</a></p>\n</body></html>\n";
  }

  const HttpOptions opts_;
  const MetricsFn metrics_;
  const ReloadFn reload_;
  BasicAuth auth_;
  std::unique_ptr<RateLimiter> limiter_;
  std::string config_headers_;
  bool nosniff_configured_ = false;
  std::atomic<int> in_flight_{0};
  ClientConnectionLimit connections_;
};

// civetweb_edge.c's admission hooks (accept thread, or a worker unparking).
int AdmitConnection(void* user_data, int fd, const sockaddr* peer, socklen_t peer_len) {
  auto* h = static_cast<Handler*>(user_data);
  return !h || h->connections().Admit(fd, peer, peer_len) ? 1 : 0;
}

void ReleaseConnection(void* user_data, int fd) {
  if (auto* h = static_cast<Handler*>(user_data)) h->connections().Release(fd);
}

// Every admitted connection ends here (after a failed TLS handshake too),
// before its socket is closed: a parked one of its client may go on.
void ConnectionClosing(const mg_connection* conn) {
  mg_context* ctx = mg_get_context(conn);
  auto* h = static_cast<Handler*>(mg_get_user_data(ctx));
  if (!h) return;
  h->connections().Release(proctree_civet_client_socket(conn));
  proctree_civet_unpark(ctx);
}

int BeginRequest(mg_connection* conn) {
  auto* h = static_cast<Handler*>(mg_get_request_info(conn)->user_data);
  return h->Serve(conn);
}

// CivetWeb's own refusals (a request line or header block it cannot parse,
// an HTTP version it does not speak, a negative Content-Length) come here.
// Its default answer builds the status line from the request's version
// string, so "GET /a b HTTP/1.1" got back "HTTP/b HTTP/1.1\r\nHost: ..." with
// the request's own line breaks in it; the answer is written here instead.
int HttpError(mg_connection* conn, int status, const char*) {
  auto* h = static_cast<const Handler*>(mg_get_user_data(mg_get_context(conn)));
  if (!h || status < 400 || status > 599) return 1;  // CivetWeb's own answer
  h->Refuse(conn, status);
  return 0;
}

// CivetWeb reports bind and TLS failures through its log callback; keep the
// messages of a start-up so it can say why it failed.
std::mutex g_start_mu;
std::string g_start_log;

int CaptureLog(const mg_connection*, const char* message) {
  {
    std::lock_guard<std::mutex> lock(g_start_mu);
    if (g_start_log.size() < 4096) {
      if (!g_start_log.empty()) g_start_log += "; ";
      g_start_log += message;
    }
  }
  log::Debug("civetweb", {{"message", message}});
  return 1;  // handled: keep CivetWeb from printing to stderr itself
}

// init_ssl runs inside mg_start2, on the starting thread.
thread_local const TlsServerConfig* t_tls_config = nullptr;
thread_local std::string* t_tls_error = nullptr;

int InitSsl(void* ssl_ctx, void*) {
  if (!t_tls_config) return -1;
  std::string error;
  if (!ConfigureTlsContext(ssl_ctx, t_tls_config, &error)) {
    if (t_tls_error) *t_tls_error = error;
    return -1;
  }
  return 1;  // configured: CivetWeb loads no certificate of its own
}

// "127.0.0.1:9818", "[::1]:9818".
std::string FormatAddress(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(ss);
    inet_ntop(AF_INET6, &in6.sin6_addr, host, sizeof(host));
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(in6.sin6_port));
  }
  const auto& in = reinterpret_cast<const sockaddr_in&>(ss);
  inet_ntop(AF_INET, &in.sin_addr, host, sizeof(host));
  return std::string(host) + ":" + std::to_string(ntohs(in.sin_port));
}

class CivetHttpServer : public HttpServer {
 public:
  CivetHttpServer(mg_context* ctx, std::unique_ptr<Handler> handler, std::vector<std::string> bound)
      : handler_(std::move(handler)), ctx_(ctx), bound_(std::move(bound)) {}
  ~CivetHttpServer() override { proctree_civet_stop(ctx_); }

  std::vector<std::string> BoundAddresses() const override { return bound_; }

 private:
  std::unique_ptr<Handler> handler_;  // outlives ctx_: mg_stop joins the workers first
  mg_context* ctx_;
  const std::vector<std::string> bound_;
};

}  // namespace

namespace {

// CivetWeb's listening_ports value for the listen addresses ("s" marks TLS).
bool CivetPorts(const HttpOptions& opts, bool tls, std::string* ports, std::string* error) {
  for (const auto& a : opts.listen_addresses) {
    std::string p;
    if (!ToCivetListeningPort(a, &p, error)) return false;
    *ports += (ports->empty() ? "" : ",") + p + (tls ? "s" : "");
  }
  return true;
}

std::vector<std::string> CivetOptions(const HttpOptions& opts, const std::string& ports) {
  const std::string timeout_ms = std::to_string(opts.request_timeout.count());
  return {
      "listening_ports", ports,
      "num_threads", std::to_string(Workers(opts)),
      "request_timeout_ms", timeout_ms,
      // An idle kept-alive connection holds a worker: no longer than a request may take.
      "keep_alive_timeout_ms", timeout_ms,
      "enable_keep_alive", "yes",
      "decode_url", "no",  // done by the handler (DecodePath)
      "max_request_size", std::to_string(kMaxRequestHeaderBytes),
      "linger_timeout_ms", "1000",
  };
}

// Why mg_start2 failed: the TLS setup's reason, else what CivetWeb logged, else its error text.
std::string StartFailure(const HttpOptions& opts, const std::string& tls_error, const char* errtext) {
  std::lock_guard<std::mutex> lock(g_start_mu);
  std::string addrs;
  for (const auto& a : opts.listen_addresses) addrs += (addrs.empty() ? "" : ", ") + a;
  std::string why = !tls_error.empty() ? tls_error : (!g_start_log.empty() ? g_start_log : std::string(errtext));
  if (why.empty()) why = "unknown CivetWeb error";
  return "cannot listen on " + addrs + ": " + why;
}

}  // namespace

std::unique_ptr<HttpServer> HttpServer::Start(const HttpOptions& opts, MetricsFn metrics, ReloadFn reload,
                                              std::string* error) {
  const bool tls = opts.web.tls.Enabled();
  std::string ports;
  if (!CivetPorts(opts, tls, &ports, error)) return nullptr;
  if (tls) {
    if (!CheckTlsConfig(opts.web.tls, error)) {
      *error = "invalid tls_server_config: " + *error;
      return nullptr;
    }
    mg_init_library(MG_FEATURES_TLS);
  }
  const int workers = Workers(opts);
  const std::vector<std::string> options = CivetOptions(opts, ports);
  std::vector<const char*> argv;
  for (const auto& o : options) argv.push_back(o.c_str());
  argv.push_back(nullptr);

  auto handler = std::make_unique<Handler>(opts, std::move(metrics), std::move(reload));
  mg_callbacks callbacks{};
  callbacks.begin_request = BeginRequest;
  callbacks.http_error = HttpError;
  callbacks.log_message = CaptureLog;
  callbacks.connection_close = ConnectionClosing;
  if (tls) callbacks.init_ssl = InitSsl;

  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = handler.get();
  init.configuration_options = argv.data();
  char errtext[512] = {0};
  mg_error_data err{};
  err.text = errtext;
  err.text_buffer_size = sizeof(errtext);

  {
    std::lock_guard<std::mutex> lock(g_start_mu);
    g_start_log.clear();
  }
  std::string tls_error;
  // The handler's copy of the options, whose address stays valid for the
  // handshake-time client_allowed_sans check.
  t_tls_config = &handler->options().web.tls;
  t_tls_error = &tls_error;
  static std::once_flag hooks_once;
  std::call_once(hooks_once, [] { proctree_civet_set_admission(AdmitConnection, ReleaseConnection); });
  proctree_civet_forget_bound();
  mg_context* ctx = mg_start2(&init, &err);
  t_tls_config = nullptr;
  t_tls_error = nullptr;
  if (!ctx) {
    *error = StartFailure(opts, tls_error, errtext);
    return nullptr;
  }
  log::Info(tls ? "TLS is enabled" : "TLS is disabled",
            {{"http2", "false"}, {"basic_auth", opts.web.users.empty() ? "false" : "true"},
             {"max_requests", std::to_string(opts.max_requests)}, {"workers", std::to_string(workers)},
             {"max_connections_per_client", std::to_string(opts.max_connections_per_client)}});
  std::vector<std::string> bound;
  sockaddr_storage ss;
  for (int i = 0; proctree_civet_bound_address(i, &ss); ++i) bound.push_back(FormatAddress(ss));
  return std::make_unique<CivetHttpServer>(ctx, std::move(handler), std::move(bound));
}

}  // namespace proctree
