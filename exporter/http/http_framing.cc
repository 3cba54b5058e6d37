#include "exporter/http/http_framing.h"

#include <civetweb.h>
#include <strings.h>

#include <cstdlib>
#include <cstring>

namespace proctree {

namespace {

// RFC 9110 5.6.2 tchar.
bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return c != '\0' && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool NameIs(std::string_view name, const char* want) {
  return name.size() == std::strlen(want) && strncasecmp(name.data(), want, name.size()) == 0;
}

// The next line of `rest` without its line end (CRLF or LF); false at the end.
bool NextLine(std::string_view* rest, std::string_view* line) {
  if (rest->empty()) return false;
  const std::size_t lf = rest->find('\n');
  const std::size_t end = lf == std::string_view::npos ? rest->size() : lf;
  *line = rest->substr(0, end);
  rest->remove_prefix(lf == std::string_view::npos ? rest->size() : lf + 1);
  if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
  return true;
}

}  // namespace

FramingProblem CheckRequestFraming(std::string_view block, std::size_t max_headers) {
  std::string_view rest = block, line;
  // RFC 9112 2.2: blank lines before the request line are ignored.
  do {
    if (!NextLine(&rest, &line)) return {400, "no request line"};
  } while (line.empty());
  std::size_t headers = 0, content_lengths = 0, transfer_encodings = 0;
  while (NextLine(&rest, &line) && !line.empty()) {
    if (line[0] == ' ' || line[0] == '\t') return {400, "obsolete line folding (a header line starting with whitespace)"};
    if (line.find('\r') != std::string_view::npos) return {400, "bare CR in a header line"};
    const std::size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return {400, "malformed header line"};
    const std::string_view name = line.substr(0, colon);
    for (char c : name)
      if (!IsTokenChar(static_cast<unsigned char>(c))) return {400, "malformed header field name"};
    if (++headers >= max_headers) return {431, "too many header fields"};
    if (NameIs(name, "Content-Length")) ++content_lengths;
    if (NameIs(name, "Transfer-Encoding")) ++transfer_encodings;
  }
  if (content_lengths > 0 && transfer_encodings > 0) return {400, "both Content-Length and Transfer-Encoding"};
  if (transfer_encodings > 1) return {400, "more than one Transfer-Encoding header"};
  return {};
}

namespace {

// A Content-Length value: one decimal number that fits (blanks around it allowed).
bool IsContentLength(const char* v) {
  while (*v == ' ' || *v == '\t') ++v;
  int digits = 0;
  for (; *v >= '0' && *v <= '9'; ++v) ++digits;
  while (*v == ' ' || *v == '\t') ++v;
  return *v == '\0' && digits > 0 && digits <= 18;
}

}  // namespace

const char* BadFraming(const mg_request_info* ri) {
  int hosts = 0;
  const char* length = nullptr;
  for (int i = 0; i < ri->num_headers; ++i) {
    const char* name = ri->http_headers[i].name;
    const char* value = ri->http_headers[i].value ? ri->http_headers[i].value : "";
    if (!name) continue;
    if (strcasecmp(name, "Host") == 0) {
      ++hosts;
    } else if (strcasecmp(name, "Content-Length") == 0) {
      if (!IsContentLength(value)) return "invalid Content-Length";
      if (length && std::strtoll(length, nullptr, 10) != std::strtoll(value, nullptr, 10))
        return "conflicting Content-Length headers";
      length = value;
    }
  }
  if (hosts > 1) return "more than one Host header";
  if (hosts == 0 && ri->http_version && std::strcmp(ri->http_version, "1.1") == 0) return "missing Host header";
  return nullptr;
}

}  // namespace proctree
