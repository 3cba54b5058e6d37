#pragma once
// Container ids from a process's cgroup path (ProcessSample::cgroup): the
// container runtimes' naming. A pure string function.
#include <string>
#include <string_view>

namespace proctree {

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
