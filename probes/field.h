#pragma once
// A sampled value that remembers why it has no value, so serialization can
// tell "the allowlist skipped it" from "this OS has no such thing" from
// "the read failed" and never invents a zero for any of them.
#include <cstdint>
#include <type_traits>
#include <utility>

namespace proctree {

enum class FieldState : std::uint8_t {
  kNotRequested,  // the scan request did not ask for its group
  kUnsupported,   // this OS (or this process kind, e.g. a kernel thread) has none
  kFailed,        // the read failed; the error was counted
  kValue,
};

template <typename Self>
struct FieldAccess {
  bool has_value() const { return self().state == FieldState::kValue; }
  template <typename V>
  void set(V&& v) {
    self().value = std::forward<V>(v);
    self().state = FieldState::kValue;
  }
  void mark(FieldState s) {
    // A value, once read, is not overwritten by a later failure of another file.
    if (self().state != FieldState::kValue) self().state = s;
  }

 private:
  const Self& self() const { return static_cast<const Self&>(*this); }
  Self& self() { return static_cast<Self&>(*this); }
};

template <typename T, typename = void>
struct Field : FieldAccess<Field<T>> {
  FieldState state = FieldState::kNotRequested;
  T value{};
};

// Numbers are packed: a ProcessSample holds ~36 of them, each padded from 9
// to 16 bytes unpacked, and a scan holds a sample per process (704 bytes a
// sample unpacked, 7 MB of the heap at 10,000 processes).
template <typename T>
struct __attribute__((packed)) Field<T, std::enable_if_t<std::is_arithmetic_v<T>>> : FieldAccess<Field<T>> {
  FieldState state = FieldState::kNotRequested;
  T value{};
};

}  // namespace proctree
