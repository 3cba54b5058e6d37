#include <sys/socket.h>
#include <unistd.h>

#include "exporter/http/net_os.h"

namespace proctree {

bool HostHasIPv6() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

}  // namespace proctree
