#include "probes/os/windows/win_text.h"

#include <algorithm>
#include <cstdio>

namespace proctree {
namespace win {

namespace {

void AppendUtf8(std::uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsHigh(char16_t c) { return c >= 0xD800 && c <= 0xDBFF; }
bool IsLow(char16_t c) { return c >= 0xDC00 && c <= 0xDFFF; }

struct Named {
  std::uint32_t code;
  const char* name;
};

// The codes the probe's calls answer in practice; others get a numeric name.
constexpr Named kWin32Errors[] = {
    {0, "ERROR_SUCCESS"},
    {1, "ERROR_INVALID_FUNCTION"},
    {2, "ERROR_FILE_NOT_FOUND"},
    {5, "ERROR_ACCESS_DENIED"},
    {6, "ERROR_INVALID_HANDLE"},
    {8, "ERROR_NOT_ENOUGH_MEMORY"},
    {31, "ERROR_GEN_FAILURE"},
    {50, "ERROR_NOT_SUPPORTED"},
    {87, "ERROR_INVALID_PARAMETER"},
    {122, "ERROR_INSUFFICIENT_BUFFER"},
    {126, "ERROR_MOD_NOT_FOUND"},
    {127, "ERROR_PROC_NOT_FOUND"},
    {234, "ERROR_MORE_DATA"},
    {299, "ERROR_PARTIAL_COPY"},
    {998, "ERROR_NOACCESS"},
    {1008, "ERROR_NO_TOKEN"},
    {1300, "ERROR_NOT_ALL_ASSIGNED"},
    {1313, "ERROR_NO_SUCH_PRIVILEGE"},
    {1314, "ERROR_PRIVILEGE_NOT_HELD"},
};

constexpr Named kNtStatuses[] = {
    {0x00000000u, "STATUS_SUCCESS"},
    {0x80000005u, "STATUS_BUFFER_OVERFLOW"},
    {0x8000000Du, "STATUS_PARTIAL_COPY"},
    {0xC0000002u, "STATUS_NOT_IMPLEMENTED"},
    {0xC0000003u, "STATUS_INVALID_INFO_CLASS"},
    {0xC0000004u, "STATUS_INFO_LENGTH_MISMATCH"},
    {0xC0000008u, "STATUS_INVALID_HANDLE"},
    {0xC000000Bu, "STATUS_INVALID_CID"},
    {0xC000000Du, "STATUS_INVALID_PARAMETER"},
    {0xC0000017u, "STATUS_NO_MEMORY"},
    {0xC0000022u, "STATUS_ACCESS_DENIED"},
    {0xC0000023u, "STATUS_BUFFER_TOO_SMALL"},
    {0xC00000BBu, "STATUS_NOT_SUPPORTED"},
    {0xC000010Au, "STATUS_PROCESS_IS_TERMINATING"},
};

template <std::size_t N>
const char* Find(const Named (&table)[N], std::uint32_t code) {
  for (const Named& n : table)
    if (n.code == code) return n.name;
  return nullptr;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (Lower(s[i]) != Lower(prefix[i])) return false;
  return true;
}

}  // namespace

std::string Utf16ToUtf8(std::u16string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char16_t c = in[i];
    if (IsHigh(c) && i + 1 < in.size() && IsLow(in[i + 1])) {
      AppendUtf8(0x10000 + ((static_cast<std::uint32_t>(c) - 0xD800) << 10) + (in[i + 1] - 0xDC00), &out);
      ++i;
    } else if (IsHigh(c) || IsLow(c)) {
      AppendUtf8(0xFFFD, &out);  // a surrogate without its other half encodes nothing
    } else {
      AppendUtf8(c, &out);
    }
  }
  return out;
}

std::string Win32ErrorName(std::uint32_t err) {
  if (const char* n = Find(kWin32Errors, err)) return n;
  return "ERROR_" + std::to_string(err);
}

std::string NtStatusName(std::uint32_t status) {
  if (const char* n = Find(kNtStatuses, status)) return n;
  char buf[24];
  std::snprintf(buf, sizeof buf, "STATUS_0x%08X", static_cast<unsigned>(status));
  return buf;
}

// OpenProcess answers ERROR_INVALID_PARAMETER for a pid no process holds.
ErrorKind TranslateWin32Error(std::uint32_t err) {
  switch (err) {
    case 87: return ErrorKind::kVanished;
    case 5: return ErrorKind::kAccessDenied;
    default: return ErrorKind::kOther;
  }
}

ErrorKind TranslateNtStatus(std::uint32_t status) {
  switch (status) {
    case 0xC000000Bu:  // STATUS_INVALID_CID
    case 0xC000010Au:  // STATUS_PROCESS_IS_TERMINATING
      return ErrorKind::kVanished;
    case 0xC0000022u: return ErrorKind::kAccessDenied;
    default: return ErrorKind::kOther;
  }
}

DetailOutcome DetailOutcomeOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kVanished: return DetailOutcome::kVanished;
    case ErrorKind::kAccessDenied: return DetailOutcome::kAccessDenied;
    case ErrorKind::kOther: break;
  }
  return DetailOutcome::kFailed;
}

DevicePaths::DevicePaths(std::vector<std::pair<std::string, std::string>> device_to_drive)
    : table_(std::move(device_to_drive)) {
  std::stable_sort(table_.begin(), table_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

std::string DevicePaths::ToDos(std::string_view p) const {
  if (StartsWithNoCase(p, "\\??\\UNC\\")) return "\\\\" + std::string(p.substr(8));
  if (StartsWithNoCase(p, "\\??\\")) return std::string(p.substr(4));
  if (StartsWithNoCase(p, "\\Device\\Mup\\")) return "\\\\" + std::string(p.substr(12));
  for (const auto& [device, drive] : table_) {
    if (!StartsWithNoCase(p, device)) continue;
    // \Device\HarddiskVolume1 must not claim \Device\HarddiskVolume10\x.
    if (p.size() > device.size() && p[device.size()] != '\\') continue;
    return drive + std::string(p.substr(device.size()));
  }
  return std::string(p);
}

}  // namespace win
}  // namespace proctree
