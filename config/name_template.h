#pragma once
// Group name templates: literal text with {field} placeholders, e.g.
// "{exe_base}:{match:cfg}". process-exporter's {{.Comm}} is {comm},
// {{.ExeBase}} {exe_base}, {{.ExeFull}} {exe}, {{.Username}} {user},
// {{.Matches.X}} {match:X}, {{.PID}} {pid}.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace proctree {

struct TemplateValues {
  std::string_view comm, exe, exe_base, user, cgroup, container_id, pid;
  const std::map<std::string, std::string>* matches = nullptr;
};

class NameTemplate {
 public:
  // Fails with a reason for an unknown field, an unclosed brace, or a
  // {match:NAME} whose NAME is not in `capture_names`.
  static bool Parse(std::string_view text, const std::vector<std::string>& capture_names, NameTemplate* out,
                    std::string* error);
  std::string Render(const TemplateValues& v) const;
  bool Uses(std::string_view field) const;

 private:
  struct Part {
    bool literal;
    std::string text;  // literal text, field name, or capture name for "match"
    std::string field;
  };
  std::vector<Part> parts_;
};

}  // namespace proctree
