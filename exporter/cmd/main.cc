// proctree_exporter: per-process and process-tree metrics for Prometheus.
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "probes/util/build_version.h"
#include "exporter/cmd/flags.h"
#include "exporter/http/health_check.h"
#include "exporter/http/http_server.h"
#include "probes/util/log.h"
#include "exporter/cmd/malloc_arenas.h"
#include "exporter/cmd/series_estimate.h"
#include "exporter/cmd/service.h"
#include "exporter/cmd/stop_signals.h"
#include "exporter/metrics/metric_catalog.h"
#include "exporter/metrics/query_filter.h"
#include "exporter/scrape/runtime_config.h"
#include "exporter/scrape/scrape_thread.h"
#include "exporter/scrape/scraper.h"
#include "exporter/http/web_auth.h"
#include "exporter/http/web_config.h"
#include "exporter/http/web_tls.h"
#include "probes/os/native_probe.h"

using namespace proctree;

namespace {

std::string VersionText() {
  return std::string("proctree_exporter, version ") + kVersion + " (revision: " + kRevision + ")\n";
}

const char* ConfigName(const Flags& f) { return f.config_file.empty() ? "<embedded default>" : f.config_file.c_str(); }

// Capabilities and pid namespace decide which processes, and which of their
// files, the exporter can read: said once at start, and served as metrics.
ExporterFacts LearnAboutSelf(const std::string& procfs) {
  const SelfView self = InspectSelf(procfs);
  ExporterFacts facts;
  facts.capabilities = self.capabilities;
  if (!self.capabilities.empty()) {  // Linux: CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH, ...; Windows: SeDebugPrivilege
    const std::string uid = std::to_string(self.euid);
    std::vector<log::Field> fields{{"uid", uid}};
    for (const auto& [name, held] : self.capabilities) fields.emplace_back(name, held ? "1" : "0");
    log::Write(log::Level::kInfo, "capabilities", fields);
  }
  for (const auto& note : self.privilege_notes) (note.warn ? log::Warn : log::Info)(note.message, {});
  facts.pid_namespace = self.pid_namespace;
  const PidNamespaceInfo& ns = self.pid_namespace;
  log::Info("pid namespace", {{"exporter_pid_namespace", ns.exporter_pid_namespace}, {"procfs", ns.procfs},
                              {"procfs_pid_namespace", ns.procfs_pid_namespace},
                              {"procfs_view", ProcfsViewName(ns.view)}, {"meaning", self.pid_namespace_meaning}});
  return facts;
}

using ScrapeFn = ScrapeThread::ScrapeFn;

// Flags, --help and --version: an exit code when there is nothing to run.
std::optional<int> ParseCommandLine(int argc, char** argv, Flags* flags) {
  std::string message;
  switch (ParseFlags(argc, argv, VersionText(), flags, &message)) {
    case FlagsOutcome::kExitOk:
      std::fputs(message.c_str(), stdout);
      return 0;
    case FlagsOutcome::kUsageError:
      std::fprintf(stderr, "proctree_exporter: error: %s\n\n%s", message.c_str(), Usage().c_str());
      return 2;
    case FlagsOutcome::kRun:
      break;
  }
  return std::nullopt;
}

int HealthCheck(const Flags& flags) {
  return HealthCheckMain(*flags.health_check_url, std::chrono::milliseconds(static_cast<long long>(
                                                      flags.health_check_timeout_seconds * 1000)));
}

void ConfigureLog(const Flags& flags) {
  log::Level level = log::Level::kInfo;
  log::Format format = log::Format::kLogfmt;
  log::ParseLevel(flags.log_level, &level);
  log::ParseFormat(flags.log_format, &format);
  log::Configure(level, format);
}

// The catalog, the config and the web config, checked before anything
// starts; false once the reason is logged.
bool LoadConfigs(const Flags& flags, ConfigHolder* config, WebConfig* web) {
  std::string error;
  if (!CheckCatalogNames(&error)) {
    log::Error("invalid metric catalog", {{"err", error}});
    return false;
  }
  if (!config->Load(&error)) {
    log::Error("invalid configuration", {{"file", ConfigName(flags)}, {"err", error}});
    return false;
  }
  if (flags.web_config_file.empty()) return true;
  if (!LoadWebConfigFile(flags.web_config_file, web, &error) ||
      (web->tls.Enabled() && !CheckTlsConfig(web->tls, &error)) ||
      (!web->users.empty() && !BasicAuthAvailable(&error))) {
    log::Error("invalid web configuration", {{"file", flags.web_config_file}, {"err", error}});
    return false;
  }
  return true;
}

// One scrape with the config in force when it starts, narrowed by the
// request's collect[]/exclude[].
ScrapeFn MakeScrape(const Flags& flags, ConfigHolder& config, Scraper& scraper) {
  return [&flags, &config, &scraper](const ScrapeRequest& r, ByteSink& out) {
    const auto rc = config.Get();
    ScrapeOptions opts;
    FamilyFilter filter;  // the edge checked the query string (HttpOptions::check_query)
    std::string ignored;
    ParseFamilyFilter(r.query.c_str(), &filter, &ignored);
    opts.families = ScrapeFamilies(rc->enabled, filter, !flags.web_disable_exporter_metrics);
    opts.deadline = r.deadline;
    scraper.Scrape(*rc, ReloadStatus{config.last_reload_successful(), config.last_success_timestamp()}, opts, out);
  };
}

int WriteOnce(const ScrapeFn& scrape) {
  struct StdoutSink : ByteSink {
    bool ok = true;
    void Write(std::string_view bytes) override { ok &= std::fwrite(bytes.data(), 1, bytes.size(), stdout) == bytes.size(); }
  } out;
  scrape(ScrapeRequest{}, out);
  return std::fflush(stdout) == 0 && out.ok ? 0 : 1;
}

// Validity, then the series the config gives on this host: one scrape of
// --path.procfs, as --once would serve it, counted by kind.
int ReportConfigValid(const Flags& flags, ConfigHolder& config) {
  std::printf("%s: configuration is valid\n", ConfigName(flags));
  if (!flags.web_config_file.empty()) std::printf("%s: web configuration is valid\n", flags.web_config_file.c_str());
  std::string error;
  std::unique_ptr<Probe> probe = OpenNativeProbe(flags.procfs, &error);
  if (!probe) {
    std::printf("series estimate: none, cannot open %s: %s\n", flags.procfs.c_str(), error.c_str());
    return 0;
  }
  const SelfView self = InspectSelf(flags.procfs);
  Scraper scraper(*probe, BuildInfo{kVersion, kRevision, std::string(probe->os())},
                  ExporterFacts{self.capabilities, self.pid_namespace});
  StringSink payload;
  MakeScrape(flags, config, scraper)(ScrapeRequest{}, payload);
  std::fputs(FormatSeriesEstimate(CountSeries(payload.text), config.Get()->config.top_n).c_str(), stdout);
  return 0;
}

ReloadFn MakeReload(const Flags& flags, ConfigHolder& config) {
  return [&flags, &config](std::string* err) {
    if (config.Reload(err)) {
      log::Info("configuration reloaded", {{"file", ConfigName(flags)}});
      return true;
    }
    log::Error("configuration reload rejected; the previous configuration stays in force",
               {{"file", ConfigName(flags)}, {"err", *err}});
    return false;
  };
}

HttpOptions HttpOptionsFrom(const Flags& flags, const WebConfig& web) {
  HttpOptions http;
  http.listen_addresses = flags.listen_addresses;
  http.telemetry_path = flags.telemetry_path;
  http.version = kVersion;
  http.web = web;
  http.max_requests = flags.web_max_requests;
  http.max_connections_per_client = flags.web_max_connections_per_client;
  http.request_timeout = std::chrono::milliseconds(static_cast<long long>(flags.web_request_timeout_seconds * 1000));
  http.check_query = [](const std::string& query, std::string* err) {
    FamilyFilter filter;
    return ParseFamilyFilter(query.c_str(), &filter, err);  // collect[]/exclude[] name families
  };
  return http;
}

// Serves until told to stop (SIGINT, SIGTERM; Windows: Ctrl+C, the service's
// stop); SIGHUP reloads the config (stop_signals.h).
// ExporterMain has called CaptureStopEvents, before starting any thread.
int Serve(const Flags& flags, ConfigHolder& config, const WebConfig& web, const ScrapeFn& scrape) {
  const ReloadFn reload = MakeReload(flags, config);
  // Inherits the signal mask; outlives the server.
  ScrapeThread scrape_thread(scrape);
  std::string error;
  auto server = HttpServer::Start(
      HttpOptionsFrom(flags, web),
      [&](const ScrapeRequest& r, const PayloadConsumer& consume) { scrape_thread.Run(r, consume); }, reload, &error);
  if (!server) {
    log::Error("cannot start HTTP server", {{"err", error}});
    return 1;
  }
  std::string addresses;
  for (const auto& a : server->BoundAddresses()) addresses += (addresses.empty() ? "" : ",") + a;
  std::vector<log::Field> listening{{"address", addresses}, {"telemetry_path", flags.telemetry_path}};
  if (NativeProbeReadsProcfs()) listening.push_back({"procfs", flags.procfs});
  listening.push_back({"version", kVersion});
  log::Write(log::Level::kInfo, "listening", listening);
  for (;;) {
    const StopEvent event = WaitForStopEvent();
    if (event.reload) {
      std::string err;
      reload(&err);
      continue;
    }
    log::Info("shutting down", {{"signal", event.name}});
    break;
  }
  server.reset();
  return 0;
}

// exits.enabled: auto starts exit accounting where the kernel and the
// privileges allow it and says why not otherwise; true makes it required.
bool StartExitAccounting(const ExitsPolicy& policy, Probe& probe) {
  if (policy.enabled == ExitsPolicy::Mode::kOff) return true;
  ExitAccountingOptions opts;
  opts.receive_buffer_bytes = policy.receive_buffer_bytes;
  std::string why;
  if (probe.StartExitAccounting(opts, &why)) {
    log::Info("exit accounting on", {{"receive_buffer_bytes", std::to_string(opts.receive_buffer_bytes)}});
    return true;
  }
  if (policy.enabled == ExitsPolicy::Mode::kOn) {
    log::Error("exits.enabled is true but exit accounting cannot start", {{"err", why}});
    return false;
  }
  log::Info("exit accounting off (exits.enabled: auto)", {{"reason", why}});
  return true;
}

}  // namespace

int ExporterMain(int argc, char** argv) {
  LimitMallocArenas();  // before any thread starts (malloc_arenas.h says why)
  FixMmapThreshold();
  Flags flags;
  if (const auto exit_code = ParseCommandLine(argc, argv, &flags)) return *exit_code;
  if (flags.health_check_url) return HealthCheck(flags);
  ConfigureLog(flags);

  ConfigHolder config(flags.config_file);
  WebConfig web;
  if (!LoadConfigs(flags, &config, &web)) return 1;
  if (flags.config_check) return ReportConfigValid(flags, config);

  std::string error;
  std::unique_ptr<Probe> probe = OpenNativeProbe(flags.procfs, &error);
  if (!probe) {
    log::Error("cannot open probe", {{"procfs", flags.procfs}, {"err", error}});
    return 1;
  }
  if (!flags.once) {
    // Before the exit-accounting thread starts, so it too blocks the stop
    // signals: a SIGTERM the kernel gave that thread ended the process on
    // the spot, without the clean shutdown (stop_signals.h).
    CaptureStopEvents();
    if (!StartExitAccounting(config.Get()->config.exits, *probe)) return 1;
  }
  Scraper scraper(*probe, BuildInfo{kVersion, kRevision, std::string(probe->os())}, LearnAboutSelf(flags.procfs));
  const ScrapeFn scrape = MakeScrape(flags, config, scraper);
  if (flags.once) return WriteOnce(scrape);
  return Serve(flags, config, web, scrape);
}

int main(int argc, char** argv) { return RunAsService(argc, argv, ExporterMain); }
