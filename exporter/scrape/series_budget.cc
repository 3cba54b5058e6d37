#include "exporter/scrape/series_budget.h"

#include <algorithm>

namespace proctree {

std::vector<bool> KeepWithin(std::size_t room, const std::vector<std::size_t>& sizes) {
  std::vector<bool> keep(sizes.size(), false);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] > room) continue;
    keep[i] = true;
    room -= sizes[i];
  }
  return keep;
}

namespace {

std::size_t Count(const std::function<void(TextWriter&)>& write) {
  TextWriter w{TextWriter::CountOnly{}};
  write(w);
  return w.samples();
}

// The samples of each group, each subtree and each row on its own, in the
// order they are kept: groups, subtrees, rows.
std::vector<std::size_t> ItemSizes(const SeriesParts& parts, const EnabledFamilies& enabled,
                                   const std::vector<int>& rows, const TreeAggregator::Result& totals) {
  EnabledFamilies items = enabled;
  items.set(Fam::kProcesses, false);  // counts every process: fixed, and O(processes) per call
  TreeAggregator::Result none;
  none.roots_cut = totals.roots_cut;
  const auto count = [&](const std::vector<int>& r, const TreeAggregator::Result& t) {
    return Count([&](TextWriter& w) { parts.processes(r, t, items, w); });
  };
  const std::size_t base = count({}, none);
  std::vector<std::size_t> sizes;
  TreeAggregator::Result one;
  one.roots_cut = totals.roots_cut;
  for (const auto& g : totals.groups) {
    one.groups = {g};
    sizes.push_back(count({}, one) - base);
  }
  one.groups.clear();
  for (const auto& s : totals.subtrees) {
    one.subtrees = {s};
    sizes.push_back(count({}, one) - base);
  }
  for (int r : rows) sizes.push_back(count({r}, none) - base);
  return sizes;
}

}  // namespace

SeriesCut FitSeriesBudget(std::size_t max_series, const SeriesParts& parts, const EnabledFamilies& enabled,
                          const std::vector<int>& rows, const TreeAggregator::Result& totals) {
  SeriesCut out;
  out.totals.roots_cut = totals.roots_cut;
  const std::size_t own = Count(parts.own);
  const std::size_t all = own + Count([&](TextWriter& w) { parts.processes(rows, totals, enabled, w); });
  if (max_series == 0 || all <= max_series) {
    out.rows = rows;
    std::sort(out.rows.begin(), out.rows.end());
    out.totals = totals;
    return out;
  }
  const std::size_t fixed = own + Count([&](TextWriter& w) { parts.processes({}, out.totals, enabled, w); });
  const std::vector<std::size_t> sizes = ItemSizes(parts, enabled, rows, totals);
  const std::vector<bool> keep = KeepWithin(max_series > fixed ? max_series - fixed : 0, sizes);
  std::size_t kept = fixed, k = 0;
  for (const auto& g : totals.groups)
    if (keep[k++]) out.totals.groups.push_back(g);
  for (const auto& s : totals.subtrees)
    if (keep[k++]) out.totals.subtrees.push_back(s);
  for (int r : rows)
    if (keep[k++]) out.rows.push_back(r);
  for (std::size_t i = 0; i < sizes.size(); ++i) kept += keep[i] ? sizes[i] : 0;
  std::sort(out.rows.begin(), out.rows.end());
  out.dropped = all - kept;
  return out;
}

}  // namespace proctree
