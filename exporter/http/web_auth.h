#pragma once
// HTTP basic auth against bcrypt hashes, the way exporter-toolkit does it,
// made to hold under a flood of wrong passwords:
//  - an unknown user's password is checked against the configured hash of
//    the highest cost, so the time taken does not tell which users exist;
//  - bcrypt runs one at a time (it is CPU-heavy by design), and only a few
//    checks may wait for it: past that the answer is "busy" at once, without
//    bcrypt, so a flood cannot hold every HTTP worker in a queue;
//  - outcomes are cached (keyed by user, hash and password, as in
//    exporter-toolkit) so a scrape every few seconds does not pay for bcrypt;
//    successes and failures in separate caches, so a flood of wrong passwords
//    cannot evict a scraper's good credentials, which then never wait.
#include <atomic>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace proctree {

// Splits an Authorization header value "Basic base64(user:password)" (the
// scheme case-insensitive); false when it is another scheme or malformed.
bool ParseBasicAuthorization(std::string_view header, std::string* user, std::string* password);

// True when crypt(3) (libxcrypt: $2a$, $2b$, $2y$) turns `password` into
// `hash`; the final comparison takes the same time wherever they differ.
bool BcryptMatches(const std::string& password, const std::string& hash);

// Whether this build can check basic auth (false in the Windows build, which
// has no bcrypt: a web config with basic_auth_users is refused, `why` says so).
bool BasicAuthAvailable(std::string* why);

enum class AuthResult {
  kGranted,
  kDenied,  // no, malformed or wrong credentials: 401
  kBusy,    // not checked: too many checks already wait for bcrypt (429)
};

class BasicAuth {
 public:
  static constexpr std::size_t kCacheSize = 100;  // each of the two caches
  // Checks running or waiting for bcrypt at once. Each holds an HTTP worker
  // for up to this many bcrypt times (about 0.25 s each at cost 12).
  static constexpr int kMaxBcryptPending = 4;

  explicit BasicAuth(std::map<std::string, std::string> users, int max_bcrypt_pending = kMaxBcryptPending);
  bool enabled() const { return !users_.empty(); }
  // `authorization` is the request's Authorization header, or nullptr.
  AuthResult Check(const char* authorization);
  // Checks now running or waiting for bcrypt.
  int bcrypt_pending() const { return pending_.load(); }

  // The hash unknown users are checked against: the configured hash of the
  // highest cost (an unknown user then costs at least what any user does).
  static std::string DummyHash(const std::map<std::string, std::string>& users);

 private:
  // The newest kCacheSize keys, oldest evicted first.
  class KeySet {
   public:
    bool Contains(const std::string& key) const { return keys_.count(key) != 0; }
    void Insert(const std::string& key);

   private:
    std::unordered_set<std::string> keys_;
    std::deque<std::string> order_;
  };

  AuthResult CheckUncached(const std::string& password, const std::string& hash, bool known, const std::string& key);

  const std::map<std::string, std::string> users_;
  const std::string dummy_hash_;
  const int max_pending_;
  std::atomic<int> pending_{0};
  std::mutex bcrypt_mu_;  // one bcrypt at a time
  std::mutex cache_mu_;   // never held during bcrypt
  KeySet granted_;        // sha256(user, hash, password) of checks that passed
  KeySet denied_;         // ... and of checks that failed
};

}  // namespace proctree
