#pragma once
// Small text helpers for header values, shared by the request framing check and the rate
// limiter's X-Forwarded-For reading.

#include <string_view>

namespace sluice::http {

// A header list element without the optional white space (SP / HTAB) around it (RFC 9110 §5.6.1).
inline std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace sluice::http
