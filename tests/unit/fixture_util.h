#pragma once
// Reading fixture files byte for byte (tests/fixtures, see its README.md).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace proctree::testing {

inline std::string FixturePath(std::string_view rel) {
  return std::string(PROCTREE_FIXTURES) + "/" + std::string(rel);
}

// The whole file; a missing fixture fails the calling test.
inline std::string ReadFixture(std::string_view rel) {
  std::ifstream in(FixturePath(rel), std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "missing fixture " << FixturePath(rel);
    return {};
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace proctree::testing
