#pragma once
// Leveled structured logging to stderr, in logfmt or JSON (--log.format),
// the way Prometheus' own binaries log.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace proctree::log {

enum class Level { kDebug = 0, kInfo, kWarn, kError };
enum class Format { kLogfmt, kJson };

bool ParseLevel(std::string_view s, Level* out);
bool ParseFormat(std::string_view s, Format* out);
void Configure(Level level, Format format);
bool Enabled(Level level);

using Field = std::pair<std::string_view, std::string_view>;
using Fields = std::initializer_list<Field>;
void Write(Level level, std::string_view msg, Fields fields = {});
// Fields known only at run time (the capabilities a module reports).
void Write(Level level, std::string_view msg, const std::vector<Field>& fields);

inline void Debug(std::string_view msg, Fields f = {}) { Write(Level::kDebug, msg, f); }
inline void Info(std::string_view msg, Fields f = {}) { Write(Level::kInfo, msg, f); }
inline void Warn(std::string_view msg, Fields f = {}) { Write(Level::kWarn, msg, f); }
inline void Error(std::string_view msg, Fields f = {}) { Write(Level::kError, msg, f); }

}  // namespace proctree::log
