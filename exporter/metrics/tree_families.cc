#include "exporter/metrics/tree_families.h"

#include "probes/util/utf8.h"

namespace proctree {

namespace {

// The subtree and group families share one shape: a family per aggregate
// figure, written the same way for both.
struct TotalsFamily {
  Fam subtree, group;
  void (*write)(TextWriter& w, const std::string& prefix, const AggregateTotals& t);
};

struct LabelValue {
  const char* label_value;
  double value;
};

// The two samples of a counter split by one label (read/write, user/system).
void Pair(TextWriter& w, const std::string& p, const char* label, LabelValue a, LabelValue b) {
  w.Sample(p, {{label, a.label_value}}, a.value);
  w.Sample(p, {{label, b.label_value}}, b.value);
}

const TotalsFamily kTotals[] = {
    {Fam::kSubtreeProcesses, Fam::kGroupProcesses,
     [](TextWriter& w, const std::string& p, const AggregateTotals& t) { w.Sample(p, static_cast<double>(t.processes)); }},
    {Fam::kSubtreeThreads, Fam::kGroupThreads,
     [](TextWriter& w, const std::string& p, const AggregateTotals& t) { w.Sample(p, t.threads); }},
    {Fam::kSubtreeOpenFds, Fam::kGroupOpenFds,
     [](TextWriter& w, const std::string& p, const AggregateTotals& t) {
       if (t.has_open_fds) w.Sample(p, t.open_fds);
     }},
    {Fam::kSubtreeMemory, Fam::kGroupMemory,
     [](TextWriter& w, const std::string& p, const AggregateTotals& t) {
       for (int m = 0; m < static_cast<int>(MemType::kCount); ++m)
         if (t.has_memory[static_cast<std::size_t>(m)])
           w.Sample(p, {{"memtype", MemTypeName(static_cast<MemType>(m))}}, t.memory[static_cast<std::size_t>(m)]);
     }},
    {Fam::kSubtreeCpu, Fam::kGroupCpu,
     [](TextWriter& w, const std::string& p, const AggregateTotals& t) {
       Pair(w, p, "mode", {"user", t.counters.cpu_user}, {"system", t.counters.cpu_system});
     }},
    {Fam::kSubtreeIoBytes, Fam::kGroupIoBytes,
     [](TextWriter& w, const std::string& p, const AggregateTotals& t) {
       if (t.has_io_bytes) Pair(w, p, "direction", {"read", t.counters.io_read}, {"write", t.counters.io_write});
     }},
    {Fam::kSubtreePageFaults, Fam::kGroupPageFaults,
     [](TextWriter& w, const std::string& p, const AggregateTotals& t) {
       Pair(w, p, "kind", {"minor", t.counters.minor_faults}, {"major", t.counters.major_faults});
     }},
    {Fam::kSubtreeContextSwitches, Fam::kGroupContextSwitches,
     [](TextWriter& w, const std::string& p, const AggregateTotals& t) {
       if (t.has_ctx_switches)
         Pair(w, p, "kind", {"voluntary", t.counters.ctx_voluntary}, {"involuntary", t.counters.ctx_involuntary});
     }},
    {Fam::kSubtreeIoChars, Fam::kGroupIoChars,
     [](TextWriter& w, const std::string& p, const AggregateTotals& t) {
       if (t.has_io_chars)
         Pair(w, p, "direction", {"read", t.counters.io_read_chars}, {"write", t.counters.io_write_chars});
     }},
    {Fam::kSubtreeIoSyscalls, Fam::kGroupIoSyscalls,
     [](TextWriter& w, const std::string& p, const AggregateTotals& t) {
       if (t.has_io_syscalls)
         Pair(w, p, "direction", {"read", t.counters.io_read_syscalls}, {"write", t.counters.io_write_syscalls});
     }},
    {Fam::kSubtreeSchedRun, Fam::kGroupSchedRun,
     [](TextWriter& w, const std::string& p, const AggregateTotals& t) {
       if (t.has_sched) w.Sample(p, t.counters.sched_run);
     }},
    {Fam::kSubtreeSchedWait, Fam::kGroupSchedWait,
     [](TextWriter& w, const std::string& p, const AggregateTotals& t) {
       if (t.has_sched) w.Sample(p, t.counters.sched_wait);
     }},
};

// rows: (escaped label prefix, totals); subtree picks which family of each pair.
void WriteTotals(bool subtree, const EnabledFamilies& enabled,
                 const std::vector<std::pair<std::string, const AggregateTotals*>>& rows, TextWriter& w) {
  for (const TotalsFamily& f : kTotals) {
    const Fam fam = subtree ? f.subtree : f.group;
    if (!enabled.has(fam)) continue;
    w.Begin(fam);
    for (const auto& [prefix, t] : rows) f.write(w, prefix, *t);
  }
}

// Depth and ancestry of each row. The ancestor series stop at the nearest
// max_ancestor_depth: one series per (process, ancestor) would grow with the
// square of a chain's length (2 million series for a 2,000-deep one).
void WriteAncestry(const std::vector<ProcessSample>& ps, const std::vector<int>& rows,
                   const std::vector<std::string>& prefixes, const ProcessTree& tree,
                   std::size_t max_ancestor_depth, const EnabledFamilies& enabled, TextWriter& w) {
  if (enabled.has(Fam::kProcessDepth)) {
    w.Begin(Fam::kProcessDepth);
    for (int r : rows) w.Sample(prefixes[static_cast<std::size_t>(r)], tree.depth(r));
  }
  if (enabled.has(Fam::kProcessAncestor)) {
    // parents() is a selector on pid, children(recursive=True) a selector on ancestor_pid.
    w.Begin(Fam::kProcessAncestor);
    for (int r : rows) {
      const auto i = static_cast<std::size_t>(r);
      std::size_t generation = 0;
      for (int a = tree.parent(r); a != ProcessTree::kNone && generation < max_ancestor_depth; a = tree.parent(a)) {
        w.Sample(prefixes[i], {{"ancestor_pid", std::to_string(ps[static_cast<std::size_t>(a)].pid)}},
                 static_cast<double>(++generation));
      }
    }
  }
  if (enabled.has(Fam::kTreeAncestorsTruncated)) {
    std::size_t cut = 0;
    for (int r : rows) cut += static_cast<std::size_t>(tree.depth(r)) > max_ancestor_depth;
    w.Begin(Fam::kTreeAncestorsTruncated);
    w.Sample("", static_cast<double>(cut));
  }
}

}  // namespace

bool AnyTreeFamily(const EnabledFamilies& e) {
  return e.has(Fam::kProcessDepth) || e.has(Fam::kProcessAncestor) || e.has(Fam::kTreeAncestorsTruncated) ||
         AnyAggregateFamily(e);
}

bool AnyAggregateFamily(const EnabledFamilies& e) {
  for (const TotalsFamily& f : kTotals)
    if (e.has(f.subtree) || e.has(f.group)) return true;
  return false;
}

void WriteTreeFamilies(const std::vector<ProcessSample>& ps, const std::vector<int>& rows,
                       const std::vector<std::string>& prefixes,
                       const ProcessTree& tree, const TreeAggregator::Result& agg,
                       std::size_t max_ancestor_depth, const EnabledFamilies& enabled, TextWriter& w) {
  WriteAncestry(ps, rows, prefixes, tree, max_ancestor_depth, enabled, w);
  if (enabled.has(Fam::kTreeSubtreesTruncated) && AnyAggregateFamily(enabled)) {
    w.Begin(Fam::kTreeSubtreesTruncated);
    w.Sample("", static_cast<double>(agg.roots_cut));
  }

  std::vector<std::pair<std::string, const AggregateTotals*>> totals_rows;
  totals_rows.reserve(agg.subtrees.size());
  for (const auto& st : agg.subtrees) totals_rows.emplace_back(prefixes[static_cast<std::size_t>(st.root)], &st.totals);
  WriteTotals(true, enabled, totals_rows, w);

  totals_rows.clear();
  for (const auto& g : agg.groups) {
    std::string prefix;
    AppendLabel(&prefix, "group", SanitizeUtf8(g.name));
    totals_rows.emplace_back(std::move(prefix), &g.totals);
  }
  WriteTotals(false, enabled, totals_rows, w);
}

}  // namespace proctree
