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

// Debian 12's libcivetweb1 loads OpenSSL itself, with dlopen("libssl.so")
// and dlopen("libcrypto.so") (names only libssl-dev provides), and is built
// for OpenSSL 1.1: against OpenSSL 3 its lookup of SSL_get_peer_certificate
// comes back NULL and the first TLS connection crashes it. This loads two
// stand-ins embedded in the binary, with those sonames, that forward to
// libssl.so.3 and libcrypto.so.3 (package libssl3) and supply the missing
// function, so CivetWeb's dlopen() finds them. Call before starting CivetWeb;
// false with the reason when that cannot be done.
bool PrepareCivetWebTls(std::string* error);

}  // namespace proctree
