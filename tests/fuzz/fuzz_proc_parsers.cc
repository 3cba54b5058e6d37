// libFuzzer target: every /proc/[pid] parser on arbitrary bytes. The first
// byte picks the parser so one corpus covers them all. Besides not crashing,
// what a parser returns must come from the text it was given.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "probes/container_id.h"
#include "probes/os/linux/cgroup_path.h"
#include "probes/os/linux/proc_parsers.h"
#include "probes/os/linux/smaps_parser.h"

using namespace proctree;
using namespace proctree::linux_proc;

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool IsLowerHexId(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// A cgroup path is one line's path field; a container id, one of its segments' 64 hex digits.
void CheckCgroup(std::string_view text) {
  const std::string path = CgroupPath(text);
  if (!path.empty()) {
    Check(path[0] == '/' && path.find('\n') == std::string::npos);
    Check(text.find(path) != std::string_view::npos);
  }
  for (std::string_view p : {std::string_view(path), text}) {
    const std::string id = ContainerIdFromCgroupPath(p);
    if (id.empty()) continue;
    Check(IsLowerHexId(id) && p.find(id) != std::string_view::npos);
    // Empty segments are skipped: a trailing or doubled '/' changes nothing.
    Check(ContainerIdFromCgroupPath(std::string(p) + "/") == id);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 9) {
    case 0: {
      StatFields f;
      if (ParseStat(text, &f)) Check(text.find("(" + f.comm + ")") != std::string_view::npos);
      break;
    }
    case 1: {
      StatusFields f;
      if (ParseStatus(text, &f)) Check(f.real_uid.has_value());  // no status file without Uid
      break;
    }
    case 2: {  // status again, from a second seed set: memory lines
      StatusFields f;
      ParseStatus(text, &f);
      break;
    }
    case 3: {
      IoFields f;
      ParseIo(text, &f);
      break;
    }
    case 4: {
      std::optional<std::uint64_t> soft;
      ParseLimitsMaxOpenFiles(text, &soft);
      break;
    }
    case 5: {
      std::uint64_t btime = 0;
      ParseBootTime(text, &btime);
      break;
    }
    case 6: {
      MemoryDetails d;
      ParseSmapsRollup(text, &d);
      break;
    }
    case 7: {
      MemoryDetails d;
      ParseSmaps(text, &d);
      break;
    }
    default:
      CheckCgroup(text);
      break;
  }
  return 0;
}
