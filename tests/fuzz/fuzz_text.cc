// libFuzzer target: label sanitizing and escaping, the last step before bytes
// from a process reach the payload. Whatever the input, the output must be
// valid UTF-8 with no raw newline or unescaped quote inside the label value.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/redaction.h"
#include "exporter/metrics/text_writer.h"
#include "probes/util/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::string clean = proctree::SanitizeUtf8(in);
  if (!proctree::IsValidUtf8(clean)) __builtin_trap();
  std::string label;
  proctree::AppendLabel(&label, "comm", clean);
  for (std::size_t i = 6; i + 1 < label.size(); ++i) {  // between comm=" and the closing "
    if (label[i] == '\n') __builtin_trap();
    if (label[i] == '\\') ++i;  // an escape pair
    else if (label[i] == '"') __builtin_trap();
  }
  static const proctree::RedactionRules rules = proctree::RedactionRules::Defaults();
  const std::string red = proctree::RedactCmdline(in, rules, 256);
  if (red.size() > 256) __builtin_trap();
  // A read cut anywhere shows, but for its " …", a prefix of the whole line's label (config/redaction.h).
  if (size > 0) {
    const std::size_t unbounded = std::size_t{1} << 30;
    const std::string whole = proctree::RedactCmdline(in, rules, unbounded);
    std::string cut = proctree::RedactCmdline(in.substr(0, size * data[0] / 256), rules, unbounded, true);
    if (cut.size() < 3 || cut.compare(cut.size() - 3, 3, "\xE2\x80\xA6") != 0) __builtin_trap();
    cut.resize(cut.size() - 3);
    if (!cut.empty() && cut.back() == ' ') cut.pop_back();
    if (whole.compare(0, cut.size(), cut) != 0) __builtin_trap();
  }
  return 0;
}
