#pragma once
// Which groups of fields a scan reads. Each group maps to one source on an OS
// (on Linux one /proc/[pid] file), so a family switched off in the allowlist
// means its file is never opened.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace proctree {

enum class FieldGroup : std::uint32_t {
  kStat = 1u << 0,    // identity, ppid, state, cpu, faults, threads, nice
  kStatus = 1u << 1,  // uid, context switches, swap
  kMemory = 1u << 2,  // memory sizes (Linux: from status, which it reads anyway)
  kIo = 1u << 3,      // io counters
  kFds = 1u << 4,     // open fd count
  kLimits = 1u << 5,  // max fds
  kExe = 1u << 6,     // executable path (selectors, exe label)
  kCmdline = 1u << 7, // command line (selectors, redacted cmdline label)
  kCgroup = 1u << 8,  // cgroup path (selectors, cgroup and container_id labels)
  kSchedstat = 1u << 9,    // time on CPU and waiting on a run queue
  kOomScoreAdj = 1u << 10, // oom_score_adj (opt-in: off in the default config)
};

class FieldGroups {
 public:
  constexpr FieldGroups() = default;
  constexpr FieldGroups(FieldGroup g) : bits_(static_cast<std::uint32_t>(g)) {}  // NOLINT: implicit on purpose
  static constexpr FieldGroups All() {
    FieldGroups g;
    g.bits_ = (1u << 11) - 1;
    return g;
  }
  constexpr bool has(FieldGroup g) const { return (bits_ & static_cast<std::uint32_t>(g)) != 0; }
  constexpr FieldGroups& operator|=(FieldGroups o) {
    bits_ |= o.bits_;
    return *this;
  }
  constexpr FieldGroups operator|(FieldGroups o) const {
    FieldGroups r = *this;
    r |= o;
    return r;
  }
  // The groups of this set that `o` does not hold.
  constexpr FieldGroups operator-(FieldGroups o) const {
    FieldGroups r;
    r.bits_ = bits_ & ~o.bits_;
    return r;
  }
  constexpr bool operator==(const FieldGroups& o) const { return bits_ == o.bits_; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr std::uint32_t bits() const { return bits_; }

 private:
  std::uint32_t bits_ = 0;
};

struct ScanRequest {
  ScanRequest() {}  // not an aggregate, so `ScanRequest req = {}` needs no field list
  FieldGroups groups = FieldGroups::All();
  // When set, the scan starts no new process once this has passed and
  // returns what it read (ScanResult::deadline_exceeded).
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // At most this many bytes of each command line are read (kCmdline). The
  // cmdline label keeps a few hundred bytes, and a process may have megabytes
  // of arguments; selectors' regexes need the whole line. A shorter read sets
  // ProcessSample::cmdline_cut.
  static constexpr std::size_t kWholeCmdline = std::numeric_limits<std::size_t>::max();
  std::size_t cmdline_max_bytes = kWholeCmdline;  // kWholeCmdline: as much as the module reads of any file
};

}  // namespace proctree
