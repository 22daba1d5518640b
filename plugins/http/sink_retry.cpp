#include "sink_retry.hpp"

#include <ctime>

namespace sluice::http {

AnswerVerdict verdict_for(unsigned status) {
  if (status >= 200 && status < 300) return AnswerVerdict::delivered;
  if (status == 408 || status == 429 || (status >= 500 && status < 600)) return AnswerVerdict::retry;
  if (status >= 400 && status < 500) return AnswerVerdict::refused;
  return AnswerVerdict::failed;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    if (value.size() > 9) return std::chrono::hours(24 * 365);  // "forever": the bound applies
    return std::chrono::seconds(std::stol(std::string(value)));
  }
  std::tm tm{};
  const std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
  if (at <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
}

std::chrono::milliseconds backoff_after(unsigned failures, std::chrono::milliseconds first,
                                        std::chrono::milliseconds max) {
  std::chrono::milliseconds wait = first;
  for (unsigned i = 1; i < failures && wait < max; ++i) wait *= 2;
  return wait < max ? wait : max;
}

std::string short_reason(std::string_view body, std::size_t limit) {
  std::string out;
  bool space = false;
  for (const char c : body) {
    const auto u = static_cast<unsigned char>(c);
    if (u == ' ' || u == '\t' || u == '\r' || u == '\n') {
      space = !out.empty();
      continue;
    }
    if (out.size() + (space ? 1 : 0) >= limit) return out + "…";
    if (space) out += ' ';
    space = false;
    out += (u < 0x20 || u >= 0x7f) ? '?' : c;
  }
  return out;
}

}  // namespace sluice::http
