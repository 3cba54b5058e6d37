#pragma once
// Where a request ends must be beyond doubt, for CivetWeb and for any proxy
// in front of it, or a body is taken for a next request (request smuggling,
// RFC 9112 sections 5 and 6). CivetWeb parses at most 64 header lines and
// stops, silently, at the 64th or at a line it does not understand, and lets
// Transfer-Encoding win over a Content-Length beside it. This checks the
// header block as it was received, before anything is answered.
#include <cstddef>
#include <string_view>

struct mg_request_info;  // civetweb.h

namespace proctree {

struct FramingProblem {
  int status = 0;                // 0: fine; otherwise 400 or 431
  const char* reason = nullptr;  // for the answer's body
};

// `block`: the request line and header lines up to and including the blank
// line, as received (CRLF or bare LF line ends). `max_headers`: the server's
// header limit; a request with that many header lines or more is refused
// (431), since the server may not have seen them all. Refused (400): a line
// starting with a space or tab (obsolete line folding, or whitespace before
// the first header), a bare CR, a field name that is not a token or has
// whitespace before its colon, both Content-Length and Transfer-Encoding,
// more than one Transfer-Encoding line.
FramingProblem CheckRequestFraming(std::string_view block, std::size_t max_headers);

// Framing CivetWeb lets through and RFC 9112 refuses (sections 3.2 and 6.3):
// a Content-Length that is not one number, or several that differ (CivetWeb
// takes the first, a proxy in front may take another: a smuggled request),
// and an HTTP/1.1 request without exactly one Host. nullptr when fine.
const char* BadFraming(const mg_request_info* ri);

}  // namespace proctree
