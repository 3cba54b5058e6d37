#include <winsock2.h>

#include "exporter/http/net_os.h"

namespace proctree {

bool HostHasIPv6() {
  // Winsock must be started before its first call; CivetWeb starts it again
  // (counted) for itself, and it stays up until the process exits.
  WSADATA data;
  if (WSAStartup(MAKEWORD(2, 2), &data) != 0) return false;
  const SOCKET s = ::socket(AF_INET6, SOCK_STREAM, 0);
  if (s == INVALID_SOCKET) return false;
  ::closesocket(s);
  return true;
}

}  // namespace proctree
