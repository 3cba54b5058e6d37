#include "probes/tree/auto_groups.h"
#include "probes/util/strings.h"

namespace proctree {

namespace {
}  // namespace

bool IsProcessManager(const ProcessSample& s) {
  if (s.pid == 1) return true;  // init of this pid namespace, whatever its name
  const std::string_view c = s.comm;
  return c == "systemd" || c == "init" || c == "tini" || c == "dumb-init" || c == "docker-init" ||
         c == "pause" || StartsWith(c, "containerd-shim");
}

std::vector<std::string> AutoGroups(const std::vector<ProcessSample>& ps, const ProcessTree& tree) {
  const std::size_t n = ps.size();
  // head[i]: the process whose comm names i's group, or -1. Filled parents
  // first, so each process looks only at its parent.
  std::vector<int> head(n, ProcessTree::kNone);
  for (int i : tree.ParentsFirst()) {
    const auto ui = static_cast<std::size_t>(i);
    if (IsProcessManager(ps[ui])) continue;
    int p = tree.parent(i);
    bool top = p == ProcessTree::kNone || IsProcessManager(ps[static_cast<std::size_t>(p)]);
    head[ui] = top ? i : head[static_cast<std::size_t>(p)];
  }
  std::vector<std::string> group(n);
  for (std::size_t i = 0; i < n; ++i)
    if (head[i] != ProcessTree::kNone) {
      // A process may set an empty name; an empty group name would mean "no group".
      const std::string& comm = ps[static_cast<std::size_t>(head[i])].comm;
      group[i] = comm.empty() ? std::string(kUnnamedGroup) : comm;
    }
  return group;
}

}  // namespace proctree
