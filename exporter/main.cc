// proctree_exporter: per-process and process-tree metrics for Prometheus.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <pthread.h>

#include "exporter/build_version.h"
#include "exporter/capabilities.h"
#include "exporter/flags.h"
#include "exporter/health_check.h"
#include "exporter/http_server.h"
#include "exporter/log.h"
#include "exporter/malloc_arenas.h"
#include "exporter/metric_catalog.h"
#include "exporter/namespace_info.h"
#include "exporter/runtime_config.h"
#include "exporter/scrape_thread.h"
#include "exporter/scraper.h"
#include "exporter/web_config.h"
#include "exporter/web_tls.h"
#include "probes/probe.h"

using namespace proctree;

namespace {

std::string VersionText() {
  return std::string("proctree_exporter, version ") + kVersion + " (revision: " + kRevision + ")\n";
}

const char* ConfigName(const Flags& f) { return f.config_file.empty() ? "<embedded default>" : f.config_file.c_str(); }

// Capabilities and pid namespace decide which processes, and which of their
// files, the exporter can read: said once at start, and served as metrics.
ExporterFacts LearnAboutSelf(const std::string& procfs) {
  ExporterFacts facts;
  const Privileges priv = ReadOwnPrivileges();
  if (priv.cap_eff) {
    for (const auto& c : WatchedCapabilities()) facts.capabilities.emplace_back(c.name, priv.Has(c.bit));
    const auto yes = [&](int bit) { return priv.Has(bit) ? "1" : "0"; };
    const auto& w = WatchedCapabilities();
    log::Info("capabilities", {{"uid", std::to_string(priv.euid)}, {w[0].name, yes(w[0].bit)},
                               {w[1].name, yes(w[1].bit)}, {w[2].name, yes(w[2].bit)}});
  }
  for (const auto& note : DescribePrivileges(priv)) (note.warn ? log::Warn : log::Info)(note.message, {});
  facts.pid_namespace = ReadPidNamespaceInfo(procfs);
  const PidNamespaceInfo& ns = *facts.pid_namespace;
  log::Info("pid namespace", {{"exporter_pid_namespace", ns.exporter_pid_namespace}, {"procfs", ns.procfs},
                              {"procfs_pid_namespace", ns.procfs_pid_namespace},
                              {"procfs_view", ProcfsViewName(ns.view)}, {"meaning", DescribePidNamespaceInfo(ns)}});
  return facts;
}

}  // namespace

int main(int argc, char** argv) {
  LimitMallocArenas();  // before any thread starts (malloc_arenas.h says why)
  Flags flags;
  std::string message;
  switch (ParseFlags(argc, argv, VersionText(), &flags, &message)) {
    case FlagsOutcome::kExitOk:
      std::fputs(message.c_str(), stdout);
      return 0;
    case FlagsOutcome::kUsageError:
      std::fprintf(stderr, "proctree_exporter: error: %s\n\n%s", message.c_str(), Usage().c_str());
      return 2;
    case FlagsOutcome::kRun:
      break;
  }
  if (flags.health_check_url)
    return HealthCheckMain(*flags.health_check_url, std::chrono::milliseconds(static_cast<long long>(
                                                        flags.health_check_timeout_seconds * 1000)));
  log::Level level = log::Level::kInfo;
  log::Format format = log::Format::kLogfmt;
  log::ParseLevel(flags.log_level, &level);
  log::ParseFormat(flags.log_format, &format);
  log::Configure(level, format);

  std::string error;
  if (!CheckCatalogNames(&error)) {
    log::Error("invalid metric catalog", {{"err", error}});
    return 1;
  }

  ConfigHolder config(flags.config_file);
  if (!config.Load(&error)) {
    log::Error("invalid configuration", {{"file", ConfigName(flags)}, {"err", error}});
    return 1;
  }
  WebConfig web;
  if (!flags.web_config_file.empty()) {
    if (!LoadWebConfigFile(flags.web_config_file, &web, &error) ||
        (web.tls.Enabled() && !CheckTlsConfig(web.tls, &error))) {
      log::Error("invalid web configuration", {{"file", flags.web_config_file}, {"err", error}});
      return 1;
    }
  }
  if (flags.config_check) {
    std::printf("%s: configuration is valid\n", ConfigName(flags));
    if (!flags.web_config_file.empty()) std::printf("%s: web configuration is valid\n", flags.web_config_file.c_str());
    return 0;
  }

  std::unique_ptr<Probe> probe = OpenNativeProbe(flags.procfs, &error);
  if (!probe) {
    log::Error("cannot open probe", {{"procfs", flags.procfs}, {"err", error}});
    return 1;
  }
  Scraper scraper(*probe, BuildInfo{kVersion, kRevision, std::string(probe->os())}, LearnAboutSelf(flags.procfs));
  auto scrape = [&](const ScrapeRequest& r) {
    const auto rc = config.Get();
    ScrapeOptions opts;
    opts.families = ScrapeFamilies(rc->enabled, r.filter, !flags.web_disable_exporter_metrics);
    opts.deadline = r.deadline;
    return scraper.Scrape(*rc, ReloadStatus{config.last_reload_successful(), config.last_success_timestamp()}, opts);
  };

  if (flags.once) {
    std::string payload = scrape(ScrapeRequest{});
    std::fwrite(payload.data(), 1, payload.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
  }

  // Block the signals main waits for in every thread CivetWeb starts.
  sigset_t wait_for;
  sigemptyset(&wait_for);
  sigaddset(&wait_for, SIGINT);
  sigaddset(&wait_for, SIGTERM);
  sigaddset(&wait_for, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &wait_for, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  auto reload = [&](std::string* err) {
    if (config.Reload(err)) {
      log::Info("configuration reloaded", {{"file", ConfigName(flags)}});
      return true;
    }
    log::Error("configuration reload rejected; the previous configuration stays in force",
               {{"file", ConfigName(flags)}, {"err", *err}});
    return false;
  };

  HttpOptions http;
  http.listen_addresses = flags.listen_addresses;
  http.telemetry_path = flags.telemetry_path;
  http.version = kVersion;
  http.web = web;
  http.max_requests = flags.web_max_requests;
  http.max_connections_per_client = flags.web_max_connections_per_client;
  http.request_timeout = std::chrono::milliseconds(static_cast<long long>(flags.web_request_timeout_seconds * 1000));
  // Started after the signal mask above, so it inherits it; outlives the server.
  ScrapeThread scrape_thread(scrape);
  auto server = HttpServer::Start(
      http, [&](const ScrapeRequest& r) { return scrape_thread.Run(r); }, reload, &error);
  if (!server) {
    log::Error("cannot start HTTP server", {{"err", error}});
    return 1;
  }
  std::string addresses;
  for (const auto& a : server->BoundAddresses()) addresses += (addresses.empty() ? "" : ",") + a;
  log::Info("listening", {{"address", addresses}, {"telemetry_path", flags.telemetry_path},
                          {"procfs", flags.procfs}, {"version", kVersion}});

  for (;;) {
    int sig = 0;
    sigwait(&wait_for, &sig);
    if (sig == SIGHUP) {
      std::string err;
      reload(&err);
      continue;
    }
    log::Info("shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
    break;
  }
  server.reset();
  return 0;
}
