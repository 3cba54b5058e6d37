// ToCivetListeningPort, AcceptsGzip and HtmlEscape, the HTTP edge's pure helpers.
#include <gtest/gtest.h>

#include <string>

#include "exporter/http/http_server.h"

namespace proctree {
namespace {

std::string Port(const std::string& addr, bool ipv6 = true) {
  std::string out, error;
  EXPECT_TRUE(ToCivetListeningPort(addr, ipv6, &out, &error)) << addr << ": " << error;
  return out;
}

std::string Refused(const std::string& addr) {
  std::string out = "untouched", error;
  EXPECT_FALSE(ToCivetListeningPort(addr, true, &out, &error)) << addr;
  EXPECT_EQ(out, "untouched") << addr;
  return error;
}

TEST(HttpListenAddress, Accepted) {
  EXPECT_EQ(Port("0.0.0.0:9818"), "0.0.0.0:9818");
  EXPECT_EQ(Port("127.0.0.1:0"), "127.0.0.1:0");
  EXPECT_EQ(Port("localhost:80"), "localhost:80");
  EXPECT_EQ(Port("[::1]:9818"), "[::1]:9818");
  EXPECT_EQ(Port("[fe80::1:2]:0"), "[fe80::1:2]:0");
}

TEST(HttpListenAddress, EveryAddressIsBothFamiliesWhereTheHostHasIPv6) {
  // As Go's net.Listen: "" and "::" are every address of both families.
  EXPECT_EQ(Port(":9818"), "+9818");
  EXPECT_EQ(Port("[::]:9818"), "+9818");
  EXPECT_EQ(Port("[0:0::0]:9818"), "+9818");
  EXPECT_EQ(Port(":65535"), "+65535");
  EXPECT_EQ(Port(":0"), "+0");
  EXPECT_EQ(Port(":9818", false), "9818");
  EXPECT_EQ(Port("[::]:9818", false), "9818");
}

TEST(HttpListenAddress, MalformedIPv6IsRefusedWithAReason) {
  EXPECT_EQ(Refused("::1:9818"), "listen address ::1:9818: an IPv6 address must be in brackets, as in [::1]:9818");
  EXPECT_EQ(Refused("[::1x]:9818"), "listen address [::1x]:9818: [::1x] is not an IPv6 address");
  EXPECT_EQ(Refused("[127.0.0.1]:9818"), "listen address [127.0.0.1]:9818: [127.0.0.1] is not an IPv6 address");
  EXPECT_EQ(Refused("[::1]9818"), "listen address [::1]9818 has no valid port");
}

TEST(HtmlEscape, EscapesMarkup) {
  EXPECT_EQ(HtmlEscape("/metrics"), "/metrics");
  EXPECT_EQ(HtmlEscape("/a\"><script>alert('x')</script>&"),
            "/a&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;");
}

TEST(HttpListenAddress, BadPorts) {
  EXPECT_EQ(Refused("9818"), "listen address 9818 must be host:port, [IPv6]:port or :port");
  EXPECT_EQ(Refused(""), "listen address  must be host:port, [IPv6]:port or :port");
  EXPECT_EQ(Refused(":"), "listen address : has no valid port");
  EXPECT_EQ(Refused("host:"), "listen address host: has no valid port");
  EXPECT_EQ(Refused(":http"), "listen address :http has no valid port");
  EXPECT_EQ(Refused(":-1"), "listen address :-1 has no valid port");
  EXPECT_EQ(Refused(":123456"), "listen address :123456 has no valid port");
  EXPECT_EQ(Refused(":65536"), "listen address :65536 has a port above 65535");
  EXPECT_EQ(Refused(":99999"), "listen address :99999 has a port above 65535");
}

TEST(HttpAcceptsGzip, Accepts) {
  for (const char* h : {"gzip", "GZIP", "gzip, deflate", "deflate, gzip", "deflate,gzip;q=0.5",
                        "br;q=1.0, gzip;q=0.8, *;q=0.1", "*", "gzip;q=1", "gzip; q=0.001",
                        "identity;q=0, gzip", "x-gzip"}) {
    EXPECT_TRUE(AcceptsGzip(h)) << h;
  }
}

TEST(HttpAcceptsGzip, Refuses) {
  for (const char* h : {"", "identity", "deflate", "br, deflate", "gzip;q=0", "gzip; q=0.0", "gzip;q=0.000",
                        "*;q=0", ", ,", " ",
                        // an explicit refusal of gzip wins over "*"; names match exactly
                        "gzip;q=0, *", "*;q=0.5, gzip;q=0", "gzipfoo", "gzip2, deflate"}) {
    EXPECT_FALSE(AcceptsGzip(h)) << h;
  }
  EXPECT_FALSE(AcceptsGzip(nullptr));
}

}  // namespace
}  // namespace proctree
