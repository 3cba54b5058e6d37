#pragma once
// HTTP basic auth against bcrypt hashes, the way exporter-toolkit does it:
// an unknown user is checked against a dummy hash so the time taken does not
// tell which users exist, bcrypt runs one at a time (it is CPU-heavy by
// design), and recent outcomes are cached so a scrape every few seconds does
// not pay for bcrypt each time.
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace proctree {

// Splits an Authorization header value "Basic base64(user:password)" (the
// scheme case-insensitive); false when it is another scheme or malformed.
bool ParseBasicAuthorization(std::string_view header, std::string* user, std::string* password);

// True when crypt(3) (libxcrypt: $2a$, $2b$, $2y$) turns `password` into
// `hash`; the final comparison takes the same time wherever they differ.
bool BcryptMatches(const std::string& password, const std::string& hash);

class BasicAuth {
 public:
  explicit BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}
  bool enabled() const { return !users_.empty(); }
  // `authorization` is the request's Authorization header, or nullptr.
  bool Check(const char* authorization);

  static constexpr std::size_t kCacheSize = 100;

 private:
  const std::map<std::string, std::string> users_;
  std::mutex bcrypt_mu_;  // one bcrypt at a time
  std::mutex cache_mu_;
  std::unordered_map<std::string, bool> cache_;  // sha256(user, hash, password) -> outcome
  std::deque<std::string> cache_order_;          // oldest first, for eviction
};

}  // namespace proctree
