#pragma once
// Whether a request's body length can be trusted (RFC 9112 §6.1, §6.3). When a client and a proxy
// in front of us disagree on where a body ends, the rest of it is read as a second request
// (request smuggling). Beast takes `Transfer-Encoding: chunked, identity` or `gzip` as "no body"
// and reads what follows as the next request; so every Transfer-Encoding is judged here and any
// doubt is answered and the connection closed.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::http {

struct FramingError {
  int status;  // 400 (the body length cannot be known) or 501 (a coding we do not decode)
  std::string message;
};

// `transfer_encodings`: the value of every Transfer-Encoding field, in order. Accepted: none, or
// exactly `chunked` (any case, maybe with empty list elements around it), on HTTP/1.1 and without
// Content-Length. Refused with 400: chunked not the final coding, chunked twice, chunked with
// parameters, an empty value, Transfer-Encoding on HTTP/1.0, Transfer-Encoding with
// Content-Length. Refused with 501: chunked preceded by any other coding (we decode none).
std::optional<FramingError> check_framing(const std::vector<std::string_view>& transfer_encodings,
                                          bool has_content_length, unsigned version);

}  // namespace sluice::http
