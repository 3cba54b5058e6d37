#include "config/process_selection.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <set>

#include <re2/re2.h>

#include "config/name_template.h"
#include "probes/util/regular_file.h"
#include "probes/tree/auto_groups.h"
#include "probes/container_id.h"
#include "probes/tree/tree_aggregation.h"

namespace proctree {

struct ProcessSelection::Compiled {
  std::set<std::string> comm;
  std::vector<std::string> exe;
  std::vector<std::unique_ptr<RE2>> cmdline;
  std::set<std::string> user;
  std::vector<std::unique_ptr<RE2>> cgroup;
  std::string pid_file;
  std::unique_ptr<Compiled> ancestor;
};

struct ProcessSelection::Selector {
  Compiled match;
  NameTemplate group;
  bool per_process = true;
  MemoryReads memory;
};

namespace {

std::unique_ptr<RE2> Regex(const std::string& pattern) {
  RE2::Options opts;
  opts.set_log_errors(false);
  return std::make_unique<RE2>(pattern, opts);
}

std::string_view Base(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// -1 when the file is missing or holds no pid: then nothing matches it. Read
// at every scrape, so through ReadRegularFile: a FIFO there must not block.
std::int64_t ReadPidFile(const std::string& path) {
  std::string text, reason;
  if (ReadRegularFile(path, kMaxPidFileBytes, &text, &reason) != RegularFileRead::kOk) return -1;
  errno = 0;
  char* end = nullptr;
  const long long pid = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || errno == ERANGE || pid <= 0) return -1;
  return pid;
}

FieldGroups LabelGroups(const LabelPolicy& l) {
  FieldGroups g;
  if (l.exe) g |= FieldGroup::kExe;
  if (l.cgroup || l.container_id) g |= FieldGroup::kCgroup;
  if (l.cmdline) g |= FieldGroup::kCmdline;
  return g;
}

}  // namespace

ProcessSelection::~ProcessSelection() = default;

std::shared_ptr<const ProcessSelection> ProcessSelection::Compile(const Config& config) {
  std::shared_ptr<ProcessSelection> sel(new ProcessSelection());
  std::function<std::unique_ptr<Compiled>(const MatchSpec&)> compile = [&](const MatchSpec& m) {
    auto c = std::make_unique<Compiled>();
    c->comm.insert(m.comm.begin(), m.comm.end());
    c->exe = m.exe;
    for (const auto& r : m.cmdline) c->cmdline.push_back(Regex(r));
    c->user.insert(m.user.begin(), m.user.end());
    for (const auto& r : m.cgroup) c->cgroup.push_back(Regex(r));
    c->pid_file = m.pid_file;
    if (m.ancestor) c->ancestor = compile(*m.ancestor);
    if (!m.exe.empty()) sel->needs_ |= FieldGroup::kExe;
    if (!m.cmdline.empty()) sel->need_cmdline_ = sel->match_cmdline_ = true;
    if (!m.user.empty()) sel->need_user_ = true;
    if (!m.cgroup.empty()) sel->need_cgroup_ = true;
    return c;
  };
  for (const auto& s : config.processes) {
    auto sc = std::make_unique<Selector>();
    sc->match = std::move(*compile(s.match));
    std::vector<std::string> captures;
    for (const auto& re : sc->match.cmdline)
      for (const auto& [name, idx] : re->NamedCapturingGroups()) captures.push_back(name);
    std::string err;
    NameTemplate::Parse(s.group, captures, &sc->group, &err);  // validated by ParseConfig
    if (sc->group.Uses("exe") || sc->group.Uses("exe_base")) sel->needs_ |= FieldGroup::kExe;
    if (sc->group.Uses("user")) sel->need_user_ = true;
    if (sc->group.Uses("cgroup") || sc->group.Uses("container_id")) sel->need_cgroup_ = true;
    sc->per_process = s.per_process;
    sc->memory = s.memory;
    sel->selectors_.push_back(std::move(sc));
  }
  for (const auto& r : config.tree_roots) sel->roots_.push_back(compile(r));
  sel->always_groups_ = config.groups;
  sel->unmatched_ = config.unmatched;
  if (sel->need_user_) sel->needs_ |= FieldGroup::kStatus;
  if (sel->need_cmdline_) sel->needs_ |= FieldGroup::kCmdline;
  if (sel->need_cgroup_) sel->needs_ |= FieldGroup::kCgroup;
  sel->label_only_ = LabelGroups(config.labels) - sel->needs_;
  // The user label's uid comes with status, small and read for most families anyway.
  if (config.labels.user) sel->needs_ |= FieldGroup::kStatus;
  return sel;
}

std::vector<ProcessFacts> ProcessSelection::Facts(const std::vector<ProcessSample>& ps, UserNames& users) const {
  if (selectors_.empty() && roots_.empty() && !need_user_ && !need_cmdline_ && !need_cgroup_) return {};
  std::vector<ProcessFacts> facts(ps.size());
  for (std::size_t i = 0; i < ps.size(); ++i) {
    const ProcessSample& s = ps[i];
    ProcessFacts& f = facts[i];
    if (need_user_ && s.uid.has_value()) f.user = users.Lookup(s.uid.value);
    if (s.exe.has_value()) f.exe_base = std::string(Base(s.exe.value));
    if (need_cmdline_ && s.cmdline.has_value()) {
      f.cmdline = s.cmdline.value;
      while (!f.cmdline.empty() && f.cmdline.back() == '\0') f.cmdline.pop_back();
      std::replace(f.cmdline.begin(), f.cmdline.end(), '\0', ' ');
    }
    if (need_cgroup_ && s.cgroup.has_value()) {
      f.cgroup_path = s.cgroup.value;
      f.container_id = ContainerIdFromCgroupPath(f.cgroup_path);
    }
  }
  return facts;
}

std::vector<char> ProcessSelection::MatchAll(const Compiled& m, const std::vector<ProcessSample>& ps,
                                             const std::vector<ProcessFacts>& facts, const ProcessTree& tree) const {
  const std::size_t n = ps.size();
  std::vector<char> ok(n, 1);
  const std::int64_t pid_file_pid = m.pid_file.empty() ? 0 : ReadPidFile(m.pid_file);
  for (std::size_t i = 0; i < n; ++i) {
    const ProcessSample& s = ps[i];
    const ProcessFacts& f = facts[i];
    bool match = true;
    if (!m.comm.empty()) match = m.comm.count(s.comm) != 0;
    if (match && !m.exe.empty()) {
      match = s.exe.has_value() && std::any_of(m.exe.begin(), m.exe.end(), [&](const std::string& e) {
                return e.find('/') != std::string::npos ? e == s.exe.value : e == f.exe_base;
              });
    }
    if (match && !m.user.empty())
      match = m.user.count(f.user) != 0 || (s.uid.has_value() && m.user.count(std::to_string(s.uid.value)) != 0);
    if (match && !m.cmdline.empty())
      match = s.cmdline.has_value() &&
              std::all_of(m.cmdline.begin(), m.cmdline.end(), [&](const auto& re) { return RE2::PartialMatch(f.cmdline, *re); });
    if (match && !m.cgroup.empty())
      match = std::any_of(m.cgroup.begin(), m.cgroup.end(), [&](const auto& re) { return RE2::PartialMatch(f.cgroup_path, *re); });
    if (match && !m.pid_file.empty()) match = pid_file_pid == s.pid;
    ok[i] = match;
  }
  if (m.ancestor) {
    const std::vector<char> inner = MatchAll(*m.ancestor, ps, facts, tree);
    // below[i]: some proper ancestor of i matches; filled parents first.
    std::vector<char> below(n, 0);
    for (int i : tree.ParentsFirst()) {
      int p = tree.parent(i);
      if (p != ProcessTree::kNone)
        below[static_cast<std::size_t>(i)] = inner[static_cast<std::size_t>(p)] || below[static_cast<std::size_t>(p)];
    }
    for (std::size_t i = 0; i < n; ++i) ok[i] = ok[i] && below[i];
  }
  return ok;
}

std::vector<Assignment> ProcessSelection::Assign(const std::vector<ProcessSample>& ps,
                                                 const std::vector<ProcessFacts>& facts,
                                                 const ProcessTree& tree) const {
  const std::size_t n = ps.size();
  std::vector<Assignment> out(n);
  for (std::size_t k = 0; k < selectors_.size(); ++k) {
    const Selector& sel = *selectors_[k];
    const std::vector<char> ok = MatchAll(sel.match, ps, facts, tree);
    for (std::size_t i = 0; i < n; ++i) {
      if (!ok[i] || out[i].selector != -1) continue;
      const ProcessSample& s = ps[i];
      const ProcessFacts& f = facts[i];
      std::map<std::string, std::string> captures;
      for (const auto& re : sel.match.cmdline) {
        const int groups = re->NumberOfCapturingGroups();
        std::vector<re2::StringPiece> pieces(static_cast<std::size_t>(groups) + 1);
        if (!re->Match(f.cmdline, 0, f.cmdline.size(), RE2::UNANCHORED, pieces.data(), groups + 1)) continue;
        for (const auto& [name, idx] : re->NamedCapturingGroups())
          captures[name] = std::string(pieces[static_cast<std::size_t>(idx)].data(), pieces[static_cast<std::size_t>(idx)].size());
      }
      const std::string pid = std::to_string(s.pid);
      TemplateValues v{s.comm, s.exe.has_value() ? std::string_view(s.exe.value) : std::string_view(), f.exe_base,
                       f.user, f.cgroup_path, f.container_id, pid, &captures};
      out[i].selector = static_cast<int>(k);
      out[i].group = sel.group.Render(v);
      out[i].per_process = sel.per_process;
      out[i].memory = sel.memory;
    }
  }

  // Unmatched processes: the nearest matched ancestor's group, else the fallback.
  std::vector<std::string> fallback;
  if (unmatched_.group == UnmatchedPolicy::Group::kAuto) fallback = AutoGroups(ps, tree);
  std::vector<int> matched_ancestor(n, ProcessTree::kNone);  // nearest matched ancestor-or-self
  for (int i : tree.ParentsFirst()) {
    const auto ui = static_cast<std::size_t>(i);
    const int p = tree.parent(i);
    if (out[ui].selector != -1) {
      matched_ancestor[ui] = i;
      continue;
    }
    matched_ancestor[ui] = p == ProcessTree::kNone ? ProcessTree::kNone : matched_ancestor[static_cast<std::size_t>(p)];
    out[ui].per_process = unmatched_.per_process;
    out[ui].memory = unmatched_.memory;
    if (matched_ancestor[ui] != ProcessTree::kNone) out[ui].group = out[static_cast<std::size_t>(matched_ancestor[ui])].group;
    else if (!fallback.empty()) out[ui].group = fallback[ui];
  }
  return out;
}

std::vector<int> ProcessSelection::Roots(const std::vector<ProcessSample>& ps, const std::vector<ProcessFacts>& facts,
                                         const ProcessTree& tree) const {
  if (roots_.empty()) return RootsWithChildren(tree);
  std::vector<char> any(ps.size(), 0);
  for (const auto& r : roots_) {
    const std::vector<char> ok = MatchAll(*r, ps, facts, tree);
    for (std::size_t i = 0; i < ps.size(); ++i) any[i] = any[i] || ok[i];
  }
  std::vector<int> out;
  for (std::size_t i = 0; i < ps.size(); ++i)
    if (any[i]) out.push_back(static_cast<int>(i));
  return out;
}

}  // namespace proctree
