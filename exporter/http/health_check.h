#pragma once
// --health-check=URL: one HTTP GET with CivetWeb's client, for a container's
// HEALTHCHECK (so the image needs no curl or wget). The exit status follows
// Docker's contract: 0 for a 2xx answer, 1 for anything else, a malformed
// URL included (Docker reserves 2).
#include <chrono>
#include <string>

namespace proctree {

struct HealthCheckUrl {
  bool tls = false;
  std::string host;       // a name, an IPv4 address or an IPv6 address (without its brackets)
  std::string host_header;  // the Host header's host: the IPv6 address in brackets
  int port = 0;           // 80 or 443 when the URL names none
  std::string target;     // path and query, "/" at least; the fragment is dropped
  std::string user;       // from user:password@ in the URL, percent-decoded
  std::string password;
  bool has_userinfo = false;
  std::string redacted;   // the URL for messages, the password replaced by xxxxx
};

// http://[user[:password]@]host[:port][/path][?query][#fragment] (host a
// name, an IPv4 address or [an IPv6 address]), or
// https://. False with the reason for anything else.
bool ParseHealthCheckUrl(const std::string& url, HealthCheckUrl* out, std::string* error);

struct HealthCheckResult {
  bool healthy = false;
  std::string message;  // one line: the status, or why there is none
};

// GETs the URL and waits at most `timeout` for the whole exchange. Over
// https the server's certificate is not verified: the check asks whether
// the exporter answers, not who it is (it sends credentials only when the
// URL carries them). A server that requires client certificates fails it.
HealthCheckResult RunHealthCheck(const std::string& url, std::chrono::milliseconds timeout);

// The binary's --health-check mode: runs the check, prints its line (stdout
// when healthy, stderr otherwise) and returns the exit status.
int HealthCheckMain(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace proctree
