#include "exporter/scrape/scraper.h"

#include <algorithm>
#include <chrono>

#include "probes/util/log.h"
#include "exporter/metrics/process_families.h"
#include "exporter/metrics/text_writer.h"
#include "exporter/metrics/tree_families.h"
#include "exporter/scrape/series_budget.h"

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

// What the probe must read: what the enabled families and the selectors
// need, and only as much of a command line as the label can show.
ScanRequest ScanRequestFor(const RuntimeConfig& rc, const EnabledFamilies& enabled, const ScrapeOptions& opts) {
  const ProcessSelection& selection = *rc.selection;
  ScanRequest req;
  req.groups = enabled.RequiredGroups();
  if (!req.groups.empty() || AnyAggregateFamily(enabled)) req.groups |= selection.NeededGroups();
  // The carries see every scan that aggregates: one narrowed by collect[]
  // still reads what the config's aggregate families need.
  if (opts.families && AnyAggregateFamily(enabled)) req.groups |= rc.enabled.RequiredGroups();
  req.deadline = opts.deadline;
  if (!selection.MatchesCmdline()) req.cmdline_max_bytes = CmdlineLabelReadBytes(rc.config.labels.cmdline_max_length);
  return req;
}

// How much a process weighs when some must go: its rss, then its CPU.
std::pair<double, double> Weight(const ProcessSample& s) {
  const double rss = s.memory_rss_bytes.has_value() ? static_cast<double>(s.memory_rss_bytes.value) : 0;
  const double cpu = (s.cpu_user_seconds.has_value() ? s.cpu_user_seconds.value : 0) +
                     (s.cpu_system_seconds.has_value() ? s.cpu_system_seconds.value : 0);
  return std::make_pair(rss, cpu);
}

// Keeps the limit's worth of processes with the most rss, then CPU; the
// rest are counted in their groups only.
std::size_t ApplyLimit(const std::vector<ProcessSample>& ps, std::size_t limit, std::vector<int>* rows) {
  if (limit == 0 || rows->size() <= limit) return 0;
  auto weight = [&](int i) { return Weight(ps[static_cast<std::size_t>(i)]); };
  std::nth_element(rows->begin(), rows->begin() + static_cast<std::ptrdiff_t>(limit), rows->end(),
                   [&](int a, int b) { return weight(a) > weight(b); });
  const std::size_t dropped = rows->size() - limit;
  rows->resize(limit);
  std::sort(rows->begin(), rows->end());
  return dropped;
}

// The rows, heaviest first: the order limits.max_series keeps them in.
std::vector<int> HeaviestFirst(const std::vector<ProcessSample>& ps, std::vector<int> rows) {
  std::stable_sort(rows.begin(), rows.end(), [&](int a, int b) {
    return Weight(ps[static_cast<std::size_t>(a)]) > Weight(ps[static_cast<std::size_t>(b)]);
  });
  return rows;
}

// The processes whose label prefix is written: the rows and the subtree roots.
std::vector<bool> Labelled(std::size_t processes, const std::vector<int>& rows, const TreeAggregator::Result& agg) {
  std::vector<bool> out(processes, false);
  for (int r : rows) out[static_cast<std::size_t>(r)] = true;
  for (const auto& st : agg.subtrees) out[static_cast<std::size_t>(st.root)] = true;
  return out;
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

bool WantsDetails(const EnabledFamilies& e) {
  return e.has(Fam::kProcessMemory) || e.has(Fam::kProcessMemoryMapBytes) || e.has(Fam::kProcessMemoryMaps);
}

// One smaps read a selector asked for, and the row it is for.
struct DetailRequest {
  SmapsCache::Request req;
  int row;
  bool selected;  // by a selector, not as unmatched
};

// Processes a selector chose explicitly come before the unmatched ones, so a
// tight budget goes to them first; the interval cache lets later scrapes
// reach the rest.
std::vector<DetailRequest> DetailRequests(const std::vector<ProcessSample>& ps, const std::vector<int>& rows,
                                          const std::vector<Assignment>& assigned, const EnabledFamilies& enabled) {
  const bool maps_on = enabled.has(Fam::kProcessMemoryMapBytes) || enabled.has(Fam::kProcessMemoryMaps);
  std::vector<DetailRequest> out;
  for (int r : rows) {
    const Assignment& a = assigned[static_cast<std::size_t>(r)];
    const ProcessSample& s = ps[static_cast<std::size_t>(r)];
    if (!a.memory.rollup || s.kernel_thread || s.state == ProcessState::kZombie) continue;  // no address space
    const std::uint64_t rss = s.memory_rss_bytes.has_value() ? s.memory_rss_bytes.value : 0;
    out.push_back({{KeyOf(s), a.memory.maps && maps_on, a.memory.force, rss}, r, a.selector != -1});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const DetailRequest& a, const DetailRequest& b) { return a.selected > b.selected; });
  return out;
}

SmapsCache::Policy SmapsPolicy(const MemoryPolicy& mp) {
  auto secs = [](double v) {
    return std::chrono::duration_cast<SmapsCache::Clock::duration>(std::chrono::duration<double>(v));
  };
  return {secs(mp.rollup_interval_seconds), secs(mp.maps_interval_seconds), secs(mp.budget_seconds),
          mp.max_rss_bytes};
}

}  // namespace

struct Scraper::Scanned {
  Clock::time_point started;  // when the scan began: the phases are timed from it
  ScanResult scan;
  std::optional<ProcessSample> self;
};

struct Scraper::Selected {
  ProcessTree tree;
  std::vector<ProcessFacts> facts;
  std::vector<Assignment> assigned;
  std::vector<int> rows;  // processes with per-process series
  std::size_t truncated = 0;
};

struct Scraper::Details {
  std::vector<std::optional<MemoryDetails>> store;
  std::vector<const MemoryDetails*> by_process;  // empty, or parallel to the scan
  bool cut_short = false;                        // the deadline passed while reading them
};

Scraper::Scanned Scraper::ScanStage(const RuntimeConfig& rc, const EnabledFamilies& enabled,
                                    const ScrapeOptions& opts) {
  Scanned out;
  out.started = Clock::now();
  ScanErrors scan_errors(DebugLogger());
  const ScanRequest req = ScanRequestFor(rc, enabled, opts);
  if (!req.groups.empty()) out.scan = probe_.Scan(req, scan_errors);
  if (WantsSelf(enabled)) {
    ScanRequest self_req;
    self_req.groups = FieldGroups(FieldGroup::kStat) | FieldGroup::kMemory | FieldGroup::kFds | FieldGroup::kLimits;
    out.self = probe_.SampleSelf(self_req, scan_errors);
  }
  errors_.Merge(scan_errors);
  return out;
}

Scraper::Details Scraper::MemoryDetailsStage(const RuntimeConfig& rc, const EnabledFamilies& enabled,
                                             const Scanned& scanned, const Selected& selected,
                                             const ScrapeOptions& opts) {
  Details out;
  if (!WantsDetails(enabled)) return out;
  const auto& ps = scanned.scan.processes;
  out.by_process.assign(ps.size(), nullptr);
  const std::vector<DetailRequest> wanted = DetailRequests(ps, selected.rows, selected.assigned, enabled);
  if (wanted.empty()) return out;
  std::vector<SmapsCache::Request> reqs;
  for (const DetailRequest& d : wanted) reqs.push_back(d.req);
  SmapsCache::Skips skips;
  ScanErrors smaps_errors(DebugLogger());
  out.store = smaps_.Get(probe_, reqs, SmapsPolicy(rc.config.memory), smaps_errors, &skips, opts.deadline);
  out.cut_short = opts.deadline && Clock::now() >= *opts.deadline;
  errors_.Merge(smaps_errors);
  skips_.interval += skips.interval;
  skips_.budget += skips.budget;
  skips_.rss += skips.rss;
  for (std::size_t k = 0; k < out.store.size(); ++k)
    if (out.store[k]) out.by_process[static_cast<std::size_t>(wanted[k].row)] = &*out.store[k];
  return out;
}

TreeAggregator::Result Scraper::AggregateStage(const RuntimeConfig& rc, const EnabledFamilies& enabled,
                                               const Scanned& scanned, const Selected& selected) {
  const auto& ps = scanned.scan.processes;
  if (!AnyTreeFamily(enabled) || scanned.scan.deadline_exceeded || !AnyAggregateFamily(enabled)) return {};
  std::vector<std::string> group_of(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) group_of[i] = selected.assigned[i].group;
  const ProcessSelection& selection = *rc.selection;
  return aggregator_.Aggregate(ps, selected.tree, selection.Roots(ps, selected.facts, selected.tree), group_of,
                               selection.always_groups(), rc.config.tree_max_ancestor_depth);
}

ExporterState Scraper::State(const Scanned& scanned, const Selected& selected, const ReloadStatus& reload) {
  return ExporterState{probe_, errors_, skips_, scanned.scan.processes.size(), selected.truncated,
                       deadline_exceeded_, reload, build_, facts_};
}

std::string Scraper::Scrape(const RuntimeConfig& rc, const ReloadStatus& reload, const ScrapeOptions& opts) {
  struct StringSink : ByteSink {
    std::string text;
    void Write(std::string_view bytes) override { text.append(bytes); }
  } sink;
  Scrape(rc, reload, opts, sink);
  return std::move(sink.text);
}

void Scraper::Scrape(const RuntimeConfig& rc, const ReloadStatus& reload, const ScrapeOptions& opts, ByteSink& out) {
  const EnabledFamilies& enabled = opts.families ? *opts.families : rc.enabled;
  const Scanned scanned = ScanStage(rc, enabled, opts);
  const auto t0 = scanned.started;
  const auto& ps = scanned.scan.processes;
  const auto t1 = Clock::now();

  Selected selected{ProcessTree::Build(ps), rc.selection->Facts(ps, users_), {}, {}, 0};
  selected.assigned = rc.selection->Assign(ps, selected.facts, selected.tree);
  for (std::size_t i = 0; i < ps.size(); ++i)
    if (selected.assigned[i].per_process) selected.rows.push_back(static_cast<int>(i));
  selected.truncated = ApplyLimit(ps, rc.config.limits.max_processes, &selected.rows);
  const auto t2 = Clock::now();

  const Details details = MemoryDetailsStage(rc, enabled, scanned, selected, opts);
  if (scanned.scan.deadline_exceeded || details.cut_short) ++deadline_exceeded_;
  const auto t3 = Clock::now();
  const TreeAggregator::Result agg = AggregateStage(rc, enabled, scanned, selected);
  const auto t4 = Clock::now();

  const auto prefixes = ProcessLabelPrefixes(ps, DeriveLabels(ps, selected.facts, rc.config.labels),
                                             Labelled(ps.size(), selected.rows, agg));
  const bool tree_on = AnyTreeFamily(enabled) && !scanned.scan.deadline_exceeded;
  SeriesParts parts;
  parts.processes = [&](const std::vector<int>& rows, const TreeAggregator::Result& totals, const EnabledFamilies& e,
                        TextWriter& w) {
    WriteProcessFamilies(ps, rows, prefixes, e, users_, w, details.by_process, rc.config.labels.user);
    WriteMemoryMapFamilies(rows, prefixes, details.by_process, rc.config.limits.memory_maps_per_process, e, w);
    if (tree_on) WriteTreeFamilies(ps, rows, prefixes, selected.tree, totals, rc.config.tree_max_ancestor_depth, e, w);
  };
  ExporterState state = State(scanned, selected, reload);
  const auto write_own = [&](TextWriter& w, bool timed) {
    WriteExporterFamilies(state, enabled, w);
    if (scanned.self) WriteSelfFamilies(*scanned.self, enabled, w);
    if (!enabled.has(Fam::kScrapeDuration)) return;
    // Last, so it can report this scrape's own serialize time (waits for a slow client included).
    const Clock::time_point now = timed ? Clock::now() : t4;
    w.Begin(Fam::kScrapeDuration);
    w.Sample("", {{"phase", "probe"}}, Seconds(t1 - t0));
    w.Sample("", {{"phase", "select"}}, Seconds(t2 - t1));
    w.Sample("", {{"phase", "memory_details"}}, Seconds(t3 - t2));
    w.Sample("", {{"phase", "aggregate"}}, Seconds(t4 - t3));
    w.Sample("", {{"phase", "serialize"}}, Seconds(now - t4));
  };
  parts.own = [&](TextWriter& w) { write_own(w, false); };

  const bool capped = rc.config.limits.max_series != 0;
  SeriesCut cut;
  if (capped) cut = FitSeriesBudget(rc.config.limits.max_series, parts, enabled, HeaviestFirst(ps, selected.rows), agg);
  if (cut.dropped != 0) ++series_cuts_;
  state.series_dropped = cut.dropped;
  state.series_cuts = series_cuts_;
  TextWriter w(&out, &write_buffer_);
  parts.processes(capped ? cut.rows : selected.rows, capped ? cut.totals : agg, enabled, w);
  write_own(w, true);
}

}  // namespace proctree
