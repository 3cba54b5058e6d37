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

void LimitExpansion(const YAML::Node& root, const ExpansionLimits& limits, const std::string& what) {
  // A stack, not recursion, as nesting may be deep; nodes count as they are
  // pushed, so the stack too stays below max_nodes.
  std::vector<YAML::Node> todo;
  std::size_t nodes = 0, bytes = 0;
  auto visit = [&](const YAML::Node& n) {
    if (++nodes > limits.max_nodes)
      Fail(root, what + " expands to more than " + std::to_string(limits.max_nodes) +
                     " YAML nodes (an alias counts each time it is used)");
    if (n.IsScalar() && (bytes += n.Scalar().size()) > limits.max_scalar_bytes)
      Fail(root, what + " expands to more than " + std::to_string(limits.max_scalar_bytes) +
                     " bytes of YAML scalars (an alias counts each time it is used)");
    todo.push_back(n);
  };
  visit(root);
  while (!todo.empty()) {
    const YAML::Node n = todo.back();
    todo.pop_back();
    if (n.IsSequence()) {
      for (const auto& item : n) visit(item);
    } else if (n.IsMap()) {
      for (const auto& kv : n) {
        visit(kv.first);
        visit(kv.second);
      }
    }
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
