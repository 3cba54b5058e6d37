#include "exporter/http_server.h"

#include <CivetServer.h>
#include <civetweb.h>

#include <cctype>
#include <cstring>
#include <mutex>

#include "exporter/gzip.h"
#include "exporter/log.h"

namespace proctree {

namespace {

constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

void Respond(mg_connection* conn, int status, const char* reason, const char* content_type,
             const std::string& body, const std::string& extra_headers = "", bool head = false) {
  mg_printf(conn,
            "HTTP/1.1 %d %s\r\n"
            "Content-Type: %s\r\n"
            "Content-Length: %zu\r\n"
            "X-Content-Type-Options: nosniff\r\n"
            "%s\r\n",
            status, reason, content_type, body.size(), extra_headers.c_str());
  if (!head && !body.empty()) mg_write(conn, body.data(), body.size());
}

class RootHandler : public CivetHandler {
 public:
  RootHandler(const HttpOptions& opts, MetricsFn metrics, ReloadFn reload)
      : opts_(opts), metrics_(std::move(metrics)), reload_(std::move(reload)) {}

  bool handleGet(CivetServer*, mg_connection* conn) override { return Handle(conn, false); }
  bool handleHead(CivetServer*, mg_connection* conn) override { return Handle(conn, true); }
  bool handlePost(CivetServer*, mg_connection* conn) override { return Reload(conn); }
  bool handlePut(CivetServer*, mg_connection* conn) override { return Reload(conn); }
  bool handleDelete(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handleOptions(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }
  bool handlePatch(CivetServer*, mg_connection* conn) override { return NotAllowed(conn); }

 private:
  bool NotAllowed(mg_connection* conn) {
    const mg_request_info* ri = mg_get_request_info(conn);
    if (!Known(ri->local_uri)) return NotFound(conn, false);
    const bool reload = std::strcmp(ri->local_uri, "/-/reload") == 0;
    Respond(conn, 405, "Method Not Allowed", "text/plain; charset=utf-8", "method not allowed\n",
            reload ? "Allow: POST, PUT\r\n" : "Allow: GET, HEAD\r\n");
    return true;
  }

  // POST or PUT /-/reload, as Prometheus has it: 200 when the new config is
  // in force, 500 with the reason when it was rejected (the old one serves on).
  bool Reload(mg_connection* conn) {
    const mg_request_info* ri = mg_get_request_info(conn);
    if (!ri->local_uri || std::strcmp(ri->local_uri, "/-/reload") != 0) return NotAllowed(conn);
    std::string error;
    if (reload_(&error)) {
      Respond(conn, 200, "OK", "text/plain; charset=utf-8", "config reloaded\n");
    } else {
      Respond(conn, 500, "Internal Server Error", "text/plain; charset=utf-8",
              "config rejected, previous config still in force: " + error + "\n");
    }
    return true;
  }

  bool NotFound(mg_connection* conn, bool head) {
    Respond(conn, 404, "Not Found", "text/plain; charset=utf-8", "404 page not found\n", "", head);
    return true;
  }

  bool Known(const char* uri) const {
    return uri && (opts_.telemetry_path == uri || std::strcmp(uri, "/") == 0 ||
                   std::strcmp(uri, "/-/healthy") == 0 || std::strcmp(uri, "/-/reload") == 0);
  }

  bool Handle(mg_connection* conn, bool head) {
    const mg_request_info* ri = mg_get_request_info(conn);
    const char* uri = ri->local_uri ? ri->local_uri : "";
    if (opts_.telemetry_path == uri) return Metrics(conn, head);
    if (std::strcmp(uri, "/-/healthy") == 0) {
      Respond(conn, 200, "OK", "text/plain; charset=utf-8", "Healthy\n", "", head);
      return true;
    }
    if (std::strcmp(uri, "/") == 0) {
      Respond(conn, 200, "OK", "text/html; charset=utf-8", Landing(), "", head);
      return true;
    }
    if (std::strcmp(uri, "/-/reload") == 0) return NotAllowed(conn);
    return NotFound(conn, head);
  }

  bool Metrics(mg_connection* conn, bool head) {
    std::string body;
    try {
      body = metrics_();
    } catch (const std::exception& e) {
      log::Error("scrape failed", {{"err", e.what()}});
      Respond(conn, 500, "Internal Server Error", "text/plain; charset=utf-8",
              std::string("scrape failed: ") + e.what() + "\n", "", head);
      return true;
    }
    if (AcceptsGzip(mg_get_header(conn, "Accept-Encoding"))) {
      std::string gz;
      if (GzipCompress(body, &gz)) {
        Respond(conn, 200, "OK", kMetricsContentType, gz, "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n", head);
        return true;
      }
    }
    Respond(conn, 200, "OK", kMetricsContentType, body, "Vary: Accept-Encoding\r\n", head);
    return true;
  }

  std::string Landing() const {
    return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>proctree_exporter</title></head>\n"
           "<body><h1>proctree_exporter</h1>\n<p>Version " +
           opts_.version + "</p>\n<p><a href=\"" + opts_.telemetry_path + "\">Metrics</a></p>\n</body></html>\n";
  }

  HttpOptions opts_;
  MetricsFn metrics_;
  ReloadFn reload_;
};

// CivetWeb reports bind failures only through its log callback; keep the
// last messages so start-up can say why it failed.
std::mutex g_start_mu;
std::string g_start_log;

int CaptureLog(const mg_connection*, const char* message) {
  std::lock_guard<std::mutex> lock(g_start_mu);
  if (!g_start_log.empty()) g_start_log += "; ";
  g_start_log += message;
  log::Debug("civetweb", {{"message", message}});
  return 1;  // handled: keep CivetWeb from printing to stderr itself
}

class CivetHttpServer : public HttpServer {
 public:
  CivetHttpServer(std::unique_ptr<CivetServer> server, std::unique_ptr<RootHandler> handler)
      : handler_(std::move(handler)), server_(std::move(server)) {}
  ~CivetHttpServer() override { server_->close(); }

  std::vector<std::string> BoundAddresses() const override {
    std::vector<std::string> out;
    mg_server_port ports[16];
    int n = mg_get_server_ports(server_->getContext(), 16, ports);
    for (int i = 0; i < n; ++i) {
      // CivetWeb does not expose the bound host; the port is what clients need.
      out.push_back(std::to_string(ports[i].port));
    }
    return out;
  }

 private:
  std::unique_ptr<RootHandler> handler_;
  std::unique_ptr<CivetServer> server_;
};

}  // namespace

bool ToCivetListeningPort(const std::string& addr, std::string* out, std::string* error) {
  if (!addr.empty() && addr[0] == '[') {
    *error = "IPv6 listen address " + addr + " is not supported: Debian's CivetWeb is built without IPv6";
    return false;
  }
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) {
    *error = "listen address " + addr + " must be host:port or :port";
    return false;
  }
  std::string host = addr.substr(0, colon);
  std::string port = addr.substr(colon + 1);
  if (host.find(':') != std::string::npos) {
    *error = "IPv6 listen address " + addr + " is not supported: Debian's CivetWeb is built without IPv6";
    return false;
  }
  if (port.empty() || port.size() > 5) {
    *error = "listen address " + addr + " has no valid port";
    return false;
  }
  for (char c : port)
    if (!std::isdigit(static_cast<unsigned char>(c))) {
      *error = "listen address " + addr + " has no valid port";
      return false;
    }
  if (std::stoi(port) > 65535) {
    *error = "listen address " + addr + " has a port above 65535";
    return false;
  }
  *out = host.empty() ? port : host + ":" + port;
  return true;
}

bool AcceptsGzip(const char* header) {
  if (!header) return false;
  std::string h(header);
  for (auto& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::size_t pos = 0;
  while (pos < h.size()) {
    std::size_t end = h.find(',', pos);
    std::string token = h.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? h.size() : end + 1;
    auto b = token.find_first_not_of(" \t");
    if (b == std::string::npos) continue;
    token = token.substr(b);
    if (token.rfind("gzip", 0) != 0 && token.rfind("*", 0) != 0) continue;
    auto q = token.find("q=");
    if (q != std::string::npos && std::strtod(token.c_str() + q + 2, nullptr) == 0.0) continue;
    return true;
  }
  return false;
}

std::unique_ptr<HttpServer> HttpServer::Start(const HttpOptions& opts, MetricsFn metrics, ReloadFn reload,
                                              std::string* error) {
  std::string ports;
  for (const auto& a : opts.listen_addresses) {
    std::string p;
    if (!ToCivetListeningPort(a, &p, error)) return nullptr;
    ports += (ports.empty() ? "" : ",") + p;
  }
  std::vector<std::string> options = {
      "listening_ports", ports,
      "num_threads", "16",
      "request_timeout_ms", "30000",
      "enable_keep_alive", "yes",
      "keep_alive_timeout_ms", "30000",
  };
  CivetCallbacks callbacks;
  callbacks.log_message = CaptureLog;
  auto handler = std::make_unique<RootHandler>(opts, std::move(metrics), std::move(reload));
  std::unique_ptr<CivetServer> server;
  {
    std::lock_guard<std::mutex> lock(g_start_mu);
    g_start_log.clear();
  }
  try {
    server = std::make_unique<CivetServer>(options, &callbacks);
  } catch (const CivetException&) {
    std::lock_guard<std::mutex> lock(g_start_mu);
    std::string addrs;
    for (const auto& a : opts.listen_addresses) addrs += (addrs.empty() ? "" : ", ") + a;
    *error = "cannot listen on " + addrs + ": " + (g_start_log.empty() ? "unknown CivetWeb error" : g_start_log);
    return nullptr;
  }
  server->addHandler("/", handler.get());
  return std::make_unique<CivetHttpServer>(std::move(server), std::move(handler));
}

}  // namespace proctree
