#include "exporter/metrics/text_writer.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace proctree {

namespace {
// The text format escapes backslash, double quote and newline in label values.
template <typename PutFn>
void Escape(std::string_view v, PutFn put) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (c != '\\' && c != '"' && c != '\n') continue;
    put(v.data() + start, i - start);
    put(c == '\n' ? "\\n" : c == '"' ? "\\\"" : "\\\\", 2);
    start = i + 1;
  }
  put(v.data() + start, v.size() - start);
}
}  // namespace

void AppendEscapedLabelValue(std::string* out, std::string_view v) {
  Escape(v, [out](const char* p, std::size_t n) { out->append(p, n); });
}

void AppendLabel(std::string* out, std::string_view name, std::string_view value) {
  out->append(name);
  out->append("=\"");
  AppendEscapedLabelValue(out, value);
  out->push_back('"');
}

namespace {
// Writes v into buf (at least 32 bytes) and returns the length: the shortest
// round-trip form, integers below 2^53 without exponent (counters and sizes
// are integers far more often than not), NaN, +Inf, -Inf.
std::size_t FormatValue(char* buf, double v) {
  if (std::isnan(v)) {
    std::memcpy(buf, "NaN", 3);
    return 3;
  }
  if (std::isinf(v)) {
    std::memcpy(buf, v > 0 ? "+Inf" : "-Inf", 4);
    return 4;
  }
  std::to_chars_result r;
  if (v == std::trunc(v) && std::fabs(v) < 9007199254740992.0) {
    r = std::to_chars(buf, buf + 32, static_cast<std::int64_t>(v));
  } else {
    r = std::to_chars(buf, buf + 32, v);
  }
  return static_cast<std::size_t>(r.ptr - buf);
}
}  // namespace

void AppendValue(std::string* out, double v) {
  char buf[32];
  out->append(buf, FormatValue(buf, v));
}

void TextWriter::PutEscaped(std::string_view v) {
  Escape(v, [this](const char* p, std::size_t n) { Put(p, n); });
}

void TextWriter::PutValue(double v) {
  if (pos_ + 32 > out_->size()) Grow(32);
  pos_ += FormatValue(out_->data() + pos_, v);
}

void TextWriter::Grow(std::size_t n) {
  if (sink_) {
    Flush();
    if (n > out_->size()) out_->resize(n);  // one fragment bigger than the buffer (a huge label)
    return;
  }
  out_->resize(std::max<std::size_t>(out_->size() * 2, pos_ + n + 4096));
}

void TextWriter::Flush() {
  if (pos_ != 0) sink_->Write(std::string_view(out_->data(), pos_));
  pos_ = 0;
}

void TextWriter::Finish() {
  if (count_only_) return;
  if (sink_) {
    Flush();
    return;
  }
  out_->resize(pos_);
}

void TextWriter::Begin(Fam f) {
  if (count_only_) return;
  const FamilyDef& d = Def(f);
  name_ = d.name;
  Put("# HELP ", 7);
  Put(d.name);
  Put(' ');
  // Catalog help texts hold no backslash or newline (checked at start-up).
  Put(d.help);
  Put("\n# TYPE ", 8);
  Put(d.name);
  Put(d.type == prometheus::MetricType::Counter ? std::string_view(" counter\n") : std::string_view(" gauge\n"));
}

void TextWriter::Sample(std::string_view prefix,
                        std::initializer_list<std::pair<std::string_view, std::string_view>> extra,
                        double value) {
  ++samples_;
  if (count_only_) return;
  Put(name_);
  if (!prefix.empty() || extra.size() != 0) {
    Put('{');
    Put(prefix);
    bool comma = !prefix.empty();
    for (const auto& [k, v] : extra) {
      if (comma) Put(',');
      Put(k);
      Put("=\"", 2);
      PutEscaped(v);
      Put('"');
      comma = true;
    }
    Put('}');
  }
  Put(' ');
  PutValue(value);
  Put('\n');
}

}  // namespace proctree
