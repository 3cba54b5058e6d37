#pragma once
// Families of exit accounting (docs/exits.md): written only while the probe
// runs it, so the payload is unchanged where it is off.
#include "exporter/metrics/metric_catalog.h"
#include "exporter/metrics/text_writer.h"
#include "probes/exit_record.h"
#include "probes/tree/tree_aggregation.h"

namespace proctree {

void WriteExitFamilies(const TreeAggregator::Result& agg, const ExitStats& stats, const EnabledFamilies& enabled,
                       TextWriter& w);

}  // namespace proctree
