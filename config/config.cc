#include "config/config.h"

#include <fnmatch.h>

#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "config/default_config.h"  // generated from config/default.yml

namespace proctree {

namespace {

bool Glob(const std::string& pattern, std::string_view name) {
  std::string n(name);
  return ::fnmatch(pattern.c_str(), n.c_str(), 0) == 0;
}

class Validator {
 public:
  Validator(std::string_view source, const ConfigSchemaContext& ctx) : source_(source), ctx_(ctx) {}

  bool Fail(const YAML::Node& node, const std::string& reason) {
    const YAML::Mark m = node.Mark();
    std::ostringstream os;
    os << source_ << ':' << (m.line + 1) << ':' << (m.column + 1) << ": " << reason;
    error_ = os.str();
    return false;
  }

  bool OnlyKeys(const YAML::Node& map, const std::string& where, const std::set<std::string>& keys) {
    if (!map.IsMap()) return Fail(map, where + " must be a mapping");
    for (const auto& kv : map) {
      const std::string k = kv.first.as<std::string>();
      if (!keys.count(k)) {
        std::string allowed;
        for (const auto& a : keys) allowed += (allowed.empty() ? "" : ", ") + a;
        return Fail(kv.first, "unknown key \"" + k + "\" in " + where + " (allowed: " + allowed + ")");
      }
    }
    return true;
  }

  bool FamilyPatterns(const YAML::Node& node, const std::string& where, std::vector<std::string>* out) {
    if (!node.IsSequence()) return Fail(node, where + " must be a list of family name patterns");
    out->clear();
    for (const auto& item : node) {
      if (!item.IsScalar()) return Fail(item, where + " entries must be strings");
      std::string pat = item.as<std::string>();
      bool matches = false;
      for (const auto& f : ctx_.family_names) matches = matches || Glob(pat, f);
      if (!matches) return Fail(item, "\"" + pat + "\" in " + where + " matches no metric family");
      out->push_back(std::move(pat));
    }
    return true;
  }

  bool Parse(const YAML::Node& root, Config* out) {
    if (!root || root.IsNull()) return true;  // an empty file means all defaults
    if (!OnlyKeys(root, "the top level", {"metrics"})) return false;
    if (const YAML::Node m = root["metrics"]) {
      if (!OnlyKeys(m, "metrics", {"allow", "deny"})) return false;
      if (m["allow"] && !FamilyPatterns(m["allow"], "metrics.allow", &out->metrics.allow)) return false;
      if (m["deny"] && !FamilyPatterns(m["deny"], "metrics.deny", &out->metrics.deny)) return false;
    }
    return true;
  }

  const std::string& error() const { return error_; }

 private:
  std::string source_;
  const ConfigSchemaContext& ctx_;
  std::string error_;
};

}  // namespace

bool MetricsPolicy::Allows(std::string_view name) const {
  for (const auto& d : deny)
    if (Glob(d, name)) return false;
  for (const auto& a : allow)
    if (Glob(a, name)) return true;
  return false;
}

bool ParseConfig(std::string_view yaml, std::string_view source, const ConfigSchemaContext& ctx,
                 Config* out, std::string* error) {
  Validator v(source, ctx);
  Config cfg;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (!v.Parse(root, &cfg)) {
      *error = v.error();
      return false;
    }
  } catch (const YAML::Exception& e) {
    std::ostringstream os;
    os << source << ':' << (e.mark.line + 1) << ':' << (e.mark.column + 1) << ": " << e.msg;
    *error = os.str();
    return false;
  }
  *out = std::move(cfg);
  return true;
}

bool LoadConfigFile(const std::string& path, const ConfigSchemaContext& ctx, Config* out,
                    std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open config file";
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ParseConfig(ss.str(), path, ctx, out, error);
}

std::string_view EmbeddedDefaultConfig() { return kEmbeddedDefaultConfig; }

}  // namespace proctree
