#pragma once
// How many connections one client address may hold open at once
// (--web.max-connections-per-client). Enforced where CivetWeb accepts, before
// a worker thread is taken, so half-sent requests or slow TLS handshakes from
// one address cannot hold every worker: a connection over the limit is
// closed at once. IPv4 clients count per address, IPv6 clients per full
// 128-bit address; an IPv4-mapped IPv6 address counts as its IPv4 address.
#include <sys/socket.h>

#include <mutex>
#include <string>
#include <unordered_map>

namespace proctree {

class ClientConnectionLimit {
 public:
  // 0: no limit (nothing is counted).
  explicit ClientConnectionLimit(int per_client) : per_client_(per_client) {}

  // For a connection just accepted on `fd`: true when its client is under
  // the limit (the connection is counted until Release(fd)).
  bool Admit(int fd, const sockaddr* peer, socklen_t peer_len);
  // The connection on `fd` is closing (before the close, so the number
  // cannot be reused meanwhile). Unknown fds are ignored.
  void Release(int fd);
  // Connections counted for the client with this key (ClientKey), for tests.
  int Open(const std::string& key) const;

 private:
  const int per_client_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int> open_;     // client key -> connections
  std::unordered_map<int, std::string> by_fd_;    // fd -> client key
};

// The address a limit is kept for: 4 bytes for IPv4 (also when IPv4-mapped),
// 16 for IPv6, empty for anything else (never limited).
std::string ClientKey(const sockaddr* peer, socklen_t peer_len);

}  // namespace proctree
