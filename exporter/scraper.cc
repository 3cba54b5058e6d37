#include "exporter/scraper.h"

#include <algorithm>
#include <chrono>

#include "exporter/log.h"
#include "exporter/process_families.h"
#include "exporter/text_writer.h"
#include "exporter/tree_families.h"

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


// Keeps the limit's worth of processes with the most rss, then CPU; the
// rest are counted in their groups only.
std::size_t ApplyLimit(const std::vector<ProcessSample>& ps, std::size_t limit, std::vector<int>* rows) {
  if (limit == 0 || rows->size() <= limit) return 0;
  auto weight = [&](int i) {
    const ProcessSample& s = ps[static_cast<std::size_t>(i)];
    const double rss = s.memory_rss_bytes.has_value() ? static_cast<double>(s.memory_rss_bytes.value) : 0;
    const double cpu = (s.cpu_user_seconds.has_value() ? s.cpu_user_seconds.value : 0) +
                       (s.cpu_system_seconds.has_value() ? s.cpu_system_seconds.value : 0);
    return std::make_pair(rss, cpu);
  };
  std::nth_element(rows->begin(), rows->begin() + static_cast<std::ptrdiff_t>(limit), rows->end(),
                   [&](int a, int b) { return weight(a) > weight(b); });
  const std::size_t dropped = rows->size() - limit;
  rows->resize(limit);
  std::sort(rows->begin(), rows->end());
  return dropped;
}

std::vector<OptionalLabels> DeriveLabels(const std::vector<ProcessSample>& ps, const std::vector<ProcessFacts>& facts,
                                         const LabelPolicy& policy) {
  if (!policy.user && !policy.exe && !policy.cgroup && !policy.container_id && !policy.cmdline) return {};
  std::vector<OptionalLabels> out(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) {
    if (policy.user) out[i].user = facts[i].user.empty() && ps[i].uid.has_value() ? std::to_string(ps[i].uid.value) : facts[i].user;
    if (policy.exe && ps[i].exe.has_value()) out[i].exe = ps[i].exe.value;
    if (policy.cgroup) out[i].cgroup = facts[i].cgroup_path;
    if (policy.container_id) out[i].container_id = facts[i].container_id;
    // Environment variables are never read; the command line only when asked for, redacted.
    if (policy.cmdline && ps[i].cmdline.has_value())
      out[i].cmdline = CmdlineLabel(ps[i].cmdline.value, policy.cmdline_max_length, ps[i].cmdline_cut);
  }
  return out;
}

}  // namespace

std::string Scraper::Scrape(const RuntimeConfig& rc, const ReloadStatus& reload, const ScrapeOptions& opts) {
  const EnabledFamilies& enabled = opts.families ? *opts.families : rc.enabled;
  const ProcessSelection& selection = *rc.selection;
  const auto t0 = Clock::now();
  ScanErrors scan_errors(DebugLogger());
  ScanRequest req;
  req.groups = enabled.RequiredGroups();
  if (!req.groups.empty() || AnyAggregateFamily(enabled)) req.groups |= selection.NeededGroups();
  // The carries see every scan that aggregates: one narrowed by collect[]
  // still reads what the config's aggregate families need.
  if (opts.families && AnyAggregateFamily(enabled)) req.groups |= rc.enabled.RequiredGroups();
  req.deadline = opts.deadline;
  // Only the label wants the command line: read what it can show, not megabytes.
  if (!selection.MatchesCmdline()) req.cmdline_max_bytes = CmdlineLabelReadBytes(rc.config.labels.cmdline_max_length);
  ScanResult scan;
  if (!req.groups.empty()) scan = probe_.Scan(req, scan_errors);
  bool cut_short = scan.deadline_exceeded;

  std::optional<ProcessSample> self;
  if (WantsSelf(enabled)) {
    ScanRequest self_req;
    self_req.groups = FieldGroups(FieldGroup::kStat) | FieldGroup::kMemory | FieldGroup::kFds | FieldGroup::kLimits;
    self = probe_.SampleSelf(self_req, scan_errors);
  }
  errors_.Merge(scan_errors);
  const auto t1 = Clock::now();

  const auto& ps = scan.processes;
  const ProcessTree tree = ProcessTree::Build(ps);
  const std::vector<ProcessFacts> facts = selection.Facts(ps, users_);
  const std::vector<Assignment> assigned = selection.Assign(ps, facts, tree);
  std::vector<int> rows;
  rows.reserve(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i)
    if (assigned[i].per_process) rows.push_back(static_cast<int>(i));
  const std::size_t truncated = ApplyLimit(ps, rc.config.limits.max_processes, &rows);

  // Memory details (smaps): only for processes a selector opted in, within the cost policy.
  std::vector<std::optional<MemoryDetails>> details_store;
  std::vector<const MemoryDetails*> details;
  const bool want_details = enabled.has(Fam::kProcessMemory) || enabled.has(Fam::kProcessMemoryMapBytes) ||
                            enabled.has(Fam::kProcessMemoryMaps);
  if (want_details) {
    std::vector<SmapsCache::Request> reqs;
    std::vector<int> req_rows;
    for (int r : rows) {
      const Assignment& a = assigned[static_cast<std::size_t>(r)];
      if (!a.memory.rollup) continue;
      const ProcessSample& s = ps[static_cast<std::size_t>(r)];
      if (s.kernel_thread || s.state == ProcessState::kZombie) continue;  // no address space to walk
      const bool maps = a.memory.maps && (enabled.has(Fam::kProcessMemoryMapBytes) || enabled.has(Fam::kProcessMemoryMaps));
      reqs.push_back({KeyOf(s), maps, a.memory.force, s.memory_rss_bytes.has_value() ? s.memory_rss_bytes.value : 0});
      req_rows.push_back(r);
    }
    // Processes a selector chose explicitly are read before the unmatched
    // ones, so a tight budget goes to them first; the interval cache lets
    // later scrapes reach the rest.
    std::vector<std::size_t> order(reqs.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return (assigned[static_cast<std::size_t>(req_rows[a])].selector != -1) >
             (assigned[static_cast<std::size_t>(req_rows[b])].selector != -1);
    });
    {
      std::vector<SmapsCache::Request> sorted_reqs;
      std::vector<int> sorted_rows;
      for (std::size_t k : order) {
        sorted_reqs.push_back(reqs[k]);
        sorted_rows.push_back(req_rows[k]);
      }
      reqs.swap(sorted_reqs);
      req_rows.swap(sorted_rows);
    }
    if (!reqs.empty()) {
      const MemoryPolicy& mp = rc.config.memory;
      auto secs = [](double v) {
        return std::chrono::duration_cast<SmapsCache::Clock::duration>(std::chrono::duration<double>(v));
      };
      SmapsCache::Policy policy{secs(mp.rollup_interval_seconds), secs(mp.maps_interval_seconds),
                                secs(mp.budget_seconds), mp.max_rss_bytes};
      SmapsCache::Skips skips;
      ScanErrors smaps_errors(DebugLogger());
      details_store = smaps_.Get(probe_, reqs, policy, smaps_errors, &skips, opts.deadline);
      cut_short = cut_short || (opts.deadline && Clock::now() >= *opts.deadline);
      errors_.Merge(smaps_errors);
      std::lock_guard<std::mutex> lock(skips_mu_);
      skips_.interval += skips.interval;
      skips_.budget += skips.budget;
      skips_.rss += skips.rss;
    }
    details.assign(ps.size(), nullptr);
    for (std::size_t k = 0; k < details_store.size(); ++k)
      if (details_store[k]) details[static_cast<std::size_t>(req_rows[k])] = &*details_store[k];
  }

  std::string out;
  out.reserve(4096 + rows.size() * 3072);  // about what a process takes with every family on
  TextWriter w(&out);
  const std::vector<std::string> prefixes = ProcessLabelPrefixes(ps, DeriveLabels(ps, facts, rc.config.labels));
  WriteProcessFamilies(ps, rows, prefixes, enabled, users_, w, details, rc.config.labels.user);
  WriteMemoryMapFamilies(rows, prefixes, details, rc.config.limits.memory_maps_per_process, enabled, w);

  if (cut_short) deadline_exceeded_.fetch_add(1);
  if (AnyTreeFamily(enabled) && !scan.deadline_exceeded) {
    const std::size_t max_depth = rc.config.tree_max_ancestor_depth;
    TreeAggregator::Result agg;
    if (AnyAggregateFamily(enabled)) {
      std::vector<std::string> group_of(ps.size());
      for (std::size_t i = 0; i < ps.size(); ++i) group_of[i] = assigned[i].group;
      agg = aggregator_.Aggregate(ps, tree, selection.Roots(ps, facts, tree), group_of, t0,
                                  selection.always_groups(), max_depth);
    }
    WriteTreeFamilies(ps, rows, prefixes, tree, agg, max_depth, enabled, w);
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
  if (enabled.has(Fam::kProbeSkipped)) {
    SmapsCache::Skips sk;
    {
      std::lock_guard<std::mutex> lock(skips_mu_);
      sk = skips_;
    }
    w.Begin(Fam::kProbeSkipped);
    w.Sample("", {{"source", "smaps"}, {"reason", "interval"}}, static_cast<double>(sk.interval));
    w.Sample("", {{"source", "smaps"}, {"reason", "budget"}}, static_cast<double>(sk.budget));
    w.Sample("", {{"source", "smaps"}, {"reason", "rss"}}, static_cast<double>(sk.rss));
  }
  if (enabled.has(Fam::kScrapeProcesses)) {
    w.Begin(Fam::kScrapeProcesses);
    w.Sample("", static_cast<double>(ps.size()));
  }
  if (enabled.has(Fam::kScrapeTruncated)) {
    w.Begin(Fam::kScrapeTruncated);
    w.Sample("", static_cast<double>(truncated));
  }
  if (enabled.has(Fam::kScrapeDeadlineExceeded)) {
    w.Begin(Fam::kScrapeDeadlineExceeded);
    w.Sample("", static_cast<double>(deadline_exceeded_.load()));
  }
  if (enabled.has(Fam::kConfigReloadSuccessful)) {
    w.Begin(Fam::kConfigReloadSuccessful);
    w.Sample("", reload.successful ? 1 : 0);
  }
  if (enabled.has(Fam::kConfigReloadTimestamp)) {
    w.Begin(Fam::kConfigReloadTimestamp);
    w.Sample("", reload.timestamp);
  }
  if (enabled.has(Fam::kBuildInfo)) {
    w.Begin(Fam::kBuildInfo);
    w.Sample("", {{"version", build_.version}, {"revision", build_.revision}, {"os", build_.os}}, 1);
  }
  if (enabled.has(Fam::kExporterCapability) && !facts_.capabilities.empty()) {
    w.Begin(Fam::kExporterCapability);
    for (const auto& [name, held] : facts_.capabilities) w.Sample("", {{"capability", name}}, held ? 1 : 0);
  }
  if (enabled.has(Fam::kExporterPidNamespace) && facts_.pid_namespace) {
    const PidNamespaceInfo& ns = *facts_.pid_namespace;
    w.Begin(Fam::kExporterPidNamespace);
    w.Sample("",
             {{"exporter_pid_namespace", ns.exporter_pid_namespace}, {"procfs", ns.procfs},
              {"procfs_pid_namespace", ns.procfs_pid_namespace}, {"procfs_view", ProcfsViewName(ns.view)}},
             1);
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
