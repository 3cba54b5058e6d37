#pragma once
// How many connections one client address may hold while the server is busy
// (--web.max-connections-per-client). Decided where CivetWeb accepts, before
// a worker thread is taken, so half-sent requests or slow TLS handshakes from
// one address cannot hold every worker: while fewer than `reserve` of the
// `pool` workers are left, a client already holding `per_client`
// connections gets no more; its new one waits, holding no worker, until it
// may (exporter/http/civetweb_edge.h: parked). Below that any client may connect,
// so one client's many concurrent scrapes still reach --web.max-requests and
// its 503. IPv4 clients count per address, IPv6 clients per /64 prefix
// (what one host is given: its addresses are all one client); an
// IPv4-mapped IPv6 address counts as its IPv4 address.

#include <mutex>
#include <string>
#include <unordered_map>

#include "exporter/http/socket_headers.h"

namespace proctree {

class ClientConnectionLimit {
 public:
  // per_client 0: no limit (nothing is counted). pool 0: always busy.
  explicit ClientConnectionLimit(int per_client, int pool = 0, int reserve = 0)
      : per_client_(per_client), free_admission_(pool - reserve) {}

  // For a connection just accepted (or parked) on `fd`: true when it may
  // have a worker now (it is counted until Release(fd)).
  bool Admit(int fd, const sockaddr* peer, socklen_t peer_len);
  // The connection on `fd` is closing (before the close, so the number
  // cannot be reused meanwhile). Unknown fds are ignored.
  void Release(int fd);
  // Connections counted for the client with this key (ClientKey), for tests.
  int Open(const std::string& key) const;

 private:
  const int per_client_;
  const int free_admission_;  // below this many open connections, anyone is admitted
  mutable std::mutex mu_;
  int total_ = 0;
  std::unordered_map<std::string, int> open_;     // client key -> connections
  std::unordered_map<int, std::string> by_fd_;    // fd -> client key
};

// The address a limit is kept for: 4 bytes for IPv4 (also when IPv4-mapped),
// the /64 prefix (8 bytes) for IPv6, empty for anything else (never limited).
std::string ClientKey(const sockaddr* peer, socklen_t peer_len);

}  // namespace proctree
