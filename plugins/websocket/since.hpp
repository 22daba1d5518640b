#pragma once
// `?since=EPOCH:SEQ`: what a reconnecting dashboard names as the last event it saw.
//
// Accepted, and nothing else (anything else means "no since": the client gets a snapshot):
//   - the query parameter named exactly `since` (not `xsince`, not `since[]`), appearing once;
//   - EPOCH: the hub's epoch as it prints it, exactly 16 lowercase hex digits;
//   - a single `:` (not percent-encoded);
//   - SEQ: 1 to 20 decimal digits, no sign, no leading zero, no spaces, no trailing characters,
//     at most 2^64-1.
// A pure function of the request target, so a fuzz target can call it with any bytes.

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace sluice::websocket {

using Since = std::pair<std::string, std::uint64_t>;  // (epoch, last seq seen)

inline constexpr std::size_t kEpochDigits = 16;

inline bool is_epoch(std::string_view s) {
  if (s.size() != kEpochDigits) return false;
  for (const char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// `value` is what follows `since=`.
inline std::optional<Since> parse_since_value(std::string_view value) {
  const auto colon = value.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view epoch = value.substr(0, colon);
  const std::string_view seq = value.substr(colon + 1);
  if (!is_epoch(epoch) || seq.empty() || seq.size() > 20) return std::nullopt;
  if (seq.size() > 1 && seq[0] == '0') return std::nullopt;  // "007": the dashboard never sends it
  for (const char c : seq) {
    if (c < '0' || c > '9') return std::nullopt;  // also refuses '+', '-', spaces and a second ':'
  }
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), n);
  if (ec != std::errc{} || end != seq.data() + seq.size()) return std::nullopt;  // overflow
  return Since{std::string(epoch), n};
}

// The request target as sent ("/path?a=b&since=..."). nullopt when it names no valid since.
inline std::optional<Since> parse_since(std::string_view target) {
  const auto question = target.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(question + 1);
  query = query.substr(0, query.find('#'));
  std::optional<std::string_view> value;
  while (true) {
    const auto amp = query.find('&');
    const std::string_view param = query.substr(0, amp);
    const auto eq = param.find('=');
    if (param.substr(0, eq) == "since") {
      if (value || eq == std::string_view::npos) return std::nullopt;  // twice, or without a value
      value = param.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  if (!value) return std::nullopt;
  return parse_since_value(*value);
}

}  // namespace sluice::websocket
