#include "probes/os/linux/container_id.h"

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

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool ConsumePrefix(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

bool ConsumeSuffix(std::string_view& s, std::string_view suffix) {
  if (s.size() < suffix.size() || s.substr(s.size() - suffix.size()) != suffix) return false;
  s.remove_suffix(suffix.size());
  return true;
}

}  // namespace

std::string CgroupPath(std::string_view content) {
  std::string_view v2;
  std::string_view systemd;
  std::string_view first_v1;
  bool have_v2 = false, have_systemd = false, have_v1 = false;
  std::size_t pos = 0;
  while (pos < content.size()) {
    std::size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) nl = content.size();
    std::string_view line = content.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // ID:CONTROLLERS:PATH; the path may itself contain ':'.
    std::size_t c1 = line.find(':');
    if (c1 == std::string_view::npos) continue;
    std::size_t c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    std::string_view id = line.substr(0, c1);
    std::string_view controllers = line.substr(c1 + 1, c2 - c1 - 1);
    std::string_view path = line.substr(c2 + 1);
    if (!IsDigits(id) || path.empty() || path[0] != '/') continue;
    if (id == "0" && controllers.empty()) {
      if (!have_v2) {
        v2 = path;
        have_v2 = true;
      }
      continue;
    }
    if (!have_v1) {
      first_v1 = path;
      have_v1 = true;
    }
    // The controller list is comma-separated; name=systemd may share a line in theory.
    std::size_t b = 0;
    while (b <= controllers.size() && !have_systemd) {
      std::size_t e = controllers.find(',', b);
      if (e == std::string_view::npos) e = controllers.size();
      if (controllers.substr(b, e - b) == "name=systemd") {
        systemd = path;
        have_systemd = true;
      }
      b = e + 1;
    }
  }
  if (have_systemd) return std::string(systemd);
  if (have_v1) return std::string(first_v1);
  if (have_v2) {
    ConsumeSuffix(v2, " (deleted)");
    return std::string(v2);
  }
  return std::string();
}

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
