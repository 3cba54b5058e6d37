#pragma once
// Strict YAML reading shared by the config file and the web config file:
// every error carries the node, so it can name file, line and column.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace proctree::yaml_schema {

// Thrown with the node that is wrong; turned into "source:line:col: reason".
struct Invalid {
  YAML::Mark mark;
  std::string reason;
};

[[noreturn]] void Fail(const YAML::Node& node, const std::string& reason);

// "source:line:col: " for a mark (yaml-cpp counts from 0).
std::string Position(std::string_view source, const YAML::Mark& mark);

// A mapping (or null, read as empty) holding only `keys`, each at most once;
// the error lists the allowed keys in the order given.
void OnlyKeys(const YAML::Node& map, const std::string& where, const std::vector<std::string>& keys);

// How many nodes a reader of the document visits, an alias counting each
// time it is used: a few KB of aliases can stand for millions of entries
// (or for a cycle), which yaml-cpp shares but the schema readers would copy.
// Throws Invalid, at the root, once the count passes max_nodes.
void LimitExpandedNodes(const YAML::Node& root, std::size_t max_nodes, const std::string& what);

std::string String(const YAML::Node& n, const std::string& where);
std::vector<std::string> StringList(const YAML::Node& n, const std::string& where);
bool Bool(const YAML::Node& n, const std::string& where);

}  // namespace proctree::yaml_schema
