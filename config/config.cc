#include "config/glob_match.h"
#include "config/config.h"


#include <set>
#include <sstream>

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include "config/default_config.h"  // generated from config/examples/default.yml
#include "config/name_template.h"
#include "probes/util/regular_file.h"
#include "config/yaml/yaml_schema.h"

namespace proctree {

namespace {

using namespace yaml_schema;

bool Glob(const std::string& pattern, std::string_view name) { return GlobMatches(pattern, std::string(name)); }

double Seconds(const YAML::Node& n, const std::string& where) {
  double v = -1;
  if (!n.IsScalar() || !YAML::convert<double>::decode(n, v) || !(v >= 0) || v > 86400)
    Fail(n, where + " must be a number of seconds between 0 and 86400");
  return v;
}

std::uint64_t Bytes(const YAML::Node& n, const std::string& where) {
  const std::string s = n.IsScalar() ? n.Scalar() : "";
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19)
    Fail(n, where + " must be a whole number of bytes");
  return std::stoull(s);
}

void ParseExits(const YAML::Node& e, ExitsPolicy* out) {
  OnlyKeys(e, "exits", {"enabled", "receive_buffer_bytes"});
  if (const YAML::Node n = e["enabled"]) {
    bool on = false;
    if (n.IsScalar() && n.Scalar() == "auto") out->enabled = ExitsPolicy::Mode::kAuto;
    else if (n.IsScalar() && YAML::convert<bool>::decode(n, on)) out->enabled = on ? ExitsPolicy::Mode::kOn : ExitsPolicy::Mode::kOff;
    else Fail(n, "exits.enabled must be true, false or auto");
  }
  if (e["receive_buffer_bytes"]) {
    out->receive_buffer_bytes = Bytes(e["receive_buffer_bytes"], "exits.receive_buffer_bytes");
    if (out->receive_buffer_bytes < 4096 || out->receive_buffer_bytes > (1ull << 30))
      Fail(e["receive_buffer_bytes"], "exits.receive_buffer_bytes must be between 4096 and 1073741824");
  }
}

MemoryReads ParseMemoryReads(const YAML::Node& n, const std::string& where) {
  OnlyKeys(n, where, {"force", "maps", "rollup"});
  MemoryReads m;
  if (n["rollup"]) m.rollup = Bool(n["rollup"], where + ".rollup");
  if (n["maps"]) m.maps = Bool(n["maps"], where + ".maps");
  if (n["force"]) m.force = Bool(n["force"], where + ".force");
  m.rollup = m.rollup || m.maps;
  return m;
}

std::size_t Count(const YAML::Node& n, const std::string& where) {
  const std::string s = n.IsScalar() ? n.Scalar() : "";
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos || s.size() > 9)
    Fail(n, where + " must be a whole number");
  return static_cast<std::size_t>(std::stoul(s));
}

// Compiles each regex once to reject bad ones with RE2's reason, and
// collects named capture groups for template checks.
void CheckRegexes(const YAML::Node& list, const std::vector<std::string>& patterns, const std::string& where,
                  std::vector<std::string>* captures) {
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    RE2::Options opts;
    opts.set_log_errors(false);
    RE2 re(patterns[i], opts);
    if (!re.ok()) Fail(list[i], "invalid regex in " + where + ": " + re.error());
    if (captures)
      for (const auto& [name, idx] : re.NamedCapturingGroups()) captures->push_back(name);
  }
}

MatchSpec ParseMatch(const YAML::Node& n, const std::string& where, std::vector<std::string>* captures) {
  OnlyKeys(n, where, {"ancestor", "cgroup", "cmdline", "comm", "exe", "pid_file", "user"});
  MatchSpec m;
  if (n["comm"]) m.comm = StringList(n["comm"], where + ".comm");
  if (n["exe"]) m.exe = StringList(n["exe"], where + ".exe");
  if (n["cmdline"]) {
    m.cmdline = StringList(n["cmdline"], where + ".cmdline");
    CheckRegexes(n["cmdline"], m.cmdline, where + ".cmdline", captures);
  }
  if (n["user"]) m.user = StringList(n["user"], where + ".user");
  if (n["cgroup"]) {
    m.cgroup = StringList(n["cgroup"], where + ".cgroup");
    CheckRegexes(n["cgroup"], m.cgroup, where + ".cgroup", nullptr);
  }
  if (n["pid_file"]) m.pid_file = String(n["pid_file"], where + ".pid_file");
  if (n["ancestor"]) m.ancestor = std::make_shared<MatchSpec>(ParseMatch(n["ancestor"], where + ".ancestor", nullptr));
  if (m.Empty()) Fail(n, where + " has no conditions; a selector that matches everything must say so, e.g. cmdline: ['.*']");
  return m;
}

TopNPolicy ParseTopN(const YAML::Node& n) {
  OnlyKeys(n, "top_n", {"by_cpu", "by_io", "by_memory", "hold_seconds"});
  TopNPolicy p;
  const auto rank = [&](const char* key, std::size_t* v) {
    if (!n[key]) return;
    *v = Count(n[key], std::string("top_n.") + key);
    if (*v > kMaxTopN) Fail(n[key], std::string("top_n.") + key + " must be at most " + std::to_string(kMaxTopN));
  };
  rank("by_cpu", &p.by_cpu);
  rank("by_memory", &p.by_memory);
  rank("by_io", &p.by_io);
  if (n["hold_seconds"]) p.hold_seconds = Seconds(n["hold_seconds"], "top_n.hold_seconds");
  return p;
}

// A section that is present but empty (every line commented out) means
// its defaults, like an absent one.
YAML::Node Section(const YAML::Node& parent, const char* key) {
  YAML::Node n = parent[key];
  if (n && n.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  return n;
}

class Parser {
 public:
  explicit Parser(const ConfigSchemaContext& ctx) : ctx_(ctx) {}

  void Parse(const YAML::Node& root, Config* out) {
    if (!root || root.IsNull()) return;  // an empty file means all defaults
    OnlyKeys(root, "the top level",
             {"exits", "groups", "labels", "limits", "memory", "metrics", "processes", "top_n", "tree", "unmatched"});
    if (const YAML::Node m = Section(root, "metrics")) {
      OnlyKeys(m, "metrics", {"allow", "deny"});
      if (m["allow"]) out->metrics.allow = FamilyPatterns(m["allow"], "metrics.allow");
      if (m["deny"]) out->metrics.deny = FamilyPatterns(m["deny"], "metrics.deny");
    }
    if (const YAML::Node p = Section(root, "processes")) {
      if (!p.IsSequence()) Fail(p, "processes must be a list of selectors");
      if (p.size() > kMaxSelectors)
        Fail(p, "processes has " + std::to_string(p.size()) + " selectors; at most " + std::to_string(kMaxSelectors) +
                    " are allowed");
      for (std::size_t i = 0; i < p.size(); ++i) out->processes.push_back(Selector(p[i], i));
    }
    if (const YAML::Node g = Section(root, "groups")) {
      if (g.IsSequence() && g.size() > kMaxGroups)
        Fail(g, "groups has " + std::to_string(g.size()) + " entries; at most " + std::to_string(kMaxGroups) +
                    " are allowed");
      out->groups = StringList(g, "groups");
    }
    if (const YAML::Node u = Section(root, "unmatched")) {
      OnlyKeys(u, "unmatched", {"group", "memory", "per_process"});
      if (u["memory"]) out->unmatched.memory = ParseMemoryReads(u["memory"], "unmatched.memory");
      if (u["per_process"]) out->unmatched.per_process = Bool(u["per_process"], "unmatched.per_process");
      if (u["group"]) {
        const std::string g = String(u["group"], "unmatched.group");
        if (g == "auto") out->unmatched.group = UnmatchedPolicy::Group::kAuto;
        else if (g == "none") out->unmatched.group = UnmatchedPolicy::Group::kNone;
        else Fail(u["group"], "unmatched.group must be auto or none");
      }
    }
    if (const YAML::Node t = Section(root, "tree")) {
      OnlyKeys(t, "tree", {"max_ancestor_depth", "roots"});
      if (t["max_ancestor_depth"]) {
        out->tree_max_ancestor_depth = Count(t["max_ancestor_depth"], "tree.max_ancestor_depth");
        if (out->tree_max_ancestor_depth < 1 || out->tree_max_ancestor_depth > kMaxMaxAncestorDepth)
          Fail(t["max_ancestor_depth"],
               "tree.max_ancestor_depth must be between 1 and " + std::to_string(kMaxMaxAncestorDepth));
      }
      if (const YAML::Node r = t["roots"]) {
        if (!r.IsSequence()) Fail(r, "tree.roots must be a list of match conditions");
        for (std::size_t i = 0; i < r.size(); ++i)
          out->tree_roots.push_back(ParseMatch(r[i], "tree.roots[" + std::to_string(i) + "]", nullptr));
      }
    }
    if (const YAML::Node l = Section(root, "labels")) {
      OnlyKeys(l, "labels", {"cgroup", "cmdline", "cmdline_max_length", "container_id", "exe", "user"});
      if (l["user"]) out->labels.user = Bool(l["user"], "labels.user");
      if (l["exe"]) out->labels.exe = Bool(l["exe"], "labels.exe");
      if (l["cgroup"]) out->labels.cgroup = Bool(l["cgroup"], "labels.cgroup");
      if (l["container_id"]) out->labels.container_id = Bool(l["container_id"], "labels.container_id");
      if (l["cmdline"]) out->labels.cmdline = Bool(l["cmdline"], "labels.cmdline");
      if (l["cmdline_max_length"]) {
        out->labels.cmdline_max_length = Count(l["cmdline_max_length"], "labels.cmdline_max_length");
        if (out->labels.cmdline_max_length < 16)
          Fail(l["cmdline_max_length"], "labels.cmdline_max_length must be at least 16");
      }
    }
    if (const YAML::Node m = Section(root, "memory")) {
      OnlyKeys(m, "memory", {"budget_seconds", "maps_interval_seconds", "max_rss_bytes", "rollup_interval_seconds"});
      MemoryPolicy& p = out->memory;
      if (m["rollup_interval_seconds"])
        p.rollup_interval_seconds = Seconds(m["rollup_interval_seconds"], "memory.rollup_interval_seconds");
      if (m["maps_interval_seconds"])
        p.maps_interval_seconds = Seconds(m["maps_interval_seconds"], "memory.maps_interval_seconds");
      if (m["budget_seconds"]) p.budget_seconds = Seconds(m["budget_seconds"], "memory.budget_seconds");
      if (m["max_rss_bytes"]) p.max_rss_bytes = Bytes(m["max_rss_bytes"], "memory.max_rss_bytes");
    }
    if (const YAML::Node t = Section(root, "top_n")) out->top_n = ParseTopN(t);
    if (const YAML::Node e = Section(root, "exits")) ParseExits(e, &out->exits);
    if (const YAML::Node l = Section(root, "limits")) {
      OnlyKeys(l, "limits", {"max_processes", "max_series", "memory_maps_per_process"});
      if (l["max_processes"]) out->limits.max_processes = Count(l["max_processes"], "limits.max_processes");
      if (l["memory_maps_per_process"])
        out->limits.memory_maps_per_process = Count(l["memory_maps_per_process"], "limits.memory_maps_per_process");
      if (l["max_series"]) out->limits.max_series = Count(l["max_series"], "limits.max_series");
    }
  }

 private:
  std::vector<std::string> FamilyPatterns(const YAML::Node& node, const std::string& where) {
    std::vector<std::string> pats = StringList(node, where);
    for (std::size_t i = 0; i < pats.size(); ++i) {
      bool matches = false;
      for (const auto& f : ctx_.family_names) matches = matches || Glob(pats[i], f);
      if (!matches) Fail(node[i], "\"" + pats[i] + "\" in " + where + " matches no metric family");
    }
    return pats;
  }

  ProcessSelector Selector(const YAML::Node& n, std::size_t i) {
    const std::string where = "processes[" + std::to_string(i) + "]";
    OnlyKeys(n, where, {"group", "match", "memory", "name", "per_process"});
    ProcessSelector s;
    if (n["name"]) s.name = String(n["name"], where + ".name");
    if (!n["match"]) Fail(n, where + " needs a match");
    std::vector<std::string> captures;
    s.match = ParseMatch(n["match"], where + ".match", &captures);
    if (n["group"]) {
      s.group = String(n["group"], where + ".group");
      NameTemplate t;
      std::string err;
      if (!NameTemplate::Parse(s.group, captures, &t, &err)) Fail(n["group"], err);
    }
    if (n["per_process"]) s.per_process = Bool(n["per_process"], where + ".per_process");
    if (n["memory"]) s.memory = ParseMemoryReads(n["memory"], where + ".memory");
    return s;
  }

  const ConfigSchemaContext& ctx_;
};

}  // namespace

bool MatchSpec::Empty() const {
  return comm.empty() && exe.empty() && cmdline.empty() && user.empty() && cgroup.empty() && pid_file.empty() &&
         !ancestor;
}

bool MetricsPolicy::Allows(std::string_view name) const {
  for (const auto& d : deny)
    if (Glob(d, name)) return false;
  for (const auto& a : allow)
    if (Glob(a, name)) return true;
  return false;
}

bool ParseConfig(std::string_view yaml, std::string_view source, const ConfigSchemaContext& ctx,
                 Config* out, std::string* error) {
  Config cfg;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    yaml_schema::LimitExpansion(root, {kMaxConfigNodes, kMaxConfigFileBytes}, "the config");
    Parser(ctx).Parse(root, &cfg);
  } catch (const yaml_schema::Invalid& e) {
    *error = yaml_schema::Position(source, e.mark) + e.reason;
    return false;
  } catch (const YAML::Exception& e) {
    *error = yaml_schema::Position(source, e.mark) + e.msg;
    return false;
  }
  *out = std::move(cfg);
  return true;
}

bool LoadConfigFile(const std::string& path, const ConfigSchemaContext& ctx, Config* out,
                    std::string* error) {
  std::string text, reason;
  switch (ReadRegularFile(path, kMaxConfigFileBytes, &text, &reason)) {
    case RegularFileRead::kOk: break;
    case RegularFileRead::kCannotOpen: *error = path + ": cannot open config file"; return false;
    case RegularFileRead::kRejected: *error = path + ": config file " + reason; return false;
  }
  return ParseConfig(text, path, ctx, out, error);
}

std::string_view EmbeddedDefaultConfig() { return kEmbeddedDefaultConfig; }

}  // namespace proctree
