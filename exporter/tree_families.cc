#include "exporter/tree_families.h"

#include "exporter/family_util.h"
#include "exporter/utf8.h"

namespace proctree {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;

constexpr Fam kSubtreeFams[] = {Fam::kSubtreeProcesses, Fam::kSubtreeThreads, Fam::kSubtreeOpenFds,
                                Fam::kSubtreeMemory, Fam::kSubtreeCpu, Fam::kSubtreeIoBytes};
constexpr Fam kGroupFams[] = {Fam::kGroupProcesses, Fam::kGroupThreads, Fam::kGroupOpenFds,
                              Fam::kGroupMemory, Fam::kGroupCpu, Fam::kGroupIoBytes};

// Subtree and group families share one shape; `fams` lists them in the
// order processes, threads, open_fds, memory, cpu, io.
void AppendTotals(const Fam (&fams)[6], const EnabledFamilies& enabled,
                  const std::vector<std::pair<std::vector<ClientMetric::Label>, const AggregateTotals*>>& rows,
                  std::vector<MetricFamily>* out) {
  for (Fam f : fams) {
    if (!enabled.has(f)) continue;
    MetricFamily fam = NewFamily(f, rows.size());
    for (const auto& [labels, t] : rows) {
      auto with = [&](const char* name, const char* value) {
        auto l = labels;
        l.push_back({name, value});
        return l;
      };
      if (f == fams[0]) AddValue(fam, labels, static_cast<double>(t->processes));
      else if (f == fams[1]) AddValue(fam, labels, t->threads);
      else if (f == fams[2]) AddValue(fam, labels, t->open_fds);
      else if (f == fams[3]) {
        for (int m = 0; m < static_cast<int>(MemType::kCount); ++m)
          AddValue(fam, with("memtype", MemTypeName(static_cast<MemType>(m))),
                   t->memory[static_cast<std::size_t>(m)]);
      } else if (f == fams[4]) {
        AddValue(fam, with("mode", "user"), t->counters.cpu_user);
        AddValue(fam, with("mode", "system"), t->counters.cpu_system);
      } else {
        AddValue(fam, with("direction", "read"), t->counters.io_read);
        AddValue(fam, with("direction", "write"), t->counters.io_write);
      }
    }
    out->push_back(std::move(fam));
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

void AppendTreeFamilies(const std::vector<ProcessSample>& ps, const ProcessTree& tree,
                        const TreeAggregator::Result& agg, const EnabledFamilies& enabled,
                        std::vector<MetricFamily>* out) {
  std::vector<std::string> pid(ps.size()), comm(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) {
    pid[i] = std::to_string(ps[i].pid);
    comm[i] = SanitizeUtf8(ps[i].comm);
  }
  if (enabled.has(Fam::kProcessDepth)) {
    MetricFamily fam = NewFamily(Fam::kProcessDepth, ps.size());
    for (std::size_t i = 0; i < ps.size(); ++i)
      AddValue(fam, {{"pid", pid[i]}, {"comm", comm[i]}}, tree.depth(static_cast<int>(i)));
    out->push_back(std::move(fam));
  }
  if (enabled.has(Fam::kProcessAncestor)) {
    // One series per (process, ancestor): parents() is a selector on pid,
    // children(recursive=True) a selector on ancestor_pid.
    MetricFamily fam = NewFamily(Fam::kProcessAncestor, ps.size() * 4);
    for (std::size_t i = 0; i < ps.size(); ++i) {
      int generation = 0;
      for (int a = tree.parent(static_cast<int>(i)); a != ProcessTree::kNone; a = tree.parent(a)) {
        AddValue(fam, {{"pid", pid[i]}, {"comm", comm[i]}, {"ancestor_pid", pid[static_cast<std::size_t>(a)]}},
                 ++generation);
      }
    }
    out->push_back(std::move(fam));
  }

  std::vector<std::pair<std::vector<ClientMetric::Label>, const AggregateTotals*>> rows;
  rows.reserve(agg.subtrees.size());
  for (const auto& st : agg.subtrees) {
    auto r = static_cast<std::size_t>(st.root);
    rows.push_back({{{"pid", pid[r]}, {"comm", comm[r]}}, &st.totals});
  }
  AppendTotals(kSubtreeFams, enabled, rows, out);

  rows.clear();
  for (const auto& g : agg.groups) rows.push_back({{{"group", SanitizeUtf8(g.name)}}, &g.totals});
  AppendTotals(kGroupFams, enabled, rows, out);
}

}  // namespace proctree
