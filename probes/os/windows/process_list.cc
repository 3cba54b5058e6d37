#include "probes/os/windows/process_list.h"

#include <algorithm>
#include <cstring>

#include "probes/os/windows/win_text.h"

namespace proctree {
namespace win {

namespace {

constexpr std::int64_t kUnixEpochAsFiletime = 116444736000000000LL;
constexpr double kFiletimeTicksPerSecond = 1e7;

// KTHREAD_STATE and KWAIT_REASON values.
constexpr std::uint32_t kReady = 1, kRunning = 2, kStandby = 3, kWaiting = 5, kDeferredReady = 7;
constexpr std::uint32_t kSuspended = 5;

template <typename... Fields>
void Mark(FieldState st, Fields&... f) {
  (f.mark(st), ...);
}

std::uint64_t Count(std::int64_t v) { return static_cast<std::uint64_t>(std::max<std::int64_t>(v, 0)); }

void FillStat(const SpiProcess& e, ProcessSample* s) {
  s->cpu_user_seconds.set(static_cast<double>(e.user_time) / kFiletimeTicksPerSecond);
  s->cpu_system_seconds.set(static_cast<double>(e.kernel_time) / kFiletimeTicksPerSecond);
  // PageFaultCount counts every fault; HardFaultCount those that read a file.
  const std::uint64_t hard = std::min(e.hard_fault_count, e.page_fault_count);
  s->minor_faults.set(e.page_fault_count - hard);
  s->major_faults.set(hard);
  s->threads.set(e.number_of_threads);
  s->handles.set(e.handle_count);
  Mark(FieldState::kUnsupported, s->children_user_seconds, s->children_system_seconds, s->blkio_delay_seconds,
       s->children_minor_faults, s->children_major_faults, s->nice);
}

void FillMemory(const SpiProcess& e, ProcessSample* s) {
  s->memory_rss_bytes.set(e.working_set_size);
  s->memory_vms_bytes.set(e.virtual_size);
  // Private bytes: committed memory no other process shares (VmData+VmStk's counterpart).
  s->memory_data_bytes.set(e.private_page_count);
  Mark(FieldState::kUnsupported, s->memory_shared_bytes, s->memory_text_bytes, s->memory_swap_bytes);
}

// Windows counts bytes passed to ReadFile/WriteFile (any device, cache hits
// included), which is what Linux's rchar/wchar count, and the calls.
void FillIo(const SpiProcess& e, ProcessSample* s) {
  s->io_read_chars.set(Count(e.read_transfer_count));
  s->io_write_chars.set(Count(e.write_transfer_count));
  s->io_read_syscalls.set(Count(e.read_operation_count));
  s->io_write_syscalls.set(Count(e.write_operation_count));
  Mark(FieldState::kUnsupported, s->io_read_bytes, s->io_write_bytes);
}

}  // namespace

bool ForEachProcess(const void* buf, std::size_t size, const std::function<void(const SpiEntry&)>& fn) {
  const auto* base = static_cast<const unsigned char*>(buf);
  std::size_t at = 0;
  SpiEntry e;
  for (;;) {
    if (size < sizeof(SpiProcess) || at > size - sizeof(SpiProcess)) return false;
    std::memcpy(&e.process, base + at, sizeof(SpiProcess));
    e.threads = base + at + sizeof(SpiProcess);
    const std::size_t threads_bytes = static_cast<std::size_t>(e.process.number_of_threads) * sizeof(SpiThread);
    if (threads_bytes > size - at - sizeof(SpiProcess)) return false;
    fn(e);
    if (e.process.next_entry_offset == 0) return true;
    at += e.process.next_entry_offset;  // forward only: an offset is unsigned
  }
}

double FiletimeToUnixSeconds(std::int64_t filetime) {
  return static_cast<double>(filetime - kUnixEpochAsFiletime) / kFiletimeTicksPerSecond;
}

ProcessState StateOf(const SpiEntry& entry) {
  if (entry.process.number_of_threads == 0) return ProcessState::kZombie;
  bool all_suspended = true;
  SpiThread t;
  for (std::uint32_t i = 0; i < entry.process.number_of_threads; ++i) {
    std::memcpy(&t, entry.threads + i * sizeof(SpiThread), sizeof t);
    const std::uint32_t st = t.thread_state;
    if (st == kReady || st == kRunning || st == kStandby || st == kDeferredReady) return ProcessState::kRunning;
    all_suspended = all_suspended && st == kWaiting && t.wait_reason == kSuspended;
  }
  return all_suspended ? ProcessState::kStopped : ProcessState::kSleeping;
}

void FillSample(const SpiEntry& entry, const ScanRequest& req, double boot_time, ProcessSample* s) {
  const SpiProcess& e = entry.process;
  s->pid = static_cast<std::int64_t>(e.unique_process_id);
  s->ppid = static_cast<std::int64_t>(e.inherited_from_unique_process_id);
  if (e.image_name.buffer && e.image_name.length)
    s->comm = Utf16ToUtf8(std::u16string_view(e.image_name.buffer, e.image_name.length / 2));
  else if (s->pid == 0)
    s->comm = "System Idle Process";  // the kernel gives it no name; psutil's
  s->state = StateOf(entry);
  s->start_time_ticks = static_cast<std::uint64_t>(std::max<std::int64_t>(e.create_time, 0));
  s->start_time_seconds = e.create_time > 0 ? FiletimeToUnixSeconds(e.create_time) : boot_time;
  FillStat(e, s);
  if (req.groups.has(FieldGroup::kStatus))
    Mark(FieldState::kUnsupported, s->uid, s->voluntary_ctxt_switches, s->involuntary_ctxt_switches);
  if (req.groups.has(FieldGroup::kMemory)) FillMemory(e, s);
  if (req.groups.has(FieldGroup::kIo)) FillIo(e, s);
  if (req.groups.has(FieldGroup::kFds)) s->open_fds.mark(FieldState::kUnsupported);
  if (req.groups.has(FieldGroup::kLimits)) s->max_fds.mark(FieldState::kUnsupported);
  if (req.groups.has(FieldGroup::kCmdline)) s->cmdline.mark(FieldState::kUnsupported);
  if (req.groups.has(FieldGroup::kCgroup)) s->cgroup.mark(FieldState::kUnsupported);
}

}  // namespace win
}  // namespace proctree
