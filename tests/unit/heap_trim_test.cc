// exporter/scrape/heap_trim.h: malloc_trim only after a spike, on this process's
// real glibc heap (the malloc_unit_tests binary runs each case alone).
#include "exporter/scrape/heap_trim.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace proctree {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

TEST(HeapTrim, PolicyTrimsOnlyWhenResidentIsFarAboveInUse) {
  const HeapTrimPolicy p;  // 16 MiB floor, 4x
  EXPECT_FALSE(p.ShouldTrim(2 * kMiB, 12 * kMiB)) << "a small heap, 6x: below the floor";
  EXPECT_FALSE(p.ShouldTrim(40 * kMiB, 120 * kMiB)) << "a big host's normal scrape: 3x";
  EXPECT_TRUE(p.ShouldTrim(20 * kMiB, 700 * kMiB)) << "after a spike";
  EXPECT_FALSE(p.ShouldTrim(200 * kMiB, 700 * kMiB)) << "during a sustained big scrape";
}

TEST(HeapTrim, ResidentAnonBytesSeesAnAllocation) {
  const std::size_t before = ResidentAnonBytes();
  ASSERT_GT(before, 0u);
  std::vector<char> block(64 * kMiB);
  std::memset(block.data(), 1, block.size());
  EXPECT_GE(ResidentAnonBytes(), before + 60 * kMiB);
}

// A spike's worth of small blocks freed around a few survivors, as a huge
// scrape leaves the heap: glibc keeps the pages (the survivors stop it from
// shrinking the heap's top), until the trim gives them back; the next call
// finds nothing to do.
TEST(HeapTrim, TrimsAfterASpikeAndNotAgain) {
  if (!kGlibcMallocInUse) GTEST_SKIP() << "a sanitizer's allocator, not glibc's";
  constexpr std::size_t kBlock = 1024, kBlocks = 256 * 1024;  // 256 MiB
  std::vector<void*> blocks(kBlocks);
  for (auto& b : blocks) {
    b = std::malloc(kBlock);
    ASSERT_NE(b, nullptr);
    std::memset(b, 1, kBlock);
  }
  std::vector<void*> survivors;
  for (std::size_t i = 0; i < kBlocks; ++i) {
    if (i % 4096 == 4095) survivors.push_back(blocks[i]);
    else std::free(blocks[i]);
  }
  const std::size_t spike = ResidentAnonBytes();
  ASSERT_GT(spike, 200 * kMiB) << "freed blocks stay resident until trimmed";

  const HeapTrimResult r = TrimHeapIfBloated(HeapInUseBytes());
  EXPECT_TRUE(r.trimmed);
  EXPECT_LT(r.resident_after + 150 * kMiB, spike);
  EXPECT_LT(ResidentAnonBytes() + 150 * kMiB, spike);
  const HeapTrimResult again = TrimHeapIfBloated(HeapInUseBytes());
  EXPECT_FALSE(again.trimmed) << again.resident_bytes << " resident, " << again.in_use_bytes << " in use";
  for (void* b : survivors) std::free(b);
}

TEST(HeapTrim, NormalHeapIsNotTrimmed) {
  if (!kGlibcMallocInUse) GTEST_SKIP() << "a sanitizer's allocator, not glibc's";
  std::vector<std::vector<char>> live;
  for (int i = 0; i < 16; ++i) live.emplace_back(kMiB, 'x');  // in use, not free
  EXPECT_FALSE(TrimHeapIfBloated(HeapInUseBytes()).trimmed);
}

}  // namespace
}  // namespace proctree
