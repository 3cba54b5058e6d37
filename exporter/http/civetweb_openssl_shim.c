/* Stand-ins for the unversioned libssl.so and libcrypto.so that Debian 12's
 * libcivetweb1 (CivetWeb 1.15, built for the OpenSSL 1.1 API) dlopen()s when
 * TLS is on. OpenSSL 3 no longer exports SSL_get_peer_certificate (it became
 * a macro for SSL_get1_peer_certificate); CivetWeb's lookup of it yields NULL
 * and it calls that for every TLS connection, crashing the worker. Each
 * stand-in has the soname CivetWeb asks for and depends on the real library
 * (libssl.so.3, libcrypto.so.3), so its lookups of every other symbol reach
 * OpenSSL itself. The exporter embeds both and loads them before CivetWeb
 * starts (see web_tls.cc); built once with PROCTREE_SHIM_LIBSSL defined,
 * once without. */
#include <openssl/ssl.h>

#if defined(PROCTREE_SHIM_LIBSSL)
#undef SSL_get_peer_certificate
X509 *SSL_get_peer_certificate(const SSL *s);
/* Same reference counting as OpenSSL 1.1's: the caller frees the result. */
X509 *SSL_get_peer_certificate(const SSL *s) { return SSL_get1_peer_certificate(s); }
#else
/* libcrypto.so: everything comes from libcrypto.so.3. */
const char proctree_civetweb_libcrypto_shim[] = "libcrypto.so -> libcrypto.so.3";
#endif
