#pragma once
// Container ids from /proc/[pid]/cgroup. Pure string functions, no /proc access.
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

// The 64-hex-character container id (docker, containerd, CRI-O, podman) in a
// cgroup path, or empty. Segments are examined from the last (innermost) to the
// first; the first that is one of
//   <id>                         /docker/<id>, /kubepods/<qos>/pod<uid>/<id>, /ecs/<task>/<id>
//   docker-<id>[.scope]          systemd cgroup driver
//   cri-containerd-<id>[.scope]  containerd CRI
//   crio-<id>[.scope]            CRI-O
//   libpod-<id>[.scope]          podman (rootful, rootless, cgroupfs /libpod_parent/)
// gives the id. A conmon segment (crio-conmon-<id>.scope, libpod-conmon-<id>.scope)
// met first means the process is the runtime's monitor, not in a container: empty.
// Only lowercase hex is accepted (what the runtimes write).
std::string ContainerIdFromCgroupPath(std::string_view path);

}  // namespace proctree
