// CgroupPath / ContainerIdFromCgroupPath on /proc/[pid]/cgroup content in the
// layouts each runtime produces, written as literals (ids shortened to two fixed
// 64-hex values; pod uids as the kubelet writes them).
#include "probes/container_id.h"
#include "probes/os/linux/cgroup_path.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace proctree {
namespace {

const std::string kId = "3f4d1d8b2a1e6c7f0b9a8d7e6c5b4a392817f6e5d4c3b2a1908f7e6d5c4b3a29";
const std::string kId2 = "b7e2c1a9f08d4e3b6a5c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a";

std::string IdOf(const std::string& proc_pid_cgroup) {
  return ContainerIdFromCgroupPath(CgroupPath(proc_pid_cgroup));
}

TEST(CgroupPathTest, V2SingleLine) {
  // Any cgroup v2 host (Fedora 31+, Debian 11+, Ubuntu 21.10+).
  EXPECT_EQ(CgroupPath("0::/user.slice/user-1000.slice/session-3.scope\n"), "/user.slice/user-1000.slice/session-3.scope");
  EXPECT_EQ(CgroupPath("0::/init.scope"), "/init.scope");  // no trailing newline
  // Inside a container with its own cgroup namespace (docker on v2 default).
  EXPECT_EQ(CgroupPath("0::/\n"), "/");
  // A removed cgroup: kernel appends " (deleted)" on the unified hierarchy.
  EXPECT_EQ(CgroupPath("0::/system.slice/docker-" + kId + ".scope (deleted)\n"),
            "/system.slice/docker-" + kId + ".scope");
  // ':' inside the path belongs to the path.
  EXPECT_EQ(CgroupPath("0::/odd:name/x\n"), "/odd:name/x");
}

TEST(CgroupPathTest, V1PrefersNameSystemd) {
  // Docker 19.03 on Ubuntu 18.04 (cgroup v1, cgroupfs driver), a container process seen from the host.
  const std::string v1 =
      "12:pids:/docker/" + kId + "\n"
      "11:hugetlb:/docker/" + kId + "\n"
      "10:net_cls,net_prio:/docker/" + kId + "\n"
      "9:perf_event:/docker/" + kId + "\n"
      "8:cpu,cpuacct:/docker/" + kId + "\n"
      "7:memory:/docker/" + kId + "\n"
      "6:devices:/docker/" + kId + "\n"
      "5:freezer:/docker/" + kId + "\n"
      "4:blkio:/docker/" + kId + "\n"
      "3:cpuset:/docker/" + kId + "\n"
      "2:rdma:/\n"
      "1:name=systemd:/docker/" + kId + "\n";
  EXPECT_EQ(CgroupPath(v1), "/docker/" + kId);
  EXPECT_EQ(IdOf(v1), kId);
}

TEST(CgroupPathTest, V1WithoutSystemdTakesFirstLine) {
  // Alpine/OpenRC host: no name=systemd hierarchy.
  EXPECT_EQ(CgroupPath("4:memory:/docker/" + kId + "\n3:cpu:/other\n1:cpuset:/\n"), "/docker/" + kId);
}

TEST(CgroupPathTest, HybridUsesV1) {
  // Ubuntu 20.04 (systemd hybrid mode), docker cgroupfs driver: the unified line
  // shows the systemd unit the runtime was started from, not the container.
  const std::string hybrid =
      "12:freezer:/docker/" + kId + "\n"
      "7:memory:/docker/" + kId + "\n"
      "1:name=systemd:/docker/" + kId + "\n"
      "0::/system.slice/containerd.service\n";
  EXPECT_EQ(CgroupPath(hybrid), "/docker/" + kId);
  EXPECT_EQ(IdOf(hybrid), kId);
}

TEST(CgroupPathTest, GarbageAndEmpty) {
  EXPECT_EQ(CgroupPath(""), "");
  EXPECT_EQ(CgroupPath("\n\n"), "");
  EXPECT_EQ(CgroupPath("hello world\n::\nx:y:/z\n0::relative\n-1::/neg\n0::\n"), "");
  EXPECT_EQ(CgroupPath(std::string("\0\0\xff:\x01", 5)), "");
  // Garbage around one good line.
  EXPECT_EQ(CgroupPath("junk\n0::/system.slice/sshd.service\r\nmore junk"), "/system.slice/sshd.service");
}

TEST(ContainerIdTest, Docker) {
  // cgroupfs driver (v1, and v2 with --cgroupns=host).
  EXPECT_EQ(ContainerIdFromCgroupPath("/docker/" + kId), kId);
  // systemd driver, v2 (Docker 20.10+ on Fedora/Debian 11): "0::/system.slice/docker-<id>.scope".
  EXPECT_EQ(IdOf("0::/system.slice/docker-" + kId + ".scope\n"), kId);
  // A removed container's lingering process.
  EXPECT_EQ(IdOf("0::/system.slice/docker-" + kId + ".scope (deleted)\n"), kId);
}

TEST(ContainerIdTest, KubernetesCgroupfs) {
  // kubelet --cgroup-driver=cgroupfs, docker or containerd, v1.
  EXPECT_EQ(ContainerIdFromCgroupPath("/kubepods/burstable/pod6a1e0c5e-3b1f-4c8e-9d2a-7f3b5e1c9a04/" + kId), kId);
  EXPECT_EQ(ContainerIdFromCgroupPath("/kubepods/pod6a1e0c5e-3b1f-4c8e-9d2a-7f3b5e1c9a04/" + kId), kId);  // Guaranteed QoS
}

TEST(ContainerIdTest, KubernetesContainerdSystemd) {
  // kubelet --cgroup-driver=systemd with containerd (EKS/GKE/kubeadm default on v2).
  EXPECT_EQ(IdOf("0::/kubepods.slice/kubepods-burstable.slice/"
                 "kubepods-burstable-pod6a1e0c5e_3b1f_4c8e_9d2a_7f3b5e1c9a04.slice/cri-containerd-" +
                 kId + ".scope\n"),
            kId);
}

TEST(ContainerIdTest, CriO) {
  // OpenShift / CRI-O with the systemd driver.
  const std::string pod =
      "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod6a1e0c5e_3b1f_4c8e_9d2a_7f3b5e1c9a04.slice/";
  EXPECT_EQ(ContainerIdFromCgroupPath(pod + "crio-" + kId + ".scope"), kId);
  // crun on v2 moves the payload one level down, into ".../crio-<id>.scope/container".
  EXPECT_EQ(ContainerIdFromCgroupPath(pod + "crio-" + kId + ".scope/container"), kId);
  // conmon, the monitor process CRI-O starts next to the container, is not in it.
  EXPECT_EQ(ContainerIdFromCgroupPath(pod + "crio-conmon-" + kId + ".scope"), "");
}

TEST(ContainerIdTest, Podman) {
  // Rootful podman, systemd cgroup manager.
  EXPECT_EQ(IdOf("0::/machine.slice/libpod-" + kId + ".scope\n"), kId);
  EXPECT_EQ(IdOf("0::/machine.slice/libpod-" + kId + ".scope/container\n"), kId);
  // podman --cgroup-manager=cgroupfs.
  EXPECT_EQ(ContainerIdFromCgroupPath("/libpod_parent/libpod-" + kId), kId);
  // Rootless podman (user systemd instance).
  EXPECT_EQ(IdOf("0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kId + ".scope\n"), kId);
  // Podman's conmon.
  EXPECT_EQ(IdOf("0::/machine.slice/libpod-conmon-" + kId + ".scope\n"), "");
}

TEST(ContainerIdTest, InnermostCandidateWins) {
  // Docker-in-docker (cgroupfs): the inner container is the process's container.
  EXPECT_EQ(ContainerIdFromCgroupPath("/docker/" + kId + "/docker/" + kId2), kId2);
  // kind node (a docker container) running a containerd pod.
  EXPECT_EQ(ContainerIdFromCgroupPath("/system.slice/docker-" + kId + ".scope/kubelet.slice/kubelet-kubepods.slice/"
                                      "kubelet-kubepods-besteffort.slice/cri-containerd-" + kId2 + ".scope"),
            kId2);
  // Non-id segments after the container's scope (systemd inside the container).
  EXPECT_EQ(ContainerIdFromCgroupPath("/system.slice/docker-" + kId + ".scope/system.slice/nginx.service"), kId);
  // A conmon segment hides outer candidates.
  EXPECT_EQ(ContainerIdFromCgroupPath("/docker/" + kId + "/crio-conmon-" + kId2 + ".scope"), "");
}

TEST(ContainerIdTest, NotContainers) {
  EXPECT_EQ(ContainerIdFromCgroupPath(""), "");
  EXPECT_EQ(ContainerIdFromCgroupPath("/"), "");
  EXPECT_EQ(ContainerIdFromCgroupPath("/init.scope"), "");
  EXPECT_EQ(ContainerIdFromCgroupPath("/system.slice/docker.service"), "");
  EXPECT_EQ(ContainerIdFromCgroupPath("/system.slice/containerd.service"), "");
  EXPECT_EQ(ContainerIdFromCgroupPath("/user.slice/user-1000.slice/session-3.scope"), "");
  EXPECT_EQ(ContainerIdFromCgroupPath("/machine.slice/machine-qemu\\x2d1\\x2dvm.scope"), "");  // libvirt VM
  EXPECT_EQ(ContainerIdFromCgroupPath("/kubepods.slice/kubepods-burstable.slice"), "");
  EXPECT_EQ(ContainerIdFromCgroupPath("///"), "");
  EXPECT_EQ(IdOf("garbage"), "");
}

TEST(ContainerIdTest, RejectsIdsThatAreNot64LowercaseHex) {
  const std::string id63 = kId.substr(1);
  const std::string id65 = kId + "0";
  std::string upper = kId;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string non_hex = kId;
  non_hex[10] = 'g';
  for (const std::string& bad : {id63, id65, upper, non_hex}) {
    EXPECT_EQ(ContainerIdFromCgroupPath("/docker/" + bad), "") << bad;
    EXPECT_EQ(ContainerIdFromCgroupPath("/system.slice/docker-" + bad + ".scope"), "") << bad;
    EXPECT_EQ(ContainerIdFromCgroupPath("/machine.slice/libpod-" + bad + ".scope"), "") << bad;
  }
  // Unknown prefixes and suffixes.
  EXPECT_EQ(ContainerIdFromCgroupPath("/system.slice/foo-" + kId + ".scope"), "");
  EXPECT_EQ(ContainerIdFromCgroupPath("/system.slice/docker-" + kId + ".service"), "");
  EXPECT_EQ(ContainerIdFromCgroupPath("/system.slice/docker-" + kId + ".scope.scope"), "");
  // A malformed inner segment is skipped like any other; a valid outer one is found.
  EXPECT_EQ(ContainerIdFromCgroupPath("/docker/" + kId + "/" + id63), kId);
}

}  // namespace
}  // namespace proctree
