#include "exporter/cmd/flags.h"

#include <functional>

#include "probes/util/log.h"
#include "exporter/http/web_config.h"

namespace proctree {

namespace {

// Sets a field from a value; false with *error saying why the value is refused.
using Setter = std::function<bool(const std::string& value, Flags* f, std::string* error)>;

// One flag, declared once: the usage text, the default it shows and the
// parser all come from this table (docs.readme_flags checks the README's
// table against the usage).
struct FlagDef {
  const char* name;
  const char* metavar;  // nullptr: a switch that takes no value
  const char* help;
  std::string (*shown_default)(const Flags& defaults);  // nullptr: none shown
  Setter set;
  const char* alias = nullptr;
};

bool Fail(std::string* error, const std::string& why) {
  *error = why;
  return false;
}

Setter Store(std::string Flags::*field) {
  return [field](const std::string& v, Flags* f, std::string*) {
    f->*field = v;
    return true;
  };
}

Setter Switch(bool Flags::*field) {
  return [field](const std::string&, Flags* f, std::string*) {
    f->*field = true;
    return true;
  };
}

// A Go duration from 1ms to 1h, as exporter-toolkit's flags take them.
Setter Duration(double Flags::*field, const char* flag, const char* example) {
  return [=](const std::string& v, Flags* f, std::string* error) {
    double s = 0;
    if (!ParseGoDuration(v, &s) || s < 0.001 || s > 3600)
      return Fail(error, std::string(flag) + " must be a duration from 1ms to 1h, such as " + example + ": " + v);
    f->*field = s;
    return true;
  };
}

// A whole number from 0 to max.
Setter Count(int Flags::*field, const char* flag, int max, const char* zero_means) {
  return [=](const std::string& v, Flags* f, std::string* error) {
    if (v.empty() || v.size() > 5 || v.find_first_not_of("0123456789") != std::string::npos || std::stoi(v) > max)
      return Fail(error, std::string(flag) + " must be a whole number from 0 (" + zero_means + ") to " +
                             std::to_string(max) + ": " + v);
    f->*field = std::stoi(v);
    return true;
  };
}

bool SetTelemetryPath(const std::string& v, Flags* f, std::string* error) {
  if (v.empty() || v[0] != '/' || v == "/" || v == "/-/healthy")
    return Fail(error, "--web.telemetry-path must start with '/' and not be / or /-/healthy: " + v);
  f->telemetry_path = v;
  return true;
}

bool SetLogLevel(const std::string& v, Flags* f, std::string* error) {
  log::Level l;
  if (!log::ParseLevel(v, &l)) return Fail(error, "--log.level must be one of debug, info, warn, error: " + v);
  f->log_level = v;
  return true;
}

bool SetLogFormat(const std::string& v, Flags* f, std::string* error) {
  log::Format fmt;
  if (!log::ParseFormat(v, &fmt)) return Fail(error, "--log.format must be logfmt or json: " + v);
  f->log_format = v;
  return true;
}

std::string Seconds(double s) {
  return s < 1 ? std::to_string(static_cast<int>(s * 1000 + 0.5)) + "ms" : std::to_string(static_cast<int>(s)) + "s";
}

const std::vector<FlagDef>& Table() {
  static const std::vector<FlagDef> kFlags = {
      {"web.listen-address", "ADDR", "Address to listen on; repeatable.",
       [](const Flags&) { return std::string(kDefaultListenAddress); },
       [](const std::string& v, Flags* f, std::string*) {
         f->listen_addresses.push_back(v);
         return true;
       }},
      {"web.telemetry-path", "PATH", "Path under which to expose metrics.",
       [](const Flags& d) { return d.telemetry_path; }, SetTelemetryPath},
      {"config.file", "FILE", "YAML configuration; the embedded default when absent.", nullptr,
       Store(&Flags::config_file)},
      {"path.procfs", "PATH", "procfs mount point (also --procfs).", [](const Flags& d) { return d.procfs; },
       Store(&Flags::procfs), "procfs"},
      {"log.level", "LEVEL", "debug, info, warn or error.", [](const Flags& d) { return d.log_level; }, SetLogLevel},
      {"log.format", "FORMAT", "logfmt or json.", [](const Flags& d) { return d.log_format; }, SetLogFormat},
      {"web.config.file", "FILE", "exporter-toolkit web config (TLS, basic auth, headers).", nullptr,
       Store(&Flags::web_config_file)},
      {"web.max-requests", "N",
       "Scrape requests in flight (scrapes run one at a time, the others wait); more get 503 at once "
       "(0: no limit).",
       [](const Flags& d) { return std::to_string(d.web_max_requests); },
       Count(&Flags::web_max_requests, "--web.max-requests", 4096, "no limit")},
      {"web.request-timeout", "DUR",
       "Time a client gets to send a request, or to start its next one on a kept-alive connection (Go "
       "duration).",
       [](const Flags& d) { return Seconds(d.web_request_timeout_seconds); },
       Duration(&Flags::web_request_timeout_seconds, "--web.request-timeout", "10s or 500ms")},
      {"web.max-connections-per-client", "N",
       "Connections one client address (IPv6: one /64) may hold while the HTTP workers run short; more wait for one of its "
       "own to close, holding no worker (0: no limit).",
       [](const Flags& d) { return std::to_string(d.web_max_connections_per_client); },
       Count(&Flags::web_max_connections_per_client, "--web.max-connections-per-client", 65535, "no limit")},
      {"web.disable-exporter-metrics", nullptr,
       "Leave out the exporter's own process_* and proctree_scrape_* metrics.", nullptr,
       Switch(&Flags::web_disable_exporter_metrics)},
      {"config.check", nullptr,
       "Validate the configuration and exit 0 (valid) or 1; when valid, also print an estimate of the series it "
       "gives on this host (one scrape of --path.procfs with it).",
       nullptr,
       Switch(&Flags::config_check)},
      {"once", nullptr, "Print one scrape to stdout and exit.", nullptr, Switch(&Flags::once)},
      {"health-check", "URL",
       "GET the URL (http:// or https://, certificate unchecked) and exit 0 on a 2xx answer, 1 otherwise: a "
       "HEALTHCHECK without curl.",
       nullptr,
       [](const std::string& v, Flags* f, std::string*) {
         f->health_check_url = v;
         return true;
       }},
      {"health-check.timeout", "DUR", "How long the health check may take (Go duration).",
       [](const Flags& d) { return Seconds(d.health_check_timeout_seconds); },
       Duration(&Flags::health_check_timeout_seconds, "--health-check.timeout", "5s or 500ms")},
  };
  return kFlags;
}

const FlagDef* Find(const std::string& name) {
  for (const FlagDef& d : Table())
    if (name == d.name || (d.alias && name == d.alias)) return &d;
  return nullptr;
}

// "  --name=METAVAR" in a 30-column field, then the help wrapped at 100 columns.
void AppendUsageLine(std::string* out, const std::string& head, const std::string& text) {
  constexpr std::size_t kColumn = 30, kWidth = 100;
  std::string line = head.size() + 2 <= kColumn ? head + std::string(kColumn - head.size(), ' ')
                                                : head + "\n" + std::string(kColumn, ' ');
  std::size_t used = line.size() - line.rfind('\n') - 1;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    if (used > kColumn && used + 1 + word.size() > kWidth) {
      line += "\n" + std::string(kColumn, ' ');
      used = kColumn;
    } else if (used > kColumn) {
      line += ' ';
      ++used;
    }
    line += word;
    used += word.size();
    pos = end + 1;
  }
  *out += line + "\n";
}

}  // namespace

std::string Usage() {
  std::string out =
      "usage: proctree_exporter [<flags>]\n\nPer-process and process-tree metrics for Prometheus.\n\nFlags:\n"
      "  --help                      Show this help and exit.\n"
      "  --version                   Show version and exit.\n";
  const Flags defaults;
  for (const FlagDef& d : Table()) {
    std::string head = std::string("  --") + d.name + (d.metavar ? std::string("=") + d.metavar : "");
    std::string text = d.help;
    if (d.shown_default) text += " Default: " + d.shown_default(defaults);
    AppendUsageLine(&out, head, text);
  }
  return out;
}

FlagsOutcome ParseFlags(int argc, const char* const* argv, const std::string& version_text, Flags* out,
                        std::string* message) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      *message = "unexpected argument: " + arg;
      return FlagsOutcome::kUsageError;
    }
    std::string name = arg.substr(2), value;
    const auto eq = name.find('=');
    const bool has_value = eq != std::string::npos;
    if (has_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const FlagDef* def = Find(name);
    const bool is_switch = name == "help" || name == "version" || (def && !def->metavar);
    if (!def && !is_switch) {
      *message = "unknown flag: --" + name;
      return FlagsOutcome::kUsageError;
    }
    if (is_switch && has_value) {
      *message = "--" + name + " takes no value";
      return FlagsOutcome::kUsageError;
    }
    if (name == "help" || name == "version") {
      *message = name == "help" ? Usage() : version_text;
      return FlagsOutcome::kExitOk;
    }
    if (!is_switch && !has_value) {
      if (i + 1 >= argc) {
        *message = "flag --" + name + " needs a value";
        return FlagsOutcome::kUsageError;
      }
      value = argv[++i];
    }
    if (!def->set(value, out, message)) return FlagsOutcome::kUsageError;
  }
  if (out->listen_addresses.empty()) out->listen_addresses.push_back(kDefaultListenAddress);
  return FlagsOutcome::kRun;
}

}  // namespace proctree
