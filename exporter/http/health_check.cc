#include "exporter/http/health_check.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <vector>

#include "probes/util/build_version.h"
#include "probes/util/strings.h"

namespace proctree {

namespace {

bool StartsWithNoCase(const std::string& s, const char* prefix) {
  const std::size_t n = std::strlen(prefix);
  if (s.size() < n) return false;
  for (std::size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

std::string Base64(const std::string& in) {
  std::vector<unsigned char> out(4 * ((in.size() + 2) / 3) + 1);
  const int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<std::size_t>(n));
}

// Kept to one line: the reason a peer or CivetWeb gave may carry anything.
std::string OneLine(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// Takes "user[:password]@" off the front of authority into u, %-decoded;
// *shown is how the log shows it (the password masked).
bool TakeUserinfo(std::string& authority, HealthCheckUrl& u, std::string* shown, std::string* error) {
  const auto at = authority.rfind('@');
  if (at == std::string::npos) return true;
  const std::string userinfo = authority.substr(0, at);
  authority = authority.substr(at + 1);
  const auto colon = userinfo.find(':');
  const std::string user = userinfo.substr(0, colon);
  if (!PercentDecode(user, &u.user, false) ||
      (colon != std::string::npos && !PercentDecode(userinfo.substr(colon + 1), &u.password, false))) {
    *error = "the URL's user information has a malformed %-escape";
    return false;
  }
  u.has_userinfo = true;
  *shown = user + (colon != std::string::npos ? ":xxxxx" : "") + "@";
  return true;
}

// Host (a name, IPv4 or bracketed IPv6), Host header and port of authority.
bool ParseHostPort(const std::string& authority, HealthCheckUrl& u, std::string* error) {
  std::size_t host_end;  // where the host ends in authority
  if (!authority.empty() && authority[0] == '[') {
    host_end = authority.find(']');
    in6_addr a6{};
    u.host = host_end == std::string::npos ? "" : authority.substr(1, host_end - 1);
    if (host_end == std::string::npos || inet_pton(AF_INET6, u.host.c_str(), &a6) != 1) {
      *error = "the URL's host \"" + authority.substr(0, host_end == std::string::npos ? authority.size() : host_end + 1) +
               "\" is not a bracketed IPv6 address";
      return false;
    }
    ++host_end;
    if (host_end < authority.size() && authority[host_end] != ':') {
      *error = "the URL has text after its IPv6 address: " + authority;
      return false;
    }
    u.host_header = "[" + u.host + "]";
  } else {
    host_end = std::min(authority.find(':'), authority.size());
    u.host = authority.substr(0, host_end);
    u.host_header = u.host;
  }
  if (u.host.empty()) {
    *error = "the URL has no host";
    return false;
  }
  if (u.host_header[0] != '[') {
    for (char c : u.host) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
        *error = "the URL's host \"" + u.host + "\" is not a host name, an IPv4 address or a bracketed IPv6 address";
        return false;
      }
    }
  }
  const std::size_t colon = host_end < authority.size() ? host_end : std::string::npos;
  u.port = u.tls ? 443 : 80;
  if (colon != std::string::npos) {
    const std::string port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) < 1 || std::stoi(port) > 65535) {
      *error = "the URL's port \"" + port + "\" is not a number from 1 to 65535";
      return false;
    }
    u.port = std::stoi(port);
  }
  return true;
}

}  // namespace

bool ParseHealthCheckUrl(const std::string& url, HealthCheckUrl* out, std::string* error) {
  HealthCheckUrl u;
  for (char c : url) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7f) {
      *error = "the URL must not contain spaces or control characters";
      return false;
    }
  }
  std::size_t pos;
  if (StartsWithNoCase(url, "http://")) {
    pos = 7;
  } else if (StartsWithNoCase(url, "https://")) {
    u.tls = true;
    pos = 8;
  } else {
    *error = "the URL must start with http:// or https://";
    return false;
  }
  const std::size_t authority_end = std::min(url.find_first_of("/?#", pos), url.size());
  std::string authority = url.substr(pos, authority_end - pos);
  std::string rest = url.substr(authority_end);
  if (auto hash = rest.find('#'); hash != std::string::npos) rest.resize(hash);
  u.target = rest.empty() || rest[0] == '?' ? "/" + rest : rest;

  std::string shown_userinfo;
  if (!TakeUserinfo(authority, u, &shown_userinfo, error) || !ParseHostPort(authority, u, error)) return false;
  u.redacted = url.substr(0, pos) + shown_userinfo + authority + url.substr(authority_end);
  *out = std::move(u);
  return true;
}

HealthCheckResult RunHealthCheck(const std::string& url, std::chrono::milliseconds timeout) {
  HealthCheckResult r;
  HealthCheckUrl u;
  std::string error;
  if (!ParseHealthCheckUrl(url, &u, &error)) {
    r.message = "malformed URL: " + error;
    return r;
  }
  const std::string where = "GET " + u.redacted;
  if (u.tls) {
    if ((mg_init_library(MG_FEATURES_TLS) & MG_FEATURES_TLS) == 0) {
      r.message = where + ": https is not available: CivetWeb could not initialize OpenSSL";
      return r;
    }
  } else {
    mg_init_library(0);
  }

  char ebuf[256] = {0};
  mg_client_options opts{};
  opts.host = u.host.c_str();
  opts.port = u.port;
  opts.host_name = u.host.c_str();  // SNI
  mg_connection* conn = u.tls ? mg_connect_client_secure(&opts, ebuf, sizeof(ebuf))
                              : mg_connect_client(u.host.c_str(), u.port, 0, ebuf, sizeof(ebuf));
  if (!conn) {
    r.message = where + ": cannot connect: " + OneLine(*ebuf ? ebuf : "unknown CivetWeb error");
    return r;
  }
  std::string request = "GET " + u.target + " HTTP/1.1\r\nHost: " + u.host_header +
                        (u.port == (u.tls ? 443 : 80) ? "" : ":" + std::to_string(u.port)) +
                        "\r\nUser-Agent: proctree_exporter/" + kVersion +
                        " health-check\r\nAccept: */*\r\nConnection: close\r\n";
  if (u.has_userinfo) request += "Authorization: Basic " + Base64(u.user + ":" + u.password) + "\r\n";
  request += "\r\n";
  if (mg_write(conn, request.data(), request.size()) != static_cast<int>(request.size())) {
    mg_close_connection(conn);
    r.message = where + ": cannot send the request";
    return r;
  }
  ebuf[0] = '\0';
  const int ms = static_cast<int>(std::max<long long>(1, timeout.count()));
  if (mg_get_response(conn, ebuf, sizeof(ebuf), ms) < 0) {
    r.message = where + ": no valid HTTP answer within " + std::to_string(ms) + "ms: " +
                OneLine(*ebuf ? ebuf : "unknown CivetWeb error");
    mg_close_connection(conn);
    return r;
  }
  const mg_response_info* ri = mg_get_response_info(conn);
  const int status = ri ? ri->status_code : 0;
  const std::string text = ri && ri->status_text ? OneLine(ri->status_text) : "";
  mg_close_connection(conn);
  r.healthy = status >= 200 && status <= 299;
  r.message = where + ": " + std::to_string(status) + (text.empty() ? "" : " " + text);
  return r;
}

namespace {

// Prepared before the timer is armed: the handler may only write() and _exit().
char g_timeout_line[1024];
std::size_t g_timeout_len = 0;

void OnTimeout(int) {
  ssize_t ignored = write(STDERR_FILENO, g_timeout_line, g_timeout_len);
  (void)ignored;
  _exit(1);
}

}  // namespace

int HealthCheckMain(const std::string& url, std::chrono::milliseconds timeout) {
  // CivetWeb bounds the wait for the answer, not the connect (a SYN to a
  // host that drops it can wait minutes): a timer ends the whole check.
  HealthCheckUrl u;
  std::string error;
  const std::string shown = ParseHealthCheckUrl(url, &u, &error) ? u.redacted : std::string("the URL");
  const int n = std::snprintf(g_timeout_line, sizeof(g_timeout_line),
                              "proctree_exporter: health check failed: GET %s: no answer within %lldms\n",
                              shown.c_str(), static_cast<long long>(timeout.count()));
  g_timeout_len = n < 0 ? 0 : std::min(static_cast<std::size_t>(n), sizeof(g_timeout_line) - 1);
  struct sigaction sa {};
  sa.sa_handler = OnTimeout;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // A little after CivetWeb's own wait, so its more precise reason wins.
  const long long guard_ms = timeout.count() + 500;
  itimerval t{};
  t.it_value.tv_sec = static_cast<time_t>(guard_ms / 1000);
  t.it_value.tv_usec = static_cast<suseconds_t>((guard_ms % 1000) * 1000);
  setitimer(ITIMER_REAL, &t, nullptr);

  const HealthCheckResult r = RunHealthCheck(url, timeout);
  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  if (r.healthy) {
    std::printf("proctree_exporter: healthy: %s\n", r.message.c_str());
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  std::fprintf(stderr, "proctree_exporter: health check failed: %s\n", r.message.c_str());
  return 1;
}

}  // namespace proctree
