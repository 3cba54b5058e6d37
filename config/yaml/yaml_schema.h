#pragma once
// Strict YAML reading shared by the config file and the web config file:
// every error carries the node, so it can name file, line and column.
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

std::string String(const YAML::Node& n, const std::string& where);
std::vector<std::string> StringList(const YAML::Node& n, const std::string& where);
bool Bool(const YAML::Node& n, const std::string& where);

}  // namespace proctree::yaml_schema
