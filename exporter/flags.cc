#include "exporter/flags.h"

#include <functional>
#include <map>

#include "exporter/log.h"
#include "exporter/web_config.h"

namespace proctree {

std::string Usage() {
  return std::string(
             "usage: proctree_exporter [<flags>]\n"
             "\n"
             "Per-process and process-tree metrics for Prometheus.\n"
             "\n"
             "Flags:\n"
             "  --help                      Show this help and exit.\n"
             "  --version                   Show version and exit.\n"
             "  --web.listen-address=ADDR   Address to listen on; repeatable. Default: ") +
         kDefaultListenAddress +
         "\n"
         "  --web.telemetry-path=PATH   Path under which to expose metrics. Default: /metrics\n"
         "  --config.file=FILE          YAML configuration; the embedded default when absent.\n"
         "  --path.procfs=PATH          procfs mount point (also --procfs). Default: /proc\n"
         "  --log.level=LEVEL           debug, info, warn or error. Default: info\n"
         "  --log.format=FORMAT         logfmt or json. Default: logfmt\n"
         "  --web.config.file=FILE      exporter-toolkit web config (TLS, basic auth, headers).\n"
         "  --web.max-requests=N        Scrape requests in flight (scrapes run one at a time, the others\n"
         "                              wait); more get 503 at once (0: no limit). Default: 40\n"
         "  --web.request-timeout=DUR   Time a client gets to send a request, or to start its next\n"
         "                              one on a kept-alive connection (Go duration). Default: 10s\n"
         "  --web.max-connections-per-client=N\n"
         "                              Connections one client address may hold open at once; more are\n"
         "                              closed on accept (0: no limit). Default: 16\n"
         "  --web.disable-exporter-metrics\n"
         "                              Leave out the exporter's own process_* and proctree_scrape_* metrics.\n"
         "  --config.check              Validate the configuration and exit 0 (valid) or 1.\n"
         "  --once                      Print one scrape to stdout and exit.\n"
         "  --health-check=URL          GET the URL (http:// or https://, certificate unchecked) and exit\n"
         "                              0 on a 2xx answer, 1 otherwise: a HEALTHCHECK without curl.\n"
         "  --health-check.timeout=DUR  How long the health check may take (Go duration). Default: 5s\n";
}

FlagsOutcome ParseFlags(int argc, const char* const* argv, const std::string& version_text, Flags* out,
                        std::string* message) {
  using Setter = std::function<bool(const std::string&)>;
  const std::map<std::string, Setter> valued = {
      {"web.listen-address", [&](const std::string& v) { out->listen_addresses.push_back(v); return true; }},
      {"web.telemetry-path",
       [&](const std::string& v) {
         if (v.empty() || v[0] != '/' || v == "/" || v == "/-/healthy") {
           *message = "--web.telemetry-path must start with '/' and not be / or /-/healthy: " + v;
           return false;
         }
         out->telemetry_path = v;
         return true;
       }},
      {"config.file", [&](const std::string& v) { out->config_file = v; return true; }},
      {"web.config.file", [&](const std::string& v) { out->web_config_file = v; return true; }},
      {"web.max-requests",
       [&](const std::string& v) {
         if (v.empty() || v.size() > 4 || v.find_first_not_of("0123456789") != std::string::npos ||
             std::stoi(v) > 4096) {
           *message = "--web.max-requests must be a whole number from 0 (no limit) to 4096: " + v;
           return false;
         }
         out->web_max_requests = std::stoi(v);
         return true;
       }},
      {"web.max-connections-per-client",
       [&](const std::string& v) {
         if (v.empty() || v.size() > 5 || v.find_first_not_of("0123456789") != std::string::npos ||
             std::stoi(v) > 65535) {
           *message = "--web.max-connections-per-client must be a whole number from 0 (no limit) to 65535: " + v;
           return false;
         }
         out->web_max_connections_per_client = std::stoi(v);
         return true;
       }},
      {"web.request-timeout",
       [&](const std::string& v) {
         double s = 0;
         if (!ParseGoDuration(v, &s) || s < 0.001 || s > 3600) {
           *message = "--web.request-timeout must be a duration from 1ms to 1h, such as 10s or 500ms: " + v;
           return false;
         }
         out->web_request_timeout_seconds = s;
         return true;
       }},
      {"procfs", [&](const std::string& v) { out->procfs = v; return true; }},
      {"path.procfs", [&](const std::string& v) { out->procfs = v; return true; }},
      {"health-check", [&](const std::string& v) { out->health_check_url = v; return true; }},
      {"health-check.timeout",
       [&](const std::string& v) {
         double s = 0;
         if (!ParseGoDuration(v, &s) || s < 0.001 || s > 3600) {
           *message = "--health-check.timeout must be a duration from 1ms to 1h, such as 5s or 500ms: " + v;
           return false;
         }
         out->health_check_timeout_seconds = s;
         return true;
       }},
      {"log.level",
       [&](const std::string& v) {
         log::Level l;
         if (!log::ParseLevel(v, &l)) {
           *message = "--log.level must be one of debug, info, warn, error: " + v;
           return false;
         }
         out->log_level = v;
         return true;
       }},
      {"log.format",
       [&](const std::string& v) {
         log::Format f;
         if (!log::ParseFormat(v, &f)) {
           *message = "--log.format must be logfmt or json: " + v;
           return false;
         }
         out->log_format = v;
         return true;
       }},
  };

  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      *message = "unexpected argument: " + arg;
      return FlagsOutcome::kUsageError;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (name == "help" || name == "version" || name == "once" || name == "config.check" ||
        name == "web.disable-exporter-metrics") {
      if (has_value) {
        *message = "--" + name + " takes no value";
        return FlagsOutcome::kUsageError;
      }
      if (name == "help") {
        *message = Usage();
        return FlagsOutcome::kExitOk;
      }
      if (name == "version") {
        *message = version_text;
        return FlagsOutcome::kExitOk;
      }
      if (name == "once") out->once = true;
      else if (name == "web.disable-exporter-metrics") out->web_disable_exporter_metrics = true;
      else out->config_check = true;
      continue;
    }
    auto it = valued.find(name);
    if (it == valued.end()) {
      *message = "unknown flag: --" + name;
      return FlagsOutcome::kUsageError;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        *message = "flag --" + name + " needs a value";
        return FlagsOutcome::kUsageError;
      }
      value = argv[++i];
    }
    if (!it->second(value)) return FlagsOutcome::kUsageError;
  }
  if (out->listen_addresses.empty()) out->listen_addresses.push_back(kDefaultListenAddress);
  return FlagsOutcome::kRun;
}

}  // namespace proctree
