#include "exporter/http/web_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>
#include <cstring>
#include <memory>
#include <utility>

namespace proctree {

namespace {

// Stands in for the dummy hash when no user is configured (auth is off then).
// exporter-toolkit's dummy: a bcrypt hash of "fakepassword", cost 10.
constexpr const char* kFallbackDummyHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

// The two digits after "$2b$"; the config loader checked the format.
int BcryptCost(const std::string& hash) {
  if (hash.size() < 6) return 0;
  return (hash[4] - '0') * 10 + (hash[5] - '0');
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with padding, strictly (as Go's base64.StdEncoding).
bool Base64Decode(std::string_view in, std::string* out) {
  if (in.size() % 4 != 0) return false;
  out->clear();
  for (std::size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = in[i + static_cast<std::size_t>(j)];
      if (c == '=') {
        if (i + 4 != in.size() || j < 2) return false;
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad) return false;  // data after padding
      v[j] = Base64Value(c);
      if (v[j] < 0) return false;
    }
    const unsigned n = (static_cast<unsigned>(v[0]) << 18) | (static_cast<unsigned>(v[1]) << 12) |
                       (static_cast<unsigned>(v[2]) << 6) | static_cast<unsigned>(v[3]);
    out->push_back(static_cast<char>((n >> 16) & 0xff));
    if (pad < 2) out->push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out->push_back(static_cast<char>(n & 0xff));
  }
  return true;
}

std::string CacheKey(const std::string& user, const std::string& hash, const std::string& password) {
  // Length-prefixed, so no two different triples hash the same input.
  std::string in;
  for (const std::string* s : {&user, &hash, &password}) {
    in += std::to_string(s->size());
    in += ':';
    in += *s;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(in.data(), in.size(), digest, &len, EVP_sha256(), nullptr) != 1) return {};
  OPENSSL_cleanse(in.data(), in.size());
  return std::string(reinterpret_cast<const char*>(digest), len);
}

}  // namespace

bool ParseBasicAuthorization(std::string_view header, std::string* user, std::string* password) {
  constexpr std::string_view kScheme = "basic ";
  if (header.size() < kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return false;
  std::string decoded;
  if (!Base64Decode(header.substr(kScheme.size()), &decoded)) return false;
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  *user = decoded.substr(0, colon);
  *password = decoded.substr(colon + 1);
  OPENSSL_cleanse(decoded.data(), decoded.size());
  return true;
}

bool BcryptMatches(const std::string& password, const std::string& hash) {
  // A NUL would cut the password short in crypt(3); such a password never matches.
  if (password.find('\0') != std::string::npos) return false;
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  const char* out = crypt_rn(password.c_str(), hash.c_str(), data.get(), sizeof(crypt_data));
  bool ok = false;
  if (out && out[0] != '*' && std::strlen(out) == hash.size())
    ok = CRYPTO_memcmp(out, hash.data(), hash.size()) == 0;
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return ok;
}

bool BasicAuthAvailable(std::string*) { return true; }

BasicAuth::BasicAuth(std::map<std::string, std::string> users, int max_bcrypt_pending)
    : users_(std::move(users)), dummy_hash_(DummyHash(users_)), max_pending_(max_bcrypt_pending) {}

std::string BasicAuth::DummyHash(const std::map<std::string, std::string>& users) {
  const std::string* best = nullptr;
  for (const auto& [user, hash] : users)
    if (!best || BcryptCost(hash) > BcryptCost(*best)) best = &hash;
  return best ? *best : kFallbackDummyHash;
}

void BasicAuth::KeySet::Insert(const std::string& key) {
  if (!keys_.insert(key).second) return;
  order_.push_back(key);
  if (order_.size() > kCacheSize) {
    keys_.erase(order_.front());
    order_.pop_front();
  }
}

AuthResult BasicAuth::Check(const char* authorization) {
  std::string user, password;
  if (!authorization || !ParseBasicAuthorization(authorization, &user, &password)) return AuthResult::kDenied;
  auto it = users_.find(user);
  const bool known = it != users_.end();
  // An unknown user's password goes through bcrypt too, against a real hash
  // of the highest cost, and can never pass (`known` is false).
  const std::string& hash = known ? it->second : dummy_hash_;
  const std::string key = CacheKey(user, hash, password);
  bool cached = false, granted = false;
  if (!key.empty()) {
    std::lock_guard<std::mutex> lock(cache_mu_);
    granted = granted_.Contains(key);
    cached = granted || denied_.Contains(key);
  }
  const AuthResult result = cached ? (granted ? AuthResult::kGranted : AuthResult::kDenied)
                                   : CheckUncached(password, hash, known, key);
  OPENSSL_cleanse(password.data(), password.size());
  return result;
}

AuthResult BasicAuth::CheckUncached(const std::string& password, const std::string& hash, bool known,
                                    const std::string& key) {
  struct Pending {
    std::atomic<int>& n;
    ~Pending() { n.fetch_sub(1); }
  };
  const int ahead = pending_.fetch_add(1);
  Pending pending{pending_};
  // Busy at once rather than a place in a queue that, under a flood, would
  // hold every HTTP worker. Nothing is learnt from it: it is not checked.
  if (ahead >= max_pending_) return AuthResult::kBusy;
  bool match;
  {
    std::lock_guard<std::mutex> lock(bcrypt_mu_);
    match = BcryptMatches(password, hash);
  }
  const bool ok = match && known;
  if (!key.empty()) {
    std::lock_guard<std::mutex> lock(cache_mu_);
    (ok ? granted_ : denied_).Insert(key);
  }
  return ok ? AuthResult::kGranted : AuthResult::kDenied;
}

}  // namespace proctree
