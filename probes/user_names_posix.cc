#include "probes/user_names.h"

#include <pwd.h>
#include <unistd.h>

#include <vector>

namespace proctree {

std::string UserNames::Lookup(std::uint32_t uid) {
  auto it = cache_.find(uid);
  if (it != cache_.end()) return it->second;
  std::string name = std::to_string(uid);
  struct passwd pw{};
  struct passwd* result = nullptr;
  std::vector<char> buf(16384);
  if (::getpwuid_r(uid, &pw, buf.data(), buf.size(), &result) == 0 && result && result->pw_name) {
    name = result->pw_name;
  }
  // The cache is bounded by the number of distinct uids running, which a host bounds.
  cache_.emplace(uid, name);
  return name;
}

}  // namespace proctree
