#pragma once
// Turns a request body into events: one JSON document (a `body: single` route, such as the click
// tracker's POST /click), or a JSON array or NDJSON (`body: batch`, POST /clicks). Syntax errors
// name the element or line, for the 400 answer. Each event carries the document it was parsed
// into, so the pipeline's transforms do not parse it again. A leading UTF-8 byte order mark (of
// the body, and of each NDJSON line) is dropped: payloads are JSON text.
// Pure functions of their input, safe to fuzz: any bytes give events or a BodyError, never a throw.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/event.hpp"

namespace sluice::http {

struct BodyError {
  std::string message;
  std::optional<std::size_t> index;  // the element or line at fault, counted from 0
};

// One event. The payload is the body itself: no re-serialisation of what the client sent.
std::optional<BodyError> parse_single(std::string_view body, Clock::time_point received, std::vector<Event>& out);
// A JSON array (each element one event) or NDJSON (each non-empty line one event).
std::optional<BodyError> parse_batch(std::string_view body, std::size_t max_events, Clock::time_point received,
                                     std::vector<Event>& out);

}  // namespace sluice::http
