#pragma once
// The web configuration file (--web.config.file) in the Prometheus
// exporter-toolkit format that node_exporter and process-exporter read: TLS,
// basic auth users, extra response headers and a rate limit. Parsed strictly,
// as exporter-toolkit does (yaml.UnmarshalStrict): unknown keys are errors.
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace proctree {

// Go's crypto/tls ClientAuthType, by the names exporter-toolkit accepts.
enum class ClientAuth {
  kNoClientCert,
  kRequestClientCert,           // asked for, not required, not verified
  kRequireAnyClientCert,        // required, not verified
  kVerifyClientCertIfGiven,     // verified when sent
  kRequireAndVerifyClientCert,  // required and verified
};

// TLS protocol versions as on the wire (and in OpenSSL's TLS1_x_VERSION).
inline constexpr int kTls10 = 0x0301;
inline constexpr int kTls11 = 0x0302;
inline constexpr int kTls12 = 0x0303;
inline constexpr int kTls13 = 0x0304;

struct TlsServerConfig {
  // Paths are absolute, or were relative to the web config file's directory
  // and have been joined with it. A file wins over the inline PEM, as in
  // exporter-toolkit.
  std::string cert_file, key_file, client_ca_file;
  std::string cert, key, client_ca;  // inline PEM
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  // OpenSSL names of the TLS 1.2-and-below suites, in the configured order.
  // TLS 1.3 suites are accepted in the file and, as in Go, not configurable.
  std::vector<std::string> cipher_suites;
  std::vector<std::string> curve_groups;  // OpenSSL group names ("P-256", "X25519")
  int min_version = kTls12;
  int max_version = kTls13;
  bool prefer_server_cipher_suites = true;
  std::vector<std::string> client_allowed_sans;

  // exporter-toolkit's IsEnabled: any TLS-related field set means TLS.
  bool Enabled() const;
};

struct WebConfig {
  TlsServerConfig tls;
  bool http2 = true;  // accepted; CivetWeb serves HTTP/1.1 only
  // Extra response headers, from the five exporter-toolkit allows.
  std::vector<std::pair<std::string, std::string>> headers;
  std::map<std::string, std::string> users;  // user -> bcrypt hash
  double rate_limit_interval_seconds = 0;    // 0: no rate limit
  int rate_limit_burst = 0;
};

// YAML nodes one web config may expand to, an alias counting each time it
// is used; its scalars, so expanded, may hold at most kMaxConfigFileBytes
// (yaml_schema::LimitExpansion).
inline constexpr std::size_t kMaxWebConfigNodes = 100000;

// Parses `yaml`; `source` names it in errors ("file:line:col: reason") and
// `dir` is the directory relative paths are joined with.
bool ParseWebConfig(std::string_view yaml, std::string_view source, const std::string& dir, WebConfig* out,
                    std::string* error);
// Reads only a regular file of at most kMaxConfigFileBytes (probes/util/regular_file.h).
bool LoadWebConfigFile(const std::string& path, WebConfig* out, std::string* error);

// "$2a$", "$2b$" or "$2y$", a two-digit cost from 4 to 31, and 53 characters
// of bcrypt's base64: what Go's bcrypt.Cost accepts.
bool IsBcryptHash(std::string_view hash);

// Go's time.ParseDuration ("1s", "1m30s", "250ms", "0"); false when malformed.
bool ParseGoDuration(std::string_view s, double* seconds);

}  // namespace proctree
