#include "click_body.hpp"

#include <nlohmann/json.hpp>

namespace sluice::http {
namespace {

std::string reason_of(const nlohmann::json::parse_error& e) {
  std::string what = e.what();
  if (auto pos = what.find("] "); pos != std::string::npos) what.erase(0, pos + 2);
  return "invalid JSON: " + what;
}

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// The syntax check only: accept() builds no document, so a valid body costs no allocations here
// (the pipeline parses it once, when a transform or sink first asks). Only a body that fails is
// parsed again, for the reason the 400 answer gives.
std::optional<std::string> syntax_error(std::string_view text) {
  if (nlohmann::json::accept(text)) return std::nullopt;
  try {
    const auto parsed = nlohmann::json::parse(text);  // throws: accept() said it is not JSON
    (void)parsed;
  } catch (const nlohmann::json::parse_error& e) {
    return reason_of(e);
  }
  return "invalid JSON";
}

}  // namespace

std::optional<BodyError> parse_single(std::string_view body, std::vector<std::string>& out) {
  if (blank(body)) return BodyError{"the body is empty; expected a JSON object such as {\"page\": \"frontend\", \"clickNumber\": 1}", {}};
  if (auto why = syntax_error(body)) return BodyError{*why, {}};
  out.emplace_back(body);
  return std::nullopt;
}

std::optional<BodyError> parse_batch(std::string_view body, std::size_t max_events, std::vector<std::string>& out) {
  const auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return BodyError{"the body is empty; expected a JSON array or NDJSON", {}};
  auto too_many = [&] {
    return BodyError{"more than " + std::to_string(max_events) + " events in one request", {}};
  };
  if (body[first] == '[') {
    nlohmann::json array;
    try {
      array = nlohmann::json::parse(body);
    } catch (const nlohmann::json::parse_error& e) {
      return BodyError{reason_of(e), {}};
    }
    if (!array.is_array()) return BodyError{"expected a JSON array", {}};
    if (array.size() > max_events) return too_many();
    for (const auto& element : array) out.push_back(element.dump());
    return std::nullopt;
  }
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    const std::size_t end = std::min(body.find('\n', pos), body.size());
    const std::string_view line = body.substr(pos, end - pos);
    if (!blank(line)) {
      if (out.size() == max_events) return too_many();
      if (auto why = syntax_error(line)) return BodyError{"line " + std::to_string(line_no + 1) + ": " + *why, line_no};
      out.emplace_back(line);
    }
    ++line_no;
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace sluice::http
