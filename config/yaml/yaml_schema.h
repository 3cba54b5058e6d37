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

// "source:line:col: " for a mark (yaml-cpp counts from 0); "source: " for
// a mark with no position (an error about the document as a whole).
std::string Position(std::string_view source, const YAML::Mark& mark);

// A mapping (or null, read as empty) holding only `keys`, each at most once;
// the error lists the allowed keys in the order given.
void OnlyKeys(const YAML::Node& map, const std::string& where, const std::vector<std::string>& keys);

// What a document may stand for once its aliases are expanded. A few KB of
// aliases can stand for millions of entries or for a cycle: yaml-cpp shares
// the aliased node, but the schema readers copy it, and compile each regex
// in it, each time (14 KB of aliases to one regex took 84 s and 2.8 GB).
struct ExpansionLimits {
  std::size_t max_nodes;
  std::size_t max_scalar_bytes;  // keys and values
};

// Walks the document as its readers will, an alias counting each time it is
// used; throws Invalid, at the root, once either limit is passed.
void LimitExpansion(const YAML::Node& root, const ExpansionLimits& limits, const std::string& what);

std::string String(const YAML::Node& n, const std::string& where);
std::vector<std::string> StringList(const YAML::Node& n, const std::string& where);
bool Bool(const YAML::Node& n, const std::string& where);

}  // namespace proctree::yaml_schema
