#include "exporter/process_families.h"

#include <array>
#include <string>

#include "exporter/family_util.h"
#include "exporter/utf8.h"

namespace proctree {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Families in the order they are filled; index with a Fam.
class FamilySet {
 public:
  FamilySet(const EnabledFamilies& enabled, std::size_t processes) : enabled_(enabled) {
    for (const auto& d : Catalog()) {
      if (enabled.has(d.id) && d.id <= Fam::kProcessNice)
        slot_[static_cast<std::size_t>(d.id)] = NewFamily(d.id, processes * 2);
    }
  }
  bool on(Fam f) const { return enabled_.has(f); }
  MetricFamily& operator[](Fam f) { return slot_[static_cast<std::size_t>(f)]; }
  void MoveTo(std::vector<MetricFamily>* out) {
    for (auto& fam : slot_)
      if (!fam.name.empty()) out->push_back(std::move(fam));
  }

 private:
  const EnabledFamilies& enabled_;
  std::array<MetricFamily, static_cast<std::size_t>(Fam::kCount)> slot_;
};

}  // namespace

void AppendProcessFamilies(const ScanResult& scan, const EnabledFamilies& enabled, UserNames& users,
                           std::vector<MetricFamily>* out) {
  FamilySet fams(enabled, scan.processes.size());
  std::array<std::uint64_t, static_cast<std::size_t>(ProcessState::kCount)> by_state{};

  for (const ProcessSample& s : scan.processes) {
    ++by_state[static_cast<std::size_t>(s.state)];
    const std::string pid = std::to_string(s.pid);
    const std::string comm = SanitizeUtf8(s.comm);
    auto L = [&](std::initializer_list<ClientMetric::Label> extra) {
      std::vector<ClientMetric::Label> labels;
      labels.reserve(2 + extra.size());
      labels.push_back({"pid", pid});
      labels.push_back({"comm", comm});
      labels.insert(labels.end(), extra.begin(), extra.end());
      return labels;
    };
    // One series per field that has a value; failed or unsupported fields are absent.
    auto put = [&](Fam f, const auto& field, std::initializer_list<ClientMetric::Label> extra,
                   double scale = 1.0) {
      if (fams.on(f) && field.has_value()) AddValue(fams[f], L(extra), static_cast<double>(field.value) * scale);
    };

    if (fams.on(Fam::kProcessInfo)) {
      std::string user = s.uid.has_value() ? users.Lookup(s.uid.value) : std::string();
      AddValue(fams[Fam::kProcessInfo],
               L({{"ppid", std::to_string(s.ppid)}, {"user", SanitizeUtf8(user)}}), 1);
    }
    if (fams.on(Fam::kProcessStartTime)) AddValue(fams[Fam::kProcessStartTime], L({}), s.start_time_seconds);
    put(Fam::kProcessCpu, s.cpu_user_seconds, {{"mode", "user"}});
    put(Fam::kProcessCpu, s.cpu_system_seconds, {{"mode", "system"}});
    put(Fam::kProcessChildrenCpu, s.children_user_seconds, {{"mode", "user"}});
    put(Fam::kProcessChildrenCpu, s.children_system_seconds, {{"mode", "system"}});
    put(Fam::kProcessBlkioDelay, s.blkio_delay_seconds, {});
    put(Fam::kProcessMemory, s.memory_rss_bytes, {{"memtype", "rss"}});
    put(Fam::kProcessMemory, s.memory_vms_bytes, {{"memtype", "vms"}});
    put(Fam::kProcessMemory, s.memory_shared_bytes, {{"memtype", "shared"}});
    put(Fam::kProcessMemory, s.memory_text_bytes, {{"memtype", "text"}});
    put(Fam::kProcessMemory, s.memory_data_bytes, {{"memtype", "data"}});
    put(Fam::kProcessMemory, s.memory_swap_bytes, {{"memtype", "swap"}});
    put(Fam::kProcessPageFaults, s.minor_faults, {{"kind", "minor"}});
    put(Fam::kProcessPageFaults, s.major_faults, {{"kind", "major"}});
    put(Fam::kProcessContextSwitches, s.voluntary_ctxt_switches, {{"kind", "voluntary"}});
    put(Fam::kProcessContextSwitches, s.involuntary_ctxt_switches, {{"kind", "involuntary"}});
    put(Fam::kProcessThreads, s.threads, {});
    put(Fam::kProcessOpenFds, s.open_fds, {});
    put(Fam::kProcessMaxFds, s.max_fds, {});
    put(Fam::kProcessIoBytes, s.io_read_bytes, {{"direction", "read"}});
    put(Fam::kProcessIoBytes, s.io_write_bytes, {{"direction", "write"}});
    put(Fam::kProcessIoChars, s.io_read_chars, {{"direction", "read"}});
    put(Fam::kProcessIoChars, s.io_write_chars, {{"direction", "write"}});
    put(Fam::kProcessIoSyscalls, s.io_read_syscalls, {{"direction", "read"}});
    put(Fam::kProcessIoSyscalls, s.io_write_syscalls, {{"direction", "write"}});
    put(Fam::kProcessNice, s.nice, {});
  }
  fams.MoveTo(out);

  if (enabled.has(Fam::kProcesses)) {
    MetricFamily fam = NewFamily(Fam::kProcesses, by_state.size());
    // Every state is exported, at 0 when empty, so alerts see a series, not an absence.
    for (std::size_t i = 0; i < by_state.size(); ++i) {
      auto st = static_cast<ProcessState>(i);
      if (st == ProcessState::kUnknown && by_state[i] == 0) continue;
      AddValue(fam, {{"state", std::string(ProcessStateName(st))}}, static_cast<double>(by_state[i]));
    }
    out->push_back(std::move(fam));
  }
}

void AppendSelfFamilies(const ProcessSample& self, const EnabledFamilies& enabled,
                        std::vector<MetricFamily>* out) {
  auto one = [&](Fam f, bool has, double v) {
    if (!enabled.has(f) || !has) return;
    MetricFamily fam = NewFamily(f, 1);
    AddValue(fam, {}, v);
    out->push_back(std::move(fam));
  };
  one(Fam::kSelfCpu, self.cpu_user_seconds.has_value() && self.cpu_system_seconds.has_value(),
      self.cpu_user_seconds.value + self.cpu_system_seconds.value);
  one(Fam::kSelfResidentMemory, self.memory_rss_bytes.has_value(),
      static_cast<double>(self.memory_rss_bytes.value));
  one(Fam::kSelfVirtualMemory, self.memory_vms_bytes.has_value(),
      static_cast<double>(self.memory_vms_bytes.value));
  one(Fam::kSelfOpenFds, self.open_fds.has_value(), static_cast<double>(self.open_fds.value));
  one(Fam::kSelfMaxFds, self.max_fds.has_value(), self.max_fds.value);
  one(Fam::kSelfStartTime, true, self.start_time_seconds);
}

}  // namespace proctree
