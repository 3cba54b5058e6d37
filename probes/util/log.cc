#include "probes/util/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "probes/util/utf8.h"

namespace proctree::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<int> g_format{static_cast<int>(Format::kLogfmt)};
std::mutex g_mu;

const char* LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

// Values may hold any bytes (paths, process names): escape so one record stays
// one line, and replace invalid UTF-8 so a JSON record stays valid JSON.
void AppendQuoted(std::string& out, std::string_view v) {
  const std::string clean = IsValidUtf8(v) ? std::string() : SanitizeUtf8(v);
  if (!clean.empty()) v = clean;
  out += '"';
  for (unsigned char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char c : v)
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) return true;
  return false;
}
}  // namespace

bool ParseLevel(std::string_view s, Level* out) {
  if (s == "debug") *out = Level::kDebug;
  else if (s == "info") *out = Level::kInfo;
  else if (s == "warn") *out = Level::kWarn;
  else if (s == "error") *out = Level::kError;
  else return false;
  return true;
}

bool ParseFormat(std::string_view s, Format* out) {
  if (s == "logfmt") *out = Format::kLogfmt;
  else if (s == "json") *out = Format::kJson;
  else return false;
  return true;
}

void Configure(Level level, Format format) {
  g_level = static_cast<int>(level);
  g_format = static_cast<int>(format);
}

bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

namespace {

template <class Range>
void WriteFields(Level level, std::string_view msg, const Range& fields) {
  if (!Enabled(level)) return;
  std::string line;
  line.reserve(128);
  if (static_cast<Format>(g_format.load()) == Format::kJson) {
    line += "{\"ts\":";
    AppendQuoted(line, Timestamp());
    line += ",\"level\":";
    AppendQuoted(line, LevelName(level));
    line += ",\"msg\":";
    AppendQuoted(line, msg);
    for (const auto& [k, v] : fields) {
      line += ',';
      AppendQuoted(line, k);
      line += ':';
      AppendQuoted(line, v);
    }
    line += "}\n";
  } else {
    line += "ts=" + Timestamp() + " level=" + LevelName(level) + " msg=";
    AppendQuoted(line, msg);
    for (const auto& [k, v] : fields) {
      line += ' ';
      line += k;
      line += '=';
      if (NeedsQuotes(v)) AppendQuoted(line, v);
      else line += v;
    }
    line += '\n';
  }
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

void Write(Level level, std::string_view msg, Fields fields) { WriteFields(level, msg, fields); }
void Write(Level level, std::string_view msg, const std::vector<Field>& fields) { WriteFields(level, msg, fields); }

}  // namespace proctree::log
