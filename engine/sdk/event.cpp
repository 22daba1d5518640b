#include "sluice/event.hpp"

#include <nlohmann/json.hpp>

#include "sluice/errors.hpp"

namespace sluice {
namespace {

// nlohmann prefixes "[json.exception.parse_error.101] "; users need only the rest.
std::string reason_of(const nlohmann::json::exception& e) {
  std::string what = e.what();
  if (auto pos = what.find("] "); pos != std::string::npos) what.erase(0, pos + 2);
  return what;
}

// A document can hold what JSON cannot carry (a string that is not UTF-8, set by a transform from
// a header): that is the event's fault, so it becomes an EventError, not a failure of the batch.
std::string dump(const nlohmann::json& doc) {
  try {
    return doc.dump();
  } catch (const nlohmann::json::type_error& e) {
    throw EventError("cannot serialise the edited JSON: " + reason_of(e));
  }
}

}  // namespace

const std::string* Metadata::find(std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return &v;
  }
  return nullptr;
}

void Metadata::set(std::string key, std::string value) {
  for (auto& [k, v] : entries_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

bool Metadata::erase(std::string_view key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

Event::Event() : received_(Clock::now()) {}
Event::Event(std::string payload, Clock::time_point received) : payload_(std::move(payload)), received_(received) {}
Event::Event(std::string payload, nlohmann::json parsed, Clock::time_point received)
    : payload_(std::move(payload)), json_(std::make_unique<nlohmann::json>(std::move(parsed))), received_(received) {}
Event::Event(Event&&) noexcept = default;
Event& Event::operator=(Event&&) noexcept = default;
Event::~Event() = default;

Event Event::clone() const {
  Event copy(std::string(payload()), received_);
  copy.meta_ = meta_;
  return copy;
}

std::string_view Event::payload() const {
  if (payload_stale_) {
    payload_ = dump(*json_);
    payload_stale_ = false;
  }
  return payload_;
}

void Event::set_payload(std::string payload) {
  payload_ = std::move(payload);
  payload_stale_ = false;
  json_.reset();
}

const nlohmann::json& Event::json() const {
  if (!json_) {
    // nlohmann's lexer takes a NUL byte for the end of its input, so `{"a":1}<NUL>junk` would parse
    // and the junk stay in the payload. JSON has no raw NUL anywhere: refuse it here.
    if (const auto nul = payload_.find('\0'); nul != std::string::npos) {
      throw EventError("invalid JSON: a NUL byte at offset " + std::to_string(nul));
    }
    try {
      json_ = std::make_unique<nlohmann::json>(nlohmann::json::parse(payload_));
    } catch (const nlohmann::json::exception& e) {  // out_of_range too: a number too large for a double
      throw EventError("invalid JSON: " + reason_of(e));
    }
  }
  return *json_;
}

nlohmann::json& Event::mutable_json() {
  (void)json();
  payload_stale_ = true;
  return *json_;
}

void Event::set_member(std::string_view key, nlohmann::json value) {
  (void)json();
  nlohmann::json& doc = *json_;
  if (!doc.is_object()) throw EventError("expected a JSON object");
  auto it = doc.find(key);
  if (it != doc.end() || payload_stale_) {
    doc[std::string(key)] = std::move(value);
    payload_stale_ = true;
    return;
  }
  // The payload parsed as an object, so its last non-blank character is the closing brace.
  const auto brace = payload_.find_last_not_of(" \t\r\n");
  std::string member = doc.empty() ? "" : ",";
  member += nlohmann::json(key).dump();
  member += ':';
  member += dump(value);
  payload_.insert(brace, member);
  doc.emplace(std::string(key), std::move(value));
}

}  // namespace sluice
