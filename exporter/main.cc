// proctree_exporter: per-process and process-tree metrics for Prometheus.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <pthread.h>

#include "config/config.h"
#include "exporter/build_version.h"
#include "exporter/flags.h"
#include "exporter/http_server.h"
#include "exporter/log.h"
#include "exporter/metric_catalog.h"
#include "exporter/scraper.h"
#include "probes/probe.h"

using namespace proctree;

namespace {

std::string VersionText() {
  return std::string("proctree_exporter, version ") + kVersion + " (revision: " + kRevision + ")\n";
}

}  // namespace

int main(int argc, char** argv) {
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

  ConfigSchemaContext schema{CatalogNames()};
  Config config;
  bool ok = flags.config_file.empty()
                ? ParseConfig(EmbeddedDefaultConfig(), "<embedded default>", schema, &config, &error)
                : LoadConfigFile(flags.config_file, schema, &config, &error);
  if (!ok) {
    log::Error("invalid configuration", {{"err", error}});
    return 1;
  }
  const EnabledFamilies enabled = EnabledFamilies::FromPolicy(config.metrics);

  std::unique_ptr<Probe> probe = OpenNativeProbe(flags.procfs, &error);
  if (!probe) {
    log::Error("cannot open probe", {{"procfs", flags.procfs}, {"err", error}});
    return 1;
  }
  Scraper scraper(*probe, BuildInfo{kVersion, kRevision, std::string(probe->os())});

  if (flags.once) {
    std::string payload = scraper.Scrape(enabled);
    std::fwrite(payload.data(), 1, payload.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
  }

  // Block the stop signals in every thread CivetWeb starts; main waits for them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  HttpOptions http;
  http.listen_addresses = flags.listen_addresses;
  http.telemetry_path = flags.telemetry_path;
  http.version = kVersion;
  auto server = HttpServer::Start(http, [&] { return scraper.Scrape(enabled); }, &error);
  if (!server) {
    log::Error("cannot start HTTP server", {{"err", error}});
    return 1;
  }
  std::string ports;
  for (const auto& p : server->BoundAddresses()) ports += (ports.empty() ? "" : ",") + p;
  log::Info("listening", {{"address", ports}, {"telemetry_path", flags.telemetry_path},
                          {"procfs", flags.procfs}, {"version", kVersion}});

  int sig = 0;
  sigwait(&stop, &sig);
  log::Info("shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  server.reset();
  return 0;
}
