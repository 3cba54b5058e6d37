#pragma once
// One probe scan turned into what tests assert on: samples by pid and the
// errors it counted; and checks of a field's state and value.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include "probes/os/linux/linux_probe.h"
#include "probes/probe_errors.h"

namespace proctree::testing {

struct Scanned {
  std::map<std::int64_t, ProcessSample> by_pid;
  std::map<std::string, std::uint64_t> syscall_errors;  // "syscall/source/errno"
  std::map<std::string, std::uint64_t> parse_errors;    // source
};

inline Scanned ScanWith(const LinuxProbe& probe, ScanRequest req = {}) {
  Scanned out;
  ScanErrors errors;
  ScanResult r = probe.Scan(req, errors);
  for (auto& s : r.processes) {
    const std::int64_t pid = s.pid;
    EXPECT_TRUE(out.by_pid.emplace(pid, std::move(s)).second) << "duplicate pid " << pid;
  }
  for (const auto& [k, n] : errors.syscall_errors()) out.syscall_errors[k.syscall + "/" + k.source + "/" + k.err] = n;
  out.parse_errors = errors.parse_errors();
  return out;
}

// The probe over a proc root; a root it refuses fails the calling test.
inline std::unique_ptr<LinuxProbe> OpenProbe(const std::string& root) {
  std::string error;
  auto probe = LinuxProbe::Open(root, &error);
  EXPECT_NE(probe, nullptr) << error;
  return probe;
}

inline std::set<std::int64_t> Pids(const Scanned& s) {
  std::set<std::int64_t> pids;
  for (const auto& [pid, _] : s.by_pid) pids.insert(pid);
  return pids;
}

template <typename T, typename U>
void ExpectValue(const Field<T>& f, U want, const std::string& what) {
  EXPECT_EQ(f.state, FieldState::kValue) << what;
  EXPECT_EQ(f.value, static_cast<T>(want)) << what;
}

template <typename... Fields>
void ExpectState(FieldState want, const std::string& what, const Fields&... fields) {
  int i = 0;
  for (FieldState got : {fields.state...}) EXPECT_EQ(static_cast<int>(got), static_cast<int>(want)) << what << " #" << i++;
}

}  // namespace proctree::testing
