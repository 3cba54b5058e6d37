#include "exporter/http/client_limit.h"

#include <cstring>

#include "exporter/http/socket_headers.h"

namespace proctree {

std::string ClientKey(const sockaddr* peer, socklen_t peer_len) {
  if (!peer) return {};
  if (peer->sa_family == AF_INET && peer_len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(peer);
    return std::string(reinterpret_cast<const char*>(&in->sin_addr), 4);
  }
  if (peer->sa_family == AF_INET6 && peer_len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(peer);
    const auto* a = reinterpret_cast<const char*>(&in6->sin6_addr);
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) return std::string(a + 12, 4);
    // A host is given a /64 (SLAAC), so per full address one client could
    // open a connection from each of 2^64 addresses: count per /64 prefix.
    return std::string(a, 8);
  }
  return {};
}

bool ClientConnectionLimit::Admit(int fd, const sockaddr* peer, socklen_t peer_len) {
  if (per_client_ <= 0) return true;
  std::string key = ClientKey(peer, peer_len);
  if (key.empty()) return true;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(key);
  const int open = it == open_.end() ? 0 : it->second;
  if (open >= per_client_ && total_ >= free_admission_) return false;
  ++open_[key];
  ++total_;
  by_fd_[fd] = std::move(key);
  return true;
}

void ClientConnectionLimit::Release(int fd) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_fd_.find(fd);
  if (it == by_fd_.end()) return;
  auto open = open_.find(it->second);
  if (open != open_.end() && --open->second <= 0) open_.erase(open);
  by_fd_.erase(it);
  --total_;
}

int ClientConnectionLimit::Open(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = open_.find(key);
  return it == open_.end() ? 0 : it->second;
}

}  // namespace proctree
