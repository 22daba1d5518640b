#include "sluice/event.hpp"

#include <nlohmann/json.hpp>

#include "sluice/errors.hpp"

namespace sluice {

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
    payload_ = json_->dump();
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
    try {
      json_ = std::make_unique<nlohmann::json>(nlohmann::json::parse(payload_));
    } catch (const nlohmann::json::parse_error& e) {
      std::string what = e.what();
      // nlohmann prefixes "[json.exception.parse_error.101] "; users need only the rest.
      if (auto pos = what.find("] "); pos != std::string::npos) what.erase(0, pos + 2);
      throw EventError("invalid JSON: " + what);
    }
  }
  return *json_;
}

nlohmann::json& Event::mutable_json() {
  (void)json();
  payload_stale_ = true;
  return *json_;
}

}  // namespace sluice
