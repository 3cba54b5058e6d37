// ParseConfig on YAML strings: every class of invalid input is rejected with
// the exact "<source>:<line>:<column>: <reason>" message, a full valid config
// lands in the expected struct values, an empty file means the defaults, and
// MetricsPolicy lets deny win over allow.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "exporter/metrics/metric_catalog.h"

namespace proctree {
namespace {

const ConfigSchemaContext& Ctx() {
  static const ConfigSchemaContext ctx{CatalogNames()};
  return ctx;
}

// The error ParseConfig gives for `yaml` (source "t.yml"); fails the test when it parses.
std::string ErrorOf(const std::string& yaml) {
  Config cfg;
  std::string error;
  const bool ok = ParseConfig(yaml, "t.yml", Ctx(), &cfg, &error);
  EXPECT_FALSE(ok) << "parsed, but should not have:\n" << yaml;
  return error;
}

Config Parsed(const std::string& yaml) {
  Config cfg;
  std::string error;
  EXPECT_TRUE(ParseConfig(yaml, "t.yml", Ctx(), &cfg, &error)) << error << "\n" << yaml;
  return cfg;
}

// ---------------------------------------------------------------------------
// Unknown keys

TEST(ConfigSchema, UnknownTopLevelKey) {
  EXPECT_EQ(ErrorOf("metrics:\n"
                    "  allow: ['*']\n"
                    "bogus: 1\n"),
            "t.yml:3:1: unknown key \"bogus\" in the top level "
            "(allowed: exits, groups, labels, limits, memory, metrics, processes, top_n, tree, unmatched)");
}

TEST(ConfigSchema, UnknownKeyInSelector) {
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match: {comm: [a]}\n"
                    "    grup: x\n"),
            "t.yml:3:5: unknown key \"grup\" in processes[0] (allowed: group, match, memory, name, per_process)");
  // The index names the selector at fault.
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match: {comm: [a]}\n"
                    "  - match: {comm: [b]}\n"
                    "    per_proces: false\n"),
            "t.yml:4:5: unknown key \"per_proces\" in processes[1] (allowed: group, match, memory, name, per_process)");
}

TEST(ConfigSchema, UnknownKeyInMatch) {
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match: {comm: [a], exe_name: [b]}\n"),
            "t.yml:2:24: unknown key \"exe_name\" in processes[0].match "
            "(allowed: ancestor, cgroup, cmdline, comm, exe, pid_file, user)");
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match:\n"
                    "      ancestor:\n"
                    "        command: [bash]\n"),
            "t.yml:4:9: unknown key \"command\" in processes[0].match.ancestor "
            "(allowed: ancestor, cgroup, cmdline, comm, exe, pid_file, user)");
}

TEST(ConfigSchema, UnknownKeyInLabels) {
  EXPECT_EQ(ErrorOf("labels:\n"
                    "  exe: true\n"
                    "  cmd_line: true\n"),
            "t.yml:3:3: unknown key \"cmd_line\" in labels "
            "(allowed: cgroup, cmdline, cmdline_max_length, container_id, exe, user)");
}

TEST(ConfigSchema, UnknownKeyInOtherSections) {
  EXPECT_EQ(ErrorOf("metrics:\n  alow: ['*']\n"),
            "t.yml:2:3: unknown key \"alow\" in metrics (allowed: allow, deny)");
  EXPECT_EQ(ErrorOf("unmatched:\n  groups: auto\n"),
            "t.yml:2:3: unknown key \"groups\" in unmatched (allowed: group, memory, per_process)");
  EXPECT_EQ(ErrorOf("tree:\n  root: []\n"),
            "t.yml:2:3: unknown key \"root\" in tree (allowed: max_ancestor_depth, roots)");
  EXPECT_EQ(ErrorOf("limits:\n  max_process: 3\n"),
            "t.yml:2:3: unknown key \"max_process\" in limits (allowed: max_processes, max_series, memory_maps_per_process)");
}

// ---------------------------------------------------------------------------
// Wrong types

TEST(ConfigSchema, StringWhereListExpected) {
  EXPECT_EQ(ErrorOf("groups: app\n"), "t.yml:1:9: groups must be a list of strings");
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match: {comm: nginx}\n"),
            "t.yml:2:19: processes[0].match.comm must be a list of strings");
  EXPECT_EQ(ErrorOf("metrics:\n  deny: proctree_process_nice\n"), "t.yml:2:9: metrics.deny must be a list of strings");
  EXPECT_EQ(ErrorOf("processes: nginx\n"), "t.yml:1:12: processes must be a list of selectors");
  EXPECT_EQ(ErrorOf("tree:\n  roots: {comm: [a]}\n"), "t.yml:2:10: tree.roots must be a list of match conditions");
}

TEST(ConfigSchema, ListEntryThatIsNotAString) {
  EXPECT_EQ(ErrorOf("groups: [app, [nested]]\n"), "t.yml:1:15: groups entries must be a string");
}

TEST(ConfigSchema, MappingExpected) {
  EXPECT_EQ(ErrorOf("labels: [exe]\n"), "t.yml:1:9: labels must be a mapping");
  EXPECT_EQ(ErrorOf("- a\n- b\n"), "t.yml:1:1: the top level must be a mapping");
}

TEST(ConfigSchema, BoolThatIsNotABool) {
  EXPECT_EQ(ErrorOf("unmatched:\n  per_process: maybe\n"), "t.yml:2:16: unmatched.per_process must be true or false");
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match: {comm: [a]}\n"
                    "    per_process: maybe\n"),
            "t.yml:3:18: processes[0].per_process must be true or false");
  EXPECT_EQ(ErrorOf("labels:\n  exe: [true]\n"), "t.yml:2:8: labels.exe must be true or false");
}

TEST(ConfigSchema, NegativeCount) {
  EXPECT_EQ(ErrorOf("limits:\n  max_processes: -3\n"), "t.yml:2:18: limits.max_processes must be a whole number");
  EXPECT_EQ(ErrorOf("limits:\n  memory_maps_per_process: 2.5\n"),
            "t.yml:2:28: limits.memory_maps_per_process must be a whole number");
  EXPECT_EQ(ErrorOf("limits:\n  max_processes: lots\n"), "t.yml:2:18: limits.max_processes must be a whole number");
}

// ---------------------------------------------------------------------------
// Regexes

TEST(ConfigSchema, InvalidRegexInCmdline) {
  // The second entry is at fault, and the message says so by its position.
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match:\n"
                    "      cmdline: ['ok', '(unclosed']\n"),
            "t.yml:3:23: invalid regex in processes[0].match.cmdline: missing ): (unclosed");
}

TEST(ConfigSchema, InvalidRegexInCgroup) {
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match:\n"
                    "      cgroup:\n"
                    "        - 'docker-[z-a]'\n"),
            "t.yml:4:11: invalid regex in processes[0].match.cgroup: invalid character class range: z-a");
  // Also inside tree.roots, which have no template to feed.
  EXPECT_EQ(ErrorOf("tree:\n"
                    "  roots:\n"
                    "    - {cgroup: ['a**']}\n"),
            "t.yml:3:17: invalid regex in tree.roots[0].cgroup: bad repetition operator: **");
}

// ---------------------------------------------------------------------------
// metrics.allow / metrics.deny

TEST(ConfigSchema, UnknownFamilyInAllow) {
  EXPECT_EQ(ErrorOf("metrics:\n"
                    "  allow: [proctree_process_cpu_seconds_total, proctree_process_cpu]\n"),
            "t.yml:2:47: \"proctree_process_cpu\" in metrics.allow matches no metric family");
}

TEST(ConfigSchema, UnknownPatternInDeny) {
  EXPECT_EQ(ErrorOf("metrics:\n"
                    "  deny:\n"
                    "    - proctree_process_io_*\n"
                    "    - 'proctree_zzz_*'\n"),
            "t.yml:4:7: \"proctree_zzz_*\" in metrics.deny matches no metric family");
}

// ---------------------------------------------------------------------------
// Name templates

TEST(ConfigSchema, UnknownTemplateField) {
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match: {comm: [a]}\n"
                    "    group: \"x-{bogus}\"\n"),
            "t.yml:3:12: unknown template field {bogus} (known: {comm}, {exe}, {exe_base}, {user}, {cgroup}, "
            "{container_id}, {pid}, {match:NAME})");
}

TEST(ConfigSchema, MatchFieldWithoutSuchCaptureGroup) {
  const std::string reason =
      ": template field {match:conf} names no capture group of this selector's cmdline regexes";
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match: {cmdline: ['--config=(?P<cfg>\\S+)']}\n"
                    "    group: \"{match:conf}\"\n"),
            "t.yml:3:12" + reason);
  // A capture group of another selector does not count.
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match: {cmdline: ['--config=(?P<conf>\\S+)']}\n"
                    "    group: \"{match:conf}\"\n"
                    "  - match: {comm: [b]}\n"
                    "    group: \"{match:conf}\"\n"),
            "t.yml:5:12" + reason);
  // Nor does one in the ancestor's cmdline: its matches are not rendered.
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match:\n"
                    "      comm: [b]\n"
                    "      ancestor: {cmdline: ['--config=(?P<conf>\\S+)']}\n"
                    "    group: \"{match:conf}\"\n"),
            "t.yml:5:12" + reason);
  // With the group present it parses.
  Parsed("processes:\n"
         "  - match: {cmdline: ['--config=(?P<conf>\\S+)']}\n"
         "    group: \"{match:conf}\"\n");
}

TEST(ConfigSchema, UnclosedBrace) {
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match: {comm: [a]}\n"
                    "    group: \"{comm\"\n"),
            "t.yml:3:12: unclosed '{' in name template \"{comm\"");
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match: {comm: [a]}\n"
                    "    group: \"{comm}-{\"\n"),
            "t.yml:3:12: unclosed '{' in name template \"{comm}-{\"");
}

// ---------------------------------------------------------------------------
// Selectors

TEST(ConfigSchema, SelectorWithoutMatch) {
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - name: x\n"
                    "    group: y\n"),
            "t.yml:2:5: processes[0] needs a match");
}

TEST(ConfigSchema, EmptyMatch) {
  const std::string reason =
      " has no conditions; a selector that matches everything must say so, e.g. cmdline: ['.*']";
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match: {}\n"),
            "t.yml:2:12: processes[0].match" + reason);
  EXPECT_EQ(ErrorOf("processes:\n"
                    "  - match: {comm: [a], ancestor: {}}\n"),
            "t.yml:2:34: processes[0].match.ancestor" + reason);
  EXPECT_EQ(ErrorOf("tree:\n  roots: [{}]\n"), "t.yml:2:11: tree.roots[0]" + reason);
}

TEST(ConfigSchema, UnmatchedGroupMustBeAutoOrNone) {
  EXPECT_EQ(ErrorOf("unmatched:\n  group: everything\n"), "t.yml:2:10: unmatched.group must be auto or none");
  EXPECT_EQ(ErrorOf("unmatched:\n  group: Auto\n"), "t.yml:2:10: unmatched.group must be auto or none");
}

TEST(ConfigSchema, CmdlineMaxLengthAtLeast16) {
  EXPECT_EQ(ErrorOf("labels:\n  cmdline_max_length: 15\n"), "t.yml:2:23: labels.cmdline_max_length must be at least 16");
  EXPECT_EQ(ErrorOf("labels:\n  cmdline_max_length: 0\n"), "t.yml:2:23: labels.cmdline_max_length must be at least 16");
  EXPECT_EQ(Parsed("labels:\n  cmdline_max_length: 16\n").labels.cmdline_max_length, 16u);
}

// ---------------------------------------------------------------------------
// YAML syntax

TEST(ConfigSchema, YamlSyntaxError) {
  // yaml-cpp's own message, at the position where it noticed: the end of the
  // input for an unclosed flow sequence, the mis-indented key for a broken map.
  EXPECT_EQ(ErrorOf("metrics:\n"
                    "  allow: [a, b\n"),
            "t.yml:3:1: end of sequence flow not found");
  EXPECT_EQ(ErrorOf("labels:\n"
                    "  exe: true\n"
                    " cgroup: true\n"),
            "t.yml:3:2: end of map not found");
  EXPECT_EQ(ErrorOf("metrics: deny: x\n"), "t.yml:1:14: illegal map value");
  EXPECT_EQ(ErrorOf("metrics:\n  allow: [a]]\n"), "t.yml:2:13: illegal flow end");
}

TEST(ConfigSchema, SourceNameIsUsedVerbatim) {
  Config cfg;
  std::string error;
  ASSERT_FALSE(ParseConfig("bogus: 1\n", "/etc/proctree/config.yml", Ctx(), &cfg, &error));
  EXPECT_EQ(error.rfind("/etc/proctree/config.yml:1:1: unknown key \"bogus\"", 0), 0u) << error;
}

TEST(ConfigSchema, FailedParseLeavesOutputUntouched) {
  Config cfg;
  cfg.groups = {"sentinel"};
  std::string error;
  ASSERT_FALSE(ParseConfig("groups: [a]\nbogus: 1\n", "t.yml", Ctx(), &cfg, &error));
  EXPECT_EQ(cfg.groups, std::vector<std::string>{"sentinel"});
}

TEST(ConfigSchema, LoadConfigFileNamesThePath) {
  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "proctree-schema-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
  const fs::path dir = tmpl;
  const std::string path = (dir / "bad.yml").string();
  {
    std::ofstream(path) << "# comment\nlimits:\n  max_processes: -3\n";
  }
  Config cfg;
  std::string error;
  EXPECT_FALSE(LoadConfigFile(path, Ctx(), &cfg, &error));
  EXPECT_EQ(error, path + ":3:18: limits.max_processes must be a whole number");
  const std::string missing = (dir / "missing.yml").string();
  EXPECT_FALSE(LoadConfigFile(missing, Ctx(), &cfg, &error));
  EXPECT_EQ(error, missing + ": cannot open config file");
  std::error_code ec;
  fs::remove_all(dir, ec);
}

// ---------------------------------------------------------------------------
// Valid configs

TEST(ConfigSchema, EmptyFileMeansDefaults) {
  for (const char* yaml : {"", "\n", "# nothing but a comment\n", "~\n", "---\n"}) {
    SCOPED_TRACE(::testing::Message() << "yaml: '" << yaml << "'");
    const Config cfg = Parsed(yaml);
    EXPECT_EQ(cfg.metrics.allow, std::vector<std::string>{"*"});
    EXPECT_EQ(cfg.metrics.deny, std::vector<std::string>{"proctree_process_oom_score_adj"});  // opt-in
    EXPECT_TRUE(cfg.processes.empty());
    EXPECT_TRUE(cfg.groups.empty());
    EXPECT_TRUE(cfg.unmatched.per_process);
    EXPECT_EQ(cfg.unmatched.group, UnmatchedPolicy::Group::kAuto);
    EXPECT_TRUE(cfg.tree_roots.empty());
    EXPECT_FALSE(cfg.labels.exe);
    EXPECT_FALSE(cfg.labels.cgroup);
    EXPECT_FALSE(cfg.labels.container_id);
    EXPECT_FALSE(cfg.labels.cmdline);
    EXPECT_EQ(cfg.labels.cmdline_max_length, 256u);
    EXPECT_EQ(cfg.limits.max_processes, 0u);
    EXPECT_EQ(cfg.limits.memory_maps_per_process, 20u);
  }
}

TEST(ConfigSchema, FullConfigParsesIntoExpectedValues) {
  const Config cfg = Parsed(R"(# every key once
metrics:
  allow: ['proctree_process_*', proctree_group_processes]
  deny: [proctree_process_io_*]
processes:
  - name: web
    match:
      comm: [nginx, httpd]
      exe: [/usr/sbin/nginx, httpd]
      user: [www-data, "33"]
    group: "web:{comm}"
    per_process: false
  - match:
      cmdline: ['^java ', '-jar\s+(?P<jar>\S+)']
      cgroup: ['/kubepods/']
      pid_file: /run/app.pid
      ancestor:
        comm: [containerd-shim]
        ancestor: {user: [root]}
    group: "{exe_base}-{match:jar}-{container_id}"
groups: [web, app]
unmatched:
  per_process: false
  group: none
tree:
  roots:
    - {comm: [sshd]}
    - {ancestor: {comm: [pause]}, cmdline: ['.*']}
labels:
  exe: true
  cgroup: true
  container_id: true
  cmdline: yes
  cmdline_max_length: 64
limits:
  max_processes: 500
  memory_maps_per_process: 7
)");
  EXPECT_EQ(cfg.metrics.allow, (std::vector<std::string>{"proctree_process_*", "proctree_group_processes"}));
  EXPECT_EQ(cfg.metrics.deny, (std::vector<std::string>{"proctree_process_io_*"}));

  ASSERT_EQ(cfg.processes.size(), 2u);
  const ProcessSelector& web = cfg.processes[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.match.comm, (std::vector<std::string>{"nginx", "httpd"}));
  EXPECT_EQ(web.match.exe, (std::vector<std::string>{"/usr/sbin/nginx", "httpd"}));
  EXPECT_EQ(web.match.user, (std::vector<std::string>{"www-data", "33"}));
  EXPECT_TRUE(web.match.cmdline.empty());
  EXPECT_TRUE(web.match.cgroup.empty());
  EXPECT_TRUE(web.match.pid_file.empty());
  EXPECT_EQ(web.match.ancestor, nullptr);
  EXPECT_EQ(web.group, "web:{comm}");
  EXPECT_FALSE(web.per_process);

  const ProcessSelector& app = cfg.processes[1];
  EXPECT_EQ(app.name, "");
  EXPECT_EQ(app.match.cmdline, (std::vector<std::string>{"^java ", "-jar\\s+(?P<jar>\\S+)"}));
  EXPECT_EQ(app.match.cgroup, (std::vector<std::string>{"/kubepods/"}));
  EXPECT_EQ(app.match.pid_file, "/run/app.pid");
  ASSERT_NE(app.match.ancestor, nullptr);
  EXPECT_EQ(app.match.ancestor->comm, (std::vector<std::string>{"containerd-shim"}));
  ASSERT_NE(app.match.ancestor->ancestor, nullptr);
  EXPECT_EQ(app.match.ancestor->ancestor->user, (std::vector<std::string>{"root"}));
  EXPECT_EQ(app.match.ancestor->ancestor->ancestor, nullptr);
  EXPECT_EQ(app.group, "{exe_base}-{match:jar}-{container_id}");
  EXPECT_TRUE(app.per_process);  // the default

  EXPECT_EQ(cfg.groups, (std::vector<std::string>{"web", "app"}));
  EXPECT_FALSE(cfg.unmatched.per_process);
  EXPECT_EQ(cfg.unmatched.group, UnmatchedPolicy::Group::kNone);
  ASSERT_EQ(cfg.tree_roots.size(), 2u);
  EXPECT_EQ(cfg.tree_roots[0].comm, (std::vector<std::string>{"sshd"}));
  EXPECT_EQ(cfg.tree_roots[1].cmdline, (std::vector<std::string>{".*"}));
  ASSERT_NE(cfg.tree_roots[1].ancestor, nullptr);
  EXPECT_EQ(cfg.tree_roots[1].ancestor->comm, (std::vector<std::string>{"pause"}));
  EXPECT_TRUE(cfg.labels.exe);
  EXPECT_TRUE(cfg.labels.cgroup);
  EXPECT_TRUE(cfg.labels.container_id);
  EXPECT_TRUE(cfg.labels.cmdline);
  EXPECT_EQ(cfg.labels.cmdline_max_length, 64u);
  EXPECT_EQ(cfg.limits.max_processes, 500u);
  EXPECT_EQ(cfg.limits.memory_maps_per_process, 7u);
}

TEST(ConfigSchema, SelectorDefaults) {
  const Config cfg = Parsed("processes:\n  - match: {comm: [a]}\n");
  ASSERT_EQ(cfg.processes.size(), 1u);
  EXPECT_EQ(cfg.processes[0].group, "{comm}");
  EXPECT_TRUE(cfg.processes[0].per_process);
  EXPECT_EQ(cfg.processes[0].name, "");
}

// ---------------------------------------------------------------------------
// MetricsPolicy

TEST(ConfigSchema, DenyWinsOverAllowWithGlobs) {
  const Config cfg = Parsed("metrics:\n"
                            "  allow: ['proctree_process_*', proctree_subtree_io_bytes_total]\n"
                            "  deny: ['proctree_process_io_*', '*_io_bytes_total']\n");
  const MetricsPolicy& p = cfg.metrics;
  EXPECT_TRUE(p.Allows("proctree_process_cpu_seconds_total"));
  EXPECT_TRUE(p.Allows("proctree_process_nice"));
  EXPECT_FALSE(p.Allows("proctree_process_io_bytes_total"));    // allowed by glob, denied by glob
  EXPECT_FALSE(p.Allows("proctree_process_io_syscalls_total"));
  EXPECT_FALSE(p.Allows("proctree_subtree_io_bytes_total"));    // allowed by name, denied by glob
  EXPECT_FALSE(p.Allows("proctree_subtree_cpu_seconds_total"));  // not allowed at all
  EXPECT_FALSE(p.Allows("process_cpu_seconds_total"));

  const EnabledFamilies e = EnabledFamilies::FromPolicy(p);
  EXPECT_TRUE(e.has(Fam::kProcessCpu));
  EXPECT_FALSE(e.has(Fam::kProcessIoBytes));
  EXPECT_FALSE(e.has(Fam::kSubtreeIoBytes));
  EXPECT_FALSE(e.has(Fam::kGroupProcesses));
  EXPECT_FALSE(e.RequiredGroups().has(FieldGroup::kIo));
}

TEST(ConfigSchema, MaxAncestorDepth) {
  EXPECT_EQ(Parsed("metrics:\n  allow: ['*']\n").tree_max_ancestor_depth, 16u);
  EXPECT_EQ(Parsed("tree:\n  max_ancestor_depth: 3\n").tree_max_ancestor_depth, 3u);
  EXPECT_EQ(Parsed("tree:\n  max_ancestor_depth: 1024\n").tree_max_ancestor_depth, 1024u);
  EXPECT_EQ(ErrorOf("tree:\n  max_ancestor_depth: 0\n"),
            "t.yml:2:23: tree.max_ancestor_depth must be between 1 and 1024");
  EXPECT_EQ(ErrorOf("tree:\n  max_ancestor_depth: 1025\n"),
            "t.yml:2:23: tree.max_ancestor_depth must be between 1 and 1024");
  EXPECT_EQ(ErrorOf("tree:\n  max_ancestor_depth: -1\n"), "t.yml:2:23: tree.max_ancestor_depth must be a whole number");
  EXPECT_EQ(ErrorOf("tree:\n  max_ancestor_depth: [16]\n"),
            "t.yml:2:23: tree.max_ancestor_depth must be a whole number");
}

TEST(ConfigSchema, TopN) {
  const Config off = Parsed("metrics:\n  allow: ['*']\n");
  EXPECT_FALSE(off.top_n.Enabled());
  EXPECT_EQ(off.top_n.hold_seconds, 300);
  const Config on = Parsed("top_n:\n  by_cpu: 7\n  by_io: 2\n  hold_seconds: 3.5\n");
  EXPECT_TRUE(on.top_n.Enabled());
  EXPECT_EQ(on.top_n.by_cpu, 7u);
  EXPECT_EQ(on.top_n.by_memory, 0u);
  EXPECT_EQ(on.top_n.by_io, 2u);
  EXPECT_EQ(on.top_n.hold_seconds, 3.5);
  EXPECT_FALSE(Parsed("top_n:\n  by_cpu: 0\n  by_memory: 0\n").top_n.Enabled());
  EXPECT_EQ(ErrorOf("top_n:\n  by_cpu: -1\n"), "t.yml:2:11: top_n.by_cpu must be a whole number");
  EXPECT_EQ(ErrorOf("top_n:\n  by_memory: 100001\n"), "t.yml:2:14: top_n.by_memory must be at most 100000");
  EXPECT_EQ(ErrorOf("top_n:\n  hold_seconds: -2\n"),
            "t.yml:2:17: top_n.hold_seconds must be a number of seconds between 0 and 86400");
  EXPECT_EQ(ErrorOf("top_n:\n  by_rss: 3\n"),
            "t.yml:2:3: unknown key \"by_rss\" in top_n (allowed: by_cpu, by_io, by_memory, hold_seconds)");
}

TEST(ConfigSchema, DenyByExactNameWinsOverAllowStar) {
  const Config cfg = Parsed("metrics:\n  deny: [proctree_process_nice]\n");
  EXPECT_FALSE(cfg.metrics.Allows("proctree_process_nice"));
  EXPECT_TRUE(cfg.metrics.Allows("proctree_process_threads"));
  MetricsPolicy none;
  none.allow = {};
  EXPECT_FALSE(none.Allows("proctree_process_nice"));
}

}  // namespace
}  // namespace proctree

// A section whose lines are all commented out means its defaults.
TEST(ConfigSchemaEmptySection, MeansDefaults) {
  proctree::ConfigSchemaContext ctx{proctree::CatalogNames()};
  proctree::Config c;
  std::string err;
  ASSERT_TRUE(proctree::ParseConfig("labels:\n#  exe: true\nlimits:\nmetrics:\n", "t.yml", ctx, &c, &err)) << err;
  EXPECT_FALSE(c.labels.exe);
  EXPECT_EQ(c.limits.max_processes, 0u);
  ASSERT_EQ(c.metrics.allow.size(), 1u);
  EXPECT_EQ(c.metrics.allow[0], "*");
}

// Shared with the web config (yaml_schema): a key given twice is an error, not "last one wins".
TEST(ConfigSchemaDuplicateKey, IsAnError) {
  proctree::ConfigSchemaContext ctx{proctree::CatalogNames()};
  proctree::Config c;
  std::string err;
  EXPECT_FALSE(proctree::ParseConfig("labels:\n  exe: true\n  exe: false\n", "t.yml", ctx, &c, &err));
  EXPECT_EQ(err, "t.yml:3:3: key \"exe\" appears twice in labels");
}

namespace proctree {
namespace {

TEST(ConfigSchema, Exits) {
  EXPECT_EQ(Parsed("").exits.enabled, ExitsPolicy::Mode::kAuto);
  EXPECT_EQ(Parsed("exits: {enabled: auto}\n").exits.enabled, ExitsPolicy::Mode::kAuto);
  EXPECT_EQ(Parsed("exits: {enabled: true}\n").exits.enabled, ExitsPolicy::Mode::kOn);
  EXPECT_EQ(Parsed("exits: {enabled: false}\n").exits.enabled, ExitsPolicy::Mode::kOff);
  EXPECT_EQ(Parsed("").exits.receive_buffer_bytes, 4u << 20);
  EXPECT_EQ(Parsed("exits: {receive_buffer_bytes: 65536}\n").exits.receive_buffer_bytes, 65536u);
  EXPECT_EQ(ErrorOf("exits: {enabled: sometimes}\n"), "t.yml:1:18: exits.enabled must be true, false or auto");
  EXPECT_NE(ErrorOf("exits: {receive_buffer_bytes: 100}\n").find("between 4096 and 1073741824"), std::string::npos);
  EXPECT_NE(ErrorOf("exits: {buffer: 1}\n").find("unknown key \"buffer\" in exits"), std::string::npos);
}

}  // namespace
}  // namespace proctree
