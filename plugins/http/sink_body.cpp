#include "sink_body.hpp"

#include <nlohmann/json.hpp>

#include "sluice/errors.hpp"

namespace sluice::http {

BodyFormat body_format_named(const std::string& name) {
  return name == "json_array" ? BodyFormat::json_array : BodyFormat::ndjson;
}

const char* content_type_of(BodyFormat format) {
  return format == BodyFormat::ndjson ? "application/x-ndjson" : "application/json";
}

std::string check_body_event(const Event& event, BodyFormat format, std::optional<std::string>& one_line) {
  one_line.reset();
  try {
    (void)event.json_type();
  } catch (const EventError& e) {
    return std::string("the payload is not JSON, which ") +
           (format == BodyFormat::ndjson ? "an NDJSON" : "a JSON array") + " body needs: " + e.what();
  }
  // A JSON string cannot hold a raw line break, so one in the text is whitespace between tokens:
  // the compact form says the same on one line.
  if (format == BodyFormat::ndjson && event.payload().find_first_of("\r\n") != std::string_view::npos) {
    one_line = event.json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return {};
}

void append_body_event(std::string& body, std::string_view json, BodyFormat format, bool first) {
  if (format == BodyFormat::json_array && !first) body += ',';
  body.append(json);
  if (format == BodyFormat::ndjson) body += '\n';
}

std::size_t encoded_size(std::size_t json_size, BodyFormat) { return json_size + 1; }  // a newline or a comma

void open_body(std::string& body, BodyFormat format) {
  if (format == BodyFormat::json_array) body += '[';
}

void close_body(std::string& body, BodyFormat format) {
  if (format == BodyFormat::json_array) body += ']';
}

}  // namespace sluice::http
