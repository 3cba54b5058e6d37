#pragma once
// TLS for the HTTP edge. CivetWeb creates the OpenSSL context and hands it to
// its init_ssl callback; ConfigureTlsContext sets it up from the web config
// the way exporter-toolkit's ConfigToTLSConfig sets up Go's tls.Config.
#include <string>

#include "exporter/http/web_config.h"

namespace proctree {

// Sets versions, certificate and key, client verification, ciphers and
// curves on `ssl_ctx` (an SSL_CTX*). `c` must outlive the context: the
// client_allowed_sans check reads it during handshakes.
bool ConfigureTlsContext(void* ssl_ctx, const TlsServerConfig* c, std::string* error);

// Loads the certificate, key and client CAs into a throwaway context, so a
// bad file is reported at start-up (and by --config.check) with its name.
bool CheckTlsConfig(const TlsServerConfig& c, std::string* error);

}  // namespace proctree
