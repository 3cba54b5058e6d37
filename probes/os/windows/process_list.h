#pragma once
// What NtQuerySystemInformation(SystemProcessInformation) answers, read into
// ProcessSamples: one entry per process, chained by NextEntryOffset, each
// followed by its threads. Portable (fixed-width types, 64-bit layout) so
// that Linux unit tests can walk a buffer built by hand.
#include <cstddef>
#include <cstdint>
#include <functional>

#include "probes/process_sample.h"
#include "probes/scan_request.h"

namespace proctree {
namespace win {

static_assert(sizeof(void*) == 8, "the layout below is the 64-bit one");

struct SpiUnicodeString {
  std::uint16_t length;  // bytes, not characters
  std::uint16_t maximum_length;
  const char16_t* buffer;
};

// SYSTEM_PROCESS_INFORMATION, as documented by Microsoft and ReactOS.
struct SpiProcess {
  std::uint32_t next_entry_offset;
  std::uint32_t number_of_threads;
  std::int64_t working_set_private_size;
  std::uint32_t hard_fault_count;
  std::uint32_t number_of_threads_high_watermark;
  std::uint64_t cycle_time;
  std::int64_t create_time;  // FILETIME: 100 ns since 1601-01-01 UTC
  std::int64_t user_time;    // 100 ns
  std::int64_t kernel_time;
  SpiUnicodeString image_name;
  std::int32_t base_priority;
  std::uintptr_t unique_process_id;
  std::uintptr_t inherited_from_unique_process_id;
  std::uint32_t handle_count;
  std::uint32_t session_id;
  std::uintptr_t unique_process_key;
  std::size_t peak_virtual_size, virtual_size;
  std::uint32_t page_fault_count;
  std::size_t peak_working_set_size, working_set_size;
  std::size_t quota_peak_paged_pool_usage, quota_paged_pool_usage;
  std::size_t quota_peak_non_paged_pool_usage, quota_non_paged_pool_usage;
  std::size_t pagefile_usage, peak_pagefile_usage, private_page_count;
  std::int64_t read_operation_count, write_operation_count, other_operation_count;
  std::int64_t read_transfer_count, write_transfer_count, other_transfer_count;
};
static_assert(sizeof(SpiProcess) == 256, "SYSTEM_PROCESS_INFORMATION is 0x100 bytes on x64");

// SYSTEM_THREAD_INFORMATION: only the state is read.
struct SpiThread {
  std::int64_t kernel_time, user_time, create_time;
  std::uint32_t wait_time;
  const void* start_address;
  std::uintptr_t client_process, client_thread;
  std::int32_t priority, base_priority;
  std::uint32_t context_switches;
  std::uint32_t thread_state;
  std::uint32_t wait_reason;
};
static_assert(sizeof(SpiThread) == 80, "SYSTEM_THREAD_INFORMATION is 0x50 bytes on x64");

// One entry, copied out of the buffer (Wine does not align entries to 8
// bytes), and where its thread records start.
struct SpiEntry {
  SpiProcess process;
  const unsigned char* threads;  // process.number_of_threads SpiThread records, maybe unaligned
};

// Calls fn for each entry that lies wholly inside buf[0, size) (its threads
// too); false when the chain left the buffer (a torn or short answer).
bool ForEachProcess(const void* buf, std::size_t size, const std::function<void(const SpiEntry&)>& fn);

// Seconds since the unix epoch of a FILETIME.
double FiletimeToUnixSeconds(std::int64_t filetime);

// Fills everything the entry has for the groups `req` asks; exe (which needs
// OpenProcess) is left to the probe. boot_time: the start of pids 0 and 4,
// whose create time is 0.
void FillSample(const SpiEntry& e, const ScanRequest& req, double boot_time, ProcessSample* s);

// running (a thread ready or on a CPU), stopped (every thread suspended),
// zombie (no thread left: an exited process its handles keep listed), sleeping.
ProcessState StateOf(const SpiEntry& e);

}  // namespace win
}  // namespace proctree
