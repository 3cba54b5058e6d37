#pragma once
// The cgroup format of /proc/[pid]/cgroup: the probe turns the file into the
// path ProcessSample::cgroup holds.
#include <string>
#include <string_view>

namespace proctree {

// The cgroup path of the process. /proc/[pid]/cgroup has "ID:CONTROLLERS:PATH"
// lines. Pure cgroup v2 (only a "0::PATH" line): that PATH, without the
// " (deleted)" the kernel appends for a removed cgroup. cgroup v1 and hybrid
// (any line with a non-zero ID): the PATH of "name=systemd" if present, else
// of the first v1 line; in hybrid mode the "0::" line is the systemd-managed
// unified tree, which cgroupfs-driver runtimes leave at e.g.
// /system.slice/containerd.service. Empty when there is no well-formed line.
std::string CgroupPath(std::string_view proc_pid_cgroup);

}  // namespace proctree
