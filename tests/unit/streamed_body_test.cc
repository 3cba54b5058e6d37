#include "exporter/http/streamed_body.h"

#include <gtest/gtest.h>

#include <string>

#include "exporter/http/gzip.h"
#include "exporter/scrape/series_budget.h"

namespace proctree {
namespace {

// What a StreamedBody put on the wire.
struct Wire {
  std::string text;
  std::int64_t length = -2;  // as the head said; -1 chunked
  StreamedBody::Out Out() {
    return {[this](std::int64_t n) {
              length = n;
              return true;
            },
            [this](std::string_view b) {
              text.append(b);
              return true;
            }};
  }
};

std::string Dechunk(std::string wire, bool* terminated) {
  std::string out;
  *terminated = false;
  for (;;) {
    const std::size_t eol = wire.find("\r\n");
    if (eol == std::string::npos) return out;
    const std::size_t n = std::stoul(wire.substr(0, eol), nullptr, 16);
    if (n == 0) {
      *terminated = wire.substr(eol) == "\r\n\r\n";
      return out;
    }
    out += wire.substr(eol + 2, n);
    wire.erase(0, eol + 2 + n + 2);
  }
}

std::string Piece(char c) { return std::string(40000, c); }

TEST(StreamedBody, ASmallPayloadGoesOutWholeWithItsLength) {
  Wire w;
  StreamedBody body(w.Out(), {});
  ASSERT_TRUE(body.Write("abc"));
  EXPECT_FALSE(body.started());
  ASSERT_TRUE(body.Finish());
  EXPECT_EQ(w.length, 3);
  EXPECT_EQ(w.text, "abc");
}

TEST(StreamedBody, ALargePayloadIsChunkedAndTerminated) {
  Wire w;
  StreamedBody body(w.Out(), {});
  for (char c : {'a', 'b', 'c'}) ASSERT_TRUE(body.Write(Piece(c)));
  EXPECT_TRUE(body.started());
  EXPECT_EQ(w.length, -1);
  ASSERT_TRUE(body.Finish());
  bool terminated = false;
  EXPECT_EQ(Dechunk(w.text, &terminated), Piece('a') + Piece('b') + Piece('c'));
  EXPECT_TRUE(terminated);
}

// Without Finish (the scrape failed after the first chunk) there is no terminating chunk.
TEST(StreamedBody, AnUnfinishedBodyHasNoTerminatingChunk) {
  Wire w;
  {
    StreamedBody body(w.Out(), {});
    for (char c : {'a', 'b'}) ASSERT_TRUE(body.Write(Piece(c)));
  }
  bool terminated = true;
  Dechunk(w.text, &terminated);
  EXPECT_FALSE(terminated);
}

TEST(StreamedBody, GzipStreamsToTheSameBytes) {
  std::string plain;
  for (int i = 0; i < 3000; ++i) plain += "proctree_process_threads{pid=\"" + std::to_string(i) + "\"} 1\n";
  Wire w;
  StreamedBody body(w.Out(), {true, false, true});
  for (std::size_t at = 0; at < plain.size(); at += 7000) ASSERT_TRUE(body.Write(plain.substr(at, 7000)));
  ASSERT_TRUE(body.Finish());
  std::string whole;
  ASSERT_TRUE(GzipCompress(plain, &whole));
  EXPECT_EQ(w.text, whole);  // same deflate settings: the same stream, however it was cut
  EXPECT_EQ(w.length, static_cast<std::int64_t>(whole.size()));
}

TEST(StreamedBody, HeadCountsAndHttp10HoldsTheWhole) {
  Wire head;
  StreamedBody counted(head.Out(), {false, true, true});
  for (char c : {'a', 'b', 'c'}) ASSERT_TRUE(counted.Write(Piece(c)));
  ASSERT_TRUE(counted.Finish());
  EXPECT_EQ(head.length, 120000);
  EXPECT_EQ(head.text, "");
  Wire old;
  StreamedBody held(old.Out(), {false, false, false});
  for (char c : {'a', 'b', 'c'}) ASSERT_TRUE(held.Write(Piece(c)));
  ASSERT_TRUE(held.Finish());
  EXPECT_EQ(old.length, 120000);
  EXPECT_EQ(old.text, Piece('a') + Piece('b') + Piece('c'));
}

TEST(SeriesBudget, KeepsInOrderWhileItFits) {
  EXPECT_EQ(KeepWithin(10, {4, 4, 4, 2}), (std::vector<bool>{true, true, false, true}));
  EXPECT_EQ(KeepWithin(0, {1, 0}), (std::vector<bool>{false, true}));
  EXPECT_EQ(KeepWithin(100, {}), std::vector<bool>{});
}

}  // namespace
}  // namespace proctree
