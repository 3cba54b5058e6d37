#pragma once
// Building blocks for prometheus-cpp MetricFamily values from the catalog.
#include <vector>

#include <prometheus/metric_family.h>

#include "exporter/metric_catalog.h"

namespace proctree {

prometheus::MetricFamily NewFamily(Fam f, std::size_t reserve = 0);
void AddValue(prometheus::MetricFamily& fam, std::vector<prometheus::ClientMetric::Label> labels, double v);

}  // namespace proctree
