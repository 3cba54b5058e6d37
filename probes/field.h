#pragma once
// A sampled value that remembers why it has no value, so serialization can
// tell "the allowlist skipped it" from "this OS has no such thing" from
// "the read failed" and never invents a zero for any of them.
#include <cstdint>
#include <utility>

namespace proctree {

enum class FieldState : std::uint8_t {
  kNotRequested,  // the scan request did not ask for its group
  kUnsupported,   // this OS (or this process kind, e.g. a kernel thread) has none
  kFailed,        // the read failed; the error was counted
  kValue,
};

template <typename T>
struct Field {
  FieldState state = FieldState::kNotRequested;
  T value{};

  bool has_value() const { return state == FieldState::kValue; }
  void set(T v) {
    value = std::move(v);
    state = FieldState::kValue;
  }
  void mark(FieldState s) {
    // A value, once read, is not overwritten by a later failure of another file.
    if (state != FieldState::kValue) state = s;
  }
};

}  // namespace proctree
