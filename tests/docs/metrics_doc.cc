// Prints docs/metrics.md from the metric catalog (exporter/metrics/metric_catalog.cc),
// so the manual's family table cannot drift from what the exporter serves.
// `make docs` writes it; ctest docs.metrics fails when the file is stale.
#include <iostream>
#include <string>
#include <string_view>

#include "exporter/metrics/metric_catalog.h"

namespace {

using proctree::FamilyDef;
using proctree::FieldGroup;

std::string_view TypeName(prometheus::MetricType t) {
  switch (t) {
    case prometheus::MetricType::Counter: return "counter";
    case prometheus::MetricType::Gauge: return "gauge";
    default: return "untyped";
  }
}

// The Linux files a per-process family makes the probe read.
std::string Reads(const FamilyDef& d) {
  static const std::pair<FieldGroup, const char*> kFiles[] = {
      {FieldGroup::kStat, "stat"},     {FieldGroup::kStatus, "status"}, {FieldGroup::kMemory, "status"},
      {FieldGroup::kIo, "io"},         {FieldGroup::kFds, "fd/"},       {FieldGroup::kLimits, "limits"},
      {FieldGroup::kSchedstat, "schedstat"}, {FieldGroup::kOomScoreAdj, "oom_score_adj"}};
  std::string out;
  for (const auto& [g, file] : kFiles) {
    if (!d.needs.has(g) || out.find(file) != std::string::npos) continue;
    if (!out.empty()) out += ", ";
    out += file;
  }
  return out.empty() ? "-" : out;
}

std::string Labels(const FamilyDef& d) {
  std::string out = proctree::HasProcessIdentity(d) ? "*identity*" : "";
  std::string_view rest = d.labels;
  while (!rest.empty()) {
    const auto space = rest.find(' ');
    if (!out.empty()) out += ", ";
    out += "`" + std::string(rest.substr(0, space)) + "`";
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  return out.empty() ? "-" : out;
}

std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

int main() {
  std::cout << "# Metrics\n\n"
               "Generated from `exporter/metrics/metric_catalog.cc` by `make docs`; a test fails when this file is stale.\n"
               "Every family can be switched off in the config's `metrics.deny` (a family that is off makes the\n"
               "files only it needs unread); `collect[]`/`exclude[]` in the scrape URL filter per request.\n\n"
               "*identity*: `pid`, `comm`, then the optional labels the config turns on (`labels.exe`,\n"
               "`labels.cgroup`, `labels.container_id`, `labels.cmdline`, and `user` where it labels every\n"
               "family). \"Reads\" names the `/proc/<pid>/` files a per-process family needs on Linux.\n\n"
               "| family | type | labels | reads | help |\n|---|---|---|---|---|\n";
  for (const FamilyDef& d : proctree::Catalog())
    std::cout << "| `" << d.name << "` | " << TypeName(d.type) << " | " << Labels(d) << " | " << Reads(d) << " | "
              << Cell(d.help) << " |\n";
  return 0;
}
