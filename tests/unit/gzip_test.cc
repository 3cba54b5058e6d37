#include "exporter/http/gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>
#include <string>

namespace proctree {
namespace {

// Inflates a gzip member with zlib; empty optional-like flag on failure.
bool Gunzip(const std::string& gz, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return false;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  out->clear();
  char buf[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out->append(buf, sizeof buf - zs.avail_out);
  }
  const bool whole = rc == Z_STREAM_END && zs.avail_in == 0;
  inflateEnd(&zs);
  return whole;
}

void ExpectRoundTrip(const std::string& in) {
  std::string gz = "stale bytes from an earlier call";
  ASSERT_TRUE(GzipCompress(in, &gz));
  ASSERT_GE(gz.size(), 18u);  // gzip header and trailer
  EXPECT_EQ(static_cast<unsigned char>(gz[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gz[1]), 0x8b);
  std::string back;
  ASSERT_TRUE(Gunzip(gz, &back));
  EXPECT_EQ(back.size(), in.size());
  EXPECT_TRUE(back == in);
}

TEST(Gzip, EmptyInput) { ExpectRoundTrip(""); }

TEST(Gzip, ScrapeLikeTextCompressesAndRoundTrips) {
  std::string in;
  for (int i = 0; i < 40000; ++i)
    in += "proctree_process_cpu_seconds_total{pid=\"" + std::to_string(i) + "\",name=\"worker\",mode=\"user\"} " +
          std::to_string(i * 0.01) + "\n";
  ExpectRoundTrip(in);
  std::string gz;
  ASSERT_TRUE(GzipCompress(in, &gz));
  EXPECT_LT(gz.size(), in.size() / 5);
}

// Random bytes do not compress: the output outgrows its first eighth of the
// input and has to grow several times.
TEST(Gzip, IncompressibleInputOutgrowsTheFirstGuess) {
  std::mt19937 rng(42);
  for (std::size_t n : {1u, 4095u, 4096u, 100000u, 3000000u}) {
    std::string in(n, '\0');
    for (char& c : in) c = static_cast<char>(rng());
    ExpectRoundTrip(in);
  }
}

}  // namespace
}  // namespace proctree
