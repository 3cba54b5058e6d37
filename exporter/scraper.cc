#include "exporter/scraper.h"

#include <chrono>
#include <sstream>

#include <prometheus/text_serializer.h>

#include "exporter/log.h"
#include "exporter/process_families.h"

namespace proctree {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using Clock = std::chrono::steady_clock;

MetricFamily Family(Fam f) {
  const FamilyDef& d = Def(f);
  MetricFamily fam;
  fam.name = std::string(d.name);
  fam.help = std::string(d.help);
  fam.type = d.type;
  return fam;
}

void Add(MetricFamily& fam, std::vector<ClientMetric::Label> labels, double v) {
  ClientMetric m;
  m.label = std::move(labels);
  if (fam.type == prometheus::MetricType::Counter) m.counter.value = v;
  else m.gauge.value = v;
  fam.metric.push_back(std::move(m));
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

ScanErrors::DebugSink DebugLogger() {
  if (!log::Enabled(log::Level::kDebug)) return nullptr;
  return [](std::int64_t pid, std::string_view syscall, std::string_view path, std::string_view err) {
    log::Debug("probe error", {{"pid", std::to_string(pid)}, {"syscall", syscall}, {"path", path},
                               {"errno", err}});
  };
}

}  // namespace

std::string Scraper::Scrape(const EnabledFamilies& enabled) {
  const auto t0 = Clock::now();
  ScanErrors scan_errors(DebugLogger());
  ScanRequest req;
  req.groups = enabled.RequiredGroups();
  ScanResult scan;
  if (!req.groups.empty()) scan = probe_.Scan(req, scan_errors);

  std::optional<ProcessSample> self;
  bool want_self = false;
  for (Fam f : {Fam::kSelfCpu, Fam::kSelfResidentMemory, Fam::kSelfVirtualMemory, Fam::kSelfOpenFds,
                Fam::kSelfMaxFds, Fam::kSelfStartTime})
    want_self = want_self || enabled.has(f);
  if (want_self) {
    ScanRequest self_req;
    self_req.groups = FieldGroups(FieldGroup::kStat) | FieldGroup::kStatm | FieldGroup::kFds | FieldGroup::kLimits;
    self = probe_.SampleSelf(self_req, scan_errors);
  }
  errors_.Merge(scan_errors);
  const auto t1 = Clock::now();

  std::vector<MetricFamily> fams;
  fams.reserve(static_cast<std::size_t>(Fam::kCount));
  AppendProcessFamilies(scan, enabled, users_, &fams);

  if (enabled.has(Fam::kProbeErrors)) {
    MetricFamily fam = Family(Fam::kProbeErrors);
    for (const auto& [k, v] : errors_.syscall_errors())
      Add(fam, {{"syscall", k.syscall}, {"source", k.source}, {"errno", k.err}}, static_cast<double>(v));
    fams.push_back(std::move(fam));
  }
  if (enabled.has(Fam::kProbeParseErrors)) {
    MetricFamily fam = Family(Fam::kProbeParseErrors);
    for (const auto& [k, v] : errors_.parse_errors()) Add(fam, {{"source", k}}, static_cast<double>(v));
    fams.push_back(std::move(fam));
  }
  if (enabled.has(Fam::kProbeFeatureSupported)) {
    MetricFamily fam = Family(Fam::kProbeFeatureSupported);
    for (int i = 0; i < static_cast<int>(Feature::kCount); ++i) {
      auto f = static_cast<Feature>(i);
      Add(fam, {{"feature", std::string(FeatureName(f))}}, probe_.Supports(f) ? 1 : 0);
    }
    fams.push_back(std::move(fam));
  }
  if (enabled.has(Fam::kScrapeProcesses)) {
    MetricFamily fam = Family(Fam::kScrapeProcesses);
    Add(fam, {}, static_cast<double>(scan.processes.size()));
    fams.push_back(std::move(fam));
  }
  if (enabled.has(Fam::kBuildInfo)) {
    MetricFamily fam = Family(Fam::kBuildInfo);
    Add(fam, {{"version", build_.version}, {"revision", build_.revision}, {"os", build_.os}}, 1);
    fams.push_back(std::move(fam));
  }
  if (self) AppendSelfFamilies(*self, enabled, &fams);

  std::ostringstream os;
  prometheus::TextSerializer().Serialize(os, fams);
  const auto t2 = Clock::now();

  // The duration family goes last so it can report this scrape's own serialize time.
  if (enabled.has(Fam::kScrapeDuration)) {
    MetricFamily fam = Family(Fam::kScrapeDuration);
    Add(fam, {{"phase", "probe"}}, Seconds(t1 - t0));
    Add(fam, {{"phase", "serialize"}}, Seconds(t2 - t1));
    prometheus::TextSerializer().Serialize(os, {fam});
  }
  return std::move(os).str();
}

}  // namespace proctree
