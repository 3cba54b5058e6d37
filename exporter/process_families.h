#pragma once
// Writes one scan's per-process families and the per-state process counts.
#include <string>
#include <vector>

#include "exporter/metric_catalog.h"
#include "exporter/text_writer.h"
#include "probes/probe.h"
#include "probes/user_names.h"

namespace proctree {

// `pid="..",comm=".."` per process, sanitized to UTF-8 and escaped once per
// scrape, shared by every series of that process.
std::vector<std::string> ProcessLabelPrefixes(const std::vector<ProcessSample>& ps);

void WriteProcessFamilies(const std::vector<ProcessSample>& ps, const std::vector<std::string>& prefixes,
                          const EnabledFamilies& enabled, UserNames& users, TextWriter& w);

// The exporter's own process_* families, as every client library exposes them.
void WriteSelfFamilies(const ProcessSample& self, const EnabledFamilies& enabled, TextWriter& w);

}  // namespace proctree
