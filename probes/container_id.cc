#include "probes/container_id.h"

#include "probes/util/strings.h"


namespace proctree {
namespace {

constexpr std::size_t kIdLength = 64;

bool IsLowerHexId(std::string_view s) {
  if (s.size() != kIdLength) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string ContainerIdFromCgroupPath(std::string_view path) {
  std::size_t end = path.size();
  while (end > 0) {
    std::size_t slash = path.rfind('/', end - 1);
    std::size_t begin = slash == std::string_view::npos ? 0 : slash + 1;
    std::string_view seg = path.substr(begin, end - begin);
    end = slash == std::string_view::npos ? 0 : slash;
    if (seg.empty()) continue;
    if (IsLowerHexId(seg)) return std::string(seg);
    ConsumeSuffix(seg, ".scope");
    if (seg.substr(0, 12) == "crio-conmon-" || seg.substr(0, 14) == "libpod-conmon-") return std::string();
    std::string_view id = seg;
    if ((ConsumePrefix(id, "docker-") || ConsumePrefix(id, "cri-containerd-") || ConsumePrefix(id, "crio-") ||
         ConsumePrefix(id, "libpod-")) &&
        IsLowerHexId(id)) {
      return std::string(id);
    }
  }
  return std::string();
}

}  // namespace proctree
