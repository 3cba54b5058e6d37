#pragma once
// The exporter's YAML configuration: schema, defaults and validation.
// See config/examples/ and the README's "Configuration" section.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace proctree {

struct MetricsPolicy {
  std::vector<std::string> allow{"*"};
  // Opt-in families (config/examples/default.yml, the embedded default, lists them too).
  std::vector<std::string> deny{"proctree_process_oom_score_adj"};
  // True when `name` survives allow and deny (deny wins).
  bool Allows(std::string_view name) const;
};

// Conditions on one process. Every condition given must hold; within a list
// any entry may match, except `cmdline`, whose regexes must all match (as in
// process-exporter).
struct MatchSpec {
  std::vector<std::string> comm;     // exact comm
  std::vector<std::string> exe;      // full path if it has a '/', else the basename
  std::vector<std::string> cmdline;  // RE2 regexes over the space-joined arguments; named captures feed {match:NAME}
  std::vector<std::string> user;     // user name or numeric uid
  std::vector<std::string> cgroup;   // RE2 regexes over the cgroup path
  std::string pid_file;              // the process whose pid the file holds
  std::shared_ptr<MatchSpec> ancestor;  // some ancestor matches this
  bool Empty() const;
};

// smaps reads, per selector; off by default (the costliest read there is).
struct MemoryReads {
  bool rollup = false;  // uss, pss, swap_pss (smaps_rollup)
  bool maps = false;    // per-path memory maps (smaps); implies rollup
  bool force = false;   // read even above memory.max_rss_bytes
};

struct ProcessSelector {
  std::string name;  // for logs only
  MatchSpec match;
  std::string group = "{comm}";  // name template
  bool per_process = true;       // false: only counted in its group
  MemoryReads memory;
};

struct UnmatchedPolicy {
  bool per_process = true;
  enum class Group { kAuto, kNone } group = Group::kAuto;
  MemoryReads memory;
};

// How much smaps reading may cost.
struct MemoryPolicy {
  double rollup_interval_seconds = 30;  // re-read a process's smaps_rollup at most this often
  double maps_interval_seconds = 60;    // and its smaps
  double budget_seconds = 0.2;          // per scrape; no new reads start once spent
  std::uint64_t max_rss_bytes = 8ull << 30;  // larger processes are skipped unless forced; 0: no cap
};

struct LabelPolicy {
  bool user = false;  // proctree_process_info always has it; this puts it on every per-process series
  bool exe = false;
  bool cgroup = false;
  bool container_id = false;
  bool cmdline = false;  // redacted, truncated to cmdline_max_length bytes
  std::size_t cmdline_max_length = 256;
};

// Per-process series for the busiest processes only (config key top_n). The
// candidates are the processes that would otherwise get per-process series
// and that no selector names: unmatched ones with unmatched.per_process.
// A process a selector matches with per_process: true always keeps them.
// Each scrape ranks the candidates by CPU rate and by IO rate since the
// previous scrape (a process first seen: over its lifetime) and by resident
// memory; the union of each ranking's first N keeps its series, and keeps
// them for hold_seconds after it last ranked there. 0 turns a ranking off;
// all three 0: every candidate has series (top-N off).
struct TopNPolicy {
  std::size_t by_cpu = 0;
  std::size_t by_memory = 0;
  std::size_t by_io = 0;  // read + write bytes (storage IO, /proc/[pid]/io read_bytes and write_bytes)
  double hold_seconds = 300;
  bool Enabled() const { return by_cpu > 0 || by_memory > 0 || by_io > 0; }
};
inline constexpr std::size_t kMaxTopN = 100000;
// Exit accounting (docs/exits.md): read at start, not at reload.
struct ExitsPolicy {
  enum class Mode { kAuto, kOn, kOff };
  Mode enabled = Mode::kAuto;  // auto: where the privileges allow; on: the exporter does not start without it
  std::uint64_t receive_buffer_bytes = 4ull << 20;  // about 1.5 KB per record of a burst the reader has not caught up with
};

struct Limits {
  std::size_t max_processes = 0;  // 0: no limit
  std::size_t memory_maps_per_process = 20;
  // The most samples a scrape serves; 0: no cap. Per-process series go
  // first, then subtree totals, then group totals; the exporter's own
  // families always stay (exporter/scrape/series_budget.h).
  std::size_t max_series = 0;
};

// Deep enough for any real host (systemd, a container runtime, a shell, a
// build tool and its children stay well below), small enough that a hostile
// 10,000-deep chain of processes costs 16 ancestor series per process.
inline constexpr std::size_t kDefaultMaxAncestorDepth = 16;
inline constexpr std::size_t kMaxMaxAncestorDepth = 1024;

struct Config {
  MetricsPolicy metrics;
  std::vector<ProcessSelector> processes;  // first match wins
  std::vector<std::string> groups;         // always exported, at 0 processes when none runs
  UnmatchedPolicy unmatched;
  std::vector<MatchSpec> tree_roots;       // empty: every process with children
  // How far up the tree per-process work reaches, so its cost stays linear
  // in the process count however deep the tree: a process's ancestor series
  // name its nearest this many ancestors, and it counts in at most this many
  // subtrees (roots enclosed by this many other roots are left out).
  std::size_t tree_max_ancestor_depth = kDefaultMaxAncestorDepth;
  LabelPolicy labels;
  Limits limits;
  MemoryPolicy memory;
  TopNPolicy top_n;
  ExitsPolicy exits;
};

// Caps on what one config may hold, so that a file under the 1 MiB size cap
// (probes/util/regular_file.h) cannot stand, through YAML aliases, for millions of
// entries: each selector compiles its regexes and keeps them while in force.
// With aliases expanded, a config may hold no more scalar text than a file
// without aliases could (kMaxConfigFileBytes), in at most kMaxConfigNodes nodes.
inline constexpr std::size_t kMaxConfigNodes = 100000;
inline constexpr std::size_t kMaxSelectors = 1000;      // processes[]
inline constexpr std::size_t kMaxGroups = 1000;         // groups[]

// The names a config may mention in metrics.allow / metrics.deny.
struct ConfigSchemaContext {
  std::vector<std::string> family_names;
};

// Parses and validates. On failure returns false and sets *error to
// "<source>:<line>:<column>: <reason>".
// LoadConfigFile reads only a regular file of at most kMaxConfigFileBytes
// (a directory, FIFO or device is refused with "<path>: is a FIFO, ...").
bool ParseConfig(std::string_view yaml, std::string_view source, const ConfigSchemaContext& ctx,
                 Config* out, std::string* error);
bool LoadConfigFile(const std::string& path, const ConfigSchemaContext& ctx, Config* out,
                    std::string* error);

// config/examples/default.yml, compiled in.
std::string_view EmbeddedDefaultConfig();

}  // namespace proctree
