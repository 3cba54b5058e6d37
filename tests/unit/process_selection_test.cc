// ProcessSelection on synthetic process lists: which selector each process
// matches (first match wins), each condition kind, group templates, the
// tree-aware attribution of unmatched processes, subtree roots, and which
// probe field groups a config makes the scan read.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/process_selection.h"
#include "exporter/metrics/metric_catalog.h"
#include "probes/os/linux/cgroup_path.h"
#include "probes/tree/process_tree.h"
#include "probes/user_names.h"
#include "tests/unit/temp_dir.h"

namespace proctree {
namespace {

namespace fs = std::filesystem;

const std::string kContainerId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

std::shared_ptr<const ProcessSelection> Compile(const std::string& yaml) {
  Config cfg;
  std::string error;
  EXPECT_TRUE(ParseConfig(yaml, "t.yml", ConfigSchemaContext{CatalogNames()}, &cfg, &error)) << error << "\n" << yaml;
  return ProcessSelection::Compile(cfg);
}

// A process as a test needs it; start ticks grow with the pid so parents start first.
struct Proc {
  ProcessSample s;
  explicit Proc(std::int64_t pid, std::int64_t ppid, std::string comm) {
    s.pid = pid;
    s.ppid = ppid;
    s.start_time_ticks = static_cast<std::uint64_t>(1000 + pid);
    s.comm = std::move(comm);
    s.state = ProcessState::kSleeping;
  }
  Proc& exe(std::string v) {
    s.exe.set(std::move(v));
    return *this;
  }
  Proc& cmdline(std::string v) {
    s.cmdline.set(std::move(v));
    return *this;
  }
  Proc& cgroup(std::string v) {  // the file's text, as the probe reads it
    s.cgroup.set(CgroupPath(v));
    return *this;
  }
  Proc& uid(std::uint32_t v) {
    s.uid.set(v);
    return *this;
  }
  operator ProcessSample() const { return s; }  // NOLINT: implicit for brace lists
};

// A small host:
//   1 systemd
//   ├─ 100 nginx (root, /usr/sbin/nginx)  ── 101 nginx (uid 33)
//   ├─ 200 bash (uid 1000)  ── 201 python3 app.py --config=/etc/app.yml  ── 202 sleep
//   │                                                                     └ 203 python3 worker.py
//   ├─ 300 containerd-shim  ── 301 java (in a docker cgroup)  ── 302 sh
//   └─ 400 cron  ── 401 sh  ── 402 sleep
//   2 kthreadd  ── 3 kworker/0:0
std::vector<ProcessSample> Host() {
  const std::string docker_cgroup = "0::/system.slice/docker-" + kContainerId + ".scope\n";
  return {
      Proc(1, 0, "systemd").exe("/usr/lib/systemd/systemd").cmdline(std::string("/sbin/init\0splash\0", 18)).uid(0)
          .cgroup("0::/init.scope\n"),
      Proc(100, 1, "nginx").exe("/usr/sbin/nginx").uid(0).cgroup("0::/system.slice/nginx.service\n")
          .cmdline(std::string("nginx: master process /usr/sbin/nginx -g daemon on;\0", 52)),
      Proc(101, 100, "nginx").exe("/usr/sbin/nginx").uid(33).cgroup("0::/system.slice/nginx.service\n")
          .cmdline(std::string("nginx: worker process\0", 22)),
      Proc(200, 1, "bash").exe("/usr/bin/bash").uid(1000).cmdline(std::string("-bash\0", 6))
          .cgroup("0::/user.slice/user-1000.slice/session-1.scope\n"),
      Proc(201, 200, "python3").exe("/usr/bin/python3.12").uid(1000)
          .cmdline(std::string("python3\0app.py\0--config=/etc/app.yml\0", 37))
          .cgroup("0::/user.slice/user-1000.slice/session-1.scope\n"),
      Proc(202, 201, "sleep").exe("/usr/bin/sleep").uid(1000).cmdline(std::string("sleep\0" "100\0", 10))
          .cgroup("0::/user.slice/user-1000.slice/session-1.scope\n"),
      Proc(203, 201, "python3").exe("/usr/bin/python3.12").uid(1000)
          .cmdline(std::string("python3\0worker.py\0", 18))
          .cgroup("0::/user.slice/user-1000.slice/session-1.scope\n"),
      Proc(300, 1, "containerd-shim").exe("/usr/bin/containerd-shim-runc-v2").uid(0)
          .cmdline(std::string("/usr/bin/containerd-shim-runc-v2\0-namespace\0moby\0", 49))
          .cgroup("0::/system.slice/containerd.service\n"),
      Proc(301, 300, "java").exe("/opt/java/bin/java").uid(1001).cgroup(docker_cgroup)
          .cmdline(std::string("java\0-jar\0/app/service.jar\0", 27)),
      Proc(302, 301, "sh").exe("/bin/sh").uid(1001).cgroup(docker_cgroup).cmdline(std::string("sh\0-c\0true\0", 11)),
      Proc(400, 1, "cron").exe("/usr/sbin/cron").uid(0).cmdline(std::string("/usr/sbin/cron\0-f\0", 18))
          .cgroup("0::/system.slice/cron.service\n"),
      Proc(401, 400, "sh").exe("/bin/sh").uid(0).cmdline(std::string("sh\0-c\0job\0", 10))
          .cgroup("0::/system.slice/cron.service\n"),
      Proc(402, 401, "sleep").exe("/usr/bin/sleep").uid(0).cmdline(std::string("sleep\0" "5\0", 8))
          .cgroup("0::/system.slice/cron.service\n"),
      Proc(2, 0, "kthreadd").cmdline("").uid(0).cgroup("0::/\n"),
      Proc(3, 2, "kworker/0:0").cmdline("").uid(0).cgroup("0::/\n"),
  };
}

// The selection's view of `ps`, by pid.
struct Result {
  std::vector<ProcessSample> ps;
  std::vector<ProcessFacts> facts;
  std::vector<Assignment> assigned;
  std::vector<int> roots;

  int index(std::int64_t pid) const {
    for (std::size_t i = 0; i < ps.size(); ++i)
      if (ps[i].pid == pid) return static_cast<int>(i);
    ADD_FAILURE() << "no pid " << pid;
    return 0;
  }
  const Assignment& of(std::int64_t pid) const { return assigned[static_cast<std::size_t>(index(pid))]; }
  int selector(std::int64_t pid) const { return of(pid).selector; }
  const std::string& group(std::int64_t pid) const { return of(pid).group; }
  // Pids matched by selector k, in input order.
  std::vector<std::int64_t> matched(int k) const {
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < ps.size(); ++i)
      if (assigned[i].selector == k) out.push_back(ps[i].pid);
    return out;
  }
  std::vector<std::int64_t> root_pids() const {
    std::vector<std::int64_t> out;
    for (int i : roots) out.push_back(ps[static_cast<std::size_t>(i)].pid);
    std::sort(out.begin(), out.end());
    return out;
  }
};

Result Select(const std::string& yaml, std::vector<ProcessSample> ps = Host()) {
  auto sel = Compile(yaml);
  Result r;
  r.ps = std::move(ps);
  UserNames users;
  const ProcessTree tree = ProcessTree::Build(r.ps);
  r.facts = sel->Facts(r.ps, users);
  r.assigned = sel->Assign(r.ps, r.facts, tree);
  r.roots = sel->Roots(r.ps, r.facts, tree);
  EXPECT_EQ(r.assigned.size(), r.ps.size());
  return r;
}

using Pids = std::vector<std::int64_t>;

// ---------------------------------------------------------------------------
// Matching

TEST(ProcessSelection, FirstMatchWins) {
  const Result r = Select(R"(
processes:
  - match: {comm: [nginx]}
    group: first
  - match: {exe: [nginx, python3.12]}
    group: second
unmatched: {group: none}
)");
  EXPECT_EQ(r.matched(0), (Pids{100, 101}));
  EXPECT_EQ(r.matched(1), (Pids{201, 203}));  // nginx matches selector 1 too, but 0 came first
  EXPECT_EQ(r.group(100), "first");
  EXPECT_EQ(r.group(201), "second");

  // The same selectors the other way round.
  const Result swapped = Select(R"(
processes:
  - match: {exe: [nginx, python3.12]}
    group: second
  - match: {comm: [nginx]}
    group: first
unmatched: {group: none}
)");
  EXPECT_EQ(swapped.matched(0), (Pids{100, 101, 201, 203}));
  EXPECT_TRUE(swapped.matched(1).empty());
  EXPECT_EQ(swapped.group(100), "second");
}

TEST(ProcessSelection, AllConditionsOfOneSelectorMustHold) {
  const Result r = Select(R"(
processes:
  - match: {comm: [nginx], user: ["33"]}
unmatched: {group: none}
)");
  EXPECT_EQ(r.matched(0), (Pids{101}));
}

TEST(ProcessSelection, Comm) {
  const Result r = Select("processes:\n  - match: {comm: [sleep, sh, nginx-not]}\nunmatched: {group: none}\n");
  EXPECT_EQ(r.matched(0), (Pids{202, 302, 401, 402}));
  // Exact, not a substring or a prefix.
  EXPECT_TRUE(Select("processes:\n  - match: {comm: [slee, containerd]}\n").matched(0).empty());
}

TEST(ProcessSelection, ExeBasenameOrFullPath) {
  // No '/': compared with the basename.
  EXPECT_EQ(Select("processes:\n  - match: {exe: [nginx]}\n").matched(0), (Pids{100, 101}));
  EXPECT_EQ(Select("processes:\n  - match: {exe: [sh]}\n").matched(0), (Pids{302, 401}));
  // With a '/': the full path, exactly.
  EXPECT_EQ(Select("processes:\n  - match: {exe: [/usr/sbin/nginx]}\n").matched(0), (Pids{100, 101}));
  EXPECT_TRUE(Select("processes:\n  - match: {exe: [/usr/bin/nginx]}\n").matched(0).empty());
  EXPECT_TRUE(Select("processes:\n  - match: {exe: [sbin/nginx]}\n").matched(0).empty());
  EXPECT_TRUE(Select("processes:\n  - match: {exe: [usr]}\n").matched(0).empty());
  // Either entry of the list.
  EXPECT_EQ(Select("processes:\n  - match: {exe: [cron, /bin/sh]}\n").matched(0), (Pids{302, 400, 401}));
}

TEST(ProcessSelection, ExeNeverMatchesAProcessWithoutExe) {
  // Kernel threads have no exe; an empty exe entry must not match them.
  std::vector<ProcessSample> ps = {Proc(2, 0, "kthreadd"), Proc(10, 0, "x").exe("/bin/x")};
  const Result r = Select("processes:\n  - match: {exe: [kthreadd, x]}\n", ps);
  EXPECT_EQ(r.matched(0), (Pids{10}));
}

TEST(ProcessSelection, UserByNameOrUid) {
  // uid 0 is "root" through UserNames (getpwuid), and "0" by number.
  EXPECT_EQ(Select("processes:\n  - match: {user: [root]}\n").matched(0),
            (Pids{1, 100, 300, 400, 401, 402, 2, 3}));
  EXPECT_EQ(Select("processes:\n  - match: {user: ['0']}\n").matched(0), (Pids{1, 100, 300, 400, 401, 402, 2, 3}));
  EXPECT_EQ(Select("processes:\n  - match: {user: ['1000', '33']}\n").matched(0), (Pids{101, 200, 201, 202, 203}));
  EXPECT_TRUE(Select("processes:\n  - match: {user: [nosuchuser-xyz]}\n").matched(0).empty());
  // A process whose uid was not read matches no user.
  std::vector<ProcessSample> ps = {Proc(10, 0, "x")};
  EXPECT_TRUE(Select("processes:\n  - match: {user: [root, '0']}\n", ps).matched(0).empty());
}

TEST(ProcessSelection, CmdlineRegexesMustAllMatch) {
  EXPECT_EQ(Select("processes:\n  - match: {cmdline: ['app\\.py', '--config=']}\n").matched(0), (Pids{201}));
  EXPECT_TRUE(Select("processes:\n  - match: {cmdline: ['app\\.py', '--nope']}\n").matched(0).empty());
  // Unanchored: anywhere in the line; either python3 matches 'python3'.
  EXPECT_EQ(Select("processes:\n  - match: {cmdline: ['py']}\n").matched(0), (Pids{201, 203}));
}

TEST(ProcessSelection, CmdlineIsArgumentsJoinedBySpaces) {
  // NULs between arguments become single spaces; the trailing NUL is dropped.
  EXPECT_EQ(Select("processes:\n  - match: {cmdline: ['^python3 app\\.py --config=/etc/app\\.yml$']}\n").matched(0),
            (Pids{201}));
  EXPECT_EQ(Select("processes:\n  - match: {cmdline: ['^sleep 100$']}\n").matched(0), (Pids{202}));
  // An empty cmdline (kernel thread) is the empty string: only '^$' matches it.
  EXPECT_EQ(Select("processes:\n  - match: {cmdline: ['^$']}\n").matched(0), (Pids{2, 3}));
  // A process whose cmdline was not read never matches, not even '.*'.
  std::vector<ProcessSample> ps = {Proc(10, 0, "x")};
  EXPECT_TRUE(Select("processes:\n  - match: {cmdline: ['.*']}\n", ps).matched(0).empty());
}

TEST(ProcessSelection, CgroupRegexOverThePath) {
  // Over the cgroup path ("/system.slice/..."), not the raw "0::..." line.
  EXPECT_EQ(Select("processes:\n  - match: {cgroup: ['^/system\\.slice/']}\n").matched(0),
            (Pids{100, 101, 300, 301, 302, 400, 401, 402}));
  EXPECT_TRUE(Select("processes:\n  - match: {cgroup: ['^0::']}\n").matched(0).empty());
  EXPECT_EQ(Select("processes:\n  - match: {cgroup: ['docker-[0-9a-f]{64}']}\n").matched(0), (Pids{301, 302}));
  // Any regex of the list.
  EXPECT_EQ(Select("processes:\n  - match: {cgroup: ['nginx\\.service$', 'cron']}\n").matched(0),
            (Pids{100, 101, 400, 401, 402}));
}

using proctree::testing::TempDir;

TEST(ProcessSelection, PidFile) {
  TempDir dir;
  const std::string pid_file = dir.file("app.pid", "201\n");
  EXPECT_EQ(Select("processes:\n  - match: {pid_file: '" + pid_file + "'}\n").matched(0), (Pids{201}));
  // Read at each Assign: a rewritten file moves the match.
  dir.file("app.pid", "301");
  EXPECT_EQ(Select("processes:\n  - match: {pid_file: '" + pid_file + "'}\n").matched(0), (Pids{301}));
  // A missing, empty or garbage file matches nothing.
  for (const std::string& content : {std::string(""), std::string("abc\n"), std::string("-1\n"), std::string("0\n")}) {
    const std::string p = dir.file("bad.pid", content);
    EXPECT_TRUE(Select("processes:\n  - match: {pid_file: '" + p + "'}\n").matched(0).empty()) << content;
  }
  EXPECT_TRUE(Select("processes:\n  - match: {pid_file: '" + dir.file("x", "") + ".missing'}\n").matched(0).empty());
  // Combined with another condition: both must hold.
  dir.file("app.pid", "201\n");
  EXPECT_TRUE(Select("processes:\n  - match: {pid_file: '" + pid_file + "', comm: [sleep]}\n").matched(0).empty());
}

// Read at every scrape: a FIFO there blocked the scrape in open() for good.
TEST(ProcessSelection, PidFileThatIsNotARegularFileMatchesNothing) {
  TempDir dir;
  const std::string fifo = (dir.path() / "app.pid").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  for (const std::string& p : {fifo, std::string("/dev/zero"), dir.path().string()})
    EXPECT_TRUE(Select("processes:\n  - match: {pid_file: '" + p + "'}\n").matched(0).empty()) << p;
  // Nor does one larger than a pid file can be (kMaxPidFileBytes), whatever it starts with.
  const std::string big = dir.file("big.pid", "201\n" + std::string(8192, ' '));
  EXPECT_TRUE(Select("processes:\n  - match: {pid_file: '" + big + "'}\n").matched(0).empty());
}

TEST(ProcessSelection, Ancestor) {
  // Some proper ancestor is bash: the descendants of 200, not 200 itself.
  EXPECT_EQ(Select("processes:\n  - match: {ancestor: {comm: [bash]}}\n").matched(0), (Pids{201, 202, 203}));
  EXPECT_EQ(Select("processes:\n  - match: {comm: [sleep], ancestor: {comm: [bash]}}\n").matched(0), (Pids{202}));
  // Any ancestor: 402's sleep has only root-owned ancestors.
  EXPECT_EQ(Select("processes:\n  - match: {comm: [sleep], ancestor: {user: ['1000']}}\n").matched(0), (Pids{202}));
  EXPECT_EQ(Select("processes:\n  - match: {comm: [sleep], ancestor: {comm: [cron]}}\n").matched(0), (Pids{402}));
  // Nested: a sleep below a python3 that is itself below a bash.
  EXPECT_EQ(Select("processes:\n  - match: {comm: [sleep], ancestor: {comm: [python3], ancestor: {comm: [bash]}}}\n")
                .matched(0),
            (Pids{202}));
  EXPECT_TRUE(Select("processes:\n  - match: {comm: [sleep], ancestor: {comm: [python3], ancestor: {comm: [cron]}}}\n")
                  .matched(0)
                  .empty());
  // Conditions on the ancestor all hold on one ancestor.
  EXPECT_TRUE(Select("processes:\n  - match: {comm: [sleep], ancestor: {comm: [bash], user: ['0']}}\n").matched(0).empty());
  // A kernel worker below kthreadd.
  EXPECT_EQ(Select("processes:\n  - match: {ancestor: {comm: [kthreadd]}}\n").matched(0), (Pids{3}));
}

TEST(ProcessSelection, AncestorIsProper) {
  std::vector<ProcessSample> ps = {Proc(10, 0, "bash"), Proc(11, 10, "bash"), Proc(12, 11, "bash")};
  EXPECT_EQ(Select("processes:\n  - match: {comm: [bash], ancestor: {comm: [bash]}}\n", ps).matched(0), (Pids{11, 12}));
}

// ---------------------------------------------------------------------------
// Templates

TEST(ProcessSelection, TemplatesRenderEveryField) {
  const Result r = Select(R"(
processes:
  - match: {comm: [nginx]}
    group: "{comm}|{exe_base}|{exe}|{user}|{pid}"
  - match: {cmdline: ['--config=(?P<cfg>\S+)']}
    group: "py:{match:cfg}"
  - match: {cgroup: ['docker-']}
    group: "c:{container_id}"
  - match: {comm: [cron]}
    group: "{cgroup}"
unmatched: {group: none}
)");
  EXPECT_EQ(r.group(100), "nginx|nginx|/usr/sbin/nginx|root|100");
  EXPECT_EQ(r.group(101), "nginx|nginx|/usr/sbin/nginx|" + r.facts[static_cast<std::size_t>(r.index(101))].user + "|101");
  EXPECT_EQ(r.group(201), "py:/etc/app.yml");
  EXPECT_EQ(r.group(301), "c:" + kContainerId);
  EXPECT_EQ(r.group(302), "c:" + kContainerId);
  EXPECT_EQ(r.group(400), "/system.slice/cron.service");
}

TEST(ProcessSelection, TemplateUserFallsBackToUid) {
  // A uid without a passwd entry renders as the number.
  std::vector<ProcessSample> ps = {Proc(10, 0, "x").uid(3999999)};
  EXPECT_EQ(Select("processes:\n  - match: {comm: [x]}\n    group: 'u:{user}'\n", ps).group(10), "u:3999999");
}

TEST(ProcessSelection, TemplateMatchesFromSeveralRegexes) {
  const Result r = Select(R"(
processes:
  - match: {cmdline: ['^(?P<interp>\S+) ', '(?P<script>\S+)\.py']}
    group: "{match:interp}/{match:script}"
unmatched: {group: none}
)");
  EXPECT_EQ(r.group(201), "python3/app");
  EXPECT_EQ(r.group(203), "python3/worker");
}

TEST(ProcessSelection, DefaultGroupIsComm) {
  const Result r = Select("processes:\n  - match: {exe: [python3.12]}\n");
  EXPECT_EQ(r.group(201), "python3");
}

TEST(ProcessSelection, LiteralGroup) {
  EXPECT_EQ(Select("processes:\n  - match: {comm: [cron]}\n    group: jobs\n").group(400), "jobs");
}

// ---------------------------------------------------------------------------
// per_process and tree-aware groups

TEST(ProcessSelection, PerProcess) {
  const Result r = Select(R"(
processes:
  - match: {comm: [nginx]}
    per_process: false
  - match: {comm: [cron]}
unmatched: {per_process: false}
)");
  EXPECT_FALSE(r.of(100).per_process);
  EXPECT_FALSE(r.of(101).per_process);
  EXPECT_TRUE(r.of(400).per_process);
  // Unmatched processes follow unmatched.per_process, also when they inherit a group.
  EXPECT_FALSE(r.of(401).per_process);
  EXPECT_FALSE(r.of(200).per_process);
  const Result defaults = Select("processes:\n  - match: {comm: [nginx]}\n    per_process: false\n");
  EXPECT_TRUE(defaults.of(200).per_process);
  EXPECT_TRUE(defaults.of(1).per_process);
}

TEST(ProcessSelection, UnmatchedChildInheritsNearestMatchedAncestor) {
  const Result r = Select(R"(
processes:
  - match: {comm: [bash]}
    group: shell
  - match: {cmdline: ['app\.py']}
    group: app
  - match: {comm: [containerd-shim]}
    group: "shim-{pid}"
unmatched: {group: none}
)");
  EXPECT_EQ(r.group(200), "shell");
  EXPECT_EQ(r.group(201), "app");
  EXPECT_EQ(r.selector(202), -1);
  EXPECT_EQ(r.group(202), "app");    // parent 201 matched: the nearest, not bash
  EXPECT_EQ(r.group(203), "app");
  EXPECT_EQ(r.group(301), "shim-300");  // the ancestor's rendered group, not re-rendered for the child
  EXPECT_EQ(r.group(302), "shim-300");  // two generations down
  // No matched ancestor and group none: no group.
  EXPECT_EQ(r.group(1), "");
  EXPECT_EQ(r.group(401), "");
  EXPECT_EQ(r.group(3), "");
}

TEST(ProcessSelection, UnmatchedWithoutMatchedAncestorFallsBackToAutoGroups) {
  const Result r = Select(R"(
processes:
  - match: {comm: [bash]}
    group: shell
unmatched: {group: auto}
)");
  EXPECT_EQ(r.group(201), "shell");  // inherited, not auto
  EXPECT_EQ(r.group(400), "cron");   // top-most below systemd
  EXPECT_EQ(r.group(401), "cron");
  EXPECT_EQ(r.group(402), "cron");
  EXPECT_EQ(r.group(101), "nginx");
  EXPECT_EQ(r.group(302), "java");   // containerd-shim is a process manager
  EXPECT_EQ(r.group(1), "");         // init never becomes a group
  EXPECT_EQ(r.group(3), "kthreadd");
  // auto is the default.
  EXPECT_EQ(Select("processes:\n  - match: {comm: [bash]}\n").group(402), "cron");
}

TEST(ProcessSelection, NoSelectorsIsAutoGroups) {
  const Result r = Select("");
  for (const auto& a : r.assigned) {
    EXPECT_EQ(a.selector, -1);
    EXPECT_TRUE(a.per_process);
  }
  EXPECT_EQ(r.group(202), "bash");
  EXPECT_EQ(r.group(402), "cron");
}

// ---------------------------------------------------------------------------
// Roots

TEST(ProcessSelection, RootsFromConfig) {
  const Result r = Select(R"(
tree:
  roots:
    - {comm: [nginx]}
    - {cmdline: ['^sleep ']}
)");
  EXPECT_EQ(r.root_pids(), (Pids{100, 101, 202, 402}));
  // A root condition with an ancestor (the sidecar example's shape).
  EXPECT_EQ(Select("tree:\n  roots:\n    - {ancestor: {comm: [containerd-shim]}, cmdline: ['.*']}\n").root_pids(),
            (Pids{301, 302}));
}

TEST(ProcessSelection, DefaultRootsAreProcessesWithChildren) {
  EXPECT_EQ(Select("").root_pids(), (Pids{1, 2, 100, 200, 201, 300, 301, 400, 401}));
  // Selectors do not change the default roots.
  EXPECT_EQ(Select("processes:\n  - match: {comm: [nginx]}\n    per_process: false\n").root_pids(),
            (Pids{1, 2, 100, 200, 201, 300, 301, 400, 401}));
}

TEST(ProcessSelection, AlwaysGroups) {
  EXPECT_EQ(Compile("groups: [app, db]\n")->always_groups(), (std::vector<std::string>{"app", "db"}));
  EXPECT_TRUE(Compile("")->always_groups().empty());
}

// ---------------------------------------------------------------------------
// NeededGroups

std::uint32_t Bits(std::initializer_list<FieldGroup> gs) {
  FieldGroups g;
  for (FieldGroup x : gs) g |= x;
  return g.bits();
}

std::uint32_t Needed(const std::string& yaml) { return Compile(yaml)->NeededGroups().bits(); }
std::uint32_t LabelOnly(const std::string& yaml) { return Compile(yaml)->LabelOnlyGroups().bits(); }

TEST(ProcessSelection, NeededGroupsOnlyWhatTheConfigUses) {
  using G = FieldGroup;
  EXPECT_EQ(Needed(""), 0u);
  EXPECT_EQ(Needed("processes:\n  - match: {comm: [a]}\n    group: '{comm}-{pid}'\n"), 0u);
  EXPECT_EQ(Needed("processes:\n  - match: {exe: [a]}\n"), Bits({G::kExe}));
  EXPECT_EQ(Needed("processes:\n  - match: {cmdline: [a]}\n"), Bits({G::kCmdline}));
  EXPECT_EQ(Needed("processes:\n  - match: {cgroup: [a]}\n"), Bits({G::kCgroup}));
  EXPECT_EQ(Needed("processes:\n  - match: {user: [root]}\n"), Bits({G::kStatus}));
  EXPECT_EQ(Needed("processes:\n  - match: {pid_file: /run/x.pid}\n"), 0u);
  // Inside an ancestor condition too.
  EXPECT_EQ(Needed("processes:\n  - match: {comm: [a], ancestor: {cgroup: [x], ancestor: {user: ['0']}}}\n"),
            Bits({G::kCgroup, G::kStatus}));
  // Templates.
  EXPECT_EQ(Needed("processes:\n  - match: {comm: [a]}\n    group: '{exe_base}'\n"), Bits({G::kExe}));
  EXPECT_EQ(Needed("processes:\n  - match: {comm: [a]}\n    group: '{exe}'\n"), Bits({G::kExe}));
  EXPECT_EQ(Needed("processes:\n  - match: {comm: [a]}\n    group: '{user}'\n"), Bits({G::kStatus}));
  EXPECT_EQ(Needed("processes:\n  - match: {comm: [a]}\n    group: '{container_id}'\n"), Bits({G::kCgroup}));
  EXPECT_EQ(Needed("processes:\n  - match: {comm: [a]}\n    group: '{cgroup}'\n"), Bits({G::kCgroup}));
  // Labels: of the labelled processes only, unless matching needs the group too.
  EXPECT_EQ(Needed("labels: {exe: true, cgroup: true, container_id: true, cmdline: true}\n"), 0u);
  EXPECT_EQ(LabelOnly("labels: {exe: true}\n"), Bits({G::kExe}));
  EXPECT_EQ(LabelOnly("labels: {cgroup: true}\n"), Bits({G::kCgroup}));
  EXPECT_EQ(LabelOnly("labels: {container_id: true}\n"), Bits({G::kCgroup}));
  EXPECT_EQ(LabelOnly("labels: {cmdline: true}\n"), Bits({G::kCmdline}));
  EXPECT_EQ(LabelOnly("labels: {exe: false, cgroup: false, container_id: false, cmdline: false}\n"), 0u);
  EXPECT_EQ(LabelOnly("labels: {exe: true}\nprocesses:\n  - match: {exe: [a]}\n"), 0u);
  EXPECT_EQ(LabelOnly("labels: {cgroup: true}\nprocesses:\n  - match: {comm: [a]}\n    group: '{cgroup}'\n"), 0u);
  EXPECT_EQ(LabelOnly("labels: {cmdline: true}\ntree:\n  roots: [{cmdline: ['.*']}]\n"), 0u);
  EXPECT_EQ(LabelOnly("labels: {exe: true, cmdline: true}\nprocesses:\n  - match: {cmdline: [a]}\n"), Bits({G::kExe}));
  // The user label's uid comes with status, read of every process.
  EXPECT_EQ(Needed("labels: {user: true}\n"), Bits({G::kStatus}));
  EXPECT_EQ(LabelOnly("labels: {user: true}\n"), 0u);
  // tree.roots.
  EXPECT_EQ(Needed("tree:\n  roots: [{cmdline: ['.*']}]\n"), Bits({G::kCmdline}));
  EXPECT_EQ(Needed("tree:\n  roots: [{exe: [x]}]\n"), Bits({G::kExe}));
  // Everything at once.
  EXPECT_EQ(Needed("processes:\n  - match: {exe: [a], cmdline: [b], cgroup: [c], user: [d]}\n"),
            Bits({G::kExe, G::kCmdline, G::kCgroup, G::kStatus}));
  // Never a metrics group.
  const std::uint32_t all = Needed("processes:\n  - match: {exe: [a], cmdline: [b], cgroup: [c], user: [d]}\n"
                                   "labels: {exe: true, cgroup: true, container_id: true, cmdline: true}\n");
  EXPECT_EQ(all & Bits({G::kStat, G::kMemory, G::kIo, G::kFds, G::kLimits}), 0u);
}

TEST(ProcessSelection, FactsReadOnlyWhatIsNeeded) {
  // Without a cmdline condition or label the joined cmdline is not computed, nor the user.
  const Result plain = Select("processes:\n  - match: {comm: [python3]}\n");
  const ProcessFacts& f = plain.facts[static_cast<std::size_t>(plain.index(201))];
  EXPECT_EQ(f.cmdline, "");
  EXPECT_EQ(f.user, "");
  EXPECT_EQ(f.exe_base, "python3.12");
  const Result full = Select("processes:\n  - match: {cmdline: [x], user: [root], cgroup: [y]}\n");
  const ProcessFacts& g = full.facts[static_cast<std::size_t>(full.index(301))];
  EXPECT_EQ(g.cmdline, "java -jar /app/service.jar");
  EXPECT_EQ(g.cgroup_path, "/system.slice/docker-" + kContainerId + ".scope");
  EXPECT_EQ(g.container_id, kContainerId);
  EXPECT_EQ(full.facts[static_cast<std::size_t>(full.index(100))].user, "root");
}

TEST(ProcessSelection, NoFactsWhenNothingReadsThem) {
  // The embedded default's shape: no selector, no root, no label that needs a fact.
  const Result none = Select("unmatched: {group: auto}\n");
  EXPECT_TRUE(none.facts.empty());
  EXPECT_FALSE(none.assigned.empty());
  EXPECT_FALSE(none.roots.empty());
  for (const char* needs : {"tree: {roots: [{comm: [init]}]}\n", "processes:\n  - match: {comm: [python3]}\n"})
    EXPECT_EQ(Select(needs).facts.size(), none.assigned.size()) << needs;
  // Labels are derived from the samples of the labelled processes, not from facts.
  for (const char* labels : {"labels: {user: true}\n", "labels: {cgroup: true, exe: true, cmdline: true}\n"})
    EXPECT_TRUE(Select(labels).facts.empty()) << labels;
}

}  // namespace
}  // namespace proctree
