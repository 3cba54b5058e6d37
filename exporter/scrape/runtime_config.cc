#include "exporter/scrape/runtime_config.h"

#include <chrono>
#include <exception>

#include "exporter/scrape/heap_trim.h"

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

namespace {

// Parsing a config near the caps takes tens of MB of small YAML nodes and
// regex programs; freed, they stay in glibc's heap between the long-lived
// allocations made meanwhile: RSS kept ~800 MB after a reload from a 100 MB
// file back to a small one, 27 MB from a 790 KB one. Reloads are rare, so
// trim whenever resident memory is above what is in use at all.
void ReturnFreedMemory() { TrimHeapIfBloated(HeapInUseBytes(), HeapTrimPolicy{0, 1.0}); }

// A config that runs memory out is a rejected reload, not an abort.
std::shared_ptr<const RuntimeConfig> TryLoad(const std::string& path, std::string* error) {
  try {
    return LoadRuntimeConfig(path, error);
  } catch (const std::exception& e) {
    *error = (path.empty() ? std::string("<embedded default>") : path) + ": cannot load the config: " + e.what();
    return nullptr;
  }
}

}  // namespace

bool ConfigHolder::Reload(std::string* error) {
  std::lock_guard<std::mutex> reload_lock(reload_mu_);
  std::shared_ptr<const RuntimeConfig> rc = TryLoad(path_, error);
  const bool ok = rc != nullptr;
  // The status first: a scrape that sees the new config sees its timestamp.
  if (ok)
    last_success_ = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  last_ok_ = ok;
  if (ok) {
    std::lock_guard<std::mutex> lock(mu_);
    current_.swap(rc);  // rc now holds the old config, released below outside the lock
  }
  rc.reset();
  ReturnFreedMemory();
  return ok;
}

std::shared_ptr<const RuntimeConfig> ConfigHolder::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

}  // namespace proctree
