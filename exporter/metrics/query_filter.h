#pragma once
// Per-request family selection: collect[] and exclude[] query parameters, as
// node_exporter takes them (Prometheus sends `params: collect[]: [...]`
// URL-encoded as collect%5B%5D=...). Names are family names as in the
// `# TYPE` lines. The result narrows the config's families, so a family left
// out is not only unsent but, for per-process families, its file unread.
#include <string>
#include <string_view>

#include "exporter/metrics/metric_catalog.h"

namespace proctree {

// Decodes one query-string component: %XX escapes and '+' as a space.
// False on a malformed escape.
bool UrlDecodeQueryComponent(std::string_view in, std::string* out);

struct FamilyFilter {
  bool active = false;  // collect[] or exclude[] was given
  EnabledFamilies keep = EnabledFamilies::All();
};

// Reads collect[] and exclude[] (their names encoded or not) from a raw
// query string (nullptr: none). False with the reason, for a 400 answer,
// when a name is not a family or both parameters are given.
bool ParseFamilyFilter(const char* query_string, FamilyFilter* out, std::string* error);

// The exporter's own metrics that --web.disable-exporter-metrics drops: the
// process_* families and the proctree_scrape_* self-metrics.
bool IsExporterMetric(Fam f);

// What one scrape serves: the config's families, narrowed by the request's
// filter, without the exporter's own metrics when they are disabled.
EnabledFamilies ScrapeFamilies(const EnabledFamilies& configured, const FamilyFilter& filter,
                               bool exporter_metrics);

}  // namespace proctree
