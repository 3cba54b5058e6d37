// The Windows build has no bcrypt (libxcrypt has no MinGW build; Debian
// ships none) and no OpenSSL for the cache's SHA-256: basic auth is refused
// at start-up (BasicAuthAvailable), so a BasicAuth here never has users and
// lets every request through, as the Linux one does without users.
#include "exporter/http/web_auth.h"

namespace proctree {

bool BasicAuthAvailable(std::string* why) {
  *why = "basic_auth_users is not available in the Windows build (built without bcrypt and OpenSSL)";
  return false;
}

BasicAuth::BasicAuth(std::map<std::string, std::string> users, int max_bcrypt_pending)
    : users_(std::move(users)), max_pending_(max_bcrypt_pending) {}

AuthResult BasicAuth::Check(const char*) { return enabled() ? AuthResult::kDenied : AuthResult::kGranted; }

}  // namespace proctree
