#pragma once
// The config's process selectors, compiled: which selector each process
// matches (first match wins), its group (tree-aware: an unmatched process
// joins the group of its nearest matched ancestor), whether it gets
// per-process series, and which processes are subtree roots.
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "probes/tree/process_tree.h"
#include "probes/scan_request.h"
#include "probes/user_names.h"

namespace proctree {

struct Assignment {
  int selector = -1;     // first matching selector, -1 for none
  std::string group;     // empty: no group
  bool per_process = true;
  MemoryReads memory;    // smaps reads wanted for this process
};

// Per-process strings derived once per scrape, for selectors and labels.
struct ProcessFacts {
  std::string user;
  std::string exe_base;
  std::string cmdline;       // arguments joined by spaces (raw bytes)
  std::string cgroup_path;
  std::string container_id;
};

class ProcessSelection {
 public:
  // The config must have passed ParseConfig (regexes and templates valid).
  static std::shared_ptr<const ProcessSelection> Compile(const Config& config);
  ~ProcessSelection();

  // The probe field groups matching, grouping and choosing roots need, of
  // every process (and status for the user label's uid).
  FieldGroups NeededGroups() const { return needs_; }
  // The groups only the labels need (exe, cmdline, cgroup): of the labelled
  // processes alone, the rows and the subtree roots.
  FieldGroups LabelOnlyGroups() const { return label_only_; }
  // A selector's cmdline regex needs the whole command line, not just what a label keeps.
  bool MatchesCmdline() const { return match_cmdline_; }

  // Empty when nothing reads them: no selector, no tree root (the embedded
  // default; 1.6 MB of empty strings at 10,000 processes otherwise). What
  // Assign and Roots take; labels are derived from the samples, after the
  // label-only groups are read for the labelled processes.
  std::vector<ProcessFacts> Facts(const std::vector<ProcessSample>& ps, UserNames& users) const;
  std::vector<Assignment> Assign(const std::vector<ProcessSample>& ps, const std::vector<ProcessFacts>& facts,
                                 const ProcessTree& tree) const;
  // tree.roots, or every process with children when the config names none.
  std::vector<int> Roots(const std::vector<ProcessSample>& ps, const std::vector<ProcessFacts>& facts,
                         const ProcessTree& tree) const;
  const std::vector<std::string>& always_groups() const { return always_groups_; }

  struct Compiled;  // a compiled MatchSpec

 private:
  ProcessSelection() = default;
  std::vector<char> MatchAll(const Compiled& m, const std::vector<ProcessSample>& ps,
                             const std::vector<ProcessFacts>& facts, const ProcessTree& tree) const;

  struct Selector;
  std::vector<std::unique_ptr<Selector>> selectors_;
  std::vector<std::unique_ptr<Compiled>> roots_;
  std::vector<std::string> always_groups_;
  UnmatchedPolicy unmatched_;
  FieldGroups needs_, label_only_;
  bool need_user_ = false, need_cmdline_ = false, need_cgroup_ = false, match_cmdline_ = false;
};

}  // namespace proctree
