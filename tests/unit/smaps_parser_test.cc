// smaps_rollup and smaps parsing against the real captures in
// tests/fixtures/files/smaps (see tests/fixtures/README.md). Every expected
// figure was read from those files by hand (kB, as the kernel prints them).
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "probes/memory_details.h"
#include "probes/os/linux/smaps_parser.h"

namespace proctree::linux_proc {
namespace {

constexpr std::uint64_t kKiB = 1024;

std::string ReadSmapsFixture(std::string_view rel) {
  const std::string path = std::string(PROCTREE_FIXTURES) + "/files/smaps/" + std::string(rel);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "missing fixture " << path;
    return {};
  }
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// One path's expected figures in kB, in MapFigures' order.
struct Kb {
  std::uint64_t rss, size, pss, shared_clean, shared_dirty, private_clean, private_dirty, referenced, anonymous,
      swap;
};
struct ExpectedMap {
  std::string path;
  std::uint64_t mappings;
  Kb kb;
};

void ExpectFigures(const MapFigures& f, const Kb& kb, const std::string& path) {
  SCOPED_TRACE(path);
  EXPECT_EQ(f.rss, kb.rss * kKiB);
  EXPECT_EQ(f.size, kb.size * kKiB);
  EXPECT_EQ(f.pss, kb.pss * kKiB);
  EXPECT_EQ(f.shared_clean, kb.shared_clean * kKiB);
  EXPECT_EQ(f.shared_dirty, kb.shared_dirty * kKiB);
  EXPECT_EQ(f.private_clean, kb.private_clean * kKiB);
  EXPECT_EQ(f.private_dirty, kb.private_dirty * kKiB);
  EXPECT_EQ(f.referenced, kb.referenced * kKiB);
  EXPECT_EQ(f.anonymous, kb.anonymous * kKiB);
  EXPECT_EQ(f.swap, kb.swap * kKiB);
}

// The whole grouped list, in order (largest rss first, ties by path).
void ExpectMaps(const MemoryDetails& d, const std::vector<ExpectedMap>& want) {
  ASSERT_EQ(d.maps.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("position " + std::to_string(i));
    EXPECT_EQ(d.maps[i].path, want[i].path);
    EXPECT_EQ(d.maps[i].mappings, want[i].mappings) << want[i].path;
    ExpectFigures(d.maps[i].figures, want[i].kb, want[i].path);
  }
}

const MemoryMap* FindPath(const MemoryDetails& d, std::string_view path) {
  for (const auto& m : d.maps)
    if (m.path == path) return &m;
  return nullptr;
}

// normal/smaps (sleep): 37 mappings, 23 paths.
const std::vector<ExpectedMap> kNormalMaps = {
      {"/usr/lib/x86_64-linux-gnu/libc.so.6", 5, {1308, 1876, 24, 1284, 0, 0, 24, 1308, 24, 0}},
      {"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 5, {212, 212, 16, 196, 0, 0, 16, 212, 16, 0}},
      {"/usr/lib/locale/C.utf8/LC_CTYPE", 1, {128, 348, 0, 128, 0, 0, 0, 128, 0, 0}},
      {"/usr/bin/sleep", 5, {44, 44, 8, 36, 0, 0, 8, 44, 8, 0}},
      {"[anon]", 3, {32, 72, 32, 0, 0, 0, 32, 32, 32, 0}},
      {"/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache", 1, {28, 28, 0, 28, 0, 0, 0, 28, 0, 0}},
      {"[heap]", 1, {16, 132, 16, 0, 0, 0, 16, 16, 16, 0}},
      {"[stack]", 1, {12, 132, 12, 0, 0, 0, 12, 12, 12, 0}},
      {"/usr/lib/locale/C.utf8/LC_ADDRESS", 1, {4, 4, 0, 4, 0, 0, 0, 4, 0, 0}},
      {"/usr/lib/locale/C.utf8/LC_COLLATE", 1, {4, 4, 0, 4, 0, 0, 0, 4, 0, 0}},
      {"/usr/lib/locale/C.utf8/LC_IDENTIFICATION", 1, {4, 4, 0, 4, 0, 0, 0, 4, 0, 0}},
      {"/usr/lib/locale/C.utf8/LC_MEASUREMENT", 1, {4, 4, 0, 4, 0, 0, 0, 4, 0, 0}},
      {"/usr/lib/locale/C.utf8/LC_MESSAGES/SYS_LC_MESSAGES", 1, {4, 4, 0, 4, 0, 0, 0, 4, 0, 0}},
      {"/usr/lib/locale/C.utf8/LC_MONETARY", 1, {4, 4, 0, 4, 0, 0, 0, 4, 0, 0}},
      {"/usr/lib/locale/C.utf8/LC_NAME", 1, {4, 4, 0, 4, 0, 0, 0, 4, 0, 0}},
      {"/usr/lib/locale/C.utf8/LC_NUMERIC", 1, {4, 4, 0, 4, 0, 0, 0, 4, 0, 0}},
      {"/usr/lib/locale/C.utf8/LC_PAPER", 1, {4, 4, 0, 4, 0, 0, 0, 4, 0, 0}},
      {"/usr/lib/locale/C.utf8/LC_TELEPHONE", 1, {4, 4, 0, 4, 0, 0, 0, 4, 0, 0}},
      {"/usr/lib/locale/C.utf8/LC_TIME", 1, {4, 4, 0, 4, 0, 0, 0, 4, 0, 0}},
      {"[vdso]", 1, {4, 8, 0, 4, 0, 0, 0, 4, 0, 0}},
      {"[vsyscall]", 1, {0, 4, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"[vvar]", 1, {0, 16, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"[vvar_vclock]", 1, {0, 8, 0, 0, 0, 0, 0, 0, 0, 0}},
};

// special/smaps (python3 child): 90 mappings, 28 paths.
const std::vector<ExpectedMap> kSpecialMaps = {
      {"[anon]", 10, {7568, 11196, 6364, 0, 2408, 0, 5160, 5296, 7568, 0}},
      {"/usr/bin/python3.11", 5, {4408, 6676, 1368, 3148, 928, 64, 268, 3596, 1196, 0}},
      {"[heap]", 2, {1880, 2008, 1074, 0, 1612, 0, 268, 368, 1880, 0}},
      {"/usr/lib/x86_64-linux-gnu/libc.so.6", 5, {740, 1876, 16, 716, 16, 0, 8, 728, 24, 0}},
      {"/var/tmp/proctree-smaps-capture/data.bin", 1, {256, 256, 256, 0, 0, 256, 0, 256, 0, 0}},
      {"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 5, {204, 212, 12, 188, 8, 0, 8, 200, 16, 0}},
      {"/var/tmp/proctree-smaps-capture/with space.bin", 1, {128, 128, 128, 0, 0, 120, 8, 128, 8, 0}},
      {"/usr/lib/python3.11/lib-dynload/_ctypes.cpython-311-x86_64-linux-gnu.so", 5, {112, 136, 26, 92, 16, 0, 4, 112, 20, 0}},
      {"/usr/lib/x86_64-linux-gnu/libm.so.6", 5, {72, 896, 6, 64, 8, 0, 0, 68, 8, 0}},
      {"/memfd:proctree-fixture (deleted)", 1, {64, 64, 64, 0, 0, 0, 64, 64, 0, 0}},
      {"/var/tmp/proctree-smaps-capture/deleted.bin (deleted)", 1, {64, 64, 64, 0, 0, 64, 0, 64, 0, 0}},
      {"[stack]", 1, {60, 132, 34, 0, 52, 0, 8, 12, 60, 0}},
      {"/usr/lib/x86_64-linux-gnu/libffi.so.8.1.2", 5, {40, 48, 6, 32, 8, 0, 0, 36, 8, 0}},
      {"/var/tmp/proctree-smaps-capture/new\\012line.bin", 1, {32, 32, 32, 0, 0, 32, 0, 32, 0, 0}},
      {"/usr/lib/python3.11/lib-dynload/mmap.cpython-311-x86_64-linux-gnu.so", 5, {28, 36, 14, 20, 8, 0, 0, 28, 8, 0}},
      {"/usr/lib/x86_64-linux-gnu/libexpat.so.1.8.10", 5, {28, 172, 8, 16, 12, 0, 0, 20, 12, 0}},
      {"/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", 5, {20, 124, 4, 12, 8, 0, 0, 16, 8, 0}},
      {"/usr/lib/python3.11/lib-dynload/_bz2.cpython-311-x86_64-linux-gnu.so", 5, {8, 32, 4, 0, 8, 0, 0, 0, 8, 0}},
      {"/usr/lib/python3.11/lib-dynload/_lzma.cpython-311-x86_64-linux-gnu.so", 5, {8, 48, 4, 0, 8, 0, 0, 0, 8, 0}},
      {"/usr/lib/x86_64-linux-gnu/libbz2.so.1.0.4", 5, {8, 76, 4, 0, 8, 0, 0, 0, 8, 0}},
      {"/usr/lib/x86_64-linux-gnu/liblzma.so.5.4.1", 5, {8, 188, 4, 0, 8, 0, 0, 0, 8, 0}},
      {"[vdso]", 1, {4, 8, 0, 4, 0, 0, 0, 4, 0, 0}},
      {"/anon_hugepage (deleted)", 1, {0, 2048, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"/usr/lib/locale/C.utf8/LC_CTYPE", 1, {0, 348, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache", 1, {0, 28, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"[vsyscall]", 1, {0, 4, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"[vvar]", 1, {0, 16, 0, 0, 0, 0, 0, 0, 0, 0}},
      {"[vvar_vclock]", 1, {0, 8, 0, 0, 0, 0, 0, 0, 0, 0}},
};

// ---------------------------------------------------------------------------
// smaps_rollup

TEST(SmapsRollupTest, NormalProcess) {
  MemoryDetails d;
  ASSERT_TRUE(ParseSmapsRollup(ReadSmapsFixture("normal/smaps_rollup"), &d));
  EXPECT_TRUE(d.has_rollup);
  EXPECT_FALSE(d.has_maps);
  EXPECT_EQ(d.uss, (0 + 108 + 0) * kKiB);  // Private_Clean + Private_Dirty + Private_Hugetlb
  EXPECT_EQ(d.pss, 109 * kKiB);
  EXPECT_EQ(d.swap_pss, 0u);
  EXPECT_TRUE(d.maps.empty());
}

TEST(SmapsRollupTest, SpecialProcessCountsPrivateHugetlbInUss) {
  MemoryDetails d;
  ASSERT_TRUE(ParseSmapsRollup(ReadSmapsFixture("special/smaps_rollup"), &d));
  // Private_Clean 536 + Private_Dirty 5796 + Private_Hugetlb 2048 (psutil sums every Private_* line).
  EXPECT_EQ(d.uss, (536 + 5796 + 2048) * kKiB);
  EXPECT_EQ(d.pss, 9497 * kKiB);  // "Pss:" only, not Pss_Dirty/Pss_Anon/Pss_File/Pss_Shmem
  EXPECT_EQ(d.swap_pss, 0u);
}

TEST(SmapsRollupTest, SwapPss) {
  // Hand-made (the capture machine has no swap): the shape of a 6.18 rollup.
  const std::string text =
      "00400000-7ffca5ce5000 ---p 00000000 00:00 0                              [rollup]\n"
      "Rss:                 100 kB\n"
      "Pss:                  60 kB\n"
      "Pss_Dirty:            50 kB\n"
      "Shared_Clean:         40 kB\n"
      "Private_Clean:        10 kB\n"
      "Private_Dirty:        50 kB\n"
      "Private_Hugetlb:       0 kB\n"
      "Swap:                 30 kB\n"
      "SwapPss:              12 kB\n"
      "Locked:                0 kB\n";
  MemoryDetails d;
  ASSERT_TRUE(ParseSmapsRollup(text, &d));
  EXPECT_EQ(d.uss, 60 * kKiB);
  EXPECT_EQ(d.pss, 60 * kKiB);
  EXPECT_EQ(d.swap_pss, 12 * kKiB);
}

TEST(SmapsRollupTest, RejectsMalformed) {
  const std::string header = "00400000-7ffca5ce5000 ---p 00000000 00:00 0                              [rollup]\n";
  struct Case {
    const char* name;
    std::string text;
  } cases[] = {
      {"empty", ""},
      {"only newlines", "\n\n"},
      {"size line before the header", "Pss:                  60 kB\n" + header + "Pss: 60 kB\n"},
      {"garbage", "Name:\tcat\nUmask:\t0022\nState:\tS (sleeping)\n"},
      {"binary", std::string("\x7f\x45\x4c\x46\x02\x01\x01\x00\xff\xfe-\x01", 12)},
      {"header without a Pss line", header + "Rss: 100 kB\nPrivate_Dirty: 50 kB\n"},
      {"header only", header},
  };
  for (const auto& c : cases) {
    MemoryDetails d;
    EXPECT_FALSE(ParseSmapsRollup(c.text, &d)) << c.name;
    EXPECT_FALSE(d.has_rollup) << c.name;
  }
}

// ---------------------------------------------------------------------------
// smaps

TEST(SmapsTest, NormalProcessGroupedByPath) {
  MemoryDetails d;
  ASSERT_TRUE(ParseSmaps(ReadSmapsFixture("normal/smaps"), &d));
  EXPECT_TRUE(d.has_maps);
  EXPECT_EQ(d.map_count, 37u);
  ExpectMaps(d, kNormalMaps);
  // The rollup figures summed from smaps (psutil's fallback): uss exact, pss
  // rounded per mapping (the rollup file says 109 kB).
  EXPECT_TRUE(d.has_rollup);
  EXPECT_EQ(d.uss, 108 * kKiB);
  EXPECT_EQ(d.pss, 108 * kKiB);
  EXPECT_EQ(d.swap_pss, 0u);
}

TEST(SmapsTest, SpecialProcessGroupedByPath) {
  MemoryDetails d;
  ASSERT_TRUE(ParseSmaps(ReadSmapsFixture("special/smaps"), &d));
  EXPECT_TRUE(d.has_maps);
  EXPECT_EQ(d.map_count, 90u);
  ExpectMaps(d, kSpecialMaps);
  EXPECT_EQ(d.uss, (536 + 5796 + 2048) * kKiB);  // same as the rollup: Private_* lines are exact
  EXPECT_EQ(d.pss, 9492 * kKiB);                 // rollup: 9497 (accumulated before rounding)
  EXPECT_EQ(d.swap_pss, 0u);
}

TEST(SmapsTest, PathsKeptAsTheKernelWritesThem) {
  MemoryDetails d;
  ASSERT_TRUE(ParseSmaps(ReadSmapsFixture("special/smaps"), &d));
  // Suffix " (deleted)", spaces, the kernel's \012 escape, memfd and hugetlb names: verbatim.
  for (const char* p : {"/var/tmp/proctree-smaps-capture/deleted.bin (deleted)",
                        "/var/tmp/proctree-smaps-capture/with space.bin",
                        "/var/tmp/proctree-smaps-capture/new\\012line.bin", "/memfd:proctree-fixture (deleted)",
                        "/anon_hugepage (deleted)", "[heap]", "[stack]", "[vdso]", "[vvar]", "[anon]"}) {
    EXPECT_NE(FindPath(d, p), nullptr) << p;
  }
  // No truncated or unsuffixed variants of those.
  EXPECT_EQ(FindPath(d, "/var/tmp/proctree-smaps-capture/deleted.bin"), nullptr);
  EXPECT_EQ(FindPath(d, "/var/tmp/proctree-smaps-capture/with"), nullptr);
  EXPECT_EQ(FindPath(d, "space.bin"), nullptr);
  EXPECT_EQ(FindPath(d, ""), nullptr);
  // The THP region (AnonHugePages 4096 kB) is anonymous: all of it in [anon].
  const MemoryMap* anon = FindPath(d, "[anon]");
  ASSERT_NE(anon, nullptr);
  EXPECT_GE(anon->figures.rss, 4096 * kKiB);
  // hugetlb pages are not in Rss (only in Private_Hugetlb, counted in uss).
  const MemoryMap* huge = FindPath(d, "/anon_hugepage (deleted)");
  ASSERT_NE(huge, nullptr);
  EXPECT_EQ(huge->figures.rss, 0u);
  EXPECT_EQ(huge->figures.size, 2048 * kKiB);
}

TEST(SmapsTest, SortedByRssDescendingThenPath) {
  for (const char* f : {"normal/smaps", "special/smaps"}) {
    MemoryDetails d;
    ASSERT_TRUE(ParseSmaps(ReadSmapsFixture(f), &d)) << f;
    for (std::size_t i = 1; i < d.maps.size(); ++i) {
      const MemoryMap& a = d.maps[i - 1];
      const MemoryMap& b = d.maps[i];
      EXPECT_TRUE(a.figures.rss > b.figures.rss || (a.figures.rss == b.figures.rss && a.path < b.path))
          << f << ": " << a.path << " before " << b.path;
    }
  }
}

TEST(SmapsTest, PerFieldSumsEqualTheRollup) {
  // Every field but Pss is an exact page count, so the sums over paths equal
  // smaps_rollup's (captured back to back with smaps).
  struct Want {
    const char* dir;
    std::uint64_t rss, shared_clean, shared_dirty, private_clean, private_dirty, referenced, anonymous;
  } wants[] = {{"normal", 1828, 1720, 0, 0, 108, 1828, 108}, {"special", 15740, 4292, 5116, 536, 5796, 11028, 10848}};
  for (const auto& w : wants) {
    MemoryDetails d;
    ASSERT_TRUE(ParseSmaps(ReadSmapsFixture(std::string(w.dir) + "/smaps"), &d));
    MapFigures sum;
    std::uint64_t mappings = 0;
    for (const auto& m : d.maps) {
      sum += m.figures;
      mappings += m.mappings;
    }
    SCOPED_TRACE(w.dir);
    EXPECT_EQ(mappings, d.map_count);
    EXPECT_EQ(sum.rss, w.rss * kKiB);
    EXPECT_EQ(sum.shared_clean, w.shared_clean * kKiB);
    EXPECT_EQ(sum.shared_dirty, w.shared_dirty * kKiB);
    EXPECT_EQ(sum.private_clean, w.private_clean * kKiB);
    EXPECT_EQ(sum.private_dirty, w.private_dirty * kKiB);
    EXPECT_EQ(sum.referenced, w.referenced * kKiB);
    EXPECT_EQ(sum.anonymous, w.anonymous * kKiB);
    EXPECT_EQ(sum.swap, 0u);
  }
}

void ExpectSameDetails(const MemoryDetails& a, const MemoryDetails& b) {
  EXPECT_EQ(a.has_rollup, b.has_rollup);
  EXPECT_EQ(a.uss, b.uss);
  EXPECT_EQ(a.pss, b.pss);
  EXPECT_EQ(a.swap_pss, b.swap_pss);
  EXPECT_EQ(a.has_maps, b.has_maps);
  EXPECT_EQ(a.map_count, b.map_count);
  ASSERT_EQ(a.maps.size(), b.maps.size());
  for (std::size_t i = 0; i < a.maps.size(); ++i) {
    EXPECT_EQ(a.maps[i].path, b.maps[i].path);
    EXPECT_EQ(a.maps[i].mappings, b.maps[i].mappings);
    const MapFigures &x = a.maps[i].figures, &y = b.maps[i].figures;
    EXPECT_EQ(x.rss, y.rss);
    EXPECT_EQ(x.size, y.size);
    EXPECT_EQ(x.pss, y.pss);
    EXPECT_EQ(x.shared_clean, y.shared_clean);
    EXPECT_EQ(x.shared_dirty, y.shared_dirty);
    EXPECT_EQ(x.private_clean, y.private_clean);
    EXPECT_EQ(x.private_dirty, y.private_dirty);
    EXPECT_EQ(x.referenced, y.referenced);
    EXPECT_EQ(x.anonymous, y.anonymous);
    EXPECT_EQ(x.swap, y.swap);
  }
}

TEST(SmapsGrouperTest, LineByLineEqualsParseSmaps) {
  for (const char* f : {"normal/smaps", "special/smaps"}) {
    SCOPED_TRACE(f);
    const std::string text = ReadSmapsFixture(f);
    MemoryDetails whole;
    ASSERT_TRUE(ParseSmaps(text, &whole));

    // Each line in its own buffer (no '\n', nothing after it), as StreamSmaps hands them over.
    SmapsGrouper g;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      const std::string line = text.substr(pos, nl - pos);
      ASSERT_TRUE(g.Line(line)) << line;
      pos = nl + 1;
    }
    MemoryDetails lines;
    g.Finish(&lines);
    ExpectSameDetails(lines, whole);
  }
}

TEST(SmapsGrouperTest, FinishKeepsRollupFiguresAlreadyRead) {
  // ReadMemoryDetails may have the rollup already; smaps then only adds maps.
  MemoryDetails d;
  ASSERT_TRUE(ParseSmapsRollup(ReadSmapsFixture("special/smaps_rollup"), &d));
  ASSERT_TRUE(ParseSmaps(ReadSmapsFixture("special/smaps"), &d));
  EXPECT_EQ(d.pss, 9497 * kKiB);  // the rollup's, not the per-mapping sum (9492)
  EXPECT_EQ(d.uss, 8380 * kKiB);
  EXPECT_EQ(d.map_count, 90u);
}

TEST(SmapsTest, RejectsMalformed) {
  const std::string mapping =
      "7ff026e00000-7ff027200000 rw-p 00000000 00:00 0 \n"
      "Size:               4096 kB\n"
      "Rss:                4096 kB\n";
  struct Case {
    const char* name;
    std::string text;
  } cases[] = {
      {"size line before any header", "Rss:                4096 kB\n" + mapping},
      {"garbage", "Name:\tcat\nUmask:\t0022\nState:\tS (sleeping)\n"},
      {"a status file", ReadSmapsFixture("../status/garbage")},
      {"binary", std::string("\x7f\x45\x4c\x46\x02\x01\x01\x00\xff\xfe-\x01\n", 13)},
      {"smaps_rollup-like key before the header", "Pss: 1 kB\n"},
      {"not hex before the dash", "zz00-ffff rw-p 00000000 00:00 0\nRss: 4 kB\n"},
  };
  for (const auto& c : cases) {
    MemoryDetails d;
    EXPECT_FALSE(ParseSmaps(c.text, &d)) << c.name;
    EXPECT_FALSE(d.has_maps) << c.name;
    SmapsGrouper g;
    bool ok = true;
    std::string_view rest = c.text;
    while (!rest.empty() && ok) {
      std::size_t nl = rest.find('\n');
      ok = g.Line(rest.substr(0, nl));
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    }
    EXPECT_FALSE(ok) << c.name << ": SmapsGrouper::Line accepted every line";
  }
}

TEST(SmapsTest, EmptyIsAnEmptyAddressSpace) {
  // A kernel thread's smaps is empty (and its smaps_rollup read fails with
  // ESRCH): no mappings, not a parse error.
  MemoryDetails d;
  ASSERT_TRUE(ParseSmaps("", &d));
  EXPECT_TRUE(d.has_maps);
  EXPECT_EQ(d.map_count, 0u);
  EXPECT_TRUE(d.maps.empty());
  EXPECT_EQ(d.uss, 0u);
  EXPECT_EQ(d.pss, 0u);
}

TEST(SmapsTest, UnknownLinesInsideAMappingAreIgnored) {
  // VmFlags, THPeligible, ProtectionKey and keys a newer kernel may add.
  const std::string text =
      "7ff026e00000-7ff026e01000 rw-p 00000000 00:00 0 \n"
      "Size:                  4 kB\n"
      "Rss:                   4 kB\n"
      "Pss:                   4 kB\n"
      "Private_Dirty:         4 kB\n"
      "FutureField:          99 kB\n"
      "THPeligible:           1\n"
      "ProtectionKey:         0\n"
      "VmFlags: rd wr mr mw me ac sd \n";
  MemoryDetails d;
  ASSERT_TRUE(ParseSmaps(text, &d));
  ASSERT_EQ(d.maps.size(), 1u);
  EXPECT_EQ(d.maps[0].path, "[anon]");
  ExpectFigures(d.maps[0].figures, {4, 4, 4, 0, 0, 0, 4, 0, 0, 0}, "[anon]");
  EXPECT_EQ(d.uss, 4 * kKiB);
}

}  // namespace
}  // namespace proctree::linux_proc
