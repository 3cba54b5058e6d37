#pragma once
// The exporter's YAML configuration: schema, defaults and validation.
#include <string>
#include <string_view>
#include <vector>

namespace proctree {

struct MetricsPolicy {
  std::vector<std::string> allow{"*"};
  std::vector<std::string> deny;
  // True when `name` survives allow and deny (deny wins).
  bool Allows(std::string_view name) const;
};

struct Config {
  MetricsPolicy metrics;
};

// The names a config may mention in metrics.allow / metrics.deny.
struct ConfigSchemaContext {
  std::vector<std::string> family_names;
};

// Parses and validates. On failure returns false and sets *error to
// "<source>:<line>:<column>: <reason>".
bool ParseConfig(std::string_view yaml, std::string_view source, const ConfigSchemaContext& ctx,
                 Config* out, std::string* error);
bool LoadConfigFile(const std::string& path, const ConfigSchemaContext& ctx, Config* out,
                    std::string* error);

// config/default.yml, compiled in.
std::string_view EmbeddedDefaultConfig();

}  // namespace proctree
