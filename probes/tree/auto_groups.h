#pragma once
// Tree-aware grouping without a config (Netdata apps.plugin's automatic
// grouping): a process belongs to the group named after the comm of its
// top-most ancestor below init or a process manager. Init and the managers
// themselves belong to no group, so "systemd" never swallows a host.
#include <string>
#include <string_view>
#include <vector>

#include "probes/tree/process_tree.h"

namespace proctree {

bool IsProcessManager(const ProcessSample& s);

// The automatic group of a process whose top-most ancestor has an empty comm.
inline constexpr std::string_view kUnnamedGroup = "(unnamed)";

// group_of[i] is the group of process i, or empty for none.
std::vector<std::string> AutoGroups(const std::vector<ProcessSample>& ps, const ProcessTree& tree);

}  // namespace proctree
