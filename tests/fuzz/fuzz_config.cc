// libFuzzer target: the YAML config loader and its compiled selection.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "config/process_selection.h"
#include "exporter/metrics/metric_catalog.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const proctree::ConfigSchemaContext schema{proctree::CatalogNames()};
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  proctree::Config config;
  std::string error;
  if (proctree::ParseConfig(yaml, "fuzz.yml", schema, &config, &error)) {
    // A config that validates must compile without surprises.
    proctree::ProcessSelection::Compile(config);
  } else if (error.rfind("fuzz.yml:", 0) != 0) {
    __builtin_trap();  // every error names the file, line and column
  }
  return 0;
}
