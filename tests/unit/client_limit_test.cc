// ClientConnectionLimit: per-address counting of open connections.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>

#include "exporter/http/client_limit.h"

namespace proctree {
namespace {

sockaddr_in V4(const char* ip) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

sockaddr_in6 V6(const char* ip) {
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  inet_pton(AF_INET6, ip, &a.sin6_addr);
  return a;
}

template <typename A>
bool Admit(ClientConnectionLimit& l, int fd, const A& a) {
  return l.Admit(fd, reinterpret_cast<const sockaddr*>(&a), sizeof(a));
}

TEST(ClientConnectionLimit, CountsPerAddressAndReleases) {
  ClientConnectionLimit l(2);
  const auto a = V4("127.0.0.2"), b = V4("127.0.0.1");
  EXPECT_TRUE(Admit(l, 10, a));
  EXPECT_TRUE(Admit(l, 11, a));
  EXPECT_FALSE(Admit(l, 12, a));  // over the limit: not counted
  EXPECT_TRUE(Admit(l, 13, b));   // another address has its own count
  const std::string key = ClientKey(reinterpret_cast<const sockaddr*>(&a), sizeof(a));
  EXPECT_EQ(l.Open(key), 2);
  l.Release(12);  // never admitted: ignored
  EXPECT_EQ(l.Open(key), 2);
  l.Release(10);
  EXPECT_EQ(l.Open(key), 1);
  EXPECT_TRUE(Admit(l, 10, a));
  l.Release(10);
  l.Release(10);  // twice: the second is ignored
  l.Release(11);
  EXPECT_EQ(l.Open(key), 0);
}

TEST(ClientConnectionLimit, IPv4MappedCountsAsIPv4AndIPv6PerSlash64) {
  ClientConnectionLimit l(1);
  EXPECT_TRUE(Admit(l, 1, V4("192.0.2.7")));
  EXPECT_FALSE(Admit(l, 2, V6("::ffff:192.0.2.7")));
  EXPECT_TRUE(Admit(l, 3, V6("2001:db8::1")));
  EXPECT_FALSE(Admit(l, 4, V6("2001:db8::1")));
  // Another address of the same /64 is the same host: one client.
  EXPECT_FALSE(Admit(l, 5, V6("2001:db8::ffff:ffff:ffff:2")));
  EXPECT_TRUE(Admit(l, 6, V6("2001:db8:0:1::1")));  // the next /64: another client
}

TEST(ClientConnectionLimit, AnyClientMayConnectWhileTheReserveIsUntouched) {
  // 10 workers, 4 kept: up to 6 open connections anyone is admitted.
  ClientConnectionLimit l(2, 10, 4);
  const auto a = V4("127.0.0.2");
  for (int fd = 0; fd < 6; ++fd) EXPECT_TRUE(Admit(l, fd, a)) << fd;
  EXPECT_FALSE(Admit(l, 6, a));               // busy, and a is over its 2
  EXPECT_TRUE(Admit(l, 7, V4("127.0.0.1")));  // another client is under its limit
  EXPECT_TRUE(Admit(l, 8, V4("127.0.0.1")));
  EXPECT_FALSE(Admit(l, 9, V4("127.0.0.1")));
  for (int fd = 0; fd < 4; ++fd) l.Release(fd);
  EXPECT_TRUE(Admit(l, 6, a));  // 4 open again: free admission
}

TEST(ClientConnectionLimit, ZeroIsNoLimit) {
  ClientConnectionLimit l(0);
  for (int fd = 0; fd < 1000; ++fd) EXPECT_TRUE(Admit(l, fd, V4("127.0.0.2")));
}

}  // namespace
}  // namespace proctree
