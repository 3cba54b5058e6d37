#include "exporter/cmd/malloc_arenas.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace proctree {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kGlibcMalloc = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kGlibcMalloc = false;
#else
constexpr bool kGlibcMalloc = true;
#endif
#else
constexpr bool kGlibcMalloc = true;
#endif

// glibc's malloc_info writes one <heap nr="..."> element per arena.
int Arenas() {
  char* buf = nullptr;
  std::size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  if (!f) return -1;
  malloc_info(0, f);
  std::fclose(f);
  const std::string xml(buf, len);
  std::free(buf);
  int n = 0;
  for (std::size_t at = xml.find("<heap nr="); at != std::string::npos; at = xml.find("<heap nr=", at + 1)) ++n;
  return n;
}

// As CivetWeb's workers do: threads that are alive at once, each allocating
// a scrape's worth of blocks. Without a cap each gets an arena of its own.
void AllocateInEightThreadsAtOnce() {
  constexpr int kThreads = 8;
  std::atomic<int> started{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      ++started;
      while (started.load() < kThreads) std::this_thread::yield();
      std::vector<void*> blocks;
      for (int i = 0; i < 64; ++i) {
        void* p = std::malloc(16 * 1024);
        std::memset(p, 1, 16 * 1024);
        blocks.push_back(p);
      }
      for (void* p : blocks) std::free(p);
    });
  }
  for (auto& t : threads) t.join();
}

TEST(MallocArenas, ConcurrentThreadsShareTheCappedArenas) {
  if (!kGlibcMalloc) GTEST_SKIP() << "a sanitizer's allocator replaces glibc's malloc";
  if (std::getenv("MALLOC_ARENA_MAX") || std::getenv("GLIBC_TUNABLES"))
    GTEST_SKIP() << "the environment sets the arena count";
  const int before = Arenas();
  ASSERT_GE(before, 1);
  ASSERT_EQ(LimitMallocArenas(), kMallocArenas);
  AllocateInEightThreadsAtOnce();
  EXPECT_LE(Arenas(), std::max(before, kMallocArenas));
}

TEST(MallocArenas, TheUsersSettingWins) {
  ASSERT_EQ(setenv("MALLOC_ARENA_MAX", "4", 1), 0);
  EXPECT_EQ(LimitMallocArenas(), 0);
  ASSERT_EQ(unsetenv("MALLOC_ARENA_MAX"), 0);
  ASSERT_EQ(setenv("GLIBC_TUNABLES", "glibc.malloc.check=0:glibc.malloc.arena_max=4", 1), 0);
  EXPECT_EQ(LimitMallocArenas(), 0);
  ASSERT_EQ(unsetenv("GLIBC_TUNABLES"), 0);
}

// A block that glibc maps on its own: counted in mallinfo2's hblkhd while held.
void* volatile escaped;  // so the compiler cannot drop a malloc/free pair

std::size_t MappedBytesWhileHolding(std::size_t size) {
  void* p = std::malloc(size);
  escaped = p;
  std::memset(p, 1, size);
  const std::size_t mapped = mallinfo2().hblkhd;
  std::free(p);
  return mapped;
}

TEST(MallocMmapThreshold, BigBlocksStayMappedAfterOneIsFreed) {
  if (!kGlibcMalloc) GTEST_SKIP() << "a sanitizer's allocator replaces glibc's malloc";
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") || std::getenv("GLIBC_TUNABLES"))
    GTEST_SKIP() << "the environment sets the threshold";
  constexpr std::size_t kBig = std::size_t{4} << 20;
  ASSERT_EQ(FixMmapThreshold(), kMmapThresholdBytes);
  // Unfixed, freeing the first mapped block would raise the threshold past
  // kBig and the second would come from the arena.
  EXPECT_GE(MappedBytesWhileHolding(kBig), kBig);
  EXPECT_GE(MappedBytesWhileHolding(kBig), kBig);
}

TEST(MallocMmapThreshold, TheUsersSettingWins) {
  ASSERT_EQ(setenv("MALLOC_MMAP_THRESHOLD_", "131072", 1), 0);
  EXPECT_EQ(FixMmapThreshold(), 0u);
  ASSERT_EQ(unsetenv("MALLOC_MMAP_THRESHOLD_"), 0);
  ASSERT_EQ(setenv("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=131072", 1), 0);
  EXPECT_EQ(FixMmapThreshold(), 0u);
  ASSERT_EQ(unsetenv("GLIBC_TUNABLES"), 0);
}

}  // namespace
}  // namespace proctree
