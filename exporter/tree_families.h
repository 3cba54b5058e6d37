#pragma once
// Families of the process tree: depth and ancestry per process, subtree
// totals per root, and group totals.
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

#include "exporter/metric_catalog.h"
#include "probes/process_tree.h"
#include "probes/tree_aggregation.h"

namespace proctree {

bool AnyTreeFamily(const EnabledFamilies& enabled);
bool AnyAggregateFamily(const EnabledFamilies& enabled);

void AppendTreeFamilies(const std::vector<ProcessSample>& ps, const ProcessTree& tree,
                        const TreeAggregator::Result& agg, const EnabledFamilies& enabled,
                        std::vector<prometheus::MetricFamily>* out);

}  // namespace proctree
