#include "exporter/scrape/scraper.h"

#include <algorithm>
#include <chrono>
#include <unordered_map>

#include "probes/util/log.h"
#include "exporter/metrics/exit_families.h"
#include "exporter/metrics/process_families.h"
#include "exporter/metrics/text_writer.h"
#include "exporter/metrics/tree_families.h"
#include "exporter/scrape/series_budget.h"
#include "probes/container_id.h"

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

// What ranking processes for per-process series needs of every process:
// limits.max_processes weighs rss and CPU, both in stat; top_n adds io when
// it ranks by it.
FieldGroups RankingGroups(const RuntimeConfig& rc) {
  return FieldGroups(FieldGroup::kStat) | TopNSelector::GroupsNeededForAll(rc.config.top_n);
}

// What the probe must read of every process: what the enabled families and
// the selectors need, and only as much of a command line as the label can
// show. In two phases, only what counts every process (totals, selection,
// ranking); the per-process families' groups follow for the rows alone, and
// what only the labels need for the labelled processes alone.
ScanRequest ScanRequestFor(const RuntimeConfig& rc, const EnabledFamilies& enabled, const ScrapeOptions& opts,
                           bool two_phase) {
  const ProcessSelection& selection = *rc.selection;
  ScanRequest req;
  const FieldGroups all = enabled.RequiredGroups();
  req.groups = two_phase ? enabled.EveryProcessGroups() : all;
  if (!all.empty() || AnyAggregateFamily(enabled)) {
    req.groups |= selection.NeededGroups() | RankingGroups(rc);
    if (!two_phase) req.groups |= selection.LabelOnlyGroups();
  }
  // The carries see every scan that aggregates: one narrowed by collect[]
  // still reads what the config's aggregate families need.
  if (opts.families && AnyAggregateFamily(enabled)) req.groups |= rc.enabled.EveryProcessGroups();
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

// From the samples, of the labelled processes only: the label-only groups
// were read for them alone (CompleteStage).
std::vector<OptionalLabels> DeriveLabels(const std::vector<ProcessSample>& ps, const std::vector<bool>& labelled,
                                         const LabelPolicy& policy, UserNames& users) {
  if (!policy.user && !policy.exe && !policy.cgroup && !policy.container_id && !policy.cmdline) return {};
  std::vector<OptionalLabels> out(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) {
    if (!labelled[i]) continue;
    if (policy.user && ps[i].uid.has_value()) {
      out[i].user = users.Lookup(ps[i].uid.value);
      if (out[i].user.empty()) out[i].user = std::to_string(ps[i].uid.value);
    }
    if (policy.exe && ps[i].exe.has_value()) out[i].exe = ps[i].exe.value;
    if (policy.cgroup && ps[i].cgroup.has_value()) out[i].cgroup = ps[i].cgroup.value;
    if (policy.container_id && ps[i].cgroup.has_value()) out[i].container_id = ContainerIdFromCgroupPath(ps[i].cgroup.value);
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

// The groups of processes born and gone between two scrapes: the selectors
// see what an exit record has (comm, uid, pid, parent), each process under
// its nearest live ancestor; one no selector matches on that (a selector on
// exe or cmdline) takes its nearest live ancestor's group.
void AssignExitGroups(const ProcessSelection& selection, const std::vector<ProcessSample>& ps, const ProcessTree& tree,
                      const std::vector<Assignment>& assigned, UserNames& users, std::vector<ExitedProcess>* exits) {
  std::vector<ProcessSample> sub;
  std::unordered_map<int, std::size_t> copied;  // scan index -> index in sub
  std::vector<std::size_t> at;                  // sub index of each exit never seen (others: unused)
  for (const ExitedProcess& e : *exits) {
    at.push_back(sub.size());
    if (e.seen_before) continue;
    // Its live ancestors come along, for selectors with an ancestor condition.
    for (int a = e.live_ancestor; a != ProcessTree::kNone && !copied.count(a); a = tree.parent(a)) {
      copied[a] = sub.size();
      sub.push_back(ps[static_cast<std::size_t>(a)]);
    }
    ProcessSample s;
    s.pid = e.key.pid;
    s.start_time_ticks = e.key.start;
    s.ppid = e.live_ancestor == ProcessTree::kNone ? 0 : ps[static_cast<std::size_t>(e.live_ancestor)].pid;
    s.comm = e.comm;
    s.uid.set(e.uid);
    at.back() = sub.size();
    sub.push_back(std::move(s));
  }
  if (sub.empty()) return;
  const ProcessTree sub_tree = ProcessTree::Build(sub);
  const std::vector<Assignment> mine = selection.Assign(sub, selection.Facts(sub, users), sub_tree);
  for (std::size_t k = 0; k < exits->size(); ++k) {
    ExitedProcess& e = (*exits)[k];
    if (e.seen_before) continue;
    const Assignment& a = mine[at[k]];
    if (a.selector != -1 || e.live_ancestor == ProcessTree::kNone) e.group = a.group;
    else e.group = assigned[static_cast<std::size_t>(e.live_ancestor)].group;
  }
}

}  // namespace

struct Scraper::Scanned {
  Clock::time_point started;  // when the scan began: the phases are timed from it
  ScanRequest req;            // what phase 1 read of every process
  FieldGroups for_rows;       // what phase 2 reads for the rows
  FieldGroups for_labels;     // what phase 2 reads for the rows and the subtree roots
  ScanResult scan;
  std::optional<ProcessSample> self;
  bool exits_on = false;          // the probe runs exit accounting
  std::vector<ExitRecord> exits;  // drained after the scan
};

struct Scraper::Selected {
  ProcessTree tree;
  std::vector<ProcessFacts> facts;
  std::vector<Assignment> assigned;
  std::vector<int> rows;  // processes with per-process series
  std::size_t truncated = 0;        // beyond limits.max_processes
  std::size_t truncated_top_n = 0;  // candidates top_n left out
  std::vector<int> roots;           // the selection's subtree roots (phase 1 data is all they need)
};

Scraper::Selected Scraper::SelectStage(const RuntimeConfig& rc, const Scanned& scanned) {
  const auto& ps = scanned.scan.processes;
  Selected out{ProcessTree::Build(ps), rc.selection->Facts(ps, users_), {}, {}, 0, 0, {}};
  out.assigned = rc.selection->Assign(ps, out.facts, out.tree);
  out.roots = rc.selection->Roots(ps, out.facts, out.tree);
  const TopNPolicy& top_n = rc.config.top_n;
  if (ps.empty()) return out;  // nothing read (a collect[] of exporter families only): the ranking's state stays
  if (!top_n.Enabled()) {
    top_n_.Clear();
    for (std::size_t i = 0; i < ps.size(); ++i)
      if (out.assigned[i].per_process) out.rows.push_back(static_cast<int>(i));
  } else {
    // A selector's per_process always holds; the unmatched compete in top_n.
    std::vector<int> candidates;
    for (std::size_t i = 0; i < ps.size(); ++i) {
      if (!out.assigned[i].per_process) continue;
      (out.assigned[i].selector != -1 ? out.rows : candidates).push_back(static_cast<int>(i));
    }
    const double now_unix = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    const std::vector<int> kept =
        top_n_.Select(top_n, ps, candidates, Clock::now(), now_unix, scanned.scan.deadline_exceeded);
    out.truncated_top_n = candidates.size() - kept.size();
    out.rows.insert(out.rows.end(), kept.begin(), kept.end());
    std::sort(out.rows.begin(), out.rows.end());
  }
  out.truncated = ApplyLimit(ps, rc.config.limits.max_processes, &out.rows);
  return out;
}

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
  out.req = ScanRequestFor(rc, enabled, opts, two_phase_);
  out.for_rows = enabled.RequiredGroups() - out.req.groups;
  if (!out.req.groups.empty()) {
    out.for_labels = rc.selection->LabelOnlyGroups() - out.req.groups;
    out.scan = probe_.Scan(out.req, scan_errors);
    out.exits.swap(held_exits_);
    out.exits_on = probe_.DrainExits(&out.exits, &exit_stats_);
  }
  if (WantsSelf(enabled)) {
    ScanRequest self_req;
    self_req.groups = FieldGroups(FieldGroup::kStat) | FieldGroup::kMemory | FieldGroup::kFds | FieldGroup::kLimits;
    out.self = probe_.SampleSelf(self_req, scan_errors);
  }
  errors_.Merge(scan_errors);
  return out;
}

// Phase 2: the per-process families' groups for the rows alone, and the
// label-only groups for the rows and the subtree roots, whose label prefix
// is written (Labelled). When most processes are rows (every process has
// per-process series), one phase that reads everything is cheaper than
// reading stat twice, so the next scrape goes back to it; either way the
// output is the same.
bool Scraper::CompleteStage(const RuntimeConfig& rc, const EnabledFamilies& enabled, const Selected& selected,
                            const ScrapeOptions& opts, Scanned* scanned) {
  const std::size_t n = scanned->scan.processes.size();
  two_phase_ = selected.rows.size() * 2 <= n;
  std::vector<int> roots_only;  // subtree roots that are not rows
  if (!scanned->for_labels.empty()) {
    for (int r : SubtreeRoots(rc, enabled, *scanned, selected))
      if (!std::binary_search(selected.rows.begin(), selected.rows.end(), r)) roots_only.push_back(r);
  }
  if (!probe_.CompletesByPid() && !roots_only.empty()) {
    // Every process is scanned again anyway: once, with both sets of groups.
    std::vector<int> both = selected.rows;
    both.insert(both.end(), roots_only.begin(), roots_only.end());
    std::sort(both.begin(), both.end());
    return Complete(scanned->for_rows | scanned->for_labels, both, opts, scanned);
  }
  const bool rows_whole = Complete(scanned->for_rows | scanned->for_labels, selected.rows, opts, scanned);
  return Complete(scanned->for_labels, roots_only, opts, scanned) && rows_whole;
}

bool Scraper::Complete(FieldGroups groups, const std::vector<int>& which, const ScrapeOptions& opts,
                       Scanned* scanned) {
  if (groups.empty() || which.empty()) return true;
  ScanRequest req = scanned->req;  // its cmdline_max_bytes too
  req.groups = groups;
  req.deadline = opts.deadline;
  ScanErrors errors(DebugLogger());
  const bool whole = probe_.Complete(req, which, &scanned->scan, errors);
  errors_.Merge(errors);
  return whole;
}

// Whether AggregateStage sums groups and subtrees this scrape.
bool Scraper::Aggregates(const EnabledFamilies& enabled, const Scanned& scanned) {
  return AnyTreeFamily(enabled) && !scanned.scan.deadline_exceeded && AnyAggregateFamily(enabled);
}

// The roots AggregateStage will write subtree series for.
std::vector<int> Scraper::SubtreeRoots(const RuntimeConfig& rc, const EnabledFamilies& enabled, const Scanned& scanned,
                                       const Selected& selected) const {
  if (!Aggregates(enabled, scanned)) return {};
  return aggregator_.SubtreeRoots(scanned.scan.processes, selected.tree, selected.roots,
                                  rc.config.tree_max_ancestor_depth);
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
  if (!Aggregates(enabled, scanned)) {
    // A scrape that does not aggregate (collect[] without group or subtree
    // families, a deadline) keeps the records for the next that does, up to the listener's queue bound.
    if (held_exits_.size() + scanned.exits.size() <= ExitAccountingOptions{}.max_queued_records)
      held_exits_.insert(held_exits_.end(), scanned.exits.begin(), scanned.exits.end());
    else
      held_dropped_ += scanned.exits.size();
    return {};
  }
  std::vector<std::string> group_of(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) group_of[i] = selected.assigned[i].group;
  const ProcessSelection& selection = *rc.selection;
  std::vector<ExitedProcess> exited;
  if (scanned.exits_on) {
    exited = exit_book_.Take(scanned.exits, ps);
    AssignExitGroups(selection, ps, selected.tree, selected.assigned, users_, &exited);
  }
  return aggregator_.Aggregate(ps, selected.tree, selected.roots, group_of,
                               selection.always_groups(), rc.config.tree_max_ancestor_depth, exited);
}

ExporterState Scraper::State(const Scanned& scanned, const Selected& selected, const ReloadStatus& reload) {
  return ExporterState{probe_, errors_, skips_, scanned.scan.processes.size(), selected.truncated,
                       selected.truncated_top_n, deadline_exceeded_, reload, build_, facts_};
}

std::string Scraper::Scrape(const RuntimeConfig& rc, const ReloadStatus& reload, const ScrapeOptions& opts) {
  StringSink sink;
  Scrape(rc, reload, opts, sink);
  return std::move(sink.text);
}

void Scraper::Scrape(const RuntimeConfig& rc, const ReloadStatus& reload, const ScrapeOptions& opts, ByteSink& out) {
  EnabledFamilies enabled = opts.families ? *opts.families : rc.enabled;
  // The one family of a single OS: elsewhere not even its HELP line is written.
  if (!probe_.Supports(Feature::kNumHandles)) enabled.set(Fam::kProcessHandles, false);
  Scanned scanned = ScanStage(rc, enabled, opts);
  const auto t0 = scanned.started;
  const auto& ps = scanned.scan.processes;
  const auto t1 = Clock::now();

  const Selected selected = SelectStage(rc, scanned);
  const bool rows_whole = CompleteStage(rc, enabled, selected, opts, &scanned);
  const auto t2 = Clock::now();

  const Details details = MemoryDetailsStage(rc, enabled, scanned, selected, opts);
  if (scanned.scan.deadline_exceeded || !rows_whole || details.cut_short) ++deadline_exceeded_;
  const auto t3 = Clock::now();
  const TreeAggregator::Result agg = AggregateStage(rc, enabled, scanned, selected);
  const auto t4 = Clock::now();

  const std::vector<bool> labelled = Labelled(ps.size(), selected.rows, agg);
  const auto prefixes = ProcessLabelPrefixes(ps, DeriveLabels(ps, labelled, rc.config.labels, users_), labelled);
  const bool tree_on = AnyTreeFamily(enabled) && !scanned.scan.deadline_exceeded;
  ExitStats exit_stats = exit_stats_;  // the listener's totals, and what this side could not hold
  exit_stats.queue_dropped += held_dropped_;
  SeriesParts parts;
  parts.processes = [&](const std::vector<int>& rows, const TreeAggregator::Result& totals, const EnabledFamilies& e,
                        TextWriter& w) {
    WriteProcessFamilies(ps, rows, prefixes, e, users_, w, details.by_process, rc.config.labels.user);
    WriteMemoryMapFamilies(rows, prefixes, details.by_process, rc.config.limits.memory_maps_per_process, e, w);
    if (tree_on) WriteTreeFamilies(ps, rows, prefixes, selected.tree, totals, rc.config.tree_max_ancestor_depth, e, w);
    if (tree_on && scanned.exits_on) WriteExitFamilies(totals, exit_stats, e, w);
  };
  ExporterState state = State(scanned, selected, reload);
  const auto write_own = [&](TextWriter& w, bool timed) {
    WriteExporterFamilies(state, enabled, w);
    if (scanned.self) WriteSelfFamilies(*scanned.self, enabled, w);
    if (!enabled.has(Fam::kScrapeDuration)) return;
    // Last, so it can report this scrape's own serialize time, less what it
    // spent waiting for a slow client to take earlier bytes (client_wait).
    const Clock::time_point now = timed ? Clock::now() : t4;
    const double waited = timed ? out.WaitedSeconds() : 0;
    w.Begin(Fam::kScrapeDuration);
    w.Sample("", {{"phase", "probe"}}, Seconds(t1 - t0));
    w.Sample("", {{"phase", "select"}}, Seconds(t2 - t1));
    w.Sample("", {{"phase", "memory_details"}}, Seconds(t3 - t2));
    w.Sample("", {{"phase", "aggregate"}}, Seconds(t4 - t3));
    w.Sample("", {{"phase", "client_wait"}}, waited);
    w.Sample("", {{"phase", "serialize"}}, std::max(0.0, Seconds(now - t4) - waited));
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
