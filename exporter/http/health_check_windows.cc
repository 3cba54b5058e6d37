// --health-check is for container health probes (the Dockerfile's
// HEALTHCHECK); the Windows build has none, and no OpenSSL for https URLs.
#include <cstdio>

#include "exporter/http/health_check.h"

namespace proctree {

int HealthCheckMain(const std::string&, std::chrono::milliseconds) {
  std::fputs("proctree_exporter: --health-check is not available in the Windows build\n", stderr);
  return 2;
}

}  // namespace proctree
