// libFuzzer target: every /proc/[pid] parser on arbitrary bytes. The first
// byte picks the parser so one corpus covers them all.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "probes/container_id.h"
#include "probes/os/linux/proc_parsers.h"
#include "probes/os/linux/smaps_parser.h"

using namespace proctree;
using namespace proctree::linux_proc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 9) {
    case 0: {
      StatFields f;
      ParseStat(text, &f);
      break;
    }
    case 1: {
      StatusFields f;
      ParseStatus(text, &f);
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
    default: {
      std::string path = CgroupPath(text);
      ContainerIdFromCgroupPath(path);
      ContainerIdFromCgroupPath(text);
      break;
    }
  }
  return 0;
}
