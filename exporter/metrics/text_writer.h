#pragma once
// Streams families straight into the text exposition format (0.0.4).
//
// Why not prometheus-cpp's TextSerializer over MetricFamily: at ~3,700
// processes (137k series, 10 MB) that path cost 1,085-1,320 ms of CPU per
// scrape against the floor reader's 298 ms for the same files: callgrind put
// 47% of instructions in ostream insertion and printf float formatting, and
// building 137k ClientMetric values with their label strings touched ~46 MB
// per scrape (page faults showed up as system time). This writer formats with
// std::to_chars into one reused buffer and lets a process's escaped
// `pid="..",comm=".."` prefix be built once and shared by all its series.
// prometheus-cpp's serializer stays the oracle in tests (text_writer_test).
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "exporter/metrics/metric_catalog.h"

namespace proctree {

// Escapes a label value per the text format: backslash, double quote, newline.
void AppendEscapedLabelValue(std::string* out, std::string_view v);
// `name="escaped value"`
void AppendLabel(std::string* out, std::string_view name, std::string_view value);
// Shortest round-trip form; integers without exponent; NaN, +Inf, -Inf.
void AppendValue(std::string* out, double v);

// Where a bounded TextWriter sends its text, a buffer's worth at a time.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void Write(std::string_view bytes) = 0;
  // Seconds Write has spent so far waiting for the reader to take earlier
  // bytes (a slow client), not writing: the scrape's client_wait phase.
  virtual double WaitedSeconds() const { return 0; }
};

// The whole text in one string: --once, --config.check, tests.
struct StringSink : ByteSink {
  std::string text;
  void Write(std::string_view bytes) override { text.append(bytes); }
};

class TextWriter {
 public:
  // Bytes a bounded writer holds before it hands them to its sink.
  static constexpr std::size_t kFlushBytes = 64 * 1024;

  // Appends to *out, which grows to the whole text; complete once the writer
  // is destroyed or Finish()ed.
  explicit TextWriter(std::string* out) : out_(out), pos_(out->size()) { out_->resize(out_->capacity()); }
  // Bounded: writes through *buffer (kept by the caller, so its memory is
  // reused from one scrape to the next) and hands every kFlushBytes to
  // *sink, so memory stays the same whatever the size of the text.
  TextWriter(ByteSink* sink, std::string* buffer) : out_(buffer), pos_(0), sink_(sink) {
    out_->resize(std::max(out_->capacity(), kFlushBytes));
  }
  // Counts samples and writes nothing: what a set of series would cost.
  struct CountOnly {};
  explicit TextWriter(CountOnly) : out_(nullptr), pos_(0), count_only_(true) {}
  ~TextWriter() { Finish(); }
  TextWriter(const TextWriter&) = delete;
  TextWriter& operator=(const TextWriter&) = delete;
  void Finish();

  // Starts a family: its HELP and TYPE lines from the catalog.
  void Begin(Fam f);
  // One sample of the current family. `prefix` is zero or more labels already
  // joined and escaped (see AppendLabel); `extra` are appended after it.
  void Sample(std::string_view prefix, std::initializer_list<std::pair<std::string_view, std::string_view>> extra,
              double value);
  void Sample(std::string_view prefix, double value) { Sample(prefix, {}, value); }
  // Samples written (or counted) so far.
  std::size_t samples() const { return samples_; }

 private:
  // Writes into the string's spare room directly: std::string::append is an
  // out-of-line call per fragment and was 13% of a scrape's instructions.
  void Put(const char* p, std::size_t n) {
    if (pos_ + n > out_->size()) Grow(n);
    std::memcpy(out_->data() + pos_, p, n);
    pos_ += n;
  }
  void Put(std::string_view s) { Put(s.data(), s.size()); }
  void Put(char c) {
    if (pos_ + 1 > out_->size()) Grow(1);
    (*out_)[pos_++] = c;
  }
  void PutEscaped(std::string_view v);
  void PutValue(double v);
  // Makes room for n more bytes: flushes a bounded writer, else doubles.
  void Grow(std::size_t n);
  void Flush();

  std::string* out_;
  std::size_t pos_;
  ByteSink* sink_ = nullptr;
  bool count_only_ = false;
  std::size_t samples_ = 0;
  std::string_view name_;
};

}  // namespace proctree
