#include "exporter/http/web_tls.h"

#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <vector>

#include "probes/util/regular_file.h"

namespace proctree {

namespace {

std::string OpenSslError() {
  std::string out;
  unsigned long e;
  char buf[256];
  while ((e = ERR_get_error()) != 0) {
    ERR_error_string_n(e, buf, sizeof(buf));
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

// PEM files are read here and loaded from memory, never by path through
// OpenSSL, so a FIFO or /dev/zero named as one is refused instead of hanging.
bool ReadPemFile(const std::string& path, const char* what, std::string* out, std::string* error) {
  std::string reason;
  if (ReadRegularFile(path, kMaxPemFileBytes, out, &reason) == RegularFileRead::kOk) return true;
  *error = std::string("failed to read ") + what + " (" + path + "): " + reason;
  return false;
}

// A PEM the config gives by file (read here) or inline; *what names it in
// errors, as the config spells it.
bool PemFrom(const std::string& file, const std::string& inline_pem, const char* file_key, const char* inline_key,
             std::string* pem, std::string* what, std::string* error) {
  if (file.empty()) {
    *pem = inline_pem;
    *what = inline_key;
    return true;
  }
  *what = std::string(file_key) + " (" + file + ")";
  return ReadPemFile(file, file_key, pem, error);
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;

BioPtr MemBio(const std::string& s) { return BioPtr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size()))); }

// The leaf, then any chain certificates, as in a Go key pair's PEM.
bool UseCertificateChain(SSL_CTX* ctx, const std::string& pem, const std::string& what, std::string* error) {
  BioPtr bio = MemBio(pem);
  X509Ptr leaf(PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr));
  if (!leaf) {
    *error = "failed to load X509KeyPair: no PEM certificate in " + what + ": " + OpenSslError();
    return false;
  }
  if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    *error = "failed to load X509KeyPair: " + what + ": " + OpenSslError();
    return false;
  }
  SSL_CTX_clear_chain_certs(ctx);
  for (;;) {
    X509* extra = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (!extra) break;
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
      X509_free(extra);
      *error = "failed to load X509KeyPair: chain certificate in " + what + ": " + OpenSslError();
      return false;
    }
  }
  ERR_clear_error();  // the end of the PEM data reads as an error
  return true;
}

bool UsePrivateKey(SSL_CTX* ctx, const std::string& pem, const std::string& what, std::string* error) {
  BioPtr bio = MemBio(pem);
  // A null password callback would prompt on the terminal for an encrypted key; refuse instead.
  auto no_password = [](char*, int, int, void*) -> int { return -1; };
  std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
  if (!key) {
    *error = "failed to load X509KeyPair: no usable PEM private key in " + what + ": " + OpenSslError();
    return false;
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    *error = "failed to load X509KeyPair: private key does not match public key (" + what + "): " + OpenSslError();
    return false;
  }
  return true;
}

bool LoadClientCas(SSL_CTX* ctx, const std::string& pem, const std::string& what, std::string* error) {
  BioPtr bio = MemBio(pem);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  STACK_OF(X509_NAME)* names = sk_X509_NAME_new_null();
  int count = 0;
  for (;;) {
    X509Ptr ca(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!ca) break;
    if (X509_STORE_add_cert(store, ca.get()) != 1) {
      ERR_clear_error();  // a duplicate is fine
    }
    if (X509_NAME* n = X509_NAME_dup(X509_get_subject_name(ca.get()))) sk_X509_NAME_push(names, n);
    ++count;
  }
  ERR_clear_error();
  if (count == 0) {
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    *error = "no PEM certificates found in " + what;
    return false;
  }
  SSL_CTX_set_client_CA_list(ctx, names);  // takes ownership
  return true;
}

int g_config_index = -1;
std::once_flag g_index_once;

int ConfigIndex() {
  std::call_once(g_index_once, [] { g_config_index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr); });
  return g_config_index;
}

// Go's VerifyPeerCertificate with client_allowed_sans: some DNS name, email,
// IP or URI of the leaf must be in the list, exactly.
bool SanAllowed(X509* cert, const std::vector<std::string>& allowed) {
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return false;
  bool ok = false;
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && !ok; ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    std::string value;
    if (g->type == GEN_DNS || g->type == GEN_EMAIL || g->type == GEN_URI) {
      const ASN1_IA5STRING* s = g->d.ia5;
      value.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), static_cast<std::size_t>(ASN1_STRING_length(s)));
    } else if (g->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = g->d.ip;
      char buf[INET6_ADDRSTRLEN] = {0};
      const int len = ASN1_STRING_length(s);
      if (len == 4) inet_ntop(AF_INET, ASN1_STRING_get0_data(s), buf, sizeof(buf));
      else if (len == 16) inet_ntop(AF_INET6, ASN1_STRING_get0_data(s), buf, sizeof(buf));
      value = buf;
    } else {
      continue;
    }
    for (const auto& a : allowed) ok = ok || (!value.empty() && a == value);
  }
  GENERAL_NAMES_free(names);
  return ok;
}

int VerifyCallback(int preverify_ok, X509_STORE_CTX* store) {
  SSL* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (!ssl) return preverify_ok;
  const auto* c = static_cast<const TlsServerConfig*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ConfigIndex()));
  if (!c) return preverify_ok;
  const bool verify = c->client_auth == ClientAuth::kVerifyClientCertIfGiven ||
                      c->client_auth == ClientAuth::kRequireAndVerifyClientCert;
  int ok = verify ? preverify_ok : 1;  // Request/RequireAny take any certificate
  if (ok && !c->client_allowed_sans.empty() && X509_STORE_CTX_get_error_depth(store) == 0) {
    X509* leaf = X509_STORE_CTX_get_current_cert(store);
    if (!leaf || !SanAllowed(leaf, c->client_allowed_sans)) {
      X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
      ok = 0;
    }
  }
  if (ok && !verify) X509_STORE_CTX_set_error(store, X509_V_OK);
  return ok;
}

// Without cipher_suites, TLS 1.2 offers what exporter-toolkit's Go does not
// refuse by default, less its CBC suites: ECDHE key exchange (forward
// secrecy) with AEAD ciphers only. OpenSSL's own default also takes RSA key
// exchange and CBC-SHA256/SHA384 suites, which Go's default refuses.
constexpr const char* kDefaultTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

std::string JoinColon(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ":") + s;
  return out;
}

}  // namespace

bool ConfigureTlsContext(void* ssl_ctx, const TlsServerConfig* c, std::string* error) {
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(ctx, c->min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, c->max_version) != 1) {
    *error = "cannot set the TLS versions: " + OpenSslError();
    return false;
  }
  // CivetWeb sets options of its own before this callback (the ssl_protocol_version
  // ones and SSL_OP_NO_TICKET among them); the web config decides here, from
  // OpenSSL 3's own defaults, as exporter-toolkit does from Go's.
  SSL_CTX_clear_options(ctx, SSL_CTX_get_options(ctx));
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_MIDDLEBOX_COMPAT | SSL_OP_NO_RENEGOTIATION |
                               (c->prefer_server_cipher_suites ? SSL_OP_CIPHER_SERVER_PREFERENCE : 0));

  std::string cert, key, what_cert, what_key;
  if (!PemFrom(c->cert_file, c->cert, "cert_file", "cert", &cert, &what_cert, error) ||
      !PemFrom(c->key_file, c->key, "key_file", "key", &key, &what_key, error))
    return false;
  const bool ok = UseCertificateChain(ctx, cert, what_cert, error) && UsePrivateKey(ctx, key, what_key, error);
  OPENSSL_cleanse(key.data(), key.size());
  if (!ok) return false;

  int mode = SSL_VERIFY_NONE;
  switch (c->client_auth) {
    case ClientAuth::kNoClientCert: break;
    case ClientAuth::kRequestClientCert:
    case ClientAuth::kVerifyClientCertIfGiven: mode = SSL_VERIFY_PEER; break;
    case ClientAuth::kRequireAnyClientCert:
    case ClientAuth::kRequireAndVerifyClientCert: mode = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT; break;
  }
  if (mode != SSL_VERIFY_NONE) {
    if (!c->client_ca_file.empty()) {
      std::string ca;
      if (!ReadPemFile(c->client_ca_file, "client_ca_file", &ca, error)) return false;
      if (!LoadClientCas(ctx, ca, "client_ca_file (" + c->client_ca_file + ")", error)) return false;
    } else if (!c->client_ca.empty()) {
      if (!LoadClientCas(ctx, c->client_ca, "client_ca", error)) return false;
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      // Go verifies against the system roots when no client CA is given.
      *error = "cannot load the system CA certificates: " + OpenSslError();
      return false;
    }
    SSL_CTX_set_ex_data(ctx, ConfigIndex(), const_cast<TlsServerConfig*>(c));
    SSL_CTX_set_verify(ctx, mode, VerifyCallback);
    SSL_CTX_set_verify_depth(ctx, 10);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  // Needed for session resumption once client certificates are involved.
  static const unsigned char kSessionContext[] = "proctree_exporter";
  SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);

  // TLS 1.2 suites; TLS 1.3 ones are OpenSSL's and not configurable, as in Go.
  const std::string ciphers = c->cipher_suites.empty() ? kDefaultTls12Ciphers : JoinColon(c->cipher_suites);
  if (SSL_CTX_set_cipher_list(ctx, ciphers.c_str()) != 1) {
    *error = "cannot set cipher_suites: " + OpenSslError();
    return false;
  }
  if (!c->curve_groups.empty() && SSL_CTX_set1_groups_list(ctx, JoinColon(c->curve_groups).c_str()) != 1) {
    *error = "cannot set curve_preferences: " + OpenSslError();
    return false;
  }
  return true;
}

bool CheckTlsConfig(const TlsServerConfig& c, std::string* error) {
  std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) {
    *error = "cannot create a TLS context: " + OpenSslError();
    return false;
  }
  return ConfigureTlsContext(ctx.get(), &c, error);
}

}  // namespace proctree
