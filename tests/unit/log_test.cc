// Log records carry bytes from processes and files (names, paths): each record
// must stay one line, and a JSON record must stay valid JSON, i.e. valid UTF-8.
#include "probes/util/log.h"

#include <gtest/gtest.h>

#include <string>

#include "probes/util/utf8.h"

namespace proctree::log {
namespace {

std::string Capture(Format format, std::string_view msg, std::string_view value) {
  Configure(Level::kInfo, format);
  testing::internal::CaptureStderr();
  Info(msg, {{"name", value}});
  std::string out = testing::internal::GetCapturedStderr();
  Configure(Level::kInfo, Format::kLogfmt);
  return out;
}

TEST(Log, JsonRecordWithInvalidUtf8IsValidUtf8) {
  const std::string out = Capture(Format::kJson, "bad \xc0\xaf msg", "a\xff\xfe" "b");
  EXPECT_TRUE(IsValidUtf8(out)) << out;
  EXPECT_NE(out.find("\"name\":\"a\xef\xbf\xbd\xef\xbf\xbd" "b\""), std::string::npos) << out;
  EXPECT_EQ(out.find('\n'), out.size() - 1) << out;
}

TEST(Log, LogfmtRecordWithInvalidUtf8AndNewlineStaysOneValidLine) {
  const std::string out = Capture(Format::kLogfmt, "m", "x\ny\xff");
  EXPECT_TRUE(IsValidUtf8(out)) << out;
  EXPECT_NE(out.find("name=\"x\\ny\xef\xbf\xbd\""), std::string::npos) << out;
  EXPECT_EQ(out.find('\n'), out.size() - 1) << out;
}

TEST(Log, ValidUtf8IsKeptAsIs) {
  const std::string out = Capture(Format::kJson, "m", "caf\xc3\xa9 \xe2\x9c\x93");
  EXPECT_NE(out.find("\"name\":\"caf\xc3\xa9 \xe2\x9c\x93\""), std::string::npos) << out;
}

}  // namespace
}  // namespace proctree::log
