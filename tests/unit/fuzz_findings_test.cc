// What fuzzing and the broken-input tests found (docs/fuzzing.md), pinned by
// the inputs that showed it. The fuzz regression corpus (tests/fuzz/
// regressions/) replays the same bytes through the fuzz targets.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "exporter/metrics/query_filter.h"
#include "probes/util/utf8.h"
#include "exporter/http/web_config.h"
#include "probes/os/linux/proc_parsers.h"
#include "probes/os/linux/smaps_parser.h"

namespace proctree {
namespace {

// A %-escape decodes to any byte, and the 400 body quoted the unknown name as
// decoded: "collect[]=%c0%af" (an overlong '/') put invalid UTF-8 into a
// text/plain; charset=utf-8 answer.
TEST(FuzzFindings, UnknownFamilyNameIsQuotedAsValidUtf8) {
  FamilyFilter f;
  std::string error;
  ASSERT_FALSE(ParseFamilyFilter("collect[]=%c0%af", &f, &error));
  EXPECT_TRUE(IsValidUtf8(error)) << error;
  EXPECT_EQ(error, "collect[]: unknown metric family \"\\xc0\\xaf\"");
  ASSERT_FALSE(ParseFamilyFilter("exclude%5B%5D=\xff\xfe", &f, &error));
  EXPECT_EQ(error, "exclude[]: unknown metric family \"\\xff\\xfe\"");
  // Valid UTF-8 is shown as it is; control bytes are escaped either way.
  ASSERT_FALSE(ParseFamilyFilter("collect[]=caf%C3%A9%0A", &f, &error));
  EXPECT_EQ(error, "collect[]: unknown metric family \"caf\xc3\xa9\\x0a\"");
}

// "VmSwap: 18446744073709551615 kB" was multiplied by 1024 and wrapped.
TEST(FuzzFindings, StatusSizesWhoseBytesOverflowAreMalformed) {
  linux_proc::StatusFields f;
  EXPECT_FALSE(linux_proc::ParseStatus("Uid:\t0\t0\t0\t0\nVmSwap:\t18446744073709551615 kB\n", &f));
  linux_proc::StatusFields g;
  EXPECT_FALSE(linux_proc::ParseStatus("Uid:\t0\t0\t0\t0\nVmRSS:\t18014398509481984 kB\n", &g));
  linux_proc::StatusFields h;  // the largest that fits
  ASSERT_TRUE(linux_proc::ParseStatus("Uid:\t0\t0\t0\t0\nVmRSS:\t18014398509481983 kB\n", &h));
  EXPECT_EQ(h.vm_rss_bytes, std::uint64_t{18014398509481983} * 1024);
}

TEST(FuzzFindings, SmapsSizesWhoseBytesOverflowAreMalformed) {
  const std::string header = "00400000-00401000 r-xp 00000000 08:01 1 /bin/x\n";
  MemoryDetails d;
  EXPECT_FALSE(linux_proc::ParseSmapsRollup(header + "Pss: 1 kB\nPrivate_Dirty: 18446744073709551615 kB\n", &d));
  EXPECT_FALSE(linux_proc::ParseSmaps(header + "Rss: 18014398509481984 kB\n", &d));
  MemoryDetails ok;
  ASSERT_TRUE(linux_proc::ParseSmapsRollup(header + "Pss: 18014398509481983 kB\n", &ok));
  EXPECT_EQ(ok.pss, std::uint64_t{18014398509481983} * 1024);
}

std::string WebConfigError(const std::string& yaml) {
  WebConfig c;
  std::string error;
  EXPECT_FALSE(ParseWebConfig(yaml, "web.yml", "/etc", &c, &error)) << yaml;
  return error;
}

// fuzz_web_config: an inline certificate holding a raw 0xbd loaded (Go's
// yaml, which exporter-toolkit uses, refuses a file that is not UTF-8).
TEST(FuzzFindings, WebConfigMustBeUtf8) {
  EXPECT_EQ(WebConfigError("tls_server_config:\n  cert: \"-----B\xbdGIN\"\n  key: k\n"),
            "web.yml:2:16: invalid UTF-8 (byte 0xbd)");
  EXPECT_EQ(WebConfigError("\xff"), "web.yml:1:1: invalid UTF-8 (byte 0xff)");
  EXPECT_EQ(WebConfigError("rate_limit:\n  burst: 1 # caf\xc3\n"), "web.yml:2:17: invalid UTF-8 (byte 0xc3)");
}

// A header value with a NUL ("\0" in a double-quoted YAML string) was printed
// with %s into the response's header block, which it cut short.
TEST(FuzzFindings, HeaderValuesHoldNoControlCharacters) {
  EXPECT_EQ(WebConfigError("http_server_config:\n  headers:\n    X-XSS-Protection: \"1\\0; mode=block\"\n"),
            "web.yml:3:23: http_server_config.headers.X-XSS-Protection must not hold control characters");
  EXPECT_EQ(WebConfigError("http_server_config:\n  headers:\n    X-XSS-Protection: \"1\\x1b[31m\"\n"),
            "web.yml:3:23: http_server_config.headers.X-XSS-Protection must not hold control characters");
  WebConfig c;
  std::string error;
  ASSERT_TRUE(ParseWebConfig("http_server_config:\n  headers:\n    Content-Security-Policy: \"a\\tb \u00e9\"\n",
                             "web.yml", "/etc", &c, &error))
      << error;
  EXPECT_EQ(c.headers.at(0).second, "a\tb \xc3\xa9");
}

TEST(FuzzFindings, FileNamesHoldNoNul) {
  EXPECT_EQ(WebConfigError("tls_server_config:\n  cert_file: \"/etc/ssl/a.crt\\0.pem\"\n  key_file: k\n"),
            "web.yml:2:14: tls_server_config.cert_file holds a NUL byte");
}

}  // namespace
}  // namespace proctree
