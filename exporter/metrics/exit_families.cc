#include "exporter/metrics/exit_families.h"

#include <string>

#include "probes/util/utf8.h"

namespace proctree {

void WriteExitFamilies(const TreeAggregator::Result& agg, const ExitStats& stats, const EnabledFamilies& enabled,
                       TextWriter& w) {
  const bool processes = enabled.has(Fam::kGroupExitedProcesses), cpu = enabled.has(Fam::kGroupExitedCpu);
  if (processes || cpu) {
    std::vector<std::string> prefixes;
    for (const auto& g : agg.groups) {
      prefixes.emplace_back();
      AppendLabel(&prefixes.back(), "group", SanitizeUtf8(g.name));
    }
    if (processes) {
      w.Begin(Fam::kGroupExitedProcesses);
      for (std::size_t i = 0; i < agg.groups.size(); ++i)
        for (std::size_t r = 0; r < static_cast<std::size_t>(ExitReason::kCount); ++r)
          w.Sample(prefixes[i], {{"reason", ExitReasonName(static_cast<ExitReason>(r))}},
                   static_cast<double>(agg.groups[i].exits.exited[r]));
    }
    if (cpu) {
      w.Begin(Fam::kGroupExitedCpu);
      for (std::size_t i = 0; i < agg.groups.size(); ++i) {
        w.Sample(prefixes[i], {{"mode", "user"}}, agg.groups[i].exits.counters.cpu_user);
        w.Sample(prefixes[i], {{"mode", "system"}}, agg.groups[i].exits.counters.cpu_system);
      }
    }
  }
  if (enabled.has(Fam::kExitRecordsLost)) {
    w.Begin(Fam::kExitRecordsLost);
    w.Sample("", {{"reason", "receive_buffer"}}, static_cast<double>(stats.lost));
    w.Sample("", {{"reason", "queue_full"}}, static_cast<double>(stats.queue_dropped));
    w.Sample("", {{"reason", "unknown_layout"}}, static_cast<double>(stats.unparsed));
  }
}

}  // namespace proctree
