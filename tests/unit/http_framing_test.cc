// CheckRequestFraming: header blocks CivetWeb would parse one way and a proxy
// in front another (request smuggling), refused before any answer.
#include <gtest/gtest.h>

#include <string>

#include "exporter/http/http_framing.h"

namespace proctree {
namespace {

int Status(const std::string& block) { return CheckRequestFraming(block, 64).status; }

std::string Headers(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "X-" + std::to_string(i) + ": y\r\n";
  return out;
}

TEST(HttpFraming, OrdinaryRequestsPass) {
  EXPECT_EQ(Status("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), 0);
  EXPECT_EQ(Status("GET / HTTP/1.0\r\n\r\n"), 0);
  EXPECT_EQ(Status("GET / HTTP/1.1\nHost: x\nConnection: close\n\n"), 0);  // bare LF
  EXPECT_EQ(Status("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"), 0);          // a blank line first
  EXPECT_EQ(Status("POST /-/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"), 0);
  EXPECT_EQ(Status("POST /-/reload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"), 0);
  EXPECT_EQ(Status("GET / HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Tab:\tv\r\n\r\n"), 0);
  EXPECT_EQ(Status("GET / HTTP/1.1\r\n" + Headers(63) + "\r\n"), 0);
}

TEST(HttpFraming, HeaderCountReachingTheLimitIs431) {
  EXPECT_EQ(Status("GET / HTTP/1.1\r\n" + Headers(64) + "\r\n"), 431);
  // A Content-Length past the 64th line, which CivetWeb would never see.
  EXPECT_EQ(Status("POST / HTTP/1.1\r\n" + Headers(70) + "Content-Length: 30\r\n\r\n"), 431);
  EXPECT_EQ(CheckRequestFraming("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n", 2).status, 431);
}

TEST(HttpFraming, ContentLengthWithTransferEncodingIs400) {
  EXPECT_EQ(Status("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
  EXPECT_EQ(Status("POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-LENGTH: 5\r\n\r\n"), 400);
  EXPECT_EQ(Status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n"), 400);
  EXPECT_STREQ(CheckRequestFraming("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 64)
                   .reason,
               "both Content-Length and Transfer-Encoding");
}

TEST(HttpFraming, ObsoleteLineFoldingIs400) {
  EXPECT_EQ(Status("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n folded\r\n\r\n"), 400);
  EXPECT_EQ(Status("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tfolded\r\n\r\n"), 400);
  // Whitespace before the first header (CivetWeb took " Host" for "Host").
  EXPECT_EQ(Status("GET / HTTP/1.1\r\n Transfer-Encoding: chunked\r\n\r\n"), 400);
  EXPECT_EQ(Status("GET / HTTP/1.1\n Transfer-Encoding: chunked\n\n"), 400);
  // A fold hiding a Content-Length from CivetWeb, which stopped at the fold.
  EXPECT_EQ(Status("POST / HTTP/1.1\r\nX: a\r\n b\r\nContent-Length: 9\r\n\r\n"), 400);
}

TEST(HttpFraming, MalformedFieldLinesAre400) {
  EXPECT_EQ(Status("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), 400);       // space before the colon
  EXPECT_EQ(Status("GET / HTTP/1.1\r\n: x\r\n\r\n"), 400);            // no name
  EXPECT_EQ(Status("GET / HTTP/1.1\r\nNo colon\r\n\r\n"), 400);
  EXPECT_EQ(Status("GET / HTTP/1.1\r\n\xc3\xa9: x\r\n\r\n"), 400);    // not a token
  EXPECT_EQ(Status("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"), 400);        // bare CR
  EXPECT_EQ(Status("\r\n\r\n"), 400);                                 // no request line
}

}  // namespace
}  // namespace proctree
