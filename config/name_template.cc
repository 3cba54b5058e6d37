#include "config/name_template.h"

#include <algorithm>

namespace proctree {

namespace {
const char* const kFields[] = {"comm", "exe", "exe_base", "user", "cgroup", "container_id", "pid"};
}

bool NameTemplate::Parse(std::string_view text, const std::vector<std::string>& capture_names,
                         NameTemplate* out, std::string* error) {
  NameTemplate t;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t open = text.find('{', i);
    if (open == std::string_view::npos) {
      t.parts_.push_back({true, std::string(text.substr(i)), ""});
      break;
    }
    if (open > i) t.parts_.push_back({true, std::string(text.substr(i, open - i)), ""});
    std::size_t close = text.find('}', open);
    if (close == std::string_view::npos) {
      *error = "unclosed '{' in name template \"" + std::string(text) + "\"";
      return false;
    }
    std::string field(text.substr(open + 1, close - open - 1));
    if (field.rfind("match:", 0) == 0) {
      std::string name = field.substr(6);
      if (std::find(capture_names.begin(), capture_names.end(), name) == capture_names.end()) {
        *error = "template field {" + field + "} names no capture group of this selector's cmdline regexes";
        return false;
      }
      t.parts_.push_back({false, name, "match"});
    } else {
      bool known = std::any_of(std::begin(kFields), std::end(kFields), [&](const char* f) { return field == f; });
      if (!known) {
        *error = "unknown template field {" + field +
                 "} (known: {comm}, {exe}, {exe_base}, {user}, {cgroup}, {container_id}, {pid}, {match:NAME})";
        return false;
      }
      t.parts_.push_back({false, field, field});
    }
    i = close + 1;
  }
  *out = std::move(t);
  return true;
}

bool NameTemplate::Uses(std::string_view field) const {
  return std::any_of(parts_.begin(), parts_.end(), [&](const Part& p) { return !p.literal && p.field == field; });
}

std::string NameTemplate::Render(const TemplateValues& v) const {
  std::string out;
  for (const Part& p : parts_) {
    if (p.literal) {
      out += p.text;
    } else if (p.field == "match") {
      if (v.matches) {
        auto it = v.matches->find(p.text);
        if (it != v.matches->end()) out += it->second;
      }
    } else if (p.field == "comm") out += v.comm;
    else if (p.field == "exe") out += v.exe;
    else if (p.field == "exe_base") out += v.exe_base;
    else if (p.field == "user") out += v.user;
    else if (p.field == "cgroup") out += v.cgroup;
    else if (p.field == "container_id") out += v.container_id;
    else if (p.field == "pid") out += v.pid;
  }
  return out;
}

}  // namespace proctree
