#pragma once
// Gives the kernel back what a scrape much larger than usual left free.
//
// glibc keeps the memory a scrape frees for the next one (docs/soak.md:
// fresh memory costs far more than reused). After a spike (a 10,000-deep
// chain of processes, a fork bomb that is gone again) that kept memory is
// the spike's size, and it stayed at that RSS for good: 35 MB became 766 MB.
// So after each scrape the scrape thread compares the anonymous memory
// resident (/proc/self/statm) with what malloc had in use as the scrape
// ended, its payload included (mallinfo2), each a few microseconds, and
// calls malloc_trim(0) only when resident memory is far above that. A
// normal scrape, whose leftover free memory is about the next scrape's
// worth, never pays for a trim and its refaults; a sustained big load (the
// chain still there) keeps its memory in use, so it is not trimmed either;
// and once trimmed, the free chunks are no longer resident, so the next
// scrape does not trim again.
#include <cstddef>
#include <cstdlib>  // defines __GLIBC__ on glibc

#include "probes/os/native_probe.h"  // ResidentAnonBytes

namespace proctree {

// Whether malloc is glibc's: not under a sanitizer, whose allocator glibc's
// figures do not see.
#if !defined(__GLIBC__)
inline constexpr bool kGlibcMallocInUse = false;
#elif defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kGlibcMallocInUse = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
inline constexpr bool kGlibcMallocInUse = false;
#else
inline constexpr bool kGlibcMallocInUse = true;
#endif
#else
inline constexpr bool kGlibcMallocInUse = true;
#endif

struct HeapTrimPolicy {
  // Trim when resident anonymous memory > floor_bytes and > ratio x in use.
  // Measured after scrapes with the payload in use: 1.5x at ~150 processes
  // (2.7 MB resident), 1.1-1.4x at 2,000, 1.0-1.4x while a 10,000-deep chain is scraped
  // (125 MB in use), 22x once it is gone (3 MB in use, 66 MB resident).
  std::size_t floor_bytes = std::size_t{16} << 20;
  double ratio = 4;
  bool ShouldTrim(std::size_t in_use_bytes, std::size_t resident_bytes) const {
    return resident_bytes > floor_bytes &&
           static_cast<double>(resident_bytes) > ratio * static_cast<double>(in_use_bytes);
  }
};

struct HeapTrimResult {
  bool trimmed = false;
  std::size_t in_use_bytes = 0;    // as given
  std::size_t resident_bytes = 0;  // anonymous memory resident before the trim
  std::size_t resident_after = 0;  // and after it (0 when it did not trim)
  double seconds = 0;              // what the trim took
};


// What malloc has in use (mmapped chunks included), or 0 when it cannot
// tell (not glibc, or a sanitizer's allocator, which glibc's figures do not
// see).
std::size_t HeapInUseBytes();

// Trims when the policy says so, given HeapInUseBytes() at the scrape's end
// (while its payload was still held). Never trims when in_use_bytes is 0.
HeapTrimResult TrimHeapIfBloated(std::size_t in_use_bytes, const HeapTrimPolicy& policy = {});

}  // namespace proctree
