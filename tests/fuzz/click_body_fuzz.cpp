// Fuzzes the click body parser (plugins/http/click_body.hpp), what POST /click and POST /clicks
// turn a request body into.
//
// Input: the first byte picks the call, the rest is the body.
//   even: parse_single(body)
//   odd:  parse_batch(body, max_batch = 1 + (byte >> 1) % 16); parse_batch itself reads a body
//         whose first non-blank byte is '[' as a JSON array and anything else as NDJSON.
//
// Invariant: the parser never throws, and answers either
//   - an error with a non-empty message and, when it names an element or line, an index within the
//     body (parse_single names none; parse_batch's index is a line of the body), or
//   - events, at most max_batch of them (exactly one for parse_single, whose payload is the body),
//     as many as the body has elements (array) or non-blank lines (NDJSON), each of whose payload
//     is JSON text that nlohmann parses (strict UTF-8) both alone and spliced into another
//     document ("[" + payload + "]"), as the WebSocket frames splice it, and whose pre-parsed JSON
//     equals what the payload parses to (the contract of Event's pre-parsed constructor).

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "click_body.hpp"
#include "fuzz_check.hpp"

namespace {

using sluice::fuzz::printable;
using json = nlohmann::json;

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

void check_payload(const sluice::Event& event, std::size_t i) {
  const std::string_view payload = event.payload();
  FUZZ_CHECK(json::accept(payload), "event ", i, ": its payload is not JSON: ", printable(payload));
  FUZZ_CHECK(json::accept("[" + std::string(payload) + "]"), "event ", i,
             ": its payload is not JSON once spliced into a frame (a byte order mark, or bytes after a NUL?): ",
             printable(payload));
  FUZZ_CHECK(event.json() == json::parse(payload), "event ", i,
             ": its JSON differs from what its payload parses to: ", printable(payload));
}

// What the body holds, counted without the code under test: array elements or non-blank lines.
std::size_t expected_events(std::string_view body) {
  // A leading byte order mark is not part of the body (the parser drops it at ingest).
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  const auto first = body.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && body[first] == '[') {
    const json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
    return doc.is_array() ? doc.size() : 0;
  }
  std::size_t lines = 0;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    const std::size_t end = std::min(body.find('\n', pos), body.size());
    std::string_view line = body.substr(pos, end - pos);
    if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // dropped per line as well
    if (!blank(line)) ++lines;
    pos = end + 1;
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto now = sluice::Clock::now();
  std::vector<sluice::Event> events;

  if ((mode & 1) == 0) {
    std::optional<sluice::http::BodyError> error;
    try {
      error = sluice::http::parse_single(body, now, events);
    } catch (const std::exception& e) {
      sluice::fuzz::violated("the parser never throws", "parse_single threw: ", e.what(), ": ", printable(body));
    }
    if (error) {
      FUZZ_CHECK(!error->message.empty(), "parse_single: an error without a message");
      FUZZ_CHECK(!error->index, "parse_single: an error naming element ", *error->index, " of a single click");
      return 0;
    }
    FUZZ_CHECK(events.size() == 1, "parse_single: ", events.size(), " events from one body");
    // The payload is the body as sent, less a leading byte order mark (dropped at ingest).
    const std::string_view sent = body.substr(0, 3) == "\xEF\xBB\xBF" ? body.substr(3) : body;
    FUZZ_CHECK(events[0].payload() == sent, "parse_single: the payload is not the body");
    check_payload(events[0], 0);
    return 0;
  }

  const std::size_t max_batch = 1 + (mode >> 1) % 16;
  std::optional<sluice::http::BodyError> error;
  try {
    error = sluice::http::parse_batch(body, max_batch, now, events);
  } catch (const std::exception& e) {
    sluice::fuzz::violated("the parser never throws", "parse_batch threw: ", e.what(), ": ", printable(body));
  }
  if (error) {
    FUZZ_CHECK(!error->message.empty(), "parse_batch: an error without a message");
    if (error->index) {
      const std::size_t lines = static_cast<std::size_t>(std::count(body.begin(), body.end(), '\n')) + 1;
      FUZZ_CHECK(*error->index < lines, "parse_batch: the error names line ", *error->index, " of a body of ", lines,
                 " lines: ", error->message);
    }
    return 0;
  }
  FUZZ_CHECK(events.size() <= max_batch, "parse_batch: ", events.size(), " events, more than max_batch ", max_batch);
  const std::size_t expected = expected_events(body);
  FUZZ_CHECK(events.size() == expected, "parse_batch: ", events.size(), " events from a body holding ", expected, ": ",
             printable(body));
  for (std::size_t i = 0; i < events.size(); ++i) check_payload(events[i], i);
  return 0;
}
