// WriteMemoryMapFamilies for a module that knows only each map's size
// (Windows: VirtualQueryEx): the size series, ordered by size, nothing invented.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exporter/metrics/process_families.h"
#include "exporter/metrics/text_writer.h"

namespace proctree {
namespace {

std::string Write(const MemoryDetails& d) {
  std::string out;
  {
    TextWriter w(&out);
    WriteMemoryMapFamilies({0}, {"pid=\"7\""}, {&d}, 10, EnabledFamilies::All(), w);
  }
  return out;
}

MemoryDetails TwoMaps(bool size_only) {
  MemoryDetails d;
  d.has_maps = true;
  d.maps_size_only = size_only;
  d.maps = {{"C:\\a.dll", {}, 2}, {"[anon]", {}, 3}};
  d.maps[0].figures.size = 100;
  d.maps[1].figures.size = 900;
  d.map_count = 5;
  return d;
}

TEST(MemoryMapFamilies, SizeOnlyMapsWriteTheSizeSeriesLargestFirst) {
  const std::string out = Write(TwoMaps(true));
  EXPECT_EQ(out.find("memtype=\"rss\""), std::string::npos) << out;
  EXPECT_EQ(out.find("memtype=\"pss\""), std::string::npos) << out;
  const auto anon = out.find("path=\"[anon]\",memtype=\"size\"} 900");
  const auto dll = out.find("path=\"C:\\\\a.dll\",memtype=\"size\"} 100");
  ASSERT_NE(anon, std::string::npos) << out;
  ASSERT_NE(dll, std::string::npos) << out;
  EXPECT_LT(anon, dll);
  EXPECT_NE(out.find("proctree_process_memory_maps{pid=\"7\"} 5"), std::string::npos) << out;
}

TEST(MemoryMapFamilies, FullMapsStillWriteEveryFigure) {
  const std::string out = Write(TwoMaps(false));
  EXPECT_NE(out.find("path=\"[anon]\",memtype=\"rss\"} 0"), std::string::npos) << out;
  EXPECT_NE(out.find("path=\"[anon]\",memtype=\"swap\"} 0"), std::string::npos) << out;
}

}  // namespace
}  // namespace proctree
