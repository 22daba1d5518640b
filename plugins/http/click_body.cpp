#include "click_body.hpp"

#include <cstring>

#include <nlohmann/json.hpp>

#include "sluice/errors.hpp"

namespace sluice::http {
namespace {

std::string reason_of(const nlohmann::json::exception& e) {
  std::string what = e.what();
  if (auto pos = what.find("] "); pos != std::string::npos) what.erase(0, pos + 2);
  return "invalid JSON: " + what;
}

// A UTF-8 byte order mark is not JSON (RFC 8259 §8.1), though parsers skip it; stored with the
// payload it would make every frame that carries the payload invalid JSON. Dropped at ingest.
std::string_view without_bom(std::string_view s) {
  constexpr std::string_view bom = "\xEF\xBB\xBF";
  return s.substr(0, bom.size()) == bom ? s.substr(bom.size()) : s;
}

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// A click is a flat object. Deeper documents are refused before parsing: nlohmann parses them
// iteratively, but serialises recursively, and an array element nested 100,000 levels deep
// overflowed the stack when it was dumped as its own event.
constexpr std::size_t kMaxDepth = 64;

// How many times `c` occurs in `text`, counted up to `limit + 1` only. memchr is vectorised: a
// flat click costs a few dozen instructions where a loop over every byte cost two thousand.
std::size_t count_up_to(std::string_view text, char c, std::size_t limit) {
  std::size_t n = 0;
  if (text.empty()) return 0;  // memchr must not see a null pointer, even for no bytes
  for (const char* p = text.data(); n <= limit; ++p, ++n) {
    p = static_cast<const char*>(std::memchr(p, c, text.size() - (p - text.data())));
    if (p == nullptr) break;
  }
  return n;
}

// Bytes JSON cannot hold unescaped are refused before parsing: nlohmann stops at a NUL, so
// `{"page":"a"}\0junk` would be taken as one click with the junk still in its payload. Also
// measures nesting, outside strings.
std::optional<std::string> precheck(std::string_view text) {
  // simdjson skips a byte order mark at the start of what it parses, but the payload is stored and
  // spliced into frames and arrays as it is, where a BOM is not JSON. The body's own first one is
  // removed before this (without_bom); a second one is refused.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") return "invalid JSON: a second byte order mark at its start";
  // No NUL, and too few brackets (counted inside strings too) to nest past the limit: nothing to
  // refuse, and no need to walk the text byte by byte.
  if (!text.empty() && std::memchr(text.data(), '\0', text.size()) == nullptr &&
      count_up_to(text, '{', kMaxDepth) + count_up_to(text, '[', kMaxDepth) <= kMaxDepth) {
    return std::nullopt;
  }
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\0') return "invalid JSON: a NUL byte at offset " + std::to_string(i);
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return "nested deeper than " + std::to_string(kMaxDepth) + " levels";
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

// The event for one click's text, checked as JSON without building a DOM (Event::json_type():
// simdjson, with nlohmann's reason when it is not JSON). The pipeline's json_validate and enrich
// then reuse that check instead of parsing again; nothing on the click path needs the DOM.
std::optional<std::string> check_into(std::string_view text, Clock::time_point received, std::vector<Event>& out) {
  if (auto why = precheck(text)) return why;
  Event event(std::string(text), received);
  try {
    (void)event.json_type();
  } catch (const EventError& e) {
    return std::string(e.what());
  }
  out.push_back(std::move(event));
  return std::nullopt;
}

}  // namespace

std::optional<BodyError> parse_single(std::string_view body, Clock::time_point received, std::vector<Event>& out) {
  body = without_bom(body);
  if (blank(body))
    return BodyError{"the body is empty; expected a JSON object such as {\"page\": \"frontend\", \"clickNumber\": 1}",
                     {}};
  if (auto why = check_into(body, received, out)) return BodyError{*why, {}};
  return std::nullopt;
}

std::optional<BodyError> parse_batch(std::string_view body, std::size_t max_events, Clock::time_point received,
                                     std::vector<Event>& out) {
  body = without_bom(body);
  const auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return BodyError{"the body is empty; expected a JSON array or NDJSON", {}};
  auto too_many = [&] { return BodyError{"more than " + std::to_string(max_events) + " events in one request", {}}; };
  if (body[first] == '[') {
    nlohmann::json array;
    if (auto why = precheck(body)) return BodyError{*why, {}};
    try {
      array = nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception& e) {
      return BodyError{reason_of(e), {}};
    }
    if (!array.is_array()) return BodyError{"expected a JSON array", {}};
    if (array.size() > max_events) return too_many();
    for (auto& element : array) {
      std::string text = element.dump();
      out.emplace_back(std::move(text), std::move(element), received);
    }
    return std::nullopt;
  }
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    const std::size_t end = std::min(body.find('\n', pos), body.size());
    const std::string_view line = without_bom(body.substr(pos, end - pos));
    if (!blank(line)) {
      if (out.size() == max_events) return too_many();
      if (auto why = check_into(line, received, out)) {
        return BodyError{"line " + std::to_string(line_no + 1) + ": " + *why, line_no};
      }
    }
    ++line_no;
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace sluice::http
