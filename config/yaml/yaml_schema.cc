#include "config/yaml/yaml_schema.h"

#include <set>
#include <sstream>

namespace proctree::yaml_schema {

void Fail(const YAML::Node& node, const std::string& reason) { throw Invalid{node.Mark(), reason}; }

std::string Position(std::string_view source, const YAML::Mark& m) {
  std::ostringstream os;
  os << source;
  if (m.line >= 0) os << ':' << (m.line + 1) << ':' << (m.column + 1);
  os << ": ";
  return os.str();
}

void OnlyKeys(const YAML::Node& map, const std::string& where, const std::vector<std::string>& keys) {
  if (map.IsNull()) return;
  if (!map.IsMap()) Fail(map, where + " must be a mapping");
  std::set<std::string> seen;
  for (const auto& kv : map) {
    const std::string k = kv.first.Scalar();
    bool known = false;
    for (const auto& a : keys) known = known || a == k;
    if (!known) {
      std::string allowed;
      for (const auto& a : keys) allowed += (allowed.empty() ? "" : ", ") + a;
      Fail(kv.first, "unknown key \"" + k + "\" in " + where + " (allowed: " + allowed + ")");
    }
    if (!seen.insert(k).second) Fail(kv.first, "key \"" + k + "\" appears twice in " + where);
  }
}

std::string String(const YAML::Node& n, const std::string& where) {
  if (!n.IsScalar()) Fail(n, where + " must be a string");
  return n.Scalar();
}

std::vector<std::string> StringList(const YAML::Node& n, const std::string& where) {
  if (!n.IsSequence()) Fail(n, where + " must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : n) out.push_back(String(item, where + " entries"));
  return out;
}

bool Bool(const YAML::Node& n, const std::string& where) {
  bool v = false;
  if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v)) Fail(n, where + " must be true or false");
  return v;
}

}  // namespace proctree::yaml_schema
