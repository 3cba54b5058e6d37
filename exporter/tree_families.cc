#include "exporter/tree_families.h"

#include "exporter/utf8.h"

namespace proctree {

namespace {

constexpr Fam kSubtreeFams[] = {Fam::kSubtreeProcesses, Fam::kSubtreeThreads, Fam::kSubtreeOpenFds,
                                Fam::kSubtreeMemory, Fam::kSubtreeCpu, Fam::kSubtreeIoBytes};
constexpr Fam kGroupFams[] = {Fam::kGroupProcesses, Fam::kGroupThreads, Fam::kGroupOpenFds,
                              Fam::kGroupMemory, Fam::kGroupCpu, Fam::kGroupIoBytes};

// Subtree and group families share one shape; `fams` lists them in the
// order processes, threads, open_fds, memory, cpu, io. rows: (escaped label
// prefix, totals).
void WriteTotals(const Fam (&fams)[6], const EnabledFamilies& enabled,
                 const std::vector<std::pair<std::string, const AggregateTotals*>>& rows, TextWriter& w) {
  for (int k = 0; k < 6; ++k) {
    if (!enabled.has(fams[k])) continue;
    w.Begin(fams[k]);
    for (const auto& [prefix, t] : rows) {
      switch (k) {
        case 0: w.Sample(prefix, static_cast<double>(t->processes)); break;
        case 1: w.Sample(prefix, t->threads); break;
        case 2: w.Sample(prefix, t->open_fds); break;
        case 3:
          for (int m = 0; m < static_cast<int>(MemType::kCount); ++m)
            w.Sample(prefix, {{"memtype", MemTypeName(static_cast<MemType>(m))}},
                     t->memory[static_cast<std::size_t>(m)]);
          break;
        case 4:
          w.Sample(prefix, {{"mode", "user"}}, t->counters.cpu_user);
          w.Sample(prefix, {{"mode", "system"}}, t->counters.cpu_system);
          break;
        default:
          w.Sample(prefix, {{"direction", "read"}}, t->counters.io_read);
          w.Sample(prefix, {{"direction", "write"}}, t->counters.io_write);
      }
    }
  }
}

}  // namespace

bool AnyTreeFamily(const EnabledFamilies& e) {
  return e.has(Fam::kProcessDepth) || e.has(Fam::kProcessAncestor) || AnyAggregateFamily(e);
}

bool AnyAggregateFamily(const EnabledFamilies& e) {
  for (Fam f : kSubtreeFams)
    if (e.has(f)) return true;
  for (Fam f : kGroupFams)
    if (e.has(f)) return true;
  return false;
}

void WriteTreeFamilies(const std::vector<ProcessSample>& ps, const std::vector<int>& rows,
                       const std::vector<std::string>& prefixes,
                       const ProcessTree& tree, const TreeAggregator::Result& agg,
                       const EnabledFamilies& enabled, TextWriter& w) {
  if (enabled.has(Fam::kProcessDepth)) {
    w.Begin(Fam::kProcessDepth);
    for (int r : rows) w.Sample(prefixes[static_cast<std::size_t>(r)], tree.depth(r));
  }
  if (enabled.has(Fam::kProcessAncestor)) {
    // One series per (process, ancestor): parents() is a selector on pid,
    // children(recursive=True) a selector on ancestor_pid.
    w.Begin(Fam::kProcessAncestor);
    for (int r : rows) {
      const auto i = static_cast<std::size_t>(r);
      int generation = 0;
      for (int a = tree.parent(r); a != ProcessTree::kNone; a = tree.parent(a)) {
        w.Sample(prefixes[i], {{"ancestor_pid", std::to_string(ps[static_cast<std::size_t>(a)].pid)}},
                 ++generation);
      }
    }
  }

  std::vector<std::pair<std::string, const AggregateTotals*>> totals_rows;
  totals_rows.reserve(agg.subtrees.size());
  for (const auto& st : agg.subtrees) totals_rows.emplace_back(prefixes[static_cast<std::size_t>(st.root)], &st.totals);
  WriteTotals(kSubtreeFams, enabled, totals_rows, w);

  totals_rows.clear();
  for (const auto& g : agg.groups) {
    std::string prefix;
    AppendLabel(&prefix, "group", SanitizeUtf8(g.name));
    totals_rows.emplace_back(std::move(prefix), &g.totals);
  }
  WriteTotals(kGroupFams, enabled, totals_rows, w);
}

}  // namespace proctree
