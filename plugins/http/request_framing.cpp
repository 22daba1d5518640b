#include "request_framing.hpp"

#include <cctype>

#include "header_text.hpp"

namespace sluice::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

}  // namespace

std::optional<FramingError> check_framing(const std::vector<std::string_view>& transfer_encodings,
                                          bool has_content_length, unsigned version) {
  if (transfer_encodings.empty()) return std::nullopt;
  if (version < 11) return FramingError{400, "Transfer-Encoding is not allowed in an HTTP/1.0 request"};
  if (has_content_length) {
    return FramingError{400, "a request may not have both Transfer-Encoding and Content-Length"};
  }
  // The codings in order, across every field; empty list elements are allowed and skipped.
  std::vector<std::string_view> codings;
  for (const auto field : transfer_encodings) {
    std::size_t pos = 0;
    while (pos <= field.size()) {
      const auto comma = std::min(field.find(',', pos), field.size());
      const auto coding = trim_ows(field.substr(pos, comma - pos));
      if (!coding.empty()) codings.push_back(coding);
      pos = comma + 1;
    }
  }
  if (codings.empty()) return FramingError{400, "Transfer-Encoding is empty"};
  std::size_t chunked = 0;
  for (const auto c : codings) chunked += iequals(c, "chunked");
  if (!iequals(codings.back(), "chunked")) {
    if (chunked == 0 && codings.back().find(';') != std::string_view::npos &&
        iequals(trim_ows(codings.back().substr(0, codings.back().find(';'))), "chunked")) {
      return FramingError{400, "the chunked transfer coding takes no parameters"};
    }
    return FramingError{400, "the final transfer coding must be chunked, or the body length cannot be known"};
  }
  if (chunked > 1) return FramingError{400, "chunked may be applied only once"};
  if (codings.size() > 1) {
    return FramingError{501, "no transfer coding but chunked is supported; send the body uncompressed"};
  }
  return std::nullopt;
}

}  // namespace sluice::http
