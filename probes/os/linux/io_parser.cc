// /proc/[pid]/io: "key: value" lines (needs CONFIG_TASK_IO_ACCOUNTING).
#include "probes/os/linux/parse_util.h"
#include "probes/os/linux/proc_parsers.h"

namespace proctree::linux_proc {

bool ParseIo(std::string_view text, IoFields* out) {
  struct Key {
    std::string_view name;
    std::uint64_t IoFields::*field;
  };
  static constexpr Key kKeys[] = {
      {"rchar", &IoFields::rchar},
      {"wchar", &IoFields::wchar},
      {"syscr", &IoFields::syscr},
      {"syscw", &IoFields::syscw},
      {"read_bytes", &IoFields::read_bytes},
      {"write_bytes", &IoFields::write_bytes},
      {"cancelled_write_bytes", &IoFields::cancelled_write_bytes},
  };
  unsigned seen = 0;
  while (!text.empty()) {
    std::string_view line = TakeLine(text);
    std::string_view v;
    for (unsigned i = 0; i < sizeof kKeys / sizeof kKeys[0]; ++i) {
      if (KeyValue(line, kKeys[i].name, &v)) {
        if (!TakeNumber(v, &(out->*kKeys[i].field))) return false;
        seen |= 1u << i;
        break;
      }
    }
  }
  // rchar..write_bytes are always written together; without them it is not an io file.
  return (seen & 0x3f) == 0x3f;
}

}  // namespace proctree::linux_proc
