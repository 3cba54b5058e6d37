#include "probes/os/linux/cgroup_path.h"

#include "probes/util/strings.h"

namespace proctree {
namespace {

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

std::string CgroupPath(std::string_view content) {
  std::string_view v2;
  std::string_view systemd;
  std::string_view first_v1;
  bool have_v2 = false, have_systemd = false, have_v1 = false;
  while (!content.empty()) {
    std::string_view line = TakeLine(content);
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

}  // namespace proctree
