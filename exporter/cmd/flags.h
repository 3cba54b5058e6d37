#pragma once
// Command-line flags, named as the Prometheus ecosystem names them
// (node_exporter, exporter-toolkit). Both --flag=value and --flag value work.
#include <optional>
#include <string>
#include <vector>

namespace proctree {

inline constexpr const char* kDefaultListenAddress = ":9818";

struct Flags {
  std::vector<std::string> listen_addresses;  // empty means {kDefaultListenAddress}
  std::string telemetry_path = "/metrics";
  std::string config_file;  // empty: the embedded default
  std::string procfs = "/proc";
  std::string log_level = "info";
  std::string log_format = "logfmt";
  bool once = false;
  bool config_check = false;  // validate --config.file and exit 0/1
  std::string web_config_file;  // exporter-toolkit web config: TLS, basic auth, headers
  int web_max_requests = 40;    // concurrent scrapes; 0: no limit
  double web_request_timeout_seconds = 10;
  int web_max_connections_per_client = 16;  // open connections per client address; 0: no limit
  bool web_disable_exporter_metrics = false;
  // --health-check=URL: GET it, exit 0 on 2xx, else 1 (a container HEALTHCHECK).
  std::optional<std::string> health_check_url;
  double health_check_timeout_seconds = 5;
};

enum class FlagsOutcome { kRun, kExitOk, kUsageError };

// On kExitOk, *message is the text to print (help or version); on
// kUsageError, the reason.
FlagsOutcome ParseFlags(int argc, const char* const* argv, const std::string& version_text, Flags* out,
                        std::string* message);
std::string Usage();

}  // namespace proctree
