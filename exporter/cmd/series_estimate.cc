#include "exporter/cmd/series_estimate.h"

#include <cstdio>
#include <cstdlib>
#include <unordered_set>

namespace proctree {

namespace {

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// The pid label's value; per-process samples start with it.
std::string_view PidOf(std::string_view line) {
  const std::size_t at = line.find("{pid=\"");
  if (at == std::string_view::npos) return {};
  const std::size_t from = at + 6, to = line.find('"', from);
  return to == std::string_view::npos ? std::string_view() : line.substr(from, to - from);
}

std::string Row(const char* kind, std::size_t n, const std::string& note = "") {
  char buf[96];
  std::snprintf(buf, sizeof buf, "  %-12s %9zu", kind, n);
  return buf + (note.empty() ? "" : "  (" + note + ")") + "\n";
}

}  // namespace

SeriesEstimate CountSeries(std::string_view payload) {
  SeriesEstimate e;
  e.payload_bytes = payload.size();
  std::unordered_set<std::string_view> pids;
  while (!payload.empty()) {
    const std::size_t nl = payload.find('\n');
    const std::string_view line = payload.substr(0, nl);
    payload = nl == std::string_view::npos ? std::string_view() : payload.substr(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    if (StartsWith(line, "proctree_process_")) {
      ++e.per_process;
      pids.insert(PidOf(line));
    } else if (StartsWith(line, "proctree_group_")) {
      ++e.group;
    } else if (StartsWith(line, "proctree_subtree_")) {
      ++e.subtree;
    } else {
      ++e.other;
      if (StartsWith(line, "proctree_scrape_processes "))
        e.processes = static_cast<std::size_t>(std::strtoull(line.data() + line.find(' ') + 1, nullptr, 10));
    }
  }
  e.processes_with_series = pids.size();
  return e;
}

std::string FormatSeriesEstimate(const SeriesEstimate& e, const TopNPolicy& top_n) {
  std::string out = "series estimate: one scrape of this host now, " + std::to_string(e.processes) + " processes\n";
  std::string per_note = std::to_string(e.processes_with_series) + " processes";
  if (top_n.Enabled())
    per_note += "; top_n ranks at most " + std::to_string(top_n.by_cpu + top_n.by_memory + top_n.by_io) +
                " a scrape, and holds each for " + std::to_string(static_cast<long long>(top_n.hold_seconds)) +
                " s, so busy hosts may show more";
  out += Row("per-process", e.per_process, per_note);
  out += Row("group", e.group);
  out += Row("subtree", e.subtree);
  out += Row("other", e.other, "host-wide and the exporter's own");
  out += Row("total", e.total(), std::to_string((e.payload_bytes + 1023) / 1024) + " KiB of payload");
  return out;
}

}  // namespace proctree
