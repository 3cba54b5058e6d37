// libFuzzer target: group name templates ("{exe_base}:{match:cfg}"). Input:
// the template, then one cmdline capture name per line. A template that
// parses renders to its own text when every field's value is its own
// placeholder (literal text cannot hold '{', so nothing else can produce
// one), to its literal text alone when every value is empty, and uses
// exactly the fields it names.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/name_template.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

// The template with every {...} removed.
std::string Literal(std::string_view text) {
  std::string out;
  bool in_field = false;
  for (char c : text) {
    if (!in_field && c == '{') in_field = true;
    else if (in_field && c == '}') in_field = false;
    else if (!in_field) out += c;
  }
  return out;
}

// The names between each '{' and the next '}'.
std::vector<std::string> Fields(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t open = text.find('{'); open != std::string_view::npos; open = text.find('{', open)) {
    const std::size_t close = text.find('}', open);
    if (close == std::string_view::npos) break;
    out.emplace_back(text.substr(open + 1, close - open - 1));
    open = close;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = in.find('\n');
  const std::string_view text = in.substr(0, nl);
  std::vector<std::string> captures;
  if (nl != std::string_view::npos) {
    std::string_view rest = in.substr(nl + 1);
    while (!rest.empty()) {
      const std::size_t e = rest.find('\n');
      captures.emplace_back(rest.substr(0, e));
      rest.remove_prefix(e == std::string_view::npos ? rest.size() : e + 1);
    }
  }

  proctree::NameTemplate t;
  std::string error;
  if (!proctree::NameTemplate::Parse(text, captures, &t, &error)) {
    Check(!error.empty());
    return 0;
  }
  std::map<std::string, std::string> own;
  for (const auto& c : captures) own[c] = "{match:" + c + "}";
  proctree::TemplateValues self{"{comm}", "{exe}", "{exe_base}", "{user}", "{cgroup}", "{container_id}", "{pid}",
                                &own};
  Check(t.Render(self) == text);

  std::map<std::string, std::string> none;
  Check(t.Render(proctree::TemplateValues{}) == Literal(text));
  proctree::TemplateValues empty;
  empty.matches = &none;
  const std::string rendered = t.Render(empty);
  Check(rendered == Literal(text) && rendered.find('{') == std::string::npos);

  const std::vector<std::string> fields = Fields(text);
  for (const char* f : {"comm", "exe", "exe_base", "user", "cgroup", "container_id", "pid"}) {
    bool named = false;
    for (const auto& n : fields) named = named || n == f;
    Check(t.Uses(f) == named);
  }
  return 0;
}
