#pragma once
// The exit listener: a generic-netlink taskstats socket registered for the
// exit records of every possible CPU, read continuously on its own thread
// into a bounded queue that each scrape drains. Needs CAP_NET_ADMIN in the
// initial user and pid namespaces (the kernel refuses the registration
// otherwise); docs/exits.md.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "probes/exit_record.h"

namespace proctree {

class TaskstatsListener {
 public:
  // nullptr with *why set when the kernel or the privileges do not allow it.
  static std::unique_ptr<TaskstatsListener> Start(const ExitAccountingOptions& opts, double ticks_per_second,
                                                  std::string* why);
  ~TaskstatsListener();
  TaskstatsListener(const TaskstatsListener&) = delete;
  TaskstatsListener& operator=(const TaskstatsListener&) = delete;

  // Appends the queued records to *out and sets *stats to the running totals.
  void Drain(std::vector<ExitRecord>* out, ExitStats* stats);

 private:
  TaskstatsListener(int sock, int wake, std::size_t max_queued, double ticks_per_second);
  void Run();
  void ReadAvailable(std::vector<char>& buf);
  void Keep(const char* msg, std::size_t len, std::uint64_t boottime_ns);
  std::uint64_t KernelDrops() const;

  const int sock_;
  const int wake_;  // eventfd that ends Run
  const std::size_t max_queued_;
  const double ticks_per_second_;
  std::uint64_t inode_ = 0;  // the socket's, for its Drops column in /proc/self/net/netlink
  std::mutex mu_;
  std::vector<ExitRecord> queue_;  // guarded by mu_
  ExitStats stats_;                // guarded by mu_ (lost filled at Drain)
  std::thread thread_;
};

// The possible CPUs as a cpulist ("0-3"), from /sys/devices/system/cpu/possible.
std::string PossibleCpuList(const std::string& path = "/sys/devices/system/cpu/possible");

// The Drops column of the netlink socket with this inode in a
// /proc/net/netlink text; nullopt-like false when absent.
bool ParseNetlinkDrops(const std::string& text, std::uint64_t inode, std::uint64_t* drops);

}  // namespace proctree
