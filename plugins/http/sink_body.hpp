#pragma once
// How the `http` sink writes a batch into a request body: NDJSON (one JSON text per line) or one
// JSON array. Each payload must be JSON, checked in Sink::write() (Event::json_type(), without a
// DOM): an event that is not cannot be framed and is refused alone, instead of making the server
// refuse the whole body.

#include <optional>
#include <string>
#include <string_view>

#include "sluice/event.hpp"

namespace sluice::http {

enum class BodyFormat { ndjson, json_array };

BodyFormat body_format_named(const std::string& name);  // "ndjson" or "json_array"
const char* content_type_of(BodyFormat format);

// Why `event` cannot go into a body of `format`; empty when it can. A JSON payload whose own
// text spans lines (pretty-printed) is written on one line for NDJSON: `one_line` gets that form.
// Call from Sink::write() only (an event is read on its sink's write thread).
std::string check_body_event(const Event& event, BodyFormat format, std::optional<std::string>& one_line);

// Appends one JSON text; `first` for the first of its body. encoded_size() is what it adds.
void append_body_event(std::string& body, std::string_view json, BodyFormat format, bool first);
std::size_t encoded_size(std::size_t json_size, BodyFormat format);
// Before the first and after the last event: "[" and "]" for an array, nothing for NDJSON.
void open_body(std::string& body, BodyFormat format);
void close_body(std::string& body, BodyFormat format);

}  // namespace sluice::http
