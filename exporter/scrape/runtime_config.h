#pragma once
// The config in force, compiled, and its reload: a bad new file is rejected
// with its reason and the last good config keeps serving.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "config/config.h"
#include "config/process_selection.h"
#include "exporter/metrics/metric_catalog.h"

namespace proctree {

struct RuntimeConfig {
  Config config;
  EnabledFamilies enabled;
  std::shared_ptr<const ProcessSelection> selection;
};

// Loads the file at `path`, or the embedded default when path is empty.
std::shared_ptr<const RuntimeConfig> LoadRuntimeConfig(const std::string& path, std::string* error);

class ConfigHolder {
 public:
  explicit ConfigHolder(std::string path) : path_(std::move(path)) {}

  // The first load; false (with the reason) when the file is bad.
  bool Load(std::string* error) { return Reload(error); }
  // Loads again; on failure keeps the current config.
  bool Reload(std::string* error);

  std::shared_ptr<const RuntimeConfig> Get() const;
  bool last_reload_successful() const { return last_ok_.load(); }
  double last_success_timestamp() const { return last_success_.load(); }

 private:
  const std::string path_;
  mutable std::mutex mu_;
  std::mutex reload_mu_;  // one reload at a time
  std::shared_ptr<const RuntimeConfig> current_;
  std::atomic<bool> last_ok_{false};
  std::atomic<double> last_success_{0};
};

}  // namespace proctree
