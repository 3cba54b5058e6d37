#include "exporter/metrics/exporter_families.h"

namespace proctree {

namespace {

void WriteProbeFamilies(const ExporterState& s, const EnabledFamilies& enabled, TextWriter& w) {
  if (enabled.has(Fam::kProbeErrors)) {
    w.Begin(Fam::kProbeErrors);
    for (const auto& [k, v] : s.errors.syscall_errors())
      w.Sample("", {{"syscall", k.syscall}, {"source", k.source}, {"errno", k.err}}, static_cast<double>(v));
  }
  if (enabled.has(Fam::kProbeParseErrors)) {
    w.Begin(Fam::kProbeParseErrors);
    for (const auto& [k, v] : s.errors.parse_errors()) w.Sample("", {{"source", k}}, static_cast<double>(v));
  }
  if (enabled.has(Fam::kProbeFeatureSupported)) {
    w.Begin(Fam::kProbeFeatureSupported);
    for (int i = 0; i < static_cast<int>(Feature::kCount); ++i) {
      const auto f = static_cast<Feature>(i);
      w.Sample("", {{"feature", FeatureName(f)}}, s.probe.Supports(f) ? 1 : 0);
    }
  }
  if (enabled.has(Fam::kProbeSkipped)) {
    w.Begin(Fam::kProbeSkipped);
    w.Sample("", {{"source", "smaps"}, {"reason", "interval"}}, static_cast<double>(s.skips.interval));
    w.Sample("", {{"source", "smaps"}, {"reason", "budget"}}, static_cast<double>(s.skips.budget));
    w.Sample("", {{"source", "smaps"}, {"reason", "rss"}}, static_cast<double>(s.skips.rss));
  }
}

void WriteGauge(Fam f, double v, const EnabledFamilies& enabled, TextWriter& w) {
  if (!enabled.has(f)) return;
  w.Begin(f);
  w.Sample("", v);
}

void WriteIdentityFamilies(const ExporterState& s, const EnabledFamilies& enabled, TextWriter& w) {
  if (enabled.has(Fam::kBuildInfo)) {
    w.Begin(Fam::kBuildInfo);
    w.Sample("", {{"version", s.build.version}, {"revision", s.build.revision}, {"os", s.build.os}}, 1);
  }
  if (enabled.has(Fam::kExporterCapability) && !s.facts.capabilities.empty()) {
    w.Begin(Fam::kExporterCapability);
    for (const auto& [name, held] : s.facts.capabilities) w.Sample("", {{"capability", name}}, held ? 1 : 0);
  }
  if (enabled.has(Fam::kExporterPidNamespace) && s.facts.pid_namespace) {
    const PidNamespaceInfo& ns = *s.facts.pid_namespace;
    w.Begin(Fam::kExporterPidNamespace);
    w.Sample("",
             {{"exporter_pid_namespace", ns.exporter_pid_namespace}, {"procfs", ns.procfs},
              {"procfs_pid_namespace", ns.procfs_pid_namespace}, {"procfs_view", ProcfsViewName(ns.view)}},
             1);
  }
}

}  // namespace

void WriteExporterFamilies(const ExporterState& s, const EnabledFamilies& enabled, TextWriter& w) {
  WriteProbeFamilies(s, enabled, w);
  WriteGauge(Fam::kScrapeProcesses, static_cast<double>(s.processes), enabled, w);
  if (enabled.has(Fam::kScrapeTruncated)) {
    w.Begin(Fam::kScrapeTruncated);
    w.Sample("", {{"reason", "max_processes"}}, static_cast<double>(s.truncated));
    w.Sample("", {{"reason", "top_n"}}, static_cast<double>(s.truncated_top_n));
  }
  WriteGauge(Fam::kScrapeDeadlineExceeded, static_cast<double>(s.deadline_exceeded), enabled, w);
  WriteGauge(Fam::kScrapeSeriesLimitDropped, static_cast<double>(s.series_dropped), enabled, w);
  WriteGauge(Fam::kScrapeSeriesLimitCuts, static_cast<double>(s.series_cuts), enabled, w);
  WriteGauge(Fam::kConfigReloadSuccessful, s.reload.successful ? 1 : 0, enabled, w);
  WriteGauge(Fam::kConfigReloadTimestamp, s.reload.timestamp, enabled, w);
  WriteIdentityFamilies(s, enabled, w);
}

}  // namespace proctree
