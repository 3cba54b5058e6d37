// SanitizeUtf8 / IsValidUtf8, including the comm bytes captured in
// tests/fixtures/proc (invalid bytes, a character cut by the 15-byte limit).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exporter/metrics/process_families.h"
#include "probes/util/utf8.h"

namespace proctree {
namespace {

const std::string kFFFD = "\xEF\xBF\xBD";

TEST(Utf8, ValidTextIsUnchanged) {
  for (const std::string& s : std::vector<std::string>{"", "fixture-normal", "a) b (c", "new\nline", "q\"uote\\back", "caf\xC3\xA9",
                        "\xE6\x97\xA5\xE6\x9C\xAC", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF",
                        "\xEF\xBF\xBF", std::string("nul\0byte", 8)}) {
    EXPECT_TRUE(IsValidUtf8(s)) << s;
    EXPECT_EQ(SanitizeUtf8(s), s);
  }
}

TEST(Utf8, CapturedInvalidBytes) {
  // tests/fixtures/proc/8642: comm "bad\xff\xfeutf8".
  const std::string comm = "bad\xff\xfeutf8";
  EXPECT_FALSE(IsValidUtf8(comm));
  EXPECT_EQ(SanitizeUtf8(comm), "bad" + kFFFD + kFFFD + "utf8");
}

TEST(Utf8, CapturedCharacterCutByCommLimit) {
  // tests/fixtures/proc/8650: 14 ASCII bytes + the first byte of "é".
  const std::string comm = "abcdefghijklmn\xC3";
  EXPECT_FALSE(IsValidUtf8(comm));
  EXPECT_EQ(SanitizeUtf8(comm), "abcdefghijklmn" + kFFFD);
}

TEST(Utf8, RejectsWhatRfc3629Forbids) {
  EXPECT_EQ(SanitizeUtf8("\xC0\xAF"), kFFFD + kFFFD);                  // overlong '/'
  EXPECT_EQ(SanitizeUtf8("\xE0\x80\xAF"), kFFFD + kFFFD + kFFFD);      // overlong, 3 bytes
  EXPECT_EQ(SanitizeUtf8("\xED\xA0\x80"), kFFFD + kFFFD + kFFFD);      // surrogate U+D800
  EXPECT_EQ(SanitizeUtf8("\xF4\x90\x80\x80"), kFFFD + kFFFD + kFFFD + kFFFD);  // > U+10FFFF
  EXPECT_EQ(SanitizeUtf8("\xF5\x80\x80\x80"), kFFFD + kFFFD + kFFFD + kFFFD);
  EXPECT_EQ(SanitizeUtf8("a\x80z"), "a" + kFFFD + "z");                // lone continuation
  for (const char* s : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80", "\xFF"})
    EXPECT_FALSE(IsValidUtf8(s)) << s;
}

TEST(Utf8, TruncatedSequenceAtEndBecomesValid) {
  for (const char* s : {"x\xE6\x97", "x\xF0\x9F\x98", "x\xE6"}) {
    std::string out = SanitizeUtf8(s);
    EXPECT_TRUE(IsValidUtf8(out)) << s;
    EXPECT_EQ(out.substr(0, 4), "x" + kFFFD) << s;
    EXPECT_EQ(out.find_first_of("\x80\x97\x98\x9F\xE6\xF0"), std::string::npos) << "raw bytes left: " << s;
  }
}

TEST(Utf8, ValidAfterInvalidIsKept) {
  EXPECT_EQ(SanitizeUtf8("\xFF\xC3\xA9"), kFFFD + "\xC3\xA9");
  EXPECT_EQ(SanitizeUtf8("\xC3" "A"), kFFFD + "A");  // lead byte followed by ASCII
}

}  // namespace
}  // namespace proctree

// A multi-byte character cut short (the kernel's 15-byte comm limit) is one
// maximal subpart: one U+FFFD, not one per byte.
TEST(Utf8, CutSequenceBecomesOneReplacement) {
  EXPECT_EQ(proctree::SanitizeUtf8("ab\xE6\x97"), "ab\xEF\xBF\xBD");
  EXPECT_EQ(proctree::SanitizeUtf8("\xF0\x9F\x98"), "\xEF\xBF\xBD");
  // Bytes that cannot start or continue a sequence are replaced one by one.
  EXPECT_EQ(proctree::SanitizeUtf8("\xFF\xFE"), "\xEF\xBF\xBD\xEF\xBF\xBD");
  // A surrogate's lead is cut at its first bad byte; the rest are lone continuations.
  EXPECT_EQ(proctree::SanitizeUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(proctree::SanitizeUtf8("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
}

// The cmdline label is cut to labels.cmdline_max_length after invalid bytes
// become U+FFFD (3 bytes each). Cut first, a command line of invalid bytes
// came out up to three times over its budget (found by
// tests/robustness/test_hostile_processes.py).
TEST(Utf8, CmdlineLabelFitsItsBudgetAfterReplacement) {
  const std::string ffd = "\xEF\xBF\xBD";
  const std::string ellipsis = "\xE2\x80\xA6";
  const std::string raw = std::string("huge\xFF\xFE") + std::string("-cmdline", 8) + std::string(1, '\0') +
                          std::string(300, '\xFF') + std::string(1, '\0');
  for (std::size_t max : {16u, 17u, 18u, 19u, 24u, 100u, 200u}) {
    const std::string label = proctree::CmdlineLabel(raw, max);
    EXPECT_LE(label.size(), max) << max;
    EXPECT_GE(label.size() + 2, max) << max;  // the cut backs off at most a character's first bytes
    EXPECT_TRUE(proctree::IsValidUtf8(label)) << max;
    EXPECT_EQ(label.substr(label.size() - 3), ellipsis) << max;
  }
  // The cut backs off before a U+FFFD it would split.
  EXPECT_EQ(proctree::CmdlineLabel(raw, 24), "huge" + ffd + ffd + "-cmdline " + ellipsis);
  // Under the budget nothing is cut; secrets next to invalid bytes are still redacted.
  const std::string secret = std::string("db\xFF", 3) + std::string(1, '\0') + "--password=\xFF" + "hunter2";
  EXPECT_EQ(proctree::CmdlineLabel(secret, 256), "db" + ffd + " --password=<redacted>");
}
