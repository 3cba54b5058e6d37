#include "exporter/text_writer.h"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace proctree {

void AppendEscapedLabelValue(std::string* out, std::string_view v) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c != '\\' && c != '"' && c != '\n') continue;
    out->append(v.data() + start, i - start);
    out->append(c == '\n' ? "\\n" : c == '"' ? "\\\"" : "\\\\");
    start = i + 1;
  }
  out->append(v.data() + start, v.size() - start);
}

void AppendLabel(std::string* out, std::string_view name, std::string_view value) {
  out->append(name);
  out->append("=\"");
  AppendEscapedLabelValue(out, value);
  out->push_back('"');
}

void AppendValue(std::string* out, double v) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buf[32];
  std::to_chars_result r;
  // Counters and sizes are integers far more often than not; print them
  // plainly below 2^53, where doubles hold every integer exactly.
  if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) {
    r = std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(v));
  } else {
    r = std::to_chars(buf, buf + sizeof buf, v);
  }
  out->append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void TextWriter::Begin(Fam f) {
  const FamilyDef& d = Def(f);
  name_ = d.name;
  out_->append("# HELP ");
  out_->append(d.name);
  out_->push_back(' ');
  // Catalog help texts hold no backslash or newline (checked at start-up).
  out_->append(d.help);
  out_->append("\n# TYPE ");
  out_->append(d.name);
  out_->append(d.type == prometheus::MetricType::Counter ? " counter\n" : " gauge\n");
}

void TextWriter::Sample(std::string_view prefix,
                        std::initializer_list<std::pair<std::string_view, std::string_view>> extra,
                        double value) {
  out_->append(name_);
  if (!prefix.empty() || extra.size() != 0) {
    out_->push_back('{');
    out_->append(prefix);
    bool comma = !prefix.empty();
    for (const auto& [k, v] : extra) {
      if (comma) out_->push_back(',');
      AppendLabel(out_, k, v);
      comma = true;
    }
    out_->push_back('}');
  }
  out_->push_back(' ');
  AppendValue(out_, value);
  out_->push_back('\n');
}

}  // namespace proctree
