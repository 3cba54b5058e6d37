#include "exporter/scraper.h"

#include <chrono>

#include "exporter/log.h"
#include "exporter/process_families.h"
#include "exporter/text_writer.h"
#include "exporter/tree_families.h"
#include "probes/auto_groups.h"

namespace proctree {

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

ScanErrors::DebugSink DebugLogger() {
  if (!log::Enabled(log::Level::kDebug)) return nullptr;
  return [](std::int64_t pid, std::string_view syscall, std::string_view path, std::string_view err) {
    log::Debug("probe error", {{"pid", std::to_string(pid)}, {"syscall", syscall}, {"path", path},
                               {"errno", err}});
  };
}

bool WantsSelf(const EnabledFamilies& e) {
  for (Fam f : {Fam::kSelfCpu, Fam::kSelfResidentMemory, Fam::kSelfVirtualMemory, Fam::kSelfOpenFds,
                Fam::kSelfMaxFds, Fam::kSelfStartTime})
    if (e.has(f)) return true;
  return false;
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
  if (WantsSelf(enabled)) {
    ScanRequest self_req;
    self_req.groups = FieldGroups(FieldGroup::kStat) | FieldGroup::kStatm | FieldGroup::kFds | FieldGroup::kLimits;
    self = probe_.SampleSelf(self_req, scan_errors);
  }
  errors_.Merge(scan_errors);
  const auto t1 = Clock::now();

  const auto& ps = scan.processes;
  std::string out;
  out.reserve(4096 + ps.size() * 3072);  // about what 2,000 processes take with every family on
  TextWriter w(&out);
  const std::vector<std::string> prefixes = ProcessLabelPrefixes(ps);
  WriteProcessFamilies(ps, prefixes, enabled, users_, w);

  if (AnyTreeFamily(enabled)) {
    const ProcessTree tree = ProcessTree::Build(ps);
    TreeAggregator::Result agg;
    if (AnyAggregateFamily(enabled))
      agg = aggregator_.Aggregate(ps, tree, RootsWithChildren(tree), AutoGroups(ps, tree), t0);
    WriteTreeFamilies(ps, prefixes, tree, agg, enabled, w);
  }

  if (enabled.has(Fam::kProbeErrors)) {
    w.Begin(Fam::kProbeErrors);
    for (const auto& [k, v] : errors_.syscall_errors())
      w.Sample("", {{"syscall", k.syscall}, {"source", k.source}, {"errno", k.err}}, static_cast<double>(v));
  }
  if (enabled.has(Fam::kProbeParseErrors)) {
    w.Begin(Fam::kProbeParseErrors);
    for (const auto& [k, v] : errors_.parse_errors()) w.Sample("", {{"source", k}}, static_cast<double>(v));
  }
  if (enabled.has(Fam::kProbeFeatureSupported)) {
    w.Begin(Fam::kProbeFeatureSupported);
    for (int i = 0; i < static_cast<int>(Feature::kCount); ++i) {
      auto f = static_cast<Feature>(i);
      w.Sample("", {{"feature", FeatureName(f)}}, probe_.Supports(f) ? 1 : 0);
    }
  }
  if (enabled.has(Fam::kScrapeProcesses)) {
    w.Begin(Fam::kScrapeProcesses);
    w.Sample("", static_cast<double>(ps.size()));
  }
  if (enabled.has(Fam::kBuildInfo)) {
    w.Begin(Fam::kBuildInfo);
    w.Sample("", {{"version", build_.version}, {"revision", build_.revision}, {"os", build_.os}}, 1);
  }
  if (self) WriteSelfFamilies(*self, enabled, w);

  // Last, so it can report this scrape's own serialize time.
  if (enabled.has(Fam::kScrapeDuration)) {
    const auto t2 = Clock::now();
    w.Begin(Fam::kScrapeDuration);
    w.Sample("", {{"phase", "probe"}}, Seconds(t1 - t0));
    w.Sample("", {{"phase", "serialize"}}, Seconds(t2 - t1));
  }
  return out;
}

}  // namespace proctree
