#include "exporter/metrics/process_families.h"

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>

#include "config/redaction.h"
#include "probes/util/utf8.h"

namespace proctree {

namespace {

template <typename T>
std::optional<double> Get(const Field<T>& f) {
  if (!f.has_value()) return std::nullopt;
  return static_cast<double>(f.value);
}

// A per-process family whose series are one field each, with at most one
// extra label. Failed or unsupported fields are absent, never zero.
struct Series {
  std::string_view label;  // empty: no extra label
  std::string_view value;
  std::optional<double> (*get)(const ProcessSample&);
};
struct SimpleFamily {
  Fam fam;
  std::vector<Series> series;
};

#define FIELD(f) [](const ProcessSample& s) { return Get(s.f); }

const std::vector<SimpleFamily>& SimpleFamilies() {
  static const std::vector<SimpleFamily> kFams = {
      {Fam::kProcessStartTime, {{"", "", [](const ProcessSample& s) -> std::optional<double> { return s.start_time_seconds; }}}},
      {Fam::kProcessCpu, {{"mode", "user", FIELD(cpu_user_seconds)}, {"mode", "system", FIELD(cpu_system_seconds)}}},
      {Fam::kProcessChildrenCpu,
       {{"mode", "user", FIELD(children_user_seconds)}, {"mode", "system", FIELD(children_system_seconds)}}},
      {Fam::kProcessBlkioDelay, {{"", "", FIELD(blkio_delay_seconds)}}},
      {Fam::kProcessMemory,
       {{"memtype", "rss", FIELD(memory_rss_bytes)},
        {"memtype", "vms", FIELD(memory_vms_bytes)},
        {"memtype", "shared", FIELD(memory_shared_bytes)},
        {"memtype", "text", FIELD(memory_text_bytes)},
        {"memtype", "data", FIELD(memory_data_bytes)},
        {"memtype", "swap", FIELD(memory_swap_bytes)}}},
      {Fam::kProcessPageFaults, {{"kind", "minor", FIELD(minor_faults)}, {"kind", "major", FIELD(major_faults)}}},
      {Fam::kProcessContextSwitches,
       {{"kind", "voluntary", FIELD(voluntary_ctxt_switches)},
        {"kind", "involuntary", FIELD(involuntary_ctxt_switches)}}},
      {Fam::kProcessThreads, {{"", "", FIELD(threads)}}},
      {Fam::kProcessOpenFds, {{"", "", FIELD(open_fds)}}},
      {Fam::kProcessHandles, {{"", "", FIELD(handles)}}},
      {Fam::kProcessMaxFds, {{"", "", FIELD(max_fds)}}},
      {Fam::kProcessIoBytes,
       {{"direction", "read", FIELD(io_read_bytes)}, {"direction", "write", FIELD(io_write_bytes)}}},
      {Fam::kProcessIoChars,
       {{"direction", "read", FIELD(io_read_chars)}, {"direction", "write", FIELD(io_write_chars)}}},
      {Fam::kProcessIoSyscalls,
       {{"direction", "read", FIELD(io_read_syscalls)}, {"direction", "write", FIELD(io_write_syscalls)}}},
      {Fam::kProcessNice, {{"", "", FIELD(nice)}}},
      {Fam::kProcessSchedRun, {{"", "", FIELD(sched_run_seconds)}}},
      {Fam::kProcessSchedWait, {{"", "", FIELD(sched_wait_seconds)}}},
      {Fam::kProcessOomScoreAdj, {{"", "", FIELD(oom_score_adj)}}},
  };
  return kFams;
}

#undef FIELD

}  // namespace

std::string CmdlineLabel(std::string_view raw_cmdline, std::size_t max_bytes, bool read_cut) {
  static const RedactionRules kRules = RedactionRules::Defaults();
  // A character cut by the read becomes U+FFFD here, inside the last word, which is dropped.
  return RedactCmdline(SanitizeUtf8(raw_cmdline), kRules, max_bytes, read_cut);
}

std::size_t CmdlineLabelReadBytes(std::size_t max_bytes) {
  constexpr std::size_t kFactor = 16, kAtLeast = 4096;
  if (max_bytes > std::numeric_limits<std::size_t>::max() / kFactor) return std::numeric_limits<std::size_t>::max();
  return std::max(kAtLeast, max_bytes * kFactor);
}

std::vector<std::string> ProcessLabelPrefixes(const std::vector<ProcessSample>& ps,
                                              const std::vector<OptionalLabels>& optional,
                                              const std::vector<bool>& needed) {
  std::vector<std::string> out(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) {
    if (!needed.empty() && !needed[i]) continue;
    std::string& p = out[i];
    p.reserve(32);
    p.append("pid=\"");
    p.append(std::to_string(ps[i].pid));
    p.append("\",");
    AppendLabel(&p, "comm", SanitizeUtf8(ps[i].comm));
    if (optional.empty()) continue;
    const OptionalLabels& o = optional[i];
    for (const auto& [name, value] : {std::pair<const char*, const std::string*>{"user", &o.user},
                                      {"exe", &o.exe},
                                      {"cgroup", &o.cgroup},
                                      {"container_id", &o.container_id},
                                      {"cmdline", &o.cmdline}}) {
      if (value->empty()) continue;
      p.push_back(',');
      AppendLabel(&p, name, SanitizeUtf8(*value));
    }
  }
  return out;
}

void WriteProcessFamilies(const std::vector<ProcessSample>& ps, const std::vector<int>& rows,
                          const std::vector<std::string>& prefixes, const EnabledFamilies& enabled,
                          UserNames& users, TextWriter& w, const std::vector<const MemoryDetails*>& details,
                          bool user_in_prefix) {
  if (enabled.has(Fam::kProcessInfo)) {
    w.Begin(Fam::kProcessInfo);
    for (int r : rows) {
      const auto i = static_cast<std::size_t>(r);
      const ProcessSample& s = ps[i];
      if (user_in_prefix) {
        w.Sample(prefixes[i], {{"ppid", std::to_string(s.ppid)}}, 1);
        continue;
      }
      std::string user = s.uid.has_value() ? SanitizeUtf8(users.Lookup(s.uid.value)) : std::string();
      w.Sample(prefixes[i], {{"ppid", std::to_string(s.ppid)}, {"user", user}}, 1);
    }
  }
  for (const SimpleFamily& f : SimpleFamilies()) {
    if (!enabled.has(f.fam)) continue;
    w.Begin(f.fam);
    for (int r : rows) {
      const auto i = static_cast<std::size_t>(r);
      for (const Series& se : f.series) {
        std::optional<double> v = se.get(ps[i]);
        if (!v) continue;
        if (se.label.empty()) w.Sample(prefixes[i], *v);
        else w.Sample(prefixes[i], {{se.label, se.value}}, *v);
      }
      if (f.fam == Fam::kProcessMemory && !details.empty() && details[i] && details[i]->has_rollup) {
        const MemoryDetails& d = *details[i];
        w.Sample(prefixes[i], {{"memtype", "uss"}}, static_cast<double>(d.uss));
        w.Sample(prefixes[i], {{"memtype", "pss"}}, static_cast<double>(d.pss));
        w.Sample(prefixes[i], {{"memtype", "swap_pss"}}, static_cast<double>(d.swap_pss));
      }
    }
  }
  if (enabled.has(Fam::kProcesses)) {
    std::array<std::uint64_t, static_cast<std::size_t>(ProcessState::kCount)> by_state{};
    for (const ProcessSample& s : ps) ++by_state[static_cast<std::size_t>(s.state)];
    w.Begin(Fam::kProcesses);
    // Every state is exported, at 0 when empty, so alerts see a series, not an absence.
    for (std::size_t i = 0; i < by_state.size(); ++i) {
      auto st = static_cast<ProcessState>(i);
      if (st == ProcessState::kUnknown && by_state[i] == 0) continue;
      w.Sample("", {{"state", ProcessStateName(st)}}, static_cast<double>(by_state[i]));
    }
  }
}

void WriteMemoryMapFamilies(const std::vector<int>& rows, const std::vector<std::string>& prefixes,
                            const std::vector<const MemoryDetails*>& details, std::size_t max_paths,
                            const EnabledFamilies& enabled, TextWriter& w) {
  if (details.empty()) return;
  auto with_maps = [&](int r) {
    const MemoryDetails* d = details[static_cast<std::size_t>(r)];
    return d && d->has_maps ? d : nullptr;
  };
  if (enabled.has(Fam::kProcessMemoryMapBytes)) {
    w.Begin(Fam::kProcessMemoryMapBytes);
    for (int r : rows) {
      const MemoryDetails* d = with_maps(r);
      if (!d) continue;
      const std::string& prefix = prefixes[static_cast<std::size_t>(r)];
      auto put = [&](std::string_view path, const MapFigures& f) {
        const std::pair<const char*, std::uint64_t> kinds[] = {
            {"rss", f.rss}, {"size", f.size}, {"pss", f.pss}, {"shared_clean", f.shared_clean},
            {"shared_dirty", f.shared_dirty}, {"private_clean", f.private_clean},
            {"private_dirty", f.private_dirty}, {"referenced", f.referenced}, {"anonymous", f.anonymous},
            {"swap", f.swap}};
        for (const auto& [kind, v] : kinds) {
          // Windows knows each map's size only: the other figures would be invented zeros.
          if (d->maps_size_only && std::string_view(kind) != "size") continue;
          w.Sample(prefix, {{"path", path}, {"memtype", kind}}, static_cast<double>(v));
        }
      };
      // Paths are grouped again after sanitizing: two paths that differ only
      // in invalid bytes are one label value, so they must be one series.
      std::vector<std::pair<std::string, MapFigures>> merged;
      std::unordered_map<std::string, std::size_t> at;
      for (const MemoryMap& m : d->maps) {
        std::string label = SanitizeUtf8(m.path);
        auto [it, inserted] = at.try_emplace(label, merged.size());
        if (inserted) merged.emplace_back(std::move(label), MapFigures{});
        merged[it->second].second += m.figures;
      }
      std::stable_sort(merged.begin(), merged.end(), [d](const auto& a, const auto& b) {
        return d->maps_size_only ? a.second.size > b.second.size : a.second.rss > b.second.rss;
      });
      MapFigures other;
      bool has_other = false;
      for (std::size_t k = 0; k < merged.size(); ++k) {
        if (k < max_paths) {
          put(merged[k].first, merged[k].second);
        } else {
          other += merged[k].second;
          has_other = true;
        }
      }
      if (has_other) put("[other]", other);
    }
  }
  if (enabled.has(Fam::kProcessMemoryMaps)) {
    w.Begin(Fam::kProcessMemoryMaps);
    for (int r : rows)
      if (const MemoryDetails* d = with_maps(r)) w.Sample(prefixes[static_cast<std::size_t>(r)], static_cast<double>(d->map_count));
  }
}

void WriteSelfFamilies(const ProcessSample& self, const EnabledFamilies& enabled, TextWriter& w) {
  auto one = [&](Fam f, std::optional<double> v) {
    if (!enabled.has(f) || !v) return;
    w.Begin(f);
    w.Sample("", *v);
  };
  std::optional<double> cpu;
  if (self.cpu_user_seconds.has_value() && self.cpu_system_seconds.has_value())
    cpu = self.cpu_user_seconds.value + self.cpu_system_seconds.value;
  one(Fam::kSelfCpu, cpu);
  one(Fam::kSelfResidentMemory, Get(self.memory_rss_bytes));
  one(Fam::kSelfVirtualMemory, Get(self.memory_vms_bytes));
  one(Fam::kSelfOpenFds, Get(self.open_fds));
  one(Fam::kSelfMaxFds, Get(self.max_fds));
  one(Fam::kSelfStartTime, self.start_time_seconds);
}

}  // namespace proctree
