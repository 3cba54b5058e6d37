#include "exporter/scrape/runtime_config.h"

#include <chrono>

namespace proctree {

std::shared_ptr<const RuntimeConfig> LoadRuntimeConfig(const std::string& path, std::string* error) {
  ConfigSchemaContext schema{CatalogNames()};
  auto rc = std::make_shared<RuntimeConfig>();
  bool ok = path.empty() ? ParseConfig(EmbeddedDefaultConfig(), "<embedded default>", schema, &rc->config, error)
                         : LoadConfigFile(path, schema, &rc->config, error);
  if (!ok) return nullptr;
  rc->enabled = EnabledFamilies::FromPolicy(rc->config.metrics);
  rc->selection = ProcessSelection::Compile(rc->config);
  return rc;
}

bool ConfigHolder::Reload(std::string* error) {
  std::lock_guard<std::mutex> reload_lock(reload_mu_);
  auto rc = LoadRuntimeConfig(path_, error);
  if (!rc) {
    last_ok_ = false;
    return false;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = std::move(rc);
  }
  last_ok_ = true;
  last_success_ = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return true;
}

std::shared_ptr<const RuntimeConfig> ConfigHolder::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

}  // namespace proctree
