// AutoGroups on synthetic process trees: no /proc access.
#include "probes/tree/auto_groups.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace proctree {
namespace {

ProcessSample P(std::int64_t pid, std::int64_t ppid, std::string comm, std::uint64_t start = 100) {
  ProcessSample s;
  s.pid = pid;
  s.ppid = ppid;
  s.start_time_ticks = start;
  s.comm = std::move(comm);
  return s;
}

std::vector<std::string> Groups(const std::vector<ProcessSample>& ps) {
  ProcessTree t = ProcessTree::Build(ps);
  std::vector<std::string> g = AutoGroups(ps, t);
  EXPECT_EQ(g.size(), ps.size());
  return g;
}

TEST(AutoGroupsTest, ProcessManagers) {
  EXPECT_TRUE(IsProcessManager(P(1, 0, "bash")));  // pid 1, whatever its name
  EXPECT_TRUE(IsProcessManager(P(1, 0, "systemd")));
  for (const char* c : {"systemd", "init", "tini", "dumb-init", "docker-init", "pause", "containerd-shim",
                        "containerd-shim-runc-v2"}) {
    EXPECT_TRUE(IsProcessManager(P(500, 1, c))) << c;
  }
  for (const char* c : {"sshd", "bash", "nginx", "kthreadd", "containerd", "tini2x", "", "systemd-journal"}) {
    EXPECT_FALSE(IsProcessManager(P(500, 1, c))) << c;
  }
}

// A process that set an empty name still belongs to a group, and so do its children.
TEST(AutoGroupsTest, EmptyCommIsUnnamedNotUngrouped) {
  std::vector<ProcessSample> ps = {P(1, 0, "systemd", 1), P(700, 1, "", 10), P(800, 700, "worker", 20)};
  EXPECT_EQ(Groups(ps), (std::vector<std::string>{"", "(unnamed)", "(unnamed)"}));
}

TEST(AutoGroupsTest, SshSessionGroupsUnderSshd) {
  std::vector<ProcessSample> ps = {
      P(1, 0, "systemd", 1), P(700, 1, "sshd", 10), P(800, 700, "bash", 20), P(900, 800, "python", 30),
      P(901, 800, "vim", 31),
  };
  EXPECT_EQ(Groups(ps), (std::vector<std::string>{"", "sshd", "sshd", "sshd", "sshd"}));
}

TEST(AutoGroupsTest, ContainerShimChildrenGroupByTheirTopProcess) {
  // The kernel truncates comm to 15 bytes: "containerd-shim-runc-v2" reads
  // "containerd-shim"; both forms are managers.
  std::vector<ProcessSample> ps = {
      P(1, 0, "systemd", 1),
      P(1000, 1, "containerd-shim-runc-v2", 10),
      P(1001, 1000, "nginx", 11),
      P(1002, 1001, "nginx", 12),  // worker
      P(1003, 1001, "nginx", 12),  // worker
      P(2000, 1, "containerd-shim", 20),
      P(2001, 2000, "redis-server", 21),
  };
  EXPECT_EQ(Groups(ps), (std::vector<std::string>{"", "", "nginx", "nginx", "nginx", "", "redis-server"}));
}

TEST(AutoGroupsTest, ContainerInitManagers) {
  std::vector<ProcessSample> ps = {
      P(1, 0, "systemd", 1),
      P(10, 1, "containerd-shim", 2),
      P(11, 10, "tini", 3),
      P(12, 11, "java", 4),
      P(13, 12, "jcmd", 5),
      P(20, 10, "pause", 2),
      P(30, 1, "dumb-init", 2),
      P(31, 30, "celery", 3),
      P(32, 31, "celery-worker", 4),
      P(40, 1, "docker-init", 2),
      P(41, 40, "postgres", 3),
      P(42, 41, "postgres-wal", 4),
  };
  EXPECT_EQ(Groups(ps), (std::vector<std::string>{"", "", "", "java", "java", "", "", "celery", "celery", "",
                                                  "postgres", "postgres"}));
}

TEST(AutoGroupsTest, KernelThreadsGroupUnderKthreadd) {
  std::vector<ProcessSample> ps = {
      P(1, 0, "systemd", 1),         P(2, 0, "kthreadd", 1),        P(3, 2, "rcu_gp", 2),
      P(4, 2, "kworker/0:0H", 2),    P(15, 2, "ksoftirqd/0", 3),    P(300, 1, "systemd-journal", 50),
  };
  for (std::size_t i = 1; i < 5; ++i) ps[i].kernel_thread = true;
  EXPECT_EQ(Groups(ps), (std::vector<std::string>{"", "kthreadd", "kthreadd", "kthreadd", "kthreadd",
                                                  "systemd-journal"}));
}

TEST(AutoGroupsTest, RootThatIsNotAManagerGroupsItself) {
  // A process whose parent is outside the scan (another pid namespace, or
  // vanished) is a root; it names its own group.
  std::vector<ProcessSample> ps = {
      P(1, 0, "systemd", 1),
      P(5000, 4999, "agent", 10),
      P(5001, 5000, "agent-helper", 11),
      P(5002, 5001, "sh", 12),
  };
  EXPECT_EQ(Groups(ps), (std::vector<std::string>{"", "agent", "agent", "agent"}));
}

TEST(AutoGroupsTest, UserSystemdIsAManagerBelowInit) {
  // systemd --user (not pid 1) is a manager too: each of its services is a group.
  std::vector<ProcessSample> ps = {
      P(1, 0, "systemd", 1),
      P(1500, 1, "systemd", 10),
      P(1501, 1500, "pipewire", 11),
      P(1502, 1500, "gnome-shell", 12),
      P(1503, 1502, "Xwayland", 13),
  };
  EXPECT_EQ(Groups(ps), (std::vector<std::string>{"", "", "pipewire", "gnome-shell", "gnome-shell"}));
}

TEST(AutoGroupsTest, ScanOrderDoesNotMatter) {
  // Children listed before their parents: groups are filled parents first.
  std::vector<ProcessSample> ps = {
      P(900, 800, "python", 30), P(800, 700, "bash", 20), P(700, 1, "sshd", 10), P(1, 0, "systemd", 1),
  };
  EXPECT_EQ(Groups(ps), (std::vector<std::string>{"sshd", "sshd", "sshd", ""}));
}

TEST(AutoGroupsTest, InitOfAContainerPidNamespace) {
  // Inside a container the exporter sees the container's pid 1 (here a
  // shell) as init: it is a manager and its children head their groups.
  std::vector<ProcessSample> ps = {
      P(1, 0, "sh", 1),
      P(7, 1, "node", 2),
      P(8, 7, "node", 3),
      P(9, 1, "crond", 2),
  };
  EXPECT_EQ(Groups(ps), (std::vector<std::string>{"", "node", "node", "crond"}));
}

}  // namespace
}  // namespace proctree
