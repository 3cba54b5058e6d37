#pragma once
// Turns one scan's samples into prometheus-cpp MetricFamily values: the
// per-process families and the per-state process counts.
#include <vector>

#include <prometheus/metric_family.h>

#include "exporter/metric_catalog.h"
#include "probes/probe.h"
#include "probes/user_names.h"

namespace proctree {

void AppendProcessFamilies(const ScanResult& scan, const EnabledFamilies& enabled, UserNames& users,
                           std::vector<prometheus::MetricFamily>* out);

// The exporter's own process_* families, as every client library exposes them.
void AppendSelfFamilies(const ProcessSample& self, const EnabledFamilies& enabled,
                        std::vector<prometheus::MetricFamily>* out);

}  // namespace proctree
