#include "exporter/scraper.h"

#include <chrono>
#include <sstream>

#include <prometheus/text_serializer.h>

#include "exporter/family_util.h"
#include "exporter/log.h"
#include "exporter/tree_families.h"
#include "probes/auto_groups.h"
#include "exporter/process_families.h"

namespace proctree {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using Clock = std::chrono::steady_clock;

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

  if (AnyTreeFamily(enabled)) {
    const ProcessTree tree = ProcessTree::Build(scan.processes);
    TreeAggregator::Result agg;
    if (AnyAggregateFamily(enabled)) {
      agg = aggregator_.Aggregate(scan.processes, tree, RootsWithChildren(tree),
                                  AutoGroups(scan.processes, tree), t0);
    }
    AppendTreeFamilies(scan.processes, tree, agg, enabled, &fams);
  }

  if (enabled.has(Fam::kProbeErrors)) {
    MetricFamily fam = NewFamily(Fam::kProbeErrors);
    for (const auto& [k, v] : errors_.syscall_errors())
      AddValue(fam, {{"syscall", k.syscall}, {"source", k.source}, {"errno", k.err}}, static_cast<double>(v));
    fams.push_back(std::move(fam));
  }
  if (enabled.has(Fam::kProbeParseErrors)) {
    MetricFamily fam = NewFamily(Fam::kProbeParseErrors);
    for (const auto& [k, v] : errors_.parse_errors()) AddValue(fam, {{"source", k}}, static_cast<double>(v));
    fams.push_back(std::move(fam));
  }
  if (enabled.has(Fam::kProbeFeatureSupported)) {
    MetricFamily fam = NewFamily(Fam::kProbeFeatureSupported);
    for (int i = 0; i < static_cast<int>(Feature::kCount); ++i) {
      auto f = static_cast<Feature>(i);
      AddValue(fam, {{"feature", std::string(FeatureName(f))}}, probe_.Supports(f) ? 1 : 0);
    }
    fams.push_back(std::move(fam));
  }
  if (enabled.has(Fam::kScrapeProcesses)) {
    MetricFamily fam = NewFamily(Fam::kScrapeProcesses);
    AddValue(fam, {}, static_cast<double>(scan.processes.size()));
    fams.push_back(std::move(fam));
  }
  if (enabled.has(Fam::kBuildInfo)) {
    MetricFamily fam = NewFamily(Fam::kBuildInfo);
    AddValue(fam, {{"version", build_.version}, {"revision", build_.revision}, {"os", build_.os}}, 1);
    fams.push_back(std::move(fam));
  }
  if (self) AppendSelfFamilies(*self, enabled, &fams);

  std::ostringstream os;
  prometheus::TextSerializer().Serialize(os, fams);
  const auto t2 = Clock::now();

  // The duration family goes last so it can report this scrape's own serialize time.
  if (enabled.has(Fam::kScrapeDuration)) {
    MetricFamily fam = NewFamily(Fam::kScrapeDuration);
    AddValue(fam, {{"phase", "probe"}}, Seconds(t1 - t0));
    AddValue(fam, {{"phase", "serialize"}}, Seconds(t2 - t1));
    prometheus::TextSerializer().Serialize(os, {fam});
  }
  return std::move(os).str();
}

}  // namespace proctree
