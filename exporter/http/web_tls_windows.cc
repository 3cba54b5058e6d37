// The Windows build has no OpenSSL (cmake/dependencies-windows.cmake says
// why): a web config asking for TLS is refused with this reason, at start-up
// and by --config.check.
#include "exporter/http/web_tls.h"

namespace proctree {

namespace {
constexpr const char* kNoTls =
    "TLS is not available in the Windows build (built without OpenSSL); serve plain HTTP on a "
    "trusted network or put a TLS-terminating proxy in front";
}  // namespace

bool ConfigureTlsContext(void*, const TlsServerConfig*, std::string* error) {
  *error = kNoTls;
  return false;
}

bool CheckTlsConfig(const TlsServerConfig&, std::string* error) {
  *error = kNoTls;
  return false;
}

}  // namespace proctree
