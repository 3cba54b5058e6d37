#pragma once
// Bcrypt hashes and basic-auth header values made in the test, for the web
// config and basic auth tests.
#include <gtest/gtest.h>

#include <crypt.h>

#include <string>

namespace proctree::testing {

// A bcrypt hash made here with libxcrypt; the lowest cost unless asked.
inline std::string Bcrypt(const std::string& password, const char* prefix = "$2b$", unsigned long cost = 4) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn(prefix, cost, nullptr, 0, setting, sizeof(setting)), nullptr);
  crypt_data data{};
  const char* out = crypt_rn(password.c_str(), setting, &data, sizeof(data));
  EXPECT_NE(out, nullptr);
  return out ? out : "";
}

// "Basic " and base64(user:password), as a client sends it.
inline std::string BasicHeader(const std::string& user, const std::string& password) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string in = user + ":" + password;
  std::string out = "Basic ";
  for (std::size_t j = 0; j < in.size(); j += 3) {
    unsigned n = static_cast<unsigned>(static_cast<unsigned char>(in[j])) << 16;
    if (j + 1 < in.size()) n |= static_cast<unsigned>(static_cast<unsigned char>(in[j + 1])) << 8;
    if (j + 2 < in.size()) n |= static_cast<unsigned char>(in[j + 2]);
    out += k[(n >> 18) & 63];
    out += k[(n >> 12) & 63];
    out += j + 1 < in.size() ? k[(n >> 6) & 63] : '=';
    out += j + 2 < in.size() ? k[n & 63] : '=';
  }
  return out;
}

}  // namespace proctree::testing
