// ToCivetListeningPort and AcceptsGzip, the HTTP edge's pure helpers.
#include <gtest/gtest.h>

#include <string>

#include "exporter/http/http_server.h"

namespace proctree {
namespace {

std::string Port(const std::string& addr) {
  std::string out, error;
  EXPECT_TRUE(ToCivetListeningPort(addr, &out, &error)) << addr << ": " << error;
  return out;
}

std::string Refused(const std::string& addr) {
  std::string out = "untouched", error;
  EXPECT_FALSE(ToCivetListeningPort(addr, &out, &error)) << addr;
  EXPECT_EQ(out, "untouched") << addr;
  return error;
}

TEST(HttpListenAddress, Accepted) {
  EXPECT_EQ(Port(":9818"), "9818");
  EXPECT_EQ(Port("0.0.0.0:9818"), "0.0.0.0:9818");
  EXPECT_EQ(Port("127.0.0.1:0"), "127.0.0.1:0");
  EXPECT_EQ(Port("localhost:80"), "localhost:80");
  EXPECT_EQ(Port(":65535"), "65535");
  EXPECT_EQ(Port(":0"), "0");
}

TEST(HttpListenAddress, IPv6IsRefusedWithAReason) {
  for (const char* a : {"[::1]:9818", "[::]:9818", "::1:9818"}) {
    std::string e = Refused(a);
    EXPECT_NE(e.find("IPv6 listen address"), std::string::npos) << e;
    EXPECT_NE(e.find("without IPv6"), std::string::npos) << e;
  }
}

TEST(HttpListenAddress, BadPorts) {
  EXPECT_EQ(Refused("9818"), "listen address 9818 must be host:port or :port");
  EXPECT_EQ(Refused(""), "listen address  must be host:port or :port");
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
