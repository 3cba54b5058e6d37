#include "exporter/metrics/query_filter.h"

#include <cstring>

#include "probes/util/utf8.h"
#include "probes/util/strings.h"

namespace proctree {

namespace {

const FamilyDef* FindFamily(const std::string& name) {
  for (const auto& d : Catalog())
    if (d.name == name) return &d;
  return nullptr;
}

// The name as it goes into the 400 body (text/plain; charset=utf-8): bytes
// that are not valid UTF-8 (a %-escape decodes to any byte) are \x-escaped.
std::string Quote(const std::string& s) {
  const bool utf8 = IsValidUtf8(s);
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

}  // namespace

bool UrlDecodeQueryComponent(std::string_view in, std::string* out) {
  return PercentDecode(in, out, /*plus_is_space=*/true);
}

bool ParseFamilyFilter(const char* query_string, FamilyFilter* out, std::string* error) {
  FamilyFilter f;
  EnabledFamilies collect;  // none
  EnabledFamilies exclude;
  bool any_collect = false, any_exclude = false;
  std::string_view q = query_string ? query_string : "";
  while (!q.empty()) {
    const auto amp = q.find('&');
    const std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    std::string name, value;
    if (!UrlDecodeQueryComponent(pair.substr(0, eq), &name)) {
      *error = "malformed query string: bad %-escape in a parameter name";
      return false;
    }
    const bool is_collect = name == "collect[]";
    const bool is_exclude = name == "exclude[]";
    if (!is_collect && !is_exclude) continue;  // other parameters are ignored
    if (!UrlDecodeQueryComponent(eq == std::string_view::npos ? "" : pair.substr(eq + 1), &value)) {
      *error = "malformed query string: bad %-escape in the value of " + name;
      return false;
    }
    const FamilyDef* d = FindFamily(value);
    if (!d) {
      *error = name + ": unknown metric family " + Quote(value);
      return false;
    }
    if (is_collect) {
      collect.set(d->id, true);
      any_collect = true;
    } else {
      exclude.set(d->id, true);
      any_exclude = true;
    }
  }
  if (any_collect && any_exclude) {
    *error = "Combined collect and exclude queries are not allowed.";
    return false;
  }
  if (any_collect) {
    f.active = true;
    f.keep = collect;
  } else if (any_exclude) {
    f.active = true;
    for (const auto& d : Catalog()) f.keep.set(d.id, !exclude.has(d.id));
  }
  *out = f;
  return true;
}

bool IsExporterMetric(Fam f) {
  switch (f) {
    case Fam::kSelfCpu:
    case Fam::kSelfResidentMemory:
    case Fam::kSelfVirtualMemory:
    case Fam::kSelfOpenFds:
    case Fam::kSelfMaxFds:
    case Fam::kSelfStartTime:
    case Fam::kScrapeDuration:
    case Fam::kScrapeProcesses:
    case Fam::kScrapeTruncated:
    case Fam::kScrapeDeadlineExceeded:
    case Fam::kScrapeSeriesLimitDropped:
    case Fam::kScrapeSeriesLimitCuts:
      return true;
    default:
      return false;
  }
}

EnabledFamilies ScrapeFamilies(const EnabledFamilies& configured, const FamilyFilter& filter,
                               bool exporter_metrics) {
  EnabledFamilies e;
  for (const auto& d : Catalog())
    e.set(d.id, configured.has(d.id) && (!filter.active || filter.keep.has(d.id)) &&
                    (exporter_metrics || !IsExporterMetric(d.id)));
  return e;
}

}  // namespace proctree
