#pragma once
// uid -> user name, resolved once per uid and cached (getpwuid_r can cost an
// NSS round-trip). One scrape at a time.
#include <cstdint>
#include <string>
#include <unordered_map>

namespace proctree {

class UserNames {
 public:
  // The name, or the decimal uid when the uid has no entry.
  std::string Lookup(std::uint32_t uid);

 private:
  std::unordered_map<std::uint32_t, std::string> cache_;
};

}  // namespace proctree
