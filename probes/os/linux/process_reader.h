#pragma once
// Reads one process's /proc/[pid] files into a ProcessSample, each file once
// (psutil's oneshot()), relative to the pid directory's fd; one per scan, so
// its buffer is reused from process to process.
#include <cstdint>
#include <memory>
#include <string_view>

#include "probes/os/linux/linux_probe.h"

namespace proctree {

class ProcessReader {
 public:
  ProcessReader(ScanErrors& errors, double ticks, double boot_time, LinuxProbe::MissingFiles missing);
  ~ProcessReader();

  enum class Outcome { kOk, kVanished };

  // Fills *s from the directory pid_fd. kVanished means: drop the process.
  Outcome Read(int pid_fd, std::int64_t pid, std::string_view dir_path, const ScanRequest& req, ProcessSample* s);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace proctree
