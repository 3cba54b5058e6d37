#pragma once
// Families of the process tree: depth and ancestry per process, subtree
// totals per root, and group totals.
#include <string>
#include <vector>

#include "exporter/metrics/metric_catalog.h"
#include "exporter/metrics/text_writer.h"
#include "probes/tree/process_tree.h"
#include "probes/tree/tree_aggregation.h"

namespace proctree {

bool AnyTreeFamily(const EnabledFamilies& enabled);
bool AnyAggregateFamily(const EnabledFamilies& enabled);

// prefixes: ProcessLabelPrefixes() of the same scan; rows: the processes
// with per-process series; max_ancestor_depth: tree.max_ancestor_depth, the
// most proctree_process_ancestor series a process gets (its nearest ancestors).
void WriteTreeFamilies(const std::vector<ProcessSample>& ps, const std::vector<int>& rows,
                       const std::vector<std::string>& prefixes,
                       const ProcessTree& tree, const TreeAggregator::Result& agg,
                       std::size_t max_ancestor_depth, const EnabledFamilies& enabled, TextWriter& w);

}  // namespace proctree
